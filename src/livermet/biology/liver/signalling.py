"""Signalling pathways as effective, patient-specific modifiers of the processes they act on.

Each is a relative pathway activity (1 = a typical tumour) that multiplies a rate elsewhere in the model;
variability between patients stands for the heterogeneity of the pathway. None of the reviews gives a
magnitude, so all are `assumed` with a range of 0.25-4 (a four-fold difference either way)."""

from __future__ import annotations

from ...modeling import Model, assumed, lognormal
from .common import P

# name, description, where it acts (statement ids are cited by the processes that use them)
MODIFIERS = [
    ("psmd14_smad3", "PSMD14 stabilising Smad3 (TGF-beta/SMAD signalling in cancer cells)", "dissemination (EMT)"),
    ("rreb1_priming", "RAS-RREB1 priming of EMT enhancers for TGF-beta/SMAD", "dissemination (EMT), fibrosis"),
    ("cbx4_bmi1", "CBX4 raising BMI-1 (migration and invasion)", "dissemination"),
    ("mettl3_yap1", "METTL3 m6A methylation raising YAP1 under IL-6 inflammation", "liver-lesion proliferation"),
    ("fgf9_fgfr1", "FGF9/FGFR1 signalling (FAK, AKT, ERK)", "liver-lesion proliferation, M2 polarisation"),
    ("succinate_sucnr1", "tumour succinate acting on SUCNR1-PI3K-AKT-HIF-1alpha in macrophages", "M2/TAM polarisation, IL-6"),
    ("oct4_mcsf", "Oct4-driven M-CSF secretion by cancer cells", "M2 polarisation"),
    ("rap1_barrier", "Rap1 pathway (hepatic endothelial barrier, adhesion)", "extravasation in the liver"),
    ("hif1_pathway", "HIF-1 signalling in liver-specific colonisation", "angiogenic switch in the liver"),
    ("plexinb2_klf4", "hepatocyte Plexin B2 - class IV semaphorin contact raising KLF4 (epithelial phenotype)",
     "colonisation of the liver"),
    ("alahm_hgf", "exosomal lncRNA ALAHM inducing hepatocyte HGF", "liver-lesion proliferation, invasion"),
    ("integrin_b1", "integrin beta1 - FAK/Src signalling", "extravasation and colonisation"),
    ("integrin_ev", "integrin cargo of tumour extracellular vesicles", "pre-metastatic niche"),
    ("mir92a_ev", "miR-92a in bone-marrow-derived extracellular vesicles", "stellate-cell activation, niche"),
    ("circnox4_fap", "circNOX4 sponging miR-329-5p, raising FAP in fibroblasts", "FAP+ CAF activation"),
    ("grp78_level", "GRP78 overexpression in cancer cells", "liver colonisation, immune tolerance"),
]


def signalling_module(m: Model) -> dict:
    p = P(m)
    out = {}
    with m.module("signalling", "signalling pathways as effective multiplicative modifiers (relative activity, 1 typical)"):
        for name, desc, acts in MODIFIERS:
            out[name] = p(name, 1.0, "dimensionless", 0.25, 4.0, assumed(
                f"relative activity of {desc}; acts on {acts}; no magnitude in the reviews, 1 = typical tumour, "
                "patients differ about two-fold (range 0.25-4)"), lognormal(0.35), desc)
    return out
