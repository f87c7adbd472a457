"""The regimen language: YAML validated by pydantic, expanded to dosing and local-therapy events.

A regimen is a sequence of phases (induction, maintenance, ...). Each phase has a cycle length,
a number of cycles (or none: until progression / the horizon), an optional maximum duration and
components: an agent, a dose (mg, mg/kg, mg/m2, AUC, Gy x fractions, cells, session), a route and a
schedule (q1w, q2w, q3w, q4w, q6w, q12w on the phase's clock; `cycle` on given days of each cycle;
`daily` on given days of each cycle; `once`). Holds skip doses in a window. Example::

    id: pembrolizumab_q3w
    name: Pembrolizumab 200 mg every 3 weeks
    source: Reck et al. 2016 N Engl J Med 375:1823 (KEYNOTE-024)
    arms: ["T28:experimental", "T29:experimental"]
    phases:
      - name: monotherapy
        kind: monotherapy
        cycle_days: 21
        cycles: 35
        components:
          - {agent: pembrolizumab, dose: {value: 200, unit: mg}, route: iv, schedule: q3w}

Errors (`RegimenError`) name the file, the field (and the line) and what is allowed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..modeling import Event, Model, dose
from .agents import AGENTS, PLACEBO, get_agent
from .chemotherapy import calvert_dose
from .local import SITES, Ablation, Radiotherapy, Resection, TaceI125
from .simple import SimpleDrug

SCHEDULE_WEEKS = {"q1w": 1, "q2w": 2, "q3w": 3, "q4w": 4, "q6w": 6, "q12w": 12}
SCHEDULES = (*SCHEDULE_WEEKS, "cycle", "daily", "once")
DOSE_UNITS = ("mg", "mg/kg", "mg/m2", "AUC", "Gy", "cell", "session")
LIBRARY = Path(__file__).resolve().parent.parent / "library" / "regimens"


class RegimenError(ValueError):
    """A bad regimen: names the file, the field (and line) and what is wrong or allowed."""

    def __init__(self, file: str, field: str, message: str, line: int | None = None):
        self.file, self.field, self.message, self.line = file, field, message, line
        where = f"{file}" + (f":{line}" if line else "")
        super().__init__(f"{where}: {field}: {message}")


class Dose(BaseModel):
    model_config = ConfigDict(extra="forbid")
    value: float
    unit: Literal["mg", "mg/kg", "mg/m2", "AUC", "Gy", "cell", "session"]
    fractions: int | None = Field(None, description="number of fractions (Gy only)")
    cap_mg: float | None = Field(None, description="maximum dose in mg (e.g. carboplatin AUC dosing)")
    times_per_day: int = 1

    @field_validator("value")
    @classmethod
    def _positive(cls, v: float) -> float:
        if not (v > 0 and math.isfinite(v)):
            raise ValueError(f"dose must be a positive number, not {v}")
        return v

    @model_validator(mode="after")
    def _fractions(self) -> "Dose":
        if self.unit == "Gy" and (self.fractions is None or self.fractions < 1):
            raise ValueError("a dose in Gy needs 'fractions' (a positive integer)")
        if self.unit != "Gy" and self.fractions is not None:
            raise ValueError("'fractions' is only for doses in Gy")
        return self


class Component(BaseModel):
    model_config = ConfigDict(extra="forbid")
    agent: str
    dose: Dose | None = None
    route: str = "iv"
    schedule: str = "cycle"
    days: list[int] | None = Field(None, description="days of the cycle, 1-based")
    cycles: int | None = Field(None, description="give the component in the first N cycles of the phase only")
    max_doses: int | None = None
    offset_days: float = 0.0
    site: str | None = None
    fraction_days: list[float] | None = Field(None, description="days of the RT fractions after the start")
    fraction: float | None = Field(None, description="fraction destroyed / removed (RFA, resection)")
    note: str = ""

    @field_validator("schedule")
    @classmethod
    def _schedule(cls, v: str) -> str:
        if v not in SCHEDULES:
            raise ValueError(f"unknown schedule {v!r}; allowed: {', '.join(SCHEDULES)}")
        return v

    @field_validator("agent")
    @classmethod
    def _agent(cls, v: str) -> str:
        if v != PLACEBO and v not in AGENTS:
            raise ValueError(f"unknown agent {v!r}; known agents: {', '.join(sorted(AGENTS))}, placebo")
        return v

    @field_validator("days")
    @classmethod
    def _days(cls, v):
        if v is not None and (not v or any(d < 1 for d in v)):
            raise ValueError("days of the cycle are 1-based positive integers")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> "Component":
        if self.agent == PLACEBO:
            return self
        if self.dose is None:
            raise ValueError("[dose] missing required field 'dose'")
        agent = AGENTS[self.agent]
        if self.dose.unit not in agent.dose_units and not (
                self.dose.unit in ("mg/kg", "mg/m2", "mg") and "mg" in agent.dose_units):
            raise ValueError(f"[dose.unit] dose unit {self.dose.unit!r} not allowed for {self.agent}; allowed: "
                             f"{', '.join(agent.dose_units)}")
        if agent.kind == "local":
            if self.site not in SITES:
                raise ValueError(f"[site] local therapy {self.agent} needs 'site', one of {', '.join(SITES)}")
        if self.dose.unit == "AUC" and self.agent != "carboplatin":
            raise ValueError("[dose.unit] AUC dosing (Calvert formula) is for carboplatin only")
        return self


class Phase(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    kind: Literal["induction", "maintenance", "monotherapy", "local", "other"] = "other"
    cycle_days: float = 21.0
    cycles: int | None = None
    max_duration_days: float | None = None
    start_day: float | None = None
    until_progression: bool = True
    components: list[Component]

    @field_validator("cycle_days")
    @classmethod
    def _cycle(cls, v: float) -> float:
        if v <= 0:
            raise ValueError("cycle_days must be positive")
        return v

    def duration(self) -> float:
        d = math.inf if self.cycles is None else self.cycles * self.cycle_days
        return min(d, self.max_duration_days if self.max_duration_days is not None else math.inf)


class Hold(BaseModel):
    model_config = ConfigDict(extra="forbid")
    agent: str | None = None
    from_day: float
    to_day: float
    reason: str = ""


class Toxicity(BaseModel):
    model_config = ConfigDict(extra="forbid")
    grade3plus: float = Field(description="probability of a grade >= 3 treatment-related adverse event")
    source: str
    verified: bool = False
    window_days: float = 365.0
    median_onset_days: float = 42.0
    discontinuation: float = Field(0.4, description="fraction of those events that stop treatment")
    discontinuation_source: str = "assumed"

    @field_validator("grade3plus", "discontinuation")
    @classmethod
    def _prob(cls, v: float) -> float:
        if not 0 <= v <= 1:
            raise ValueError("a probability must lie in [0, 1]")
        return v


class RegimenSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    name: str
    description: str = ""
    source: str = ""
    line: str = ""
    histology: str = "any"
    arms: list[str] = []
    max_duration_days: float | None = None
    phases: list[Phase]
    holds: list[Hold] = []
    toxicity: Toxicity | None = None

    @model_validator(mode="after")
    def _phases(self) -> "RegimenSpec":
        if not self.phases:
            raise ValueError("a regimen needs at least one phase")
        return self


@dataclass(frozen=True)
class DoseRecord:
    """One administration: day, agent, amount in the agent's unit (mg, cell, Gy per fraction)."""

    day: float
    agent: str
    amount: float
    unit: str
    phase: str
    component: int
    end_day: float | None = None  # continuous input windows


