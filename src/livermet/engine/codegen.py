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
    temps, reduced = sp.cse(exprs, symbols=sp.numbered_symbols("x_"), optimizations=None)
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
# not trusted, and that patient's step is factored densely with partial pivoting instead.
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

    The generated sparse LU (static Markowitz order, no row pivoting) is the default when the
    factors are sparse (at most half of n x n entries): it is about 2.7x faster than the dense LU
    on the 55-species liver model. A step whose static-order pivot is tiny is factored densely with
    partial pivoting for that patient (rodas_template.py), so it is as robust as the dense LU.
    LIVERMET_LU=dense or =sparse forces one path.
    """
    forced = os.environ.get("LIVERMET_LU", "auto")
    if forced in ("dense", "sparse"):
        return forced
    return "sparse" if n_factor <= n * n / 2 else "dense"


# The sparse LU's loops; the generated module supplies its index arrays (see _sparse_lu_kernels).
# Each loop runs over the patients innermost, so a formula is applied to a whole batch at once.
_SPARSE_LU_FUNCTIONS = """
@numba.njit(cache=True, fastmath=False, error_model='numpy')
def w_assemble_batch(diag, keep, W, active):
    for m in range(W.shape[0]):
        if LU_IN_PATTERN[m]:
            for b in range(W.shape[1]):
                W[m, b] = -W[m, b] * keep[b]
        else:
            for b in range(W.shape[1]):
                W[m, b] = 0.0
        if LU_IS_DIAG[m]:
            for b in range(W.shape[1]):
                W[m, b] += diag[b]


@numba.njit(cache=True, fastmath=False, error_model='numpy')
def lu_factor_batch(W, active, ok, scale, inv):
    # scale (n x B) and inv (B) are the caller's work arrays: no allocation per step
    B = W.shape[1]
    n = LU_PIV.shape[0]
    scale[:, :] = 0.0
    for b in range(B):
        ok[b] = 0
    for r in range(n):
        for q in range(LU_ROW_PTR[r], LU_ROW_PTR[r + 1]):
            m = LU_ROW_IDX[q]
            for b in range(B):
                scale[r, b] += abs(W[m, b])
        for b in range(B):
            if active[b] and not math.isfinite(scale[r, b]):
                ok[b] = 2
    for r in range(n):
        pm = LU_PIV[r]
        for b in range(B):
            pv = W[pm, b]
            if active[b] and ok[b] == 0 and not (abs(pv) > PIVOT_RTOL * scale[r, b] and math.isfinite(pv)):
                ok[b] = 1
            inv[b] = 1.0 / pv if ok[b] == 0 and pv != 0.0 else 0.0
        for s in range(LU_L_PTR[r], LU_L_PTR[r + 1]):
            ms = LU_L_IDX[s]
            for b in range(B):
                W[ms, b] *= inv[b]
            for o in range(LU_OP_PTR[s], LU_OP_PTR[s + 1]):
                t = LU_OP_T[o]
                u = LU_OP_U[o]
                for b in range(B):
                    W[t, b] -= W[ms, b] * W[u, b]


@numba.njit(cache=True, fastmath=False, error_model='numpy')
def lu_solve_batch(W, K, st):
    # every lane is solved (no mask, so the loops vectorise): the caller sets the W of a lane
    # that must keep its K (dense fallback, finished) to the identity, which leaves K unchanged
    B = W.shape[1]
    n = LU_PIV.shape[0]
    for r in range(n):
        k = LU_PIV_ROW[r]
        for s in range(LU_L_PTR[r], LU_L_PTR[r + 1]):
            i = LU_L_ROW[s]
            m = LU_L_IDX[s]
            for b in range(B):
                K[st, i, b] -= W[m, b] * K[st, k, b]
    for r in range(n - 1, -1, -1):
        k = LU_PIV_ROW[r]
        for q in range(LU_U_PTR[r], LU_U_PTR[r + 1]):
            j = LU_U_COL[q]
            m = LU_U_IDX[q]
            for b in range(B):
                K[st, k, b] -= W[m, b] * K[st, j, b]
        pm = LU_PIV[r]
        for b in range(B):
            K[st, k, b] = K[st, k, b] / W[pm, b]


