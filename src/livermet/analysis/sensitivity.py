"""Global sensitivity analysis of virtual-trial outputs (Morris screening and Sobol indices, SALib).

A *study* (`SensitivitySpec`, YAML validated by pydantic) names the model parameters to vary (each
with a range inside the model's plausible range, on a linear or log scale), the *scenarios* (cohort
protocols, each under one regimen, with patients with and without liver metastases) and the
*outputs* of each scenario:

- `os_gap_months`: median OS of patients without liver metastases minus median OS of patients
  with liver metastases (months; Kaplan-Meier medians from lifelines);
- `orr_gap`: ORR without minus ORR with liver metastases (percentage points);
- also `pfs_gap_months`, `median_os_liver_months`, `median_os_no_liver_months`, `orr_liver`,
  `orr_no_liver`.

Sampling and analysis are SALib's (`SALib.sample.morris` + `SALib.analyze.morris`;
`SALib.sample.sobol` + `SALib.analyze.sobol`). A log-scale parameter is sampled uniformly in
log10 and analysed in that space. Every sample runs the same cohort with the same seed (common
random numbers), so that the differences between samples come from the parameters alone.

The evaluation is pluggable: `run_analysis` takes any `evaluate(values: dict) -> dict` (or an
`Evaluation`), so that a pure function (e.g. Ishigami) goes through the same SALib code path as the
virtual trials (`TrialEvaluator`).

Mechanisms are ranked by grouping the parameters by model module (`Parameter.module`) and summing
their normalised index (Morris mu*; Sobol total index ST clipped at 0): a module's score is its
share of the total, so the scores sum to 1.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..errors import FileProblems
from .survival import DAYS_PER_MONTH, kaplan_meier

LIBRARY = Path(__file__).resolve().parents[1] / "library" / "sensitivity"
SCENARIOS = LIBRARY / "scenarios"
DEFAULT_SPEC = LIBRARY / "liver_mechanisms.yaml"

SCENARIO_OUTPUTS = {
    "os_gap_months": "median OS without minus with liver metastases (months)",
    "orr_gap": "ORR without minus with liver metastases (percentage points)",
    "pfs_gap_months": "median PFS without minus with liver metastases (months)",
    "median_os_liver_months": "median OS of patients with liver metastases (months)",
    "median_os_no_liver_months": "median OS of patients without liver metastases (months)",
    "orr_liver": "ORR of patients with liver metastases (%)",
    "orr_no_liver": "ORR of patients without liver metastases (%)",
}


# ---------------------------------------------------------------------------------------- the spec
class SpecError(FileProblems):
    """Problems of a sensitivity spec, each as `file: field: message`."""

    what = "sensitivity spec"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ParameterRange(_Strict):
    """A parameter varied by the study: its population value (median of its variability) is set
    to each sampled value."""

    name: str
    range: tuple[float, float]
    scale: Literal["linear", "log"] = "linear"
    module: str | None = Field(None, description="mechanism label; default: the model module of the parameter")

    @model_validator(mode="after")
    def _ordered(self):
        lo, hi = self.range
        if not (math.isfinite(lo) and math.isfinite(hi)) or lo >= hi:
            raise ValueError(f"range: [{lo:g}, {hi:g}] must be finite with lower < upper")
        if self.scale == "log" and lo <= 0:
            raise ValueError(f"range: a log-scale range must be positive, got [{lo:g}, {hi:g}]")
        return self


class Scenario(_Strict):
    """A cohort protocol (single regimen; patients with and without liver metastases)."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    protocol: str = Field(description="a scenario of livermet/library/sensitivity/scenarios, a library trial id, or a YAML path")
    outputs: list[str] = ["os_gap_months", "orr_gap"]

    @field_validator("outputs")
    @classmethod
    def _known(cls, v):
        bad = [o for o in v if o not in SCENARIO_OUTPUTS]
        if bad:
            raise ValueError(f"unknown output(s) {', '.join(bad)}; allowed: {', '.join(SCENARIO_OUTPUTS)}")
        if not v:
            raise ValueError("at least one output is required")
        return v


class MorrisSettings(_Strict):
    trajectories: int = Field(10, ge=2)
    levels: int = Field(4, ge=2)
    num_resamples: int = Field(200, ge=10)


