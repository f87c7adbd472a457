"""Simple reference backend: scipy's solve_ivp per patient, with the same event semantics."""

from __future__ import annotations

import numpy as np
from scipy.integrate import solve_ivp

from ..modeling.model import Model
from .inputs import BatchInputs
from .per_patient import simulate_per_patient
from .result import SimulationResult
from .scipy_functions import functions


class _SolveIvp:
    def __init__(self, model: Model, rtol: float, atol, method: str):
        self.fn = functions(model)
        self.rtol, self.atol, self.method = rtol, atol, method
        self.nfev: list[int] = []

    @property
    def stats(self):
        return {"rhs_evals": np.asarray(self.nfev)}

    def start(self, params, state, t0):
        self.nfev.append(0)

    def segment(self, a, b, inside, state, params, changed):
        pvec = np.array(list(params.values()))
        sol = solve_ivp(
            lambda t, y: self.fn.rhs(t, y, pvec), (a, b), np.array(list(state.values())), method=self.method,
            rtol=self.rtol, atol=self.atol, jac=lambda t, y: self.fn.jac(t, y, pvec), t_eval=np.append(inside, b),
        )
        self.nfev[-1] += sol.nfev
        if not sol.success:
            raise RuntimeError(sol.message)
        return sol.y.T


def simulate(model: Model, t_out: np.ndarray, inputs: BatchInputs, *, t0: float = 0.0, rtol: float = 1e-6,
             atol: float | np.ndarray = 1e-9, method: str = "LSODA", keep_species: bool = True,
             **_ignored) -> SimulationResult:
    return simulate_per_patient("scipy", model, t_out, inputs, _SolveIvp(model, rtol, atol, method), t0, keep_species)
