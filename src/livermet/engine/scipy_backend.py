"""Simple reference backend: scipy's solve_ivp per patient, with the same event semantics."""

from __future__ import annotations

import time

import numpy as np
import sympy as sp
from scipy.integrate import solve_ivp

from ..modeling.model import TIME, Model
from .inputs import BatchInputs, apply_event, segments
from .result import SimulationResult


class _Functions:
    """Lambdified right-hand side, Jacobian, initial values and observables of a model."""

    def __init__(self, model: Model):
        eq = model.equations()
        self.eq = eq
        y = [sp.Symbol(s) for s in eq.species]
        p = [sp.Symbol(n) for n in eq.parameters]
        args = [TIME, y, p]
        self.rhs = sp.lambdify(args, list(eq.rhs), modules="numpy", cse=True)
        self.jac = sp.lambdify(args, eq.jacobian, modules="numpy", cse=True)
        self.init = sp.lambdify([p], list(eq.initials), modules="numpy")
        self.obs = sp.lambdify(args, list(eq.observable_exprs), modules="numpy", cse=True)


_cache: dict[str, _Functions] = {}


def functions(model: Model) -> _Functions:
    key = model.hash()
    if key not in _cache:
        _cache[key] = _Functions(model)
    return _cache[key]


def simulate(model: Model, t_out: np.ndarray, inputs: BatchInputs, *, t0: float = 0.0, rtol: float = 1e-6,
             atol: float | np.ndarray = 1e-9, method: str = "LSODA", keep_species: bool = True,
             **_ignored) -> SimulationResult:
    fn = functions(model)
    eq = fn.eq
    t_out = np.asarray(t_out, dtype=float)
    n, P, T, K = len(eq.species), inputs.n_patients, len(t_out), len(eq.observables)
    ys = np.full((P, T, n), np.nan)
    obs = np.full((P, T, K), np.nan)
    status = np.zeros(P, dtype=np.int64)
    messages = ["ok"] * P
    nfev = np.zeros(P, dtype=np.int64)
    start = time.perf_counter()
    for b in range(P):
        params = dict(zip(eq.parameters, inputs.parameters[:, b]))
        state = dict(zip(eq.species, np.asarray(fn.init(list(params.values())), dtype=float)))
        try:
            _one_patient(fn, eq, t_out, inputs.events[b], t0, params, state, rtol, atol, method, ys[b], obs[b], nfev, b)
        except RuntimeError as exc:
            status[b], messages[b] = 5, f"solver error: {exc}"
    return SimulationResult(
        backend="scipy", time=t_out, observable_names=eq.observables, observables=obs,
        species_names=eq.species, species=ys if keep_species else None, patient_ids=inputs.patient_ids,
        status=status, messages=messages, stats={"rhs_evals": nfev}, wall_s=time.perf_counter() - start,
    )


def _one_patient(fn, eq, t_out, events, t0, params, state, rtol, atol, method, ys, obs, nfev, b):
    def record(t_values, Y):
        idx = np.searchsorted(t_out, t_values)
        for k, (ti, yi) in enumerate(zip(t_values, Y.T)):
            ys[idx[k]] = yi
            obs[idx[k]] = fn.obs(ti, list(yi), list(params.values()))

    for e in events:
        if e.time <= t0:
            apply_event(e, state, params)
    at0 = t_out == t0
    if at0.any():
        record(t_out[at0], np.array([list(state.values())]).T)
    for a, stop, inside, due in segments(t_out, [e for e in events if e.time > t0], t0):
        pvec = np.array(list(params.values()))
        y0 = np.array(list(state.values()))
        sol = solve_ivp(
            lambda t, y: fn.rhs(t, y, pvec), (a, stop), y0, method=method, rtol=rtol, atol=atol,
            jac=lambda t, y: fn.jac(t, y, pvec), t_eval=np.append(inside, stop),
        )
        nfev[b] += sol.nfev
        if not sol.success:
            raise RuntimeError(sol.message)
        if len(inside):
            record(inside, sol.y[:, :-1])
        state = dict(zip(eq.species, sol.y[:, -1]))
        for e in due:
            apply_event(e, state, params)
        at_stop = t_out == stop
        if at_stop.any():
            record(t_out[at_stop], np.array([list(state.values())]).T)
