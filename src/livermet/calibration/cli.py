"""`livermet calibrate targets|run|check|validate|crossval|profile|report`."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console

from ..cli_util import SET_HELP, emit_json, parse_set_options

console = Console(stderr=True)
calibrate_app = typer.Typer(help="Calibration to the published targets (shared/calibration/targets.csv).",
                            no_args_is_help=True)
JSON = typer.Option(False, "--json", help="Print one JSON object with stable keys.")
DERIVED_LABEL = {"derived from P": " (from P)", "derived from n": " (from n)"}  # how an interval without a CI was made


def _fail(msg: str) -> None:
    console.print(f"[red]error:[/] {msg}")
    raise typer.Exit(2)


class _Bar:
    def __init__(self, label: str, total: int, enabled: bool = True):
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.enabled = enabled
        if enabled:
            self.p = Progress(TextColumn(f"[bold]{label}"), BarColumn(), MofNCompleteColumn(),
                              TextColumn("{task.fields[info]}"), TimeElapsedColumn(), console=console)
            self.p.start()
            self.task = self.p.add_task(label, total=total, info="")

    def update(self, done: int, total: int, info: str) -> None:
        if self.enabled:
            self.p.update(self.task, completed=done, total=total, info=info)

    def close(self) -> None:
        if self.enabled:
            self.p.stop()


@calibrate_app.command("targets")
def targets_command(json_out: bool = JSON) -> None:
    """Every target record and the library trials that simulate it (mapped) or why not (unmapped)."""
    from .targets import targets_summary

    s = targets_summary()
    if json_out:
        emit_json(s)
        return
    from rich.table import Table

    t = Table("target", "record", "statistic", "trials", "mapped")
    for r in s["targets"]:
        t.add_row(r["target_id"], r["record"], r["statistic"], ", ".join(r["trials"]),
                  "yes" if r["mapped"] else f"no: {r['why_unmapped']}")
    Console().print(t)
    console.print(f"{s['mapped_records']} of {s['records']} records mapped; rows mapped: {', '.join(s['mapped_rows'])}")


@calibrate_app.command("run")
def run_command(
    spec: str = typer.Option("liver", "--spec", help="A calibration spec of the library or a YAML file."),
    out: Path = typer.Option(Path("livermet-output/calibration"), "--out", "-o", help="Run folder (checkpoint)."),
    resume: bool = typer.Option(False, "--resume", help="Continue a killed run in --out."),
    scheduler: str = typer.Option(None, "--scheduler", help="Dask scheduler address; default in-process."),
    max_evaluations: int = typer.Option(None, "--max-evaluations", min=1, help="Override the spec's budget."),
    patients: int = typer.Option(None, "--patients", min=10, help="Override the spec's patients per trial."),
    install: bool = typer.Option(False, "--install", help="Write the fitted set into the package's library (the "
                                 "default parameter set of the model), with the next version number."),
    json_out: bool = JSON,
) -> None:
    """Fit the spec's parameters to every mapped target; writes parameter_set.yaml into --out."""
    from ..trial.models import get_setup
    from .fit import SpecError, load_spec, parameter_set_from_fit, run_calibration
    from .parameter_set import LIBRARY, load_parameter_set, write_parameter_set

    try:
        s = load_spec(spec)
    except SpecError as exc:
        _fail(str(exc))
    upd = {}
    if max_evaluations:
        upd["max_evaluations"] = max_evaluations
    if patients:
        upd["patients_per_trial"] = patients
    s = s.model_copy(update=upd)
    bar = _Bar(f"calibrate {s.id}", s.max_evaluations, enabled=True)
    try:
        res = run_calibration(s, out, resume=resume, scheduler=scheduler,
                              progress=lambda i, n, nll, best: bar.update(i, n, f"nll {nll:.1f}, best {best:.1f}"))
    except (FileExistsError, FileNotFoundError, SpecError, ValueError) as exc:
        bar.close()
        _fail(str(exc))
    bar.close()
    target = LIBRARY / f"{s.model}.yaml"
    version = 1
    if target.exists():
        version = int(load_parameter_set(target).get("version", 0)) + 1
    pset = parameter_set_from_fit(res, version, get_setup(s.model).model_factory().hash())
    path = write_parameter_set(Path(out) / "parameter_set.yaml", pset)
    if install:  # the library's set is named after the model, whichever spec fitted it (pset["spec"] says which)
        write_parameter_set(target, {**pset, "id": target.stem})
    summary = {"spec": s.id, "out": str(out), "parameter_set": str(path), "installed": str(target) if install else None,
               "version": version, "start_nll": res.start_nll, "best_nll": res.best_nll,
               "evaluations": len(res.evaluations), "simulated": res.simulated, "reused": res.reused,
               "wall_s": round(res.wall_s, 1), "values": res.best, "fitted_ranges": res.fitted_ranges()}
    if json_out:
        emit_json(summary)
        return
    console.print(f"objective {res.start_nll:.2f} -> {res.best_nll:.2f} in {len(res.evaluations)} evaluations "
                  f"({res.simulated} simulated, {res.reused} from the checkpoint); parameter set: {path}")
    for k, v in res.best.items():
        console.print(f"  {k} = {v:g}  (range within 1.92 of the best: {summary['fitted_ranges'][k]})")


