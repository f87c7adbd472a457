"""Export a Model to SBML Level 3 Version 2 with python-libsbml.

Species are amounts (hasOnlySubstanceUnits) in unit-size compartments, so the SBML rates are
exactly the model's rates; each process is a reaction whose stoichiometries may be expressions
(set by initial assignments); expressions become assignment rules; units become unit
definitions; parameter sources and process evidence are written into notes.
"""

from __future__ import annotations

import html

import libsbml
import sympy as sp
from sympy.printing.str import StrPrinter

from . import units as U
from .model import TIME, Model

_BASE_KIND = {
    "meter": libsbml.UNIT_KIND_METRE,
    "gram": libsbml.UNIT_KIND_GRAM,
    "kilogram": libsbml.UNIT_KIND_KILOGRAM,
    "second": libsbml.UNIT_KIND_SECOND,
    "mole": libsbml.UNIT_KIND_MOLE,
    "cell": libsbml.UNIT_KIND_ITEM,
    "molecule": libsbml.UNIT_KIND_ITEM,
}


class SBMLExportError(RuntimeError):
    pass


class _L3Printer(StrPrinter):
    """Infix formulas in libSBML's L3 syntax."""

    def _print_Symbol(self, expr):  # noqa: N802
        return "time" if expr == TIME else expr.name

    def _print_Float(self, expr):  # noqa: N802
        return repr(float(expr))

    def _print_Rational(self, expr):  # noqa: N802
        return f"({expr.p}/{expr.q})"

    def _print_Pow(self, expr, rational=False):  # noqa: N802
        return f"pow({self._print(expr.base)}, {self._print(expr.exp)})"

    def _print_log(self, expr):  # noqa: N802
        return f"ln({self._print(expr.args[0])})"

    def _print_Max(self, expr):  # noqa: N802
        return "max(" + ", ".join(self._print(a) for a in expr.args) + ")"

    def _print_Min(self, expr):  # noqa: N802
        return "min(" + ", ".join(self._print(a) for a in expr.args) + ")"

    def _print_Piecewise(self, expr):  # noqa: N802
        parts = []
        for value, cond in expr.args:
            if cond == sp.true:
                parts.append(self._print(value))
            else:
                parts += [self._print(value), self._print(cond)]
        return "piecewise(" + ", ".join(parts) + ")"


def formula(expr: sp.Expr) -> str:
    return _L3Printer().doprint(expr)


def _math(expr: sp.Expr, where: str) -> libsbml.ASTNode:
    text = formula(expr)
    ast = libsbml.parseL3Formula(text)
    if ast is None:
        raise SBMLExportError(f"{where}: libSBML cannot parse {text!r}: {libsbml.getLastParseL3Error()}")
    return ast


def _check(code: int, where: str) -> None:
    if code != libsbml.LIBSBML_OPERATION_SUCCESS:
        raise SBMLExportError(f"{where}: {libsbml.OperationReturnValue_toString(code)}")


def _unit_id(text: str) -> str:
    if text in ("", "1", "dimensionless"):
        return "dimensionless"
    safe = "".join(ch if ch.isalnum() else "_" for ch in text.replace("**", "pow").replace("/", "_per_"))
    return "u_" + safe


def _add_unit_definition(model: libsbml.Model, text: str) -> str:
    uid = _unit_id(text)
    if uid == "dimensionless" or model.getUnitDefinition(uid) is not None:
        return uid
    q = (1 * U.parse_unit(text)).to_base_units()
    ud = model.createUnitDefinition()
    _check(ud.setId(uid), f"unit {text}")
    dims = [(str(name), float(exp)) for name, exp in q.unit_items()]
    if not dims:
        u = ud.createUnit()
        u.setKind(libsbml.UNIT_KIND_DIMENSIONLESS)
        u.setExponent(1.0), u.setScale(0), u.setMultiplier(float(q.magnitude))
        return uid
    for k, (name, exp) in enumerate(dims):
        if name not in _BASE_KIND:
            raise SBMLExportError(f"unit {text!r}: base unit {name} has no SBML equivalent")
        u = ud.createUnit()
        u.setKind(_BASE_KIND[name])
        u.setExponent(exp)
        u.setScale(0)
        # the whole conversion factor goes into the first unit: (multiplier * kind)^exponent
        u.setMultiplier(float(q.magnitude) ** (1.0 / exp) if k == 0 else 1.0)
    return uid


def _notes(element: libsbml.SBase, text: str) -> None:
    element.setNotes(f'<body xmlns="http://www.w3.org/1999/xhtml"><p>{html.escape(text)}</p></body>')