class SobolSettings(_Strict):
    samples: int = Field(64, ge=4, description="base sample N (a power of 2); evaluations N*(D+2), or N*(2D+2) "
                         "with second-order indices")
    second_order: bool = False
    num_resamples: int = Field(200, ge=10)

    @field_validator("samples")
    @classmethod
    def _power_of_two(cls, v):
        if v & (v - 1):
            raise ValueError(f"{v} is not a power of 2 (Sobol sequences need one, e.g. 64, 128, 256)")
        return v


class SensitivitySpec(_Strict):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    title: str = ""
    description: str = ""
    model: str = "liver"
    parameter_set: str | None = "default"
    parameters: list[ParameterRange] = Field(min_length=1)
    scenarios: list[Scenario] = Field(min_length=1)
    patients: int = Field(200, ge=2)
    seed: int = 1
    method: Literal["morris", "sobol"] = "morris"
    morris: MorrisSettings = MorrisSettings()
    sobol: SobolSettings = SobolSettings()

    @model_validator(mode="after")
    def _unique(self):
        names = [p.name for p in self.parameters]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"parameters: duplicated {', '.join(dup)}")
        ids = [s.id for s in self.scenarios]
        dup = sorted({n for n in ids if ids.count(n) > 1})
        if dup:
            raise ValueError(f"scenarios: duplicated id(s) {', '.join(dup)}")
        return self

    def output_names(self) -> list[str]:
        return [f"{s.id}.{o}" for s in self.scenarios for o in s.outputs]


def _field_of(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part)
    return out or "(top level)"


def parse_spec(data: dict, file: str = "<spec>") -> SensitivitySpec:
    if not isinstance(data, dict):
        raise SpecError(file, [("(top level)", "a sensitivity spec is a YAML mapping")])
    try:
        return SensitivitySpec.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            msg = err.get("msg", "invalid").removeprefix("Value error, ")
            where = _field_of(tuple(err.get("loc", ())))
            head = msg.split(":", 1)[0].strip()
            if err.get("type") == "value_error" and ":" in msg and " " not in head:
                where = f"{where}.{head}" if err.get("loc") else head
                msg = msg.split(":", 1)[1].strip()
            if err.get("type") == "extra_forbidden":
                msg = "unknown field"
            elif err.get("type") == "missing":
                msg = "required field is missing"
            problems.append((where, msg))
        raise SpecError(file, problems) from None


def load_spec(path: str | Path | None = None) -> SensitivitySpec:
    """A spec file; None: the shipped default (`library/sensitivity/liver_mechanisms.yaml`); a bare
    name: a spec of the library."""
    path = DEFAULT_SPEC if path is None else Path(path)
    if not path.exists() and (LIBRARY / f"{path}.yaml").exists():
        path = LIBRARY / f"{path}.yaml"
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such sensitivity spec (library: "
                                f"{', '.join(p.stem for p in sorted(LIBRARY.glob('*.yaml')))})")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise SpecError(str(path), [(f"line {mark.line + 1}" if mark else "(yaml)", "not valid YAML")]) from None
    return parse_spec(data, str(path))


def resolve_scenario(name: str) -> Path:
    """A scenario protocol: a YAML path, a scenario of `library/sensitivity/scenarios`, or a library trial id."""
    p = Path(name)
    if p.suffix in (".yaml", ".yml") and p.exists():
        return p
    if (SCENARIOS / f"{name}.yaml").exists():
        return SCENARIOS / f"{name}.yaml"
    from ..trial.library import resolve

    return resolve(name)


@dataclass
class Prepared:
    """A spec checked against its model: the protocols by scenario id and the parameters' modules."""

    spec: SensitivitySpec
    protocols: dict
    modules: dict[str, str]
    model_ranges: dict[str, tuple[float, float]]


