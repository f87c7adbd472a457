"""How much of the seed reviews the statements cover: per section and per cited reference.

* A reference is covered when at least one statement cites its number for that seed; the
  denominator is the set of numbers cited in the review's running text (parsed from the seed).
* A section is covered when at least one statement is placed in it or in one of its sub-sections.
  The phases of seed 001 section 1 (①-⑤) are sub-sections `1.p1`-`1.p5` (aliases `1.①`, `1.1`,
  ...); a statement labelled with section `1` counts for a phase when it names the phase's entity.
  Sections counted in the fraction are those marked `required` in the seed index: sections with
  running text, not the introduction or the closing summary, and not a parent whose text only
  introduces numbered sub-sections (see `seeds.py`).
"""

from __future__ import annotations

from collections import defaultdict

from .kb import KnowledgeBase
from .schema import Statement
from .seeds import normalise_label


def _statement_seed_refs(kb: KnowledgeBase, st: Statement) -> dict[str, set[int]]:
    out: dict[str, set[int]] = defaultdict(set)
    for ev in st.evidence:
        seed = kb.catalogue.resolve_seed(ev.seed)
        if seed:
            out[seed].update(ev.refs)
    return out


def _phase_entities(kb: KnowledgeBase, seed: str, parent: str) -> dict[str, set[str]]:
    """Phase sub-sections of `parent` -> ids of the entities whose name, Chinese name or synonym is
    the phase's title (seed 001: 转移前生态位 -> pre_metastatic_niche, ...)."""
    cache = kb.__dict__.setdefault("_phase_entity_cache", {})
    if (seed, parent) in cache:
        return cache[(seed, parent)]
    index = kb.catalogue.seeds[seed]
    out: dict[str, set[str]] = {}
    for sec in index.sections:
        if sec.kind == "phase" and sec.parent == parent and sec.title:
            want = normalise_label(sec.title)
            out[sec.id] = {eid for eid, e in kb.entities.items()
                           if any(normalise_label(x) == want for x in (e.name, e.name_zh, *e.synonyms) if x)}
    cache[(seed, parent)] = out
    return out


def statement_sections(kb: KnowledgeBase, st: Statement) -> list[tuple[str, str]]:
    """The (seed, section id) pairs a statement is placed in: its section, in the first of its
    evidence seeds that has such a section. A statement placed in a section that is split into
    phases (seed 001 section 1) is placed in the phases whose entity it names (subject, object,
    via or in_context), or in the section itself when it names none."""
    if st.section is None:
        return []
    for ev in st.evidence:
        seed = kb.catalogue.resolve_seed(ev.seed)
        if seed:
            sec = kb.catalogue.section(seed, st.section)
            if sec is not None:
                named = set(st.entity_ids())
                phases = [pid for pid, ents in _phase_entities(kb, seed, sec.id).items() if ents & named]
                return [(seed, pid) for pid in phases] or [(seed, sec.id)]
    return []