def to_sbml(model: Model, *, include_events: bool = True) -> str:
    """SBML L3V2 text of the model; raises SBMLExportError if libSBML finds an error in it."""
    doc = libsbml.SBMLDocument(3, 2)
    sm = doc.createModel()
    sm.setId("model_" + model.name if model.name.isidentifier() else "livermet_model")
    sm.setName(model.name)
    _notes(sm, (model.description or model.name) + f" (exported by livermet; model hash {model.hash()})")
    sm.setTimeUnits(_add_unit_definition(sm, U.TIME_UNIT))

    for cname in model.compartments_:
        c = sm.createCompartment()
        c.setId(cname), c.setConstant(True), c.setSize(1.0), c.setSpatialDimensions(3)
        c.setUnits("dimensionless")

    event_params = {e.target for e in model.events_ if e.target in model.parameters_}
    for p in model.parameters_.values():
        par = sm.createParameter()
        par.setId(p.name)
        par.setValue(p.value)
        par.setConstant(p.name not in event_params)
        par.setUnits(_add_unit_definition(sm, p.unit))
        src = p.source.describe() if p.source is not None else "no source"
        _notes(par, f"{p.description} | range [{p.lower}, {p.upper}] {p.unit} | "
                    f"variability {p.variability.describe()} | source: {src}")

    for e in model.expressions_.values():
        par = sm.createParameter()
        par.setId(e.name), par.setConstant(False), par.setUnits(_add_unit_definition(sm, e.unit))
        _notes(par, e.description or "assignment rule")
        rule = sm.createAssignmentRule()
        rule.setVariable(e.name)
        _check(rule.setMath(_math(e.expr, f"expression {e.name}")), f"expression {e.name}")

    for s in model.species_.values():
        sp_ = sm.createSpecies()
        sp_.setId(s.name), sp_.setCompartment(s.compartment)
        sp_.setHasOnlySubstanceUnits(True), sp_.setBoundaryCondition(False), sp_.setConstant(False)
        sp_.setSubstanceUnits(_add_unit_definition(sm, s.unit))
        if s.initial.free_symbols:
            sp_.setInitialAmount(float(s.initial.subs(model.parameter_values())))
            ia = sm.createInitialAssignment()
            ia.setSymbol(s.name)
            _check(ia.setMath(_math(s.initial, f"initial value of {s.name}")), s.name)
        else:
            sp_.setInitialAmount(float(s.initial))
        _notes(sp_, s.description or s.name)

    for pr in model.processes_.values():
        r = sm.createReaction()
        r.setId(pr.name), r.setReversible(True)
        _notes(r, f"{pr.description} | module {pr.module} | evidence: {', '.join(pr.evidence)}")
        for k, (sname, coef) in enumerate(pr.stoichiometry.items()):
            ref = r.createReactant() if coef.is_Number and coef < 0 else r.createProduct()
            ref.setSpecies(sname), ref.setConstant(True)
            if coef.is_Number:
                ref.setStoichiometry(abs(float(coef)))
            else:
                ref.setId(f"{pr.name}_stoich_{k}")
                ref.setStoichiometry(float(coef.subs(model.parameter_values())))
                ia = sm.createInitialAssignment()
                ia.setSymbol(ref.getId())
                _check(ia.setMath(_math(coef, f"stoichiometry of {sname} in {pr.name}")), pr.name)
        for sym in sorted(pr.rate.free_symbols, key=str):
            if sym.name in model.species_ and sym.name not in pr.stoichiometry:
                r.createModifier().setSpecies(sym.name)
        kl = r.createKineticLaw()
        _check(kl.setMath(_math(pr.rate, f"rate of process {pr.name}")), pr.name)

    if include_events:
        for k, ev in enumerate(model.events_):
            e = sm.createEvent()
            e.setId(f"event_{k}"), e.setUseValuesFromTriggerTime(True)
            trig = e.createTrigger()
            trig.setInitialValue(False), trig.setPersistent(True)
            trig.setMath(libsbml.parseL3Formula(f"time >= {ev.time!r}"))
            a = e.createEventAssignment()
            a.setVariable(ev.target)
            target = sp.Symbol(ev.target)
            value = {"add": target + ev.value, "set": sp.Float(ev.value), "scale": target * ev.value}[ev.action]
            a.setMath(_math(value, f"event {ev.label}"))
            _notes(e, ev.label or f"{ev.action} {ev.target}")

    doc.checkConsistency()
    errors = [doc.getError(i) for i in range(doc.getNumErrors())
              if doc.getError(i).getSeverity() >= libsbml.LIBSBML_SEV_ERROR]
    if errors:
        raise SBMLExportError("libSBML consistency errors:\n" + "\n".join(e.getMessage() for e in errors))
    return libsbml.writeSBMLToString(doc)
