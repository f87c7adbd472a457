"""Generate batched numba kernels (right-hand side, Jacobian, df/dt, initial values, observables)
from a model's symbolic equations.

Every kernel takes arrays whose last axis is the patient index (patient innermost in memory),
so one loop over patients runs each formula for a whole batch.
"""

from __future__ import annotations

import os

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


# Relative pivot threshold of the static-order sparse LU: a pivot this small against its row is
# not trusted (no pivoting can rescue it), so the step is rejected and retried with half the step
# size, which makes I/(h gamma) - J more diagonally dominant.
PIVOT_RTOL = 1e-10


def markowitz_order(pattern: set[tuple[int, int]], n: int) -> tuple[list[int], set[tuple[int, int]]]:
    """Greedy Markowitz ordering on the diagonal (symmetric permutation) and the symbolic fill-in.

    At each step the remaining diagonal entry with the fewest (row count - 1) * (column count - 1)
    among the remaining rows and columns is eliminated (ties: lowest index, so the order is
    reproducible); eliminating k creates the entries (i, j) for every i in column k and j in row k.
    Returns the elimination order and the pattern of the factors (pattern + fill + diagonal).
    """
    filled = set(pattern) | {(i, i) for i in range(n)}
    rows = {i: {j for (r, j) in filled if r == i} for i in range(n)}
    cols = {j: {i for (i, c) in filled if c == j} for j in range(n)}
    remaining = set(range(n))
    order = []
    while remaining:
        k = min(remaining, key=lambda v: ((len(rows[v] & remaining) - 1) * (len(cols[v] & remaining) - 1), v))
        remaining.discard(k)
        order.append(k)
        below = cols[k] & remaining
        right = rows[k] & remaining
        for i in below:
            for j in right:
                if (i, j) not in filled:
                    filled.add((i, j))
                    rows[i].add(j)
                    cols[j].add(i)
    return order, filled


def lu_mode(n: int, n_factor: int) -> str:
    """'sparse' or 'dense' LU for a Jacobian of n species whose factors have n_factor entries.

    The dense LU with partial pivoting is the default. The generated sparse LU (static Markowitz
    order, no row pivoting) is faster (about 2.7x on the 55-species liver model) but, on the
    liver model with therapy agents, 25 of 40 trial patients hit the step limit with it against
    0 with the dense LU: its step rejection on small pivots does not recover there. So it is
    opt-in (LIVERMET_LU=sparse) until that is solved.
    """
    forced = os.environ.get("LIVERMET_LU", "auto")
    return "sparse" if forced == "sparse" else "dense"


