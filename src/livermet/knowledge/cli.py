"""`livermet kb ...`: search, show, stats, export, graph, validate, index-seeds, model-coverage, vocab.

Every command that reports something takes `--json` and then prints one JSON object with stable
keys on stdout. Problems in knowledge files go to stderr as `file:line [id] field: message`.
"""

from __future__ import annotations

import difflib
import json
import sys
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.table import Table

from .issues import ISSUE_CODES, Issue
from .kb import KnowledgeBase

kb_app = typer.Typer(
    help="The cited knowledge base: entities, statements and clinical results from the seed reviews.",
    no_args_is_help=True,
    add_completion=False,
)

out = Console(soft_wrap=False)
plain = Console(soft_wrap=True, highlight=False)
err = Console(stderr=True, soft_wrap=True)

ExtraOpt = typer.Option(None, "--extra", "-x", help="A directory (or file) of your own knowledge YAML to merge with the built-in base; repeatable.")
JsonOpt = typer.Option(False, "--json", help="Print one JSON object with stable keys.")


def _emit_json(obj: object) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=1) + "\n")


def _load(extra: Optional[List[Path]], quiet: bool = False) -> KnowledgeBase:
    from .loader import load_knowledge_base

    for p in extra or []:
        if not Path(p).exists():
            err.print(f"[red]error:[/] --extra {p}: no such file or directory")
            raise typer.Exit(2)
    kb = load_knowledge_base(extra_dirs=extra or [])
    if kb.errors and not quiet:
        err.print(f"[yellow]warning:[/] {len(kb.errors)} error(s) in knowledge files; the records concerned are left out "
                  "(run `livermet kb validate` for the full list). First ones:")
        for issue in kb.errors[:5]:
            err.print("  " + issue.format(), markup=False, highlight=False)
    return kb


