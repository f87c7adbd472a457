"""The per-patient loop shared by the reference backends (scipy, roadrunner).

A backend supplies an integrator with two methods:
  start(params, state, t0)                         set up one patient;
  segment(a, b, inside, state, params, changed)    integrate from a to b, return the states at the
                                                   output times `inside` and at b (rows), after
                                                   `changed` names were modified by events.
This driver applies the events exactly at their times, records outputs (right-continuous, as in
the numba backend), evaluates the observables and turns a failure into a flagged patient.
"""

from __future__ import annotations

import time

import numpy as np

from ..modeling.model import Model
from .inputs import BatchInputs, apply_event, segments
from .result import SimulationResult
from .scipy_functions import functions


def simulate_per_patient(backend: str, model: Model, t_out: np.ndarray, inputs: BatchInputs, integrator,
                         t0: float, keep_species: bool) -> SimulationResult:
    fn = functions(model)
    eq = fn.eq
    t_out = np.asarray(t_out, dtype=float)
    n, P, T, K = len(eq.species), inputs.n_patients, len(t_out), len(eq.observables)
    ys = np.full((P, T, n), np.nan)
    obs = np.full((P, T, K), np.nan)
    status = np.zeros(P, dtype=np.int64)
    messages = ["ok"] * P
    start = time.perf_counter()
    for b in range(P):
        params = dict(zip(eq.parameters, inputs.parameters[:, b]))
        state = dict(zip(eq.species, np.asarray(fn.init(list(params.values())), dtype=float)))

        def record(times, rows):
            for k, row in zip(np.searchsorted(t_out, times), rows):
                ys[b, k] = row
                obs[b, k] = fn.obs(t_out[k], list(row), list(params.values()))

        try:
            for e in inputs.events[b]:
                if e.time <= t0:
                    apply_event(e, state, params)
            if (t_out == t0).any():
                record(t_out[t_out == t0], [list(state.values())])
            integrator.start(params, state, t0)
            changed: set[str] = set()
            for a, stop, inside, due in segments(t_out, [e for e in inputs.events[b] if e.time > t0], t0):
                rows = integrator.segment(a, stop, inside, state, params, changed)
                if len(inside):
                    record(inside, rows[:-1])
                state = dict(zip(eq.species, rows[-1]))
                changed = set()
                for e in due:
                    apply_event(e, state, params)
                    changed.add(e.target)
                if (t_out == stop).any():
                    record(t_out[t_out == stop], [list(state.values())])
        except RuntimeError as exc:
            status[b], messages[b] = 5, f"{backend}: {exc}"
    return SimulationResult(
        backend=backend, time=t_out, observable_names=eq.observables, observables=obs,
        species_names=eq.species, species=ys if keep_species else None, patient_ids=inputs.patient_ids,
        status=status, messages=messages, stats=dict(getattr(integrator, "stats", {})),
        wall_s=time.perf_counter() - start,
    )
