"""The Model: explicit construction of a mechanistic model from modules, and its validation."""

from __future__ import annotations

import hashlib
import keyword
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import sympy as sp

from . import units as U
from .components import (
    FIXED,
    NORMAL_KINDS,
    Event,
    Expression,
    ModuleInfo,
    Observable,
    Parameter,
    Process,
    Species,
    Variability,
)
from .sources import Source

TIME = sp.Symbol("t")
RESERVED = {"t", "time", "inf", "nan", "pi"}


class ModelValidationError(ValueError):
    """All problems found in a model, each naming the component it concerns."""

    def __init__(self, model_name: str, problems: list[str]):
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"model {model_name!r} has {len(problems)} problem(s):\n{lines}")


@dataclass(frozen=True)
class Equations:
    """The model flattened to an ODE system, in a fixed order of species and parameters.

    Expressions are substituted, so `rhs`, `observables` and `initials` mention only species,
    parameters and time. This is the single source every backend and exporter generates from.
    """

    species: tuple[str, ...]
    parameters: tuple[str, ...]
    rhs: tuple[sp.Expr, ...]
    observables: tuple[str, ...]
    observable_exprs: tuple[sp.Expr, ...]
    initials: tuple[sp.Expr, ...]
    # the rhs with the Jacobian-constant expressions left as symbols, and those symbols' values
    jacobian_rhs: tuple[sp.Expr, ...] = ()
    jacobian_constants: tuple[tuple[sp.Symbol, sp.Expr], ...] = ()

    @cached_property
    def jacobian(self) -> sp.Matrix:
        y = [sp.Symbol(s) for s in self.species]
        if not self.jacobian_constants:
            return sp.Matrix(self.rhs).jacobian(y)
        return sp.Matrix(self.jacobian_rhs).jacobian(y).xreplace(dict(self.jacobian_constants))

    @cached_property
    def time_derivative(self) -> tuple[sp.Expr, ...]:
        return tuple(sp.diff(f, TIME) for f in self.rhs)

    @property
    def depends_on_time(self) -> bool:
        return any(TIME in f.free_symbols for f in self.rhs)


