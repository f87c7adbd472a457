"""The calibration objective: a Gaussian log-likelihood of each published figure given the simulated
one, on the scale where its sampling error is close to normal.

- medians and hazard ratios: log scale; the published standard error comes from the published 95%
  CI, (ln upper - ln lower) / (2 x 1.96), or (ln median - ln lower) / 1.96 when the upper bound was not
  reached (an interval up to infinity: inside it is every simulated figure above the lower bound); a
  hazard ratio without a CI but with an exact P value gets |ln HR| / z(P/2), the standard error that P
  implies (Altman & Bland 2011 BMJ 343:d2090); otherwise it comes from the number of patients, as the
  standard error of a log median (1/sqrt(d)) or of a log hazard ratio (sqrt(1/d1 + 1/d2)) with d
  events, taking d = 0.7 n (assumed: about 70% of patients have had the event at a trial's final
  analysis, the maturity of the OS analyses in the targets table);
- rates and proportions: probability scale, binomial standard error sqrt(p (1 - p) / n) unless the
  CI is given; the interval that decides `within` is then the one a publication prints for such a
  figure: exact (Clopper-Pearson) for a proportion of patients (k = round(p n) of n, as the simulated
  rates are given), log(-log) for a Kaplan-Meier survival rate (rows with estimator "kaplan_meier");
  the symmetric interval used before reached below 0 for a small group (1 of 15: -6% to 19%);
- a figure published as a range across studies ("3.0-6.2 months") is read as a 95% interval around
  its geometric centre.

The simulated figure has its own sampling error (a virtual cohort is finite); both are added in
quadrature, so z = (simulated - published) / sqrt(se_pub^2 + se_sim^2) and the negative
log-likelihood is sum(z^2) / 2. A published figure with neither CI nor sample size is not used.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from statistics import NormalDist

from scipy import stats

Z95 = 1.959963984540054
EVENT_FRACTION = 0.7  # assumed; see the module text
NOT_REACHED_Z = 3.0  # simulated median not reached while the published one was: 3 standard errors off


@dataclass
class Scored:
    row: dict
    z: float | None
    se_published: float | None
    ci_source: str  # "published", "derived from P", "derived from n", or "none"
    interval: tuple[float, float] | None  # the published (or derived) 95% interval, natural scale

    @property
    def nll(self) -> float:
        return 0.0 if self.z is None else huber(self.z, None)

    @property
    def within(self) -> bool | None:
        sim = self.row.get("simulated")
        if self.interval is None or sim is None:
            return None
        return bool(self.interval[0] <= sim <= self.interval[1])


def _ci(v) -> tuple[float, float] | None:
    """(lower, upper) of an interval; an upper bound that was not reached (None or inf) is inf."""
    if not v or len(v) != 2 or v[0] is None:
        return None
    return float(v[0]), math.inf if v[1] is None else float(v[1])


def _log_scale(kind: str) -> bool:
    return kind in ("median", "hr")


def _to_scale(kind: str, x: float) -> float:
    return math.log(x) if _log_scale(kind) else x / 100.0


def _from_scale(kind: str, x: float) -> float:
    return math.exp(x) if _log_scale(kind) else 100.0 * x


def se_from_ci(kind: str, ci, value: float | None = None) -> float | None:
    """Standard error from a 95% CI; from its lower half when the upper bound was not reached (inf),
    which needs the published `value`."""
    c = _ci(ci)
    if c is None or (_log_scale(kind) and min(c) <= 0):
        return None
    if math.isinf(c[1]):
        if value is None or not c[0] < value or (_log_scale(kind) and value <= 0):
            return None
        return (_to_scale(kind, value) - _to_scale(kind, c[0])) / Z95
    lo, hi = _to_scale(kind, c[0]), _to_scale(kind, c[1])
    return (hi - lo) / (2 * Z95) if hi > lo else None


def _se_from_n(kind: str, value: float, n: float | None) -> float | None:
    if not n or n <= 0:
        return None
    if kind == "median":
        return 1.0 / math.sqrt(EVENT_FRACTION * n)
    if kind == "hr":  # n is the total of both groups, split evenly
        d = EVENT_FRACTION * n / 2
        return math.sqrt(2.0 / d)
    p = min(max(value / 100.0, 0.01), 0.99)
    return math.sqrt(p * (1 - p) / n)


def p_number(text) -> float | None:
    """The number in a printed P value ('0.21', '<0.001', 'P=0.0003'); None when there is none."""
    m = re.search(r"\d*\.?\d+(?:e-?\d+)?", str(text or "").replace(" ", ""))
    return float(m.group()) if m else None


def exact_p_value(text) -> float | None:
    """A P value printed as a number ('0.005', 'P=0.019'); None for a bound ('<0.0001') or nothing."""
    if "<" in str(text or "") or ">" in str(text or ""):
        return None
    p = p_number(text)
    return p if p is not None and 0 < p < 1 else None


def _se_from_p(kind: str, value: float, p_text) -> float | None:
    """Standard error of a log hazard ratio from its two-sided P value (a Wald test: z = ln HR / SE)."""
    p = exact_p_value(p_text)
    if kind != "hr" or p is None or value <= 0 or abs(math.log(value)) < 1e-9:
        return None
    return abs(math.log(value)) / NormalDist().inv_cdf(1 - p / 2)


def _range(value) -> tuple[float, float] | None:
    """'3.0-6.2' -> (3.0, 6.2); anything else -> None."""
    if not isinstance(value, str) or "-" not in value:
        return None
    try:
        lo, hi = (float(x) for x in value.split("-", 1))
    except ValueError:
        return None
    return (lo, hi) if 0 < lo < hi else None


def score(row: dict, fallback_n: float | None = None) -> Scored:
    """Score one row of `trial_summary.compare_published` (it has kind, published, published_ci,
    published_n, simulated, simulated_ci, n)."""
    kind = row.get("kind")
    pub = row.get("published")
    rng = _range(pub)
    if rng is not None and kind is not None:  # a range across studies: its centre, with the range as the CI
        centre = math.sqrt(rng[0] * rng[1]) if _log_scale(kind) else (rng[0] + rng[1]) / 2
        row = {**row, "published": centre, "published_ci": list(rng)}
        pub = centre
    if kind is None or pub is None or not isinstance(pub, int | float) or (_log_scale(kind) and pub <= 0):
        return Scored(row, None, None, "none", None)
    se_p = se_from_ci(kind, row.get("published_ci"), pub)
    source = "published"
    if se_p is None:
        se_p = _se_from_p(kind, pub, row.get("published_p"))
        source = "derived from P"
    if se_p is None:
        se_p = _se_from_n(kind, pub, row.get("published_n") or fallback_n)
        source = "derived from n"
    if se_p is None:
        return Scored(row, None, None, "none", None)
    centre = _to_scale(kind, pub)
    interval = _ci(row.get("published_ci")) if source == "published" else \
        derived_interval(kind, centre, se_p, row.get("published_n") or fallback_n, row.get("estimator"))
    sim = row.get("simulated")
    if sim is None or (_log_scale(kind) and sim <= 0):
        return Scored(row, NOT_REACHED_Z, se_p, source, interval)
    se_s = se_from_ci(kind, row.get("simulated_ci")) or _se_from_n(kind, sim, row.get("n")) or 0.0
    z = (_to_scale(kind, sim) - centre) / math.sqrt(se_p**2 + se_s**2)
    return Scored(row, z, se_p, source, interval)


def derived_interval(kind: str, centre: float, se: float, n: float | None, estimator: str | None
                      ) -> tuple[float, float]:
    """95% interval of a figure without a published CI, from its standard error (on the scale of
    `_to_scale`) or, for rates, its group size: see the module text."""
    if kind in ("rate", "share") and n and 0 < centre < 1:
        if estimator == "kaplan_meier":
            w = Z95 * se / (centre * abs(math.log(centre)))
            return 100.0 * centre ** math.exp(w), 100.0 * centre ** math.exp(-w)
        k, m = round(centre * n), max(round(n), 1)
        ci = stats.binomtest(min(k, m), m).proportion_ci(confidence_level=0.95, method="exact")
        return 100.0 * ci.low, 100.0 * ci.high
    return _from_scale(kind, centre - Z95 * se), _from_scale(kind, centre + Z95 * se)


def huber(z: float, k: float | None) -> float:
    """z^2 / 2 within |z| <= k and k |z| - k^2 / 2 beyond (Huber 1964); z^2 / 2 everywhere without k.

    A target the model cannot reach (its z stays large at every point) otherwise dominates a fit through
    the noise of its z: at z = 10 a 10% change of z moves z^2 / 2 by 10, more than most reachable targets
    weigh in all. Beyond k its weight grows linearly, so its pull is bounded."""
    a = abs(z)
    return 0.5 * z * z if k is None or a <= k else k * a - 0.5 * k * k


def mark_not_counted(rows: list[dict], figure, is_input=lambda row: False) -> list[dict]:
    """Set each row's `not_counted`: why it is not a target of its own, or None when it is.

    - An input: a figure the library trial was built from, such as the share of patients with liver metastasis
      that sets its cohort's prevalence; only sampling moves it, so it tests nothing.
    - A repeat: two records may cite one figure (`figure(row)` equal): IMpower150's control OS (14.7 months) is
      both T21's and T22's control, and Cai 2023's triple-therapy PFS (6.44 months) the experimental arm of both
      its comparisons. Each record keeps its row (its contrasts need it), but the figure is one target.
    The objective, the count of rows inside their intervals and cross-validation read only counted rows."""
    first: dict = {}
    for r in rows:
        k = figure(r)
        r["not_counted"] = "input of the trial" if is_input(r) else f"repeats {first[k]}" if k in first else None
        first.setdefault(k, r["record"])
    return rows


def counted(rows: list[dict]) -> list[dict]:
    """The rows that are targets of their own (`mark_not_counted`)."""
    return [r for r in rows if not r.get("not_counted")]


def negative_log_likelihood(scored: list[Scored], robust_z: float | None = None) -> float:
    """Sum of z^2 / 2 (the Gaussian negative log-likelihood), or of its Huber form with threshold robust_z, over the
    counted rows (`mark_not_counted`)."""
    return float(sum(huber(s.z, robust_z) for s in scored if s.z is not None and not s.row.get("not_counted")))
