"""Where the trial layer gets its model and its regimens.

A `TrialSetup` names a model factory, a function that turns covariates into per-patient
parameters, and a regimen source. Two setups are built in:

- `liver`: the liver-metastasis model of `livermet.biology` (registered there as "liver") with the
  therapy library `livermet.therapy.get_regimen` (docs/contracts.md sections 3 and 4);
- `toy`: the trial layer's own test model and regimens (`livermet.trial.toy`), for tests and
  benchmarks of the trial machinery.

Any other model registered in `livermet.biology.MODELS` can be used with the therapy library.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..modeling import Model
from ..population.sampling import sample_parameters

# covariate column -> model parameter (set per patient when the model has the parameter)
COVARIATE_PARAMETERS = {
    "weight": "cov_weight",  # livermet.therapy.base.COVARIATES
    "albumin": "cov_albumin",
    "crcl": "cov_crcl",
    "female": "cov_female",  # 1 = female, from the cohort's `sex` column
    "ecog": "cov_ecog",
    "ldh": "ldh_base",
    "nlr": "nlr_base",
    "pdl1_tps": "pdl1_tps",
    "tmb": "tmb",
    "prior_lines": "prior_lines",
    "prior_chemotherapy": "prior_chemotherapy",
}

# parameters a patient's covariates set (kept when its other varying parameters are redrawn)
FROM_COVARIATES = frozenset({*COVARIATE_PARAMETERS.values(), "egfr_mutant"})


def creatinine_clearance(age, weight, female, creatinine_mg_dl: float = 0.9):
    """Cockcroft-Gault 1976 Nephron 16:31 (mL/min); serum creatinine assumed 0.9 mg/dL when unknown."""
    crcl = (140.0 - np.asarray(age)) * np.asarray(weight) / (72.0 * creatinine_mg_dl)
    return np.where(np.asarray(female), 0.85 * crcl, crcl)


SITES = ("primary", "liver", "bone", "brain", "adrenal")
BASELINE_STREAM = 2
OCCULT_STREAM = 6
OCCULT_REFERENCE_SEEDING = 0.08  # the liver's typical f_seed, at which occult_organ_rate is stated
BASELINE_SOURCES = {
    "primary_diameter": "lognormal, median 37 mm, sd(log) 0.4: the initial-diameter distribution of the QSPIO-TNBC "
                        "NSCLC virtual-patient generation (Wang et al. 2023; shared/reference/models-and-parameters.md "
                        "2.8)",
    "metastasis_diameter": "assumed: lognormal, median 20 mm, sd(log) 0.4 per metastatic lesion (measurable, >= 10 mm "
                           "in most patients)",
    "lesions_other_sites": "assumed: 1 + Poisson(0.5) lesions at a bone, brain or adrenal site with metastasis",
    "occult_organs": "model parameter occult_organ_rate: an organ without visible metastasis holds one lesion below "
                     "detection with probability 1 - exp(-rate f_seed / 0.08); its diameter is log-uniform between a "
                     "new lesion's (c_colony cells) and d_detect, as for lesions of uniformly spread ages growing "
                     "exponentially",
}


def _occult_organ_lesion(model: Model, prow: dict, site: str, vol_name: str, rng: np.random.Generator) -> float:
    """Cells of an occult lesion in an organ without visible metastasis (0 when there is none)."""
    value = lambda name: float(prow.get(name, model.parameters_[name].value))  # noqa: E731
    rate = value("occult_organ_rate") * value(f"f_seed_{site}") / OCCULT_REFERENCE_SEEDING
    u_present, u_size = rng.random(2)  # both drawn always, so one organ's draw does not shift the next
    if u_present >= 1.0 - np.exp(-rate):
        return 0.0
    cells_detect = np.pi / 6 * value("d_detect") ** 3 / value(vol_name)
    lo, hi = np.log(value("c_colony")), np.log(cells_detect)
    return float(np.exp(lo + (hi - lo) * u_size))


def baseline_lesions(model: Model, covariates: pd.DataFrame, seed: int, params: pd.DataFrame | None = None
                     ) -> pd.DataFrame:
    """Baseline disease from covariates, for models with the contract's per-site lesion parameters
    `C0_<site>` (initial living cancer cells) and `L0_<site>` (number of lesions): each patient's
    lesion sizes are drawn from its own stream; sites without metastasis keep 0, or hold an occult
    lesion when the model has `occult_organ_rate` (drawn from a stream of their own, with the
    patient's parameters in `params`)."""
    vol = next((p for p in model.parameters_.values() if p.unit.replace(" ", "") == "mm**3/cell"), None)
    if vol is None or "C0_primary" not in model.parameters_:
        return pd.DataFrame(index=covariates.index)
    occult = "occult_organ_rate" in model.parameters_
    rows = []
    for pid, cov in covariates.iterrows():
        rng = np.random.default_rng([int(seed), int(pid), BASELINE_STREAM])
        rng_occult = np.random.default_rng([int(seed), int(pid), OCCULT_STREAM])
        prow = params.loc[pid].to_dict() if params is not None and pid in params.index else {}
        row = {}
        d_primary = 37.0 * np.exp(0.4 * rng.standard_normal())
        row["C0_primary"] = np.pi / 6 * d_primary**3 / vol.value
        for site in SITES[1:]:
            n = int(cov["n_liver_lesions"]) if site == "liver" else 1 + int(rng.poisson(0.5))
            d = 20.0 * np.exp(0.4 * rng.standard_normal())
            present = bool(cov.get(f"met_{site}", False))
            hidden = _occult_organ_lesion(model, prow, site, vol.name, rng_occult) if occult else 0.0
            if f"C0_{site}" in model.parameters_:
                row[f"C0_{site}"] = n * np.pi / 6 * d**3 / vol.value if present else hidden
            if f"L0_{site}" in model.parameters_:
                row[f"L0_{site}"] = float(n) if present else float(hidden > 0)
        for k in list(row):
            p = model.parameters_[k]
            row[k] = float(np.clip(row[k], p.lower, p.upper))
        rows.append(row)
    return pd.DataFrame(rows, index=covariates.index)


def default_patient_parameters(model: Model, covariates: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Parameter variability (per-patient stream), baseline lesions, and the covariates the model has
    parameters for."""
    params = sample_parameters(model, covariates.index.to_numpy(), seed, covariates)
    base = baseline_lesions(model, covariates, seed, params)
    for c in base.columns:
        params[c] = base[c]
    cov = covariates.copy()
    if "crcl" not in cov:
        cov["crcl"] = creatinine_clearance(cov["age"], cov["weight"], cov["sex"] == "female")
    if "female" not in cov and "sex" in cov:
        cov["female"] = (cov["sex"] == "female").astype(float)
    if "egfr_mutant" in model.parameters_ and "egfr" in cov:
        params["egfr_mutant"] = (cov["egfr"].to_numpy() == "mutant").astype(float)
    for col, pname in COVARIATE_PARAMETERS.items():
        if pname in model.parameters_ and col in cov:
            p = model.parameters_[pname]
            params[pname] = np.clip(cov[col].to_numpy(float), p.lower, p.upper)
    return params


@dataclass
class TrialSetup:
    name: str
    model_factory: Callable[[], Model]
    get_regimen: Callable[[str], object]
    patient_parameters: Callable[[Model, pd.DataFrame, int], pd.DataFrame] = default_patient_parameters
    description: str = ""
    extras: dict = field(default_factory=dict)

    def known_regimen(self, regimen_id: str) -> bool:
        try:
            self.get_regimen(regimen_id)
            return True
        except Exception:  # noqa: BLE001 - any lookup failure means unknown
            return False

    def build_model(self, regimen_ids: list[str]) -> Model:
        """One model for every arm: the base model with every agent of every regimen added."""
        model = self.model_factory()
        for rid in regimen_ids:
            reg = self.get_regimen(rid)
            current = model
            model = reg.build_model(lambda current=current: current)
        return model


def _toy_setup() -> TrialSetup:
    from . import toy

    def get(rid: str):
        try:
            return toy.TOY_REGIMENS[rid]
        except KeyError:
            raise KeyError(f"unknown regimen {rid!r} of the test model; available: "
                           f"{', '.join(sorted(toy.TOY_REGIMENS))}") from None

    def params(model, cov, seed):
        base = default_patient_parameters(model, cov, seed)
        extra = toy.toy_patient_parameters(model, cov, seed)
        for c in extra.columns:
            base[c] = extra[c]
        return base

    return TrialSetup("toy", toy.toy_model, get, params, "test model of the trial layer (not the liver model)")


def _library_setup(model_name: str) -> TrialSetup:
    from ..biology import MODELS

    if model_name not in MODELS:
        raise ValueError(f"unknown model {model_name!r}; available: {', '.join(sorted([*MODELS, 'toy']))}")
    try:
        therapy = importlib.import_module("livermet.therapy")
        get_regimen = therapy.get_regimen
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"the therapy library (livermet.therapy.get_regimen) is not available: {exc}") from exc
    biology = importlib.import_module("livermet.biology")
    pp = getattr(biology, "patient_parameters", None)  # a model may provide its own covariate mapping

    def params(model, cov, seed):
        base = default_patient_parameters(model, cov, seed)
        if callable(pp):
            extra = pp(model, cov, seed)
            for c in extra.columns:
                base[c] = extra[c]
        return base

    return TrialSetup(model_name, MODELS[model_name], get_regimen, params,
                      f"model {model_name!r} of livermet.biology with the therapy library")


_CUSTOM: dict[str, Callable[[], TrialSetup]] = {}


def register_setup(name: str, make: Callable[[], TrialSetup]) -> None:
    _CUSTOM[name] = make


def get_setup(model_name: str = "liver") -> TrialSetup:
    if model_name in _CUSTOM:
        return _CUSTOM[model_name]()
    if model_name == "toy":
        return _toy_setup()
    return _library_setup(model_name)
