"""`livermet sensitivity`: Morris screening or Sobol indices (SALib) of virtual-trial outputs.

Register with `app.command("sensitivity")(sensitivity_command)`; `sensitivity_app` is the same
command as a stand-alone Typer app (used by the tests).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.console import Console

from ..cli_util import emit_json

console = Console(stderr=True)


def _stable(result: dict, report: str | None) -> dict:
    """The `--json` object: stable keys only (the full result goes to results.json)."""
    morris = result["method"] == "morris"
    keys = (("parameter", "module", "mu_star", "mu_star_conf", "sigma") if morris else
            ("parameter", "module", "S1", "S1_conf", "ST", "ST_conf"))
    return {"method": result["method"],
            "outputs": {o: [{k: r[k] for k in keys} for r in rows] for o, rows in result["outputs"].items()},
            "mechanisms": {o: [{"module": m["module"], "score": m["score"]} for m in rows]
                           for o, rows in result["mechanisms"].items()},
            "evaluations": result["evaluations"], "failures": result["failures"], "wall_s": result["wall_s"],
            "report": report}


def sensitivity_command(
    spec: Path = typer.Option(None, "--spec", "-s", help="A sensitivity spec YAML (default: the shipped "
                              "liver_mechanisms study: 12 liver-mechanism parameters, ICI and ICI + chemotherapy + "
                              "anti-VEGF scenarios)."),
    method: str = typer.Option(None, "--method", help="morris | sobol (default: the spec's)."),
    trajectories: int = typer.Option(None, "--trajectories", min=2, help="Morris trajectories (evaluations: "
                                     "trajectories x (parameters + 1))."),
    samples: int = typer.Option(None, "--samples", min=4, help="Sobol base sample N, a power of 2 (evaluations: "
                                "N x (parameters + 2))."),
    patients: int = typer.Option(None, "--patients", "-n", min=2, help="Virtual patients per scenario and sample."),
    seed: int = typer.Option(None, "--seed", help="Seed of the cohort (the same for every sample: common random "
                             "numbers) and of SALib's sampling."),
    model: str = typer.Option(None, "--model", "-m", help="Model (default: the spec's, 'liver'); 'toy' is the "
                              "trial layer's test model."),
    out: Path = typer.Option(None, "--out", "-o", help="Write results.json and sensitivity.html here."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object with stable keys."),
) -> None:
    """Global sensitivity analysis (SALib) of the gap between patients with and without liver metastases."""
    from .sensitivity import SpecError, load_spec, prepare, run_study, write_html

    if method is not None and method not in ("morris", "sobol"):
        console.print(f"[red]error:[/] --method: {method!r} is not morris or sobol")
        raise typer.Exit(2)
    if samples is not None and samples & (samples - 1):
        console.print(f"[red]error:[/] --samples: {samples} is not a power of 2 (Sobol sequences need one, e.g. 64)")
        raise typer.Exit(2)
    try:
        sp = load_spec(spec)
        prepared = prepare(sp, str(spec or "liver_mechanisms"), model_name=model)
    except (FileNotFoundError, SpecError) as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    m = method or sp.method
    n_par = len(sp.parameters)
    n_eval = ((trajectories or sp.morris.trajectories) * (n_par + 1) if m == "morris" else
              (samples or sp.sobol.samples) * ((2 * n_par + 2) if sp.sobol.second_order else (n_par + 2)))
    show = not json_out or sys.stderr.isatty()
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, \
        TimeRemainingColumn

    prog = Progress(TextColumn("[bold]sensitivity"), BarColumn(), MofNCompleteColumn(), TextColumn("samples"),
                    TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn(), TextColumn("{task.fields[fail]}"),
                    console=console, disable=not show)
    with prog:
        task = prog.add_task("sensitivity", total=n_eval, fail="")

        def progress(done, total, failures):
            prog.update(task, completed=done, total=total,
                        fail=f"[red]{failures} failed patient solve(s)" if failures else "")

        try:
            result = run_study(prepared, method=m, trajectories=trajectories, samples=samples, patients=patients,
                               seed=seed, model_name=model, progress=progress)
        except ValueError as exc:
            console.print(f"[red]error:[/] {exc}")
            raise typer.Exit(2) from exc
    report = None
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "results.json").write_text(json.dumps(result, indent=1, default=str), encoding="utf-8")
        report = str(write_html(result, out / "sensitivity.html"))
    if json_out:
        emit_json(_stable(result, report))
        return
    stdout = Console()
    for o, rows in result["mechanisms"].items():
        ranked = ", ".join(f"{r['module']} {r['score']:.2f}" for r in rows)
        key = "mu_star" if result["method"] == "morris" else "ST"
        top = ", ".join(f"{r['parameter']} {r[key]:.3g}" for r in result["outputs"][o][:3] if r[key] is not None)
        stdout.print(f"[bold]{o}[/]: mechanisms {ranked}; top parameters ({key}) {top}")
    stdout.print(f"{result['evaluations']} evaluations, {result['failures']} failed patient solves, "
                  f"{result['wall_s']} s" + (f"; report: {report}" if report else ""))


sensitivity_app = typer.Typer(help="Global sensitivity analysis (SALib).")
sensitivity_app.command("sensitivity")(sensitivity_command)
