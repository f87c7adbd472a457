"""Draw virtual patients' parameters from the variability distributions declared in a model.

Each patient has its own random stream keyed by (seed, patient id), so a patient's parameters do
not depend on how many patients are drawn, in which batch, or in which order.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..modeling.model import Model


def patient_rng(seed: int, patient_id: int, stream: int = 0) -> np.random.Generator:
    """The random generator of one patient (stream separates independent uses, e.g. covariates)."""
    return np.random.default_rng([int(seed), int(patient_id), int(stream)])


def sample_parameters(model: Model, patient_ids: Sequence[int] | int, seed: int = 0,
                      covariates: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per patient, one column per parameter that varies between patients. `covariates`
    (indexed by patient id) supplies the scores that some parameters' variability is tied to
    (`Variability.covariate`); without it, or without that column, those parameters are drawn
    uncorrelated, with the same marginal distribution."""
    ids = np.arange(patient_ids) if isinstance(patient_ids, int | np.integer) else np.asarray(patient_ids)
    varying = [p for p in model.parameters_.values() if p.variability.kind != "fixed"]
    scores = {}
    for p in varying:
        col = p.variability.covariate
        if col is not None and covariates is not None and col in covariates:
            scores[p.name] = covariates[col].reindex(ids).to_numpy(dtype=float)
    values = np.empty((len(ids), len(varying)))
    for row, pid in enumerate(ids):
        rng = patient_rng(seed, int(pid))
        for col, p in enumerate(varying):
            z = scores[p.name][row:row + 1] if p.name in scores else None
            values[row, col] = p.variability.sample(p.value, p.lower, p.upper, rng, 1, z)[0]
    return pd.DataFrame(values, columns=[p.name for p in varying], index=pd.Index(ids, name="patient_id"))
