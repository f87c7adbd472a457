"""Cross-backend agreement, analytic PK, event exactness, stiff problems and failure handling."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.linalg import expm

from livermet.engine import relative_error, simulate
from livermet.modeling import Model, assumed, dose, set_value
from livermet.population import sample_parameters

TIGHT = {"rtol": 1e-10, "atol": 1e-10}


def _max_rel(a, b, floor=1e-6):
    return float(np.nanmax(relative_error(a, b, floor)))


@pytest.fixture(scope="module")
def cohort(ref_model):
    return sample_parameters(ref_model, 6, seed=3)


def test_three_backends_agree_on_reference_model(ref_model, cohort):
    t = np.linspace(0, 365, 53)
    res = {b: simulate(ref_model, t, cohort, backend=b, **TIGHT) for b in ("numba", "scipy", "roadrunner")}
    for r in res.values():
        assert (r.status == 0).all()
    for other in ("scipy", "roadrunner"):
        for k, name in enumerate(res["numba"].observable_names):
            err = _max_rel(res["numba"].observables[:, :, k], res[other].observables[:, :, k])
            assert err < 1e-5, f"{name}: numba vs {other} max relative error {err:.2e}"


def _analytic_pk(pk_model, t, doses):
    """Exact solution of the linear two-compartment PK by matrix exponentials and superposition."""
    p = pk_model.parameter_values()
    kel, k12, k21 = p["CL"] / p["V_c"], p["Q"] / p["V_c"], p["Q"] / p["V_p"]
    A = np.array([[-kel - k12, k21], [k12, -k21]])
    out = np.zeros((len(t), 2))
    for td, amount in doses:
        for i, ti in enumerate(t):
            if ti >= td:
                out[i] += expm(A * (ti - td)) @ np.array([amount, 0.0])
    return out


def test_pk_matches_analytic_solution_with_repeated_doses(pk_model):
    t = np.linspace(0, 730, 293)  # 2.5-day grid: doses every 21 days fall on and off it
    res = simulate(pk_model, t, **TIGHT)
    exact = _analytic_pk(pk_model, t, [(e.time, e.value) for e in pk_model.events_])
    assert _max_rel(res.species_values("A_c")[0], exact[:, 0], 1e-9) < 1e-6
    assert _max_rel(res.species_values("A_p")[0], exact[:, 1], 1e-9) < 1e-6


def test_outputs_between_steps_come_from_the_dense_output(pk_model):
    """A finer output grid must not cost steps (outputs are interpolated, not stepped to), and the
    interpolated values must keep the accuracy of the steps (the dense output of the Rosenbrock method)."""
    coarse = simulate(pk_model, np.linspace(0, 730, 3), rtol=1e-6, atol=1e-9)
    fine_t = np.linspace(0, 730, 7301)  # 0.1-day grid, many outputs inside every step
    fine = simulate(pk_model, fine_t, rtol=1e-6, atol=1e-9)
    assert fine.stats["accepted_steps"][0] == coarse.stats["accepted_steps"][0]
    exact = _analytic_pk(pk_model, fine_t, [(e.time, e.value) for e in pk_model.events_])
    err = relative_error(fine.species_values("A_c")[0], exact[:, 0], 1e-6)
    assert np.nanmax(err) < 1e-4
    assert np.nanmedian(err) < 1e-6


def test_dose_between_output_times_is_exact(pk_model):
    m = Model("pk_no_schedule")
    from livermet.biology.reference import antibody_pk_module

    antibody_pk_module(m, n_doses=0)
    t = np.arange(0.0, 30.0, 1.0)
    doses = [(3.3, 200.0), (17.77, 100.0)]
    res = simulate(m, t, events=[dose(td, "A_c", a) for td, a in doses], **TIGHT)
    exact = _analytic_pk(m, t, doses)
    assert res.species_values("A_c")[0, 3] == 0.0  # day 3: before the first dose
    assert _max_rel(res.species_values("A_c")[0], exact[:, 0], 1e-9) < 1e-6
    # an output exactly at a dose time reports the state after the dose
    res2 = simulate(m, np.array([0.0, 5.0, 10.0]), events=[dose(5.0, "A_c", 50.0)], **TIGHT)
    assert res2.species_values("A_c")[0, 1] == pytest.approx(50.0, rel=1e-12)


def test_parameter_step_event_switches_an_infusion():
    m = Model("infusion")
    with m.module("pk"):
        A = m.species("A", "mg", "body", 0.0)
        rate = m.parameter("rate", 0.0, "mg/day", 0.0, 100.0, assumed("test infusion rate"))
        k = m.parameter("k", 0.5, "1/day", 0.1, 1.0, assumed("test elimination"))
        m.process("infusion", rate, {A: 1}, ["test"])
        m.process("elimination", k * A, {A: -1}, ["test"])
        m.observable("amount", A, "mg")
    t = np.array([0.0, 1.0, 2.5, 4.0])
    res = simulate(m, t, events=[set_value(1.0, "rate", 10.0), set_value(2.5, "rate", 0.0)], **TIGHT)
    a = res.observable("amount")[0]
    on = 10.0 / 0.5 * (1 - np.exp(-0.5 * 1.5))
    assert a[1] == 0.0
    assert a[2] == pytest.approx(on, rel=1e-8)
    assert a[3] == pytest.approx(on * np.exp(-0.5 * 1.5), rel=1e-8)
    for backend in ("scipy", "roadrunner"):
        other = simulate(m, t, events=[set_value(1.0, "rate", 10.0), set_value(2.5, "rate", 0.0)],
                         backend=backend, **TIGHT)
        assert _max_rel(other.observable("amount")[0], a, 1e-9) < 1e-6


def test_stiff_robertson_problem_matches_scipy_radau(robertson):
    m = robertson
    t = np.array([0.0, 0.4, 4.0, 40.0, 400.0, 4e3, 4e4])
    ours = simulate(m, t, rtol=1e-8, atol=1e-14)
    ref = simulate(m, t, backend="scipy", method="Radau", rtol=1e-10, atol=1e-16)
    assert ours.status[0] == 0
    for name in ("obs_A", "obs_C"):
        assert _max_rel(ours.observable(name), ref.observable(name), 1e-12) < 1e-5
    total = ours.species[0].sum(axis=1)  # mass conservation A + B + C = 1
    assert np.allclose(total, 1.0, atol=1e-9)


def test_error_shrinks_with_tolerance(pk_model):
    t = np.linspace(0, 200, 41)
    exact = _analytic_pk(pk_model, t, [(e.time, e.value) for e in pk_model.events_ if e.time <= 200])
    errs = []
    for tol in (1e-4, 1e-7, 1e-10):
        r = simulate(pk_model, t, rtol=tol, atol=tol)
        errs.append(_max_rel(r.species_values("A_c")[0], exact[:, 0], 1e-6))
    assert errs[0] < 1e-2 and errs[2] < 1e-8
    assert errs[0] > errs[1] > errs[2]


def test_failed_patient_is_flagged_and_batch_goes_on():
    m = Model("blowup")
    with m.module("growth"):
        X = m.species("X", "cell", "dish", 1.0)
        r = m.parameter("r", 0.1, "1/cell/day", 0.0, 10.0, assumed("test"))
        m.process("autocatalysis", r * X**2, {X: 1}, ["test"])  # blows up at t = 1/(r X0)
        m.observable("x", X, "cell")
    t = np.linspace(0, 5, 6)
    res = simulate(m, t, {"r": [0.1, 1.0, 0.05]}, max_steps=20_000)
    assert list(res.status == 0) == [True, False, True]
    assert "ok" not in res.messages[1]
    assert np.isfinite(res.observable("x")[0]).all() and np.isfinite(res.observable("x")[2]).all()
    assert np.isnan(res.observable("x")[1, -1])
    assert len(res.failures()) == 1


def test_result_converts_to_pandas_and_xarray(ref_model, cohort):
    res = simulate(ref_model, np.linspace(0, 30, 4), cohort)
    df = res.to_pandas()
    assert len(df) == 6 * 4 and set(res.observable_names) <= set(df.columns)
    ds = res.to_xarray()
    assert ds["tumour_diameter"].shape == (6, 4)


def test_bad_inputs_give_clear_errors(ref_model):
    with pytest.raises(ValueError, match="unknown parameter"):
        simulate(ref_model, [0, 1], {"nope": [1.0]})
    with pytest.raises(ValueError, match="strictly increasing"):
        simulate(ref_model, [0, 2, 1])
    with pytest.raises(ValueError, match="unknown backend"):
        simulate(ref_model, [0, 1], backend="matlab")
    with pytest.raises(ValueError, match="not a species or parameter"):
        simulate(ref_model, [0, 1], events=[dose(0.5, "ghost", 1.0)])


def test_stiff_linear_system_that_needs_row_pivoting_matches_matrix_exponential():
    """y' = A y with a fast mode coupled below the diagonal: once the step grows past ~1e-6 day the
    iteration matrix I/(h gamma) - J must swap rows, which exercises the pivoted LU and its solve."""
    A = np.array([[-1.0, 0.0, 0.0], [1e6, -1e6, 0.0], [5.0, 3e6, -2.0]])
    m = Model("pivoting")
    src = assumed("test matrix")
    with m.module("linear"):
        ys = [m.species(f"y{i}", "mg", "c", v) for i, v in enumerate((1.0, 2.0, 3.0))]
        ks = {}
        for i in range(3):
            for j in range(3):
                if A[i, j] != 0:
                    ks[i, j] = m.parameter(f"a{i}{j}", A[i, j], "1/day", -1e7, 1e7, src)
        for i in range(3):
            m.process(f"d{i}", sum(ks[i, j] * ys[j] for j in range(3) if (i, j) in ks), {ys[i]: 1}, ["test"])
            m.observable(f"o{i}", ys[i], "mg")
    t = np.array([0.0, 0.01, 0.1, 1.0, 3.0, 10.0])
    exact = np.array([expm(A * ti) @ np.array([1.0, 2.0, 3.0]) for ti in t])
    res = simulate(m, t, rtol=1e-10, atol=1e-12)
    assert res.status[0] == 0
    assert np.max(np.abs(res.species[0] - exact) / np.maximum(np.abs(exact), 1e-9)) < 1e-6


def _sparse_lu_module(tmp_path, pattern, n):
    """The generated sparse LU kernels of a pattern, imported from a file (numba caches by file)."""
    import importlib.util

    from livermet.engine.codegen import _sparse_lu_kernels

    src, nnz, _ = _sparse_lu_kernels(pattern, n)
    path = tmp_path / "sparse_lu_kernels.py"
    path.write_text("import math\nimport numba\nimport numpy as np\n\n" + src)
    spec = importlib.util.spec_from_file_location("sparse_lu_kernels_test", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod, nnz


def _jacobian_into(mod, J, W):
    """What the generated jac_w_batch does: the Jacobian's entries into the compact W."""
    for m, (i, j) in enumerate(zip(mod.LU_ENT_I, mod.LU_ENT_J)):
        W[m] = J[i, j]


