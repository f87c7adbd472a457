"""assemble_check.py FULL PART [PART ...] OUT: the check FULL with the rows of each PART's trials replaced by PART's
(a PART's trial that FULL lacks, and a PART's rows of a figure newly mapped, are added and counted in `rows_added`).

Each trial of a check runs on its own seeds (seed + replicate) whatever the other trials, so the result is the
full check at PART's parameter set when only PART's trials depend on the parameters that differ (session 38:
docs/calibration.md), or when only PART's trials changed. A liver vs no-liver contrast lies within one trial, so
PART's trials take their contrasts from PART, the others from FULL. `patients_simulated` is left empty: a PART
may simulate its trials at other sizes than FULL did, and FULL does not record its count per trial.
Run with the package's Python: .venv/bin/python docs/calibration/assemble_check.py FULL PART [PART ...] OUT
"""
import json, sys

from livermet.calibration.check import summarise_contrasts, summarise_rows

full, paths, out_path = json.load(open(sys.argv[1])), sys.argv[2:-1], sys.argv[-1]
parts = [json.load(open(p)) for p in paths]
source = {t: part for part in parts for t in part['trials']}
assert len(source) == sum(len(part['trials']) for part in parts), 'a trial is in more than one PART'
trials = full['trials'] + [t for t in source if t not in full['trials']]
rows = [r for t in trials for r in source.get(t, full)['rows'] if r['trial_id'] == t]
added = len(rows) - len(full['rows'])
assert added >= 0, 'a PART has fewer rows for its trials than FULL'
trial_of = {r['record']: r['trial_id'] for r in full['rows'] + [r for part in parts for r in part['rows']]}
con = [c for c in full['contrasts'] if trial_of[c['record']] not in source] + \
    [c for part in parts for c in part['contrasts']]
assert len(con) >= len(full['contrasts'])
out = {**full, **summarise_rows(rows, full['replicates']), **summarise_contrasts(con), "rows": rows,
       "trials": trials, "rows_added": added,
       "parameter_set": parts[-1]['parameter_set'],
       "assembled_from": [{"rows_of": sorted(part['trials']), "from": p} for p, part in zip(paths, parts)]
       + [{"other_rows_from": sys.argv[1]}],
       "solver_failures": full['solver_failures'] + sum(part['solver_failures'] for part in parts),
       "patients_simulated": None}
for key in ('tumour_dynamics', 'nadir_dynamics'):
    out[key] = [d for d in full[key] if d['trial_id'] not in source] + [d for part in parts for d in part[key]]
json.dump(out, open(out_path, 'w'), indent=1)
print(out['within_ci'], out['within_published_ci'], out['contrasts_right_direction'], round(out['objective']['huber'], 2))
