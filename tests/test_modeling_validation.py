"""Every validation error of the model language names the component and the problem."""

from __future__ import annotations

import pytest
import sympy as sp

from livermet.modeling import Model, ModelValidationError, assumed, calibrated, cite, logitnormal, lognormal
from livermet.modeling.components import Variability

SRC = cite("test source")


def _base() -> tuple[Model, sp.Symbol, sp.Symbol]:
    m = Model("t")
    X = m.species("X", "cell", "tumour", 10.0)
    k = m.parameter("k", 0.1, "1/day", 0.01, 1.0, SRC)
    return m, X, k


def _problems(m: Model, **kw) -> str:
    with pytest.raises(ModelValidationError) as exc:
        m.validate(**kw)
    return str(exc.value)


def test_a_valid_model_passes():
    m, X, k = _base()
    m.process("growth", k * X, {X: 1}, ["s1"])
    m.observable("x", X, "cell")
    assert m.validate() is m


def test_undefined_symbol():
    m, X, k = _base()
    m.process("growth", k * X * sp.Symbol("ghost"), {X: 1}, ["s1"])
    assert "process 'growth' rate: undefined symbol(s) ghost" in _problems(m)


def test_duplicate_name():
    m, X, k = _base()
    m.parameter("X", 1.0, "1/day", 0.5, 2, SRC)
    assert "parameter 'X': the name is already used by a species" in _problems(m)


def test_unit_inconsistency_in_rate():
    m, X, k = _base()
    m.process("growth", k * X * X, {X: 1}, ["s1"])
    msg = _problems(m)
    assert "process 'growth': changes X [cell] at a rate in" in msg and "expected cell / d" in msg


def test_unit_inconsistency_in_a_sum():
    m, X, k = _base()
    m.process("growth", k * (X + k), {X: 1}, ["s1"])
    assert "sum of terms with different units" in _problems(m)


def test_dimensionless_argument_required():
    m, X, k = _base()
    m.process("growth", k * X * sp.exp(X), {X: 1}, ["s1"])
    assert "argument of exp must be dimensionless" in _problems(m)


def test_scale_mismatch_is_an_error():
    m = Model("t")
    A = m.species("A", "mg", "c", 0.0)
    V = m.parameter("V", 3.0, "L", 1, 5, SRC)
    C50 = m.parameter("C50", 1.0, "mg/mL", 0.1, 10, SRC)
    k = m.parameter("k", 0.1, "1/day", 0.01, 1, SRC)
    m.process("elim", k * A * (A / V) / (A / V + C50), {A: -1}, ["s1"])
    assert "sum of terms with different units" in _problems(m)  # mg/L + mg/mL: no silent conversion


def test_negative_initial_value():
    m = Model("t")
    m.species("X", "cell", "tumour", -1.0)
    assert "species 'X': initial value -1.0 must be finite and non-negative" in _problems(m)


def test_initial_value_may_only_use_parameters():
    m, X, k = _base()
    m.species("Y", "cell", "tumour", X * 2)
    assert "species 'Y': initial value may use parameters only" in _problems(m)


def test_process_without_evidence():
    m, X, k = _base()
    m.process("growth", k * X, {X: 1})
    assert "process 'growth': no evidence" in _problems(m)


def test_unknown_statement_id():
    m, X, k = _base()
    m.process("growth", k * X, {X: 1}, ["s_known", "s_missing"])
    msg = _problems(m, known_statements=lambda ids: [i for i in ids if i != "s_known"])
    assert "unknown knowledge statement id(s) s_missing" in msg


def test_parameter_without_source():
    m, X, _ = _base()
    m.parameter("q", 1.0, "1/day", 0.5, 2.0, None)
    assert "parameter 'q': no source" in _problems(m)


def test_parameter_outside_its_range_and_bad_variability():
    m, X, _ = _base()
    m.parameter("q", 5.0, "1/day", 0.5, 2.0, SRC)
    m.parameter("w", 1.0, "1/day", 0.0, 2.0, SRC, lognormal(0.5))
    msg = _problems(m)
    assert "parameter 'q': value 5.0 outside its plausible range [0.5, 2.0]" in msg
    assert "parameter 'w': lognormal variability needs a positive lower bound" in msg


def test_logitnormal_needs_a_value_strictly_inside_its_range():
    m, X, _ = _base()
    m.parameter("f", 0.0, "dimensionless", 0.0, 1.0, SRC, logitnormal(1.0))
    assert "parameter 'f': logitnormal variability needs lower < value < upper" in _problems(m)


