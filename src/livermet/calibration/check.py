"""`livermet calibrate check`: how well the default parameter set reproduces every mapped target.

Each mapped library trial is simulated at its sample size (the published one where the library
trial copies it) as `replicates` independent virtual cohorts (seeds seed, seed + 1, ...). The
simulated figure is the median over the cohorts and its interval the 2.5-97.5 percentiles over them
(with few cohorts, simply their range), so it shows what a trial of that size could have reported. A median
of survival that a cohort did not reach counts as longer than every reached one (`cohort_median`), and so
does a subgroup's in the liver vs no-liver contrasts.
The default is 9 cohorts: 3-cohort checks counted 3.6 rows fewer inside, on average, than 39 cohorts pooled
(a noisy median pushes more near-edge figures out than in), 9-cohort checks 0.75 (docs/calibration.md, session 45).
A row is a target of its own unless it is an input of its trial (a baseline share of liver metastasis that sets
the cohort's prevalence) or repeats a figure another record cites (a control arm two comparisons share); such rows
are shown with `not_counted` saying why, and left out of the counts and the objective (objective.mark_not_counted).
A target is within when that figure lies inside the published 95% CI; a hazard ratio published without
a CI but with an exact P value gets the interval that P implies (`ci_source: derived from P`), and other
figures without a CI the interval implied by their group's size (`derived from n`; for a subgroup of a
study of published size, the subgroup's share of it).

Liver vs no-liver contrasts: for every record that compares patients with and without liver
metastasis, the simulated contrast must point the same way as the published one. Each contrast also
carries the publication's P value and whether the difference was significant (P < 0.05, or a hazard
ratio whose CI excludes 1): a difference the publication could not tell from chance has a direction
the model is not expected to reproduce, and the summary counts those contrasts apart.

`calibrate validate` runs the same simulation and scoring on the independent validation set instead: the
figures the library trials cite under `validation:` (knowledge/data/clinical/validation.yaml), which no
calibration reads (`run_check(..., validation=True)`; `figures` says which set a result holds).

Tumour dynamics (`tumour_dynamics`, not scored): per arm of the first cohort, the median Stein
growth and shrinkage rates and time to growth that the OS link reads, beside the published typical
values for the same treatment where one exists (analysis/tumour_dynamics.py); and (`nadir_dynamics`)
for arms with a published reference, the median time to nadir and log-volume growth after it.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from ..analysis.trial_summary import json_interval
from ..knowledge import load_knowledge_base
from ..trial.library import published_for, resolve
from ..trial.protocol import load_protocol
from ..trial.runner import precompile
from .evaluate import fallback_n, group_label, in_flight, is_input, score_trial
from .heterogeneity import residual_heterogeneity
from .objective import Scored, counted, huber, mark_not_counted, p_number, score
from .targets import mapped_trials, validation_trials

ROBUST_Z = 2.0  # the Huber threshold of the library's calibration specs, for the summary objective
LIVER = "liver_metastasis=yes"
NO_LIVER = "liver_metastasis=no"


def _combine(reps: list[Scored], fallback: float | None) -> Scored:
    """One scored row from the same row in several replicate cohorts; `fallback` is the group size the
    replicates scored a figure without CI or n on (`evaluate.fallback_n`)."""
    first = reps[0].row
    sims = [r.row.get("simulated") for r in reps]
    row = dict(first)
    row["simulated"], row["simulated_ci"] = cohort_median(sims, first.get("kind"))
    # each cohort's figure, in cohort order: checks at seeds s, s + r, ... pool into one of more cohorts
    row["simulated_replicates"] = [r.row.get("simulated") for r in reps]
    row["replicates"] = len(reps)
    row["replicates_with_value"] = len(sims)
    # z with one cohort's sampling error; the published side (interval, SE) as the replicates scored it,
    # since that depends on the trial's fallback sample size
    s = score({**row, "simulated_ci": first.get("simulated_ci")}, fallback)
    return Scored(row, s.z, reps[0].se_published, reps[0].ci_source, reps[0].interval)


def cohort_median(values: list[float | None], kind: str | None) -> tuple[float | None, list[float | None]]:
    """Median and 2.5-97.5 percentiles of one figure over cohorts. A median of survival that a cohort did not
    reach (None) lies beyond its follow-up, so above every reached one: it counts as +inf, not as missing
    (dropping it would pull the figure down), and a percentile that falls on it is not reached either (None).
    For other figures None is simply missing."""
    vals = [math.inf if v is None else float(v) for v in values] if kind == "median" else \
        [float(v) for v in values if v is not None]
    if not vals:
        return None, [None, None]
    # 'inverted_cdf' keeps each statistic an observed cohort value (or inf) instead of interpolating towards inf
    method = "linear" if np.all(np.isfinite(vals)) else "inverted_cdf"
    stats = [float(np.median(vals))] + [float(np.percentile(vals, q, method=method)) for q in (2.5, 97.5)]
    mid, lo, hi = (x if np.isfinite(x) else None for x in stats)
    return mid, [lo, hi]


def _significance(record: str, row: dict) -> dict:
    """Published P value of a contrast's record and whether the difference was significant."""
    rec = load_knowledge_base().clinical.get(record)
    text = rec.p_value if rec is not None else None
    p = p_number(text)
    ci = row.get("ci") if row.get("ci_source") == "published" and row.get("kind") == "hr" else None
    significant = (p < 0.05) if p is not None else ((ci[0] > 1 or ci[1] < 1) if ci else None)
    return {"published_p": text, "published_significant": significant}


