"""Run a virtual trial: enrol, simulate in batches (in-process or on a Dask cluster), store, resume.

Each finished batch is written to the results store before the next is started (in-process) or
as soon as it comes back (Dask, with a bounded number of batches in flight). `resume=True`
continues a killed run: batches already written are kept, the others are simulated. Results are
identical whatever the batch size, worker count or resume point, because every random draw of a
patient is keyed by (seed, patient id).
"""

from __future__ import annotations

import hashlib
import platform
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from .protocol import Protocol
from .randomisation import enrol
from .simulate import TrialContext, materialise, simulate_batch, trial_link
from .store import Store


class RunError(RuntimeError):
    pass


@dataclass
class RunSummary:
    out: str
    n_patients: int
    n_batches: int
    batches_run: int
    batches_reused: int
    wall_s: float
    failures: int
    executor: str


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("livermet")
    except Exception:  # noqa: BLE001
        return "unknown"


def parameter_set_id(model) -> str:
    h = hashlib.sha256()
    for p in model.parameters_.values():
        h.update(f"{p.name}|{p.value!r}|{p.lower!r}|{p.upper!r}|{p.variability.kind}|{p.variability.sigma!r}\n".encode())
    return h.hexdigest()[:16]


def _set_name(parameter_set: str | None, model_name: str) -> str | None:
    from ..calibration.parameter_set import resolve_parameter_set

    path = resolve_parameter_set(parameter_set, model_name)
    return None if path is None else path.name


def _identity(protocol: Protocol, model_name: str, model, seed: int, n: int, batch_size: int, backend: str,
              parameter_set: str | None = "default", overrides: dict[str, float] | None = None) -> dict:
    text = protocol.to_yaml()
    return {
        "protocol_id": protocol.id,
        "protocol_sha256": hashlib.sha256(text.encode()).hexdigest()[:16],
        "model": model_name,
        "model_name": model.name,
        "model_hash": model.hash(),
        "parameter_set": parameter_set_id(model),
        "parameter_set_file": _set_name(parameter_set, model_name),
        **({"overrides": dict(sorted(overrides.items()))} if overrides else {}),  # absent: the set's values
        "seed": int(seed),
        "n_patients": int(n),
        "batch_size": int(batch_size),
        "backend": backend,
    }


