"""Antibody and chemotherapy PK: half-lives, steady-state troughs, covariates, Calvert dosing.

One PK-only model holds all eight antibodies (independent species), simulated with the scipy
backend (no numba compilation): patient 0 gets one dose of each, patient 1 the standard regimen
of each for ~2 years. Time-varying clearance is switched off (tv_max = 0) for the comparisons
with the closed-form two-compartment solution, and on for the direction of its effect.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from livermet.engine import simulate
from livermet.modeling import Model, dose
from livermet.therapy import calvert_dose, get_agent
from livermet.therapy.antibodies import ANTIBODIES

# standard maintenance doses (mg) and intervals (days) at 75 kg
REGIMENS = {
    "nivolumab": (240.0, 14.0),  # 240 mg q2w
    "pembrolizumab": (200.0, 21.0),  # 200 mg q3w
    "atezolizumab": (1200.0, 21.0),  # 1200 mg q3w
    "durvalumab": (1500.0, 28.0),  # 1500 mg q4w
    "ipilimumab": (75.0, 42.0),  # 1 mg/kg q6w at 75 kg
    "tremelimumab": (75.0, 28.0),  # 75 mg q4w
    "bevacizumab": (15.0 * 75, 21.0),  # 15 mg/kg q3w
    "ramucirumab": (10.0 * 75, 21.0),  # 10 mg/kg q3w
}
HORIZON = 700.0
T = np.arange(0.0, HORIZON + 0.5, 0.5)


def two_cpt(a):
    """alpha, beta and the macro-coefficients (per unit dose / Vc) of a 2-cpt IV bolus."""
    k10, k12, k21 = a.cl / a.vc, a.q / a.vc, a.q / a.vp
    s = k10 + k12 + k21
    root = math.sqrt(s * s - 4 * k10 * k21)
    alpha, beta = (s + root) / 2, (s - root) / 2
    A, B = (alpha - k21) / (alpha - beta), (k21 - beta) / (alpha - beta)
    return alpha, beta, A, B


def analytic_trough(a, dose_mg, tau, t=None):
    """Steady-state concentration `t` days after a dose (default: the trough, t = tau)."""
    t = tau if t is None else t
    alpha, beta, A, B = two_cpt(a)
    return dose_mg / a.vc * (A * math.exp(-alpha * t) / (1 - math.exp(-alpha * tau))
                             + B * math.exp(-beta * t) / (1 - math.exp(-beta * tau)))


@pytest.fixture(scope="module")
def pk_runs():
    m = Model("antibody_pk_test")
    for a in ANTIBODIES:
        a.add_to(m, missing_hooks="skip")
    single, multi = [], []
    for a in ANTIBODIES:
        d, tau = REGIMENS[a.id]
        single += a.first_dose_events(0.0) + a.dose_events(0.0, 100.0)
        multi += a.first_dose_events(0.0)
        multi += [e for k in range(int(HORIZON // tau) + 1) for e in a.dose_events(k * tau, d)]
    # sex, ECOG and renal function at the reference of the models that use them (Bajaj 2017, Li 2020: female,
    # ECOG 0, eGFR 90); weight and albumin as in `_ref_scale`
    base = {"cov_weight": 75.0, "cov_albumin": 39.4, "cov_female": 1.0, "cov_ecog": 0.0, "cov_crcl": 90.0}
    tv_off = {f"{a.id}_tv_max": 0.0 for a in ANTIBODIES if a.tv is not None}
    runs = {}
    for name, params in (("off", {**base, **tv_off}), ("on", base)):
        runs[name] = simulate(m, T, params, [single, multi], backend="scipy", n_patients=2, rtol=1e-8, atol=1e-10)
    return m, runs


def _ref_scale(a, weight=75.0, albumin=39.4):
    """CL multiplier of the covariates relative to the model's reference values."""
    f = 1.0
    if a.cl_wt is not None:
        f *= (weight / a.wt_ref) ** a.cl_wt
    if a.cl_alb is not None:
        f *= (albumin / a.alb_ref) ** a.cl_alb
    return f


def _at_reference(a):
    """A copy of the typical values at 75 kg / 39.4 g/L (what the simulation uses)."""
    import copy
    b = copy.copy(a)
    b.cl = a.cl * _ref_scale(a)
    if a.vc_wt is not None:
        b.vc = a.vc * (75.0 / a.wt_ref) ** a.vc_wt
    return b


