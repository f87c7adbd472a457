"""Controlled vocabularies of the knowledge base: entity types, relations, identifiers, contexts.

Each vocabulary is a mapping from the value written in the YAML files to a short English
description (and, for graphs, a colour). The pydantic schema and the validator both read them
from here, so adding a relation is a one-line change.
"""

from __future__ import annotations

import re

# ----------------------------------------------------------------------------- entity types
ENTITY_TYPES: dict[str, str] = {
    "cell": "a cell type (Kupffer cell, CD8+ T cell, tumour cell)",
    "cell_state": "a state or subset of a cell type (M2 macrophage, exhausted T cell)",
    "molecule": "a small molecule, metabolite, nucleic acid or extracellular vesicle",
    "gene_protein": "a gene or its protein product (TGF-beta, PD-L1, CXCL9)",
    "pathway": "a signalling pathway or programme (TGF-beta/SMAD, JAK2-STAT3)",
    "drug": "a drug or investigational agent (pembrolizumab, bevacizumab)",
    "therapy_modality": "a class of treatment (immunotherapy, SBRT, radiofrequency ablation)",
    "process": "a biological process or metastatic phase (EMT, angiogenesis, pre-metastatic niche)",
    "organ_site": "an organ, tissue or anatomical site (liver, space of Disse)",
    "clinical_variable": "a clinical variable or outcome (overall survival, LDH, NLR)",
}

ENTITY_TYPE_COLOURS: dict[str, str] = {
    "cell": "#1f77b4",
    "cell_state": "#6baed6",
    "molecule": "#9467bd",
    "gene_protein": "#2ca02c",
    "pathway": "#98df8a",
    "drug": "#d62728",
    "therapy_modality": "#ff9896",
    "process": "#ff7f0e",
    "organ_site": "#8c564b",
    "clinical_variable": "#7f7f7f",
}

# ----------------------------------------------------------------------------- relations
# sign: +1 the subject increases the object, -1 decreases it, 0 neither or not directional
RELATIONS: dict[str, tuple[str, int]] = {
    "promotes": ("subject increases or favours the object", +1),
    "inhibits": ("subject decreases or blocks the object", -1),
    "activates": ("subject switches the object into an active state", +1),
    "secretes": ("subject (a cell) releases the object (a molecule)", +1),
    "recruits": ("subject attracts the object (a cell) to a site", +1),
    "polarizes": ("subject drives the object into a polarised state", +1),
    "kills": ("subject kills the object (a cell)", -1),
    "presents_antigen_to": ("subject presents antigen to the object (a T cell)", 0),
    "induces": ("subject causes the object to appear or happen", +1),
    "binds": ("subject binds the object physically", 0),
    "transitions_to": ("subject changes into the object (a state or phase)", 0),
    "correlates_with": ("subject is statistically associated with the object", 0),
    "improves_outcome": ("subject improves the object (a clinical outcome)", +1),
    "worsens_outcome": ("subject worsens the object (a clinical outcome)", -1),
    "expresses": ("subject (a cell) expresses the object (a gene or protein)", 0),
    "suppresses": ("subject dampens the function of the object", -1),
    "depletes": ("subject removes or reduces the number of the object", -1),
    "differentiates_into": ("subject (a cell) differentiates into the object", 0),
    "protects_against": ("subject protects the object from harm or from an effect", +1),
    "is_marker_of": ("subject marks or predicts the object", 0),
    "no_effect_on": ("subject shows no significant effect on the object", 0),
}

RELATION_COLOURS: dict[str, str] = {
    "promotes": "#2ca02c",
    "inhibits": "#d62728",
    "activates": "#17becf",
    "secretes": "#9467bd",
    "recruits": "#bcbd22",
    "polarizes": "#e377c2",
    "kills": "#8b0000",
    "presents_antigen_to": "#1f77b4",
    "induces": "#ff7f0e",
    "binds": "#8c564b",
    "transitions_to": "#7f7f7f",
    "correlates_with": "#aaaaaa",
    "improves_outcome": "#006400",
    "worsens_outcome": "#b22222",
    "expresses": "#6a5acd",
    "suppresses": "#c71585",
    "depletes": "#a0522d",
    "differentiates_into": "#4682b4",
    "protects_against": "#20b2aa",
    "is_marker_of": "#daa520",
    "no_effect_on": "#c0c0c0",
}

# ----------------------------------------------------------------------------- contexts
SPECIES: tuple[str, ...] = ("human", "mouse", "rat", "in_vitro", "mixed")
STUDY_TYPES: tuple[str, ...] = ("preclinical", "clinical", "meta_analysis", "review", "population_based")

# ----------------------------------------------------------------------------- clinical
ENDPOINTS: tuple[str, ...] = (
    "OS", "PFS", "ORR", "DCR", "HR_OS", "HR_PFS",
    "ORR_intrahepatic", "PFS_intrahepatic",  # RECIST read on the liver lesions alone
    "prevalence", "share", "incidence", "survival_rate", "other",
)
STATISTICS: tuple[str, ...] = ("median", "hazard_ratio", "rate", "proportion", "mean", "p_value", "other")

# ----------------------------------------------------------------------------- identifiers
# key -> (regular expression, human description of the expected form)
IDENTIFIER_PATTERNS: dict[str, tuple[re.Pattern[str], str]] = {
    "HGNC": (re.compile(r"^[A-Z0-9][A-Za-z0-9\-_.@/#]*$"), "an approved human gene symbol such as TGFB1 or CD274"),
    "CL": (re.compile(r"^CL:\d{7}$"), "a Cell Ontology id such as CL:0000091"),
    "CHEBI": (re.compile(r"^CHEBI:\d+$"), "a ChEBI id such as CHEBI:30616"),
    "DRUGBANK": (re.compile(r"^DB\d{5}$"), "a DrugBank id such as DB09037"),
    "NCIT": (re.compile(r"^(NCIT:)?C\d+$"), "an NCI Thesaurus code such as C2926 or NCIT:C2926"),
    "GO": (re.compile(r"^GO:\d{7}$"), "a Gene Ontology id such as GO:0001837"),
}


def identifier_problem(key: str, value: str) -> str | None:
    """Why `value` is not a valid identifier of kind `key`, or None when it is valid."""
    if key not in IDENTIFIER_PATTERNS:
        return f"unknown identifier kind {key!r}; allowed: {', '.join(IDENTIFIER_PATTERNS)}"
    pattern, description = IDENTIFIER_PATTERNS[key]
    if not isinstance(value, str) or not pattern.match(value):
        return f"{value!r} is not {description}"
    if key == "HGNC" and re.search(r"[a-z]", value.replace("orf", "")):
        return (f"{value!r} is not an HGNC symbol: human gene symbols are upper case "
                f"(did you mean {value.upper()!r}? mouse symbols belong in synonyms)")
    return None


# entity ids are snake_case; statement and clinical-result ids may also use capitals (T01, KEYNOTE)
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
ID_DESCRIPTION = "snake_case: a lower-case letter, then lower-case letters, digits or '_'"
RECORD_ID_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
RECORD_ID_DESCRIPTION = "a letter, then letters, digits or '_'"
