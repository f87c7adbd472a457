"""RECIST 1.1 on simulated lesion diameters (Eisenhauer et al. 2009 Eur J Cancer 45:228-247).

Pure functions on arrays, vectorised over patients. Inputs per patient and assessment:
`diameter[p, t, s]` (mm), the diameter of one typical lesion at site s (0 when there is none), and
`n_lesions[p, t, s]`, the number of detectable lesions there; index t = 0 is the baseline scan.

- Target lesions: at most `max_per_organ` per site and `max_targets` in all, chosen among the
  measurable lesions (>= `min_measurable_mm`) at baseline, largest first.
- Sum of diameters (SLD) over the target lesions; a lesion below `disappeared_below_mm` is
  recorded as 0 (disappeared).
- Response at a time point: PD if the SLD rose by >= 20% over the nadir (the smallest SLD so far,
  baseline included) and by >= 5 mm, or a new lesion appeared; CR if every lesion (targets and
  non-targets) disappeared; PR if the SLD fell by >= 30% from baseline; otherwise SD. NE when the
  values are missing (solver failure). Without measurable disease at baseline, a time point is PD
  (new lesion) or non-CR/non-PD.
- New lesion (docs/contracts.md section 3): `n_lesions` of a site rose by >= 1 above baseline, or
  a site without a measurable lesion at baseline reached `min_measurable_mm`.
- Best overall response: CR/PR must be confirmed by a second assessment >= `confirmation_min_days`
  later (when confirmation is on); SD needs an assessment at >= `sd_min_days`; only assessments up
  to the first PD count.
- Organ-specific response (`organ_assessment`): the same rules read on the lesions of some sites
  only (targets chosen there, new lesions counted there), as liver-metastasis studies report an
  intrahepatic response and intrahepatic PFS.
- Measurement error (optional `factors`): each target lesion's recorded diameter at a scan is its
  true diameter times a log-normal factor of its own (`measurement_error_factors`), as a reader
  re-measuring the same lesion on a repeat CT does not get the same number. Because the nadir is the
  smallest of noisy sums, noise makes progression come earlier than the true diameters say.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CR, PR, SD, PD, NE, NN = 0, 1, 2, 3, 4, 5
LABELS = np.array(["CR", "PR", "SD", "PD", "NE", "non-CR/non-PD"])


@dataclass(frozen=True)
class RecistRules:
    max_targets: int = 5
    max_per_organ: int = 2
    min_measurable_mm: float = 10.0
    pr_threshold: float = -0.30
    pd_threshold: float = 0.20
    pd_absolute_mm: float = 5.0
    disappeared_below_mm: float = 5.0
    confirmation: bool = True
    confirmation_min_days: float = 28.0
    sd_min_days: float = 42.0
    measurement_cv: float = 0.0  # see Recist.measurement_cv in protocol.py for the protocol default

    @classmethod
    def from_protocol(cls, recist) -> "RecistRules":
        return cls(**recist.model_dump())


def _as3d(a) -> np.ndarray:
    a = np.asarray(a, dtype=float)
    if a.ndim == 2:  # one patient: (times, sites)
        a = a[None]
    if a.ndim != 3:
        raise ValueError("expected an array (patients, times, sites) or (times, sites)")
    return a


def select_targets(base_diameter, base_n_lesions, rules: RecistRules = RecistRules()) -> np.ndarray:
    """(patients, sites) number of target lesions per site, chosen at baseline."""
    d = np.atleast_2d(np.asarray(base_diameter, dtype=float))
    n = np.atleast_2d(np.asarray(base_n_lesions, dtype=float))
    measurable = (d >= rules.min_measurable_mm) & np.isfinite(d)
    per_site = np.where(measurable, np.minimum(rules.max_per_organ, np.maximum(np.floor(n), 1)), 0).astype(int)
    order = np.argsort(-np.where(measurable, d, -np.inf), axis=1, kind="stable")  # largest first
    sorted_counts = np.take_along_axis(per_site, order, axis=1)
    before = np.cumsum(sorted_counts, axis=1) - sorted_counts
    taken = np.clip(rules.max_targets - before, 0, sorted_counts)
    out = np.zeros_like(per_site)
    np.put_along_axis(out, order, taken, axis=1)
    return out


def recorded_diameters(diameter, rules: RecistRules = RecistRules()) -> np.ndarray:
    """Diameters as a reader records them: lesions below the disappearance threshold are 0."""
    d = _as3d(diameter)
    return np.where(d < rules.disappeared_below_mm, 0.0, d)


def sum_of_diameters(diameter, targets, rules: RecistRules = RecistRules(), factors=None) -> np.ndarray:
    """(patients, times) sum of the target-lesion diameters; `factors` (patients, times, sites, k >=
    max_per_organ): measurement-error factor of the j-th target lesion of each site (None: exact)."""
    targets = np.atleast_2d(targets)
    if factors is None:
        return np.einsum("pts,ps->pt", recorded_diameters(diameter, rules), targets.astype(float))
    d = _as3d(diameter)[..., None] * factors
    rec = np.where(d < rules.disappeared_below_mm, 0.0, d)
    used = np.arange(factors.shape[3])[None, None, :] < targets[:, :, None]  # (P, S, k)
    return np.einsum("ptsk,psk->pt", rec, used.astype(float))


def measurement_error_factors(patient_ids, n_times: int, n_sites: int, rules: RecistRules, seed: int,
                              stream: int) -> np.ndarray | None:
    """(patients, times, sites, max_per_organ) log-normal factors exp(cv z), one per target lesion and
    scan, each patient from its own random stream (None when `rules.measurement_cv` is 0)."""
    if rules.measurement_cv <= 0:
        return None
    shape = (n_times, n_sites, rules.max_per_organ)
    z = np.stack([np.random.default_rng([int(seed), int(p), stream]).standard_normal(shape) for p in patient_ids])
    return np.exp(rules.measurement_cv * z)


def new_lesions(diameter, n_lesions, rules: RecistRules = RecistRules()) -> np.ndarray:
    """(patients, times) True where a new lesion is seen (never at baseline)."""
    d, n = _as3d(diameter), _as3d(n_lesions)
    rise = (n - n[:, :1, :]) >= 1.0 - 1e-9
    absent_at_baseline = d[:, :1, :] < rules.min_measurable_mm
    appears = absent_at_baseline & (d >= rules.min_measurable_mm)
    out = np.any(rise | appears, axis=2)
    out[:, 0] = False
    return out


def timepoint_responses(sld, new_lesion, all_disappeared, rules: RecistRules = RecistRules()) -> np.ndarray:
    """(patients, times) response codes CR/PR/SD/PD/NE; column 0 (baseline) is NE."""
    sld = np.atleast_2d(np.asarray(sld, dtype=float))
    new = np.atleast_2d(np.asarray(new_lesion, dtype=bool))
    gone = np.atleast_2d(np.asarray(all_disappeared, dtype=bool))
    P, T = sld.shape
    out = np.full((P, T), NE, dtype=np.int8)
    base = sld[:, 0]
    nadir = base.copy()
    measurable = np.isfinite(base) & (base > 0)
    for t in range(1, T):
        s = sld[:, t]
        ok = measurable & np.isfinite(s)
        growth = s - nadir
        pd = (growth >= rules.pd_threshold * nadir) & (growth >= rules.pd_absolute_mm)
        pd |= new[:, t]
        change = (s - base) / np.where(base > 0, base, 1.0)
        code = np.where(pd, PD, np.where(gone[:, t], CR, np.where(change <= rules.pr_threshold, PR, SD)))
        out[:, t] = np.where(ok, code, NE)
        non_measurable = ~measurable & np.isfinite(base) & np.isfinite(s)
        out[:, t] = np.where(non_measurable, np.where(new[:, t], PD, NN), out[:, t])
        nadir = np.where(ok, np.minimum(nadir, s), nadir)
    return out


@dataclass
class RecistOutcome:
    """Per patient: best overall response, first PD, first confirmed response; per time point: calls."""

    targets: np.ndarray  # (P, S)
    sld: np.ndarray  # (P, T)
    new_lesion: np.ndarray  # (P, T)
    response: np.ndarray  # (P, T) codes
    best: np.ndarray  # (P,) codes
    pd_index: np.ndarray  # (P,) index of the first PD assessment, -1 if none
    response_index: np.ndarray  # (P,) index of the first (confirmed) CR/PR, -1 if none
    last_evaluable_index: np.ndarray  # (P,) index of the last assessment with a call, 0 if none

    @property
    def best_label(self) -> np.ndarray:
        return LABELS[self.best]


def best_overall_response(response, times, rules: RecistRules = RecistRules()):
    """(best codes, index of first PD, index of first confirmed response) per patient."""
    r = np.atleast_2d(np.asarray(response))
    times = np.asarray(times, dtype=float)  # (T,) or per patient (P, T)
    P, T = r.shape
    times = np.broadcast_to(times, (P, T))
    is_pd = r == PD
    pd_idx = np.where(is_pd.any(axis=1), is_pd.argmax(axis=1), -1)
    valid = np.arange(T)[None, :] <= np.where(pd_idx < 0, T, pd_idx)[:, None]  # up to and incl. first PD
    rr = np.where(valid, r, NE)
    best = np.full(P, NE, dtype=np.int8)
    resp_idx = np.full(P, -1)
    for p in range(P):
        row, tp = rr[p], times[p]
        crpr = np.flatnonzero((row == CR) | (row == PR))
        conf_cr = conf_pr = -1
        for i in crpr:
            later = np.flatnonzero((np.arange(T) > i) & (tp >= tp[i] + rules.confirmation_min_days))
            if not rules.confirmation:
                later = np.array([i])
            if len(later) == 0:
                continue
            j = later[0]  # the next scan at or after the confirmation interval
            nxt = row[j] if rules.confirmation else row[i]
            if row[i] == CR and nxt == CR and conf_cr < 0:
                conf_cr = i
            if nxt in (CR, PR) and conf_pr < 0:
                conf_pr = i
        if conf_cr >= 0:
            best[p], resp_idx[p] = CR, conf_pr if 0 <= conf_pr < conf_cr else conf_cr
        elif conf_pr >= 0:
            best[p], resp_idx[p] = PR, conf_pr
        elif np.any(((row == CR) | (row == PR) | (row == SD)) & (tp >= rules.sd_min_days)):
            best[p] = SD
        elif np.any((row == NN) & (tp >= rules.sd_min_days)):
            best[p] = NN
        elif pd_idx[p] >= 0:
            best[p] = PD
    return best, pd_idx, resp_idx


def assess(diameter, n_lesions, times, rules: RecistRules = RecistRules(), factors=None) -> RecistOutcome:
    """RECIST 1.1 for every patient from (patients, times, sites) diameters and lesion counts;
    `factors`: measurement error of the target lesions (see `measurement_error_factors`); `times`: the
    assessment days, shared (T,) or per patient (P, T)."""
    d, n = _as3d(diameter), _as3d(n_lesions)
    times = np.asarray(times, dtype=float)
    if d.shape[1] != times.shape[-1]:
        raise ValueError(f"{d.shape[1]} time points of diameters for {times.shape[-1]} assessment times")
    targets = select_targets(d[:, 0, :], n[:, 0, :], rules)
    sld = sum_of_diameters(d, targets, rules, factors)
    new = new_lesions(d, n, rules)
    rec = recorded_diameters(d, rules)
    gone = np.all(rec == 0.0, axis=2)
    resp = timepoint_responses(sld, new, gone, rules)
    best, pd_idx, resp_idx = best_overall_response(resp, times, rules)
    called = resp != NE
    called[:, 0] = True
    last = called.shape[1] - 1 - np.argmax(called[:, ::-1], axis=1)
    return RecistOutcome(targets, sld, new, resp, best, pd_idx, resp_idx, last)


def organ_assessment(diameter, n_lesions, times, sites, rules: RecistRules = RecistRules(),
                     factors=None) -> RecistOutcome:
    """RECIST 1.1 read on the lesions of the `sites` (column indices) alone: an organ-specific (for the
    liver, intrahepatic) response. Patients without a measurable lesion there have no targets."""
    idx = list(sites)
    return assess(_as3d(diameter)[:, :, idx], _as3d(n_lesions)[:, :, idx], times, rules,
                  None if factors is None else factors[:, :, idx])
