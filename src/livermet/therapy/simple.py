"""A one-compartment drug with Emax effects on hooks: the shape shared by the small molecules,
ADC and preclinical tools, whose published PK is thin.

Oral daily drugs are given as a zero-order input (`<id>_input`, mg/day) switched on and off by
events over the dosing days, instead of one bolus per day: this keeps a two-year daily schedule to
a few events per cycle, and misses only the within-day fluctuation, which is small against the
days-long time scales of the hooks. IV drugs take bolus doses into `<id>_central`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from ..modeling import Event, Model, assumed, lognormal, set_value
from .base import Agent, HookTerm, P, emax, switch_on_event


@dataclass
class Effect:
    hook: str
    emax: float
    emax_unit: str  # "dimensionless" for fractions, "1/day" for rates
    ec50: float  # mg/L (or cell for cell therapies)
    source: object
    description: str
    evidence: tuple[str, ...]
    emax_range: tuple[float, float] | None = None


@dataclass
class SimpleDrug(Agent):
    pk_source: object = None
    conc_unit: str = "mg/L"
    amount_unit: str = "mg"
    cl: float = 100.0  # L/day (apparent, CL/F, for oral drugs)
    v: float = 100.0  # L
    iiv_cl: float = 0.3
    effects: list[Effect] = field(default_factory=list)
    turnover: tuple[float, object] | None = None  # (kout 1/day, source): effects act through an indirect response
    resistance: tuple[float, object] | None = None  # (rate 1/day, source): effect decays with time on drug
    continuous: bool = False  # oral daily: zero-order input

    def __post_init__(self) -> None:
        src = self.pk_source
        ps = [
            P("CL", self.cl, "L/day", self.cl * 0.3, self.cl * 3, src, lognormal(self.iiv_cl),
              "clearance (apparent for oral drugs)"),
            P("V", self.v, "L", self.v * 0.3, self.v * 3, src, description="volume of distribution"),
        ]
        if self.continuous:
            ps.append(P("input", 0.0, "mg/day", 0.0, 1e4, assumed(
                "dosing input, 0 off treatment; set by the regimen's events to the daily dose on dosing days"),
                description="zero-order oral input (daily dose)"))
        if self.turnover is not None:
            kout, tsrc = self.turnover
            ps.append(P("kout", kout, "1/day", kout / 5, kout * 5, tsrc, description="turnover of the effect"))
        if self.resistance is not None:
            rate, rsrc = self.resistance
            ps += [P("k_resist", rate, "1/day", rate / 4, rate * 4, rsrc, lognormal(0.5),
                     "rate at which the drug's effect is lost to acquired resistance"),
                   P("on", 0.0, "dimensionless", 0.0, 1.0, assumed("switch set to 1 at the first dose"),
                     description="treatment started (0/1)")]
        for e in self.effects:
            lo, hi = e.emax_range or ((0.0, 1.0) if e.emax_unit == "dimensionless" else (e.emax / 10, e.emax * 5))
            ps.append(P(f"Emax_{e.hook}", e.emax, e.emax_unit, lo, hi, e.source,
                        description=f"maximal effect on {e.hook}"))
            ps.append(P(f"EC50_{e.hook}", e.ec50, self.conc_unit, e.ec50 / 10, e.ec50 * 10, e.source,
                        lognormal(0.5), f"concentration of half-maximal effect on {e.hook}"))
        self.params = ps + self.params
        if self.continuous:
            self.notes = self.notes + ("oral daily dosing is a zero-order input over the dosing days (no within-day "
                                       "fluctuation, no absorption lag)",)

    @property
    def dose_species(self) -> str | None:
        return None if self.continuous else self.pname("central")

    def build(self, m: Model, s) -> None:
        A = m.species(self.pname("central"), self.amount_unit, "plasma", 0.0, f"{self.name} amount")
        ev = self.evidence
        if self.continuous:
            m.process(self.pname("absorption"), s("input"), {A: 1}, ev, f"{self.name} oral input (daily dose)")
        C = m.expression(self.pname("conc"), A / s("V"), self.conc_unit, f"{self.name} concentration")
        m.process(self.pname("elimination"), s("CL") / s("V") * A, {A: -1}, ev, f"{self.name} elimination")
        m.observable(self.pname("plasma_conc"), C, self.conc_unit, f"{self.name} concentration")
        if self.resistance is not None:
            clock = m.species(self.pname("clock"), "day", "plasma", 0.0, "time since the first dose")
            m.process(self.pname("clock_tick"), s("on"), {clock: 1}, ev, "the clock runs from the first dose on")
        for e in self.effects:
            if self.turnover is not None:
                E = m.species(self.pname(f"effect_{e.hook}"), "dimensionless", "tumour", 0.0,
                              f"{self.name} effect on {e.hook} (indirect response)")
                m.process(self.pname(f"effect_turnover_{e.hook}"), s("kout") * (emax(C, s(f"EC50_{e.hook}")) - E),
                          {E: 1}, e.evidence, "indirect response: the effect follows exposure with delay")

    def _effect_expr(self, e: Effect) -> sp.Expr:
        s = lambda short: sp.Symbol(self.pname(short))  # noqa: E731
        f = (sp.Symbol(self.pname(f"effect_{e.hook}")) if self.turnover is not None
             else emax(sp.Symbol(self.pname("conc")), s(f"EC50_{e.hook}")))
        term = s(f"Emax_{e.hook}") * f
        if self.resistance is not None:
            term = term * sp.exp(-s("k_resist") * sp.Symbol(self.pname("clock")))
        return term

    def hook_terms(self) -> list[HookTerm]:
        return [HookTerm(e.hook, lambda _s, e=e: self._effect_expr(e), e.description, e.evidence)
                for e in self.effects]

    def first_dose_events(self, time: float) -> list[Event]:
        return [switch_on_event(self, time)] if self.resistance is not None else []

    def input_events(self, start: float, end: float, mg_per_day: float, label: str = "") -> list[Event]:
        """Zero-order input of `mg_per_day` from `start` to `end` (days)."""
        if not self.continuous:
            raise ValueError(f"agent {self.id!r} is not dosed continuously")
        return [set_value(start, self.pname("input"), mg_per_day, label or f"{self.id} on"),
                set_value(end, self.pname("input"), 0.0, label or f"{self.id} off")]