def reference_coverage(kb: KnowledgeBase) -> dict:
    """Per seed and overall: cited reference numbers, those a statement cites, and the fraction."""
    covered: dict[str, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    for sid, st in kb.statements.items():
        for seed, refs in _statement_seed_refs(kb, st).items():
            for n in refs:
                covered[seed][n].append(sid)
    per_seed = {}
    total_cited = total_covered = 0
    for seed, index in kb.catalogue.seeds.items():
        cited = list(index.cited_refs)
        hit = [n for n in cited if covered[seed].get(n)]
        missing = [n for n in cited if not covered[seed].get(n)]
        per_seed[seed] = {
            "cited": len(cited),
            "covered": len(hit),
            "fraction": round(len(hit) / len(cited), 4) if cited else 1.0,
            "missing": missing,
        }
        total_cited += len(cited)
        total_covered += len(hit)
    overall = {
        "cited": total_cited,
        "covered": total_covered,
        "fraction": round(total_covered / total_cited, 4) if total_cited else 1.0,
    }
    return {"overall": overall, "per_seed": per_seed}


def per_reference(kb: KnowledgeBase) -> dict[str, list[dict]]:
    """For every reference number of every seed: where it is cited, which statements and clinical
    results cite it, and the bibliographic data known for it."""
    st_refs: dict[tuple[str, int], list[str]] = defaultdict(list)
    cr_refs: dict[tuple[str, int], list[str]] = defaultdict(list)
    biblio: dict[tuple[str, int], dict] = {}
    for records, target in ((kb.statements, st_refs), (kb.clinical, cr_refs)):
        for rid, rec in records.items():
            for ev in rec.evidence:
                seed = kb.catalogue.resolve_seed(ev.seed)
                if not seed:
                    continue
                for n in ev.refs:
                    target[(seed, n)].append(rid)
                    if len(ev.refs) == 1 and (ev.first_author or ev.doi):
                        biblio.setdefault((seed, n), {"first_author": ev.first_author, "year": ev.year, "doi": ev.doi})
    out: dict[str, list[dict]] = {}
    for seed, index in kb.catalogue.seeds.items():
        sections_of: dict[int, list[str]] = defaultdict(list)
        for sec in index.sections:
            for n in sec.refs:
                sections_of[n].append(sec.id)
        numbers = sorted(set(index.cited_refs) | {r.number for r in index.references})
        rows = []
        for n in numbers:
            ref = kb.catalogue.reference(seed, n)
            info = ({"first_author": ref.first_author, "year": ref.year, "doi": ref.doi} if ref
                    else biblio.get((seed, n), {"first_author": None, "year": None, "doi": None}))
            rows.append({
                "number": n,
                **info,
                "cited_in_sections": sections_of.get(n, []),
                "statements": st_refs.get((seed, n), []),
                "clinical_results": cr_refs.get((seed, n), []),
            })
        out[seed] = rows
    return out


def section_coverage(kb: KnowledgeBase) -> dict:
    """Per seed and overall: statements per section, covered flags and the fraction of required
    sections that have at least one statement."""
    counts: dict[tuple[str, str], int] = defaultdict(int)
    refs_stated: dict[str, set[int]] = defaultdict(set)
    for st in kb.statements.values():
        for seed, sid in statement_sections(kb, st):
            counts[(seed, sid)] += 1
        for seed, refs in _statement_seed_refs(kb, st).items():
            refs_stated[seed] |= refs
    per_seed = {}
    total_required = total_covered = 0
    for seed, index in kb.catalogue.seeds.items():
        children: dict[str, list[str]] = defaultdict(list)
        for sec in index.sections:
            if sec.parent:
                children[sec.parent].append(sec.id)

        def subtree(sid: str) -> int:
            return counts[(seed, sid)] + sum(subtree(c) for c in children.get(sid, []))

        sections = {}
        required = covered = 0
        for sec in index.sections:
            n_here = subtree(sec.id)
            sections[sec.id] = {
                "title": sec.title,
                "kind": sec.kind,
                "required": sec.required,
                "statements": counts[(seed, sec.id)],
                "statements_incl_subsections": n_here,
                "covered": n_here > 0,
                "refs_cited": sec.refs,
                "refs_missing": [n for n in sec.refs if n not in refs_stated[seed]],
            }
            if sec.required:
                required += 1
                covered += n_here > 0
        per_seed[seed] = {
            "required": required,
            "covered": covered,
            "fraction": round(covered / required, 4) if required else 1.0,
            "missing": [s for s, v in sections.items() if v["required"] and not v["covered"]],
            "sections": sections,
        }
        total_required += required
        total_covered += covered
    overall = {
        "required": total_required,
        "covered": total_covered,
        "fraction": round(total_covered / total_required, 4) if total_required else 1.0,
    }
    return {"overall": overall, "per_seed": per_seed}
