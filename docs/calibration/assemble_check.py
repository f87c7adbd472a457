"""assemble_check.py FULL PART OUT: the check FULL with the rows of PART's trials replaced by PART's.

Each trial of a check runs on its own seeds (seed + replicate) whatever the other trials, so the result is the
full check at PART's parameter set when only PART's trials depend on the parameters that differ (session 38:
docs/calibration.md). Contrasts are FULL's: PART must hold none of the liver vs no-liver trials.
Run with the package's Python: .venv/bin/python docs/calibration/assemble_check.py FULL PART OUT
"""
import json, sys

from livermet.calibration.check import summarise_rows

full, part = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
trials = set(part['trials'])
assert not part['contrasts'], 'PART holds contrast rows; recompute them instead'
rows = [r for t in full['trials'] for r in (part if t in trials else full)['rows'] if r['trial_id'] == t]
assert len(rows) == len(full['rows'])
out = {**full, **summarise_rows(rows, full['replicates']), "rows": rows, "parameter_set": part['parameter_set'],
       "assembled_from": {"rows_of": sorted(trials), "from": sys.argv[2], "other_rows_from": sys.argv[1]},
       "solver_failures": full['solver_failures'] + part['solver_failures']}
for key in ('tumour_dynamics', 'nadir_dynamics'):
    out[key] = [d for d in full[key] if d['trial_id'] not in trials] + part[key]
json.dump(out, open(sys.argv[3], 'w'), indent=1)
print(out['within_ci'], out['within_published_ci'], out['contrasts_right_direction'], round(out['objective']['huber'], 2))