PARAMETER_SET = typer.Option("default", "--parameter-set", help="'default', 'none', an id or a YAML file.")
REPLICATES = typer.Option(9, "--replicates", min=1, help="Virtual cohorts per trial (3 takes a third of the time "
                          "but counts a few figures fewer inside than the model's own values would).")
PATIENTS = typer.Option(None, "--patients", min=10, help="Patients per cohort (default: the trial's size).")
SEED = typer.Option(1, "--seed")
MODEL = typer.Option("liver", "--model")
SCHEDULER = typer.Option(None, "--scheduler", help="Dask scheduler address; default in-process.")
CHECK_OUT = typer.Option(None, "--out", help="Also write the JSON here (input of `calibrate report`).")


@calibrate_app.command("check")
def check_command(
    parameter_set: str = PARAMETER_SET,
    trials: str = typer.Option(None, "--trials", help="Comma-separated library trials (default: every mapped one)."),
    replicates: int = REPLICATES, patients: int = PATIENTS, seed: int = SEED, model: str = MODEL,
    scheduler: str = SCHEDULER, out: Path = CHECK_OUT, json_out: bool = JSON,
) -> None:
    """Simulate every mapped target with a parameter set and say which fall inside their published 95% CI."""
    _check_or_validate(False, parameter_set, trials, replicates, patients, seed, model, scheduler, out, json_out)


@calibrate_app.command("validate")
def validate_command(
    parameter_set: str = PARAMETER_SET,
    trials: str = typer.Option(None, "--trials", help="Comma-separated library trials (default: every trial with "
                               "validation figures)."),
    replicates: int = REPLICATES, patients: int = PATIENTS, seed: int = SEED, model: str = MODEL,
    scheduler: str = SCHEDULER, out: Path = CHECK_OUT, json_out: bool = JSON,
) -> None:
    """Simulate the independent validation set (published figures that no calibration reads,
    knowledge/data/clinical/validation.yaml) and say which fall inside their published 95% CI."""
    _check_or_validate(True, parameter_set, trials, replicates, patients, seed, model, scheduler, out, json_out)


