"""Plausible patients (natural history) and Allen 2016 virtual-population selection."""

from __future__ import annotations

import numpy as np
import pandas as pd

from livermet.engine import simulate
from livermet.population import sample_parameters
from livermet.population.vpop import allen_selection, baseline_events, inclusion_probability, natural_history
from livermet.trial.toy import toy_model


def test_allen_selection_matches_the_observed_distribution():
    rng = np.random.default_rng(0)
    plausible = rng.uniform(-4, 4, size=(3000, 2))  # broad priors
    observed = rng.normal([1.0, -0.5], [0.6, 1.0], size=(300, 2))  # the data to match
    sel = allen_selection(plausible, observed, seed=1)
    chosen = plausible[sel.selected]
    assert sel.n_selected >= 50
    assert np.all(sel.ks < sel.ks_before) and sel.ks.sum() < 0.5 * sel.ks_before.sum()
    assert abs(chosen[:, 0].mean() - 1.0) < 0.25 and abs(chosen[:, 0].std() - 0.6) < 0.2
    # deterministic for a seed
    again = allen_selection(plausible, observed, seed=1)
    assert np.array_equal(again.selected, sel.selected)


def test_inclusion_probability_is_higher_where_data_are_dense():
    rng = np.random.default_rng(3)
    pp = rng.uniform(-3, 3, size=(2000, 1))
    obs = rng.normal(0, 0.5, size=(400, 1))
    p = inclusion_probability(pp, obs)
    near, far = np.abs(pp[:, 0]) < 0.3, np.abs(pp[:, 0]) > 2
    assert p.max() == 1.0 and p[near].mean() > 10 * p[far].mean()


def test_natural_history_to_diagnosis_and_baseline_events():
    m = toy_model()
    params = sample_parameters(m, 12, seed=4)
    params["C0_primary"] = 1e5  # a small primary at onset
    hist = natural_history(m, params, threshold=30.0, observable="diameter_primary", max_days=6000, step_days=14)
    ok = hist["plausible"].to_numpy()
    assert ok.sum() >= 6
    assert np.allclose(hist.loc[ok, "obs_diameter_primary"], 30.0, rtol=0.02)
    assert (hist.loc[ok, "diagnosis_day"] > 0).all()
    # a trial started from the diagnosed state begins at 30 mm
    pid = hist.index[ok][0]
    ev = baseline_events(m, hist.loc[pid])
    res = simulate(m, [0.0, 7.0], params.loc[[pid]], [ev])
    assert abs(res.observable("diameter_primary")[0, 0] - 30.0) < 0.6
    # a threshold nobody reaches: nobody is plausible
    none = natural_history(m, params.iloc[:3], threshold=1e4, max_days=500, step_days=50)
    assert not none["plausible"].any()
