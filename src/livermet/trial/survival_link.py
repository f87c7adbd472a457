"""Overall survival from simulated tumour dynamics: a published TGI-OS link plus background mortality.

The death hazard of a patient is

    h(t) = h_LN(t; mu_i, sigma) * exp(beta_liver * (D_liver(t) - D_liver(0))) + h_bg(age_i + t)

- h_LN: the log-normal accelerated-failure-time OS model of Struemper et al. 2025 (CPT:PSP 14:1006,
  786 NSCLC patients of 7 GSK trials; coefficients as transcribed in nlmixr2lib
  `Struemper_2025_tumorsize_OS_nsclc.R`, listed in shared/reference/models-and-parameters.md 2.4):
  mu_i [log day] = 6.94 - 6.91 kg/(kg + 0.109) - 0.00366 (TSb - 100) + 0.0124 (TTG - 39.9)
                   + 0.0452 (ALB - 39.4) + 0.0194 (TPRO - 71) - 0.0141 (NLR - 4.1),  sigma = exp(-0.331)
  with kg, ks (1/week) and TTG (weeks) of the Stein bi-exponential model
  SLD(t) = SLD0 (exp(-ks t) + exp(kg t) - 1), TTG = (ln ks - ln kg)/(ks + kg) clipped at 0, fitted
  here to each virtual patient's simulated sum of target-lesion diameters (TSb, mm) at the trial's
  scans up to the first progression (at least the first three), as the source trials measured them.
- Liver term: Kerioui et al. 2021 ESMO Open (IMvigor211 joint model): +10 mm in liver lesions
  raised the instantaneous risk of death by 12%; D_liver is the sum of the diameters of the liver
  target lesions (at most two, chosen at baseline; `liver_target_sum`), the organ-level sum that the
  source modelled, not of every liver lesion. Only the change from baseline enters, since the
  baseline size is already in TSb.
- Background mortality: Gompertz h_bg(a) = A exp(B a) (assumed; see BACKGROUND).
- Untreated patients: mu_i + s_untreated for patients given no anticancer therapy (best supportive
  care). The link was fitted on treated trial patients (performance status 0-1, later lines of therapy
  after progression); untreated patients differ in ways its covariates do not capture.
- Treated patients: mu_i + s_treated. The link's intercept belongs to the 7 GSK trials it was fitted
  on; trials of other eras, lines and post-progression care (crossover to immunotherapy) differ in
  survival at the same tumour dynamics. One shift for every treated patient of every trial sets that
  level; it cannot make one arm live longer than another, so hazard ratios stay with the model.
- Later lines: mu_i + s_treated + s_later for treated patients with an earlier line of therapy behind
  them (second-line trials), and for the second survival time of a patient who switches therapy at
  progression (below), who is then on a later line too. Survival after progression, and the tumour
  dynamics the link reads, differ between first and later lines (later-line tumours are pretreated,
  later-line patients have fewer treatments left), so one level cannot serve both.
- Observational cohorts: mu_i + s_treated (+ s_later) + s_obs for treated patients of a retrospective or
  registry cohort (protocol `setting: observational`). Such cohorts count survival from diagnosis, include
  only patients who lived to receive the therapy, and follow them through routine care rather than a trial's
  schedule; their survival at the same tumour dynamics differs from a trial's by a study-type effect. Giving
  it its own term keeps it out of the trials' treated shift (as a study-type covariate of a meta-regression).
- Survival after a switch: mu_s + s_treated + s_later + s_switch for the second survival time of a patient
  who switches therapy at progression in a first-line trial (crossover, below). s_switch sets it apart from
  a second-line trial patient at the same dynamics: the second Stein fit reads a re-based series that
  starts at progression, unlike any series the link was fitted on, and crossover patients get their
  later line in another era and setting than the second-line trials' patients. With one shift for both,
  the second-line trials (OAK, CheckMate 017/057) and the first-line trials' control arms wanted
  different values (docs/calibration.md, session 37).
  s_untreated, s_treated, s_later, s_switch and s_obs are 0 (the link as published) unless a parameter set
  calibrates them; with b_sites below they are the only link coefficients a parameter set may set
  (`os_link.untreated_shift`, `os_link.treated_shift`, `os_link.later_line_shift`, `os_link.switch_shift`,
  `os_link.observational_shift`, `os_link.sites_slope`).

- Metastatic organs: mu_i + b_sites (n_i - 1) for a patient with metastases in n_i >= 1 of the model's organs
  (liver, bone, brain, adrenal) at baseline. The number of metastatic sites was an independent prognostic
  factor beside the tumour-growth rate in the atezolizumab TGI-OS models of NSCLC (Claret et al. 2018 Clin
  Cancer Res 24:3292; Chan et al. 2021 CPT:PSP 10:1171), but the Struemper link has no such term: it sees the
  burden only through the baseline target sum. Their coefficients were not read, so b_sites is 0 (the link as
  published) unless a parameter set calibrates it (`os_link.sites_slope`).

- Crossover: a patient who switches to another therapy at progression gets a second log survival
  time from the tumour sizes after the switch, and the log-normal clock runs faster or slower from
  the switch on (`draw_overall_survival`). Without it the link, which sees the scans up to the first
  progression, would not see a crossover at all.

Each patient's death time solves H(t) = E with E ~ Exp(1) drawn from its own random stream.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
from scipy import special

from ..population.sampling import patient_rng
from . import recist

OS_STREAM = 3
# post-baseline scans the Stein fit gets even when progression comes earlier (it needs three points)
MIN_LINK_SCANS = 3
DAYS_PER_WEEK = 7.0
DAYS_PER_YEAR = 365.25

STRUEMPER = "Struemper et al. 2025 CPT:PSP 14:1006 (nlmixr2lib Struemper_2025_tumorsize_OS_nsclc.R)"
KERIOUI = "Kerioui et al. 2021 ESMO Open 6:100317 (organ-specific lesion dynamics, IMvigor211): +12% per +10 mm liver"


LINK_PREFIX = "os_link."
FITTABLE = {"untreated_shift": (-2.0, 0.0), "treated_shift": (-1.0, 1.0), "later_line_shift": (-1.0, 1.0),
            "switch_shift": (-1.0, 1.0), "observational_shift": (-1.0, 1.0), "sites_slope": (-0.5, 0.0)}
# (coefficients a parameter set may set, with their plausible ranges)


@dataclass(frozen=True)
class Coefficient:
    value: float
    unit: str
    source: str


@dataclass(frozen=True)
class OSLink:
    """Coefficients of the OS link, each with its source (see the module docstring)."""

    intercept: Coefficient = Coefficient(6.94, "log day", STRUEMPER)
    kg_emax: Coefficient = Coefficient(-6.91, "log day", STRUEMPER + " (fixed in the fit)")
    kg_ec50: Coefficient = Coefficient(0.109, "1/week", STRUEMPER)
    tsb_slope: Coefficient = Coefficient(-0.00366, "log day per mm", STRUEMPER)
    tsb_ref: Coefficient = Coefficient(100.0, "mm", STRUEMPER)
    ttg_slope: Coefficient = Coefficient(0.0124, "log day per week", STRUEMPER)
    ttg_ref: Coefficient = Coefficient(39.9, "week", STRUEMPER)
    alb_slope: Coefficient = Coefficient(0.0452, "log day per g/L", STRUEMPER)
    alb_ref: Coefficient = Coefficient(39.4, "g/L", STRUEMPER)
    tpro_slope: Coefficient = Coefficient(0.0194, "log day per g/L", STRUEMPER)
    tpro_ref: Coefficient = Coefficient(71.0, "g/L", STRUEMPER)
    nlr_slope: Coefficient = Coefficient(-0.0141, "log day per unit", STRUEMPER)
    nlr_ref: Coefficient = Coefficient(4.1, "1", STRUEMPER)
    log_sigma: Coefficient = Coefficient(-0.331, "log(log day)", STRUEMPER)
    liver_per_10mm: Coefficient = Coefficient(1.12, "hazard ratio per +10 mm of liver lesions", KERIOUI)
    gompertz_a: Coefficient = Coefficient(
        8.3e-5, "1/year",
        "assumed: Gompertz fit by eye to the US 2019 period life table (Arias & Xu 2022 NVSR 70:19): about 1.1% "
        "annual mortality at 60 doubling every 8.5 years; unverified approximation")
    gompertz_b: Coefficient = Coefficient(0.0815, "1/year of age", "assumed: ln 2 / 8.5 years (see gompertz_a)")
    untreated_shift: Coefficient = Coefficient(
        0.0, "log day", "assumed: 0, the link as published, which was fitted on treated patients only; plausible "
        "range -2 to 0 (a median OS 1 to 7 times shorter without therapy); parameter sets may calibrate it")
    treated_shift: Coefficient = Coefficient(
        0.0, "log day", "assumed: 0, the link as published (fitted on 7 GSK NSCLC trials); plausible range -1 to 1 "
        "(a median OS up to 2.7 times shorter or longer at the same tumour dynamics); parameter sets may calibrate it")
    later_line_shift: Coefficient = Coefficient(
        0.0, "log day", "assumed: 0, no difference between lines beyond what the tumour dynamics carry; plausible "
        "range -1 to 1 (as the treated shift); added to it for treated patients on a second or later line and "
        "after a switch of therapy at progression; parameter sets may calibrate it")
    switch_shift: Coefficient = Coefficient(
        0.0, "log day", "assumed: 0, survival after a switch of therapy at progression as on a second-line trial at "
        "the same dynamics; plausible range -1 to 1 (as the treated shift); added to the treated and later-line "
        "shifts for the second survival time after a switch; parameter sets may calibrate it")
    observational_shift: Coefficient = Coefficient(
        0.0, "log day", "assumed: 0, cohorts of routine care survive as trial patients at the same tumour dynamics; "
        "plausible range -1 to 1 (as the treated shift; real-world survival is often shorter than in trials, but "
        "cohorts timed from diagnosis and restricted to treated patients can be longer); added for treated patients "
        "of observational cohorts; parameter sets may calibrate it")
    sites_slope: Coefficient = Coefficient(
        0.0, "log day per metastatic organ beyond the first", "assumed: 0, the link as published, which has no "
        "term for the number of metastatic sites (independent prognostic factor in Claret et al. 2018 Clin Cancer "
        "Res 24:3292 and Chan et al. 2021 CPT:PSP 10:1171, coefficients not read); plausible range -0.5 to 0 (each "
        "further organ shortens the median OS by up to 40%); parameter sets may calibrate it")
    fit_window_days: Coefficient = Coefficient(
        364.0, "day", "assumed: Stein kg/ks fitted to the scans of the first 52 weeks (the on-study period of most "
        "patients in Struemper 2025), up to the first progression")

    def with_values(self, values: dict[str, float], source: str) -> "OSLink":
        """A copy with the fittable coefficients in `values` (names without the `os_link.` prefix)."""
        bad = [LINK_PREFIX + k for k in values if k not in FITTABLE]
        if bad:
            raise ValueError(f"{', '.join(bad)}: not a fittable coefficient of the OS link "
                             f"(fittable: {', '.join(LINK_PREFIX + k for k in FITTABLE)})")
        out = {}
        for k, v in values.items():
            lo, hi = FITTABLE[k]
            if not lo <= float(v) <= hi:
                raise ValueError(f"{LINK_PREFIX}{k}={v!r} is outside its plausible range [{lo:g}, {hi:g}]")
            out[k] = Coefficient(float(v), getattr(self, k).unit, source)
        return replace(self, **out)

    def table(self) -> list[dict]:
        return [{"name": k, "value": v.value, "unit": v.unit, "source": v.source}
                for k, v in self.__dict__.items() if isinstance(v, Coefficient)]


def split_link_values(values: dict[str, float]) -> tuple[dict[str, float], dict[str, float]]:
    """(model parameter values, OS-link coefficient values without the prefix) of a mixed mapping."""
    link = {k[len(LINK_PREFIX):]: v for k, v in values.items() if k.startswith(LINK_PREFIX)}
    return {k: v for k, v in values.items() if not k.startswith(LINK_PREFIX)}, link


# ----------------------------------------------------------------------------- Stein fit
def fit_stein(times_days: np.ndarray, size: np.ndarray, iterations: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """Fit SLD(t) = SLD(0) (exp(-ks t) + exp(kg t) - 1) per patient (rows of `size`) by least squares
    on log size (Levenberg-Marquardt, vectorised). `times_days`: one row of scan times for every patient,
    or a row per patient. Returns kg, ks in 1/day (NaN when unusable)."""
    y = np.asarray(size, dtype=float)
    t = np.broadcast_to(np.nan_to_num(np.asarray(times_days, dtype=float), nan=-1.0), y.shape)
    P = y.shape[0]
    y0 = y[:, :1]
    valid = np.isfinite(y) & (y > 0) & (y0 > 0) & (t > 0)
    obs = np.where(valid, np.log(np.where(valid, y, 1.0) / np.where(y0 > 0, y0, 1.0)), 0.0)
    w = valid.astype(float)
    theta = np.tile(np.log([1.6e-3, 1.4e-3]), (P, 1))  # start at Ribba 2022 OAK typical values (1/day)
    lam = np.full(P, 1e-2)

    def resid(th):
        kg, ks = np.exp(th[:, :1]), np.exp(th[:, 1:])
        eg, es = np.exp(np.minimum(kg * t, 50.0)), np.exp(-ks * t)
        f = es + eg - 1.0
        r = (np.log(f) - obs) * w
        jg = (kg * t * eg / f) * w
        js = (-ks * t * es / f) * w
        return r, jg, js

    r, jg, js = resid(theta)
    cost = np.sum(r * r, axis=1)
    for _ in range(iterations):
        a11, a22, a12 = np.sum(jg * jg, 1), np.sum(js * js, 1), np.sum(jg * js, 1)
        g1, g2 = np.sum(jg * r, 1), np.sum(js * r, 1)
        d11, d22 = a11 * (1 + lam) + 1e-12, a22 * (1 + lam) + 1e-12
        det = d11 * d22 - a12 * a12
        s1 = -(d22 * g1 - a12 * g2) / det
        s2 = -(d11 * g2 - a12 * g1) / det
        trial = theta + np.clip(np.stack([s1, s2], 1), -2.0, 2.0)
        trial = np.clip(trial, np.log(1e-7), np.log(1.0))
        r2, jg2, js2 = resid(trial)
        c2 = np.sum(r2 * r2, axis=1)
        better = c2 < cost
        theta = np.where(better[:, None], trial, theta)
        r = np.where(better[:, None], r2, r)
        jg = np.where(better[:, None], jg2, jg)
        js = np.where(better[:, None], js2, js)
        cost = np.where(better, c2, cost)
        lam = np.where(better, lam * 0.3, lam * 10.0)
    kg, ks = np.exp(theta[:, 0]), np.exp(theta[:, 1])
    usable = valid.sum(axis=1) >= 3
    return np.where(usable, kg, np.nan), np.where(usable, ks, np.nan)


def time_to_growth(kg: np.ndarray, ks: np.ndarray) -> np.ndarray:
    """TTG = (ln ks - ln kg) / (ks + kg), clipped at 0 (same time unit as 1/kg)."""
    return np.maximum((np.log(ks) - np.log(kg)) / (ks + kg), 0.0)


def sizes_until_progression(size_at_scans: np.ndarray, pd_index: np.ndarray,
                            min_scans: int = MIN_LINK_SCANS) -> np.ndarray:
    """Tumour sizes at the scans (column 0 = baseline) as a trial records them for the link: up to
    and including the first progression (`pd_index`, -1 if none), but at least `min_scans` scans
    after baseline; later scans become NaN (ignored by `fit_stein`)."""
    y = np.asarray(size_at_scans, dtype=float)
    idx = np.asarray(pd_index)
    last = np.where(idx >= 0, np.maximum(idx, min_scans), y.shape[1] - 1)
    return np.where(np.arange(y.shape[1])[None, :] <= last[:, None], y, np.nan)


def sizes_after_switch(size_at_scans: np.ndarray, scan_times: np.ndarray, switch_index: np.ndarray,
                       window_days: float, min_scans: int = MIN_LINK_SCANS) -> tuple[np.ndarray, np.ndarray]:
    """Tumour sizes from the scan at which a patient switched therapy (`switch_index`, -1: no switch),
    re-based there, for a second Stein fit: (times since the switch (P, T), sizes (P, T)), NaN where unused.
    Column 0 is the switch scan. Like the first fit, they run up to the next RECIST progression of the
    target sum (new lesions are not seen here), at least `min_scans` scans after the switch, and within
    `window_days` of it."""
    y = np.asarray(size_at_scans, dtype=float)
    tt = np.asarray(scan_times, dtype=float)
    P, T = y.shape
    times, seg = np.full((P, T), np.nan), np.full((P, T), np.nan)
    for i in np.flatnonzero(np.asarray(switch_index) >= 0):
        j = int(switch_index[i])
        seg[i, :T - j], times[i, :T - j] = y[i, j:], tt[j:] - tt[j]
    none = np.zeros((P, T), dtype=bool)
    progressed = recist.timepoint_responses(seg, none, none) == recist.PD
    pd_index = np.where(progressed.any(axis=1), progressed.argmax(axis=1), -1)
    keep = np.isfinite(sizes_until_progression(seg, pd_index, min_scans)) & (times <= window_days + 1e-9)
    return np.where(keep, times, np.nan), np.where(keep, seg, np.nan)


def liver_target_sum(diameter_liver: np.ndarray, liver_targets: np.ndarray) -> np.ndarray:
    """(P, T) sum of the liver target-lesion diameters (mm): the number of liver targets chosen at
    baseline (P,) times the typical liver-lesion diameter (P, T); a missing diameter counts as 0.
    Lesions beyond the targets, and liver lesions that appear later, are not in it (Kerioui 2021)."""
    d = np.nan_to_num(np.asarray(diameter_liver, dtype=float), nan=0.0)
    return np.asarray(liver_targets, dtype=float)[:, None] * d


# ----------------------------------------------------------------------------- OS
@dataclass
class OSInputs:
    """Per-patient inputs of the OS link (arrays of length P; trajectories P x len(times))."""

    patient_ids: np.ndarray
    age: np.ndarray
    albumin: np.ndarray
    total_protein: np.ndarray
    nlr: np.ndarray
    tsb_mm: np.ndarray  # baseline sum of target diameters (mm)
    size_times: np.ndarray  # days, for the Stein fit
    size: np.ndarray  # (P, T) tumour size used for the Stein fit (SLD, or a burden-equivalent size)
    hazard_times: np.ndarray  # days, grid of the cumulative hazard
    liver_sum_mm: np.ndarray  # (P, len(hazard_times)) sum of liver-lesion diameters
    untreated: np.ndarray | None = None  # True for patients given no anticancer therapy (None: all treated)
    later_line: np.ndarray | None = None  # True for patients with an earlier line of therapy (None: nobody)
    observational: bool = False  # the cohort is retrospective or a registry (protocol setting), not a trial
    n_sites: np.ndarray | None = None  # metastatic organs at baseline (liver, bone, brain, adrenal); None: one each
    # patients who switched to a new therapy (crossover at progression): the day of the switch (inf: none)
    # and their tumour sizes from then on (`sizes_after_switch`)
    switch_day: np.ndarray | None = None
    switch_times: np.ndarray | None = None  # (P, T) days since the switch
    switch_size: np.ndarray | None = None  # (P, T), column 0 at the switch
    extras: dict = field(default_factory=dict)


def log_normal_mu(link: OSLink, kg_week, ttg_week, tsb, alb, tpro, nlr) -> np.ndarray:
    return (link.intercept.value
            + link.kg_emax.value * kg_week / (kg_week + link.kg_ec50.value)
            + link.tsb_slope.value * (tsb - link.tsb_ref.value)
            + link.ttg_slope.value * (ttg_week - link.ttg_ref.value)
            + link.alb_slope.value * (alb - link.alb_ref.value)
            + link.tpro_slope.value * (tpro - link.tpro_ref.value)
            + link.nlr_slope.value * (nlr - link.nlr_ref.value))


def _stein_metrics(link: OSLink, times: np.ndarray, size: np.ndarray):
    """(ks, kg, TTG, fitted) of the Stein fit for the link, rates in 1/week and TTG in weeks. Patients whose
    size could not be fitted (no measurable disease) have NaN ks and get the population typical kg and the
    reference TTG."""
    kg_d, ks_d = fit_stein(times, size)
    kg_w, ks_w = kg_d * DAYS_PER_WEEK, ks_d * DAYS_PER_WEEK
    ttg_w = time_to_growth(kg_w, ks_w)
    fitted = np.isfinite(kg_w)
    kg_link = np.where(fitted, kg_w, 0.0016 * DAYS_PER_WEEK)
    ttg_link = np.where(np.isfinite(ttg_w), ttg_w, link.ttg_ref.value)
    return ks_w, kg_link, ttg_link, fitted


def draw_overall_survival(inp: OSInputs, seed: int, link: OSLink = OSLink()) -> dict[str, np.ndarray]:
    """Death day per patient (inf if beyond the hazard grid), with the link's per-patient terms.

    A patient who switched therapy at day s (crossover) gets a second log survival time mu_s from the
    Stein fit of the sizes after the switch (with the size at the switch as the baseline sum), and the
    link's accelerated-failure-time clock runs exp(mu - mu_s) times as fast from s on:
    S(t) = S_LN(s + (t - s) exp(mu - mu_s); mu). This is the time-varying AFT model behind the
    rank-preserving structural failure time method (Robins & Tsiatis 1991 Commun Stat Theory Methods
    20:2609), with the acceleration given per patient by the link instead of estimated."""
    window = inp.size_times <= link.fit_window_days.value + 1e-9
    ks_w, kg_w, ttg_w, _ = _stein_metrics(link, inp.size_times[window], inp.size[:, window])
    mu = log_normal_mu(link, kg_w, ttg_w, inp.tsb_mm, inp.albumin, inp.total_protein, inp.nlr)
    untreated = np.zeros(len(mu)) if inp.untreated is None else np.asarray(inp.untreated, dtype=float)
    later = np.zeros(len(mu)) if inp.later_line is None else np.asarray(inp.later_line, dtype=float)
    treated_shift = link.treated_shift.value + (link.observational_shift.value if inp.observational else 0.0)
    sites = 0.0 if inp.n_sites is None else link.sites_slope.value * np.maximum(np.asarray(inp.n_sites) - 1, 0)
    mu = (mu + sites + link.untreated_shift.value * untreated
          + (treated_shift + link.later_line_shift.value * later) * (1 - untreated))
    sigma = np.exp(link.log_sigma.value)
    t = inp.hazard_times
    clock = np.broadcast_to(t, (len(mu), len(t)))
    mu_switch = np.full(len(mu), np.nan)
    if inp.switch_day is not None:
        s = np.asarray(inp.switch_day, dtype=float)
        sw = np.flatnonzero(np.isfinite(s))
        if len(sw):
            _, kg2, ttg2, fitted = _stein_metrics(link, inp.switch_times[sw], inp.switch_size[sw])
            mu2 = log_normal_mu(link, kg2, ttg2, np.nan_to_num(inp.switch_size[sw, 0]), inp.albumin[sw],
                                inp.total_protein[sw], inp.nlr[sw])
            # the switch starts a later line, with its own term on top (module docstring)
            mu2 = mu2 + treated_shift + link.later_line_shift.value + link.switch_shift.value + \
                (sites[sw] if np.ndim(sites) else sites)
            mu2 = np.where(fitted, mu2, mu[sw])  # nothing measurable after the switch: the clock is unchanged
            mu_switch[sw] = mu2
            clock = np.array(clock)
            speed = np.exp(mu[sw] - mu2)[:, None]
            after = t[None, :] > s[sw, None]
            clock[sw] = np.where(after, s[sw, None] + (t[None, :] - s[sw, None]) * speed, t[None, :])
    # cumulative hazard of the log-normal: -log S(t), S = 1 - Phi((ln t - mu)/sigma), via log_ndtr for accuracy
    with np.errstate(divide="ignore"):
        z = (np.log(np.maximum(clock, 1e-9)) - mu[:, None]) / sigma
    H0 = -special.log_ndtr(-z)
    H0[:, t <= 0] = 0.0
    dH0 = np.diff(H0, axis=1)
    beta = np.log(link.liver_per_10mm.value) / 10.0
    liver = np.nan_to_num(inp.liver_sum_mm, nan=0.0)
    mult = np.exp(np.minimum(beta * (liver - liver[:, :1]), 700.0))  # beyond e^700 death is certain anyway
    mult_mid = 0.5 * (mult[:, 1:] + mult[:, :-1])
    age_y = inp.age[:, None] + t[None, :] / DAYS_PER_YEAR
    Hbg = link.gompertz_a.value / link.gompertz_b.value * np.exp(link.gompertz_b.value * age_y)
    dHbg = np.diff(Hbg, axis=1)
    H = np.concatenate([np.zeros((len(mu), 1)), np.cumsum(dH0 * mult_mid + dHbg, axis=1)], axis=1)
    E = np.array([patient_rng(seed, int(p), OS_STREAM).exponential() for p in inp.patient_ids])
    death = np.full(len(mu), np.inf)
    for i in range(len(mu)):
        k = int(np.searchsorted(H[i], E[i]))
        if k < len(t):
            # linear interpolation of H between grid points
            h_lo, h_hi = H[i, k - 1], H[i, k]
            frac = (E[i] - h_lo) / (h_hi - h_lo) if h_hi > h_lo else 1.0
            death[i] = t[k - 1] + frac * (t[k] - t[k - 1])
    return {"death_day": death, "kg_per_week": kg_w, "ks_per_week": ks_w, "ttg_weeks": ttg_w, "os_mu": mu,
            "os_mu_after_switch": mu_switch}