def _check_or_validate(validation: bool, parameter_set, trials, replicates, patients, seed, model, scheduler, out,
                       json_out) -> None:
    from .check import run_check
    from .parameter_set import ParameterSetError, load_parameter_set, resolve_parameter_set

    try:  # a bad parameter set fails before any simulation
        path = resolve_parameter_set(parameter_set, model)
        if path is not None:
            load_parameter_set(path)
    except ParameterSetError as exc:
        _fail(str(exc))
    tl = [t.strip() for t in trials.split(",")] if trials else None
    bar = _Bar("validate" if validation else "check", len(tl) if tl else 0)
    try:
        res = run_check(parameter_set, trials=tl, replicates=replicates, patients=patients, seed=seed,
                        model_name=model, scheduler=scheduler, progress=lambda i, n, t: bar.update(i, n, t),
                        validation=validation)
    except (ParameterSetError, FileNotFoundError, ValueError, KeyError) as exc:
        bar.close()
        _fail(str(exc))
    bar.close()
    if out:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(json.dumps(res, indent=1, default=float))
    if json_out:
        emit_json(res)
        return
    from rich.table import Table

    from ..analysis.tumour_dynamics import nadir_reference_label, reference_label
    from .report import as_extreme_text, interval_text, within_text

    t = Table("id", "trial", "endpoint", "observed", "95% CI", "simulated", "sim. interval", "within")
    f = lambda x: "-" if x is None else f"{x:.3g}"  # noqa: E731
    for r in res["rows"]:
        t.add_row(r["id"], r["trial_id"], r["endpoint"], f(r["observed"]),
                  interval_text(r["ci"]) + DERIVED_LABEL.get(r["ci_source"], ""),
                  f(r["simulated"]), interval_text(r["simulated_ci"]),
                  within_text(r))
    Console().print(t)
    d = Table("trial", "arm", "kg /week", "ks /week", "TTG weeks", "no shrinkage", "ORR", "PD best",
              "published kg, ks, TTG")
    for r in res["tumour_dynamics"]:
        d.add_row(r["trial_id"], r["arm"], f(r["kg_per_week"]), f(r["ks_per_week"]), f(r["ttg_weeks"]),
                  f(r["share_without_shrinkage"]), f(r.get("orr")), f(r.get("share_pd_best")), reference_label(r, f))
    Console().print(d)
    if res["nadir_dynamics"]:
        nd = Table("trial", "arm", "patients regrowing", "months to nadir", "log-volume growth /month",
                   "published (months, /month)")
        for r in res["nadir_dynamics"]:
            nd.add_row(r["trial_id"], r["arm"], str(r["patients"]), f(r["time_to_nadir_months"]),
                       f(r["post_nadir_growth_per_month"]),
                       f"{nadir_reference_label(r, f)} ({r['reference_treatment']})")
        Console().print(nd)
    c = Table("id", "liver vs no liver", "published", "published P", "simulated", "right direction",
              "cohorts the published way", "cohorts as far as published")
    for x in res["contrasts"]:
        c.add_row(x["target_id"], x["quantity"], f(x["published"]), x.get("published_p") or "-", f(x["simulated"]),
                  "yes" if x["right_direction"] else "no", f"{x['cohorts_right_direction']} of {x['cohorts']}",
                  as_extreme_text(x))
    Console().print(c)
    console.print(f"{res['within_ci']} of {res['targets']} within CI ({100 * (res['fraction_within_ci'] or 0):.0f}%); "
                  f"liver vs no-liver contrasts in the right direction: {res['contrasts_right_direction']} of "
                  f"{len(res['contrasts'])} ({res['significant_contrasts_right_direction']} of the "
                  f"{res['significant_contrasts']} that were significant in their publication)")
    h = res["heterogeneity"]
    if h["tau"] is not None:
        console.print(f"log-scale rows: {h['within']} of {h['rows']} inside; an unbiased model would bring "
                      f"{h['expected_within_without_tau']:.1f} inside with sampling error alone and "
                      f"{h['expected_within_with_tau']:.1f} with a between-study spread tau = {h['tau']:.3f} (the "
                      "residuals' own, robust estimate)")


@calibrate_app.command("crossval")
def crossval_command(
    spec: str = typer.Option("liver", "--spec"),
    out: Path = typer.Option(Path("livermet-output/crossval"), "--out", "-o"),
    trials: str = typer.Option(None, "--trials", help="Comma-separated trials to leave out (default: all)."),
    max_evaluations: int = typer.Option(None, "--max-evaluations", min=1, help="Budget of each fold's fit."),
    patients: int = typer.Option(None, "--patients", min=10),
    scheduler: str = typer.Option(None, "--scheduler"),
    from_run: Path = typer.Option(None, "--from-run", help="Use the evaluations of a finished `calibrate run` "
                                  "folder instead of refitting (fast, optimistic: see docs/calibration.md)."),
    json_out: bool = JSON,
) -> None:
    """Leave-one-trial-out cross-validation: fit without a trial, then predict its targets."""
    from .fit import SpecError, crossval_from_run, leave_one_trial_out, load_spec

    if from_run is not None:
        try:
            res = crossval_from_run(from_run)
        except FileNotFoundError as exc:
            _fail(str(exc))
    else:
        try:
            s = load_spec(spec)
        except SpecError as exc:
            _fail(str(exc))
        if patients:
            s = s.model_copy(update={"patients_per_trial": patients})
        tl = [t.strip() for t in trials.split(",")] if trials else None
        res = leave_one_trial_out(s, out, tl, max_evaluations=max_evaluations, scheduler=scheduler)
    Path(out).mkdir(parents=True, exist_ok=True)
    (Path(out) / "crossval.json").write_text(json.dumps(res, indent=1, default=float))
    if json_out:
        emit_json(res)
        return
    for fold in res["folds"]:
        console.print(f"{fold['trial']}: {fold['within']} of {fold['targets']} held-out targets within CI "
                      f"(held-out nll {fold['heldout_nll']:.2f})")