def contrasts(rows: list[dict]) -> list[dict]:
    """Direction of every liver vs no-liver contrast among the rows."""
    out = []
    by_record: dict[str, list[dict]] = {}
    for r in rows:
        by_record.setdefault(r["record"], []).append(r)
    for rec, rs in by_record.items():
        hr = [r for r in rs if r.get("kind") == "hr" and LIVER in str(r.get("experimental"))
              and NO_LIVER in str(r.get("control"))]
        for r in hr:
            if r.get("simulated") is None:
                continue
            pub, sim = float(r["observed"]), float(r["simulated"])
            pd_, sd_ = _dir(np.log(pub)), _dir(np.log(sim))
            out.append({"record": rec, "target_id": r["id"], "quantity": r["endpoint"],
                        "published": pub, "simulated": sim, "published_direction": pd_,
                        "simulated_direction": sd_, "right_direction": _same_way(pd_, sd_),
                        **_replicate_directions(np.log(pub), [np.log(h) for h in _replicates(r)]),
                        **_significance(rec, r)})
        med = {r.get("role"): r for r in rs if r.get("kind") == "median"}
        if {"experimental", "control"} <= set(med) and LIVER in str(med["experimental"].get("experimental")) \
                and NO_LIVER in str(med["control"].get("control")):
            e, c = med["experimental"], med["control"]
            published = float(e["observed"]) - float(c["observed"])
            pd_ = _dir(published)
            diff = _not_reached_difference(e.get("simulated"), c.get("simulated"))
            sd_ = _dir(diff)
            out.append({"record": rec, "target_id": e["id"], "quantity": f"{e['endpoint'].split(',')[0]}, liver "
                        "minus no liver (months)", "published": published,
                        "simulated": diff if math.isfinite(diff) else None, "published_direction": pd_,
                        "simulated_direction": sd_, "right_direction": _same_way(pd_, sd_),
                        **_replicate_directions(published, _paired_differences(e, c)),
                        **_significance(rec, e)})
    return out


def _not_reached_difference(a: float | None, b: float | None) -> float:
    """a - b for two medians, one not reached (None) counting as longer than any reached one: +-inf, or 0 when
    neither was reached (no direction)."""
    if a is None and b is None:
        return 0.0
    return math.inf if a is None else -math.inf if b is None else float(a) - float(b)


def _replicates(row: dict) -> list[float]:
    """The row's figure in each simulated cohort (a check's rows carry them; hand-made rows may not)."""
    return [float(x) for x in row.get("simulated_replicates") or [] if x is not None]


