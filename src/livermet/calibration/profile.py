"""`livermet calibrate profile`: which way each trial pulls one parameter.

The parameter takes each value of a grid while every other value stays at the parameter set's; every
trial of the calibration spec is simulated with the spec's cohorts and seed (common random numbers,
so the differences along the grid are the parameter's, not the cohorts'). The objective is split by
trial. A trial whose objective changes by at least `SENSITIVE` across the grid is informative about
the parameter; where informative trials have their best values on both sides of the value that fits
all of them best, no single value serves them all (a conflict between the trials' figures, which a
better search cannot remove). Best values and changes come from a quadratic fitted to each trial's
objective along the grid, since cohort medians jump between scan times.

Each evaluation is appended to `evaluations.jsonl` in the output folder as soon as it is done, so a
killed profile continues where it stopped when run again with the same arguments.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..trial.survival_link import FITTABLE, LINK_PREFIX
from .evaluate import evaluate, model_of_trials
from .fit import PROFILE_NLL, CalibrationSpec, Checkpoint, SpecError, _current_value, _key, _plausible_range, _record
from .objective import counted
from .parameter_set import load_parameter_set, resolve_parameter_set

SENSITIVE = 2 * PROFILE_NLL  # objective change across the grid that makes a trial informative (about 3.84)


def parameter_grid(spec: CalibrationSpec, model, name: str, points: int) -> list[float]:
    """`points` values across the parameter's searched range (the spec's, else its plausible range), on
    the spec's scale (log where the range spans a decade or more of positive values)."""
    fitted = {p.name: p for p in spec.parameters}
    if name in fitted:
        lo, hi, log = fitted[name].lower, fitted[name].upper, fitted[name].scale == "log"
    else:
        lo, hi = _plausible_range(model, name)
        log = lo > 0 and hi / lo >= 10
    grid = np.geomspace(lo, hi, points) if log else np.linspace(lo, hi, points)
    return [float(f"{v:.6g}") for v in grid]


def profile_parameter(spec: CalibrationSpec, name: str, out: str | Path, *, values: list[float] | None = None,
                      points: int = 7, parameter_set: str | None = "default", held: dict[str, float] | None = None,
                      scheduler=None, progress: Callable[[int, int, float], None] | None = None,
                      published: dict[str, list[dict]] | None = None) -> dict:
    """Evaluate every trial of `spec` at each value of `name` (the rest at `parameter_set`'s values, but those
    in `held` at theirs: a profile conditional on other values, one slice of a grid over two parameters)."""
    held = dict(held or {})
    if name in held:
        raise SpecError(f"{name} is the profiled parameter; it cannot also be held (--set)")
    trials = spec.trial_ids()
    model = model_of_trials(spec.model, trials)
    rng = _plausible_range(model, name)
    if rng is None:
        raise SpecError(f"{name!r} is neither a parameter of model {spec.model!r} with the spec's trials nor a "
                        "coefficient of the OS link that a parameter set may set ("
                        + ", ".join(LINK_PREFIX + k for k in FITTABLE) + ")")
    grid = sorted({float(v) for v in values}) if values else parameter_grid(spec, model, name, points)
    if len(grid) < 2:
        raise SpecError(f"profile of {name}: give at least two distinct values")
    bad = [v for v in grid if not rng[0] <= v <= rng[1]]
    if bad:
        raise SpecError(f"values {', '.join(f'{v:g}' for v in bad)} of {name} leave its plausible range "
                        f"[{rng[0]:g}, {rng[1]:g}]")
    set_path = resolve_parameter_set(parameter_set, spec.model)
    pset = load_parameter_set(set_path) if set_path else {"parameters": {}}
    # the set's value, or the model's own where the set does not give it
    current = float((pset["parameters"].get(name) or {}).get("value", _current_value(model, name)))
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    # what the checkpointed evaluations depend on: a new set version or model code makes them stale
    identity = {"spec_id": spec.id, "parameter": name, "parameter_set": str(set_path) if set_path else None,
                "parameter_set_version": pset.get("version"), **({"held": held} if held else {}),
                "model_hash": model.hash(), "seed": spec.seed, "robust_z": spec.robust_z,
                "patients_per_trial": spec.patients_per_trial, "patients": spec.patients, "trials": trials}
    meta = out / "profile.json"
    if meta.exists() and json.loads(meta.read_text()) != identity:
        raise FileExistsError(f"{out} holds a profile with other settings ({meta}); use another --out")
    meta.write_text(json.dumps(identity, indent=1))
    ck = Checkpoint(out)
    n = {t: spec.patients.get(t, spec.patients_per_trial) for t in trials}
    recs = []
    for i, v in enumerate(grid):
        values_i = {**held, name: v}
        rec = ck.cache.get(_key(values_i))
        if rec is None:
            t0 = time.perf_counter()
            ev = evaluate(values_i, trials, n, spec.seed, model_name=spec.model, parameter_set=parameter_set,
                          scheduler=scheduler, published=published)
            rec = _record(ev, time.perf_counter() - t0, spec.robust_z)
            ck.append(rec)
        recs.append(rec)
        if progress:
            progress(i + 1, len(grid), rec["nll"])
    return {**summarise(name, grid, current, recs, spec.id, parameter_set), "held": held}


