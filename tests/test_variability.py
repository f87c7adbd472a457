"""Between-patient variability kinds: samples stay in the plausible range and keep their median."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from livermet.modeling import logitnormal, lognormal, normal
from livermet.modeling.components import Variability


@settings(max_examples=40, deadline=None)
@given(lower=st.floats(-5, 5), width=st.floats(0.1, 10), position=st.floats(0.02, 0.98),
       sigma=st.floats(0.05, 4), seed=st.integers(0, 2**32 - 1))
def test_logitnormal_stays_inside_the_range_and_keeps_the_median(lower, width, position, sigma, seed):
    upper = lower + width
    value = lower + position * width
    x = logitnormal(sigma).sample(value, lower, upper, np.random.default_rng(seed), 4001)
    assert np.all((x >= lower) & (x <= upper))
    # the logit transform is monotone, so the median maps onto the parameter value
    assert abs(np.median(x) - value) < 0.12 * width


def test_logitnormal_spread_grows_with_sigma_and_matches_the_logit_scale():
    rng = np.random.default_rng(0)
    narrow = logitnormal(0.3).sample(0.2, 0.0, 1.0, rng, 20000)
    wide = logitnormal(2.0).sample(0.2, 0.0, 1.0, rng, 20000)
    assert np.std(narrow) < np.std(wide)
    logit = np.log(wide / (1 - wide))
    assert abs(np.std(logit) - 2.0) < 0.05
    assert abs(np.median(logit) - np.log(0.2 / 0.8)) < 0.05


def test_other_kinds_are_unchanged_by_the_new_one():
    # one standard normal per draw for each kind, so adding a kind moves no other patient's values
    a = lognormal(0.5).sample(2.0, 0.1, 10.0, np.random.default_rng(7), 3)
    b = normal(0.5).sample(2.0, 0.1, 10.0, np.random.default_rng(7), 3)
    z = np.random.default_rng(7).standard_normal(3)
    assert np.allclose(a, np.clip(2.0 * np.exp(0.5 * z), 0.1, 10.0))
    assert np.allclose(b, np.clip(2.0 + 0.5 * z, 0.1, 10.0))


@settings(max_examples=25, deadline=None)
@given(rho=st.floats(-0.9, 0.9), seed=st.integers(0, 2**32 - 1))
def test_a_covariate_score_correlates_the_draw_and_keeps_its_distribution(rho, seed):
    score = np.random.default_rng(seed).standard_normal(6000)
    var = lognormal(0.6, "score", rho)
    tied = var.sample(2.0, 1e-6, 1e6, np.random.default_rng(seed + 1), 6000, score)
    z = np.log(tied / 2.0) / 0.6
    assert abs(np.corrcoef(z, score)[0, 1] - rho) < 0.06
    assert abs(np.std(z) - 1.0) < 0.05 and abs(np.median(z)) < 0.06
    # without scores the same parameter is drawn as before, uncorrelated
    free = var.sample(2.0, 1e-6, 1e6, np.random.default_rng(seed + 1), 6000)
    assert np.allclose(free, lognormal(0.6).sample(2.0, 1e-6, 1e6, np.random.default_rng(seed + 1), 6000))


def test_missing_scores_leave_those_patients_uncorrelated():
    score = np.array([np.nan, 3.0, np.nan])
    x = normal(1.0).sample(0.0, -10, 10, np.random.default_rng(2), 3)
    y = Variability("normal", 1.0, "score", 0.9).sample(0.0, -10, 10, np.random.default_rng(2), 3, score)
    assert y[0] == x[0] and y[2] == x[2]
    assert y[1] == 0.9 * 3.0 + np.sqrt(1 - 0.81) * x[1]