def run_trial(
    protocol: Protocol,
    n_patients: int,
    seed: int,
    out: str | Path,
    *,
    model_name: str = "liver",
    batch_size: int = 250,
    scheduler: str | object | None = None,
    resume: bool = False,
    progress: bool = True,
    backend: str = "numba",
    rtol: float = TrialContext.rtol,
    atol: float = TrialContext.atol,
    dynamics_patients: int = 6,
    parameter_set: str | None = "default",
    overrides: dict[str, float] | None = None,
    command_line: list[str] | None = None,
    _stop_after_batches: int | None = None,
) -> RunSummary:
    """Simulate the trial and fill the results store at `out` (see store.py). `overrides`: population values
    that replace the parameter set's (model parameters or `os_link.` coefficients), for what-if runs."""
    start = time.perf_counter()
    store = Store(out)
    ctx = TrialContext(protocol.model_dump(mode="json"), model_name, int(seed), backend, rtol, atol,
                       dynamics_patients, overrides=tuple(sorted((overrides or {}).items())),
                       parameter_set=parameter_set)
    proto, _setup, model = materialise(ctx)
    link = trial_link(ctx)  # an out-of-range OS-link override fails here, before anything is written
    ident = _identity(protocol, model_name, model, seed, n_patients, batch_size, backend, parameter_set, overrides)
    old = store.read_manifest()
    if old is not None:
        if not resume:
            raise RunError(f"{out} already holds a run (manifest.json); use --resume to continue it or choose "
                           "another --out")
        diff = {k: (old.get(k), v) for k, v in ident.items() if old.get(k) != v}
        if diff:
            raise RunError(f"cannot resume {out}: the run differs in " +
                           ", ".join(f"{k} (stored {a!r}, now {b!r})" for k, (a, b) in diff.items()))
        store.discard_incomplete()
    cohort = enrol(proto, n_patients, seed)
    n_batches = (n_patients + batch_size - 1) // batch_size
    done = store.completed_batches() if old is not None else set()
    pending = [b for b in range(n_batches) if b not in done]
    manifest = {
        **ident,
        "livermet_version": _version(),
        "python": platform.python_version(),
        "command_line": command_line if command_line is not None else list(sys.argv),
        "started": (old or {}).get("started", datetime.now(timezone.utc).isoformat(timespec="seconds")),
        "resumed": bool(old is not None),
        "executor": "dask" if scheduler is not None else "in-process",
        "n_batches": n_batches,
        "status": "running",
        "arms": [{"id": a.id, "label": a.label, "regimen": a.regimen, "by_histology": dict(a.by_histology),
                  "by_egfr": dict(a.by_egfr), "control": a.control} for a in proto.arms],
        "os_link": link.table(),
        "tables": ["patients", "endpoints", "assessments", "events", "dynamics"],
    }
    store.write_manifest(manifest)
    (Path(out) / "protocol.yaml").write_text(protocol.to_yaml(), encoding="utf-8")
    slices = {b: cohort.iloc[b * batch_size:(b + 1) * batch_size] for b in pending}
    failures = 0
    ran = 0
    bar = _Progress(progress, n_patients, sum(len(cohort.iloc[b * batch_size:(b + 1) * batch_size]) for b in done),
                    f"{protocol.id}")
    try:
        if scheduler is None:
            for b in pending:
                tables = simulate_batch(ctx, slices[b])
                store.write_batch(b, tables)
                ran += 1
                failures += int((~tables["endpoints"]["solver_ok"]).sum())
                bar.advance(len(slices[b]), failures)
                if _stop_after_batches is not None and ran >= _stop_after_batches:
                    raise KeyboardInterrupt("stopped after a batch (test hook)")
        else:
            failures, ran = _run_dask(scheduler, ctx, slices, store, bar, _stop_after_batches)
    finally:
        bar.close()
    manifest.update({"status": "complete", "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                     "wall_s": round(time.perf_counter() - start, 3)})
    store.write_manifest(manifest)
    return RunSummary(str(out), n_patients, n_batches, ran, n_batches - len(pending), time.perf_counter() - start,
                      failures, manifest["executor"])


def _run_dask(scheduler, ctx, slices, store, bar, stop_after):
    from distributed import Client, as_completed

    client = scheduler if isinstance(scheduler, Client) else Client(scheduler)
    own = client is not scheduler
    try:
        n_workers = max(1, len(client.scheduler_info().get("workers", {})))
        in_flight = 2 * n_workers
        queue = list(slices)
        futures = {}
        ac = as_completed()
        failures = ran = 0

        def submit(b):
            f = client.submit(simulate_batch, ctx, slices[b], key=f"livermet-batch-{ctx.key()}-{b}", pure=False)
            futures[f] = b
            ac.add(f)

        for _ in range(min(in_flight, len(queue))):
            submit(queue.pop(0))
        for fut in ac:
            b = futures.pop(fut)
            tables = fut.result()
            store.write_batch(b, tables)
            ran += 1
            failures += int((~tables["endpoints"]["solver_ok"]).sum())
            bar.advance(len(slices[b]), failures)
            del tables
            fut.release()
            if stop_after is not None and ran >= stop_after:
                for f in list(futures):
                    f.cancel()
                raise KeyboardInterrupt("stopped after a batch (test hook)")
            if queue:
                submit(queue.pop(0))
        return failures, ran
    finally:
        if own:
            client.close()


class _Progress:
    """A rich progress bar on stderr: patients done, rate, time left, solver failures."""

    def __init__(self, enabled: bool, total: int, done: int, label: str):
        self.enabled = enabled
        if not enabled:
            return
        from rich.console import Console
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn,
                                   TimeElapsedColumn, TimeRemainingColumn)

        self.p = Progress(SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                          TextColumn("patients"), TextColumn("{task.fields[rate]}"), TimeElapsedColumn(),
                          TextColumn("left"), TimeRemainingColumn(), TextColumn("{task.fields[fail]}"),
                          console=Console(stderr=True), transient=False)
        self.p.start()
        self.t0 = time.perf_counter()
        self.new = 0
        self.task = self.p.add_task(label, total=total, completed=done, rate="", fail="")

    def advance(self, n: int, failures: int) -> None:
        if not self.enabled:
            return
        self.new += n
        rate = self.new / max(time.perf_counter() - self.t0, 1e-9)
        self.p.update(self.task, advance=n, rate=f"{rate:,.0f}/s",
                      fail=f"[red]{failures} solver failure(s)" if failures else "")

    def close(self) -> None:
        if self.enabled:
            self.p.stop()


def simulate_trial(
    protocol: Protocol,
    n_patients: int,
    seed: int,
    *,
    model_name: str = "liver",
    overrides: dict[str, float] | None = None,
    batch_size: int = 250,
    scheduler: str | object | None = None,
    backend: str = "numba",
    dynamics_patients: int = 0,
    parameter_set: str | None = "default",
) -> dict[str, pd.DataFrame]:
    """A whole trial in memory (no results store): the tables of `simulate_batch`, concatenated.
    Used where many trials are run and only their summaries kept (calibration, sensitivity)."""
    ctx = TrialContext(protocol.model_dump(mode="json"), model_name, int(seed), backend,
                       dynamics_patients=dynamics_patients, overrides=tuple(sorted((overrides or {}).items())),
                       parameter_set=parameter_set)
    # one model per trial and process, whatever the overrides (see simulate.materialise)
    proto, _setup, _model = materialise(ctx)
    cohort = enrol(proto, n_patients, seed)
    slices = [cohort.iloc[i:i + batch_size] for i in range(0, n_patients, batch_size)]
    if scheduler is None:
        parts = [simulate_batch(ctx, s) for s in slices]
    else:
        from distributed import Client

        client = scheduler if isinstance(scheduler, Client) else Client(scheduler)
        try:
            futures = [client.submit(simulate_batch, ctx, s, pure=False) for s in slices]
            parts = client.gather(futures)
        finally:
            if client is not scheduler:
                client.close()
    return {name: pd.concat([p[name] for p in parts], ignore_index=True) for name in parts[0]}


_COMPILED: dict[tuple, str] = {}  # (regimens, model) -> kernel hash, per process


def compile_kernel(regimen_ids: tuple[str, ...], model_name: str = "liver") -> str:
    """Compile (or load from the disk cache) the kernel of the model that gives these regimens, by
    simulating one patient for a day; returns the kernel's structure hash."""
    key = (tuple(regimen_ids), model_name)
    if key in _COMPILED:
        return _COMPILED[key]
    from ..engine import simulate
    from ..engine.numba_backend import structure_hash
    from ..population import sample_parameters
    from .models import get_setup

    model = get_setup(model_name).build_model(list(regimen_ids))
    simulate(model, np.array([0.0, 1.0]), sample_parameters(model, 1, seed=0), keep_species=False)
    _COMPILED[key] = structure_hash(model.equations())
    return _COMPILED[key]


def precompile(protocols: list[Protocol], client, model_name: str = "liver") -> list[str]:
    """Compile the kernels of several trials on a Dask cluster, one task per distinct model, before
    their batches run: otherwise every worker given a batch of a new trial compiles that trial's kernel
    itself (minutes each), whereas this way the workers compile different kernels at once and then
    load the others' from the shared disk cache. Returns the kernel hashes."""
    combos = list(dict.fromkeys(tuple(p.regimen_ids()) for p in protocols))
    futures = [client.submit(compile_kernel, c, model_name, pure=False) for c in combos]
    return client.gather(futures)


def load_results(out: str | Path) -> dict[str, pd.DataFrame]:
    st = Store(out)
    return {name: st.read(name) for name in ("patients", "endpoints", "assessments", "events", "dynamics")}


__all__ = ["RunError", "RunSummary", "compile_kernel", "load_results", "precompile", "run_trial",
           "simulate_trial", "np"]
