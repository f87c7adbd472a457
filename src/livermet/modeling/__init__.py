"""The model language: species, parameters, processes, expressions, observables, events, modules."""

from .components import (
    Event,
    Variability,
    dose,
    logitnormal,
    loguniform,
    lognormal,
    normal,
    scale_value,
    set_value,
    uniform,
)
from .model import TIME, Equations, Model, ModelValidationError
from .sources import Assumed, Calibrated, Citation, assumed, calibrated, cite
from .units import UnitError

__all__ = [
    "TIME", "Assumed", "Calibrated", "Citation", "Equations", "Event", "Model", "ModelValidationError",
    "UnitError", "Variability", "assumed", "calibrated", "cite", "dose", "logitnormal", "loguniform", "lognormal",
    "normal", "scale_value", "set_value", "uniform",
]
