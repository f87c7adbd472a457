"""rescore_intervals.py CHECK OUT: a check written before session 47 with the intervals that the check now derives for
rates without a published CI (calibration/objective.py: exact Clopper-Pearson for a proportion of patients,
log(-log) for a Kaplan-Meier survival rate; before, a symmetric binomial interval).

The stored check keeps no group size, but the symmetric interval it stored was p +/- 1.96 sqrt(p (1 - p) / n), so n
follows from its width exactly. Only the intervals and `within` change (the cohorts' values are the same); the counts
are re-read from them. Run with the package's Python: .venv/bin/python docs/calibration/rescore_intervals.py CHECK OUT
"""
import json, sys

from livermet.calibration.check import within_counts
from livermet.calibration.objective import Z95, derived_interval

check = json.load(open(sys.argv[1]))
changed = []
for r in check['rows']:
    if r['ci_source'] != 'derived from n' or r['kind'] not in ('rate', 'share'):
        continue
    p = r['observed'] / 100
    half = (r['ci'][1] - r['ci'][0]) / 200
    if abs((r['ci'][0] + r['ci'][1]) / 2 - r['observed']) > 1e-6:
        continue  # not a symmetric interval: already rescored
    n = p * (1 - p) * (Z95 / half) ** 2
    estimator = 'kaplan_meier' if ' rate at ' in r['endpoint'] else None
    lo, hi = derived_interval(r['kind'], p, half / Z95, n, estimator)
    within = bool(lo <= r['simulated'] <= hi) if r['simulated'] is not None else r['within']
    if within != r['within']:
        changed.append(f"{r['id']} {r['endpoint'][:50]}: {r['simulated']:.2f} in [{lo:.2f}, {hi:.2f}] -> {within}")
    r['ci'], r['within'] = [lo, hi], within
check.update(within_counts(check['rows']))
check['intervals_rescored'] = 'session 47: exact / log(-log) intervals for rates derived from n'
json.dump(check, open(sys.argv[2], 'w'), indent=1)
print(check['within_ci'], check['targets'], *changed, sep='\n')
