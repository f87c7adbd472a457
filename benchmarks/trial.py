"""Virtual-trial benchmark.

1. A two-arm trial of `--patients` (default 1,000) virtual patients, including analysis and the HTML
   report: wall time (target: under 60 s on a 2-core machine).
2. A streamed run of `--stream-patients` (default 100,000) patients in batches, without the report:
   wall time and peak resident memory of the process that runs it (target: under 2 GB). It runs in a
   child process so that its peak memory is its own.

    python benchmarks/trial.py --json
    python benchmarks/trial.py --model liver --patients 200 --stream-patients 0 --json

The default model is the trial layer's test model ('toy'); `--model liver` uses the liver-metastasis
model with the therapy library (slower: a much larger ODE system). The first run of a model
structure compiles its kernels (about 15 s, cached on disk); a warm-up run pays it first.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TOY_PROTOCOL = {
    "id": "bench_two_arm",
    "title": "benchmark: two-arm trial on the test model",
    "arms": [{"id": "io_chemo", "regimen": "toy_io_chemo"}, {"id": "chemo", "regimen": "toy_chemo", "control": True}],
    "randomisation": {"ratio": [1, 1], "stratify_by": ["liver_metastasis", "pdl1_class"]},
    "sample_size": 1000,
    "assessment": {"schedule": [{"every_weeks": 6, "until_week": 48}, {"every_weeks": 9}], "horizon_months": 48},
    "endpoints": {"primary": ["os", "pfs"], "secondary": ["orr", "dcr", "dor"]},
    "follow_up": {"accrual_months": 18, "data_cutoff_months": 42, "dropout_per_year": 0.05},
    "crossover": {"from_arm": "chemo", "regimen": "toy_io", "probability": 0.5},
}


def protocol_for(model: str, trial: str | None):
    from livermet.trial.library import resolve
    from livermet.trial.protocol import load_protocol, parse_protocol

    if trial:
        return load_protocol(resolve(trial))
    if model == "toy":
        return parse_protocol(TOY_PROTOCOL)
    return load_protocol(resolve("liver_ici_chemo_antivegf"))


def two_arm(args) -> dict:
    from livermet.trial import run_trial
    from livermet.trial.finish import analyse_and_report

    proto = protocol_for(args.model, args.trial)
    tmp = Path(tempfile.mkdtemp(prefix="livermet-bench-"))
    try:
        t0 = time.perf_counter()
        run_trial(proto, 20, 0, tmp / "warmup", model_name=args.model, batch_size=20, progress=False)
        warm = time.perf_counter() - t0
        t0 = time.perf_counter()
        s = run_trial(proto, args.patients, args.seed, tmp / "run", model_name=args.model,
                      batch_size=args.batch_size, progress=not args.json)
        t_sim = time.perf_counter() - t0
        t1 = time.perf_counter()
        summary = analyse_and_report(tmp / "run", proto)
        t_rep = time.perf_counter() - t1
        size = Path(summary["report"]).stat().st_size
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {"patients": args.patients, "model": args.model, "trial": proto.id, "batch_size": args.batch_size,
            "warmup_s_incl_compile": round(warm, 2), "simulate_s": round(t_sim, 2),
            "analysis_and_report_s": round(t_rep, 2), "total_s": round(t_sim + t_rep, 2),
            "patients_per_s": round(args.patients / t_sim, 1), "report_bytes": size, "solver_failures": s.failures,
            "arms": {a: {"median_os_months": v["os"]["median"], "median_pfs_months": v["pfs"]["median"],
                         "orr": v["orr"]["rate"]} for a, v in summary["arms"].items()}}


def streamed_child(args) -> None:
    """Run in a child process: stream the patients through the store, print wall time and peak RSS."""
    from livermet.trial import query, run_trial

    proto = protocol_for(args.model, args.trial)
    out = Path(args.out)
    t0 = time.perf_counter()
    run_trial(proto, args.stream_patients, args.seed, out, model_name=args.model, batch_size=args.batch_size,
              progress=False)
    wall = time.perf_counter() - t0
    n = int(query(out, "SELECT count(*) AS n FROM endpoints")["n"].iloc[0])
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"wall_s": round(wall, 1), "peak_rss_mb": round(peak_kb / 1024, 1), "patients_stored": n}))


def streamed(args) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="livermet-stream-"))
    try:
        cmd = [sys.executable, __file__, "--child", "--model", args.model, "--stream-patients",
               str(args.stream_patients), "--batch-size", str(args.batch_size), "--seed", str(args.seed),
               "--out", str(tmp / "run")] + (["--trial", args.trial] if args.trial else [])
        proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
        res = json.loads(proc.stdout.strip().splitlines()[-1])
        res["store_mb"] = round(sum(f.stat().st_size for f in (tmp / "run").rglob("*") if f.is_file()) / 2**20, 1)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {"patients": args.stream_patients, "batch_size": args.batch_size, **res,
            "patients_per_s": round(args.stream_patients / res["wall_s"], 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="toy")
    ap.add_argument("--trial", default=None, help="a library trial id (default: a two-arm test protocol)")
    ap.add_argument("--patients", type=int, default=1000)
    ap.add_argument("--stream-patients", type=int, default=100_000)
    ap.add_argument("--batch-size", type=int, default=500)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--out", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        streamed_child(args)
        return
    result = {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]}}
    if args.patients:
        result["two_arm"] = two_arm(args)
    if args.stream_patients:
        result["streamed"] = streamed(args)
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        for k, v in result.items():
            print(k, v)


if __name__ == "__main__":
    main()