@pytest.mark.parametrize("agent", [a.id for a in ANTIBODIES])
def test_terminal_half_life_matches_published(pk_runs, agent):
    m, runs = pk_runs
    a = get_agent(agent)
    c = runs["off"].observable(f"{agent}_serum_conc")[0]
    i0, i1 = np.searchsorted(T, 120.0), np.searchsorted(T, 180.0)
    slope = (math.log(c[i1]) - math.log(c[i0])) / (T[i1] - T[i0])
    t_half_sim = math.log(2) / -slope
    # the closed form at the typical values (reference covariates) reproduces the table's value
    _, beta, _, _ = two_cpt(a)
    assert math.log(2) / beta == pytest.approx(a.half_life_published, rel=0.10)
    # the simulation (at 75 kg, albumin 39.4) reproduces the closed form at those covariates
    _, beta_ref, _, _ = two_cpt(_at_reference(a))
    assert t_half_sim == pytest.approx(math.log(2) / beta_ref, rel=0.01)
    assert t_half_sim == pytest.approx(a.half_life_published, rel=0.10)


@pytest.mark.parametrize("agent", [a.id for a in ANTIBODIES])
def test_steady_state_trough_matches_closed_form(pk_runs, agent):
    m, runs = pk_runs
    a = get_agent(agent)
    d, tau = REGIMENS[agent]
    c = runs["off"].observable(f"{agent}_serum_conc")[1]
    last = int(HORIZON // tau) * tau
    i = np.searchsorted(T, last) - 1  # the last grid point before the last dose
    trough_sim = c[i]
    expected = analytic_trough(_at_reference(a), d, tau, tau - (last - T[i]))
    assert trough_sim == pytest.approx(expected, rel=0.10)
    assert trough_sim == pytest.approx(expected, rel=0.02)  # the numerical error is far below 10%


def test_time_varying_clearance_direction(pk_runs):
    """Clearance falls with time on treatment (nivolumab, atezolizumab, durvalumab, tremelimumab with
    durvalumab), so steady-state troughs are higher with the time-varying term than without."""
    m, runs = pk_runs
    for a in ANTIBODIES:
        if a.tv is None:
            continue
        on = runs["on"].observable(f"{a.id}_serum_conc")[1]
        off = runs["off"].observable(f"{a.id}_serum_conc")[1]
        i = np.searchsorted(T, 600.0)
        ratio = on[i] / off[i]
        assert ratio > 1.05, a.id
        # at steady state the trough ratio is close to the clearance ratio 1 / exp(tv_max)
        assert ratio == pytest.approx(math.exp(-a.tv[0]), rel=0.08), a.id


def test_body_weight_raises_clearance():
    """A heavier patient clears nivolumab faster: AUC ratio = (w2/w1)^-0.566 (Bajaj 2017)."""
    a = get_agent("nivolumab")
    m = Model("nivo_only")
    a.add_to(m, missing_hooks="skip")
    t = np.linspace(0, 500, 2001)
    ev = a.first_dose_events(0) + a.dose_events(0, 240.0)
    r = simulate(m, t, {"cov_weight": [60.0, 120.0], "nivolumab_tv_max": 0.0}, ev, backend="scipy",
                 rtol=1e-8, atol=1e-10)
    c = r.observable("nivolumab_serum_conc")
    auc = np.trapezoid(c, t, axis=1)
    assert auc[1] / auc[0] == pytest.approx(2.0 ** -0.566, rel=0.02)


@pytest.mark.parametrize("agent,cov,expected", [
    # Bajaj 2017 Table 1: male exp(0.165), ECOG >= 1 exp(0.172), eGFR power 0.186 (reference female, ECOG 0, 90)
    ("nivolumab", {"cov_female": 0.0}, math.exp(0.165)),
    ("nivolumab", {"cov_ecog": 1.0}, math.exp(0.172)),
    ("nivolumab", {"cov_ecog": 2.0}, math.exp(0.172)),
    ("nivolumab", {"cov_crcl": 45.0}, 0.5 ** 0.186),
    ("nivolumab", {"cov_female": 0.0, "cov_ecog": 1.0}, math.exp(0.165 + 0.172)),
    # Li 2020 Table 2: CL x 1.262 in males (reference female)
    ("bevacizumab", {"cov_female": 0.0}, 1.262),
])
def test_sex_ecog_renal_covariates_on_clearance(agent, cov, expected):
    """Single-dose AUC = dose / CL, so the AUC ratio against the reference patient is 1 / the CL factor."""
    a = get_agent(agent)
    m = Model(f"{agent}_cov")
    a.add_to(m, missing_hooks="skip")
    ref = {"cov_weight": a.wt_ref, "cov_female": 1.0, "cov_ecog": 0.0, "cov_crcl": 90.0}
    if a.tv is not None:
        ref[f"{agent}_tv_max"] = 0.0
    params = {k: [v, cov.get(k, v)] for k, v in ref.items() if m.has(k)}
    t = np.linspace(0, 1500, 6001)
    r = simulate(m, t, params, a.first_dose_events(0) + a.dose_events(0, 300.0), backend="scipy",
                 rtol=1e-9, atol=1e-12)
    c = r.observable(f"{agent}_serum_conc")
    auc = np.trapezoid(c, t, axis=1)
    assert auc[1] / auc[0] == pytest.approx(1.0 / expected, rel=0.01)


def test_calvert_formula():
    assert calvert_dose(5, 100) == pytest.approx(5 * 125)
    assert calvert_dose(6, 60) == pytest.approx(6 * 85)
    assert calvert_dose(5, 180) == pytest.approx(5 * 150)  # GFR capped at 125 mL/min
    assert calvert_dose(5, 180, cap_ml_min=None) == pytest.approx(5 * 205)
    with pytest.raises(ValueError):
        calvert_dose(-1, 100)


def test_carboplatin_pk_reaches_target_auc():
    """Carboplatin CL = GFR + 25 mL/min in the PK model, so a Calvert dose gives the target AUC."""
    a = get_agent("carboplatin")
    m = Model("carbo_only")
    a.add_to(m, missing_hooks="skip")
    t = np.linspace(0, 5, 5001)
    auc_target, crcl = 5.0, 80.0
    ev = a.dose_events(0.0, calvert_dose(auc_target, crcl))
    r = simulate(m, t, {"cov_crcl": crcl}, ev, backend="scipy", rtol=1e-9, atol=1e-12)
    c = r.observable("carboplatin_plasma_conc")[0]  # mg/L
    auc_mg_min_ml = np.trapezoid(c, t) * 1440 / 1000  # mg/L * day -> mg * min / mL
    assert auc_mg_min_ml == pytest.approx(auc_target, rel=0.02)


def test_pemetrexed_clearance_follows_renal_function():
    a = get_agent("pemetrexed")
    m = Model("pem_only")
    a.add_to(m, missing_hooks="skip")
    t = np.linspace(0, 10, 2001)
    r = simulate(m, t, {"cov_crcl": [46.8, 93.6]}, a.dose_events(0.0, 900.0), backend="scipy", rtol=1e-9,
                 atol=1e-12)
    auc = np.trapezoid(r.observable("pemetrexed_plasma_conc"), t, axis=1)
    assert auc[0] / auc[1] == pytest.approx(2 ** 0.58, rel=0.03)  # CL ~ CrCL^0.58 (Cao 2022)


def test_nab_paclitaxel_follows_the_saturable_chen_2014_model():
    """nab-paclitaxel PK is the Chen 2014 three-compartment model with saturable elimination and
    distribution: the engine reproduces an independent solution of the published equations (in the
    paper's units, ug and h) and exposure rises more than proportionally with dose."""
    from scipy.integrate import solve_ivp

    a = get_agent("nab_paclitaxel")
    m = Model("nab_only")
    a.add_to(m, missing_hooks="skip")
    t = np.linspace(0.0, 7.0, 7 * 96 + 1)
    doses = [100 * 1.85, 260 * 1.85]  # mg (mg/m2 x 1.85 m2), as boluses
    ev = [a.dose_events(0.0, d) for d in doses]
    r = simulate(m, t, {"cov_albumin": 39.0}, ev, backend="scipy", n_patients=2, rtol=1e-9, atol=1e-12)
    c = r.observable("nab_paclitaxel_plasma_conc")  # mg/L

    def chen(_t, y):  # Chen 2014 Table 2, ug, L, h; albumin at the median (3.9 g/dL)
        c1, c2, c3 = y[0] / 15.8, y[1] / 1650.0, y[2] / 75.4
        dist = 325000 * (c1 / (4260 + c1) - c2 / (4260 + c2))
        lin = 41.6 * (c1 - c3)
        return [-8070 * c1 / (40.2 + c1) - dist - lin, dist, lin]

    for i, d in enumerate(doses):
        ref = solve_ivp(chen, (0, t[-1] * 24), [d * 1000, 0, 0], t_eval=t * 24, method="LSODA",
                        rtol=1e-10, atol=1e-9).y[0] / 15.8 / 1000  # mg/L
        sel = ref > 1e-4
        assert np.allclose(c[i][sel], ref[sel], rtol=0.01)
    auc = np.trapezoid(c, t, axis=1)
    assert (auc[1] / doses[1]) / (auc[0] / doses[0]) > 1.3  # saturable: dose-normalised AUC grows with dose
