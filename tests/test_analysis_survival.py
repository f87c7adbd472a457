"""Survival statistics equal lifelines on a known data set; exact binomial intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter, KaplanMeierFitter
from lifelines.datasets import load_waltons
from lifelines.statistics import logrank_test
from lifelines.utils import median_survival_times

from livermet.analysis import cox_hazard_ratio, km_summary, logrank_p, proportion


@pytest.fixture(scope="module")
def waltons():
    return load_waltons()


def test_kaplan_meier_median_and_band_equal_lifelines(waltons):
    for group, g in waltons.groupby("group"):
        s = km_summary(g["T"], g["E"], group, at_risk_times=[0, 20, 40, 60])
        kmf = KaplanMeierFitter().fit(g["T"], g["E"])
        ci = median_survival_times(kmf.confidence_interval_)
        assert s["median"] == kmf.median_survival_time_
        assert s["median_ci"] == [pytest.approx(ci.iloc[0, 0]), pytest.approx(ci.iloc[0, 1])]
        assert np.allclose(s["curve"]["survival"], kmf.survival_function_.iloc[:, 0])
        assert np.allclose(s["curve"]["lower"], kmf.confidence_interval_survival_function_.iloc[:, 0])
        assert [r["n"] for r in s["at_risk"]] == [int((g["T"] >= t).sum()) for t in (0, 20, 40, 60)]
    # an independent check of the median: product-limit estimate written out in the test
    for group, g in waltons.groupby("group"):
        t, e = g["T"].to_numpy(), g["E"].to_numpy().astype(bool)
        surv, median = 1.0, None
        for u in np.unique(t[e]):
            surv *= 1 - (e & (t == u)).sum() / (t >= u).sum()
            if surv <= 0.5:
                median = u
                break
        assert km_summary(t, e)["median"] == median


def test_cox_and_logrank_equal_lifelines(waltons):
    c = cox_hazard_ratio(waltons, "T", "E", "group", "miR-137", "control")
    data = pd.DataFrame({"T": waltons["T"], "E": waltons["E"], "x": (waltons["group"] == "miR-137").astype(float)})
    ref = CoxPHFitter().fit(data, "T", "E").summary.loc["x"]
    assert c["hr"] == pytest.approx(ref["exp(coef)"])
    assert c["hr_ci"] == [pytest.approx(ref["exp(coef) lower 95%"]), pytest.approx(ref["exp(coef) upper 95%"])]
    assert c["hr"] > 1  # miR-137 worms die sooner
    a, b = waltons[waltons.group == "miR-137"], waltons[waltons.group == "control"]
    assert logrank_p(waltons, "T", "E", "group", "miR-137", "control") == pytest.approx(
        logrank_test(a["T"], b["T"], a["E"], b["E"]).p_value)


def test_stratified_cox_uses_strata(waltons):
    w = waltons.copy()
    w["stratum"] = np.where(np.arange(len(w)) % 2 == 0, "a", "b")
    c = cox_hazard_ratio(w, "T", "E", "group", "miR-137", "control", strata=["stratum"])
    data = pd.DataFrame({"T": w["T"], "E": w["E"], "treat": (w["group"] == "miR-137").astype(float),
                         "stratum": w["stratum"]})
    ref = CoxPHFitter().fit(data, "T", "E", strata=["stratum"]).summary.loc["treat"]
    assert c["hr"] == pytest.approx(ref["exp(coef)"]) and c["stratified_by"] == ["stratum"]


def test_cox_under_complete_separation_gives_no_hazard_ratio():
    """Every patient of the small arm dies before any control patient: lifelines' estimate runs off to
    about 1e8 with an unbounded interval; that is reported as no hazard ratio, not as a number."""
    df = pd.DataFrame({"t": [1.0, 2, 3, 4, 10, 11, 12, 13, 14, 15], "e": [1] * 10, "arm": ["a"] * 4 + ["b"] * 6})
    c = cox_hazard_ratio(df, "t", "e", "arm", "a", "b")
    assert c["hr"] is None and c["hr_ci"] == [None, None] and c["n"] == 10
    df.loc[4, "t"] = 2.5  # one control death among them: estimable again
    assert 1 < cox_hazard_ratio(df, "t", "e", "arm", "a", "b")["hr"] < 1e3


def test_exact_binomial_interval():
    # Clopper-Pearson: 0 of 10 -> upper 0.3085; 5 of 10 -> (0.1871, 0.8129)
    assert proportion(0, 10)["ci"][1] == pytest.approx(0.30850, abs=1e-4)
    lo, hi = proportion(5, 10)["ci"]
    assert lo == pytest.approx(0.18709, abs=1e-4) and hi == pytest.approx(0.81291, abs=1e-4)
    assert proportion(0, 0)["rate"] is None
