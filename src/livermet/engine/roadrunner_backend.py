"""Reference and interoperability backend: the model's SBML export simulated by libRoadRunner.

One patient after another: set its parameters and initial state, integrate between its event
times with CVODE, apply each event exactly, continue. Observables are evaluated from the states
with the same symbolic expressions as the other backends.
"""

from __future__ import annotations

import time

import numpy as np

from ..modeling.model import Model
from ..modeling.sbml import to_sbml
from .inputs import BatchInputs, apply_event, segments
from .result import SimulationResult
from .scipy_backend import functions

_runners: dict[str, object] = {}


def runner(model: Model):
    """A RoadRunner instance for the model's SBML (model events left out: they are applied here)."""
    import roadrunner

    key = model.hash()
    if key not in _runners:
        _runners[key] = roadrunner.RoadRunner(to_sbml(model, include_events=False))
    return _runners[key]


def simulate(model: Model, t_out: np.ndarray, inputs: BatchInputs, *, t0: float = 0.0, rtol: float = 1e-6,
             atol: float | np.ndarray = 1e-9, keep_species: bool = True, **_ignored) -> SimulationResult:
    rr = runner(model)
    fn = functions(model)
    eq = fn.eq
    rr.integrator.relative_tolerance = float(rtol)
    rr.integrator.absolute_tolerance = float(np.min(atol))
    rr.integrator.setValue("stiff", True)
    rr.integrator.setValue("maximum_num_steps", 200_000)
    t_out = np.asarray(t_out, dtype=float)
    n, P, T, K = len(eq.species), inputs.n_patients, len(t_out), len(eq.observables)
    ys = np.full((P, T, n), np.nan)
    obs = np.full((P, T, K), np.nan)
    status = np.zeros(P, dtype=np.int64)
    messages = ["ok"] * P
    selections = ["time", *eq.species]
    start = time.perf_counter()
    for b in range(P):
        params = dict(zip(eq.parameters, inputs.parameters[:, b]))
        state = dict(zip(eq.species, np.asarray(fn.init(list(params.values())), dtype=float)))

        def record(times, rows):
            idx = np.searchsorted(t_out, times)
            for k, row in zip(idx, rows):
                ys[b, k] = row
                obs[b, k] = fn.obs(t_out[k], list(row), list(params.values()))

        try:
            for e in inputs.events[b]:
                if e.time <= t0:
                    apply_event(e, state, params)
            if (t_out == t0).any():
                record(t_out[t_out == t0], [list(state.values())])
            for name, v in params.items():
                rr.setValue(name, float(v))
            for name, v in state.items():
                rr.setValue(name, float(v))
            rr.model.setTime(t0)
            for a, stop, inside, due in segments(t_out, [e for e in inputs.events[b] if e.time > t0], t0):
                res = np.asarray(rr.simulate(times=[a, *inside, stop], selections=selections))
                if len(inside):
                    record(inside, res[1:-1, 1:])
                state = dict(zip(eq.species, res[-1, 1:]))
                for e in due:  # apply the event here and in the runner; nothing else is reset
                    apply_event(e, state, params)
                    rr.setValue(e.target, float(state[e.target] if e.target in state else params[e.target]))
                if (t_out == stop).any():
                    record(t_out[t_out == stop], [list(state.values())])
        except RuntimeError as exc:
            status[b], messages[b] = 5, f"roadrunner: {exc}"
    return SimulationResult(
        backend="roadrunner", time=t_out, observable_names=eq.observables, observables=obs,
        species_names=eq.species, species=ys if keep_species else None, patient_ids=inputs.patient_ids,
        status=status, messages=messages, stats={}, wall_s=time.perf_counter() - start,
    )