def prepare(spec: SensitivitySpec, file: str = "<spec>", model_name: str | None = None) -> Prepared:
    """Load the scenarios' protocols and check the parameters against the model (names, ranges).
    Raises `SpecError` naming the field."""
    from ..trial.models import get_setup
    from ..trial.protocol import ProtocolError, load_protocol

    model_name = model_name or spec.model
    problems: list[tuple[str, str]] = []
    try:
        setup = get_setup(model_name)
    except ValueError as exc:
        raise SpecError(file, [("model", str(exc))]) from None
    protocols = {}
    for i, sc in enumerate(spec.scenarios):
        try:
            proto = load_protocol(resolve_scenario(sc.protocol), setup.known_regimen)
        except (FileNotFoundError, ProtocolError) as exc:
            problems.append((f"scenarios[{i}].protocol", str(exc).replace("\n", " ")))
            continue
        if len(proto.arms) != 1:
            problems.append((f"scenarios[{i}].protocol", f"{proto.id} has {len(proto.arms)} arms; a scenario is a "
                             "single-arm cohort (one regimen)"))
        if proto.eligibility.liver_metastasis != "any":
            problems.append((f"scenarios[{i}].protocol", f"{proto.id} restricts liver metastasis "
                             f"({proto.eligibility.liver_metastasis}); the gap needs patients with and without"))
        protocols[sc.id] = proto
    if problems:
        raise SpecError(file, problems)
    regimens = list(dict.fromkeys(r for p in protocols.values() for r in p.regimen_ids()))
    model = setup.build_model(regimens)
    modules, ranges = {}, {}
    for i, pr in enumerate(spec.parameters):
        p = model.parameters_.get(pr.name)
        if p is None:
            problems.append((f"parameters[{i}].name", f"{pr.name!r} is not a parameter of model {model_name!r}"))
            continue
        lo, hi = pr.range
        if lo < p.lower or hi > p.upper:
            problems.append((f"parameters[{i}].range", f"[{lo:g}, {hi:g}] of {pr.name} is outside the model's "
                             f"plausible range [{p.lower:g}, {p.upper:g}]"))
        modules[pr.name] = pr.module or p.module or "(none)"
        ranges[pr.name] = (float(p.lower), float(p.upper))
    if problems:
        raise SpecError(file, problems)
    return Prepared(spec, protocols, modules, ranges)


# ------------------------------------------------------------------------------- scenario outputs
def _median_months(durations, events) -> float:
    """Kaplan-Meier median (lifelines) in months; if not reached, the longest follow-up (a lower
    bound), so that the output stays a number."""
    d = np.asarray(durations, float)
    if len(d) == 0:
        return float("nan")
    med = float(kaplan_meier(d, np.asarray(events, bool)).median_survival_time_)
    if not np.isfinite(med):
        med = float(d.max())
    return med / DAYS_PER_MONTH


def scenario_outputs(patients: pd.DataFrame, endpoints: pd.DataFrame) -> dict:
    """Outputs of one simulated cohort (tables of `simulate_trial`). Patients whose solve failed
    (`solver_ok` False) are excluded; `failures` counts them."""
    ep = endpoints.merge(patients[["patient_id", "liver_metastasis"]], on="patient_id", how="left",
                         suffixes=("", "_p"))
    if "liver_metastasis_p" in ep:
        ep["liver_metastasis"] = ep["liver_metastasis_p"]
    ok = ep["solver_ok"].astype(bool) if "solver_ok" in ep else pd.Series(True, index=ep.index)
    failures = int((~ok).sum())
    ep = ep[ok]
    liv = ep[ep["liver_metastasis"] == "yes"]
    nol = ep[ep["liver_metastasis"] == "no"]

    def orr(df):
        return float(100.0 * df["responder"].astype(bool).mean()) if len(df) else float("nan")

    os_l, os_n = _median_months(liv["os_days"], liv["os_event"]), _median_months(nol["os_days"], nol["os_event"])
    pfs_l, pfs_n = (_median_months(liv["pfs_days"], liv["pfs_event"]),
                    _median_months(nol["pfs_days"], nol["pfs_event"]))
    out = {"median_os_liver_months": os_l, "median_os_no_liver_months": os_n, "os_gap_months": os_n - os_l,
           "pfs_gap_months": pfs_n - pfs_l, "orr_liver": orr(liv), "orr_no_liver": orr(nol),
           "orr_gap": orr(nol) - orr(liv)}
    return {"outputs": out, "failures": failures, "n_liver": int(len(liv)), "n_no_liver": int(len(nol))}


# ------------------------------------------------------------------------------------ evaluation
@dataclass
class Evaluation:
    outputs: dict[str, float]
    failures: int = 0
    info: dict = field(default_factory=dict)


Evaluator = Callable[[dict[str, float]], "dict[str, float] | Evaluation"]


