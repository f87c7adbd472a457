"""`livermet model ...`: inspect a model and export it to SBML."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from ..cli_util import emit_json

model_app = typer.Typer(help="Inspect models and export them (SBML).", no_args_is_help=True, add_completion=False)
console = Console()

ModelOpt = typer.Option("reference", "--model", "-m", help="Model name (see `livermet model list`).")
JsonOpt = typer.Option(False, "--json", help="Print one JSON object with stable keys.")


def _get(name: str):
    from ..biology import get_model

    try:
        return get_model(name)
    except ValueError as exc:
        console.print(f"[red]error:[/] --model: {exc}")
        raise typer.Exit(2) from exc


@model_app.command("list")
def list_models(json_out: bool = JsonOpt) -> None:
    """List the models livermet ships."""
    from ..biology import MODELS

    rows = []
    for name, factory in MODELS.items():
        m = factory()
        rows.append({"name": name, "title": m.description, "species": len(m.species_),
                     "parameters": len(m.parameters_), "processes": len(m.processes_)})
    if json_out:
        emit_json(rows)
        return
    for r in rows:
        console.print(f"[bold]{r['name']}[/]: {r['title']} ({r['species']} species, {r['parameters']} parameters, "
                      f"{r['processes']} processes)")


@model_app.command("info")
def info(model: str = ModelOpt, json_out: bool = JsonOpt) -> None:
    """Counts of a model's components and of its parameter sources."""
    m = _get(model)
    m.validate()
    kinds = [p.source.kind for p in m.parameters_.values()]
    data = {
        "model": m.name, "hash": m.hash(), "species": len(m.species_), "parameters": len(m.parameters_),
        "processes": len(m.processes_), "observables": list(m.observables_), "events": len(m.events_),
        "modules": list(m.modules_), "parameters_sourced": kinds.count("citation"),
        "parameters_calibrated": kinds.count("calibrated"), "parameters_assumed": kinds.count("assumed"),
    }
    if json_out:
        emit_json(data)
        return
    for k, v in data.items():
        console.print(f"{k}: {v}")


@model_app.command("export-sbml")
def export_sbml(
    out: Path = typer.Argument(..., help="Output file (.xml)."),
    model: str = ModelOpt,
    events: bool = typer.Option(True, "--events/--no-events", help="Include the model's own events (doses)."),
    json_out: bool = JsonOpt,
) -> None:
    """Write the model as SBML Level 3 Version 2 (checked by libSBML)."""
    from .sbml import SBMLExportError, to_sbml

    m = _get(model)
    m.validate()
    try:
        text = to_sbml(m, include_events=events)
    except SBMLExportError as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(1) from exc
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    data = {"model": m.name, "path": str(out), "bytes": len(text.encode()), "species": len(m.species_),
            "reactions": len(m.processes_), "events": len(m.events_) if events else 0}
    if json_out:
        emit_json(data)
    else:
        console.print(f"wrote {out} ({data['bytes']} bytes; {data['species']} species, {data['reactions']} reactions)")


@model_app.command("describe")
def describe(
    model: str = typer.Option("liver", "--model", "-m", help="Model name (see `livermet model list`)."),
    out: Path = typer.Option(None, "--out", "-o", help="Write the documentation to FILE.md or FILE.html."),
    parameter_set: str = typer.Option("default", "--parameter-set", help="Fitted values to document: 'default' "
                                      "(the model's calibrated set, if shipped), 'none', a set id or a YAML file."),
    json_out: bool = JsonOpt,
) -> None:
    """Documentation generated from the model: modules, species, processes (LaTeX) with evidence,
    parameters with sources, hooks, observables and a diagram; --json prints the counts."""
    from ..biology.describe import summary, to_html, to_markdown
    from ..calibration.parameter_set import (ParameterSetError, apply_parameter_set, load_parameter_set,
                                             resolve_parameter_set)

    m = _get(model)
    try:
        path = resolve_parameter_set(parameter_set, model)
        if path is not None:
            apply_parameter_set(m, load_parameter_set(path))
    except ParameterSetError as exc:
        console.print(f"[red]error:[/] --parameter-set: {exc}")
        raise typer.Exit(2) from exc
    data = summary(m)
    if out is not None:
        text = to_html(m) if out.suffix.lower() in (".html", ".htm") else to_markdown(m)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        data["path"] = str(out)
    if json_out:
        emit_json(data)
    elif out is None:
        typer.echo(to_markdown(m))
    else:
        console.print(f"wrote {out} ({data['species']} species, {data['processes']} processes, "
                      f"{data['parameters']} parameters)")
