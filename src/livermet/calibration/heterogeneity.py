"""How far the check's misfit exceeds sampling error: a between-study spread tau of the log residuals.

A target is inside its 95% interval when the simulated figure misses the published one by less than
1.96 published standard errors. Even a model right on average misses by more when the studies differ
among themselves in ways its shared parameters do not carry (populations, eras, post-progression
care): each published figure then sits off the model's by a study effect of spread tau besides its
sampling error. This module estimates tau from the log-scale rows of a check (medians, hazard ratios)
and the number of those rows an unbiased model would be expected to bring inside with and without it.

- residual r = ln(simulated) - ln(published); its sampling variance v = se_pub^2 + se_sim^2 / k, with
  se_pub from the row's 95% interval, se_sim (one cohort's) from the row's z, and k cohorts behind the
  simulated median;
- tau solves median(r^2 / (v + tau^2)) = 0.455, the median of a chi-square with one degree of freedom
  (a robust moment estimator: the few targets no parameter reaches, such as a 0.95-month median, do
  not set it);
- expected inside = sum of P(|N(0, v + tau^2)| < 1.96 se_pub) over the rows.

tau bounds the true between-study heterogeneity from above: structural misfit of the model adds to it
and cannot be told apart from it with one study per figure.
"""

from __future__ import annotations

import math
import statistics
from statistics import NormalDist

from .objective import Z95, se_from_ci

CHI2_1_MEDIAN = 0.4549364231195724
LOG_KINDS = ("median", "hr")


def _terms(rows: list[dict], cohorts: int) -> list[tuple[float, float, float, bool]]:
    """(residual, sampling variance, se_pub, within) of each log-scale row with a simulated value and z."""
    out = []
    for r in rows:
        ci, sim, pub, z = r.get("ci"), r.get("simulated"), r.get("observed"), r.get("z")
        se_pub = se_from_ci(r.get("kind"), ci, pub) if r.get("kind") in LOG_KINDS else None
        if not se_pub or not sim or not pub or not z:
            continue
        res = math.log(sim) - math.log(pub)
        se_sim2 = max((res / z) ** 2 - se_pub**2, 0.0)  # z = res / sqrt(se_pub^2 + se_sim^2)
        out.append((res, se_pub**2 + se_sim2 / cohorts, se_pub, bool(r.get("within"))))
    return out


def residual_heterogeneity(rows: list[dict], cohorts: int = 1) -> dict:
    """tau and the expected number of log-scale rows inside, from the rows of a check (see module text)."""
    terms = _terms(rows, cohorts)
    if len(terms) < 3:
        return {"rows": len(terms), "tau": None, "within": None, "expected_within_without_tau": None,
                "expected_within_with_tau": None}

    def med(tau: float) -> float:
        return statistics.median(r * r / (v + tau * tau) for r, v, _, _ in terms)

    lo, hi = 0.0, 5.0
    if med(0.0) <= CHI2_1_MEDIAN:
        tau = 0.0
    else:
        for _ in range(80):  # med() falls as tau grows
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if med(mid) > CHI2_1_MEDIAN else (lo, mid)
        tau = (lo + hi) / 2
    cdf = NormalDist().cdf

    def expected(t: float) -> float:
        return float(sum(2 * cdf(Z95 * s / math.sqrt(v + t * t)) - 1 for _, v, s, _ in terms))

    return {"rows": len(terms), "tau": tau, "within": sum(w for *_, w in terms),
            "expected_within_without_tau": expected(0.0), "expected_within_with_tau": expected(tau)}