@calibrate_app.command("profile")
def profile_command(
    parameter: str = typer.Argument(..., help="A model parameter, or an OS link coefficient (os_link.treated_shift)."),
    spec: str = typer.Option("liver", "--spec", help="Its trials, cohorts, seed and the parameter's searched range."),
    values: str = typer.Option(None, "--values", help="Comma-separated values (default: --points across the range)."),
    points: int = typer.Option(7, "--points", min=2, help="Grid points across the searched range."),
    parameter_set: str = typer.Option("default", "--parameter-set", help="The values of every other parameter."),
    set_values: list[str] = typer.Option(None, "--set", help=SET_HELP),
    patients: int = typer.Option(None, "--patients", min=10, help="Override the spec's patients per trial."),
    scheduler: str = typer.Option(None, "--scheduler", help="Dask scheduler address; default in-process."),
    out: Path = typer.Option(Path("livermet-output/profile"), "--out", "-o", help="Folder (checkpoint, profile)."),
    json_out: bool = JSON,
) -> None:
    """Objective of every trial along one parameter: which trials pull it which way, and whether they conflict."""
    from .fit import SpecError, load_spec
    from .parameter_set import ParameterSetError
    from .profile import excess_by_trial, profile_parameter

    try:
        s = load_spec(spec)
        held = parse_set_options(set_values)
    except (SpecError, ValueError) as exc:
        _fail(str(exc))
    try:
        grid = [float(v) for v in values.split(",")] if values else None
    except ValueError:
        _fail(f"--values {values!r}: give numbers separated by commas")
    if patients:
        s = s.model_copy(update={"patients_per_trial": patients})
    bar = _Bar(f"profile {parameter}", len(grid) if grid else points, enabled=not json_out)
    try:
        res = profile_parameter(s, parameter, out, values=grid, points=points, parameter_set=parameter_set,
                                held=held, scheduler=scheduler,
                                progress=lambda i, n, nll: bar.update(i, n, f"objective {nll:.1f}"))
    except (SpecError, ParameterSetError, FileExistsError, ValueError) as exc:
        bar.close()
        _fail(str(exc))
    bar.close()
    (Path(out) / "profile_summary.json").write_text(json.dumps(res, indent=1, default=float))
    if json_out:
        emit_json(res)
        return
    from rich.table import Table

    t = Table("trial", *[f"{v:.3g}" for v in res["values"]], "best", "informative")
    t.add_row("all (objective)", *[f"{x:.1f}" for x in res["objective"]], f"{res['best_value']:.3g}", "")
    t.add_row("within interval", *[f"{w}/{n}" for w, n in zip(res["within"], res["scored"])], "", "")
    for p, excess in excess_by_trial(res):
        t.add_row(p["trial"], *[f"{x:.1f}" for x in excess], f"{p['best_value']:.3g}",
                  "yes" if p["informative"] else "no")
    Console(width=max(100, 40 + 9 * len(res["values"]))).print(t)  # trial names unclipped when piped
    console.print(f"{parameter} (set's value {res['current']:.4g}) fits all trials best at {res['best_value']:.4g}; "
                  f"informative trials wanting lower: {', '.join(res['prefer_lower']) or 'none'}; higher: "
                  f"{', '.join(res['prefer_higher']) or 'none'}"
                  + ("  -> the trials conflict" if res["conflict"] else ""))


@calibrate_app.command("report")
def report_command(
    check: Path = typer.Option(..., "--check", help="JSON of `calibrate check --out`."),
    parameter_set: str = typer.Option("default", "--parameter-set"),
    crossval: Path = typer.Option(None, "--crossval", help="crossval.json of `calibrate crossval`."),
    sensitivity: Path = typer.Option(None, "--sensitivity", help="JSON of `livermet sensitivity`."),
    profile: list[Path] = typer.Option(None, "--profile", help="profile_summary.json of `calibrate profile` "
                                       "(repeat for several parameters)."),
    validation: Path = typer.Option(None, "--validation", help="JSON of `calibrate validate --out`."),
    out: Path = typer.Option(Path("livermet-output/calibration/report.html"), "--out", "-o"),
    model: str = typer.Option("liver", "--model"),
    json_out: bool = JSON,
) -> None:
    """The calibration report (HTML, offline): predicted vs observed, cross-validation, the independent
    validation set, fitted ranges, one-parameter profiles by trial, sensitivity ranking."""
    from .parameter_set import ParameterSetError, load_parameter_set, resolve_parameter_set
    from .report import write_report

    def read(p):
        if p is None:
            return None
        if not Path(p).exists():
            _fail(f"{p}: no such file")
        return json.loads(Path(p).read_text())

    try:
        path = resolve_parameter_set(parameter_set, model)
        pset = load_parameter_set(path) if path else None
    except ParameterSetError as exc:
        _fail(str(exc))
    html = write_report(out, read(check), pset, read(crossval), read(sensitivity), [read(p) for p in profile or []],
                        read(validation))
    if json_out:
        emit_json({"report": str(html)})
    else:
        console.print(f"report: {html}")
