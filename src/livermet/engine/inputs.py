"""Turn user inputs (per-patient parameters and events) into the arrays every backend uses."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..modeling.components import Event
from ..modeling.model import Model

EVENT_KIND = {"add": 0, "set": 1, "scale": 2}

ParameterInput = pd.DataFrame | Mapping[str, Sequence[float] | np.ndarray | float] | None
EventInput = Sequence[Event] | Sequence[Sequence[Event]] | None


@dataclass
class BatchInputs:
    """Parameters (n_parameters x patients) and padded, time-sorted per-patient events."""

    parameters: np.ndarray
    patient_ids: np.ndarray
    events: list[list[Event]]
    ev_t: np.ndarray
    ev_kind: np.ndarray
    ev_idx: np.ndarray
    ev_val: np.ndarray
    n_ev: np.ndarray

    @property
    def n_patients(self) -> int:
        return self.parameters.shape[1]


def parameter_matrix(model: Model, parameters: ParameterInput, n_patients: int | None = None) -> np.ndarray:
    """(n_parameters, n_patients) values: model defaults overridden by the given columns."""
    names = list(model.parameters_)
    if isinstance(parameters, pd.DataFrame):
        columns = {c: parameters[c].to_numpy(float) for c in parameters.columns}
        n = len(parameters)
    else:
        columns = {k: np.atleast_1d(np.asarray(v, dtype=float)) for k, v in (parameters or {}).items()}
        lengths = {len(v) for v in columns.values() if len(v) != 1}
        if len(lengths) > 1:
            raise ValueError(f"parameter arrays have different lengths: {sorted(lengths)}")
        n = lengths.pop() if lengths else (n_patients or 1)
    if n_patients is not None and n != n_patients and columns:
        raise ValueError(f"{n} parameter rows given for {n_patients} patients")
    unknown = sorted(set(columns) - set(names))
    if unknown:
        raise ValueError(f"unknown parameter(s) {', '.join(unknown)}; the model has {len(names)} parameters")
    out = np.empty((len(names), n))
    for j, name in enumerate(names):
        out[j] = columns[name] if name in columns else model.parameters_[name].value
    if not np.all(np.isfinite(out)):
        bad = [names[j] for j in range(len(names)) if not np.all(np.isfinite(out[j]))]
        raise ValueError(f"non-finite values for parameter(s) {', '.join(bad)}")
    return out


def _per_patient(events: EventInput, n: int) -> list[list[Event]]:
    if events is None or len(events) == 0:
        return [[] for _ in range(n)]
    if isinstance(events[0], Event):
        return [list(events) for _ in range(n)]  # the same schedule for everybody
    if len(events) != n:
        raise ValueError(f"{len(events)} event lists given for {n} patients")
    return [list(e) for e in events]


def prepare(model: Model, parameters: ParameterInput = None, events: EventInput = None,
            patient_ids: Sequence | None = None, n_patients: int | None = None) -> BatchInputs:
    p = parameter_matrix(model, parameters, n_patients)
    n = p.shape[1]
    per = _per_patient(events, n)
    species = list(model.species_)
    params = list(model.parameters_)
    merged = [sorted(model.events_ + ev, key=lambda e: e.time) for ev in per]  # stable: keeps given order
    width = max([len(m) for m in merged] + [1])
    ev_t = np.full((n, width), np.inf)
    ev_kind = np.zeros((n, width), dtype=np.int64)
    ev_idx = np.zeros((n, width), dtype=np.int64)
    ev_val = np.zeros((n, width))
    n_ev = np.zeros(n, dtype=np.int64)
    for b, evs in enumerate(merged):
        for k, e in enumerate(evs):
            if e.target in model.species_:
                idx = species.index(e.target)
            elif e.target in model.parameters_:
                idx = -(params.index(e.target) + 1)
            else:
                raise ValueError(f"event {e.label or ''} targets {e.target!r}, which is not a species or parameter")
            ev_t[b, k], ev_kind[b, k], ev_idx[b, k], ev_val[b, k] = e.time, EVENT_KIND[e.action], idx, e.value
        n_ev[b] = len(evs)
    ids = np.arange(n) if patient_ids is None else np.asarray(patient_ids)
    if len(ids) != n:
        raise ValueError(f"{len(ids)} patient ids for {n} patients")
    return BatchInputs(p, ids, merged, ev_t, ev_kind, ev_idx, ev_val, n_ev)


def apply_event(e: Event, state: dict[str, float], params: dict[str, float]) -> None:
    """Apply one event to name->value dicts (used by the per-patient reference backends)."""
    table = state if e.target in state else params
    if e.action == "add":
        table[e.target] += e.value
    elif e.action == "set":
        table[e.target] = e.value
    else:
        table[e.target] *= e.value


def segments(t_out: np.ndarray, events: list[Event], t0: float):
    """Split [t0, t_out[-1]] at event times for the per-patient reference backends.

    Yields (t_start, t_end, output times strictly inside, events due at t_end). The caller
    integrates to t_end, applies the events, then records outputs equal to t_end, so outputs at an
    event time are taken after the event (right-continuous), as in the numba backend.
    """
    t_end = float(t_out[-1])
    stops = sorted({float(e.time) for e in events if t0 < e.time <= t_end} | {t_end})
    start = t0
    for stop in stops:
        inside = t_out[(t_out > start) & (t_out < stop)]
        yield start, stop, inside, [e for e in events if e.time == stop]
        start = stop
