"""Simulation engine: one interface, three backends (numba | roadrunner | scipy)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..modeling.model import Model
from .inputs import EventInput, ParameterInput, prepare
from .result import SimulationResult, relative_error

BACKENDS = ("numba", "roadrunner", "scipy")


def simulate(
    model: Model,
    times: Sequence[float] | np.ndarray,
    parameters: ParameterInput = None,
    events: EventInput = None,
    *,
    backend: str = "numba",
    n_patients: int | None = None,
    patient_ids: Sequence | None = None,
    rtol: float = 1e-6,
    atol: float | np.ndarray = 1e-6,
    keep_species: bool = True,
    **options,
) -> SimulationResult:
    """Simulate a batch of virtual patients of `model` and report them on the `times` grid (days).

    parameters: per-patient values (DataFrame with one row per patient, or name -> array);
    parameters not given keep the model's value. events: one list for everybody or one list per
    patient (doses, parameter steps, state resets), added to the model's own events.
    A patient whose integration fails is flagged in `result.status` and the others go on.
    """
    times = np.asarray(times, dtype=float)
    if times.ndim != 1 or len(times) == 0 or np.any(np.diff(times) <= 0):
        raise ValueError("times must be a non-empty, strictly increasing 1-D grid")
    inputs = prepare(model, parameters, events, patient_ids=patient_ids, n_patients=n_patients)
    t0 = float(options.pop("t0", min(0.0, times[0])))
    if backend == "numba":
        from . import numba_backend as impl
    elif backend == "roadrunner":
        from . import roadrunner_backend as impl
    elif backend == "scipy":
        from . import scipy_backend as impl
    else:
        raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    return impl.simulate(model, times, inputs, t0=t0, rtol=rtol, atol=atol, keep_species=keep_species, **options)


__all__ = ["BACKENDS", "SimulationResult", "relative_error", "simulate"]
