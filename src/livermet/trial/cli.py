"""`livermet trial list|run` and `livermet results query`."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.console import Console

from ..cli_util import SET_HELP, emit_json, parse_set_options

console = Console(stderr=True)
trial_app = typer.Typer(help="Virtual clinical trials: the shipped library and your own protocols.",
                        no_args_is_help=True)
results_app = typer.Typer(help="Query the results store of a trial run (Parquet tables through DuckDB).",
                          no_args_is_help=True)


def _known_regimen(model: str):
    from .models import get_setup

    try:
        return get_setup(model).known_regimen
    except ValueError:
        return None


@trial_app.command("list")
def list_command(json_out: bool = typer.Option(False, "--json", help="Print one JSON object with stable keys."),
                 ) -> None:
    """The trials of the shipped library, with their arms and the published results they cite."""
    from .library import list_trials

    rows = list_trials()
    if json_out:
        emit_json({"trials": rows})
        return
    from rich.table import Table

    t = Table("id", "title", "arms (regimen)", "n", "targets")
    for r in rows:
        t.add_row(r["id"], r["title"], "; ".join(f"{a['id']} ({a['regimen']})" for a in r["arms"]),
                  str(r["sample_size"]), ", ".join(r["targets"]))
    Console().print(t)


@trial_app.command("run")
def run_command(
    trial: str = typer.Argument(..., help="A library trial id (see `livermet trial list`) or a protocol YAML file."),
    patients: int = typer.Option(None, "--patients", "-n", min=1, help="Virtual patients (default: the protocol's "
                                 "sample size)."),
    seed: int = typer.Option(1, "--seed", help="Random seed; each patient's streams are keyed by (seed, id)."),
    out: Path = typer.Option(None, "--out", "-o", help="Results directory (default livermet-output/trials/<id>)."),
    model: str = typer.Option("liver", "--model", "-m", help="Model: 'liver' (default), another model of "
                              "`livermet model list`, or 'toy' (the trial layer's test model)."),
    scheduler: str = typer.Option(None, "--scheduler", help="Dask scheduler address (tcp://host:8786); default: "
                                  "in-process."),
    resume: bool = typer.Option(False, "--resume", help="Continue a killed run in --out."),
    batch_size: int = typer.Option(250, "--batch-size", min=1, help="Patients per batch."),
    backend: str = typer.Option("numba", "--backend", "-b", help="numba | roadrunner | scipy."),
    report: bool = typer.Option(True, "--report/--no-report", help="Write report.html."),
    parameter_set: str = typer.Option("default", "--parameter-set", help="Fitted population values: 'default' "
                                      "(the model's calibrated set, if shipped), 'none', a set id or a YAML file."),
    set_values: list[str] = typer.Option(None, "--set", help=SET_HELP),
    json_out: bool = typer.Option(False, "--json", help="Print endpoints per arm and subgroup as one JSON object."),
) -> None:
    """Run a virtual trial and write the results store, summary.json and report.html into --out."""
    from .finish import analyse_and_report
    from .library import resolve
    from .protocol import ProtocolError, load_protocol
    from .runner import RunError, run_trial

    try:
        overrides = parse_set_options(set_values)
        path = resolve(trial)
        protocol = load_protocol(path, _known_regimen(model))
    except (FileNotFoundError, ProtocolError, ValueError) as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    out = out or Path("livermet-output/trials") / protocol.id
    n = patients or protocol.sample_size
    try:
        summary = run_trial(protocol, n, seed, out, model_name=model, batch_size=batch_size, scheduler=scheduler,
                            resume=resume, progress=not json_out or sys.stderr.isatty(), backend=backend,
                            parameter_set=parameter_set, overrides=overrides,
                            command_line=["livermet", *sys.argv[1:]])
    except (RunError, ValueError) as exc:  # ParameterSetError is a ValueError
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    result = analyse_and_report(out, protocol, report=report)
    result["run"] = {"batches_run": summary.batches_run, "batches_reused": summary.batches_reused,
                     "wall_s": round(summary.wall_s, 2), "executor": summary.executor,
                     "solver_failures": summary.failures}
    if json_out:
        emit_json({"trial": protocol.id, "model": model, "seed": seed, "patients": n, "overrides": overrides,
                   **_endpoints(result)})
        return
    for arm, s in result["arms"].items():
        console.print(f"[bold]{arm}[/] n={s['n']}: median OS {_m(s['os'])} mo, median PFS {_m(s['pfs'])} mo, "
                      f"ORR {100 * (s['orr']['rate'] or 0):.1f}%")
    for c in result["comparisons"]:
        console.print(f"HR OS {c['experimental']} vs {c['control']}: {_hr(c['os'])}; HR PFS {_hr(c['pfs'])}")
    console.print(f"report: {result['report']}\nresults: {out} (query with `livermet results query {out} \"SQL\"`)")


def _m(s) -> str:
    if s["median"] is None:
        return "NR"
    lo, hi = s["median_ci"]
    return f"{s['median']:.1f} ({'NR' if lo is None else f'{lo:.1f}'}-{'NR' if hi is None else f'{hi:.1f}'})"


def _hr(c) -> str:
    if c["hr"] is None:
        return "n/a"
    return f"{c['hr']:.2f} ({c['hr_ci'][0]:.2f}-{c['hr_ci'][1]:.2f})"


def _endpoints(result: dict) -> dict:
    def arm_block(s):
        return {"n": s["n"], "os_median_months": s["os"]["median"], "os_median_ci": s["os"]["median_ci"],
                "pfs_median_months": s["pfs"]["median"], "pfs_median_ci": s["pfs"]["median_ci"],
                "orr": s["orr"]["rate"], "orr_ci": s["orr"]["ci"], "dcr": s["dcr"]["rate"],
                **({"ae_grade3": s["ae_grade3"]["rate"]} if "ae_grade3" in s else {}),
                **({"orr_liver": s["orr_liver"]["rate"], "orr_liver_ci": s["orr_liver"]["ci"],
                    "orr_liver_n": s["orr_liver"]["n"], "pfs_liver_median_months": s["pfs_liver"]["median"]}
                   if "orr_liver" in s else {})}

    def comp(c):
        return {"experimental": c["experimental"], "control": c["control"],
                "hr_os": c["os"]["hr"], "hr_os_ci": c["os"]["hr_ci"], "logrank_p_os": c["os"]["logrank_p"],
                "hr_pfs": c["pfs"]["hr"], "hr_pfs_ci": c["pfs"]["hr_ci"], "logrank_p_pfs": c["pfs"]["logrank_p"],
                "stratified_by": c["os"]["stratified_by"]}

    subgroups = {}
    for name, levels in result["subgroups"].items():
        subgroups[name] = {lv: {"arms": {a: arm_block(s) for a, s in e["arms"].items()},
                                "comparisons": [comp(c) for c in e["comparisons"]]} for lv, e in levels.items()}
    return {"arms": {a: arm_block(s) for a, s in result["arms"].items()},
            "comparisons": [comp(c) for c in result["comparisons"]], "subgroups": subgroups,
            "published": result.get("published", []), "validation": result.get("validation", []),
            "solver_failures": result["solver_failures"],
            "report": result["report"], "results": result["results"], "run": result.get("run")}


@results_app.command("query")
def query_command(
    directory: Path = typer.Argument(..., help="A results directory of `livermet trial run`."),
    sql: str = typer.Argument(..., help="SQL over the views patients, endpoints, assessments, events, dynamics."),
    json_out: bool = typer.Option(False, "--json", help="Print the rows as JSON."),
) -> None:
    """Run SQL (DuckDB) over a trial's Parquet tables, e.g.
    `livermet results query DIR "SELECT arm, avg(os_days) FROM endpoints GROUP BY arm"`."""
    from .store import query

    try:
        df = query(directory, sql)
    except FileNotFoundError as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    except Exception as exc:  # noqa: BLE001 - DuckDB errors name the problem
        console.print(f"[red]error:[/] SQL failed: {exc}")
        raise typer.Exit(2) from exc
    if json_out:
        emit_json({"columns": list(df.columns), "rows": df.to_dict(orient="records")})
    else:
        Console().print(df.to_string(index=False))
