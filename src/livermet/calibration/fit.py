"""`livermet calibrate run`: fit population values to the mapped targets.

The search works in the unit cube of the chosen parameters (log or linear within each one's
range): a Latin-hypercube design (scipy.stats.qmc) plus the model's current values, then from the
best point either bounded Nelder-Mead (scipy.optimize; `search: nelder-mead`) or a compass search
with pattern moves (`search: pattern`, `pattern_search` below), which makes progress in many
dimensions with few evaluations where Nelder-Mead spends its budget re-shaping its simplex. Every
virtual trial of every evaluation uses the same seed (common random numbers), so the objective is a
deterministic function of the values and the search is repeatable.

Checkpoint and resume: each evaluation is appended to `evaluations.jsonl` in the run folder as
soon as it is done. A resumed run replays the same deterministic search and takes every evaluation
already on file from it instead of simulating again, so it ends where an uninterrupted run would.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from scipy.optimize import minimize
from scipy.stats import qmc

from ..trial.survival_link import FITTABLE, LINK_PREFIX, OSLink
from .evaluate import Evaluation, _parameter_names, evaluate, model_of_trials
from .objective import counted
from .targets import mapped_trials

SPECS = Path(__file__).resolve().parents[1] / "library" / "calibration"
PROFILE_NLL = 1.92  # half the 95% chi-square quantile with 1 degree of freedom


class FitParameter(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    lower: float
    upper: float
    scale: str = Field("log", pattern="^(log|linear)$")
    why: str = ""

    @field_validator("upper")
    @classmethod
    def _order(cls, v, info):
        if "lower" in info.data and not v > info.data["lower"]:
            raise ValueError("upper must be above lower")
        return v


class CalibrationSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    model: str = "liver"
    description: str = ""
    trials: list[str] | str = "all"
    exclude_trials: list[str] = []
    patients_per_trial: int = Field(150, ge=10)
    patients: dict[str, int] = {}  # per-trial exceptions (cohorts whose subgroup of interest is small)
    seed: int = 20261202
    initial_design: int = Field(8, ge=0)
    search: str = Field("nelder-mead", pattern="^(nelder-mead|pattern)$")
    max_evaluations: int = Field(40, ge=1)
    robust_z: float | None = Field(None, gt=0.0, description=(
        "Huber threshold in z units: beyond it a target's term grows linearly (objective.huber); none: Gaussian"))
    min_improvement: float = Field(0.0, ge=0.0, description=(
        "pattern search: a probe counts as better only if it lowers the objective by more than this; a fit on "
        "small cohorts otherwise keeps moves that only fit their sampling noise"))
    parameters: list[FitParameter] = Field(min_length=1)
    start: dict[str, float] = Field({}, description="starting values (default: the model's values), e.g. an earlier fit")
    fixed: dict[str, float] = Field({}, description=(
        "parameters held at these values in every evaluation and not searched, e.g. an earlier fit's values of "
        "the parameters a focused refit leaves alone (otherwise they would fall back to the model's values)"))

    @model_validator(mode="after")
    def _fixed_not_fitted(self):
        both = sorted(set(self.fixed) & {p.name for p in self.parameters})
        if both:
            raise ValueError(f"fixed: {', '.join(both)} are also fitted parameters; a parameter is either fitted or fixed")
        return self

    def with_fixed(self, values: dict[str, float]) -> dict[str, float]:
        """The values an evaluation simulates: the fixed ones and the searched ones."""
        return {**self.fixed, **values}

    def trial_ids(self) -> list[str]:
        base = mapped_trials() if self.trials == "all" else list(self.trials)
        return [t for t in base if t not in self.exclude_trials]

    def to_unit(self, values: dict[str, float]) -> np.ndarray:
        u = []
        for p in self.parameters:
            v = min(max(values[p.name], p.lower), p.upper)
            u.append((math.log(v / p.lower) / math.log(p.upper / p.lower)) if p.scale == "log"
                     else (v - p.lower) / (p.upper - p.lower))
        return np.asarray(u)

    def from_unit(self, u) -> dict[str, float]:
        out = {}
        for p, x in zip(self.parameters, np.clip(np.asarray(u, float), 0.0, 1.0)):
            v = p.lower * (p.upper / p.lower) ** x if p.scale == "log" else p.lower + x * (p.upper - p.lower)
            out[p.name] = float(f"{v:.6g}")  # 6 significant digits: the key of the evaluation cache
        return out


class SpecError(ValueError):
    pass


def load_spec(name_or_file: str) -> CalibrationSpec:
    p = Path(name_or_file)
    if not (p.suffix in (".yaml", ".yml") and p.exists()):
        p = SPECS / f"{name_or_file}.yaml"
        if not p.exists():
            raise SpecError(f"{name_or_file!r} is neither a YAML file nor a calibration spec of the library "
                            f"({', '.join(x.stem for x in SPECS.glob('*.yaml'))})")
    try:
        return CalibrationSpec.model_validate(yaml.safe_load(p.read_text(encoding="utf-8")))
    except ValidationError as exc:
        probs = "; ".join(f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise SpecError(f"{p}: {probs}") from None


def _plausible_range(model, name: str) -> tuple[float, float] | None:
    """(lower, upper) of a model parameter or a fittable OS-link coefficient; None if it is neither."""
    if name.startswith(LINK_PREFIX):  # a coefficient of the OS link, not of the model
        return FITTABLE.get(name[len(LINK_PREFIX):])
    mp = model.parameters_.get(name)
    return None if mp is None else (mp.lower, mp.upper)


def check_spec_against_model(spec: CalibrationSpec, model) -> None:
    bad = []
    for p in spec.parameters:
        link = p.name.startswith(LINK_PREFIX)
        rng = _plausible_range(model, p.name)
        if rng is None:
            bad.append(f"parameters.{p.name}: " + (f"not a fittable coefficient of the OS link "
                                                  f"({', '.join(LINK_PREFIX + k for k in FITTABLE)})" if link
                                                  else f"not a parameter of model {spec.model!r}"))
        elif p.lower < rng[0] or p.upper > rng[1]:
            whose = "its" if link else "the model's"
            bad.append(f"parameters.{p.name}: range [{p.lower:g}, {p.upper:g}] leaves {whose} plausible range "
                       f"[{rng[0]:g}, {rng[1]:g}]")
    for name, v in spec.fixed.items():
        rng = _plausible_range(model, name)
        if rng is None:
            bad.append(f"fixed.{name}: not a parameter of model {spec.model!r} nor a fittable coefficient of the OS link")
        elif not rng[0] <= v <= rng[1]:
            bad.append(f"fixed.{name}: {v:g} is outside its plausible range [{rng[0]:g}, {rng[1]:g}]")
    if bad:
        raise SpecError(f"calibration spec {spec.id}: " + "; ".join(bad))


def _current_value(model, name: str) -> float:
    if name.startswith(LINK_PREFIX):
        return getattr(OSLink(), name[len(LINK_PREFIX):]).value
    return model.parameters_[name].value


def _key(values: dict[str, float]) -> str:
    return json.dumps(values, sort_keys=True)


@dataclass
class FitResult:
    spec: CalibrationSpec
    best: dict[str, float]
    best_nll: float
    start_nll: float
    evaluations: list[dict] = field(default_factory=list)
    simulated: int = 0
    reused: int = 0
    wall_s: float = 0.0

    def fitted_ranges(self) -> dict[str, list[float]]:
        near = [e for e in self.evaluations if e["nll"] <= self.best_nll + PROFILE_NLL]
        return {p.name: [min(e["values"][p.name] for e in near), max(e["values"][p.name] for e in near)]
                for p in self.spec.parameters}


def _jsonl(path: Path) -> list[dict]:
    """The records of a JSON-lines file written as work went on; a line cut by a kill is skipped (its
    work is done again)."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines() if path.exists() else []:
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return out


