"""The Rosenbrock tableau of the numba engine has the order it claims.

One step of the method is written out here in numpy from the template's coefficients and applied to
a small non-autonomous nonlinear system. Halving the step must shrink the local error by about 2^6
(order 5) and the embedded error estimate by about 2^5, and the dense output must stay within the
accuracy of the step: a wrong or mistyped coefficient breaks one of these.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
from scipy.integrate import solve_ivp

import livermet.engine

_spec = importlib.util.spec_from_file_location(
    "rodas_template_constants", Path(livermet.engine.__file__).with_name("rodas_template.py"))
R = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(R)  # defines the constants and (uncompiled) numba functions only


def f(t, y):
    return np.array([-y[0] * y[1] + np.cos(t), -0.5 * y[1] + y[0] ** 2])


def jac(t, y):
    return np.array([[-y[1], -y[0]], [2 * y[0], -0.5]])


def dfdt(t, y):
    return np.array([-np.sin(t), 0.0])


Y0, T0 = np.array([1.0, 0.5]), 0.3


def step(h):
    """One step from (T0, Y0): the new solution, the error estimate and the dense output at s."""
    n = len(Y0)
    G = np.eye(n) / (h * R.RODAS_GAMMA[0]) - jac(T0, Y0)
    K = np.zeros((R.RODAS_S, n))
    for i in range(R.RODAS_S):
        yi = Y0 + R.RODAS_A[i, :i] @ K[:i]
        rhs = f(T0 + R.RODAS_ALPHA[i] * h, yi) + R.RODAS_GAMMA[i] * h * dfdt(T0, Y0) + (R.RODAS_C[i, :i] / h) @ K[:i]
        K[i] = np.linalg.solve(G, rhs)
    y1 = Y0 + R.RODAS_M @ K

    def dense(s):
        c = R.RODAS_H @ K
        return (1 - s) * Y0 + s * (y1 + (1 - s) * (c[0] + s * (c[1] + s * c[2])))

    return y1, K[-1], dense


def exact(t):
    return solve_ivp(f, (T0, t), Y0, method="DOP853", rtol=1e-13, atol=1e-15).y[:, -1]


@pytest.mark.parametrize("h", [0.08, 0.04])
def test_local_error_has_order_five(h):
    big, small = (np.linalg.norm(step(x)[0] - exact(T0 + x)) for x in (h, h / 2))
    assert 2 ** 5.5 < big / small < 2 ** 6.5  # local error O(h^6)


def test_embedded_error_estimate_has_order_four():
    e1, e2 = (np.linalg.norm(step(x)[1]) for x in (0.08, 0.04))
    assert 2 ** 4.5 < e1 / e2 < 2 ** 5.5  # the estimate is O(h^5)
    assert np.linalg.norm(step(0.04)[1]) > np.linalg.norm(step(0.04)[0] - exact(T0 + 0.04))  # and it is conservative


def test_dense_output_is_accurate_inside_the_step():
    h = 0.05
    y1, _, dense = step(h)
    assert np.allclose(dense(0.0), Y0) and np.allclose(dense(1.0), y1)
    for s in (0.25, 0.5, 0.8):
        err = np.linalg.norm(dense(s) - exact(T0 + s * h))
        assert err < 1e-7, (s, err)  # order 4 dense output: O(h^5), well below linear interpolation (~1e-4)
