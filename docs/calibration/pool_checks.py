"""pool_checks.py CHECK [CHECK ...] OUT: checks of the same parameter set at seeds s, s + r, s + 2r, ... (r replicates
each) pooled into the check at seed s with all their cohorts: a trial's cohort k runs on seed + k whatever the check's
replicate count (calibration/check.py), so the pooled rows are those of `calibrate check --seed s --replicates <sum>`.

Each row's simulated figure becomes the median over every cohort (a median a cohort did not reach counting as longer
than every reached one, as in the check), and `within` and the liver vs no-liver contrasts are
re-read from it. The objective, z and heterogeneity are left out: they need each figure's published standard error,
which the check does not write. A row's cohort values are its `simulated_replicates`; a check written before that
field existed gives them back exactly when it had 3 replicates (its interval is numpy's linear 2.5 and 97.5
percentiles of the three, so the lowest and highest follow from them and the median).
Run with the package's Python: .venv/bin/python docs/calibration/pool_checks.py CHECK [CHECK ...] OUT
"""
import json, math, re, sys

import numpy as np

from livermet.calibration.check import (_dir, _not_reached_difference, _paired_differences, _replicate_directions,
                                        _replicates, _same_way, cohort_median, mark_stored,
                                        summarise_contrasts, within_counts)


def cohort_values(row: dict, replicates: int) -> list[float]:
    if "simulated_replicates" in row:
        return list(row["simulated_replicates"])
    assert replicates == 3, "cohort values can be recovered only from a 3-replicate check"
    mid, (p_lo, p_hi) = row["simulated"], row["simulated_ci"]
    lo, hi = (p_lo - 0.05 * mid) / 0.95, (p_hi - 0.05 * mid) / 0.95
    assert np.allclose(np.percentile([lo, mid, hi], [2.5, 97.5]), [p_lo, p_hi], rtol=1e-9, atol=1e-12)
    return [lo, mid, hi]


def key(row: dict) -> tuple:
    return row["record"], row["trial_id"], re.sub(r", n=\d+", "", row["endpoint"])


checks, out_path = [json.load(open(p)) for p in sys.argv[1:-1]], sys.argv[-1]
first = checks[0]
mark_stored(first["rows"])  # inputs and repeated figures are not counted (calibration/check.py)
assert all(c["parameter_set"] == first["parameter_set"] and set(c["trials"]) == set(first["trials"]) for c in checks)
for c in checks[1:]:  # rows in the first check's order: an assembled check may hold its trials in another order
    by_key = {key(r): r for r in c["rows"]}
    assert set(by_key) == {key(r) for r in first["rows"]}, "rows differ"
    c["rows"] = [by_key[key(r)] for r in first["rows"]]
if all("seed" in c for c in checks):  # checks written before session 42 do not say their seed
    starts = [first["seed"] + sum(c["replicates"] for c in checks[:i]) for i in range(len(checks))]
    assert [c["seed"] for c in checks] == starts, "the checks' cohorts are not consecutive"
# cohort by cohort only where every check kept its cohorts in order (cohort_values sorts reconstructed ones)
aligned = all("simulated_replicates" in r for c in checks for r in c["rows"])
rows = []
for i, r in enumerate(first["rows"]):
    # each cohort's figure in cohort order, None where a median was not reached, as a check writes them
    values = [v for c in checks for v in cohort_values(c["rows"][i], c["replicates"])]
    sim, sim_ci = cohort_median(values, r["kind"])  # a median not reached counts as above every reached one
    lo, hi = r["ci"][0], math.inf if r["ci"][1] is None else r["ci"][1]
    rows.append({**{k: r[k] for k in ("id", "record", "trial_id", "endpoint", "kind", "observed", "ci", "ci_source")},
                 "simulated": sim, "simulated_ci": sim_ci, "simulated_replicates": values,
                 "within": sim is not None and lo <= sim <= hi, "not_counted": r["not_counted"]})

by_endpoint = {(r["record"], r["endpoint"]): r for r in rows}
contrasts = []
for c in first["contrasts"]:
    mine = [r for r in rows if r["record"] == c["record"]]
    if (c["record"], c["quantity"]) in by_endpoint:  # a hazard ratio, liver vs no liver
        row = by_endpoint[(c["record"], c["quantity"])]
        sim = row["simulated"]
        direction = _dir(math.log(sim))
        per_cohort = [math.log(v) for v in _replicates(row)]
        published = math.log(c["published"])
    else:  # medians, liver minus no liver
        e = next(r for r in mine if r["kind"] == "median" and "(experimental" in r["endpoint"])
        k = next(r for r in mine if r["kind"] == "median" and "(control" in r["endpoint"])
        diff = _not_reached_difference(e["simulated"], k["simulated"])
        sim, direction = (diff if math.isfinite(diff) else None), _dir(diff)
        per_cohort = _paired_differences(e, k)
        published = c["published"]
    right = _same_way(c["published_direction"], direction)
    by_cohort = _replicate_directions(published, per_cohort) if aligned else {}
    contrasts.append({**{k_: v for k_, v in c.items() if k_ not in ("cohorts", "cohorts_right_direction",
                                                                      "cohorts_as_extreme")},
                      "simulated": sim, "simulated_direction": direction, "right_direction": right, **by_cohort})

out = {**within_counts(rows), **summarise_contrasts(contrasts),
       "replicates": sum(c["replicates"] for c in checks), "parameter_set": first["parameter_set"],
       "trials": first["trials"], "pooled_from": sys.argv[1:-1], "rows": rows}
json.dump(out, open(out_path, "w"), indent=1)
print(out["within_ci"], out["targets"], round(out["fraction_within_ci"], 3), out["within_published_ci"],
      out["with_published_ci"], out["contrasts_right_direction"], len(contrasts))
