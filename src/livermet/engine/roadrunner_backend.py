"""Reference and interoperability backend: the model's SBML export simulated by libRoadRunner.

One patient after another: set its parameters and initial state, integrate between its event
times with CVODE, apply each event exactly (only the changed values are set), continue.
Observables are evaluated from the states with the same symbolic expressions as elsewhere.
"""

from __future__ import annotations

import numpy as np

from ..modeling.model import Model
from ..modeling.sbml import to_sbml
from .inputs import BatchInputs
from .per_patient import simulate_per_patient
from .result import SimulationResult

_runners: dict[str, object] = {}


def runner(model: Model):
    """A RoadRunner instance for the model's SBML (model events left out: they are applied here)."""
    import roadrunner

    key = model.hash()
    if key not in _runners:
        _runners[key] = roadrunner.RoadRunner(to_sbml(model, include_events=False))
    return _runners[key]


class _RoadRunner:
    def __init__(self, model: Model, rtol: float, atol):
        self.rr = runner(model)
        self.rr.integrator.relative_tolerance = float(rtol)
        self.rr.integrator.absolute_tolerance = float(np.min(atol))
        self.rr.integrator.setValue("stiff", True)
        self.rr.integrator.setValue("maximum_num_steps", 200_000)
        self.selections = ["time", *model.species_]

    def start(self, params, state, t0):
        for name, v in {**params, **state}.items():
            self.rr.setValue(name, float(v))
        self.rr.model.setTime(t0)

    def segment(self, a, b, inside, state, params, changed):
        for name in changed:  # values modified by events since the last segment
            self.rr.setValue(name, float(state[name] if name in state else params[name]))
        res = np.asarray(self.rr.simulate(times=[a, *inside, b], selections=self.selections))
        return res[1:, 1:]


def simulate(model: Model, t_out: np.ndarray, inputs: BatchInputs, *, t0: float = 0.0, rtol: float = 1e-6,
             atol: float | np.ndarray = 1e-9, keep_species: bool = True, **_ignored) -> SimulationResult:
    return simulate_per_patient("roadrunner", model, t_out, inputs, _RoadRunner(model, rtol, atol), t0, keep_species)
