"""check_spread.py CHECK [CHECK ...] [--cohorts K] [--draws N] [--json OUT]: how much a check's count of rows inside
their intervals depends on which cohorts it happened to simulate.

The checks (of one parameter set, written with each row's cohort values in cohort order: `simulated_replicates`) are
joined into one set of cohorts. Every draw takes K of them at random, without replacement, and scores each row as a
K-cohort check would: its figure is the median over the drawn cohorts (a median not reached counting as longer than
every reached one), and it is within when that lies inside the row's interval. The liver vs no-liver contrasts are
left out, and so are the rows the check does not count (an input of the trial, a figure another record cites:
calibration/check.py). Prints the
spread of the count over the draws and the share of draws that reach 80% of the rows. Drawing
without replacement from a finite set of cohorts understates the spread a little (K of 30: by about a sixth of its
variance).
Run with the package's Python: .venv/bin/python docs/calibration/check_spread.py CHECK ... --cohorts 9
"""
import argparse, json, math, warnings

import numpy as np

from livermet.calibration.check import mark_stored

ap = argparse.ArgumentParser()
ap.add_argument("checks", nargs="+")
ap.add_argument("--cohorts", type=int, default=9)
ap.add_argument("--draws", type=int, default=20000)
ap.add_argument("--seed", type=int, default=0)
ap.add_argument("--json", dest="out")
a = ap.parse_args()

checks = [json.load(open(p)) for p in a.checks]
first = checks[0]
assert all(c["parameter_set"] == first["parameter_set"] for c in checks), "checks of different parameter sets"
assert all("simulated_replicates" in r for c in checks for r in c["rows"]), "a check without cohort values in order"


def row_keys(check: dict) -> list[tuple]:  # the sample size in an endpoint's label may differ between checks
    return [(r["record"], r["trial_id"], r["endpoint"].split(", n=")[0]) for r in check["rows"]]


first["rows"] = [r for r in mark_stored(first["rows"]) if not r["not_counted"]]
keys = row_keys(first)
assert len(set(keys)) == len(keys), "two rows of a check share a key"
for c in checks[1:]:  # an assembled check may list its trials in another order: align its rows by key
    by_key = dict(zip(row_keys(c), c["rows"]))
    assert set(by_key) >= set(keys), "rows differ"
    c["rows"] = [by_key[k] for k in keys]
# values[row, cohort]; a median a cohort did not reach is +inf (longer than every reached one, as in the check),
# any other missing figure NaN (left out)
values = np.array([[(np.inf if first["rows"][i]["kind"] == "median" else np.nan) if v is None else v
                    for c in checks for v in c["rows"][i]["simulated_replicates"]] for i in range(len(keys))],
                  dtype=float)
lo = np.array([r["ci"][0] for r in first["rows"]], dtype=float)
hi = np.array([math.inf if r["ci"][1] is None else r["ci"][1] for r in first["rows"]], dtype=float)
n_rows, n_cohorts = values.shape
assert a.cohorts <= n_cohorts, f"{a.cohorts} cohorts asked, {n_cohorts} available"

rng = np.random.default_rng(a.seed)
counts = np.empty(a.draws, dtype=int)
inside_share = np.zeros(n_rows)
for d in range(a.draws):
    pick = values[:, rng.choice(n_cohorts, a.cohorts, replace=False)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a row without any figure in the drawn cohorts
        med = np.nanmedian(pick, axis=1)
    inside = np.isfinite(med) & (lo <= med) & (med <= hi)
    counts[d] = inside.sum()
    inside_share += inside
need = math.ceil(0.8 * n_rows)
out = {"parameter_set": first["parameter_set"], "checks": a.checks, "cohorts_available": n_cohorts,
       "cohorts_per_draw": a.cohorts, "draws": a.draws, "rows": n_rows, "rows_for_80_percent": need,
       "count_mean": float(counts.mean()), "count_sd": float(counts.std(ddof=1)),
       "count_percentiles": {str(q): float(np.percentile(counts, q)) for q in (2.5, 10, 50, 90, 97.5)},
       "share_of_draws_reaching_80_percent": float((counts >= need).mean()),
       "row_inside_share": [{"id": r["id"], "endpoint": r["endpoint"], "share": float(s / a.draws)}
                            for r, s in zip(first["rows"], inside_share)]}
print(f"{first['parameter_set']}: {n_cohorts} cohorts, {a.draws} draws of {a.cohorts}: rows inside mean "
      f"{out['count_mean']:.2f} (SD {out['count_sd']:.2f}), 2.5-97.5% {out['count_percentiles']['2.5']:.0f}-"
      f"{out['count_percentiles']['97.5']:.0f} of {n_rows}; share of draws with >= {need}: "
      f"{out['share_of_draws_reaching_80_percent']:.3f}")
if a.out:
    json.dump(out, open(a.out, "w"), indent=1)
