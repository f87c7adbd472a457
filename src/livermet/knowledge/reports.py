"""JSON-ready reports behind the CLI: `show` (one record with its statements and citations) and
`stats` (counts and coverage). The keys are stable; the CLI prints them as tables or as JSON."""

from __future__ import annotations

from collections import Counter

from .coverage import per_reference, reference_coverage, section_coverage
from .kb import KnowledgeBase
from .schema import Statement


def statement_dict(kb: KnowledgeBase, st: Statement) -> dict:
    src = kb.sources.get(st.id)
    return {
        "id": st.id,
        "subject": st.subject,
        "subject_name": kb.entity_label(st.subject),
        "relation": st.relation,
        "object": st.object,
        "object_name": kb.entity_label(st.object),
        "via": list(st.via),
        "in_context": list(st.in_context),
        "context": st.context.model_dump(),
        "section": st.section,
        "paraphrase": st.paraphrase,
        "model_scope": st.model_scope,
        "citations": [kb.citation(ev) for ev in st.evidence],
        "citation_text": [kb.format_citation(ev) for ev in st.evidence],
        "source": {"file": src.file, "line": src.line} if src else None,
    }


def show(kb: KnowledgeBase, record_id: str) -> dict:
    """Everything about one id. Keys: kind, id, record, source, and for an entity
    outgoing / incoming / mentioned_in (statement dicts) and citations (distinct citation texts)."""
    kind = kb.kind_of(record_id)
    if kind is None:
        raise KeyError(record_id)
    src = kb.sources.get(record_id)
    out: dict = {"kind": kind, "id": record_id, "source": {"file": src.file, "line": src.line} if src else None}
    if kind == "entity":
        out["record"] = kb.entities[record_id].model_dump(mode="json")
        out["outgoing"] = [statement_dict(kb, s) for s in kb.outgoing(record_id)]
        out["incoming"] = [statement_dict(kb, s) for s in kb.incoming(record_id)]
        out["mentioned_in"] = [statement_dict(kb, s) for s in kb.mentioned_in(record_id)]
        cites = [c for part in ("outgoing", "incoming", "mentioned_in") for s in out[part] for c in s["citation_text"]]
        out["citations"] = sorted(set(cites))
    elif kind == "statement":
        out["record"] = statement_dict(kb, kb.statements[record_id])
        out["citations"] = out["record"]["citation_text"]
    else:
        cr = kb.clinical[record_id]
        out["record"] = cr.model_dump(mode="json")
        out["citations"] = [kb.format_citation(ev) for ev in cr.evidence]
    return out


def stats(kb: KnowledgeBase, with_references: bool = True) -> dict:
    """Counts and coverage. Keys: entities, statements, clinical_results (counts), entities_by_type,
    entities_without_statements, statements_by_relation, statements_by_seed, statements_out_of_model_scope, clinical_by_endpoint,
    calibration_targets, reference_coverage, section_coverage, references (per reference, optional),
    issues (error and warning counts)."""
    by_seed: Counter[str] = Counter()
    for st in kb.statements.values():
        for seed in {kb.catalogue.resolve_seed(ev.seed) or "(no seed)" for ev in st.evidence} or {"(no evidence)"}:
            by_seed[seed] += 1
    linked = {c.target_id for c in kb.clinical.values() if c.target_id}
    named = {eid for st in kb.statements.values() for eid in st.entity_ids()}
    targets = sorted(kb.catalogue.targets, key=lambda t: int(t[1:]) if t[1:].isdigit() else 0)
    out = {
        "entities": len(kb.entities),
        "statements": len(kb.statements),
        "clinical_results": len(kb.clinical),
        "entities_by_type": dict(sorted(Counter(e.type for e in kb.entities.values()).items())),
        "entities_without_statements": sorted(set(kb.entities) - named),
        "statements_by_relation": dict(sorted(Counter(s.relation for s in kb.statements.values()).items())),
        "statements_by_seed": dict(sorted(by_seed.items())),
        "statements_out_of_model_scope": sum(1 for s in kb.statements.values() if s.model_scope),
        "clinical_by_endpoint": dict(sorted(Counter(c.endpoint for c in kb.clinical.values()).items())),
        "calibration_targets": {
            "total": len(targets),
            "linked": len([t for t in targets if t in linked]),
            "missing": [t for t in targets if t not in linked],
        },
        "reference_coverage": reference_coverage(kb),
        "section_coverage": section_coverage(kb),
        "issues": {"errors": len(kb.errors), "warnings": len(kb.warnings)},
    }
    if with_references:
        out["references"] = per_reference(kb)
    return out