class Checkpoint:
    def __init__(self, out: Path):
        self.path = out / "evaluations.jsonl"
        self.cache: dict[str, dict] = {_key(rec["values"]): rec for rec in _jsonl(self.path)}

    def append(self, rec: dict) -> None:
        with self.path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(rec, default=float) + "\n")
        self.cache[_key(rec["values"])] = rec


ROW_KEYS = ("trial_id", "target_id", "record", "kind", "role", "quantity", "published", "published_ci",
            "simulated", "simulated_ci", "z", "ci_source", "interval", "within", "not_counted")


def _trial_records(ev: Evaluation, robust_z: float | None = None) -> dict[str, dict]:
    """Each trial's part of a checkpoint entry: its objective, solver failures and scored rows."""
    rows = ev.rows()
    return {t.trial: {"nll": t.objective(robust_z), "failures": t.failures,
                      "rows": [{k: r.get(k) for k in ROW_KEYS} for r in rows if r["trial_id"] == t.trial]}
            for t in ev.trials}


def _record_of(values: dict[str, float], per_trial: dict[str, dict], wall: float) -> dict:
    """A checkpoint entry from its trials' parts; its "nll" is the fit's objective."""
    return {"values": values, "nll": float(sum(r["nll"] for r in per_trial.values())), "wall_s": round(wall, 3),
            "trials": {t: {"nll": r["nll"], "failures": r["failures"]} for t, r in per_trial.items()},
            "rows": [row for r in per_trial.values() for row in r["rows"]]}


