"""assemble_check.py FULL PART OUT: the check FULL with the rows of PART's trials replaced by PART's.

Each trial of a check runs on its own seeds (seed + replicate) whatever the other trials, so the result is the
full check at PART's parameter set when only PART's trials depend on the parameters that differ (session 38:
docs/calibration.md). Contrasts are FULL's: PART must hold none of the liver vs no-liver trials.
Run with the package's Python: .venv/bin/python docs/calibration/assemble_check.py FULL PART OUT
"""
import json, sys
from livermet.calibration.check import ROBUST_Z
from livermet.calibration.objective import huber
from livermet.calibration.heterogeneity import residual_heterogeneity
full, part = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
trials = set(part['trials'])
assert all(r['trial_id'] in trials for r in part['rows'])
assert not part['contrasts'], 'PART holds contrast rows; recompute them instead'
rows = []
pr = {t: [r for r in part['rows'] if r['trial_id'] == t] for t in trials}
for t in full['trials']:
    rows += pr[t] if t in trials else [r for r in full['rows'] if r['trial_id'] == t]
assert len(rows) == len(full['rows'])
zs = [r['z'] for r in rows if r['z'] is not None]
out = dict(full)
out.update({"assembled_from": {"rows_of": sorted(trials), "from": sys.argv[2], "other_rows_from": sys.argv[1]},
            "parameter_set": part['parameter_set'], "rows": rows,
            "within_ci": int(sum(r['within'] for r in rows)), "fraction_within_ci": sum(r['within'] for r in rows) / len(rows),
            "within_published_ci": int(sum(r['within'] for r in rows if r['ci_source'] == 'published')),
            "objective": {"gaussian": float(sum(huber(z, None) for z in zs)), "huber": float(sum(huber(z, ROBUST_Z) for z in zs)),
                          "robust_z": ROBUST_Z, "rows_scored": len(zs)},
            "heterogeneity": residual_heterogeneity(rows, full['replicates']),
            "solver_failures": full['solver_failures'] + part['solver_failures'],
            "tumour_dynamics": [d for d in full['tumour_dynamics'] if d['trial_id'] not in trials] + part['tumour_dynamics'],
            "nadir_dynamics": [d for d in full['nadir_dynamics'] if d['trial_id'] not in trials] + part['nadir_dynamics']})
json.dump(out, open(sys.argv[3], 'w'), indent=1)
print(out['within_ci'], out['within_published_ci'], out['contrasts_right_direction'], round(out['objective']['huber'], 2))