class TrialEvaluator:
    """Runs every scenario of a prepared spec as an in-memory virtual trial for one set of
    parameter values, with the same seed every time (common random numbers)."""

    def __init__(self, prepared: Prepared, *, model_name: str | None = None, patients: int | None = None,
                 seed: int | None = None, parameter_set: str | None = "__spec__"):
        self.p = prepared
        self.model_name = model_name or prepared.spec.model
        self.patients = int(patients or prepared.spec.patients)
        self.seed = int(prepared.spec.seed if seed is None else seed)
        self.parameter_set = prepared.spec.parameter_set if parameter_set == "__spec__" else parameter_set

    def __call__(self, values: dict[str, float]) -> Evaluation:
        from ..trial.runner import simulate_trial

        out, failures, info = {}, 0, {}
        for sc in self.p.spec.scenarios:
            proto = self.p.protocols[sc.id]
            # clip round-off at the edges of the model's range
            ov = {k: float(np.clip(v, *self.p.model_ranges[k])) if k in self.p.model_ranges else float(v)
                  for k, v in values.items()}
            try:  # simulate_trial does not keep the model it builds for these overrides
                tables = simulate_trial(proto, self.patients, self.seed, model_name=self.model_name, overrides=ov,
                                        batch_size=max(self.patients, 1), parameter_set=self.parameter_set)
                res = scenario_outputs(tables["patients"], tables["endpoints"])
                failures += res["failures"]
                info[sc.id] = {"n_liver": res["n_liver"], "n_no_liver": res["n_no_liver"],
                               "failures": res["failures"]}
                for o in sc.outputs:
                    out[f"{sc.id}.{o}"] = res["outputs"][o]
            except Exception as exc:  # noqa: BLE001 - a failed trial is recorded, not fatal
                info[sc.id] = {"error": f"{type(exc).__name__}: {exc}"[:300]}
                failures += self.patients
                for o in sc.outputs:
                    out[f"{sc.id}.{o}"] = float("nan")
        return Evaluation(out, failures, info)


# ---------------------------------------------------------------------------------- SALib layer
def salib_problem(parameters: list[ParameterRange]) -> dict:
    bounds = [[math.log10(p.range[0]), math.log10(p.range[1])] if p.scale == "log" else list(p.range)
              for p in parameters]
    return {"num_vars": len(parameters), "names": [p.name for p in parameters], "bounds": bounds}


def to_values(parameters: list[ParameterRange], row: np.ndarray) -> dict[str, float]:
    return {p.name: float(10.0 ** x) if p.scale == "log" else float(x) for p, x in zip(parameters, row)}


def sample(method: str, problem: dict, *, trajectories: int = 10, levels: int = 4, samples: int = 64,
           second_order: bool = False, seed: int = 1) -> np.ndarray:
    if method == "morris":
        from SALib.sample import morris as ms

        return ms.sample(problem, trajectories, num_levels=levels, seed=seed)
    if method == "sobol":
        from SALib.sample import sobol as ss

        return ss.sample(problem, samples, calc_second_order=second_order, seed=seed)
    raise ValueError(f"method: {method!r} is not morris or sobol")


def _num(x) -> float | None:
    x = float(x)
    return x if np.isfinite(x) else None


def analyse(method: str, problem: dict, X: np.ndarray, Y: np.ndarray, modules: dict[str, str], *,
            levels: int = 4, second_order: bool = False, num_resamples: int = 200, seed: int = 1) -> list[dict]:
    """Per-parameter indices of one output, sorted by importance (mu* or ST, largest first)."""
    names = problem["names"]
    if method == "morris":
        from SALib.analyze import morris as ma

        r = ma.analyze(problem, X, Y, num_resamples=num_resamples, num_levels=levels, seed=seed)
        rows = [{"parameter": n, "module": modules.get(n, "(none)"), "mu_star": _num(r["mu_star"][i]),
                 "mu_star_conf": _num(r["mu_star_conf"][i]), "sigma": _num(r["sigma"][i]), "mu": _num(r["mu"][i])}
                for i, n in enumerate(names)]
        key = "mu_star"
    else:
        from SALib.analyze import sobol as sa

        r = sa.analyze(problem, Y, calc_second_order=second_order, num_resamples=num_resamples, seed=seed)
        rows = [{"parameter": n, "module": modules.get(n, "(none)"), "S1": _num(r["S1"][i]),
                 "S1_conf": _num(r["S1_conf"][i]), "ST": _num(r["ST"][i]), "ST_conf": _num(r["ST_conf"][i])}
                for i, n in enumerate(names)]
        key = "ST"
    return sorted(rows, key=lambda d: -(d[key] if d[key] is not None else -np.inf))