@numba.njit(cache=True)
def w_identity(W, b):
    for m in range(W.shape[0]):
        W[m, b] = 1.0 if LU_IS_DIAG[m] else 0.0


@numba.njit(cache=True)
def w_scatter_dense(W, b, D):
    D[b, :, :] = 0.0
    for m in range(W.shape[0]):
        D[b, LU_ENT_I[m], LU_ENT_J[m]] = W[m, b]
"""


def _int_array(name: str, values) -> str:
    return f"{name} = np.array([{', '.join(str(int(v)) for v in values)}], dtype=np.int64)\n"


def _sparse_lu_kernels(pattern: set[tuple[int, int]], n: int) -> tuple[str, int, dict]:
    """Source of w_assemble_batch, lu_factor_batch, lu_solve_batch, w_identity and w_scatter_dense
    for a static sparsity pattern.

    W is stored compactly as W[e, b] over the entries e of the factors (pattern, fill-in and
    diagonal). The factorisation runs in the Markowitz order without row pivoting, as loops over
    index arrays computed here (loops, not unrolled code, so the kernels compile in seconds). A lane
    whose pivot is tiny is flagged (ok[b] = 1; the solver rebuilds its unfactored W and factors it
    densely with pivoting), a lane whose W is not finite too (ok[b] = 2: the patient fails).
    """
    order, filled = markowitz_order(pattern, n)
    pos = {k: r for r, k in enumerate(order)}
    entries = sorted(filled, key=lambda e: (pos[e[0]], pos[e[1]]))
    idx = {e: m for m, e in enumerate(entries)}
    piv, row_ptr, row_idx = [], [0], []
    l_ptr, l_idx, l_row, u_ptr, u_idx, u_col = [0], [], [], [0], [], []
    op_ptr, op_t, op_u = [0], [], []
    for r, k in enumerate(order):
        later = order[r + 1:]
        piv.append(idx[(k, k)])
        # scale of row k of the original W (its structural entries and the diagonal)
        row_idx += [idx[e] for e in entries if e[0] == k and (e in pattern or e == (k, k))]
        row_ptr.append(len(row_idx))
        below = [i for i in later if (i, k) in filled]
        right = [j for j in later if (k, j) in filled]
        for i in below:
            l_idx.append(idx[(i, k)])
            l_row.append(i)
            for j in right:
                op_t.append(idx[(i, j)])
                op_u.append(idx[(k, j)])
            op_ptr.append(len(op_t))
        l_ptr.append(len(l_idx))
        for j in right:
            u_idx.append(idx[(k, j)])
            u_col.append(j)
        u_ptr.append(len(u_idx))
    consts = "".join(_int_array(name, v) for name, v in (
        ("LU_PIV", piv), ("LU_PIV_ROW", order), ("LU_ROW_PTR", row_ptr), ("LU_ROW_IDX", row_idx),
        ("LU_L_PTR", l_ptr), ("LU_L_IDX", l_idx), ("LU_L_ROW", l_row), ("LU_U_PTR", u_ptr), ("LU_U_IDX", u_idx),
        ("LU_U_COL", u_col), ("LU_OP_PTR", op_ptr), ("LU_OP_T", op_t), ("LU_OP_U", op_u),
        ("LU_ENT_I", [e[0] for e in entries]), ("LU_ENT_J", [e[1] for e in entries]),
        ("LU_IN_PATTERN", [e in pattern for e in entries]), ("LU_IS_DIAG", [e[0] == e[1] for e in entries])))
    consts += f"PIVOT_RTOL = {PIVOT_RTOL!r}\n"
    return consts + _SPARSE_LU_FUNCTIONS, len(entries), idx


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
            ("w_assemble_batch", "diag, keep, W, active"), ("lu_factor_batch", "W, active, ok, scale, inv"),
            ("lu_solve_batch", "W, K, st"), ("w_identity", "W, b"), ("w_scatter_dense", "W, b, D")))
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
