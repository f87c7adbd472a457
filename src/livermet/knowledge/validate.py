"""Checks across records: dangling entity ids, missing or unknown evidence, unknown sections and
calibration targets, duplicate statements, entities that share a label.

`validate_path` is what `livermet kb validate PATH` runs: it loads the user's files merged with the
built-in base (so that they may refer to built-in entities) and keeps the issues of the user's files.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

from .issues import Issue
from .kb import KnowledgeBase
from .schema import ClinicalResult, Evidence, Statement


def _issue(kb: KnowledgeBase, code: str, message: str, rid: str, loc: tuple[Any, ...] = (),
           severity: str = "error") -> Issue:
    src = kb.sources.get(rid)
    field = None
    if loc:
        from .yaml_lines import dotted

        field = dotted(loc)
    return Issue(code, message, src.file if src else None, src.line_of(loc) if src else None, field, rid, severity)


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


# ----------------------------------------------------------------------------- evidence
def _check_evidence(kb: KnowledgeBase, rid: str, evidence: list[Evidence], section: str | None,
                    target_id: str | None = None) -> list[Issue]:
    out: list[Issue] = []
    cat = kb.catalogue
    if not evidence or all(ev.is_empty() for ev in evidence):
        if target_id and target_id in cat.targets:
            # the calibration target row names its source: tolerated, but a citation is better
            out.append(_issue(kb, "missing_evidence", f"no evidence; only calibration target {target_id} names the "
                              "source: add first_author / year / doi", rid, ("evidence",), "warning"))
            return out
        out.append(_issue(kb, "missing_evidence", "no evidence: give at least one item with a seed and its reference "
                          "numbers, or a DOI / PMID / URL / first author for evidence outside the seeds", rid, ("evidence",)))
        return out
    seeds_cited: list[str] = []
    for i, ev in enumerate(evidence):
        loc = ("evidence", i)
        if ev.is_empty():
            out.append(_issue(kb, "missing_evidence", "evidence item names no seed, DOI, PMID, URL or first author", rid, loc))
            continue
        if ev.seed is None:
            if ev.refs:
                out.append(_issue(kb, "missing_evidence", "reference numbers without a seed: say which review prints them",
                                  rid, loc + ("refs",)))
            continue
        seed = cat.resolve_seed(ev.seed)
        if seed is None:
            known = ", ".join(cat.seeds) or "none (the seed index is empty)"
            out.append(_issue(kb, "unknown_seed", f"unknown seed {ev.seed!r}; known seeds: {known}", rid, loc + ("seed",)))
            continue
        seeds_cited.append(seed)
        known_refs = cat.known_refs(seed)
        for j, n in enumerate(ev.refs):
            if n not in known_refs:
                top = max(known_refs) if known_refs else 0
                out.append(_issue(kb, "unknown_reference", f"seed {seed} does not cite reference [{n}] "
                                  f"(it cites [1]-[{top}])", rid, loc + ("refs", j)))
        listed = [r for n in ev.refs if (r := cat.reference(seed, n)) is not None]
        if listed and ev.doi and ev.doi.lower() not in {(r.doi or "").lower() for r in listed}:
            out.append(_issue(kb, "citation_mismatch", f"doi {ev.doi} differs from the reference list of {seed}: "
                              + ", ".join(f"[{r.number}] {r.doi}" for r in listed), rid, loc + ("doi",), "warning"))
        if listed and ev.first_author and _norm(ev.first_author) not in {_norm(r.first_author or "") for r in listed}:
            out.append(_issue(kb, "citation_mismatch", f"first_author {ev.first_author!r} differs from the reference "
                              f"list of {seed}: " + ", ".join(f"[{r.number}] {r.first_author}" for r in listed),
                              rid, loc + ("first_author",), "warning"))
        if listed and ev.year and ev.year not in {r.year for r in listed}:
            out.append(_issue(kb, "citation_mismatch", f"year {ev.year} differs from the reference list of {seed}: "
                              + ", ".join(f"[{r.number}] {r.year}" for r in listed), rid, loc + ("year",), "warning"))
    if seeds_cited:
        if section is None:
            out.append(_issue(kb, "missing_section", "evidence cites a seed review but the record gives no section",
                              rid, ("section",), "warning"))
        elif not any(cat.section(s, section) for s in seeds_cited):
            valid = sorted({sec.id for s in seeds_cited for sec in cat.seeds[s].sections})
            out.append(_issue(kb, "unknown_section", f"section {section!r} is not a section of "
                              f"{' or '.join(dict.fromkeys(seeds_cited))} (sections: {', '.join(valid)})",
                              rid, ("section",)))
    return out


# ----------------------------------------------------------------------------- records
def _check_statement(kb: KnowledgeBase, st: Statement) -> list[Issue]:
    out: list[Issue] = []
    refs: list[tuple[tuple[Any, ...], str]] = [(("subject",), st.subject), (("object",), st.object)]
    refs += [(("via", i), v) for i, v in enumerate(st.via)]
    refs += [(("in_context", i), v) for i, v in enumerate(st.in_context)]
    for loc, eid in refs:
        if eid not in kb.entities:
            import difflib

            hint = difflib.get_close_matches(eid, list(kb.entities), n=1)
            extra = f"; did you mean {hint[0]!r}?" if hint else ""
            out.append(_issue(kb, "dangling_id", f"no entity has id {eid!r}{extra}", st.id, loc))
    out += _check_evidence(kb, st.id, st.evidence, st.section)
    return out


def _check_clinical(kb: KnowledgeBase, cr: ClinicalResult) -> list[Issue]:
    out = _check_evidence(kb, cr.id, cr.evidence, cr.section, cr.target_id)
    if cr.target_id and kb.catalogue.targets and cr.target_id not in kb.catalogue.targets:
        out.append(_issue(kb, "unknown_target", f"calibration target {cr.target_id!r} does not exist "
                          f"(known: {', '.join(sorted(kb.catalogue.targets))})", cr.id, ("target_id",)))
    return out


def _statement_key(kb: KnowledgeBase, st: Statement) -> tuple:
    evidence = frozenset((kb.catalogue.resolve_seed(ev.seed) or ev.seed, tuple(sorted(ev.refs)), (ev.doi or "").lower())
                         for ev in st.evidence)
    section = _norm(st.section) if st.section else None
    return (st.subject, st.relation, st.object, tuple(sorted(st.via)), tuple(sorted(st.in_context)),
            st.context.species, section, evidence)


def _duplicates(kb: KnowledgeBase) -> list[Issue]:
    out: list[Issue] = []
    seen: dict[tuple, str] = {}
    for sid, st in kb.statements.items():
        key = _statement_key(kb, st)
        if key in seen:
            first = seen[key]
            src = kb.sources[first]
            out.append(_issue(kb, "duplicate_statement", f"says the same as {first} ({src.file}:{src.line}): same "
                              "subject, relation, object, via, context, section and evidence", sid))
        else:
            seen[key] = sid
    labels: dict[str, str] = {}
    for eid, ent in kb.entities.items():
        for label in dict.fromkeys(_norm(x) for x in (ent.name, ent.name_zh, *ent.synonyms) if x):
            other = labels.get(label)
            if other and other != eid:
                out.append(_issue(kb, "ambiguous_label", f"label {label!r} also names entity {other!r}; "
                                  "search for it will return both", eid, ("synonyms",), "warning"))
            else:
                labels[label] = eid
    return out


def cross_check(kb: KnowledgeBase) -> list[Issue]:
    """All cross-record issues of `kb` (schema issues are found while loading)."""
    out: list[Issue] = []
    for st in kb.statements.values():
        out += _check_statement(kb, st)
    for cr in kb.clinical.values():
        out += _check_clinical(kb, cr)
    out += _duplicates(kb)
    return out


def validate_path(path: Path | str, *, builtin: bool = True) -> tuple[KnowledgeBase, list[Issue]]:
    """Validate the knowledge files under `path`, merged with the built-in base unless `builtin=False`.

    Returns the merged base and the issues that concern the files under `path`.
    """
    from .loader import load_paths

    path = Path(path)
    kb = load_paths([path], builtin=builtin)
    root = path.resolve()

    def mine(issue: Issue) -> bool:
        if issue.file is None:
            return False
        f = Path(issue.file).resolve()
        return f == root or root in f.parents

    return kb, [i for i in kb.issues if mine(i)]


def validate_builtin() -> tuple[KnowledgeBase, list[Issue]]:
    from .loader import load_paths

    kb = load_paths([], builtin=True)
    return kb, list(kb.issues)
