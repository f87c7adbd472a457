"""The building blocks of a model: species, parameters, processes, expressions, observables, events.

Each component is a plain dataclass holding sympy objects; a Model owns them and validates them
together. Nothing here is global: two models never share state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import sympy as sp
from scipy import special

from .sources import Source


# kinds drawn from one standard normal deviate (the ones a covariate score can be tied to)
NORMAL_KINDS = ("lognormal", "normal", "logitnormal")


@dataclass(frozen=True)
class Variability:
    """Between-patient variability of a parameter, used when sampling virtual patients.

    lognormal: median = the parameter value, `sigma` the sd of log(value);
    normal: mean = value, `sigma` the sd; uniform / loguniform: over [lower, upper] of the parameter;
    logitnormal: for a share bounded by [lower, upper], the value's position u in that range has
    logit(u) normal with median logit(u of the parameter value) and sd `sigma` (skewed towards the
    nearer bound, never outside the range: fit for fractions such as a resistant clone's share).
    Samples are clipped to the parameter's plausible range.

    The normal deviate of the three normal kinds may be tied to a patient covariate: `covariate` names a
    column of standard normal scores in the cohort and `rho` the correlation of the deviate with it,
    z = rho z_covariate + sqrt(1 - rho^2) z_own; the marginal distribution stays the same.
    """

    kind: Literal["fixed", "lognormal", "normal", "uniform", "loguniform", "logitnormal"] = "fixed"
    sigma: float = 0.0
    covariate: str | None = None
    rho: float = 0.0

    def sample(self, value: float, lower: float, upper: float, rng: np.random.Generator, n: int,
               covariate_z: np.ndarray | None = None) -> np.ndarray:
        """`covariate_z`: the patients' scores of `covariate` (no correlation when None, or where NaN)."""
        if self.kind in NORMAL_KINDS:
            z = rng.standard_normal(n)
            if self.covariate is not None and covariate_z is not None:
                zc = np.asarray(covariate_z, dtype=float)
                z = np.where(np.isfinite(zc), self.rho * zc + np.sqrt(1.0 - self.rho**2) * z, z)
        if self.kind == "fixed":
            out = np.full(n, value, dtype=float)
        elif self.kind == "lognormal":
            out = value * np.exp(self.sigma * z)
        elif self.kind == "normal":
            out = value + self.sigma * z
        elif self.kind == "uniform":
            out = rng.uniform(lower, upper, n)
        elif self.kind == "loguniform":
            out = np.exp(rng.uniform(np.log(lower), np.log(upper), n))
        elif self.kind == "logitnormal":
            u = (value - lower) / (upper - lower)
            out = lower + (upper - lower) * special.expit(special.logit(u) + self.sigma * z)
        else:  # pragma: no cover - guarded by Literal and validation
            raise ValueError(f"unknown variability kind {self.kind!r}")
        return np.clip(out, lower, upper)

    def describe(self) -> str:
        """E.g. 'lognormal (0.57), rho 0.4 with pdl1_score'."""
        out = self.kind + (f" ({self.sigma:g})" if self.sigma else "")
        return out + (f", rho {self.rho:g} with {self.covariate}" if self.covariate else "")


FIXED = Variability()


def lognormal(sigma: float, covariate: str | None = None, rho: float = 0.0) -> Variability:
    return Variability("lognormal", sigma, covariate, rho)


def normal(sd: float) -> Variability:
    return Variability("normal", sd)


def logitnormal(sigma: float) -> Variability:
    return Variability("logitnormal", sigma)


def uniform() -> Variability:
    return Variability("uniform")


def loguniform() -> Variability:
    return Variability("loguniform")


@dataclass
class Species:
    """A state variable: an amount of something in a compartment."""

    name: str
    unit: str
    compartment: str
    initial: sp.Expr  # a number or an expression of parameters
    description: str = ""
    module: str = ""

    @property
    def symbol(self) -> sp.Symbol:
        return sp.Symbol(self.name)


@dataclass
class Parameter:
    """A model constant with its unit, plausible range, variability and source."""

    name: str
    value: float
    unit: str
    lower: float
    upper: float
    source: Source | None
    variability: Variability = FIXED
    description: str = ""
    module: str = ""

    @property
    def symbol(self) -> sp.Symbol:
        return sp.Symbol(self.name)


@dataclass
class Expression:
    """A named derived quantity (SBML assignment rule) usable in rates and observables.

    `jacobian_constant`: the solver's Jacobian treats the expression as a constant (its own
    derivatives are left out). For a large expression, such as a sum of many rates, whose exact
    derivatives would take sympy minutes to form; the step-size control absorbs the approximation."""

    name: str
    expr: sp.Expr
    unit: str
    description: str = ""
    module: str = ""
    jacobian_constant: bool = False

    @property
    def symbol(self) -> sp.Symbol:
        return sp.Symbol(self.name)


@dataclass
class Observable:
    """A named quantity reported in results (e.g. a lesion diameter)."""

    name: str
    expr: sp.Expr
    unit: str
    description: str = ""
    module: str = ""


@dataclass
class Process:
    """A rate law and the species it changes.

    `stoichiometry` maps species names to coefficients (numbers or expressions of parameters,
    which convert units, e.g. 1/V for an amount entering a concentration). `evidence` lists the
    ids of the knowledge statements the process implements.
    """

    name: str
    rate: sp.Expr
    stoichiometry: dict[str, sp.Expr]
    evidence: tuple[str, ...]
    description: str = ""
    module: str = ""


EventAction = Literal["add", "set", "scale"]


@dataclass(frozen=True)
class Event:
    """A discontinuity at a given time.

    target is a species (bolus dose: action 'add'; lesion removal: 'set' to 0 or 'scale' by a
    surviving fraction) or a parameter (infusion on/off, a drug effect switched: 'set' or 'scale').
    """

    time: float
    target: str
    action: EventAction
    value: float
    label: str = ""

    def __post_init__(self) -> None:
        if self.action not in ("add", "set", "scale"):
            raise ValueError(f"event action must be add, set or scale, not {self.action!r}")
        if not np.isfinite(self.time) or not np.isfinite(self.value):
            raise ValueError(f"event {self.label or self.target}: time and value must be finite")


def dose(time: float, species: str, amount: float, label: str = "") -> Event:
    return Event(float(time), species, "add", float(amount), label or f"dose {species}")


def set_value(time: float, target: str, value: float, label: str = "") -> Event:
    return Event(float(time), target, "set", float(value), label or f"set {target}")


def scale_value(time: float, target: str, factor: float, label: str = "") -> Event:
    return Event(float(time), target, "scale", float(factor), label or f"scale {target}")


@dataclass
class ModuleInfo:
    """Bookkeeping of a module: its name, description and what it added."""

    name: str
    description: str = ""
    components: list[str] = field(default_factory=list)