def _record(ev: Evaluation, wall: float, robust_z: float | None = None) -> dict:
    """A checkpoint entry; its "nll" is the fit's objective (Huber form with robust_z)."""
    return _record_of(ev.values, _trial_records(ev, robust_z), wall)


class TrialCache:
    """Per-trial scores shared by the folds of a cross-validation. Every trial is simulated with the
    spec's seed and cohort size (common random numbers), so a trial scores the same at the same values
    whichever other trials a fold fits; the folds' searches start from one point and poll the same
    neighbours, so most of their evaluations are already here. One JSON line per (trial, values),
    tagged with the spec's identity; lines of another spec are ignored."""

    def __init__(self, path: Path, identity: str):
        self.path, self.identity = path, identity
        self.cache: dict[tuple[str, str], dict] = {(rec["trial"], _key(rec["values"])): rec["record"]
                                                    for rec in _jsonl(path) if rec.get("identity") == identity}

    def get(self, trial: str, values: dict[str, float]) -> dict | None:
        return self.cache.get((trial, _key(values)))

    def put(self, trial: str, values: dict[str, float], record: dict) -> None:
        if (trial, _key(values)) in self.cache:
            return
        with self.path.open("a", encoding="utf-8") as f:
            f.write(json.dumps({"identity": self.identity, "trial": trial, "values": values, "record": record},
                               default=float) + "\n")
        self.cache[(trial, _key(values))] = record


def spec_hash(spec: CalibrationSpec) -> str:
    """Identity of a search: everything but the budget, so a run can be resumed with more or fewer
    evaluations (the search is deterministic; a budget only says where it stops)."""
    return hashlib.sha256(spec.model_dump_json(exclude={"max_evaluations"}).encode()).hexdigest()[:16]


