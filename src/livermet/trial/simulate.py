"""Simulate one batch of enrolled patients: treat, image, call RECIST, draw survival, censor.

Everything a patient gets depends only on (seed, patient id) and the protocol, so a batch's
results do not depend on the batch's size or composition.

Steps per batch:
1. per-patient parameters (variability + covariates) and the arm's dosing events;
2. simulate to the horizon; RECIST 1.1 at the assessment days;
3. patients who progress while on treatment are simulated again with their treatment stopped at
   the progression scan (and, for crossover, the crossover regimen from then on);
4. overall survival from the TGI-OS link (survival_link.py), whose clock changes speed at a crossover
   with the tumour dynamics on the new therapy; censoring at the data cut-off or at drop-out;
   assessments after death or censoring are not made;
5. endpoints: OS, PFS, best overall response, ORR/DCR flags, duration of response.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from ..engine import simulate
from . import recist as R
from .models import get_setup
from .protocol import DAYS_PER_MONTH, Population, Protocol, parse_protocol
from .randomisation import AE_STREAM, CROSSOVER_STREAM, RECIST_STREAM, VISIT_STREAM
from .survival_link import (LINK_PREFIX, OSInputs, OSLink, draw_overall_survival, liver_target_sum,
                            sizes_after_switch, sizes_until_progression, split_link_values)

SITES = ("primary", "liver", "bone", "brain", "adrenal")


@dataclass(frozen=True)
class TrialContext:
    """Everything a worker needs to simulate a batch (plain data, picklable)."""

    protocol: dict
    model_name: str
    seed: int
    backend: str = "numba"
    # RECIST reads diameters to 0.1 mm; rtol 1e-4 gave the same endpoints as 1e-6 on the flagship trial
    # (60 patients: identical ORR, OS and PFS medians to 1e-6 days) in a third of the steps
    rtol: float = 1e-4
    atol: float = 1e-6
    dynamics_patients: int = 6  # patients per arm whose full trajectories are kept (lowest ids)
    grid_step_days: float = 7.0
    # population values replacing the model's (calibration, sensitivity): ((parameter, value), ...)
    overrides: tuple = ()
    # fitted population values: "default" (the library set of the model, if any), "none", an id or a file
    parameter_set: str | None = "default"

    def __post_init__(self):
        # a set given as a file relative to the caller's folder must still be found by Dask workers
        # started elsewhere
        ps = self.parameter_set
        if ps and Path(ps).suffix in (".yaml", ".yml") and Path(ps).exists():
            object.__setattr__(self, "parameter_set", str(Path(ps).resolve()))

    def key(self) -> str:
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True, default=str).encode()).hexdigest()[:16]


_CACHE: dict[tuple, tuple] = {}


def materialise(ctx: TrialContext):
    """(protocol, setup, model) of a context. The model is built once per process for everything but
    the seed and the overrides (building it and deriving its equations takes about a second); each call
    resets its values to the parameter set's and applies the context's overrides, so contexts that differ
    only in their seed (the cohorts of a check) or their overrides (calibration, sensitivity) share one
    model and one kernel. The key holds the parameter-set file's modification time: a long-lived worker
    (Dask) then sees a set installed after it started."""
    from ..calibration.parameter_set import apply_parameter_set, load_parameter_set

    path, version = parameter_set_file(ctx)
    k = (replace(ctx, overrides=(), seed=0).key(), version)
    if k not in _CACHE:
        proto = parse_protocol(ctx.protocol)
        setup = get_setup(ctx.model_name)
        model = setup.build_model(proto.regimen_ids())
        if path is not None:
            apply_parameter_set(model, load_parameter_set(path))
        _CACHE[k] = (proto, setup, model, {n: p.value for n, p in model.parameters_.items()})
    proto, setup, model, base = _CACHE[k]
    for n, v in base.items():
        model.parameters_[n].value = v
    apply_overrides(model, split_link_values(dict(ctx.overrides))[0])
    return proto, setup, model


def parameter_set_file(ctx: TrialContext) -> tuple[Path | None, int | None]:
    """The context's parameter-set file and its version (modification time, ns) for the caches; (None, None)
    without a set."""
    from ..calibration.parameter_set import resolve_parameter_set

    path = resolve_parameter_set(ctx.parameter_set, ctx.model_name)
    return (None, None) if path is None else (Path(path), Path(path).stat().st_mtime_ns)


@functools.lru_cache(maxsize=8)
def _parameter_set_link(path: str, _version: int) -> OSLink:
    """The OS link with a parameter set's coefficients (cached per file version: it runs for every batch)."""
    from ..calibration.parameter_set import load_parameter_set

    link = OSLink()
    pset = load_parameter_set(path)
    for name, entry in pset["parameters"].items():
        if name.startswith(LINK_PREFIX):
            link = link.with_values({name[len(LINK_PREFIX):]: entry["value"]}, (
                f"calibrated on {', '.join(entry['targets'])} (parameter set {pset['id']} v{pset['version']})"))
    return link