def _paired_differences(e: dict, c: dict) -> list[float]:
    """Two subgroups' medians cohort by cohort, e minus c (`_not_reached_difference`)."""
    a, b = e.get("simulated_replicates") or [], c.get("simulated_replicates") or []
    if len(a) != len(b):
        return []
    return [_not_reached_difference(x, y) for x, y in zip(a, b)]


def _replicate_directions(published: float, per_cohort: list[float]) -> dict:
    """In how many of the simulated cohorts the contrast (log hazard ratio or difference of medians) points the
    published way: a contrast that is wrong in every cohort is the model's, one that is wrong in some is within the
    check's sampling noise. `cohorts_as_extreme`: in how many it is at least as large as the published one, that way
    (a predictive check: how often a trial of the published size, drawn from the model, would report a difference
    that large; None where the publication set no way)."""
    way = _dir(published)
    right = sum(_same_way(way, _dir(x)) for x in per_cohort)
    extreme = None if way == "none" else int(sum((x >= published) if way == "up" else (x <= published)
                                                  for x in per_cohort))
    return {"cohorts": len(per_cohort), "cohorts_right_direction": int(right), "cohorts_as_extreme": extreme}


def _same_way(published: str, simulated: str) -> bool:
    """A simulated contrast points the published way; a published difference of zero sets no way."""
    return simulated == published or published == "none"


def _dir(x: float) -> str:
    return "none" if abs(x) < 1e-12 else ("up" if x > 0 else "down")


def run_check(parameter_set: str | None = "default", *, trials: list[str] | None = None, replicates: int = 9,
              patients: int | None = None, seed: int = 1, model_name: str = "liver", scheduler=None,
              progress=None, validation: bool = False) -> dict:
    """The check of the calibration targets, or with `validation` of the held-out validation figures
    (the trials' `validation:` records, which no calibration reads)."""
    if not trials:
        trials = validation_trials() if validation else mapped_trials(exclude=("keynote189_natural_history",))
    client = None
    if isinstance(scheduler, str):  # one client for all trials: batches sized to its workers, kernels compiled first
        from distributed import Client

        scheduler = client = Client(scheduler)
    try:
        return _check(parameter_set, trials, replicates, patients, seed, model_name, scheduler, progress, validation)
    finally:
        if client is not None:
            client.close()


def summarise_contrasts(con: list[dict]) -> dict:
    """The contrasts and how many point the published way, all of them and those the publication found
    significant."""
    significant = [c for c in con if c["published_significant"] is True]
    return {"contrasts": con, "contrasts_right_direction": int(sum(c["right_direction"] for c in con)),
            "significant_contrasts": len(significant),
            "significant_contrasts_right_direction": int(sum(c["right_direction"] for c in significant))}


def mark_stored(rows: list[dict]) -> list[dict]:
    """`not_counted` for the rows of a check written before it existed (objective.mark_not_counted): a baseline share
    of a trial that sets its cohort's liver prevalence is an input, and a row with the same published value and
    interval as an earlier one against the same simulated figure, cohort by cohort, is a repeat."""
    if all("not_counted" in r for r in rows):
        return rows
    return mark_not_counted(
        rows, lambda r: (r["trial_id"], group_label(r["endpoint"]), r["observed"], str(r["ci"]),
                         str(r.get("simulated_replicates"))),
        lambda r: is_input(load_protocol(resolve(r["trial_id"])), r))


def within_counts(rows: list[dict]) -> dict:
    """How many of a check's counted rows lie inside their intervals, in all and among those with a published CI."""
    rows = counted(rows)
    within = sum(r["within"] for r in rows)
    return {"targets": len(rows), "within_ci": int(within),
            "fraction_within_ci": within / len(rows) if rows else None,
            "within_published_ci": int(sum(r["within"] for r in rows if r["ci_source"] == "published")),
            "with_published_ci": int(sum(r["ci_source"] == "published" for r in rows))}