def run_calibration(spec: CalibrationSpec, out: str | Path, *, resume: bool = False, scheduler=None,
                    progress: Callable[[int, int, float, float], None] | None = None,
                    published: dict[str, list[dict]] | None = None, trial_cache: TrialCache | None = None,
                    _stop_after: int | None = None) -> FitResult:
    """Fit `spec`; checkpoint in `out`. Raises FileExistsError if `out` holds another run and not resume.
    `trial_cache`: per-trial scores to take instead of simulating (and to add to)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    meta_path = out / "calibration.json"
    h = spec_hash(spec)
    if meta_path.exists():
        old = json.loads(meta_path.read_text())
        if not resume:
            raise FileExistsError(f"{out} already holds a calibration run; use --resume or another --out")
        if old.get("spec_hash") != h:
            raise FileExistsError(f"cannot resume {out}: it was started with another spec ({old.get('spec_id')})")
    trials = spec.trial_ids()
    model = model_of_trials(spec.model, trials)  # drug parameters of the trials' regimens can be fitted too
    check_spec_against_model(spec, model)
    unknown = sorted(set(spec.start) - {p.name for p in spec.parameters})
    if unknown:
        raise SpecError(f"calibration spec {spec.id!r}, field 'start': {', '.join(unknown)} are not fitted parameters")
    start = {p.name: min(max(spec.start.get(p.name, _current_value(model, p.name)), p.lower), p.upper)
             for p in spec.parameters}
    meta = {"spec_id": spec.id, "spec_hash": h, "trials": trials, "status": "running",
            "started": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    meta_path.write_text(json.dumps(meta, indent=1))
    (out / "spec.yaml").write_text(yaml.safe_dump(spec.model_dump(mode="json"), sort_keys=False))
    ck = Checkpoint(out)
    t0 = time.perf_counter()
    counts = {"sim": 0, "reused": 0}
    seen: list[dict] = []

    class _Stop(Exception):
        pass

    def f(u) -> float:
        values = spec.from_unit(u)
        k = _key(values)
        if k in ck.cache:
            rec = ck.cache[k]
            counts["reused"] += 1
        else:
            if _stop_after is not None and counts["sim"] >= _stop_after:
                raise _Stop
            t0_eval = time.perf_counter()
            known = {t: r for t in trials if trial_cache is not None and (r := trial_cache.get(t, values)) is not None}
            missing = [t for t in trials if t not in known]
            sizes = {t: spec.patients.get(t, spec.patients_per_trial) for t in missing}
            fresh = _trial_records(evaluate(spec.with_fixed(values), missing, sizes, spec.seed, model_name=spec.model,
                                            parameter_set=None, scheduler=scheduler, published=published),
                                   spec.robust_z) if missing else {}
            if trial_cache is not None:
                for t, r in fresh.items():
                    trial_cache.put(t, values, r)
            # keyed by the searched values only: the fixed ones are the same in every evaluation of a run
            rec = _record_of(values, {t: known.get(t) or fresh[t] for t in trials}, time.perf_counter() - t0_eval)
            ck.append(rec)
            counts["sim"] += 1
        if not any(_key(e["values"]) == k for e in seen):
            seen.append(rec)
        if progress:
            progress(len(seen), spec.max_evaluations, rec["nll"], min(e["nll"] for e in seen))
        return rec["nll"]

    budget_left = lambda: spec.max_evaluations - len(seen)  # noqa: E731
    chosen = None  # key of the search's own result, when it is not simply the lowest value seen
    try:
        f(spec.to_unit(start))
        if spec.initial_design:
            design = qmc.LatinHypercube(d=len(spec.parameters), seed=spec.seed).random(spec.initial_design)
            for u in design:
                if budget_left() <= 0:
                    break
                f(u)
        if budget_left() > 0:
            best_u = spec.to_unit(min(seen, key=lambda e: e["nll"])["values"])
            if spec.search == "pattern":
                centre, _ = pattern_search(f, best_u, budget_left, min_improvement=spec.min_improvement)
                if spec.min_improvement:  # a point better than the centre by less than the threshold is noise
                    chosen = _key(spec.from_unit(centre))
            else:
                k = len(spec.parameters)
                simplex = np.vstack([best_u] + [np.clip(best_u + 0.15 * np.eye(k)[i] * (1 if best_u[i] < 0.85 else -1),
                                                        0, 1) for i in range(k)])
                minimize(f, best_u, method="Nelder-Mead", bounds=[(0.0, 1.0)] * k,
                         options={"maxfev": budget_left(), "initial_simplex": simplex, "xatol": 0.01,
                                  "fatol": 0.05})
    except _Stop:
        meta["status"] = "stopped"
        meta_path.write_text(json.dumps(meta, indent=1))
        raise KeyboardInterrupt("stopped after the requested number of evaluations (test hook)") from None
    best = min(seen, key=lambda e: e["nll"]) if chosen is None else \
        next(e for e in seen if _key(e["values"]) == chosen)
    res = FitResult(spec, best["values"], best["nll"], seen[0]["nll"], seen, counts["sim"], counts["reused"],
                    time.perf_counter() - t0)
    meta.update({"status": "complete", "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                 "best_nll": res.best_nll, "start_nll": res.start_nll, "evaluations": len(seen)})
    meta_path.write_text(json.dumps(meta, indent=1))
    return res


def pattern_search(f: Callable[[np.ndarray], float], u0: np.ndarray, budget_left: Callable[[], int],
                   step: float = 0.15, min_step: float = 0.02, min_improvement: float = 0.0
                   ) -> tuple[np.ndarray, float]:
    """Compass search with pattern moves (Hooke-Jeeves kind) in the unit cube.

    Each round probes one step along every coordinate, first outward (inward near the upper bound:
    the same points as Nelder-Mead's first simplex) and, if that is no better, the other way; then it
    moves along the sum of the improving probes, doubling the move while it keeps improving. The best
    point found becomes the next centre; a round without improvement halves the step, and the search
    ends below `min_step` or when the budget is spent. A probe or move improves only if it lowers the
    objective by more than `min_improvement`."""
    u, fu = np.asarray(u0, dtype=float), f(u0)
    while step >= min_step and budget_left() > 0:
        move = np.zeros_like(u)
        best_u, best_f = u, fu
        for i in range(len(u)):
            first = step if u[i] < 1.0 - step + 1e-12 else -step
            for d_i in (first, -first):
                if budget_left() <= 0:
                    return best_u, best_f
                d = np.zeros_like(u)
                d[i] = d_i
                if not 0.0 <= u[i] + d_i <= 1.0:
                    continue
                fi = f(u + d)
                if fi < fu - min_improvement:
                    move += d
                    if fi < best_f:
                        best_u, best_f = u + d, fi
                    break
        alpha = 1.0
        while np.count_nonzero(move) > 1 and budget_left() > 0:
            cand = np.clip(u + alpha * move, 0.0, 1.0)
            fc = f(cand)
            if fc >= best_f - min_improvement:
                break
            best_u, best_f = cand, fc
            alpha *= 2.0
        if best_f < fu:
            u, fu = best_u, best_f
        else:
            step /= 2.0
    return u, fu


def parameter_set_from_fit(res: FitResult, version: int, model_hash: str) -> dict:
    """The versioned parameter set of a fit: every fitted parameter with the targets it was fitted to."""
    from .. import __version__ as lm_version

    targets = sorted({r["target_id"] for r in res.evaluations[0]["rows"] if r.get("z") is not None},
                     key=lambda x: int(x[1:]))
    ranges = res.fitted_ranges()
    return {
        "id": res.spec.id, "version": int(version), "model": res.spec.model, "model_hash": model_hash,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"), "livermet_version": lm_version,
        "method": ("Latin hypercube + " + ("compass search with pattern moves" if res.spec.search == "pattern"
                                          else "bounded Nelder-Mead")
                   + " on the Gaussian log-likelihood of the published figures (livermet.calibration.objective"
                   + (f"; Huber form beyond |z| = {res.spec.robust_z:g}" if res.spec.robust_z else "") + "), "
                   "common random numbers"
                   + (f"; probes kept only if the objective falls by more than {res.spec.min_improvement:g}"
                      if res.spec.min_improvement else "")),
        "spec": res.spec.id, "spec_hash": spec_hash(res.spec), "trials": res.spec.trial_ids(), "targets": targets,
        "patients_per_trial": res.spec.patients_per_trial, "patients": res.spec.patients, "seed": res.spec.seed,
        "objective": {"start_nll": round(res.start_nll, 4), "best_nll": round(res.best_nll, 4),
                      "evaluations": len(res.evaluations)},
        "parameters": {**{p.name: {"value": res.best[p.name], "searched": [p.lower, p.upper], "scale": p.scale,
                                   "fitted_range": ranges[p.name], "targets": targets, "why": p.why}
                          for p in res.spec.parameters},
                       **{name: {"value": v, "held": True, "targets": targets,
                                 "why": "held at this value during the fit (the spec's `fixed`: a value set before "
                                        "this run, by an earlier fit or by the checks the spec's comments give; "
                                        "not searched here)"}
                          for name, v in res.spec.fixed.items()}},
    }


def leave_one_trial_out(spec: CalibrationSpec, out: str | Path, trials: list[str] | None = None, *,
                        max_evaluations: int | None = None, resume: bool = False, scheduler=None,
                        progress=None) -> dict:
    """Cross-validation by trial: fit without each trial (its own resumable run in out/<trial>), then
    predict that trial's targets with the values fitted without it. The folds share one cache of
    per-trial scores (out/trial_cache.jsonl), seeded from fold checkpoints already in `out`."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    cache = TrialCache(out / "trial_cache.jsonl", spec_hash(spec))
    subs = {t: _fold_spec(spec, t, max_evaluations) for t in trials or spec.trial_ids()}
    # the same search with every trial: what each trial's rows look like when it is fitted, not predicted
    full_spec = spec.model_copy(update={"max_evaluations": max_evaluations or spec.max_evaluations})
    for d, sub in [(out / "all_trials", full_spec), *((out / Path(t).stem, sub) for t, sub in subs.items())]:
        _cache_fold(cache, d, spec_hash(sub))  # fits run before the cache existed (or by another call) fill it
    full_dir = out / "all_trials"
    full = run_calibration(full_spec, full_dir, resume=resume or (full_dir / "calibration.json").exists(),
                           scheduler=scheduler, progress=progress, trial_cache=cache)
    full_rows = next(e for e in full.evaluations if e["values"] == full.best)["rows"]
    folds = []
    for t, sub in subs.items():
        fold_dir = out / Path(t).stem  # a library id, or the stem of a protocol file
        cached_before = len(cache.cache)
        res = run_calibration(sub, fold_dir, resume=resume or (fold_dir / "calibration.json").exists(),
                              scheduler=scheduler, progress=progress, trial_cache=cache)
        pred = cache.get(t, res.best)
        if pred is None:
            ev = evaluate(spec.with_fixed(res.best), [t], {t: spec.patients.get(t, spec.patients_per_trial)}, spec.seed,
                          model_name=spec.model, parameter_set=None, scheduler=scheduler)
            pred = _trial_records(ev, spec.robust_z)[t]
            cache.put(t, res.best, pred)
        rows = _heldout_rows(pred["rows"])
        folds.append({"trial": t, "fitted": res.best, "train_nll": res.best_nll, "heldout_nll": pred["nll"],
                      "rows": rows, "within": sum(r["within"] for r in rows), "targets": len(rows),
                      "trials_simulated": len(cache.cache) - cached_before,
                      "within_fitted": sum(r["within"] for r in _heldout_rows(
                          [r for r in full_rows if r["trial_id"] == t]))})
    n = sum(f["targets"] for f in folds)
    return {"spec": spec.id, "folds": folds, "targets": n, "within": sum(f["within"] for f in folds),
            "fraction_within": (sum(f["within"] for f in folds) / n) if n else None,
            "fitted_with_all": {"values": full.best, "objective": full.best_nll,
                                "within": sum(f["within_fitted"] for f in folds)}}


def _fold_spec(spec: CalibrationSpec, held_out: str, max_evaluations: int | None) -> CalibrationSpec:
    """The spec without one trial; held values of a drug that only the held-out trial gives are dropped
    (no other trial has that drug, so they mean nothing to the fold)."""
    sub = spec.model_copy(update={"id": f"{spec.id}_without_{Path(held_out).stem}",
                                  "exclude_trials": [*spec.exclude_trials, held_out],
                                  "max_evaluations": max_evaluations or spec.max_evaluations})
    names = frozenset().union(*(_parameter_names(t, spec.model) for t in sub.trial_ids()))  # cached per trial
    fixed = {k: v for k, v in spec.fixed.items() if k in names or k.startswith(LINK_PREFIX)}
    return sub if fixed == spec.fixed else sub.model_copy(update={"fixed": fixed})


def _heldout_rows(rows: list[dict]) -> list[dict]:
    """A held-out trial's rows that have an interval to be inside or not. A simulated median that was not
    reached (no figure; scored NOT_REACHED_Z) counts as outside, as in `calibrate check`; a figure two records cite
    counts once, and an input of the trial not at all (objective.mark_not_counted)."""
    keys = ("target_id", "quantity", "published", "interval", "simulated", "z")
    return [{**{k: r.get(k) for k in keys}, "within": bool(r.get("within"))}
            for r in counted(rows) if r.get("ci_source") != "none"]


def _cache_fold(cache: TrialCache, fold_dir: Path, identity: str) -> None:
    meta = fold_dir / "calibration.json"
    if not meta.exists() or json.loads(meta.read_text()).get("spec_hash") != identity:
        return
    for rec in Checkpoint(fold_dir).cache.values():
        for t, part in rec["trials"].items():
            cache.put(t, rec["values"], {**part, "rows": [r for r in rec["rows"] if r["trial_id"] == t]})


def crossval_from_run(run_dir: str | Path) -> dict:
    """Leave-one-trial-out over the points a finished fit evaluated, without simulating again: for
    each trial, the point that best fits the *other* trials is chosen and that trial's targets are
    predicted there (its rows, simulated with the same seed, are in the checkpoint). Cheaper than
    `leave_one_trial_out` but optimistic: the search that produced the points saw every trial."""
    ck = Checkpoint(Path(run_dir))
    evals = list(ck.cache.values())
    if not evals:
        raise FileNotFoundError(f"{run_dir}: no evaluations.jsonl with evaluations")
    trials = list(evals[0]["trials"])
    folds = []
    for t in trials:
        best = min(evals, key=lambda e: sum(v["nll"] for k, v in e["trials"].items() if k != t))
        rows = _heldout_rows([r for r in best["rows"] if r["trial_id"] == t])
        folds.append({"trial": t, "fitted": best["values"],
                      "train_nll": sum(v["nll"] for k, v in best["trials"].items() if k != t),
                      "heldout_nll": best["trials"][t]["nll"], "rows": rows,
                      "within": sum(r["within"] for r in rows), "targets": len(rows)})
    n = sum(f["targets"] for f in folds)
    return {"spec": json.loads((Path(run_dir) / "calibration.json").read_text()).get("spec_id"),
            "method": "selection among the evaluated points of one fit (no refit)", "folds": folds, "targets": n,
            "within": sum(f["within"] for f in folds), "fraction_within": (sum(f["within"] for f in folds) / n) if n else None}