def _coordinates(grid: list[float]) -> tuple[np.ndarray, Callable[[np.ndarray], np.ndarray]]:
    """Grid positions in [0, 1] (log scale where the values are positive and span a decade or more)
    and the map from positions back to values."""
    g = np.asarray(grid, dtype=float)
    log = bool(g[0] > 0 and g[-1] / g[0] >= 10)
    s = np.log(g) if log else g
    lo, span = s[0], s[-1] - s[0]
    back = (lambda x: np.exp(lo + x * span)) if log else (lambda x: lo + x * span)
    return (s - lo) / span, back


def _smoothed_minimum(x: np.ndarray, y: list[float]) -> tuple[float, float, list[float]]:
    """Least-squares quadratic through (x, y) (a cohort's objective is noisy along the grid even with
    common random numbers: medians jump between scans): position of its minimum in [0, 1], its rise
    over [0, 1], and its values at x."""
    coef = np.polyfit(x, y, min(2, len(x) - 1))
    fine = np.linspace(0.0, 1.0, 401)
    fy = np.polyval(coef, fine)
    return float(fine[int(np.argmin(fy))]), float(fy.max() - fy.min()), [float(v) for v in np.polyval(coef, x)]


def summarise(name: str, grid: list[float], current: float, recs: list[dict], spec_id: str,
              parameter_set: str | None) -> dict:
    """Per-trial objective along the grid, each trial's best value, and whether the trials conflict.

    Best values and changes are read off a quadratic fitted to each objective, not off its noisy
    points; a trial lies on the same side as the common best when the two are closer than half the
    finest grid step."""
    x, back = _coordinates(grid)
    tol = 0.5 * float(np.min(np.diff(x)))
    total = [r["nll"] for r in recs]
    x_best, _, _ = _smoothed_minimum(x, total)
    per_trial = []
    for t in recs[0]["trials"]:
        obj = [r["trials"][t]["nll"] for r in recs]
        xt, change, fitted = _smoothed_minimum(x, obj)
        side = "same" if abs(xt - x_best) < tol else ("lower" if xt < x_best else "higher")
        per_trial.append({"trial": t, "objective": obj, "fitted": fitted, "best_value": float(back(xt)),
                          "best_on_grid": grid[int(np.argmin(obj))], "best_at_bound": xt in (0.0, 1.0),
                          "change": change, "informative": change >= SENSITIVE, "side": side})
    informative = [p for p in per_trial if p["informative"]]
    lower = [p["trial"] for p in informative if p["side"] == "lower"]
    higher = [p["trial"] for p in informative if p["side"] == "higher"]

    scored = [[x for x in counted(r["rows"]) if x.get("within") is not None] for r in recs]
    return {"spec": spec_id, "parameter": name, "parameter_set": parameter_set,
            "current": current, "values": grid, "objective": total,
            "within": [sum(bool(x["within"]) for x in sc) for sc in scored], "scored": [len(sc) for sc in scored],
            "best_value": float(back(x_best)), "best_on_grid": grid[int(np.argmin(total))], "trials": per_trial,
            "prefer_lower": lower, "prefer_higher": higher, "conflict": bool(lower and higher),
            "sensitive_change": SENSITIVE}


def excess_by_trial(prof: dict) -> list[tuple[dict, list[float]]]:
    """Each trial of a profile summary with its objective above its own best on the grid, the trials
    that move most first (the table of the CLI and of the report)."""
    return [(p, [x - min(p["objective"]) for x in p["objective"]])
            for p in sorted(prof["trials"], key=lambda p: -p["change"])]