# ----------------------------------------------------------------------------- search
@kb_app.command()
def search(
    text: str = typer.Argument(..., help="English, Chinese, synonym, abbreviation or id, e.g. 库普弗, Kupffer, KC."),
    kind: Optional[List[str]] = typer.Option(None, "--kind", "-k", help="entity, statement or clinical_result (repeatable)."),
    limit: int = typer.Option(30, "--limit", "-n", help="Maximum number of hits (0: all)."),
    extra: Optional[List[Path]] = ExtraOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Find entities, statements and clinical results (case-insensitive; exact matches first)."""
    from .search import search as run_search

    kb = _load(extra, quiet=as_json)
    kinds = tuple(kind) if kind else ("entity", "statement", "clinical_result")
    bad = [k for k in kinds if k not in ("entity", "statement", "clinical_result")]
    if bad:
        err.print(f"[red]error:[/] --kind {bad[0]!r}: choose entity, statement or clinical_result")
        raise typer.Exit(2)
    hits = run_search(kb, text, kinds=kinds, limit=limit or None)
    if as_json:
        _emit_json({"query": text, "count": len(hits), "hits": [h.to_dict() for h in hits]})
        return
    if not hits:
        out.print(f"no match for {text!r}")
        return
    table = Table(title=f"{len(hits)} hit(s) for {text!r}", show_lines=False)
    for col in ("kind", "id", "score", "matched", "text"):
        table.add_column(col, overflow="fold")
    for h in hits:
        table.add_row(h.kind, h.id, str(h.score), h.matched, h.text)
    out.print(table)


# ----------------------------------------------------------------------------- show
def _print_statements(title: str, rows: list[dict]) -> None:
    if not rows:
        return
    table = Table(title=title, show_lines=True)
    for col in ("id", "statement", "section", "evidence"):
        table.add_column(col, overflow="fold")
    for s in rows:
        stmt = f"{s['subject_name']} [b]{s['relation']}[/b] {s['object_name']}"
        if s["via"]:
            stmt += f" (via {', '.join(s['via'])})"
        if s["in_context"]:
            stmt += f" (in {', '.join(s['in_context'])})"
        stmt += f"\n{s['paraphrase']}"
        table.add_row(s["id"], stmt, s["section"] or "", "\n".join(s["citation_text"]))
    out.print(table)


@kb_app.command()
def show(
    record_id: str = typer.Argument(..., metavar="ID", help="An entity, statement or clinical-result id."),
    extra: Optional[List[Path]] = ExtraOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Show an entity with its incoming and outgoing statements and their citations (or a statement,
    or a clinical result)."""
    from .reports import show as build
    from .search import search as run_search

    kb = _load(extra, quiet=as_json)
    if kb.kind_of(record_id) is None:
        hits = run_search(kb, record_id, limit=1)
        if hits and hits[0].score >= 95:
            record_id = hits[0].id  # a name or abbreviation that names exactly one record
        else:
            close = difflib.get_close_matches(record_id, [*kb.entities, *kb.statements, *kb.clinical], n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else "; try `livermet kb search`"
            err.print(f"[red]error:[/] no entity, statement or clinical result has id {record_id!r}{hint}")
            raise typer.Exit(2)
    report = build(kb, record_id)
    if as_json:
        _emit_json(report)
        return
    rec = report["record"]
    src = report["source"]
    where = f"{src['file']}:{src['line']}" if src else ""
    if report["kind"] == "entity":
        out.print(f"[b]{rec['name']}[/b]" + (f" · {rec['name_zh']}" if rec["name_zh"] else "") + f"  ({rec['type']}, id {rec['id']})")
        if rec["synonyms"]:
            out.print("synonyms: " + ", ".join(rec["synonyms"]))
        if rec["identifiers"]:
            out.print("identifiers: " + ", ".join(f"{k} {v}" for k, v in rec["identifiers"].items()))
        out.print(f"defined at {where}", style="dim")
        _print_statements(f"outgoing ({len(report['outgoing'])})", report["outgoing"])
        _print_statements(f"incoming ({len(report['incoming'])})", report["incoming"])
        _print_statements(f"via / in context ({len(report['mentioned_in'])})", report["mentioned_in"])
        if not (report["outgoing"] or report["incoming"] or report["mentioned_in"]):
            out.print("no statement names this entity yet")
    elif report["kind"] == "statement":
        _print_statements(f"statement {record_id}  ({where})", [rec])
    else:
        table = Table(title=f"clinical result {record_id}  ({where})", show_header=False)
        table.add_column("field")
        table.add_column("value", overflow="fold")
        for k, v in rec.items():
            if k != "evidence" and v not in (None, [], {}):
                table.add_row(k, json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else str(v))
        table.add_row("citations", "\n".join(report["citations"]))
        out.print(table)


# ----------------------------------------------------------------------------- stats
@kb_app.command()
def stats(
    extra: Optional[List[Path]] = ExtraOpt,
    references: bool = typer.Option(False, "--references", help="Also list every reference number with its statements."),
    as_json: bool = JsonOpt,
) -> None:
    """Counts, and coverage of the seed reviews per section and per cited reference."""
    from .reports import stats as build

    kb = _load(extra, quiet=as_json)
    report = build(kb, with_references=True)
    if as_json:
        _emit_json(report)
        return
    out.print(f"[b]{report['entities']}[/b] entities, [b]{report['statements']}[/b] statements, "
              f"[b]{report['clinical_results']}[/b] clinical results "
              f"({report['issues']['errors']} errors, {report['issues']['warnings']} warnings in the files)")
    ct = report["calibration_targets"]
    out.print(f"calibration targets linked: {ct['linked']}/{ct['total']}"
              + (f" (missing: {', '.join(ct['missing'])})" if ct["missing"] else ""))
    rc, sc = report["reference_coverage"], report["section_coverage"]
    table = Table(title="coverage of the seed reviews")
    for col in ("seed", "references cited", "covered", "fraction", "missing refs", "sections required", "covered", "fraction", "missing sections"):
        table.add_column(col, overflow="fold")
    for seed in rc["per_seed"]:
        r, s = rc["per_seed"][seed], sc["per_seed"][seed]
        table.add_row(seed, str(r["cited"]), str(r["covered"]), f"{r['fraction']:.0%}", ", ".join(map(str, r["missing"])),
                      str(s["required"]), str(s["covered"]), f"{s['fraction']:.0%}", ", ".join(s["missing"]))
    table.add_row("overall", str(rc["overall"]["cited"]), str(rc["overall"]["covered"]), f"{rc['overall']['fraction']:.0%}", "",
                  str(sc["overall"]["required"]), str(sc["overall"]["covered"]), f"{sc['overall']['fraction']:.0%}", "")
    out.print(table)
    sec_table = Table(title="statements per section")
    for col in ("seed", "section", "title", "required", "statements", "refs cited", "refs without statement"):
        sec_table.add_column(col, overflow="fold")
    for seed, s in sc["per_seed"].items():
        for sid, v in s["sections"].items():
            sec_table.add_row(seed.split("_")[0], sid, v["title"] or "", "yes" if v["required"] else "",
                              str(v["statements"]), ", ".join(map(str, v["refs_cited"])), ", ".join(map(str, v["refs_missing"])))
    out.print(sec_table)
    if references:
        ref_table = Table(title="references")
        for col in ("seed", "ref", "first author", "year", "sections", "statements", "clinical"):
            ref_table.add_column(col, overflow="fold")
        for seed, rows in report["references"].items():
            for r in rows:
                ref_table.add_row(seed.split("_")[0], str(r["number"]), r["first_author"] or "", str(r["year"] or ""),
                                  ", ".join(r["cited_in_sections"]), str(len(r["statements"])), str(len(r["clinical_results"])))
        out.print(ref_table)


# ----------------------------------------------------------------------------- export / graph
@kb_app.command()
def export(
    fmt: str = typer.Option(..., "--format", "-f", help="graphml, json or csv."),
    out_path: Optional[Path] = typer.Option(None, "--out", "-o", help="Output file (a directory for csv). Default: stdout (csv: the statements table)."),
    extra: Optional[List[Path]] = ExtraOpt,
    as_json: bool = typer.Option(False, "--json", help="With --out: print {format, written} as JSON."),
) -> None:
    """Export the knowledge base as GraphML (networkx), JSON or CSV tables."""
    from .export import FORMATS
    from .export import export as run_export

    if fmt not in FORMATS:
        err.print(f"[red]error:[/] --format {fmt!r}: choose one of {', '.join(FORMATS)}")
        raise typer.Exit(2)
    kb = _load(extra, quiet=True)
    result = run_export(kb, fmt, out_path)
    if isinstance(result, str):
        sys.stdout.write(result if result.endswith("\n") else result + "\n")
        return
    if as_json:
        _emit_json({"format": fmt, "written": [str(p) for p in result]})
    else:
        for p in result:
            out.print(f"wrote {p}")


@kb_app.command()
def graph(
    out_html: Path = typer.Argument(..., metavar="OUT.html", help="The HTML file to write."),
    include_isolated: bool = typer.Option(False, "--include-isolated", help="Also draw entities no statement names."),
    title: str = typer.Option("livermet knowledge graph", "--title"),
    extra: Optional[List[Path]] = ExtraOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Write a self-contained interactive network (works offline, no CDN)."""
    from .graph_html import write_html

    kb = _load(extra, quiet=as_json)
    path = write_html(kb, out_html, title=title, include_isolated=include_isolated)
    if as_json:
        _emit_json({"written": str(path), "bytes": path.stat().st_size})
    else:
        out.print(f"wrote {path} ({path.stat().st_size // 1024} KiB)")


# ----------------------------------------------------------------------------- validate
@kb_app.command()
def validate(
    path: Optional[Path] = typer.Argument(None, help="Your knowledge directory or YAML file. Default: the built-in base."),
    standalone: bool = typer.Option(False, "--standalone", help="Do not merge with the built-in base (ids must all be defined in PATH)."),
    warnings_as_errors: bool = typer.Option(False, "--strict", help="Fail on warnings too."),
    as_json: bool = JsonOpt,
) -> None:
    """Check knowledge files: schema, dangling ids, unknown relations, missing evidence, duplicates,
    bad identifiers. Exit status 1 when there are errors."""
    from .validate import validate_builtin, validate_path

    if path is not None and not path.exists():
        err.print(f"[red]error:[/] {path}: no such file or directory")
        raise typer.Exit(2)
    kb, issues = validate_builtin() if path is None else validate_path(path, builtin=not standalone)
    errors = [i for i in issues if i.severity == "error"]
    warnings = [i for i in issues if i.severity == "warning"]
    failed = bool(errors) or (warnings_as_errors and bool(warnings))
    if as_json:
        _emit_json({
            "path": str(path) if path else "builtin",
            "ok": not failed,
            "errors": len(errors),
            "warnings": len(warnings),
            "issues": [i.to_dict() for i in issues],
            "counts": {"entities": len(kb.entities), "statements": len(kb.statements), "clinical_results": len(kb.clinical)},
        })
    else:
        for i in issues:
            (err if i.severity == "error" else plain).print(i.format(), markup=False, highlight=False)
        verdict = "[red]FAILED[/]" if failed else "[green]OK[/]"
        out.print(f"{verdict}: {len(errors)} error(s), {len(warnings)} warning(s) in {path or 'the built-in base'}")
    if failed:
        raise typer.Exit(1)


# ----------------------------------------------------------------------------- index-seeds
@kb_app.command("index-seeds")
def index_seeds(
    seeds_dir: Path = typer.Argument(..., help="Folder with the seed review .txt files."),
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", help="Where to write seed_index/ and references/. Default: the package's data folder."),
    targets: Optional[Path] = typer.Option(None, "--targets", help="calibration targets.csv. Default: SEEDS_DIR/../calibration/targets.csv when present."),
    as_json: bool = JsonOpt,
) -> None:
    """Parse the seed reviews (sections, cited reference numbers, reference lists) and write the
    shipped index that `kb stats` and `kb validate` use."""
    from .seed_index import DATA_DIR, read_index, shipped_catalogue, write_index

    if not seeds_dir.is_dir():
        err.print(f"[red]error:[/] {seeds_dir}: not a directory")
        raise typer.Exit(2)
    if targets is None:
        guess = seeds_dir.resolve().parent / "calibration" / "targets.csv"
        targets = guess if guess.exists() else None
    try:
        written = write_index(seeds_dir, data_dir or DATA_DIR, targets)
    except FileNotFoundError as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2)
    shipped_catalogue.cache_clear()
    cat = read_index(data_dir or DATA_DIR)
    summary = {
        "written": [str(p) for p in written],
        "seeds": {s: {"sections": len(i.sections), "cited_refs": len(i.cited_refs), "reference_list": len(i.references)}
                  for s, i in cat.seeds.items()},
        "targets": len(cat.targets),
    }
    if as_json:
        _emit_json(summary)
    else:
        for s, v in summary["seeds"].items():
            out.print(f"{s}: {v['sections']} sections, {v['cited_refs']} cited reference numbers, "
                      f"{v['reference_list']} entries in the reference list")
        out.print(f"{summary['targets']} calibration targets; wrote {len(written)} files")


# ----------------------------------------------------------------------------- model coverage
@kb_app.command("model-coverage")
def model_coverage_cmd(
    ids_file: Path = typer.Argument(..., help="Statement ids the model implements: a JSON list or one id per line ('-' for stdin)."),
    extra: Optional[List[Path]] = ExtraOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Which statements a model represents: covered, not covered, out of scope, unknown ids."""
    from .model_link import model_coverage

    text = sys.stdin.read() if str(ids_file) == "-" else ids_file.read_text(encoding="utf-8")
    try:
        ids = json.loads(text)
        if not isinstance(ids, list):
            raise ValueError
    except ValueError:
        ids = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.strip().startswith("#")]
    kb = _load(extra, quiet=as_json)
    cov = model_coverage([str(i) for i in ids], kb)
    if as_json:
        _emit_json(cov.to_dict())
        return
    out.print(f"covered {len(cov.covered)}, not covered {len(cov.not_covered)}, out of scope {len(cov.out_of_scope)}, "
              f"unknown ids {len(cov.unknown)}; coverage of in-scope statements {cov.fraction:.0%}")
    if cov.unknown:
        err.print("unknown statement ids: " + ", ".join(cov.unknown))


# ----------------------------------------------------------------------------- vocabulary
@kb_app.command()
def vocab(as_json: bool = JsonOpt) -> None:
    """The controlled vocabularies: entity types, relations, identifier kinds, issue codes."""
    from .vocabulary import ENDPOINTS, ENTITY_TYPES, IDENTIFIER_PATTERNS, RELATIONS, SPECIES, STATISTICS, STUDY_TYPES

    data = {
        "entity_types": ENTITY_TYPES,
        "relations": {k: v[0] for k, v in RELATIONS.items()},
        "identifiers": {k: v[1] for k, v in IDENTIFIER_PATTERNS.items()},
        "species": list(SPECIES),
        "study_types": list(STUDY_TYPES),
        "endpoints": list(ENDPOINTS),
        "statistics": list(STATISTICS),
        "issue_codes": ISSUE_CODES,
    }
    if as_json:
        _emit_json(data)
        return
    for name, values in data.items():
        table = Table(title=name.replace("_", " "))
        table.add_column("value")
        table.add_column("meaning", overflow="fold")
        items = values.items() if isinstance(values, dict) else ((v, "") for v in values)
        for k, v in items:
            table.add_row(k, v)
        out.print(table)


__all__ = ["kb_app", "Issue"]
