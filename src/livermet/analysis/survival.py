"""Trial analysis with lifelines (Kaplan-Meier, Cox, log-rank) and scipy (exact binomial CI).

No estimator is written by hand here: medians and their CI come from lifelines'
`KaplanMeierFitter` and `median_survival_times`, hazard ratios from `CoxPHFitter` (stratified as
the protocol says), P values from `logrank_test`, and exact (Clopper-Pearson) intervals from
`scipy.stats.binomtest(...).proportion_ci(method="exact")`. Times are reported in months
(days / 30.4375).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from lifelines import CoxPHFitter, KaplanMeierFitter
from lifelines.statistics import logrank_test
from lifelines.utils import median_survival_times
from scipy import stats

DAYS_PER_MONTH = 30.4375


def _f(x) -> float | None:
    x = float(x)
    return x if np.isfinite(x) else None


def kaplan_meier(durations, events, label: str = "", alpha: float = 0.05) -> KaplanMeierFitter:
    kmf = KaplanMeierFitter(alpha=alpha)
    kmf.fit(np.asarray(durations, float), np.asarray(events, bool), label=label or "KM")
    return kmf


def km_summary(durations, events, label: str = "", alpha: float = 0.05, at_risk_times=None) -> dict:
    """Median with its CI, the curve with its confidence band, and numbers at risk."""
    d = np.asarray(durations, float)
    e = np.asarray(events, bool)
    if len(d) == 0:
        return {"n": 0, "events": 0, "median": None, "median_ci": [None, None], "curve": None, "at_risk": []}
    kmf = kaplan_meier(d, e, label, alpha)
    ci = median_survival_times(kmf.confidence_interval_)
    sf = kmf.survival_function_.iloc[:, 0]
    band = kmf.confidence_interval_survival_function_
    out = {
        "n": int(len(d)), "events": int(e.sum()),
        "median": _f(kmf.median_survival_time_),
        "median_ci": [_f(ci.iloc[0, 0]), _f(ci.iloc[0, 1])],
        "curve": {"time": sf.index.to_numpy().tolist(), "survival": sf.to_numpy().tolist(),
                  "lower": band.iloc[:, 0].to_numpy().tolist(), "upper": band.iloc[:, 1].to_numpy().tolist()},
    }
    if at_risk_times is not None:
        out["at_risk"] = [{"time": float(t), "n": int((d >= t).sum())} for t in at_risk_times]
    return out


def cox_hazard_ratio(df: pd.DataFrame, duration: str, event: str, group: str, exp_level, ctrl_level,
                     strata: list[str] | None = None, alpha: float = 0.05) -> dict:
    """HR of `exp_level` vs `ctrl_level` of column `group` (Cox PH, lifelines), optionally stratified."""
    sub = df[df[group].isin([exp_level, ctrl_level])].copy()
    sub = sub[np.isfinite(sub[duration].astype(float))]
    out = {"hr": None, "hr_ci": [None, None], "p": None, "n": int(len(sub)), "events": int(sub[event].sum()),
           "stratified_by": list(strata or [])}
    if len(sub) < 4 or sub[event].sum() < 2 or sub[group].nunique() < 2:
        return out
    data = pd.DataFrame({"T": sub[duration].astype(float).clip(lower=1e-6), "E": sub[event].astype(bool),
                         "treat": (sub[group] == exp_level).astype(float)})
    for s in strata or []:
        data[s] = sub[s].astype(str).to_numpy()
    cph = CoxPHFitter(alpha=alpha)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            cph.fit(data, "T", "E", strata=list(strata) if strata else None)
        except Exception:  # noqa: BLE001 - convergence failure (e.g. no events in one arm)
            return out
    s = cph.summary.loc["treat"]
    lo_col = [c for c in s.index if c.startswith("exp(coef) lower")][0]
    hi_col = [c for c in s.index if c.startswith("exp(coef) upper")][0]
    lo, hi = _f(s[lo_col]), _f(s[hi_col])
    if lo is None or hi is None or lo <= 0:
        # complete separation (say every patient of one small arm has the event first): the estimate runs
        # off to 0 or infinity with an unbounded interval, so there is no hazard ratio to report
        return out
    out.update({"hr": _f(s["exp(coef)"]), "hr_ci": [lo, hi], "p": _f(s["p"])})
    return out


def logrank_p(df: pd.DataFrame, duration: str, event: str, group: str, a, b) -> float | None:
    x, y = df[df[group] == a], df[df[group] == b]
    x, y = x[np.isfinite(x[duration])], y[np.isfinite(y[duration])]
    if len(x) == 0 or len(y) == 0:
        return None
    res = logrank_test(x[duration], y[duration], x[event].astype(bool), y[event].astype(bool))
    return _f(res.p_value)


def proportion(k: int, n: int, alpha: float = 0.05) -> dict:
    """Proportion with its exact (Clopper-Pearson) confidence interval."""
    if n == 0:
        return {"k": 0, "n": 0, "rate": None, "ci": [None, None]}
    ci = stats.binomtest(int(k), int(n)).proportion_ci(confidence_level=1 - alpha, method="exact")
    return {"k": int(k), "n": int(n), "rate": k / n, "ci": [float(ci.low), float(ci.high)]}


def waterfall(assessments: pd.DataFrame, endpoints: pd.DataFrame) -> pd.DataFrame:
    """Best (smallest) percent change of the sum of diameters per patient with measurable disease."""
    a = assessments[(assessments["assessment"] > 0) & np.isfinite(assessments["sld_change_pct"])]
    best = a.groupby("patient_id")["sld_change_pct"].min().rename("best_change_pct")
    out = endpoints[["patient_id", "arm", "best_response"]].merge(best, on="patient_id")
    return out.sort_values("best_change_pct", ascending=False, kind="stable").reset_index(drop=True)


def spider(assessments: pd.DataFrame) -> pd.DataFrame:
    a = assessments[np.isfinite(assessments["sld_change_pct"])]
    return a[["patient_id", "arm", "day", "sld_change_pct", "response"]].reset_index(drop=True)


def adverse_event_rates(events: pd.DataFrame, endpoints: pd.DataFrame, min_grade: float = 3) -> dict:
    """Share of patients per arm with at least one adverse event of grade >= min_grade (exact CI)."""
    ae = events[(events["event"] == "adverse_event") & (events["grade"] >= min_grade)]
    with_ae = set(ae["patient_id"])
    out = {}
    for arm, g in endpoints.groupby("arm"):
        k = int(g["patient_id"].isin(with_ae).sum())
        out[arm] = proportion(k, len(g))
    return out
