"""Generate batched numba kernels (right-hand side, Jacobian, df/dt, initial values, observables)
from a model's symbolic equations.

Every kernel takes arrays whose last axis is the patient index (patient innermost in memory),
so one loop over patients runs each formula for a whole batch.
"""

from __future__ import annotations

import sympy as sp
from sympy.printing.pycode import PythonCodePrinter

from ..modeling.model import TIME, Equations


class _KernelPrinter(PythonCodePrinter):
    """Prints scalar formulas for numba: symbols become array reads at patient index b."""

    def __init__(self, symbol_map: dict[sp.Symbol, str]):
        super().__init__({"fully_qualified_modules": True, "standard": "python3"})
        self.symbol_map = symbol_map

    def _print_Symbol(self, expr):  # noqa: N802 - sympy printer protocol
        return self.symbol_map.get(expr, super()._print_Symbol(expr))

    def _print_Float(self, expr):  # noqa: N802
        return repr(float(expr))

    def _print_Max(self, expr):  # noqa: N802
        return "max(" + ", ".join(self._print(a) for a in expr.args) + ")"

    def _print_Min(self, expr):  # noqa: N802
        return "min(" + ", ".join(self._print(a) for a in expr.args) + ")"

    def _print_Heaviside(self, expr):  # noqa: N802
        return f"(1.0 if {self._print(expr.args[0])} > 0 else 0.0)"


def _symbol_map(eq: Equations, time_name: str = "t[b]") -> dict[sp.Symbol, str]:
    m = {sp.Symbol(s): f"y[{i}, b]" for i, s in enumerate(eq.species)}
    m.update({sp.Symbol(p): f"p[{j}, b]" for j, p in enumerate(eq.parameters)})
    m[TIME] = time_name
    return m


def _share_powers(exprs: list[sp.Expr]) -> tuple[dict[sp.Symbol, sp.Expr], list[sp.Expr]]:
    """Replace b**(k*r) (symbolic r, number k) by P**k with P = b**r computed once.

    Non-integer powers dominate the cost of the kernels, and the Jacobian of terms like
    (L/T)**lam is full of (L/T)**(2*lam), (L/T)**(3*lam): they all become one pow and products.
    """
    defs: dict[sp.Expr, sp.Symbol] = {}

    def visit(e: sp.Expr) -> sp.Expr:
        if e.is_Pow and not e.exp.is_Number:
            k, r = e.exp.as_coeff_Mul()
            key = sp.Pow(visit(e.base), visit(r))
            sym = defs.setdefault(key, sp.Symbol(f"pw_{len(defs)}"))
            return sym**k
        if e.args:
            return e.func(*[visit(a) for a in e.args])
        return e

    out = [visit(e) for e in exprs]
    return {sym: key for key, sym in defs.items()}, out


def _body(targets: list[str], exprs: list[sp.Expr], printer: _KernelPrinter, indent: str) -> list[str]:
    """Assignment lines: shared non-integer powers first, then common subexpressions factored out."""
    if not exprs:
        return []
    powers, exprs = _share_powers(exprs)
    lines = []
    for sym, value in powers.items():
        printer.symbol_map[sym] = str(sym)
        lines.append(f"{indent}{sym} = {printer.doprint(value)}")
    temps, reduced = sp.cse(exprs, symbols=sp.numbered_symbols("x_"), optimizations="basic")
    for sym, sub in temps:
        printer.symbol_map[sym] = str(sym)
        lines.append(f"{indent}{sym} = {printer.doprint(sub)}")
    for target, expr in zip(targets, reduced):
        lines.append(f"{indent}{target} = {printer.doprint(expr)}")
    return lines


def _kernel(name: str, args: str, size: str, targets: list[str], exprs: list[sp.Expr], symbol_map,
            masked: bool = False) -> str:
    """A kernel looping over patients; `masked` kernels skip patients whose flag in `active` is off."""
    printer = _KernelPrinter(dict(symbol_map))
    lines = [
        "@numba.njit(cache=True, fastmath=False, error_model='numpy')",
        f"def {name}({args}):",
        f"    for b in range({size}):",
    ]
    if masked:
        lines.append("        if not active[b]:\n            continue")
    body = _body(targets, exprs, printer, " " * 8)
    lines += body or ["        pass"]
    return "\n".join(lines) + "\n"


def generate_kernels(eq: Equations) -> str:
    """Python source of the five model kernels."""
    smap = _symbol_map(eq)
    n = len(eq.species)
    rhs = _kernel(
        "rhs_batch", "t, y, p, out, active", "y.shape[1]",
        [f"out[{i}, b]" for i in range(n)], list(eq.rhs), smap, masked=True,
    )
    jac = eq.jacobian
    entries = [(i, j) for i in range(n) for j in range(n) if jac[i, j] != 0]
    jac_src = _kernel(
        "jac_batch", "t, y, p, out, active", "y.shape[1]",
        [f"out[{i}, {j}, b]" for i, j in entries], [jac[i, j] for i, j in entries], smap, masked=True,
    )
    # zero entries are set once by the caller (the solver allocates J with zeros)
    dfdt_exprs = list(eq.time_derivative) if eq.depends_on_time else []
    dfdt = _kernel(
        "dfdt_batch", "t, y, p, out, active", "y.shape[1]",
        [f"out[{i}, b]" for i in range(n) if dfdt_exprs and dfdt_exprs[i] != 0],
        [e for e in dfdt_exprs if e != 0], smap, masked=True,
    )
    init = _kernel(
        "init_batch", "p, out", "p.shape[1]",
        [f"out[{i}, b]" for i in range(n)], [sp.sympify(e) for e in eq.initials], smap,
    )
    obs_map = dict(smap)
    obs_map[TIME] = "t[b]"
    obs = _kernel(
        "obs_batch", "t, y, p, out", "y.shape[1]",
        [f"out[{k}, b]" for k in range(len(eq.observables))], list(eq.observable_exprs), obs_map,
    )
    header = (
        "# Generated by livermet.engine.codegen from a model's symbolic equations. Do not edit.\n"
        "import math\nimport numba\nimport numpy as np\n\n"
        f"N_SPECIES = {n}\nN_PARAMETERS = {len(eq.parameters)}\nN_OBSERVABLES = {len(eq.observables)}\n"
        f"DEPENDS_ON_TIME = {bool(eq.depends_on_time)}\n\n"
    )
    return header + "\n\n".join([rhs, jac_src, dfdt, init, obs])