def trial_link(ctx: TrialContext) -> OSLink:
    """The OS link of a context: the published coefficients, then the parameter set's, then the overrides'."""
    path, version = parameter_set_file(ctx)
    link = OSLink() if path is None else _parameter_set_link(str(path), version)
    over = split_link_values(dict(ctx.overrides))[1]
    return link.with_values(over, "override (calibration or sensitivity run)") if over else link


def apply_overrides(model, overrides: dict[str, float]) -> None:
    """Set population values of parameters (the median of their variability), inside their ranges."""
    bad = []
    for name, value in overrides.items():
        p = model.parameters_.get(name)
        if p is None:
            bad.append(f"{name!r} is not a parameter of model {model.name!r}")
        elif not (p.lower <= float(value) <= p.upper):
            bad.append(f"{name}={value!r} is outside its plausible range [{p.lower:g}, {p.upper:g}]")
        else:
            p.value = float(value)
    if bad:
        raise ValueError("parameter overrides: " + "; ".join(bad))


def output_grid(protocol: Protocol, step: float) -> tuple[np.ndarray, np.ndarray]:
    """Simulation output days (weekly grid plus every assessment) and the indices of baseline + assessments."""
    horizon = protocol.horizon_days
    scans = np.concatenate([[0.0], protocol.assessment_days])
    grid = np.union1d(np.arange(0.0, horizon + 1e-9, step), scans)
    grid = np.union1d(grid, [horizon])
    idx = np.searchsorted(grid, scans)
    return grid, idx


def visit_days(scheduled: np.ndarray, patient_ids, seed: int, window: float, horizon: float) -> np.ndarray:
    """(patients, scans) day of each scan: the schedule (baseline first, at day 0) with a per-patient
    offset uniform within +/- `window` days on every later scan, kept inside (0, horizon]. Scans that
    fall between output days are read by linear interpolation (`at_days`); without the offsets every
    patient is seen on the same days, so medians of the time to progression sit on the schedule."""
    out = np.tile(np.asarray(scheduled, dtype=float), (len(patient_ids), 1))
    if window > 0 and out.shape[1] > 1:
        for i, pid in enumerate(patient_ids):
            rng = np.random.default_rng([int(seed), int(pid), VISIT_STREAM])
            out[i, 1:] += rng.uniform(-window, window, out.shape[1] - 1)
        out[:, 1:] = np.clip(out[:, 1:], 1.0, horizon)
    return out


def at_days(values: np.ndarray, grid: np.ndarray, days: np.ndarray) -> np.ndarray:
    """(patients, scans) values on the output grid (patients, grid) read at each patient's days by
    linear interpolation (the grid is at most a week apart)."""
    j = np.clip(np.searchsorted(grid, days, side="right") - 1, 0, len(grid) - 2)
    w = (days - grid[j]) / (grid[j + 1] - grid[j])
    v0, v1 = np.take_along_axis(values, j, axis=1), np.take_along_axis(values, j + 1, axis=1)
    return v0 + w * (v1 - v0)


def therapy_covariates(row: pd.Series) -> dict:
    """The covariates handed to a regimen (both the trial's names and the therapy library's)."""
    d = {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}
    d.update({"weight_kg": float(row["weight"]), "bsa_m2": float(row["bsa"]), "albumin_g_l": float(row["albumin"]),
              "age_years": float(row["age"]), "female": row["sex"] == "female"})
    if "crcl" in row:
        d["crcl_ml_min"] = float(row["crcl"])
    else:
        from .models import creatinine_clearance

        d["crcl_ml_min"] = float(creatinine_clearance(row["age"], row["weight"], row["sex"] == "female"))
    return d


def regimen_events(reg, model, cov: dict, start: float, horizon: float, progression_day: float | None,
                   discontinue_day: float | None = None, holds=()) -> list:
    """A regimen's events for one patient (contract: docs/contracts.md section 4)."""
    kwargs = {"progression_day": progression_day}
    if discontinue_day is not None:
        kwargs["discontinue_day"] = discontinue_day
    if holds:
        kwargs["holds"] = [(a - start, b - start) for a, b in holds]
    try:
        evs = list(reg.events(model, cov, start, horizon, **kwargs))
    except TypeError:  # a regimen without these arguments: cut and hold here
        evs = list(reg.events(model, cov, start, horizon))
        stop = min(x for x in (progression_day, discontinue_day, np.inf) if x is not None)
        evs = [e for e in evs if e.time < stop and not any(a <= e.time < b for a, b in holds)]
    return evs