def test_a_covariate_tie_needs_a_normal_kind_and_a_correlation_inside_minus_one_to_one():
    m, X, _ = _base()
    m.parameter("u", 1.0, "1/day", 0.1, 2.0, SRC, Variability("uniform", 0.0, "score", 0.5))
    m.parameter("r", 1.0, "1/day", 0.1, 2.0, SRC, lognormal(0.3, "score", 1.0))
    msg = _problems(m)
    assert "parameter 'u': variability tied to covariate 'score' needs a lognormal, normal or logitnormal kind" in msg
    assert "parameter 'r': variability tied to covariate 'score'" in msg and "rho 1.0" in msg
    m2, X2, k2 = _base()
    m2.process("growth", k2 * X2, {X2: 1}, ["s1"])
    m2.observable("x", X2, "cell")
    m2.parameter("ok", 1.0, "1/day", 0.1, 2.0, SRC, lognormal(0.3, "score", 0.5))
    assert m2.validate() is m2


def test_unknown_unit():
    m = Model("t")
    m.species("X", "furlongs_per_fortnight_squared_zz", "c", 1.0)
    assert "unknown unit" in _problems(m)


def test_circular_expressions_and_declared_units():
    m, X, k = _base()
    m.expression("e1", sp.Symbol("e2") * 2, "1/day")
    m.expression("e2", sp.Symbol("e1") / 2, "1/day")
    m.expression("e3", k * X, "1/day")
    msg = _problems(m)
    assert "circular definition" in msg
    assert "expression 'e3': declared unit 1/day" in msg


def test_event_target_must_exist():
    from livermet.modeling import dose

    m, X, k = _base()
    m.event(dose(1.0, "nothing", 5.0))
    assert "target 'nothing' is not a species or parameter" in _problems(m)


def test_source_kinds():
    assert calibrated("T07", "T15").describe().startswith("calibrated to T07, T15")
    with pytest.raises(ValueError):
        calibrated()
    with pytest.raises(ValueError):
        assumed("  ")


def test_all_problems_are_reported_together():
    m = Model("t")
    m.species("X", "cell", "c", -5)
    m.parameter("k", 1.0, "1/day", 0, 2, None)
    err = pytest.raises(ModelValidationError, m.validate).value
    assert len(err.problems) == 2


def test_reference_model_evidence_exists_in_knowledge_base(ref_model):
    from livermet.knowledge import check_statement_ids

    ref_model.validate(known_statements=check_statement_ids)


def test_hooks_collect_contributions_from_other_modules():
    m, X, k = _base()
    with m.module("biology"):
        occ = m.hook("pd1_occupancy", "dimensionless", "fraction of PD-1 signalling blocked")
        m.process("kill", k * X * occ, {X: -1}, ["s1"])
    with m.module("drug"):
        c = m.parameter("c", 0.5, "dimensionless", 0, 1, SRC)
        m.contribute("pd1_occupancy", c)
    m.validate()
    assert m.equations().rhs[0] == -k * X * c
    assert m.hook_contributions_["pd1_occupancy"] == ["drug"]
    with pytest.raises(ValueError, match="has no hook 'ctla4'"):
        m.contribute("ctla4", 1)


def test_a_rate_hook_without_contributions_is_valid():
    m, X, k = _base()
    kill = m.hook("chemo_kill_rate", "1/day", "cytotoxic kill rate")
    m.process("kill", kill * X, {X: -1}, ["s1"])
    m.validate()


def test_jacobian_constant_expression_leaves_the_rhs_and_drops_its_derivatives():
    def build(constant: bool) -> Model:
        m, X, k = _base()
        Y = m.species("Y", "cell", "tumour", 5.0)
        r = m.expression("r", k * X / (X + Y), "1/day", jacobian_constant=constant)
        m.process("growth", r * Y, {Y: 1}, ["s1"])
        return m

    exact, approx = build(False).equations(), build(True).equations()
    assert exact.rhs == approx.rhs  # the dynamics are the same
    X, Y, k = sp.symbols("X Y k")
    r = k * X / (X + Y)
    assert sp.simplify(approx.jacobian[1, 0]) == 0  # dr/dX left out
    assert sp.simplify(approx.jacobian[1, 1] - r) == 0  # only d(r Y)/dY with r held constant
    assert sp.simplify(exact.jacobian[1, 1] - sp.diff(r * Y, Y)) == 0
    assert build(False).hash() != build(True).hash()  # generated kernels differ
