"""`livermet therapy ...`: list agents and regimens, show an agent's parameters and hooks, validate a regimen."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from ..cli_util import emit_json

therapy_app = typer.Typer(help="Therapy library: agents (PK/PD), regimens, toxicity.", no_args_is_help=True,
                          add_completion=False)
console = Console()
JsonOpt = typer.Option(False, "--json", help="Print one JSON document with stable keys.")


@therapy_app.command("list")
def list_cmd(kind: str = typer.Option(None, "--kind", "-k", help="antibody, chemotherapy, targeted, "
                                       "experimental or local."),
             json_out: bool = JsonOpt) -> None:
    """List every agent: drugs, cell therapies and local therapies."""
    from . import list_agents

    rows = [{"id": a.id, "kind": a.kind, "name": a.name} for a in list_agents(kind)]
    if json_out:
        emit_json(rows)
        return
    t = Table("id", "kind", "name")
    for r in rows:
        t.add_row(r["id"], r["kind"], r["name"])
    console.print(t)


@therapy_app.command("show")
def show(agent_id: str = typer.Argument(..., help="Agent id (see `livermet therapy list`)."),
         parameter_set: str = typer.Option(
             "default", "--parameter-set", help="The values trials run with: 'default' (the calibrated set of the "
             "liver model, the trials' default), 'none' (the agent's own values), a set id or a YAML file."),
         json_out: bool = JsonOpt) -> None:
    """An agent's parameters with their sources, and the hooks / processes it acts through."""
    from ..calibration.parameter_set import (ParameterSetError, apply_to_described, load_parameter_set,
                                             resolve_parameter_set)
    from . import UnknownAgentError, get_agent

    try:
        agent = get_agent(agent_id)
    except UnknownAgentError as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    d = agent.describe()
    try:
        path = resolve_parameter_set(parameter_set, "liver")
        pset = None if path is None else load_parameter_set(path)
        d["parameter_set"] = None if pset is None else {
            "id": pset["id"], "version": pset["version"], "applied": apply_to_described(d["parameters"], pset)}
    except ParameterSetError as exc:
        console.print(f"[red]error:[/] --parameter-set: {exc}")
        raise typer.Exit(2) from exc
    if json_out:
        emit_json(d)
        return
    console.print(f"[bold]{d['name']}[/] ({d['id']}, {d['kind']}): {d['description']}")
    console.print(f"doses: {', '.join(d['dose_units'])}; routes: {', '.join(d['routes'])}; "
                  f"covariates: {', '.join(d['covariates']) or 'none'}")
    if d["parameter_set"] and d["parameter_set"]["applied"]:
        console.print(f"calibrated by parameter set {d['parameter_set']['id']} v{d['parameter_set']['version']}: "
                      f"{', '.join(d['parameter_set']['applied'])}")
    t = Table("parameter", "value", "unit", "range", "IIV", "source")
    for p in d["parameters"]:
        iiv = "" if p["variability"] is None else f"{p['variability']['kind']} {p['variability']['sigma']:g}"
        t.add_row(p["name"], f"{p['value']:.4g}", p["unit"], f"{p['range'][0]:.3g}-{p['range'][1]:.3g}", iiv,
                  f"[{p['source_kind']}] {p['source']}")
    console.print(t)
    for h in d["hooks"]:
        verb = "reads" if h["reads_only"] else "acts on"
        console.print(f"{verb} hook [bold]{h['hook']}[/]: {h['description']} (evidence {', '.join(h['evidence'])})")
    for p in d["processes"]:
        console.print(f"process [bold]{p['name']}[/]: {p['description']} (evidence {', '.join(p['evidence'])})")
    for note in d["notes"]:
        console.print(f"note: {note}")


@therapy_app.command("regimens")
def regimens(json_out: bool = JsonOpt) -> None:
    """List the shipped standard regimens."""
    from . import list_regimens

    rows = []
    for r in list_regimens():
        tox = r.spec.toxicity
        rows.append({"id": r.id, "name": r.name, "agents": r.agents(), "arms": r.spec.arms, "source": r.spec.source,
                     "phases": [p.name for p in r.spec.phases],
                     "grade3plus_trae": None if tox is None else tox.grade3plus,
                     "grade3plus_verified": None if tox is None else tox.verified})
    if json_out:
        emit_json(rows)
        return
    t = Table("id", "name", "agents", "arms")
    for r in rows:
        t.add_row(r["id"], r["name"], ", ".join(r["agents"]), ", ".join(r["arms"]))
    console.print(t)


@therapy_app.command("validate")
def validate(path: Path = typer.Argument(..., help="A regimen YAML file."),
             weight_kg: float = typer.Option(75.0, help="Body weight used to expand a test schedule."),
             bsa_m2: float = typer.Option(1.85, help="Body surface area used to expand a test schedule."),
             crcl_ml_min: float = typer.Option(90.0, help="Creatinine clearance used to expand a test schedule."),
             json_out: bool = JsonOpt) -> None:
    """Check a regimen file and expand it for a typical patient (first year)."""
    from . import Regimen, RegimenError

    try:
        r = Regimen.from_yaml(path)
        recs = r.schedule({"weight_kg": weight_kg, "bsa_m2": bsa_m2, "crcl_ml_min": crcl_ml_min}, 0.0, 365.0)
    except RegimenError as exc:
        if json_out:
            emit_json({"valid": False, "file": exc.file, "field": exc.field, "line": exc.line, "error": exc.message})
        else:
            console.print(f"[red]invalid:[/] {exc}")
        raise typer.Exit(1) from exc
    data = {"valid": True, "id": r.id, "name": r.name, "agents": r.agents(), "administrations_first_year": len(recs),
            "first": [{"day": x.day, "agent": x.agent, "amount": round(x.amount, 3), "unit": x.unit} for x in recs[:8]]}
    if json_out:
        emit_json(data)
        return
    console.print(f"[green]valid:[/] {r.id} ({r.name}); agents {', '.join(r.agents())}; "
                  f"{len(recs)} administrations in the first year")
