"""Unit arithmetic on sympy expressions, done by pint.

Every symbol of a model has a unit string; the unit of an expression is derived by walking
its sympy tree. Sums must combine identical units (same dimension *and* scale, because the
generated code does no conversion); arguments of exp/log/powers with symbolic exponents must
be dimensionless.
"""

from __future__ import annotations

from functools import lru_cache

import pint
import sympy as sp

ureg = pint.UnitRegistry()
# Counting units used throughout QSP models: cells and molecules are plain counts.
ureg.define("cell = [cell_count]")
ureg.define("@alias cell = cells")
ureg.define("molecule = [molecule_count]")
ureg.define("@alias molecule = molecules")
TIME_UNIT = "day"


class UnitError(ValueError):
    """An expression whose units do not combine."""


@lru_cache(maxsize=None)
def parse_unit(text: str) -> pint.Unit:
    """Parse a unit string ('1/day', 'cell', 'mg/L', 'dimensionless')."""
    if text in ("", "1", "dimensionless"):
        return ureg.dimensionless
    try:
        return ureg.Unit(text)
    except (pint.errors.UndefinedUnitError, pint.errors.DefinitionSyntaxError, AttributeError, TypeError) as exc:
        raise UnitError(f"unknown unit {text!r}: {exc}") from exc


def same_unit(a: pint.Unit, b: pint.Unit) -> bool:
    """True when a and b are the same dimension with conversion factor exactly 1."""
    q = (1 * a) / (1 * b)
    try:
        factor = q.to(ureg.dimensionless).magnitude
    except pint.errors.DimensionalityError:
        return False
    return abs(factor - 1.0) < 1e-12


def format_unit(u: pint.Unit) -> str:
    return "dimensionless" if u == ureg.dimensionless else f"{u:~}"



def expression_unit(expr: sp.Expr, units: dict[sp.Symbol, pint.Unit]) -> pint.Unit:
    """Derive the unit of a sympy expression from the units of its symbols."""
    if expr.is_Number or expr in (sp.pi, sp.E):
        return ureg.dimensionless
    if isinstance(expr, sp.Symbol):
        if expr not in units:
            raise UnitError(f"symbol {expr} has no unit")
        return units[expr]
    if isinstance(expr, sp.Add):
        terms = [expression_unit(a, units) for a in expr.args]
        # numeric constants in a sum adopt the unit of the other terms (e.g. 1 - x/K)
        nonconst = [(a, u) for a, u in zip(expr.args, terms) if not a.is_Number]
        if not nonconst:
            return ureg.dimensionless
        first_arg, first = nonconst[0]
        for arg, u in nonconst[1:]:
            if not same_unit(first, u):
                raise UnitError(
                    f"sum of terms with different units: {first_arg} [{format_unit(first)}] + {arg} [{format_unit(u)}]"
                )
        if len(nonconst) < len(terms) and not same_unit(first, ureg.dimensionless):
            raise UnitError(f"a plain number is added to {first_arg} [{format_unit(first)}]")
        return first
    if isinstance(expr, sp.Mul):
        out = ureg.dimensionless
        for a in expr.args:
            out = out * expression_unit(a, units)
        return out
    if isinstance(expr, sp.Pow):
        base_u = expression_unit(expr.base, units)
        exp = expr.exp
        if exp.is_Number:
            return base_u ** float(exp)
        exp_u = expression_unit(exp, units)
        if not same_unit(exp_u, ureg.dimensionless):
            raise UnitError(f"exponent {exp} must be dimensionless, is [{format_unit(exp_u)}]")
        if not same_unit(base_u, ureg.dimensionless):
            raise UnitError(f"base {expr.base} of a symbolic power must be dimensionless, is [{format_unit(base_u)}]")
        return ureg.dimensionless
    if isinstance(expr, (sp.Max, sp.Min)):
        arg_units = [expression_unit(a, units) for a in expr.args if not a.is_Number]
        if not arg_units:
            return ureg.dimensionless
        for u in arg_units[1:]:
            if not same_unit(arg_units[0], u):
                raise UnitError(f"{expr.func.__name__} of arguments with different units in {expr}")
        return arg_units[0]
    if isinstance(expr, sp.Piecewise):
        vals = [expression_unit(e, units) for e, _ in expr.args if not e.is_Number]
        for u in vals[1:]:
            if not same_unit(vals[0], u):
                raise UnitError(f"branches of {expr} have different units")
        return vals[0] if vals else ureg.dimensionless
    if isinstance(expr, (sp.Abs,)):
        return expression_unit(expr.args[0], units)
    if isinstance(expr, sp.Function):
        for a in expr.args:
            u = expression_unit(a, units)
            if not same_unit(u, ureg.dimensionless):
                raise UnitError(f"argument of {expr.func.__name__} must be dimensionless: {a} is [{format_unit(u)}]")
        return ureg.dimensionless
    raise UnitError(f"cannot derive the unit of {expr!r}")