def test_generated_sparse_lu_solves_like_numpy(tmp_path):
    """Factor + solve of the generated static-order LU on random matrices with a sparse pattern."""
    rng = np.random.default_rng(5)
    n, B = 18, 7
    pattern = {(i, j) for i in range(n) for j in range(n) if i != j and rng.random() < 0.15}
    pattern |= {(i, i) for i in range(0, n, 2)}  # structurally zero diagonal entries too
    mod, nnz = _sparse_lu_module(tmp_path, pattern, n)
    J = np.zeros((n, n, B))
    for i, j in pattern:
        J[i, j] = rng.normal(size=B)
    diag = np.full(B, float(n))  # W = diag I - J: non-singular, pivots away from zero
    keep, active = np.ones(B), np.ones(B, dtype=np.bool_)
    W = np.zeros((nnz, B))
    ok = np.full(B, -1, dtype=np.int64)
    _jacobian_into(mod, J, W)
    mod.w_assemble_batch(diag, keep, W, active)
    mod.lu_factor_batch(W, active, ok, np.zeros((n, B)), np.zeros(B))
    assert (ok == 0).all()
    K = rng.normal(size=(6, n, B))
    rhs = K[2].copy()
    mod.lu_solve_batch(W, K, 2)
    for b in range(B):
        dense = diag[b] * np.eye(n) - J[:, :, b]
        np.testing.assert_allclose(K[2, :, b], np.linalg.solve(dense, rhs[:, b]), rtol=1e-10, atol=1e-12)
    # a zero pivot flags the lane (ok = 1: factor it densely), a non-finite W fails it (ok = 2)
    J[:, :, 1] = 0.0
    diag[1] = 0.0
    J[4, 4, 2] = np.nan
    _jacobian_into(mod, J, W)
    mod.w_assemble_batch(diag, keep, W, active)
    mod.lu_factor_batch(W, active, ok, np.zeros((n, B)), np.zeros(B))
    assert ok[1] == 1 and ok[2] == 2 and ok[0] == 0 and ok[3] == 0


