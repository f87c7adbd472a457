"""Plausible patients and virtual-population selection (Allen, Rieger & Musante 2016 CPT:PSP 5:140).

1. `natural_history`: simulate each plausible patient (parameters drawn from their priors) from
   disease onset until diagnosis, the first time an observable (e.g. the primary's diameter)
   reaches the patient's diagnosis threshold; its state then is its baseline. A patient who never
   gets there within the horizon, or whose integration fails, is not plausible.
2. `run_in`: simulate each patient untreated for a few weeks from a drawn baseline; a patient whose
   tumour regresses untreated is not plausible; its state at the end is its baseline.
3. `baseline_events`: events that start a later simulation (the trial) from that state.
4. `allen_selection`: choose a subset of plausible patients, without weights, so that their
   features match observed data. Each plausible patient's probability of inclusion is the ratio of
   the observed data's density at its features to the plausible patients' density there (k-nearest
   neighbour densities, K = 10 and K = 5 as in the QSPIO-TNBC NSCLC implementation), scaled by one
   factor beta; a patient is included when its uniform draw is below beta * p. Beta is chosen by
   simulated annealing (scipy.optimize.dual_annealing) to minimise the summed two-sample
   Kolmogorov-Smirnov statistics over the features. The algorithm is generic: it runs on whatever
   model and features it is given (see shared/reference/models-and-parameters.md section 2.8).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, spatial, stats

from ..modeling import Event, Model, set_value


def natural_history(model: Model, parameters: pd.DataFrame, threshold, *, observable: str = "diameter_primary",
                    max_days: float = 8000.0, step_days: float = 7.0, backend: str = "numba",
                    rtol: float = 1e-6, atol: float = 1e-6) -> pd.DataFrame:
    """Per plausible patient (rows of `parameters`): whether it reaches `threshold` of `observable`, the
    day it does (diagnosis), and its species and observables on that day (linearly interpolated)."""
    from ..engine import simulate

    times = np.arange(0.0, max_days + 1e-9, step_days)
    ids = parameters.index.to_numpy()
    res = simulate(model, times, parameters, None, backend=backend, patient_ids=ids, rtol=rtol, atol=atol)
    obs = res.observable(observable)
    thr = np.broadcast_to(np.asarray(threshold, dtype=float), (len(ids),))
    reached = np.isfinite(obs) & (obs >= thr[:, None])
    plausible = reached.any(axis=1) & (res.status == 0)
    k = np.where(plausible, reached.argmax(axis=1), 0)
    k0 = np.maximum(k - 1, 0)
    idx = np.arange(len(ids))
    lo, hi = obs[idx, k0], obs[idx, k]
    frac = np.where(hi > lo, (thr - lo) / np.where(hi > lo, hi - lo, 1.0), 1.0)
    frac = np.where(k > 0, np.clip(frac, 0, 1), 1.0)
    day = times[k0] + frac * (times[k] - times[k0])
    out = {"plausible": plausible, "diagnosis_day": np.where(plausible, day, np.nan), "threshold": thr}
    for j, s in enumerate(res.species_names):
        v = res.species[:, :, j]
        out[s] = np.where(plausible, v[idx, k0] + frac * (v[idx, k] - v[idx, k0]), np.nan)
    for j, o in enumerate(res.observable_names):
        v = res.observables[:, :, j]
        out[f"obs_{o}"] = np.where(plausible, v[idx, k0] + frac * (v[idx, k] - v[idx, k0]), np.nan)
    return pd.DataFrame(out, index=parameters.index)


def run_in(model: Model, parameters: pd.DataFrame, days: float, *, min_growth: float = 0.0,
           observable: str = "tumour_burden", backend: str = "numba", rtol: float = 1e-4,
           atol: float = 1e-6) -> pd.DataFrame:
    """Per patient (rows of `parameters`): its untreated `observable` at the start and after `days`,
    whether it is plausible (integrated, and end >= (1 + min_growth) start), and its species at the end."""
    from ..engine import simulate

    ids = parameters.index.to_numpy()
    res = simulate(model, np.array([0.0, float(days)]), parameters, None, backend=backend, patient_ids=ids,
                   rtol=rtol, atol=atol)
    obs = res.observable(observable)
    growth = obs[:, -1] / np.where(obs[:, 0] > 0, obs[:, 0], np.nan)
    plausible = (res.status == 0) & np.isfinite(growth) & (growth >= 1.0 + min_growth)
    out = {"plausible": plausible, "growth": growth}
    for j, s in enumerate(res.species_names):
        out[s] = res.species[:, -1, j]
    return pd.DataFrame(out, index=parameters.index)


def baseline_events(model: Model, state: pd.Series, time: float = 0.0) -> list[Event]:
    """`set` events putting every species at its value in `state` (a row of natural_history or run_in)."""
    return [set_value(time, s, max(float(state[s]), 0.0), f"baseline {s}") for s in model.species_ if s in state]


@dataclass
class Selection:
    selected: np.ndarray  # bool per plausible patient
    beta: float
    probability: np.ndarray  # inclusion probability before beta (max 1)
    ks: np.ndarray  # KS statistic per feature, selected vs observed
    ks_before: np.ndarray  # KS statistic per feature, all plausible vs observed

    @property
    def n_selected(self) -> int:
        return int(self.selected.sum())


def _knn_log_density(points: np.ndarray, at: np.ndarray, k: int, exclude_self: bool) -> np.ndarray:
    tree = spatial.cKDTree(points)
    kk = k + 1 if exclude_self else k
    dist, _ = tree.query(at, k=kk)
    r = np.atleast_2d(dist.T).T[:, -1] if kk > 1 else dist
    d = points.shape[1]
    return np.log(k) - np.log(len(points)) - d * np.log(np.maximum(r, 1e-12))


def inclusion_probability(plausible: np.ndarray, observed: np.ndarray, k_obs: int = 10, k_pp: int = 5,
                          at: np.ndarray | None = None) -> np.ndarray:
    """Ratio of the observed density to the plausible density at each plausible patient, scaled to max 1
    over the plausible patients; with `at`, the same scaled ratio at other points (new candidates judged
    against a fixed reference population)."""
    pp = np.asarray(plausible, dtype=float)
    ob = np.asarray(observed, dtype=float)
    mu, sd = ob.mean(axis=0), ob.std(axis=0)
    sd = np.where(sd > 0, sd, 1.0)
    z_pp, z_ob = (pp - mu) / sd, (ob - mu) / sd
    k_o, k_p = min(k_obs, len(z_ob)), min(k_pp, len(z_pp) - 1)
    log_ratio = _knn_log_density(z_ob, z_pp, k_o, False) - _knn_log_density(z_pp, z_pp, k_p, True)
    if at is None:
        return np.exp(log_ratio - log_ratio.max())
    z_at = (np.asarray(at, dtype=float) - mu) / sd
    log_at = _knn_log_density(z_ob, z_at, k_o, False) - _knn_log_density(z_pp, z_at, k_p, False)
    return np.minimum(np.exp(log_at - log_ratio.max()), 1.0)


def _ks(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if len(a) == 0:
        return np.ones(b.shape[1])
    return np.array([stats.ks_2samp(a[:, j], b[:, j]).statistic for j in range(b.shape[1])])


def allen_selection(plausible, observed, seed: int = 0, k_obs: int = 10, k_pp: int = 5,
                    min_selected: int = 10, maxiter: int = 200) -> Selection:
    """Select a virtual population from plausible patients (rows: patients, columns: features)."""
    pp = np.asarray(plausible, dtype=float)
    ob = np.asarray(observed, dtype=float)
    if pp.ndim != 2 or ob.ndim != 2 or pp.shape[1] != ob.shape[1]:
        raise ValueError("plausible and observed must be 2-D arrays with the same features (columns)")
    p = inclusion_probability(pp, ob, k_obs, k_pp)
    u = np.random.default_rng([int(seed), 2016]).random(len(pp))

    def cost(log_beta):
        sel = u < np.exp(log_beta[0]) * p
        if sel.sum() < min_selected:
            return float(pp.shape[1]) + (min_selected - sel.sum())
        return float(_ks(pp[sel], ob).sum())

    lo = np.log(max(1e-6, np.min(u / np.maximum(p, 1e-300)) * 0.5))
    res = optimize.dual_annealing(cost, bounds=[(lo, np.log(1.0 / max(p.min(), 1e-12)) + 1e-9)], seed=int(seed),
                                  maxiter=maxiter, no_local_search=True)
    beta = float(np.exp(res.x[0]))
    sel = u < beta * p
    return Selection(sel, beta, p, _ks(pp[sel], ob), _ks(pp, ob))