def rank_mechanisms(rows: list[dict], method: str) -> list[dict]:
    """Modules ranked by their share of the summed index (mu* for Morris, ST clipped at 0 for Sobol)."""
    key = "mu_star" if method == "morris" else "ST"
    score: dict[str, float] = {}
    top: dict[str, float] = {}
    members: dict[str, list[str]] = {}
    for r in rows:
        v = max(r[key] or 0.0, 0.0)
        score[r["module"]] = score.get(r["module"], 0.0) + v
        top[r["module"]] = max(top.get(r["module"], 0.0), v)
        members.setdefault(r["module"], []).append(r["parameter"])
    total = sum(score.values())
    peak = max(top.values(), default=0.0)
    # score: the module's share of the summed index; max: its strongest parameter relative to the strongest overall
    out = [{"module": m, "score": (s / total if total > 0 else 0.0), "max": (top[m] / peak if peak > 0 else 0.0),
            "parameters": members[m]} for m, s in score.items()]
    return sorted(out, key=lambda d: -d["score"])


def run_analysis(parameters: list[ParameterRange], outputs: list[str], evaluate: Evaluator, *,
                 method: Literal["morris", "sobol"] = "morris", modules: dict[str, str] | None = None,
                 trajectories: int = 10, levels: int = 4, samples: int = 64, second_order: bool = False,
                 num_resamples: int = 200, seed: int = 1, progress: Callable[[int, int, int], None] | None = None,
                 ) -> dict:
    """Sample the parameters (SALib), evaluate every sample, analyse every output (SALib).

    `evaluate(values)` returns the outputs by name (a dict, or an `Evaluation` with a count of
    failed patients). A non-finite output of some samples (a failed trial, a group with no
    patients) is replaced by the mean of the finite values of that output and counted in
    `imputed`; an output with no finite value at all is reported with null indices.
    """
    t0 = time.perf_counter()
    modules = modules or {p.name: p.module or "(none)" for p in parameters}
    problem = salib_problem(parameters)
    X = sample(method, problem, trajectories=trajectories, levels=levels, samples=samples,
               second_order=second_order, seed=seed)
    Y = np.full((len(X), len(outputs)), np.nan)
    failures = 0
    infos = []
    for i, row in enumerate(X):
        res = evaluate(to_values(parameters, row))
        if not isinstance(res, Evaluation):
            res = Evaluation(dict(res))
        failures += int(res.failures)
        infos.append(res.info)
        for j, o in enumerate(outputs):
            v = res.outputs.get(o, np.nan)
            Y[i, j] = float(v) if v is not None else np.nan
        if progress is not None:
            progress(i + 1, len(X), failures)
    results, mechanisms, imputed = {}, {}, {}
    for j, o in enumerate(outputs):
        y = Y[:, j].copy()
        bad = ~np.isfinite(y)
        imputed[o] = int(bad.sum())
        if bad.all():
            results[o], mechanisms[o] = [], []
            continue
        y[bad] = y[~bad].mean()
        rows = analyse(method, problem, X, y, modules, levels=levels, second_order=second_order,
                       num_resamples=num_resamples, seed=seed)
        results[o] = rows
        mechanisms[o] = rank_mechanisms(rows, method)
    summary = {o: {"mean": _num(np.nanmean(Y[:, j])) if np.isfinite(Y[:, j]).any() else None,
                   "sd": _num(np.nanstd(Y[:, j])) if np.isfinite(Y[:, j]).any() else None,
                   "min": _num(np.nanmin(Y[:, j])) if np.isfinite(Y[:, j]).any() else None,
                   "max": _num(np.nanmax(Y[:, j])) if np.isfinite(Y[:, j]).any() else None}
               for j, o in enumerate(outputs)}
    settings = ({"trajectories": trajectories, "levels": levels} if method == "morris"
                else {"samples": samples, "second_order": second_order})
    return {"method": method, "settings": {**settings, "num_resamples": num_resamples, "seed": seed},
            "parameters": [{"name": p.name, "range": list(p.range), "scale": p.scale, "module": modules[p.name]}
                           for p in parameters],
            "outputs": results, "mechanisms": mechanisms, "output_summary": summary, "imputed": imputed,
            "evaluations": int(len(X)), "failures": int(failures), "wall_s": round(time.perf_counter() - t0, 2),
            "samples": {"X": X.tolist(), "Y": [[_num(v) for v in r] for r in Y]}, "evaluation_info": infos}


