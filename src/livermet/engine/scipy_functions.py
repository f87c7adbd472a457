"""Lambdified right-hand side, Jacobian, initial values and observables of a model (numpy),
used by the per-patient reference backends."""

from __future__ import annotations

import sympy as sp

from ..modeling.model import TIME, Model


class ModelFunctions:
    def __init__(self, model: Model):
        eq = model.equations()
        self.eq = eq
        y = [sp.Symbol(s) for s in eq.species]
        p = [sp.Symbol(n) for n in eq.parameters]
        args = [TIME, y, p]
        self.rhs = sp.lambdify(args, list(eq.rhs), modules="numpy", cse=True)
        self.jac = sp.lambdify(args, eq.jacobian, modules="numpy", cse=True)
        self.init = sp.lambdify([p], list(eq.initials), modules="numpy")
        self.obs = sp.lambdify(args, list(eq.observable_exprs), modules="numpy", cse=True)


_cache: dict[str, ModelFunctions] = {}


def functions(model: Model) -> ModelFunctions:
    key = model.hash()
    if key not in _cache:
        _cache[key] = ModelFunctions(model)
    return _cache[key]