def test_tiny_pivot_rejects_the_step_instead_of_failing(monkeypatch):
    """y' = 4 y with h0 = 1: W = 1/(h 0.25) - 4 = 0 exactly. The sparse LU does not pivot, so it
    must reject that step and retry with h/2 rather than fail the patient."""
    monkeypatch.setenv("LIVERMET_LU", "sparse")
    m = Model("zero_pivot")
    with m.module("growth"):
        X = m.species("X", "cell", "dish", 1.0)
        a = m.parameter("a", 4.0, "1/day", 0.0, 10.0, assumed("test"))
        m.process("growth", a * X, {X: 1}, ["test"])
        m.observable("x", X, "cell")
    t = np.array([0.0, 2.0])
    res = simulate(m, t, h0=1.0, rtol=1e-10, atol=1e-12)
    assert res.status[0] == 0
    assert res.stats["rejected_steps"][0] >= 1
    assert _max_rel(res.observable("x")[0], np.exp(4.0 * t)) < 1e-7


def test_sparse_lu_falls_back_to_pivoting_on_a_tiny_static_pivot(monkeypatch):
    """x' = 4 x + y, y' = x with h0 = 1: W = [[0, -1], [-1, 4]]. The static order's first pivot is
    exactly zero, but W is regular: the lane is factored densely with row pivoting for that step, and
    the solution matches the matrix exponential."""
    from scipy.linalg import expm

    monkeypatch.setenv("LIVERMET_LU", "sparse")
    m = Model("pivot_fallback")
    with m.module("linear"):
        X = m.species("X", "cell", "dish", 1.0)
        Y = m.species("Y", "cell", "dish", 1.0)
        a = m.parameter("a", 4.0, "1/day", 0.0, 10.0, assumed("test"))
        m.process("growth", a * X, {X: 1}, ["test"])
        m.process("feed_x", Y, {X: 1}, ["test"])
        m.process("feed_y", X, {Y: 1}, ["test"])
        m.observable("x", X, "cell")
    t = np.array([0.0, 1.0, 1.5])
    res = simulate(m, t, h0=1.0, rtol=1e-10, atol=1e-12)
    assert res.status[0] == 0
    exact = np.array([(expm(np.array([[4.0, 1.0], [1.0, 0.0]]) * ti) @ np.ones(2))[0] for ti in t])
    assert _max_rel(res.observable("x")[0], exact) < 1e-7
    # the zero pivot costs no rejected step: as many rejections as from a start without it
    other = simulate(m, t, h0=0.9, rtol=1e-10, atol=1e-12)
    assert res.stats["rejected_steps"][0] <= other.stats["rejected_steps"][0]