def _toxicity(reg, seed: int, pid: int, treatment_days: float) -> dict | None:
    """A grade >= 3 treatment-related adverse event from the therapy library's toxicity model, if the
    regimen has one (livermet.therapy.toxicity; its own random stream per patient)."""
    spec = getattr(reg, "spec", None)
    if spec is None or getattr(spec, "toxicity", None) is None:
        return None
    from ..therapy.toxicity import draw_for_patient

    ev = draw_for_patient(reg, seed, pid, start_day=0.0, treatment_days=float(treatment_days))
    return ev.as_dict() if ev.occurs else None


def _observables(res, names: list[str]) -> dict[str, np.ndarray]:
    return {n: res.observable(n) for n in names}


@dataclass
class BatchResult:
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)


def simulate_batch(ctx: TrialContext, cohort: pd.DataFrame) -> dict[str, pd.DataFrame]:
    proto, setup, model = materialise(ctx)
    seed = ctx.seed
    ids = cohort.index.to_numpy()
    P = len(ids)
    grid, scan_idx = output_grid(proto, ctx.grid_step_days)
    horizon = proto.horizon_days
    scan_days = visit_days(grid[scan_idx], ids, seed, proto.assessment.visit_window_days, horizon)  # (P, scans)
    max_tx = proto.treatment.max_duration_months
    treat_end = min(horizon, max_tx * DAYS_PER_MONTH) if max_tx else horizon
    cov_dicts = [therapy_covariates(r) for _, r in cohort.iterrows()]
    params = setup.patient_parameters(model, cohort, seed)
    regimens = {rid: setup.get_regimen(rid) for rid in proto.regimen_ids()}
    events = [regimen_events(regimens[cohort.iloc[i]["regimen"]], model, cov_dicts[i], 0.0, treat_end, None)
              for i in range(P)]
    population = proto.population or Population()
    nh_mode = population.baseline == "natural_history"
    run_in_mode = not nh_mode and population.run_in.days > 0
    start_events = [[] for _ in range(P)]
    plausible = np.ones(P, dtype=bool)
    if nh_mode:
        params, start_events, plausible, nh_day = _natural_history_baseline(model, params, ids, seed, proto, cohort,
                                                                            setup)
        not_plausible = ("not plausible: no diagnosis within the natural-history horizon, or no candidate with the "
                         "patient's metastatic sites")
    elif run_in_mode:
        params, start_events, plausible = _run_in_baseline(model, params, ids, seed, population.run_in, ctx.backend,
                                                           cohort)
        not_plausible = (f"not plausible: the tumour regressed untreated in all {population.run_in.candidates} "
                         "run-in candidates")
    events = [start_events[i] + events[i] for i in range(P)]
    obs_names = [f"diameter_{s}" for s in SITES] + [f"n_lesions_{s}" for s in SITES] + \
                ["tumour_burden", "ldh", "nlr", "lymphocytes"]
    missing = [n for n in obs_names if n not in model.observables_]
    if missing:
        raise ValueError(f"model {model.name!r} lacks the contract observables {', '.join(missing)} "
                         "(docs/contracts.md section 3)")
    res = simulate(model, grid, params, events, backend=ctx.backend, patient_ids=ids, rtol=ctx.rtol,
                   atol=ctx.atol, keep_species=False)
    obs = _observables(res, obs_names)
    status = res.status.copy()
    messages = list(res.messages)
    rules = R.RecistRules.from_protocol(proto.recist)
    # the same reads for the first pass (when to stop treatment) and the final one
    factors = R.measurement_error_factors(ids, scan_days.shape[1], len(SITES), rules, seed, RECIST_STREAM)

    def scans_of(o):  # (P, scans, sites) diameters and lesion counts at each patient's scan days
        return tuple(np.stack([at_days(o[f"{kind}_{s}"], grid, scan_days) for s in SITES], axis=2)
                     for kind in ("diameter", "n_lesions"))

    def day_of(index):  # day of a scan index per patient (inf where -1: none)
        return np.where(index >= 0, np.take_along_axis(scan_days, np.maximum(index, 0)[:, None], 1)[:, 0], np.inf)

    first = R.assess(*scans_of(obs), scan_days, rules, factors)
    pd_day = day_of(first.pd_index)
    # 3. stop treatment at progression or for toxicity (holds, discontinuation); cross over
    crossed = np.zeros(P, dtype=bool)
    xo = proto.crossover
    tox = [_toxicity(regimens[cohort.iloc[i]["regimen"]], seed, int(ids[i]), min(pd_day[i], treat_end))
           for i in range(P)]
    redo, new_events = [], []
    res2 = None
    for i in range(P):
        progressed = np.isfinite(pd_day[i]) and pd_day[i] < treat_end
        pdd = float(pd_day[i]) if progressed and proto.treatment.stop_at_progression else None
        t = tox[i]
        disc = float(t["day"]) if t and t["discontinue"] else None
        holds = [(float(t["day"]), float(t["day"]) + float(t["hold_days"]))] if t and not t["discontinue"] else []
        cross = False
        if xo is not None and progressed and cohort.iloc[i]["arm"] == xo.from_arm:
            u = np.random.default_rng([int(seed), int(ids[i]), CROSSOVER_STREAM]).random()
            cross = u < xo.probability
        if pdd is None and disc is None and not holds and not cross:
            continue
        evs = regimen_events(regimens[cohort.iloc[i]["regimen"]], model, cov_dicts[i], 0.0, treat_end, pdd,
                             disc, holds)
        evs = start_events[i] + evs
        if cross:
            crossed[i] = True
            evs = evs + regimen_events(regimens[xo.regimen], model, cov_dicts[i], float(pd_day[i]),
                                       treat_end, None)
        redo.append(i)
        new_events.append(evs)
    if redo:
        redo = np.asarray(redo)
        for i, evs in zip(redo, new_events):
            events[i] = evs
        res2 = simulate(model, grid, params.iloc[redo], new_events, backend=ctx.backend, patient_ids=ids[redo],
                        rtol=ctx.rtol, atol=ctx.atol, keep_species=False)
        o2 = _observables(res2, obs_names)
        for n in obs_names:
            obs[n][redo] = o2[n]
        status[redo] = res2.status
        for k, i in enumerate(redo):
            messages[i] = res2.messages[k]
    if nh_mode or run_in_mode:  # patients without a plausible baseline are recorded as failures
        status = np.where(plausible, status, -1)
        messages = [m if plausible[i] else not_plausible for i, m in enumerate(messages)]
    scan_d, scan_n = scans_of(obs)
    full = R.assess(scan_d, scan_n, scan_days, rules, factors)
    liver = R.organ_assessment(scan_d, scan_n, scan_days, [SITES.index("liver")], rules, factors)

    # 4. survival
    d_all = np.stack([obs[f"diameter_{s}"] for s in SITES], axis=2)  # (P, grid, S)
    size = np.einsum("pts,ps->pt", np.nan_to_num(d_all, nan=np.nan), full.targets.astype(float))
    no_targets = full.targets.sum(axis=1) == 0
    burden_size = np.cbrt(np.maximum(obs["tumour_burden"], 0.0))
    size[no_targets] = burden_size[no_targets]
    # the link was fitted to tumour sizes measured at trial scans while patients were on study, so it
    # sees the scans up to the first progression (at least the first MIN_LINK_SCANS after baseline)
    # rather than the untreated regrowth after progression that no trial measures
    size_scans = sizes_until_progression(size[:, scan_idx], full.pd_index)
    liver_sum = liver_target_sum(obs["diameter_liver"], full.targets[:, SITES.index("liver")])
    base_nlr = obs["nlr"][:, 0]
    # metastatic organs at baseline, as the subgroups count them (the model's own lesions in natural history)
    n_sites = np.column_stack([obs[f"n_lesions_{s_}"][:, 0] >= 0.5 if nh_mode else cohort[f"met_{s_}"].to_numpy(bool)
                               for s_ in SITES[1:]]).sum(axis=1)
    link = trial_link(ctx)
    os_in = OSInputs(
        patient_ids=ids, age=cohort["age"].to_numpy(float), albumin=cohort["albumin"].to_numpy(float),
        total_protein=cohort["total_protein"].to_numpy(float),
        nlr=np.where(np.isfinite(base_nlr), base_nlr, cohort["nlr"].to_numpy(float)),
        tsb_mm=np.nan_to_num(full.sld[:, 0]), size_times=grid[scan_idx], size=size_scans, hazard_times=grid,
        liver_sum_mm=liver_sum,
        untreated=np.array([not regimens[r].agents() for r in cohort["regimen"]]),
        later_line=cohort["prior_lines"].to_numpy(float) > 0, observational=proto.setting == "observational",
        n_sites=n_sites)
    if crossed.any():  # the crossover therapy changes the link's clock from the switch on
        switch_index = np.where(crossed, first.pd_index, -1)
        os_in.switch_day = np.where(crossed, pd_day, np.inf)
        os_in.switch_times, os_in.switch_size = sizes_after_switch(
            size[:, scan_idx], grid[scan_idx], switch_index, link.fit_window_days.value)
    surv = draw_overall_survival(os_in, seed, link)
    death = surv["death_day"]
    censor = np.minimum(np.minimum(cohort["admin_censor_day"].to_numpy(float), cohort["dropout_day"].to_numpy(float)),
                        horizon)
    ok = status == 0
    # assessments happen while alive and before censoring
    seen = (scan_days < np.minimum(death, censor + 1e-9)[:, None]) | (np.arange(scan_days.shape[1]) == 0)
    resp = np.where(seen, full.response, R.NE)
    best, pd_idx, resp_idx = R.best_overall_response(resp, scan_days, rules)
    last_seen = np.array([scan_days[i, np.flatnonzero(seen[i] & ((resp[i] != R.NE) | (np.arange(scan_days.shape[1])
                                                                                      == 0))).max()] for i in range(P)])
    os_days = np.minimum(death, censor)
    os_event = death <= censor
    pfs_pd = day_of(pd_idx)
    pfs_raw = np.minimum(pfs_pd, np.where(os_event, death, np.inf))
    pfs_event = np.isfinite(pfs_raw) & (pfs_raw <= censor)
    pfs_days = np.where(pfs_event, pfs_raw, last_seen)
    responder = np.isin(best, (R.CR, R.PR))
    dcr = np.isin(best, (R.CR, R.PR, R.SD))
    resp_day = np.where(resp_idx >= 0, day_of(resp_idx), np.nan)
    dor_days = np.where(responder, np.where(pfs_event, pfs_days, last_seen) - resp_day, np.nan)
    dor_event = np.where(responder, pfs_event, False)
    # intrahepatic response and PFS: RECIST on the liver lesions alone (progression there, or death), for
    # patients with a measurable liver lesion at baseline
    liver_ok = ok & (liver.targets.sum(axis=1) > 0)
    best_l, pd_l, _ = R.best_overall_response(np.where(seen, liver.response, R.NE), scan_days, rules)
    pfs_l_raw = np.minimum(day_of(pd_l), np.where(os_event, death, np.inf))
    pfs_l_event = np.isfinite(pfs_l_raw) & (pfs_l_raw <= censor)
    # failed patients: recorded, no endpoints
    nan_if_failed = lambda a: np.where(ok, a, np.nan)  # noqa: E731
    arms = cohort["arm"].to_numpy()
    endpoints = pd.DataFrame({
        "patient_id": ids, "arm": arms,
        "os_days": nan_if_failed(os_days), "os_event": ok & os_event,
        "pfs_days": nan_if_failed(pfs_days), "pfs_event": ok & pfs_event,
        "best_response": np.where(ok, R.LABELS[best], "NE"), "responder": ok & responder,
        "disease_control": ok & dcr, "response_day": nan_if_failed(resp_day),
        "dor_days": nan_if_failed(dor_days), "dor_event": ok & dor_event,
        "liver_measurable": liver_ok, "liver_best_response": np.where(liver_ok, R.LABELS[best_l], "none"),
        "liver_responder": liver_ok & np.isin(best_l, (R.CR, R.PR)),
        "pfs_liver_days": np.where(liver_ok, np.where(pfs_l_event, pfs_l_raw, last_seen), np.nan),
        "pfs_liver_event": liver_ok & pfs_l_event,
        "death_day": nan_if_failed(death), "censor_day": censor,
        "baseline_sld_mm": full.sld[:, 0], "n_target_lesions": full.targets.sum(axis=1),
        "kg_per_week": surv["kg_per_week"], "ks_per_week": surv["ks_per_week"], "ttg_weeks": surv["ttg_weeks"],
        "os_log_mu": surv["os_mu"], "os_log_mu_after_switch": surv["os_mu_after_switch"], "crossed_over": crossed,
        "solver_ok": ok, "solver_status": status, "solver_message": messages,
    })
    # assessments table (long): only scans actually made
    rows = []
    for i in range(P):
        for j in np.flatnonzero(seen[i]):
            rows.append((ids[i], arms[i], j, scan_days[i, j], full.sld[i, j],
                         (full.sld[i, j] / full.sld[i, 0] - 1) * 100 if full.sld[i, 0] > 0 else np.nan,
                         R.LABELS[resp[i, j]] if j else "baseline", bool(full.new_lesion[i, j]),
                         *scan_d[i, j], *scan_n[i, j],
                         *full.targets[i]))
    assessments = pd.DataFrame(rows, columns=[
        "patient_id", "arm", "assessment", "day", "sld_mm", "sld_change_pct", "response", "new_lesion",
        *[f"diameter_{s}_mm" for s in SITES], *[f"n_lesions_{s}" for s in SITES], *[f"targets_{s}" for s in SITES]])
    # events table
    ev_rows = []
    for i in range(P):
        n_doses = 0
        for e in events[i]:
            if e.time <= min(os_days[i], horizon):
                ev_rows.append((ids[i], float(e.time), "dose", e.label or e.target, np.nan))
                n_doses += 1
        if np.isfinite(pfs_pd[i]) and pfs_pd[i] <= censor[i]:
            ev_rows.append((ids[i], float(pfs_pd[i]), "progression", "RECIST 1.1 PD", np.nan))
        if crossed[i]:
            ev_rows.append((ids[i], float(pd_day[i]), "crossover", xo.regimen, np.nan))
        if os_event[i]:
            ev_rows.append((ids[i], float(death[i]), "death", "", np.nan))
        elif censor[i] < horizon and np.isfinite(cohort["dropout_day"].iloc[i]) and \
                cohort["dropout_day"].iloc[i] <= cohort["admin_censor_day"].iloc[i]:
            ev_rows.append((ids[i], float(censor[i]), "dropout", "lost to follow-up", np.nan))
        if not ok[i]:
            ev_rows.append((ids[i], np.nan, "solver_failure", messages[i], np.nan))
        reg = regimens[cohort.iloc[i]["regimen"]]
        ae_rng = np.random.default_rng([int(seed), int(ids[i]), AE_STREAM])
        aes = _adverse_events(reg, cov_dicts[i], n_doses, ae_rng)
        if tox[i]:
            aes.append({"term": "grade>=3 treatment-related adverse event" +
                        (" (discontinued)" if tox[i]["discontinue"] else f" (held {tox[i]['hold_days']:g} d)"),
                        "grade": 3, "day": tox[i]["day"]})
        for ae in aes:
            if ae.get("day", 0) <= os_days[i]:
                ev_rows.append((ids[i], float(ae.get("day", np.nan)), "adverse_event", str(ae.get("term", "")),
                                float(ae.get("grade", np.nan))))
    events_df = pd.DataFrame(ev_rows, columns=["patient_id", "day", "event", "detail", "grade"])
    # dynamics of example patients: every observable of the model (immune cells, cytokines, ... when it has them)
    keep = [i for i in range(P) if _is_example(ids[i], arms[i], cohort, ctx.dynamics_patients)]
    dyn = []
    if keep:
        kk = np.asarray(keep)
        names = list(res.observable_names)
        all_obs = res.observables[kk].copy()
        if redo is not None and len(redo):
            pos = {int(i): k for k, i in enumerate(redo)}
            for r_i, i in enumerate(kk):
                if int(i) in pos:
                    all_obs[r_i] = res2.observables[pos[int(i)]]
        for r_i, i in enumerate(kk):
            alive = grid <= os_days[i]
            for o_i, name in enumerate(names):
                for t_i in np.flatnonzero(alive):
                    dyn.append((ids[i], arms[i], grid[t_i], name, float(all_obs[r_i, t_i, o_i])))
    dynamics = pd.DataFrame(dyn, columns=["patient_id", "arm", "day", "observable", "value"])
    patients = cohort.reset_index().copy()
    if nh_mode:  # metastases at baseline come out of the model: the subgroups follow the model's baseline
        for s_ in SITES[1:]:
            patients[f"met_{s_}_covariate"] = patients[f"met_{s_}"]
            patients[f"met_{s_}"] = obs[f"n_lesions_{s_}"][:, 0] >= 0.5
        patients["liver_metastasis"] = np.where(patients["met_liver"], "yes", "no")
        patients["n_liver_lesions"] = np.round(np.nan_to_num(obs["n_lesions_liver"][:, 0])).astype(int)
        patients["diagnosis_day"] = nh_day
    for c in ("admin_censor_day", "dropout_day"):
        patients[c] = patients[c].astype(float)
    return {"patients": patients, "endpoints": endpoints, "assessments": assessments, "events": events_df,
            "dynamics": dynamics}