def summarise_rows(rows: list[dict], replicates: int) -> dict:
    """A check's figures over its scored rows: how many lie inside their intervals, the objective and the
    residual heterogeneity."""
    kept = counted(rows)
    zs = [r["z"] for r in kept if r["z"] is not None]
    return {**within_counts(rows),
            # the fit's objective at the published sizes: every row, z with one cohort's sampling error
            "objective": {"gaussian": float(sum(huber(z, None) for z in zs)),
                          "huber": float(sum(huber(z, ROBUST_Z) for z in zs)),
                          "robust_z": ROBUST_Z, "rows_scored": len(zs)},
            # how far the misfit of the log-scale rows exceeds sampling error (calibration/heterogeneity.py)
            "heterogeneity": residual_heterogeneity(kept, replicates)}


def _cohorts(parameter_set, trials, replicates, patients, seed, model_name, scheduler, validation):
    """Every trial's cohorts, in cohort order, as calls that return their TrialFit (evaluate.in_flight), and a call
    that cancels those not started."""
    def cohort(t, r):
        protocol = load_protocol(resolve(t))
        figures = published_for(protocol, validation=True) if validation else None  # None: the targets
        return score_trial(t, {}, int(patients or protocol.sample_size), seed + r, model_name=model_name,
                           parameter_set=parameter_set, scheduler=scheduler, published=figures)

    results, cancel = in_flight([functools.partial(cohort, t, r) for t in trials for r in range(replicates)], scheduler)
    return {t: results[i * replicates:(i + 1) * replicates] for i, t in enumerate(trials)}, cancel


def _row(trial: str, s: Scored) -> dict:
    return {"id": s.row["target_id"] or s.row["record"], "record": s.row["record"], "trial_id": trial,
            "endpoint": s.row["quantity"], "kind": s.row["kind"], "role": s.row.get("role"),
            "experimental": s.row.get("experimental"), "control": s.row.get("control"),
            "observed": s.row["published"], "ci": json_interval(list(s.interval) if s.interval else None),
            "ci_source": s.ci_source, "simulated": s.row["simulated"],
            "simulated_ci": s.row["simulated_ci"], "simulated_replicates": s.row["simulated_replicates"],
            "z": s.z, "within": bool(s.within), "not_counted": s.row.get("not_counted")}


def _check(parameter_set, trials, replicates, patients, seed, model_name, scheduler, progress, validation) -> dict:
    rows: list[dict] = []
    dynamics: list[dict] = []
    nadir: list[dict] = []
    failures = 0
    simulated = 0
    if scheduler is not None:
        precompile([load_protocol(resolve(t)) for t in trials], scheduler, model_name)
    cohorts, cancel = _cohorts(parameter_set, trials, replicates, patients, seed, model_name, scheduler, validation)
    try:
        for i, t in enumerate(trials):
            protocol = load_protocol(resolve(t))
            n = int(patients or protocol.sample_size)
            reps = [c() for c in cohorts[t]]
            failures += sum(x.failures for x in reps)
            dynamics += [{"trial_id": t, **d} for d in reps[0].dynamics]  # first cohort: a diagnostic, not scored
            nadir += [{"trial_id": t, **d} for d in reps[0].nadir]
            simulated += n * replicates
            for j in range(len(reps[0].scored)):
                s = _combine([x.scored[j] for x in reps], fallback_n(protocol, reps[0].scored[j].row))
                if s.ci_source == "none" or s.row.get("kind") is None:
                    continue
                rows.append(_row(t, s))
            if progress:
                progress(i + 1, len(trials), t)
    finally:
        cancel()  # after a failure, the cohorts not started yet
    con = contrasts(rows)
    public = ("id", "record", "trial_id", "endpoint", "kind", "observed", "ci", "ci_source", "simulated",
              "simulated_ci", "simulated_replicates", "z", "within", "not_counted")
    return {**summarise_rows(rows, replicates), **summarise_contrasts(con),
            "figures": "validation" if validation else "targets", "replicates": replicates, "seed": seed,
            "patients_simulated": simulated, "solver_failures": failures,
            "parameter_set": parameter_set, "trials": trials,
            "rows": [{k: r[k] for k in public} for r in rows], "tumour_dynamics": dynamics,
            "nadir_dynamics": nadir}
