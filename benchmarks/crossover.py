"""Crossover check (validation, not calibration): KEYNOTE-024 with and without its crossover.

KEYNOTE-024 let patients on chemotherapy cross over to pembrolizumab at progression. Reck et al. 2019
(J Clin Oncol 37:537) report the OS hazard ratio as randomised (0.63) and adjusted for the crossover by
the two-stage method (0.49). The survival link changes a patient's clock from the switch on
(trial/survival_link.py); this study runs the library trial as it is and with the crossover removed
(same seed, same patients) and sets the ratio of the two simulated hazard ratios beside the published
one. No parameter was fitted to these figures.

    python benchmarks/crossover.py --json
    python benchmarks/crossover.py --patients 2000 --scheduler tcp://127.0.0.1:8786
"""

from __future__ import annotations

import argparse
import json
import time

PUBLISHED = {"hr_itt": 0.63, "hr_crossover_adjusted": 0.49, "crossed_over": 82 / 151,
             "source": "Reck et al. 2019 J Clin Oncol 37:537 (two-stage adjustment; 82 of 151 crossed over)"}


def hazard_ratio(endpoints) -> dict:
    from livermet.analysis.survival import cox_hazard_ratio

    return cox_hazard_ratio(endpoints, "os_days", "os_event", "arm", "pembro", "chemo")


def run(patients: int, seed: int, scheduler: str | None) -> dict:
    from livermet.trial.runner import simulate_trial
    from livermet.trial.library import resolve
    from livermet.trial.protocol import load_protocol

    proto = load_protocol(resolve("keynote024"))
    without = proto.model_copy(update={"crossover": None})
    out = {"patients": patients, "seed": seed, "published": PUBLISHED}
    t0 = time.perf_counter()
    for name, p in (("with_crossover", proto), ("without_crossover", without)):
        e = simulate_trial(p, patients, seed, scheduler=scheduler)["endpoints"]
        e = e[e["solver_ok"]]
        hr = hazard_ratio(e)
        out[name] = {"hr_os": hr["hr"], "hr_os_ci": hr["hr_ci"],
                     "crossed_over": float(e.loc[e["arm"] == "chemo", "crossed_over"].mean())}
    out["ratio_simulated"] = out["with_crossover"]["hr_os"] / out["without_crossover"]["hr_os"]
    out["ratio_published"] = PUBLISHED["hr_itt"] / PUBLISHED["hr_crossover_adjusted"]
    out["wall_s"] = round(time.perf_counter() - t0, 1)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patients", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--scheduler", default=None, help="Dask scheduler address (default: in-process)")
    ap.add_argument("--json", action="store_true", help="print the summary as JSON")
    args = ap.parse_args()
    out = run(args.patients, args.seed, args.scheduler)
    if args.json:
        print(json.dumps(out, indent=2))
        return
    w, wo = out["with_crossover"], out["without_crossover"]
    print(f"KEYNOTE-024, {out['patients']} virtual patients (seed {out['seed']}), {out['wall_s']} s")
    print(f"  with crossover:    HR OS {w['hr_os']:.3f} ({w['hr_os_ci'][0]:.3f}-{w['hr_os_ci'][1]:.3f}); "
          f"{100 * w['crossed_over']:.0f}% of the chemotherapy arm crossed over")
    print(f"  without crossover: HR OS {wo['hr_os']:.3f} ({wo['hr_os_ci'][0]:.3f}-{wo['hr_os_ci'][1]:.3f})")
    print(f"  ratio {out['ratio_simulated']:.2f}; published {PUBLISHED['hr_itt']} / {PUBLISHED['hr_crossover_adjusted']}"
          f" = {out['ratio_published']:.2f} ({PUBLISHED['source']})")


if __name__ == "__main__":
    main()