def _nh_start(model, params: pd.DataFrame, ids, seed: int, nh) -> tuple[pd.DataFrame, np.ndarray]:
    """Parameters at disease onset (metastasis parameters at the model's defaults, the primary at
    `onset_cells`) and each patient's diagnosis threshold (its own stream)."""
    from .models import SITES as _S

    base = params.copy()
    for s_ in _S:
        for pre in ("C0_", "L0_"):
            if f"{pre}{s_}" in base.columns and s_ != "primary":
                base[f"{pre}{s_}"] = model.parameters_[f"{pre}{s_}"].value
    if "C0_primary" in base.columns:
        base["C0_primary"] = nh.onset_cells
    thr = np.array([nh.median_mm * np.exp(nh.sigma * np.random.default_rng([int(seed), int(p), 2, 1]).standard_normal())
                    for p in ids])
    return base, thr


def redraw_candidate(model, params: pd.DataFrame, ids, seed: int, c: int,
                     covariates: pd.DataFrame | None = None) -> pd.DataFrame:
    """Candidate c of each patient: c = 0 is `params`; c > 0 redraws the varying parameters with the
    streams of seed + 1,000,003 c, keeping the baseline lesions and what the covariates set; parameters
    correlated with a covariate score stay correlated with the patient's `covariates`."""
    from ..population.sampling import sample_parameters
    from .models import FROM_COVARIATES

    cand = params.copy()
    if c > 0:
        redraw = sample_parameters(model, ids, seed + 1_000_003 * c, covariates)
        for col in redraw.columns:
            if not col.startswith(("C0_", "L0_")) and col not in FROM_COVARIATES:
                cand[col] = redraw[col].to_numpy()
    return cand


