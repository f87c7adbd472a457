"""Calibration-check benchmark: `calibrate check` on a few library trials, in-process and on a local Dask cluster.

A check simulates every figure's trial at its published size in several cohorts, so most of its cohorts are small
(27-800 patients) and the cost per cohort, beyond the ODEs, matters. Prints the wall time and patients per second of
each way, and whether they gave the same rows (they must: a cohort's results depend only on its seed).

    python benchmarks/check.py --json
    python benchmarks/check.py --trials qiao2021_liver,keynote024 --replicates 9 --workers 2 --json

The first run of a trial's model compiles its kernels (cached on disk); a warm-up check of one cohort pays it first.
"""

from __future__ import annotations

import argparse
import json
import os
import time

DEFAULT_TRIALS = "qiao2021_liver,jiang2017_chemo,keynote024,impower150,castanon2015"


def timed_check(trials: list[str], replicates: int, scheduler=None) -> tuple[float, dict]:
    from livermet.calibration.check import run_check

    start = time.perf_counter()
    res = run_check("default", trials=trials, replicates=replicates, scheduler=scheduler)
    return time.perf_counter() - start, res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", default=DEFAULT_TRIALS, help="comma-separated library trials")
    ap.add_argument("--replicates", type=int, default=3, help="cohorts per trial")
    ap.add_argument("--workers", type=int, default=2, help="Dask workers (one thread each); 0: in-process only")
    ap.add_argument("--json", action="store_true", help="print one JSON object with stable keys")
    a = ap.parse_args()
    trials = a.trials.split(",")
    timed_check(trials, 1)  # warm-up: kernels compiled and cached on disk
    wall_here, here = timed_check(trials, a.replicates)
    out = {"trials": trials, "replicates": a.replicates, "patients": here["patients_simulated"],
           "cpus": os.cpu_count(), "in_process_s": round(wall_here, 1),
           "in_process_patients_per_s": round(here["patients_simulated"] / wall_here, 1)}
    if a.workers:
        from distributed import Client, LocalCluster

        with LocalCluster(n_workers=a.workers, threads_per_worker=1, dashboard_address=None) as cluster, \
                Client(cluster) as client:
            timed_check(trials, 1, client)  # each worker loads the kernels and builds the models once
            wall_dask, dask = timed_check(trials, a.replicates, client)
        out.update({"workers": a.workers, "dask_s": round(wall_dask, 1),
                    "dask_patients_per_s": round(dask["patients_simulated"] / wall_dask, 1),
                    "same_rows": dask["rows"] == here["rows"]})
    if a.json:
        print(json.dumps(out))
    else:
        for k, v in out.items():
            print(f"{k:28s} {v}")


if __name__ == "__main__":
    main()