def _line_of(text: str, loc: tuple) -> int | None:
    """Line (1-based) of the YAML node at path `loc` (the deepest existing prefix)."""
    try:
        node = yaml.compose(text)
    except yaml.YAMLError:
        return None
    line = node.start_mark.line + 1 if node is not None else None
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            nxt = next((v for k, v in node.value if k.value == key), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            nxt = node.value[key]
        else:
            nxt = None
        if nxt is None:
            break
        node, line = nxt, nxt.start_mark.line + 1
    return line


def _field(loc: Iterable) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (("." if out else "") + str(part))
    return out or "(top level)"


class Regimen:
    """A validated regimen and its expansion into events for one patient."""

    def __init__(self, spec: RegimenSpec, file: str = "<memory>", text: str | None = None):
        self.spec, self.file, self._text = spec, file, text
        self._check_sequence()

    # ------------------------------------------------------------------ loading
    @classmethod
    def from_yaml(cls, path: str | Path) -> "Regimen":
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise RegimenError(str(path), "(file)", f"cannot read: {exc}") from exc
        return cls.from_text(text, str(path))

    @classmethod
    def from_text(cls, text: str, file: str = "<memory>") -> "Regimen":
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise RegimenError(file, "(file)", f"not valid YAML: {exc}") from exc
        if not isinstance(data, dict):
            raise RegimenError(file, "(top level)", "a regimen file is a mapping with id, name and phases")
        return cls.from_dict(data, file, text)

    @classmethod
    def from_dict(cls, data: Mapping, file: str = "<memory>", text: str | None = None) -> "Regimen":
        try:
            spec = RegimenSpec.model_validate(data)
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
            msg = err["msg"].removeprefix("Value error, ")
            if msg.startswith("[") and "]" in msg:  # a model-level check naming its field: "[dose.unit] ..."
                sub, msg = msg[1:].split("] ", 1)
                loc = loc + tuple(sub.split("."))
            if err["type"] == "missing":
                msg = f"missing required field {loc[-1]!r}"
            more = f" (and {len(exc.errors()) - 1} more problem(s))" if len(exc.errors()) > 1 else ""
            raise RegimenError(file, _field(loc), msg + more, _line_of(text, loc) if text else None) from None
        return cls(spec, file, text)

    def _error(self, loc: tuple, message: str) -> RegimenError:
        return RegimenError(self.file, _field(loc), message, _line_of(self._text, loc) if self._text else None)

    def _check_sequence(self) -> None:
        end = 0.0
        for i, ph in enumerate(self.spec.phases):
            start = end if ph.start_day is None else ph.start_day
            if ph.start_day is not None and ph.start_day < end - 1e-9:
                raise self._error(("phases", i, "start_day"), f"phase {ph.name!r} starts on day {ph.start_day:g}, "
                                  f"before the previous phase ends (day {end:g}): phases overlap")
            if math.isinf(start):
                raise self._error(("phases", i), f"phase {ph.name!r} follows an open-ended phase (give the "
                                  f"previous phase 'cycles' or 'max_duration_days')")
            end = start + ph.duration()
        for j, h in enumerate(self.spec.holds):
            if h.to_day <= h.from_day:
                raise self._error(("holds", j, "to_day"), "a hold must end after it starts")
            if h.agent is not None and h.agent not in AGENTS:
                raise self._error(("holds", j, "agent"), f"unknown agent {h.agent!r}")

    # ------------------------------------------------------------------ queries
    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def name(self) -> str:
        return self.spec.name

    def agents(self) -> list[str]:
        out: list[str] = []
        for ph in self.spec.phases:
            for c in ph.components:
                if c.agent != PLACEBO and c.agent not in out:
                    out.append(c.agent)
        return out

    def build_model(self, base_model_factory: Callable[[], Model], missing_hooks: str = "error") -> Model:
        """The base model with every agent of this regimen added."""
        return build_trial_model([self], base_model_factory, missing_hooks)

    # ------------------------------------------------------------------ expansion
    def _amount(self, loc: tuple, c: Component, cov: Mapping) -> float:
        d = c.dose
        if d.unit in ("mg", "cell", "Gy", "session"):
            amount = d.value
        elif d.unit == "mg/kg":
            w = cov.get("weight_kg")
            if w is None or not w > 0:
                raise self._error(loc + ("dose",), f"{d.value:g} mg/kg needs the patient's body weight "
                                  "(covariate 'weight_kg')")
            amount = d.value * w
        elif d.unit == "mg/m2":
            bsa = cov.get("bsa_m2")
            if bsa is None and cov.get("weight_kg") and cov.get("height_cm"):
                bsa = math.sqrt(cov["weight_kg"] * cov["height_cm"] / 3600)  # Mosteller
            if bsa is None or not bsa > 0:
                raise self._error(loc + ("dose",), f"{d.value:g} mg/m2 needs the body surface area (covariate "
                                  "'bsa_m2', or 'weight_kg' and 'height_cm')")
            amount = d.value * bsa
        elif d.unit == "AUC":
            gfr = cov.get("crcl_ml_min", cov.get("gfr_ml_min"))
            if gfr is None or not gfr > 0:
                raise self._error(loc + ("dose",), f"AUC {d.value:g} (Calvert) needs the renal function "
                                  "(covariate 'crcl_ml_min')")
            amount = calvert_dose(d.value, gfr)
        else:  # pragma: no cover - guarded by the schema
            raise self._error(loc + ("dose", "unit"), f"unknown unit {d.unit}")
        if d.cap_mg is not None:
            amount = min(amount, d.cap_mg)
        return amount

    def _held(self, agent: str, rel_day: float, extra: Iterable[tuple[float, float]]) -> bool:
        for h in self.spec.holds:
            if (h.agent is None or h.agent == agent) and h.from_day <= rel_day < h.to_day:
                return True
        return any(a <= rel_day < b for a, b in extra)

    def schedule(self, covariates: Mapping | None = None, start_day: float = 0.0, horizon_days: float = 3650.0,
                 progression_day: float | None = None, discontinue_day: float | None = None,
                 holds: Iterable[tuple[float, float]] = ()) -> list[DoseRecord]:
        """Every administration for one patient, in days of the simulation.

        Systemic treatment stops at `progression_day` (for phases that run until progression) and at
        `discontinue_day` (e.g. toxicity); nothing is given at or after `start_day + horizon_days`.
        `holds` are extra (from, to) windows, in days after `start_day`, in which doses are skipped.
        """
        cov = dict(covariates or {})
        holds = list(holds)
        out: list[DoseRecord] = []
        end_all = start_day + horizon_days
        if self.spec.max_duration_days is not None:
            end_all = min(end_all, start_day + self.spec.max_duration_days)
        if discontinue_day is not None:
            end_all = min(end_all, discontinue_day)
        phase_start = start_day
        for i, ph in enumerate(self.spec.phases):
            if ph.start_day is not None:
                phase_start = start_day + ph.start_day
            stop = min(phase_start + ph.duration(), end_all)
            if ph.until_progression and progression_day is not None:
                stop = min(stop, progression_day)
            for j, c in enumerate(ph.components):
                if c.agent == PLACEBO:
                    continue
                loc = ("phases", i, "components", j)
                for rec in self._component(loc, ph, c, cov, phase_start, stop):
                    if not self._held(c.agent, rec.day - start_day, holds):
                        out.append(rec)
            phase_start = phase_start + ph.duration()
            if phase_start >= end_all:
                break
        return sorted(out, key=lambda r: (r.day, r.agent))

    def _component(self, loc, ph: Phase, c: Component, cov, t0: float, stop: float) -> list[DoseRecord]:
        agent = AGENTS[c.agent]
        amount = self._amount(loc, c, cov)
        unit = {"mg/kg": "mg", "mg/m2": "mg", "AUC": "mg"}.get(c.dose.unit, c.dose.unit)
        first = t0 + c.offset_days
        n_cycles = ph.cycles if ph.cycles is not None else 10**6
        if c.cycles is not None:
            n_cycles = min(n_cycles, c.cycles)
        times: list[float] = []
        rec = lambda t, end=None: DoseRecord(t, c.agent, amount, unit, ph.name, loc[-1], end)  # noqa: E731
        if c.schedule in SCHEDULE_WEEKS:
            step = 7 * SCHEDULE_WEEKS[c.schedule]
            k = 0
            while first + k * step < stop and (c.max_doses is None or k < c.max_doses):
                if c.cycles is not None and first + k * step >= t0 + c.cycles * ph.cycle_days:
                    break
                times.append(first + k * step)
                k += 1
            return [rec(t) for t in times]
        if c.schedule == "once":
            t = first + ((c.days or [1])[0] - 1)
            return [rec(t)] if t < stop else []
        days = c.days or ([1] if c.schedule == "cycle" else list(range(1, int(ph.cycle_days) + 1)))
        out: list[DoseRecord] = []
        cyc = 0
        while cyc < n_cycles and first + cyc * ph.cycle_days < stop:
            base = first + cyc * ph.cycle_days
            if c.schedule == "daily" and isinstance(agent, SimpleDrug) and agent.continuous:
                # contiguous runs of days become one input window [start, end)
                run: list[int] = []
                for d in sorted(set(days)) + [None]:
                    if d is not None and (not run or d == run[-1] + 1):
                        run.append(d)
                        continue
                    if run:
                        s, e = base + run[0] - 1, min(base + run[-1], stop)
                        if s < stop:
                            out.append(rec(s, e))
                    run = [d] if d is not None else []
            else:
                for d in days:
                    t = base + d - 1
                    if t < stop and (c.max_doses is None or len(out) < c.max_doses):
                        out.append(rec(t))
            cyc += 1
        return out

    def events(self, model: Model, covariates: Mapping | None = None, start_day: float = 0.0,
               horizon_days: float = 3650.0, progression_day: float | None = None,
               discontinue_day: float | None = None, holds: Iterable[tuple[float, float]] = ()) -> list[Event]:
        """Dose and local-therapy events for one patient (see `schedule` for the arguments).

        Agents must have been added to `model` (see `build_model`); a continuous oral drug becomes
        input on/off events, an agent with a treatment clock gets a start event at its first dose.
        A patient's own radiosensitivity can be given as covariates named after the agent's parameters
        (e.g. {"sbrt_alpha": 0.2}).
        """
        records = self.schedule(covariates, start_day, horizon_days, progression_day, discontinue_day, holds)
        out: list[Event] = []
        seen: set[str] = set()
        comps = {(ph.name, j): c for ph in self.spec.phases for j, c in enumerate(ph.components)}
        for r in records:
            agent = get_agent(r.agent)
            if agent.kind != "local" and not agent.is_in(model):
                raise RegimenError(self.file, f"agent {r.agent}", f"model {model.name!r} does not contain agent "
                                   f"{r.agent!r}; build it with regimen.build_model(...)")
            if r.agent not in seen:
                seen.add(r.agent)
                out += agent.first_dose_events(r.day)
            c = comps[(r.phase, r.component)]
            label = f"{self.id}: {r.agent} {r.amount:.4g} {r.unit} ({r.phase})"
            if isinstance(agent, Radiotherapy):
                fr = c.dose.fractions
                fdays = c.fraction_days or _weekday_fractions(fr)
                own = {k: v for k, v in (covariates or {}).items() if k.startswith(agent.id + "_")}
                out += agent.events(model, c.site, r.amount, [r.day + d for d in fdays[:fr]], own)
            elif isinstance(agent, (Ablation, Resection)):
                out += agent.events(model, c.site, r.day, c.fraction)
            elif isinstance(agent, TaceI125):
                out += agent.events(model, c.site, r.day)
            elif r.end_day is not None:
                out += agent.input_events(r.day, r.end_day, r.amount * c.dose.times_per_day, label)
            else:
                out.append(dose(r.day, agent.dose_species, r.amount, label))
        return sorted(out, key=lambda e: e.time)


def _weekday_fractions(n: int) -> list[float]:
    """Fraction days 0, 1, 2, 3, 4, 7, 8, ... (Monday to Friday)."""
    out, d = [], 0
    while len(out) < n:
        if d % 7 < 5:
            out.append(float(d))
        d += 1
    return out


def build_trial_model(regimens: Iterable[Regimen], base_model_factory: Callable[[], Model],
                      missing_hooks: str = "error") -> Model:
    """One model serving every arm: the base model plus every agent any regimen uses."""
    m = base_model_factory()
    for r in regimens:
        for a in r.agents():
            get_agent(a).add_to(m, missing_hooks=missing_hooks)
    return m


_CACHE: dict[str, Regimen] = {}


def load_library(directory: Path = LIBRARY) -> dict[str, Regimen]:
    """Every regimen YAML in the shipped library (or `directory`), by id."""
    out: dict[str, Regimen] = {}
    for path in sorted(directory.glob("*.yaml")):
        r = Regimen.from_yaml(path)
        if r.id in out:
            raise RegimenError(str(path), "id", f"duplicate regimen id {r.id!r} (also in {out[r.id].file})")
        out[r.id] = r
    return out


def list_regimens() -> list[Regimen]:
    if not _CACHE:
        _CACHE.update(load_library())
    return list(_CACHE.values())


def get_regimen(regimen_id: str) -> Regimen:
    """A shipped regimen by id, or a regimen YAML file by path."""
    if regimen_id.endswith((".yaml", ".yml")) and Path(regimen_id).exists():
        return Regimen.from_yaml(regimen_id)
    list_regimens()
    try:
        return _CACHE[regimen_id]
    except KeyError:
        raise KeyError(f"unknown regimen {regimen_id!r}; known: {', '.join(sorted(_CACHE))}") from None
