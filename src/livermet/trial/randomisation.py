"""Screening, randomisation and enrolment of the whole cohort (cheap: covariates only).

Arms are allocated by stratified permuted blocks: within each stratum (combination of the
protocol's stratification factors), patients in id order fill blocks of `block_size` (a multiple
of the sum of the ratio), each block shuffled by a random stream keyed by (seed, stratum, block).
The allocation therefore depends on the seed and the patient ids only, never on batches.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from ..population.covariates import PopulationSpec, eligibility_filter, sample_covariates
from .protocol import DAYS_PER_MONTH, Protocol

# random streams of a patient (livermet.population.patient_rng): 0 parameters, 1 covariates, 2 model-specific
# covariate mapping, 3 overall survival, 5 toxicity (livermet.therapy.toxicity); the trial's own:
RANDOMISATION_STREAM = 14
DROPOUT_STREAM = 11
CROSSOVER_STREAM = 12
AE_STREAM = 13
RECIST_STREAM = 15  # measurement error of the target lesions (recist.measurement_error_factors)
VISIT_STREAM = 16  # offsets of the scan days within the protocol's visit window (simulate.visit_days)


def subgroup_value(cov: pd.DataFrame, name: str) -> pd.Series:
    if name == "liver_metastasis":
        return cov["liver_metastasis"]
    if name == "brain_metastasis":
        return np.where(cov["met_brain"], "yes", "no")
    if name == "metastatic_site":  # the single site among the model's, 'multiple', or 'none' (other sites only)
        sites = ("liver", "bone", "brain", "adrenal")
        has = np.column_stack([cov[f"met_{x}"].to_numpy(bool) for x in sites])
        n = has.sum(axis=1)
        single = np.array(sites)[np.argmax(has, axis=1)]
        return pd.Series(np.where(n == 0, "none", np.where(n == 1, single, "multiple")), index=cov.index)
    if name == "pdl1_tps_ge20":  # KEYNOTE-042's TPS >= 20% population
        return pd.Series(np.where(cov["pdl1_tps"] >= 20, "yes", "no"), index=cov.index)
    if name == "age_group":
        return pd.Series(np.where(cov["age"] >= 65, ">=65", "<65"), index=cov.index)
    if name == "ecog":
        return cov["ecog"].astype(str)
    return cov[name].astype(str)


def _stratum_key(values: tuple) -> int:
    return int.from_bytes(hashlib.sha256(repr(values).encode()).digest()[:4], "little")


def allocate(cov: pd.DataFrame, protocol: Protocol, seed: int) -> np.ndarray:
    """Arm index per patient (rows of `cov` in patient-id order)."""
    ratio = protocol.ratio
    unit = sum(ratio)
    block = protocol.randomisation.block_size or 2 * unit
    if block % unit:
        block = unit * max(1, round(block / unit))
    reps = block // unit
    template = np.repeat(np.arange(len(ratio)), [r * reps for r in ratio])
    factors = protocol.randomisation.stratify_by
    strata = list(zip(*[subgroup_value(cov, f) for f in factors])) if factors else [()] * len(cov)
    counters: dict[tuple, int] = {}
    blocks: dict[tuple, np.ndarray] = {}
    arm = np.empty(len(cov), dtype=int)
    order = np.argsort(cov.index.to_numpy(), kind="stable")
    for i in order:
        s = tuple(strata[i])
        k = counters.get(s, 0)
        counters[s] = k + 1
        b, pos = divmod(k, block)
        if pos == 0 or s not in blocks:
            rng = np.random.default_rng([int(seed), RANDOMISATION_STREAM, _stratum_key(s), b])
            blocks[s] = rng.permutation(template)
        arm[i] = blocks[s][pos]
    return arm


def population_spec(protocol: Protocol) -> PopulationSpec:
    pop = getattr(protocol, "population", None)
    if pop is None:
        return PopulationSpec()
    return PopulationSpec(**{k: v for k, v in pop.model_dump(exclude_none=True).items()})


def enrol(protocol: Protocol, n_patients: int, seed: int) -> pd.DataFrame:
    """Covariates, arm and enrolment day of every patient of the trial (index patient_id)."""
    ids = np.arange(n_patients)
    cov = sample_covariates(ids, seed, population_spec(protocol), eligibility_filter(protocol.eligibility))
    arm_idx = allocate(cov, protocol, seed)
    arms = [a.id for a in protocol.arms]
    accrual = protocol.follow_up.accrual_months * DAYS_PER_MONTH
    out = cov.copy()
    out.insert(0, "arm", [arms[i] for i in arm_idx])
    out.insert(1, "regimen", [protocol.arms[i].regimen_for(h, e)
                              for i, h, e in zip(arm_idx, cov["histology"], cov["egfr"])])
    out.insert(2, "enrol_day", ids / max(n_patients, 1) * accrual)
    cutoff = protocol.follow_up.data_cutoff_months * DAYS_PER_MONTH
    out.insert(3, "admin_censor_day", cutoff - out["enrol_day"])
    rate = -np.log(1 - protocol.follow_up.dropout_per_year) / 365.25 if protocol.follow_up.dropout_per_year else 0
    drop = np.full(n_patients, np.inf)
    if rate > 0:
        drop = np.array([np.random.default_rng([int(seed), int(p), DROPOUT_STREAM]).exponential(1 / rate)
                         for p in ids])
    out.insert(4, "dropout_day", drop)
    out["prior_lines"] = 0 if protocol.line == "first" else 1  # second_or_later: at least one earlier line
    out["prior_chemotherapy"] = int(protocol.line != "first" and protocol.prior_therapy == "chemotherapy")
    out["example_rank"] = out.groupby("arm").cumcount()
    return out