def _run_in_baseline(model, params: pd.DataFrame, ids, seed: int, run_in, backend: str,
                     cohort: pd.DataFrame | None = None):
    """Untreated run-in (protocol.RunIn, population/vpop.py `run_in`): the first plausible candidate of
    each patient; its state at the end of the run-in starts the trial. Returns (parameters, start
    events, plausible)."""
    from ..population.vpop import baseline_events
    from ..population.vpop import run_in as simulate_run_in

    chosen = params.copy()
    ok = np.zeros(len(ids), dtype=bool)
    states = [None] * len(ids)
    for c in range(run_in.candidates):
        todo = np.flatnonzero(~ok)
        if len(todo) == 0:
            break
        cand = redraw_candidate(model, params.iloc[todo], ids[todo], seed, c, cohort)
        hist = simulate_run_in(model, cand, run_in.days, min_growth=run_in.min_growth, backend=backend)
        for k, i in enumerate(todo):
            if hist["plausible"].iloc[k]:
                ok[i] = True
                states[i] = hist.iloc[k]
                chosen.iloc[i] = cand.iloc[k]
    return chosen, [baseline_events(model, states[i]) if ok[i] else [] for i in range(len(ids))], ok


def _nh_candidate(model, base: pd.DataFrame, ids, seed: int, nh, thr, c: int,
                  cohort: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Candidate c of each patient (`redraw_candidate`) and its natural history."""
    from ..population.vpop import natural_history

    cand = redraw_candidate(model, base, ids, seed, c, cohort)
    return cand, natural_history(model, cand, thr, observable=nh.observable, max_days=nh.max_days,
                                 step_days=nh.step_days)


def _natural_history_baseline(model, params: pd.DataFrame, ids, seed: int, proto, cohort: pd.DataFrame | None = None,
                              setup=None):
    """Each patient's natural history from onset to diagnosis (population/vpop.py); up to `candidates`
    parameter draws per patient; baseline lesion parameters are left at the model's defaults so that
    metastases come out of the model. Selection `match_sites` (default): a candidate is plausible only
    if its metastasis status at `match_sites` (default: liver) at diagnosis equals the patient's sampled
    covariates, one patient at a time. Selection `allen`: see `_allen_choice`."""
    from ..population.vpop import baseline_events

    nh = proto.population.natural_history
    base, thr = _nh_start(model, params, ids, seed, nh)
    chosen = base.copy()
    ok = np.zeros(len(ids), dtype=bool)
    day = np.full(len(ids), np.nan)
    states = [None] * len(ids)
    if nh.selection == "allen":
        cands = [_nh_candidate(model, base, ids, seed, nh, thr, c, cohort) for c in range(nh.candidates)]
        pick = _allen_choice(model, ids, seed, proto, setup, [h for _, h in cands])
        for i, c in enumerate(pick):
            if c >= 0:
                ok[i], day[i] = True, cands[c][1]["diagnosis_day"].iloc[i]
                states[i] = cands[c][1].iloc[i]
                chosen.iloc[i] = cands[c][0].iloc[i]
    else:
        for c in range(nh.candidates):
            todo = np.flatnonzero(~ok)
            if len(todo) == 0:
                break
            cand, hist = _nh_candidate(model, base.iloc[todo], ids[todo], seed, nh, thr[todo], c, cohort)
            match = np.ones(len(todo), dtype=bool)
            if nh.match_sites and cohort is not None:
                for s_ in nh.match_sites:
                    col = f"obs_n_lesions_{s_}"
                    if col in hist.columns:
                        model_has = hist[col].to_numpy() >= 0.5
                        match &= model_has == cohort[f"met_{s_}"].to_numpy()[todo].astype(bool)
            for k, i in enumerate(todo):
                if hist["plausible"].iloc[k] and match[k]:
                    ok[i] = True
                    day[i] = hist["diagnosis_day"].iloc[k]
                    states[i] = hist.iloc[k]
                    chosen.iloc[i] = cand.iloc[k]
    start = [baseline_events(model, states[i]) if ok[i] else [] for i in range(len(ids))]
    return chosen, start, ok, day


REFERENCE_BASE = 10**9  # patient ids of the selection reference cohort (never enrolled)
_REFERENCE: dict[str, tuple] = {}


def _baseline_features(liver, ldh, nlr) -> np.ndarray:
    """Features matched by Allen selection: liver metastasis (0/1), log LDH, log NLR."""
    return np.column_stack([np.asarray(liver, float), np.log(np.maximum(np.asarray(ldh, float), 1e-9)),
                            np.log(np.maximum(np.asarray(nlr, float), 1e-9))])


def _hist_features(hist: pd.DataFrame) -> np.ndarray:
    return _baseline_features(hist["obs_n_lesions_liver"].to_numpy() >= 0.5, hist["obs_ldh"], hist["obs_nlr"])


def _allen_reference(model, seed: int, proto, setup) -> tuple[np.ndarray, np.ndarray, float]:
    """Plausible features, observed features and beta of a fixed reference cohort (ids from
    REFERENCE_BASE): its covariates are the observed distribution, its candidates' natural histories the
    plausible one, and beta comes from `allen_selection` on them. Computed once per process."""
    from ..population.covariates import eligibility_filter, sample_covariates
    from ..population.vpop import allen_selection
    from .randomisation import population_spec

    nh = proto.population.natural_history
    key = hashlib.sha256(f"{model.hash()}|{seed}|{proto.model_dump_json()}".encode()).hexdigest()
    if key not in _REFERENCE:
        ref_ids = REFERENCE_BASE + np.arange(nh.reference_patients)
        cov = sample_covariates(ref_ids, seed, population_spec(proto), eligibility_filter(proto.eligibility))
        base, thr = _nh_start(model, setup.patient_parameters(model, cov, seed), ref_ids, seed, nh)
        feats = []
        for c in range(nh.candidates):
            _, hist = _nh_candidate(model, base, ref_ids, seed, nh, thr, c, cov)
            feats.append(_hist_features(hist)[hist["plausible"].to_numpy()])
        plausible = np.vstack(feats)
        observed = _baseline_features(cov["met_liver"], cov["ldh"], cov["nlr"])
        beta = allen_selection(plausible, observed, seed).beta
        _REFERENCE[key] = (plausible, observed, beta)
    return _REFERENCE[key]


def _allen_choice(model, ids, seed: int, proto, setup, hists: list[pd.DataFrame]) -> np.ndarray:
    """Allen, Rieger & Musante 2016 acceptance, one patient at a time: candidate c is accepted when the
    patient's uniform draw u_c is below beta * p(features of c), p the observed/plausible density ratio of
    the reference cohort; the first accepted candidate is the patient. If none is accepted, the plausible
    candidate with the highest p is taken (recorded as a fallback in no table: a design choice so that
    every enrolled patient is simulated). Returns the candidate index per patient, -1 if none is plausible."""
    from ..population.vpop import inclusion_probability

    plausible, observed, beta = _allen_reference(model, seed, proto, setup)
    K = len(hists)
    p = np.column_stack([inclusion_probability(plausible, observed, at=_hist_features(h)) for h in hists])
    ok = np.column_stack([h["plausible"].to_numpy() for h in hists])
    u = np.array([np.random.default_rng([int(seed), int(pid), 2, 3]).random(K) for pid in ids])
    accept = ok & (u < beta * p)
    first = np.where(accept.any(axis=1), accept.argmax(axis=1), -1)
    best = np.where(ok.any(axis=1), np.where(ok, p, -1.0).argmax(axis=1), -1)
    return np.where(first >= 0, first, best)


def _is_example(pid, arm, cohort, k) -> bool:
    """The k lowest patient ids of each arm (decided from the cohort's own rows: ids are enrolled in order,
    so an example patient is one with fewer than k lower ids in its arm; `example_rank` is precomputed)."""
    rank = cohort.loc[pid, "example_rank"] if "example_rank" in cohort.columns else pid
    return rank < k


def _adverse_events(reg, cov: dict, n_doses: int, rng) -> list[dict]:
    fn = getattr(reg, "adverse_events", None)
    if callable(fn):
        return list(fn(cov, n_doses, rng))
    return []