class Model:
    """A mechanistic model assembled explicitly from species, parameters and processes.

    Components are added through methods that return the sympy symbol to write rate laws with::

        m = Model("demo")
        with m.module("growth", "logistic tumour growth"):
            T = m.species("T", "cell", "tumour", initial=1e6)
            a = m.parameter("a", 0.5, "1/day", 0.1, 1.0, source=cite("de Pillis 2005"))
            b = m.parameter("b", 1e-9, "1/cell", 1e-10, 1e-8, source=cite("de Pillis 2005"))
            m.process("growth", a * T * (1 - b * T), {T: 1}, evidence=["s000_12_01"])
    """

    def __init__(self, name: str, description: str = ""):
        self.name = name
        self.description = description
        self.species_: dict[str, Species] = {}
        self.parameters_: dict[str, Parameter] = {}
        self.expressions_: dict[str, Expression] = {}
        self.observables_: dict[str, Observable] = {}
        self.processes_: dict[str, Process] = {}
        self.events_: list[Event] = []
        self.modules_: dict[str, ModuleInfo] = {}
        self.compartments_: dict[str, str] = {}
        self.hooks_: dict[str, str] = {}
        self.hook_contributions_: dict[str, list[str]] = {}
        self._current_module = ""
        self._duplicates: list[str] = []

    # ------------------------------------------------------------------ construction
    @contextmanager
    def module(self, name: str, description: str = "") -> Iterator["Model"]:
        """Group the components added inside the block under a module name."""
        info = self.modules_.setdefault(name, ModuleInfo(name, description))
        if description and not info.description:
            info.description = description
        previous, self._current_module = self._current_module, name
        try:
            yield self
        finally:
            self._current_module = previous

    @property
    def time(self) -> sp.Symbol:
        return TIME

    def _register(self, kind: str, name: str) -> None:
        if self.has(name):
            self._duplicates.append(f"{kind} {name!r}: the name is already used by a {self.kind_of(name)}")
        if self._current_module:
            self.modules_[self._current_module].components.append(name)

    def compartment(self, name: str, description: str = "") -> str:
        self.compartments_.setdefault(name, description)
        return name

    def species(
        self, name: str, unit: str, compartment: str, initial: float | sp.Expr = 0.0, description: str = ""
    ) -> sp.Symbol:
        self._register("species", name)
        self.compartments_.setdefault(compartment, "")
        self.species_[name] = Species(name, unit, compartment, sp.sympify(initial), description, self._current_module)
        return sp.Symbol(name)

    def parameter(
        self,
        name: str,
        value: float,
        unit: str,
        lower: float | None = None,
        upper: float | None = None,
        source: Source | None = None,
        variability: Variability = FIXED,
        description: str = "",
    ) -> sp.Symbol:
        self._register("parameter", name)
        lo = value if lower is None else lower
        hi = value if upper is None else upper
        self.parameters_[name] = Parameter(
            name, float(value), unit, float(lo), float(hi), source, variability, description, self._current_module
        )
        return sp.Symbol(name)

    def expression(self, name: str, expr: sp.Expr | float, unit: str, description: str = "",
                   jacobian_constant: bool = False) -> sp.Symbol:
        self._register("expression", name)
        self.expressions_[name] = Expression(name, sp.sympify(expr), unit, description, self._current_module,
                                             jacobian_constant)
        return sp.Symbol(name)

    def observable(self, name: str, expr: sp.Expr | float, unit: str, description: str = "") -> str:
        self._register("observable", name)
        self.observables_[name] = Observable(name, sp.sympify(expr), unit, description, self._current_module)
        return name

    def process(
        self,
        name: str,
        rate: sp.Expr,
        stoichiometry: dict[sp.Symbol | str, float | sp.Expr],
        evidence: Iterable[str] = (),
        description: str = "",
    ) -> str:
        self._register("process", name)
        stoich = {str(k): sp.sympify(v) for k, v in stoichiometry.items()}
        self.processes_[name] = Process(
            name, sp.sympify(rate), stoich, tuple(evidence), description, self._current_module
        )
        return name

    def hook(self, name: str, unit: str, description: str = "", default: float = 0.0) -> sp.Symbol:
        """Declare a hook: an expression (default `default`) through which other modules act on this
        one, e.g. a drug effect. Contributions from other modules are added with `contribute`."""
        sym = self.expression(name, default, unit, description)
        self.hooks_[name] = description
        return sym

    def contribute(self, hook: str, term: sp.Expr | float) -> None:
        """Add a term to a declared hook (e.g. PD-1 occupancy from an antibody's concentration)."""
        if hook not in self.hooks_:
            known = ", ".join(sorted(self.hooks_)) or "none declared"
            raise ValueError(f"model {self.name!r} has no hook {hook!r} (hooks: {known})")
        e = self.expressions_[hook]
        e.expr = e.expr + sp.sympify(term)
        self.hook_contributions_.setdefault(hook, []).append(self._current_module or "?")

    def event(self, event: Event) -> None:
        """A discontinuity that is part of the model itself (e.g. a fixed dosing schedule)."""
        self.events_.append(event)

    # ------------------------------------------------------------------ queries
    def has(self, name: str) -> bool:
        return self.kind_of(name) is not None

    def kind_of(self, name: str) -> str | None:
        for kind, table in (
            ("species", self.species_),
            ("parameter", self.parameters_),
            ("expression", self.expressions_),
            ("observable", self.observables_),
            ("process", self.processes_),
        ):
            if name in table:
                return kind
        return None

    def parameter_values(self) -> dict[str, float]:
        return {n: p.value for n, p in self.parameters_.items()}

    def units(self) -> dict[sp.Symbol, object]:
        """pint units of every symbol that can appear in an expression."""
        out: dict[sp.Symbol, object] = {TIME: U.parse_unit(U.TIME_UNIT)}
        for table in (self.species_, self.parameters_, self.expressions_):
            for n, c in table.items():
                out[sp.Symbol(n)] = U.parse_unit(c.unit)
        return out

    def statement_ids(self) -> set[str]:
        return {s for p in self.processes_.values() for s in p.evidence}

    # ------------------------------------------------------------------ validation
    def validate(self, known_statements: Callable[[Iterable[str]], list[str]] | None = None) -> "Model":
        """Check the whole model; raise ModelValidationError listing every problem.

        `known_statements`, when given, takes statement ids and returns those that do not exist
        in the knowledge base (see livermet.knowledge.check_statement_ids).
        """
        problems: list[str] = list(self._duplicates)
        problems += self._check_names()
        try:
            units = self.units()
        except U.UnitError as exc:
            problems.append(f"unit: {exc}")
            raise ModelValidationError(self.name, problems) from exc
        defined = set(units)
        problems += self._check_parameters()
        problems += self._check_expressions(units, defined)
        problems += self._check_species(units, defined)
        problems += self._check_processes(units, defined, known_statements)
        problems += self._check_observables(units, defined)
        problems += self._check_events()
        if problems:
            raise ModelValidationError(self.name, problems)
        return self

    def _check_names(self) -> list[str]:
        out = []
        for table in (self.species_, self.parameters_, self.expressions_, self.observables_, self.processes_):
            for name in table:
                if not name.isidentifier() or keyword.iskeyword(name) or name in RESERVED:
                    out.append(f"{self.kind_of(name)} {name!r}: not a valid name (letters, digits, _; not reserved)")
        return out

    def _check_parameters(self) -> list[str]:
        out = []
        for p in self.parameters_.values():
            where = f"parameter {p.name!r}"
            if p.source is None:
                out.append(f"{where}: no source (give a citation, calibrated(target ids) or assumed(reason))")
            if not np.isfinite(p.value):
                out.append(f"{where}: value {p.value} is not finite")
            if not (p.lower <= p.value <= p.upper):
                out.append(f"{where}: value {p.value} outside its plausible range [{p.lower}, {p.upper}]")
            if p.variability.kind in ("lognormal", "loguniform") and p.lower <= 0:
                out.append(f"{where}: {p.variability.kind} variability needs a positive lower bound")
            if p.variability.kind == "logitnormal" and not (p.lower < p.value < p.upper):
                out.append(f"{where}: logitnormal variability needs lower < value < upper "
                           f"(got {p.lower} <= {p.value} <= {p.upper})")
            if p.variability.kind in NORMAL_KINDS and p.variability.sigma <= 0:
                out.append(f"{where}: {p.variability.kind} variability needs sigma > 0")
            if p.variability.covariate is not None and (
                    p.variability.kind not in NORMAL_KINDS or not -1 < p.variability.rho < 1):
                out.append(f"{where}: variability tied to covariate {p.variability.covariate!r} needs a lognormal, "
                           f"normal or logitnormal kind and -1 < rho < 1 (got {p.variability.kind}, rho "
                           f"{p.variability.rho})")
        return out

    def _unit_of(self, expr: sp.Expr, units: dict, where: str, out: list[str]):
        try:
            return U.expression_unit(expr, units)
        except U.UnitError as exc:
            out.append(f"{where}: {exc}")
            return None

    def _check_undefined(self, expr: sp.Expr, defined: set, where: str) -> list[str]:
        missing = sorted(str(s) for s in expr.free_symbols if s not in defined)
        return [f"{where}: undefined symbol(s) {', '.join(missing)}"] if missing else []

    def _check_expressions(self, units: dict, defined: set) -> list[str]:
        out = []
        for e in self.expressions_.values():
            where = f"expression {e.name!r}"
            out += self._check_undefined(e.expr, defined, where)
            if e.expr.is_zero:
                continue  # zero (e.g. a hook nobody contributes to) fits any unit
            u = self._unit_of(e.expr, units, where, out)
            if u is not None and not U.same_unit(u, U.parse_unit(e.unit)):
                out.append(f"{where}: declared unit {e.unit} but the expression has unit {U.format_unit(u)}")
        try:
            self._expression_order()
        except ValueError as exc:
            out.append(str(exc))
        return out

    def _check_species(self, units: dict, defined: set) -> list[str]:
        out = []
        params = {sp.Symbol(n) for n in self.parameters_}
        for s in self.species_.values():
            where = f"species {s.name!r}"
            extra = s.initial.free_symbols - params
            if extra:
                out.append(f"{where}: initial value may use parameters only, not {', '.join(sorted(map(str, extra)))}")
                continue
            u = self._unit_of(s.initial, units, where + " initial value", out)
            if u is not None and s.initial.free_symbols and not U.same_unit(u, U.parse_unit(s.unit)):
                out.append(f"{where}: initial value has unit {U.format_unit(u)}, species unit is {s.unit}")
            value = float(s.initial.subs(self.parameter_values()))
            if not np.isfinite(value) or value < 0:
                out.append(f"{where}: initial value {value} must be finite and non-negative")
        return out

    def _check_processes(self, units: dict, defined: set, known) -> list[str]:
        out = []
        per_day = U.parse_unit("1/" + U.TIME_UNIT)
        for p in self.processes_.values():
            where = f"process {p.name!r}"
            if not p.evidence:
                out.append(f"{where}: no evidence (list the knowledge statement ids it implements)")
            elif known is not None:
                missing = known(p.evidence)
                if missing:
                    out.append(f"{where}: unknown knowledge statement id(s) {', '.join(missing)}")
            out += self._check_undefined(p.rate, defined, where + " rate")
            if not p.stoichiometry:
                out.append(f"{where}: changes no species")
            rate_u = self._unit_of(p.rate, units, where + " rate", out)
            for sname, coef in p.stoichiometry.items():
                if sname not in self.species_:
                    out.append(f"{where}: stoichiometry names {sname!r}, which is not a species")
                    continue
                out += self._check_undefined(coef, defined, f"{where} coefficient of {sname}")
                coef_u = self._unit_of(coef, units, f"{where} coefficient of {sname}", out)
                if rate_u is None or coef_u is None:
                    continue
                need = U.parse_unit(self.species_[sname].unit) * per_day
                got = rate_u * coef_u
                if not U.same_unit(got, need):
                    out.append(
                        f"{where}: changes {sname} [{self.species_[sname].unit}] at a rate in "
                        f"{U.format_unit(got)}, expected {U.format_unit(need)}"
                    )
        return out

    def _check_observables(self, units: dict, defined: set) -> list[str]:
        out = []
        for o in self.observables_.values():
            where = f"observable {o.name!r}"
            out += self._check_undefined(o.expr, defined, where)
            u = self._unit_of(o.expr, units, where, out)
            if u is not None and not U.same_unit(u, U.parse_unit(o.unit)):
                out.append(f"{where}: declared unit {o.unit} but the expression has unit {U.format_unit(u)}")
        return out

    def _check_events(self) -> list[str]:
        return [
            f"event {e.label or e.target!r} at t={e.time}: target {e.target!r} is not a species or parameter"
            for e in self.events_
            if e.target not in self.species_ and e.target not in self.parameters_
        ]

    def _expression_order(self) -> list[str]:
        """Expressions in dependency order; a cycle is an error."""
        deps = {
            n: {str(s) for s in e.expr.free_symbols if str(s) in self.expressions_}
            for n, e in self.expressions_.items()
        }
        order: list[str] = []
        done: set[str] = set()
        visiting: set[str] = set()

        def visit(n: str) -> None:
            if n in done:
                return
            if n in visiting:
                raise ValueError(f"expression {n!r}: circular definition")
            visiting.add(n)
            for d in sorted(deps[n]):
                visit(d)
            visiting.discard(n)
            done.add(n)
            order.append(n)

        for n in self.expressions_:
            visit(n)
        return order

    # ------------------------------------------------------------------ flattening
    def _expression_substitutions(self, keep_jacobian_constants: bool = False) -> dict[sp.Symbol, sp.Expr]:
        resolved: dict[sp.Symbol, sp.Expr] = {}
        for n in self._expression_order():
            e = self.expressions_[n]
            resolved[e.symbol] = (e.symbol if keep_jacobian_constants and e.jacobian_constant
                                  else e.expr.xreplace(resolved))
        return resolved

    def _structure_objects(self) -> tuple:
        """Every object the equations are made of. Their identities are a cheap cache key: building
        methods and `contribute` replace objects rather than change them, and parameter values (which
        the equations do not contain) may change without invalidating the cache."""
        return (tuple(self.species_), tuple(s.initial for s in self.species_.values()), tuple(self.parameters_),
                tuple(self.expressions_), tuple(e.expr for e in self.expressions_.values()),
                tuple(self.observables_), tuple(o.expr for o in self.observables_.values()),
                tuple(self.processes_), tuple(p.rate for p in self.processes_.values()),
                tuple(x for p in self.processes_.values() for x in (*p.stoichiometry, *p.stoichiometry.values())))

    def equations(self) -> Equations:
        """Flatten the model to an ODE system (cached until the model's structure changes)."""
        objs = self._structure_objects()
        key = tuple(id(o) for part in objs for o in part)
        cached = getattr(self, "_equations_cache", None)
        if cached is not None and cached[0] == key:
            return cached[2]
        subs = self._expression_substitutions()
        names = tuple(self.species_)

        def flat(substitutions):
            rhs = {n: sp.Integer(0) for n in names}
            for p in self.processes_.values():
                rate = p.rate.xreplace(substitutions)
                for sname, coef in p.stoichiometry.items():
                    rhs[sname] = rhs[sname] + coef.xreplace(substitutions) * rate
            return tuple(rhs[n] for n in names)

        constants = tuple((e.symbol, subs[e.symbol]) for e in self.expressions_.values() if e.jacobian_constant)
        eq = Equations(
            species=names,
            parameters=tuple(self.parameters_),
            rhs=flat(subs),
            observables=tuple(self.observables_),
            observable_exprs=tuple(o.expr.xreplace(subs) for o in self.observables_.values()),
            initials=tuple(self.species_[n].initial for n in names),
            jacobian_rhs=flat(self._expression_substitutions(keep_jacobian_constants=True)) if constants else (),
            jacobian_constants=constants,
        )
        self._equations_cache = (key, objs, eq)  # objs keep the identities in the key alive
        return eq

    def hash(self) -> str:
        """A stable hash of everything that determines the equations and defaults."""
        h = hashlib.sha256()
        for s in self.species_.values():
            h.update(f"S|{s.name}|{s.unit}|{s.compartment}|{sp.srepr(s.initial)}\n".encode())
        for p in self.parameters_.values():
            h.update(f"P|{p.name}|{p.value!r}|{p.unit}\n".encode())
        for e in self.expressions_.values():
            h.update(f"E|{e.name}|{sp.srepr(e.expr)}|{e.jacobian_constant}\n".encode())
        for o in self.observables_.values():
            h.update(f"O|{o.name}|{sp.srepr(o.expr)}\n".encode())
        for pr in self.processes_.values():
            st = ";".join(f"{k}:{sp.srepr(v)}" for k, v in pr.stoichiometry.items())
            h.update(f"R|{pr.name}|{sp.srepr(pr.rate)}|{st}\n".encode())
        for ev in self.events_:
            h.update(f"V|{ev.time!r}|{ev.target}|{ev.action}|{ev.value!r}\n".encode())
        return h.hexdigest()[:16]

    def __repr__(self) -> str:
        return (
            f"Model({self.name!r}: {len(self.species_)} species, {len(self.parameters_)} parameters, "
            f"{len(self.processes_)} processes, {len(self.observables_)} observables)"
        )