def run_study(prepared: Prepared, *, method: str | None = None, trajectories: int | None = None,
              samples: int | None = None, patients: int | None = None, seed: int | None = None,
              model_name: str | None = None, progress=None) -> dict:
    """A whole study: the virtual trials of every scenario for every SALib sample."""
    spec = prepared.spec
    method = method or spec.method
    evaluator = TrialEvaluator(prepared, model_name=model_name, patients=patients, seed=seed)
    res = run_analysis(spec.parameters, spec.output_names(), evaluator, method=method, modules=prepared.modules,
                       trajectories=trajectories or spec.morris.trajectories, levels=spec.morris.levels,
                       samples=samples or spec.sobol.samples, second_order=spec.sobol.second_order,
                       num_resamples=spec.morris.num_resamples if method == "morris" else spec.sobol.num_resamples,
                       seed=evaluator.seed, progress=progress)
    res["study"] = {"id": spec.id, "model": evaluator.model_name, "patients": evaluator.patients,
                    "seed": evaluator.seed, "parameter_set": evaluator.parameter_set,
                    "scenarios": {sc.id: {"protocol": prepared.protocols[sc.id].id,
                                          "regimens": prepared.protocols[sc.id].regimen_ids(),
                                          "outputs": sc.outputs} for sc in spec.scenarios},
                    "output_descriptions": {o: SCENARIO_OUTPUTS[o.split(".", 1)[1]] for o in spec.output_names()}}
    return res


# ----------------------------------------------------------------------------------------- plots
def write_html(result: dict, path: str | Path) -> Path:
    """A self-contained (offline) Plotly page: per output, mu*/sigma (Morris) or S1/ST with their
    confidence intervals (Sobol), and the mechanism ranking."""
    import plotly.graph_objects as go
    from plotly.offline import plot
    from plotly.subplots import make_subplots

    outputs = [o for o, rows in result["outputs"].items() if rows]
    n = max(len(outputs), 1)
    fig = make_subplots(rows=n, cols=2, subplot_titles=[t for o in outputs for t in (o, f"{o}: mechanisms")] or
                        ["no output"], horizontal_spacing=0.18, vertical_spacing=min(0.08, 0.6 / n))
    morris = result["method"] == "morris"
    for i, o in enumerate(outputs, start=1):
        rows = result["outputs"][o]
        names = [r["parameter"] for r in rows][::-1]
        if morris:
            fig.add_trace(go.Bar(y=names, x=[r["mu_star"] for r in rows][::-1], orientation="h", name="mu*",
                                 marker_color="#1f77b4", showlegend=i == 1, legendgroup="a",
                                 error_x={"type": "data", "array": [r["mu_star_conf"] or 0 for r in rows][::-1]}),
                          row=i, col=1)
            fig.add_trace(go.Bar(y=names, x=[r["sigma"] for r in rows][::-1], orientation="h", name="sigma",
                                 marker_color="#ff7f0e", showlegend=i == 1, legendgroup="b"), row=i, col=1)
        else:
            for key, color in (("S1", "#1f77b4"), ("ST", "#d62728")):
                fig.add_trace(go.Bar(y=names, x=[r[key] for r in rows][::-1], orientation="h", name=key,
                                     marker_color=color, showlegend=i == 1, legendgroup=key,
                                     error_x={"type": "data", "array": [r[f"{key}_conf"] or 0 for r in rows][::-1]}),
                              row=i, col=1)
        mech = result["mechanisms"][o]
        fig.add_trace(go.Bar(y=[m["module"] for m in mech][::-1], x=[m["score"] for m in mech][::-1],
                             orientation="h", name="mechanism share", marker_color="#2ca02c", showlegend=i == 1,
                             legendgroup="m"), row=i, col=2)
    study = result.get("study", {})
    title = (f"Global sensitivity ({result['method']}): {study.get('id', '')} - {result['evaluations']} evaluations, "
             f"{result['failures']} failed patient solves, {result['wall_s']} s")
    fig.update_layout(title=title, barmode="group", height=max(380, 330 * n), template="plotly_white")
    div = plot(fig, output_type="div", include_plotlyjs=True, auto_open=False)
    desc = "".join(f"<li><b>{o}</b>: {d}</li>" for o, d in study.get("output_descriptions", {}).items())
    note = ("mu*: mean absolute elementary effect (per unit of the sampled range, log10 for log-scale parameters); "
            "sigma: its spread (non-linearity or interactions)" if morris else
            "S1: first-order Sobol index; ST: total index (with interactions); bars: 95% bootstrap CI")
    html = (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>livermet sensitivity</title></head><body>"
            f"<h2>livermet global sensitivity analysis</h2><p>{note}. Mechanism score: the module's share of "
            f"the summed {'mu*' if morris else 'ST'}.</p><ul>{desc}</ul>{div}"
            f"<p><i>Research use only; not clinical advice.</i></p></body></html>")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path
