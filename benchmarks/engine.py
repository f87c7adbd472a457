"""Engine benchmark: throughput and accuracy of the numba, roadrunner and scipy backends.

N virtual patients (parameters drawn from the model's variability distributions) are simulated
for --days with the model's dosing schedule (the reference model doses anti-PD-1 every 3 weeks).
numba runs all N in batches of --batch (memory bounded by the batch); roadrunner and scipy run a
subset of --subset patients and their throughput is per patient. Accuracy is the relative error
of every observable against a tight-tolerance libRoadRunner run of the subset.

--work-precision adds a per-core work-precision study: numba on one thread (on the first --patients
patients; errors on the subset) and libRoadRunner at each of --wp-tolerances (rtol = atol), and for
each libRoadRunner tolerance the fastest numba tolerance that is at least as accurate (median and
max relative error both no larger): the speed ratio at matched accuracy, the way solver benchmarks
compare methods whose errors differ at the same nominal tolerance.

    python benchmarks/engine.py --patients 20000 --json
    python benchmarks/engine.py --model liver --patients 1000 --work-precision --json
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import sys
import time

import numba
import numpy as np

from livermet.biology import get_model
from livermet.engine import relative_error, simulate
from livermet.population import sample_parameters


def _errors(res, ref, rows):
    """Median and max relative error over every observable of the reference rows."""
    med, mx = [], []
    for k in range(len(ref.observable_names)):
        e = relative_error(res.observables[rows, :, k], ref.observables[:, :, k], 1e-9)
        med.append(float(np.nanmedian(e)))
        mx.append(float(np.nanmax(e)))
    return max(med), max(mx)  # the worst observable


def work_precision(model, times, params, sub_params, ref, subset: int, tolerances: list[float]) -> dict:
    """Per-core throughput and error of numba (1 thread) and libRoadRunner at each tolerance."""
    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    rows = []
    try:
        for tol in tolerances:
            res = simulate(model, times, params, keep_species=False, rtol=tol, atol=tol)
            med, mx = _errors(res, ref, slice(0, subset))
            rows.append({"backend": "numba", "tolerance": tol, "patients_per_s": len(params) / res.wall_s,
                         "accepted_steps": float(res.stats["accepted_steps"].mean()),
                         "median_rel_err": med, "max_rel_err": mx})
    finally:
        numba.set_num_threads(threads)
    for tol in tolerances:
        start = time.perf_counter()
        res = simulate(model, times, sub_params, backend="roadrunner", keep_species=False, rtol=tol, atol=tol)
        w = time.perf_counter() - start
        med, mx = _errors(res, ref, slice(None))
        rows.append({"backend": "roadrunner", "tolerance": tol, "patients_per_s": subset / w,
                     "accepted_steps": None, "median_rel_err": med, "max_rel_err": mx})
    matched = []
    for rr in (r for r in rows if r["backend"] == "roadrunner"):
        ok = [r for r in rows if r["backend"] == "numba" and r["median_rel_err"] <= rr["median_rel_err"]
              and r["max_rel_err"] <= rr["max_rel_err"]]
        best = max(ok, key=lambda r: r["patients_per_s"], default=None)
        matched.append({"roadrunner_tolerance": rr["tolerance"],
                        "numba_tolerance": best["tolerance"] if best else None,
                        "speedup_per_core": best["patients_per_s"] / rr["patients_per_s"] if best else None})
    return {"rows": rows, "matched": matched}


def run(model_name: str, patients: int, days: float, subset: int, batch: int, rtol: float, atol: float,
        seed: int, scaling: list[int], wp_tolerances: list[float] | None = None) -> dict:
    model = get_model(model_name)
    model.validate()
    times = np.linspace(0.0, days, int(days // 7) + 1)
    sub_ids = np.arange(subset)
    sub_params = sample_parameters(model, sub_ids, seed)
    tol = {"rtol": rtol, "atol": atol}

    # tight reference on the subset
    ref = simulate(model, times, sub_params, backend="roadrunner", rtol=1e-10, atol=1e-10, keep_species=False)

    results = []
    simulate(model, times, sub_params.iloc[:2], **tol)  # compile (or load the cached kernels) first

    # numba: all patients, in batches; keep only what the errors need
    wall, evals, failed = 0.0, 0, 0
    sub_res = None
    for lo in range(0, patients, batch):
        ids = np.arange(lo, min(patients, lo + batch))
        params = sample_parameters(model, ids, seed)
        res = simulate(model, times, params, patient_ids=ids, keep_species=False, **tol)
        wall += res.wall_s
        evals += int(res.stats["rhs_evals"].sum())
        failed += int((res.status != 0).sum())
        if lo == 0:
            sub_res = res
    med, mx = _errors(sub_res, ref, slice(0, subset))
    results.append({"backend": "numba", "threads": numba.get_num_threads(), "patients": patients,
                    "wall_s": wall, "patients_per_s": patients / wall, "rhs_evals_per_s": evals / wall,
                    "median_rel_err": med, "max_rel_err": mx, "failed": failed})

    for backend in ("roadrunner", "scipy"):
        start = time.perf_counter()
        res = simulate(model, times, sub_params, backend=backend, keep_species=False, **tol)
        w = time.perf_counter() - start
        med, mx = _errors(res, ref, slice(None))
        ev = res.stats.get("rhs_evals")
        results.append({"backend": backend, "threads": 1, "patients": subset, "wall_s": w,
                        "patients_per_s": subset / w, "rhs_evals_per_s": (float(ev.sum()) / w) if ev is not None else None,
                        "median_rel_err": med, "max_rel_err": mx, "failed": int((res.status != 0).sum())})

    scale_rows = []
    for n in scaling:
        params = sample_parameters(model, n, seed)
        res = simulate(model, times, params, keep_species=False, **tol)
        scale_rows.append({"patients": n, "wall_s": res.wall_s, "patients_per_s": n / res.wall_s})

    wp = None
    if wp_tolerances:
        wp = work_precision(model, times, sample_parameters(model, np.arange(min(patients, batch)), seed),
                            sub_params, ref, subset, wp_tolerances)

    rr = next(r for r in results if r["backend"] == "roadrunner")
    return {
        "model": model.name,
        "patients": patients,
        "days": days,
        "rtol": rtol,
        "atol": atol,
        "results": results,
        "speedup_vs_roadrunner": results[0]["patients_per_s"] / rr["patients_per_s"],
        "scaling": scale_rows,
        "work_precision": wp,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "batch": batch,
        "machine": f"{platform.machine()} {platform.processor() or ''} {numba.config.NUMBA_NUM_THREADS} cores".strip(),
    }


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="reference")
    ap.add_argument("--patients", type=int, default=10_000)
    ap.add_argument("--days", type=float, default=730.0)
    ap.add_argument("--subset", type=int, default=100, help="patients for roadrunner, scipy and the reference")
    ap.add_argument("--batch", type=int, default=10_000, help="numba patients per call (bounds memory)")
    ap.add_argument("--rtol", type=float, default=1e-6)
    ap.add_argument("--atol", type=float, default=1e-6)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--scaling", type=int, nargs="*", default=[1000, 4000, 16000])
    ap.add_argument("--work-precision", action="store_true", help="add the per-core work-precision study")
    ap.add_argument("--wp-tolerances", type=float, nargs="+", default=[1e-5, 3e-6, 1e-6, 1e-7])
    ap.add_argument("--json", action="store_true", help="print the summary as JSON")
    a = ap.parse_args(argv)
    out = run(a.model, a.patients, a.days, min(a.subset, a.patients), a.batch, a.rtol, a.atol, a.seed, a.scaling,
              a.wp_tolerances if a.work_precision else None)
    if a.json:
        json.dump(out, sys.stdout, indent=1)
        sys.stdout.write("\n")
        return
    print(f"model {out['model']}, {out['days']:g} days, rtol {a.rtol:g}, atol {a.atol:g}")
    print(f"{'backend':<11}{'threads':>8}{'patients':>10}{'wall s':>10}{'pat/s':>11}{'rhs/s':>12}{'med err':>10}{'max err':>10}")
    for r in out["results"]:
        rhs = f"{r['rhs_evals_per_s']:.3g}" if r["rhs_evals_per_s"] else "-"
        print(f"{r['backend']:<11}{r['threads']:>8}{r['patients']:>10}{r['wall_s']:>10.2f}{r['patients_per_s']:>11.1f}"
              f"{rhs:>12}{r['median_rel_err']:>10.1e}{r['max_rel_err']:>10.1e}")
    print(f"speedup numba vs roadrunner: {out['speedup_vs_roadrunner']:.1f}x")
    for s in out["scaling"]:
        print(f"scaling: {s['patients']:>7} patients {s['wall_s']:.2f} s ({s['patients_per_s']:.0f}/s)")
    print(f"peak RSS {out['peak_rss_mb']:.0f} MB with batch {out['batch']}")
    if out["work_precision"]:
        print("work-precision, one core each (rtol = atol):")
        for r in out["work_precision"]["rows"]:
            print(f"  {r['backend']:<11}{r['tolerance']:>8.0e}{r['patients_per_s']:>10.1f} pat/s"
                  f"{r['median_rel_err']:>10.1e}{r['max_rel_err']:>10.1e}")
        for m in out["work_precision"]["matched"]:
            ratio = f"{m['speedup_per_core']:.1f}x" if m["speedup_per_core"] else "no numba tolerance as accurate"
            print(f"  at the accuracy of libRoadRunner {m['roadrunner_tolerance']:.0e}: numba {m['numba_tolerance']}, {ratio}")


if __name__ == "__main__":
    main()