def _sparse_lu_kernels(pattern: set[tuple[int, int]], n: int) -> tuple[str, int, dict]:
    """Source of w_assemble_batch, lu_factor_batch and lu_solve_batch for a static sparsity pattern.

    W is stored compactly as W[e, b] over the entries e of the factors. The factorisation runs in
    the Markowitz order without row pivoting, fully unrolled, on local variables (no aliasing, so
    the compiler keeps them in registers); a lane whose pivot is tiny or not finite is flagged
    instead (ok[b] = 1: reject the step; 2: W is not finite, the patient fails).
    """
    order, filled = markowitz_order(pattern, n)
    pos = {k: r for r, k in enumerate(order)}
    entries = sorted(filled, key=lambda e: (pos[e[0]], pos[e[1]]))
    idx = {e: m for m, e in enumerate(entries)}
    w = {e: f"w{idx[e]}" for e in entries}
    ind8, ind12 = " " * 8, " " * 12
    head = "@numba.njit(cache=True, fastmath=False, error_model='numpy')"

    # in place: jac_w_batch has written the Jacobian's structural entries into W
    asm = [head, "def w_assemble_batch(diag, keep, W, active):", "    for b in range(W.shape[1]):",
           "        if not active[b]:\n            continue"]
    for e in entries:
        i, j = e
        m = idx[e]
        if e in pattern:
            v = f"-W[{m}, b] * keep[b]"
            asm.append(f"{ind8}W[{m}, b] = {v} + diag[b]" if i == j else f"{ind8}W[{m}, b] = {v}")
        else:
            asm.append(f"{ind8}W[{m}, b] = diag[b]" if i == j else f"{ind8}W[{m}, b] = 0.0")

    fac = [head, "def lu_factor_batch(W, active, ok):", "    for b in range(W.shape[1]):",
           "        ok[b] = 0", "        if not active[b]:\n            continue"]
    fac += [f"{ind8}{w[e]} = W[{idx[e]}, b]" for e in entries]
    # scale of each row of the original W: sum of |entries| (non-finite if any entry is)
    fac.append(f"{ind8}bad = 0")
    for k in order:
        row = [w[e] for e in entries if (e[0] == k and e in pattern) or e == (k, k)]
        fac.append(f"{ind8}s{k} = " + " + ".join(f"abs({v})" for v in row))
        fac.append(f"{ind8}if not math.isfinite(s{k}):\n{ind12}bad = 2")
    fac.append(f"{ind8}if bad:\n{ind12}ok[b] = bad\n{ind12}continue")
    for r, k in enumerate(order):
        later = order[r + 1:]
        pk = w[(k, k)]
        fac.append(f"{ind8}if not (abs({pk}) > {PIVOT_RTOL!r} * s{k}) or not math.isfinite({pk}):")
        fac.append(f"{ind12}ok[b] = 1\n{ind12}continue")
        fac.append(f"{ind8}d = 1.0 / {pk}")
        below = [i for i in later if (i, k) in filled]
        right = [j for j in later if (k, j) in filled]
        for i in below:
            fac.append(f"{ind8}{w[(i, k)]} *= d")
            for j in right:
                fac.append(f"{ind8}{w[(i, j)]} -= {w[(i, k)]} * {w[(k, j)]}")
    fac += [f"{ind8}W[{idx[e]}, b] = {w[e]}" for e in entries]

    sol = [head, "def lu_solve_batch(W, K, st, active):", "    for b in range(W.shape[1]):",
           "        if not active[b]:\n            continue"]
    sol += [f"{ind8}x{i} = K[st, {i}, b]" for i in range(n)]
    for r, k in enumerate(order):  # forward: L (unit diagonal) in the elimination order
        for i in order[r + 1:]:
            if (i, k) in filled:
                sol.append(f"{ind8}x{i} -= W[{idx[(i, k)]}, b] * x{k}")
    for r in range(n - 1, -1, -1):  # backward: U
        k = order[r]
        for j in order[r + 1:]:
            if (k, j) in filled:
                sol.append(f"{ind8}x{k} -= W[{idx[(k, j)]}, b] * x{j}")
        sol.append(f"{ind8}x{k} = x{k} / W[{idx[(k, k)]}, b]")
    sol += [f"{ind8}K[st, {i}, b] = x{i}" for i in range(n)]
    rows_cols = ", ".join(f"({i}, {j})" for i, j in entries)
    consts = f"LU_ORDER = ({', '.join(map(str, order))},)\nLU_ENTRIES = ({rows_cols},)\n"
    src = consts + "\n\n" + "\n\n".join("\n".join(x) + "\n" for x in (asm, fac, sol))
    return src, len(entries), idx


def generate_kernels(eq: Equations) -> str:
    """Python source of the model kernels: the five model functions and the sparse LU of W."""
    smap = _symbol_map(eq)
    n = len(eq.species)
    rhs = _kernel(
        "rhs_batch", "t, y, p, out, active", "y.shape[1]",
        [f"out[{i}, b]" for i in range(n)], list(eq.rhs), smap, masked=True,
    )
    jac = eq.jacobian
    entries = [(i, j) for i in range(n) for j in range(n) if jac[i, j] != 0]
    lu_src, n_factor, lu_idx = _sparse_lu_kernels(set(entries), n)
    sparse = lu_mode(n, n_factor) == "sparse"
    # only the kernels of the chosen LU path are generated; the others are stubs (compile time)
    stub = "@numba.njit(cache=True)\ndef {}({}):\n    pass\n"
    if sparse:
        # the sparse path writes the Jacobian straight into the compact W (no dense n x n array)
        jac_src = stub.format("jac_batch", "t, y, p, out, active") + "\n\n" + _kernel(
            "jac_w_batch", "t, y, p, out, active", "y.shape[1]",
            [f"out[{lu_idx[e]}, b]" for e in entries], [jac[i, j] for i, j in entries], smap, masked=True,
        )
    else:
        jac_src = _kernel(
            "jac_batch", "t, y, p, out, active", "y.shape[1]",
            [f"out[{i}, {j}, b]" for i, j in entries], [jac[i, j] for i, j in entries], smap, masked=True,
        ) + "\n\n" + stub.format("jac_w_batch", "t, y, p, out, active")
        lu_src = "\n\n".join(stub.format(*f) for f in (
            ("w_assemble_batch", "diag, keep, W, active"), ("lu_factor_batch", "W, active, ok"),
            ("lu_solve_batch", "W, K, st, active")))
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
        f"DEPENDS_ON_TIME = {bool(eq.depends_on_time)}\n"
        f"SPARSE_LU = {sparse}\nLU_NNZ = {n_factor}\n\n"
    )
    return header + "\n\n".join([rhs, jac_src, dfdt, init, obs, lu_src])
