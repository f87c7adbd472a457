"""What every therapy agent shares: cited parameter specs, hook contributions, dosing events.

An agent is a small object that knows its parameters (each with value, unit, plausible range,
between-patient variability and source), the species that receive its doses, and how to add
itself to a `Model`: PK species, parameters and processes, plus terms contributed to the hooks the
biology model declares (docs/contracts.md section 2).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import sympy as sp

from ..modeling import Event, Model, Variability, dose, set_value
from ..modeling.components import FIXED
from ..modeling.sources import Source

#: The covariates agents may depend on, as model parameters (per patient, set by the trial layer).
COVARIATES: dict[str, tuple[str, float, str, float, float, str]] = {
    # name: (parameter name, default, unit, lower, upper, description)
    "weight_kg": ("cov_weight", 75.0, "kg", 35.0, 150.0, "body weight"),
    "albumin_g_l": ("cov_albumin", 39.4, "g/L", 15.0, 55.0, "serum albumin"),
    "crcl_ml_min": ("cov_crcl", 90.0, "mL/min", 20.0, 200.0, "creatinine clearance (Cockcroft-Gault)"),
    "bsa_m2": ("cov_bsa", 1.85, "m**2", 1.2, 2.6, "body surface area"),
    "female": ("cov_female", 0.0, "dimensionless", 0.0, 1.0, "female sex (1 = female, 0 = male)"),
    "ecog": ("cov_ecog", 1.0, "dimensionless", 0.0, 4.0, "ECOG performance status (0-4)"),
}
COVARIATE_SOURCE = {
    "weight_kg": "median body weight of the NSCLC PopPK populations of table 3.2 (71-80 kg)",
    "albumin_g_l": "Struemper et al. 2025 CPT:PSP 14:1006 NSCLC pool median albumin 39.4 g/L",
    "crcl_ml_min": "typical creatinine clearance of the pemetrexed NSCLC population (Cao 2022 reference 93.6 mL/min)",
    "bsa_m2": "typical adult body surface area (QSPIO-TNBC dosing scripts use 1.9 m2)",
    "female": "male (0), the majority sex of first-line metastatic NSCLC trials (62% male in the virtual population, "
              "livermet.population.covariates SOURCES['sex'])",
    "ecog": "ECOG 1, the most frequent performance status of phase 3 first-line NSCLC trials (60% in the virtual "
            "population, livermet.population.covariates SOURCES['ecog'])",
}


class MissingHookError(ValueError):
    """The model lacks a hook an agent needs; names the agent, the hooks and those declared."""

    def __init__(self, agent: str, model: Model, missing: list[str]):
        self.agent, self.missing = agent, missing
        declared = ", ".join(sorted(model.hooks_)) or "none"
        super().__init__(
            f"agent {agent!r} acts through hook(s) {', '.join(missing)}, which model {model.name!r} does not "
            f"declare (declared: {declared}); declare them with m.hook(...) or call add_to(model, "
            f"missing_hooks='skip') to add the PK only"
        )


@dataclass(frozen=True)
class P:
    """A parameter spec: value, unit, plausible range, variability, source, description."""

    name: str  # short name; the model parameter is '<agent id>_<name>'
    value: float
    unit: str
    lower: float
    upper: float
    source: Source
    variability: Variability = FIXED
    description: str = ""

    def describe_source(self) -> str:
        return self.source.describe()


@dataclass
class HookTerm:
    """A contribution of an agent to one hook; `build(sym)` returns the sympy term."""

    hook: str
    build: Callable[[Callable[[str], sp.Symbol]], sp.Expr]
    description: str
    evidence: tuple[str, ...]
    optional: bool = False  # skipped silently when the model lacks the hook
    read_only: bool = False  # the agent reads the hook (e.g. liver_function_delivery), adds nothing


@dataclass
class Agent:
    """Base class: one drug, cell therapy or local intervention."""

    id: str
    name: str
    kind: str  # antibody | chemotherapy | targeted | experimental | local
    description: str
    params: list[P] = field(default_factory=list)
    evidence: tuple[str, ...] = ()
    dose_units: tuple[str, ...] = ("mg",)
    routes: tuple[str, ...] = ("iv",)
    notes: tuple[str, ...] = ()

    # ------------------------------------------------------------------ names
    def pname(self, short: str) -> str:
        return f"{self.id}_{short}"

    def param(self, short: str) -> P:
        for p in self.params:
            if p.name == short:
                return p
        raise KeyError(f"agent {self.id!r} has no parameter {short!r}")

    @property
    def dose_species(self) -> str | None:
        """The species a bolus dose is added to (None for agents dosed otherwise)."""
        return None

    # ------------------------------------------------------------------ model building
    def hook_terms(self) -> list[HookTerm]:
        return []

    def hooks(self) -> list[str]:
        return [h.hook for h in self.hook_terms()]

    def build(self, m: Model, sym: Callable[[str], sp.Symbol]) -> None:
        """Add PK species, expressions and processes (parameters are already added)."""

    def is_in(self, m: Model) -> bool:
        return self.id in m.modules_

    def add_to(self, m: Model, *, missing_hooks: str = "error") -> Model:
        """Add this agent to `m` (idempotent). missing_hooks: 'error' (default) or 'skip'."""
        if missing_hooks not in ("error", "skip"):
            raise ValueError("missing_hooks must be 'error' or 'skip'")
        if self.is_in(m):
            return m
        terms = self.hook_terms()
        missing = [t.hook for t in terms if t.hook not in m.hooks_ and not t.optional]
        if missing and missing_hooks == "error":
            raise MissingHookError(self.id, m, missing)
        with m.module(self.id, f"{self.kind}: {self.name}. {self.description}"):
            for p in self.params:
                m.parameter(self.pname(p.name), p.value, p.unit, p.lower, p.upper, source=p.source,
                            variability=p.variability, description=p.description)
            self._add_covariates(m)
            self.build(m, lambda short: sp.Symbol(self.pname(short)))
            for t in terms:
                if t.hook in m.hooks_ and not t.read_only:
                    m.contribute(t.hook, t.build(lambda short: sp.Symbol(self.pname(short))))
        return m

    def covariates_used(self) -> tuple[str, ...]:
        return ()

    def _add_covariates(self, m: Model) -> None:
        from ..modeling import assumed
        for cov in self.covariates_used():
            pname, default, unit, lo, hi, desc = COVARIATES[cov]
            if not m.has(pname):
                with m.module("covariates", "patient covariates used by drug PK (set per patient)"):
                    m.parameter(pname, default, unit, lo, hi, source=assumed(
                        "population default; each virtual patient's own value is passed as a parameter ("
                        + COVARIATE_SOURCE[cov] + ")"), description=desc)

    # ------------------------------------------------------------------ dosing
    def dose_events(self, time: float, amount: float, label: str = "") -> list[Event]:
        """Events that give `amount` (in the agent's dose species unit) at `time` (days)."""
        species = self.dose_species
        if species is None:
            raise ValueError(f"agent {self.id!r} is not dosed by bolus")
        return [dose(time, species, amount, label or f"{self.id} {amount:g}")]

    def first_dose_events(self, time: float) -> list[Event]:
        """Extra events at the first dose (e.g. start the time-since-first-dose clock)."""
        return []

    # ------------------------------------------------------------------ description
    def describe(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "kind": self.kind,
            "description": self.description,
            "dose_units": list(self.dose_units),
            "routes": list(self.routes),
            "dose_species": self.dose_species,
            "covariates": list(self.covariates_used()),
            "parameters": [
                {"name": self.pname(p.name), "value": p.value, "unit": p.unit, "range": [p.lower, p.upper],
                 "variability": None if p.variability.kind == "fixed" else
                 {"kind": p.variability.kind, "sigma": p.variability.sigma},
                 "source_kind": p.source.kind, "source": p.describe_source(), "description": p.description}
                for p in self.params
            ],
            "hooks": [{"hook": t.hook, "description": t.description, "evidence": list(t.evidence),
                       "reads_only": t.read_only} for t in self.hook_terms()],
            **self._components(),
            "evidence": list(self.evidence),
            "notes": list(self.notes),
        }


    def _components(self) -> dict:
        """Species and processes this agent adds (built into a scratch model with one liver lesion)."""
        m = Model(f"{self.id}_scratch")
        with m.module("scratch"):
            m.species("C_liver", "cell", "liver", 0.0)
            m.species("Cd_liver", "cell", "liver", 0.0)
        self.add_to(m, missing_hooks="skip")
        mine = set(m.modules_[self.id].components)
        return {
            "species": [s for s in m.species_ if s in mine],
            "processes": [{"name": p.name, "description": p.description, "evidence": list(p.evidence)}
                          for p in m.processes_.values() if p.name in mine],
        }


def switch_on_event(agent: Agent, time: float, short: str = "on") -> Event:
    return set_value(time, agent.pname(short), 1.0, f"{agent.id} first dose: start clock")


def emax(c: sp.Expr, ec50: sp.Expr) -> sp.Expr:
    return c / (c + ec50)


def unique(seq: Iterable[str]) -> tuple[str, ...]:
    out: list[str] = []
    for s in seq:
        if s not in out:
            out.append(s)
    return tuple(out)
