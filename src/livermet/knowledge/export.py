"""Export the knowledge base as JSON, GraphML (via networkx) or CSV tables."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import networkx as nx

from .graph import to_graphml_ready, to_networkx
from .kb import KnowledgeBase

FORMATS = ("json", "graphml", "csv")
CSV_TABLES = ("entities", "statements", "clinical_results")


def to_json_dict(kb: KnowledgeBase) -> dict:
    """Every record, as in the YAML files, plus for each the file and line it came from."""
    def rec(r, with_citations: bool = False) -> dict:
        d = r.model_dump(mode="json")
        src = kb.sources.get(r.id)
        d["source"] = {"file": src.file, "line": src.line} if src else None
        if with_citations:
            d["citations"] = [kb.citation(ev) for ev in r.evidence]
        return d

    return {
        "format": "livermet-knowledge",
        "format_version": 1,
        "entities": [rec(e) for e in kb.entities.values()],
        "statements": [rec(s, True) for s in kb.statements.values()],
        "clinical_results": [rec(c, True) for c in kb.clinical.values()],
    }


def to_json(kb: KnowledgeBase) -> str:
    return json.dumps(to_json_dict(kb), ensure_ascii=False, indent=1)


def to_graphml(kb: KnowledgeBase) -> str:
    buf = io.BytesIO()
    nx.write_graphml(to_graphml_ready(to_networkx(kb)), buf, encoding="utf-8")
    return buf.getvalue().decode("utf-8")


def _join(v: object) -> object:
    if v is None:
        return ""
    if isinstance(v, (list, tuple)):
        return "; ".join(str(x) for x in v)
    if isinstance(v, dict):
        return "; ".join(f"{k}={x}" for k, x in v.items())
    return v


def table_rows(kb: KnowledgeBase, table: str) -> tuple[list[str], list[dict]]:
    """(columns, rows) of one CSV table: entities, statements or clinical_results."""
    if table == "entities":
        cols = ["id", "type", "name", "name_zh", "synonyms", "identifiers", "description", "file", "line"]
        rows = [{**e.model_dump(), "file": kb.sources[e.id].file, "line": kb.sources[e.id].line} for e in kb.entities.values()]
    elif table == "statements":
        cols = ["id", "subject", "relation", "object", "via", "in_context", "site", "species", "study_type",
                "section", "citations", "paraphrase", "model_scope", "file", "line"]
        rows = [{**s.model_dump(exclude={"context", "evidence"}), **s.context.model_dump(),
                 "citations": [kb.format_citation(ev) for ev in s.evidence],
                 "file": kb.sources[s.id].file, "line": kb.sources[s.id].line} for s in kb.statements.values()]
    elif table == "clinical_results":
        cols = ["id", "trial", "population", "arms", "subgroup", "endpoint", "statistic", "value_exp", "ci_exp",
                "value_ctrl", "ci_ctrl", "hr", "hr_ci", "p_value", "n_exp", "n_ctrl", "unit", "target_id",
                "section", "citations", "note", "file", "line"]
        rows = [{**c.model_dump(exclude={"evidence"}), "citations": [kb.format_citation(ev) for ev in c.evidence],
                 "file": kb.sources[c.id].file, "line": kb.sources[c.id].line} for c in kb.clinical.values()]
    else:
        raise ValueError(f"unknown table {table!r}; choose one of {', '.join(CSV_TABLES)}")
    return cols, [{c: _join(r.get(c)) for c in cols} for r in rows]


def to_csv(kb: KnowledgeBase, table: str = "statements") -> str:
    cols, rows = table_rows(kb, table)
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=cols, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def export(kb: KnowledgeBase, fmt: str, out: Path | None) -> list[Path] | str:
    """Write the export to `out` (a file; a directory for CSV) and return the paths written, or
    return the text when `out` is None (CSV: the statements table)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if fmt == "csv":
        if out is None:
            return to_csv(kb, "statements")
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        paths = []
        for table in CSV_TABLES:
            p = out / f"{table}.csv"
            p.write_text(to_csv(kb, table), encoding="utf-8")
            paths.append(p)
        return paths
    text = to_json(kb) if fmt == "json" else to_graphml(kb)
    if out is None:
        return text
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(text, encoding="utf-8")
    return [Path(out)]
