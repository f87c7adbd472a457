"""Patient covariates of metastatic NSCLC, sampled with their correlations.

Each patient draws from its own stream `patient_rng(seed, patient_id, COVARIATE_STREAM)`, so a
patient's covariates do not depend on the batch, the order or the number of patients. Eligibility
is applied by drawing again from the same stream until the patient is eligible (a screened
patient who fails screening is replaced by the next candidate of the same id).

Correlated continuous quantities (age, LDH, NLR, albumin, total protein, body weight) and the
latent liabilities of the metastatic sites and ECOG share a Gaussian copula; the marginals are
below, each with its source. Site prevalences default to Tamura 2015 (calibration target T06).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import special

from .sampling import patient_rng

COVARIATE_STREAM = 1
SITES = ("liver", "bone", "brain", "adrenal")

# Each entry: value and its source. "assumed" entries give the reason.
SOURCES: dict[str, str] = {
    "prevalence": "Tamura 2015 Mol Clin Oncol (729 metastatic NSCLC at diagnosis): bone 34.3%, brain 28.4%, "
                  "adrenal 16.7%, liver 13.4% (calibration target T06)",
    "age": "assumed: normal, mean 64 y, sd 9 y, clipped 35-88; median age of first-line NSCLC trials is 63-65 "
           "(e.g. KEYNOTE-189 median 65, Gandhi 2018 NEJM 378:2078)",
    "sex": "assumed: 62% male, as in first-line metastatic NSCLC trials (KEYNOTE-189 59%, IMpower130 59%, "
           "KEYNOTE-407 79%)",
    "ecog": "assumed: ECOG 0 / 1 / 2 = 38% / 60% / 2%, typical of phase 3 first-line NSCLC trials (ECOG 2 mostly "
            "excluded)",
    "histology": "assumed: 72% non-squamous (adenocarcinoma and others), 28% squamous",
    "egfr": "assumed: EGFR-sensitising mutation in 15% of non-squamous tumours (Western cohorts; 0% in squamous)",
    "alk": "assumed: ALK rearrangement in 4% of non-squamous tumours without EGFR mutation",
    "pdl1": "assumed: PD-L1 TPS < 1% / 1-49% / >= 50% = 33% / 36% / 31% (close to the KEYNOTE-189 and KEYNOTE-042 "
            "screening distributions); uniform within a class, 0 for < 1%. pdl1_score: the normal score of the "
            "tumour's PD-L1 rank in the population (the uniform that picks its class), to which model parameters "
            "may be correlated (Variability.covariate)",
    "tmb": "assumed: log-normal, median 8 mut/Mb, sd(log) 0.8",
    "ldh": "Struemper 2025 CPT:PSP 14:1006: NSCLC pool median LDH 225.5 IU/L; spread assumed sd(log) 0.35",
    "nlr": "Struemper 2025: NSCLC pool median NLR 4.1; spread assumed sd(log) 0.55",
    "albumin": "Struemper 2025: NSCLC pool median albumin 39.4 g/L; spread assumed sd 4.5 g/L",
    "total_protein": "Struemper 2025: NSCLC pool median total protein 71 g/L; spread assumed sd 6 g/L",
    "weight": "assumed: normal, 80 kg (men) / 66 kg (women), sd 14 kg, clipped 38-150",
    "height": "assumed: normal, 174 cm (men) / 162 cm (women), sd 7 cm",
    "bsa": "Mosteller 1987 NEJM 317:1098: BSA = sqrt(height cm * weight kg / 3600)",
    "liver_lesions": "assumed: with liver metastasis, 1 + Poisson(1.5) lesions (mostly multiple; single isolated "
                     "lesions in about a fifth)",
    "correlation": "assumed: Gaussian copula; liver metastasis with higher LDH (0.35) and NLR (0.25) and lower albumin "
                   "(-0.2); ECOG with lower albumin (-0.3) and higher NLR (0.2); LDH with NLR (0.2); albumin with "
                   "total protein (0.5); direction of each as in Chan 2021 CPT:PSP 10:1171 (covariates that travel "
                   "together in atezolizumab trials), sizes assumed",
}

# order of the latent normals of the copula
LATENT = ("age", "ldh", "nlr", "albumin", "total_protein", "weight", "ecog", "liver", "bone", "brain", "adrenal")
_CORR = {
    ("liver", "ldh"): 0.35, ("liver", "nlr"): 0.25, ("liver", "albumin"): -0.20,
    ("ecog", "albumin"): -0.30, ("ecog", "nlr"): 0.20, ("ldh", "nlr"): 0.20,
    ("albumin", "total_protein"): 0.50, ("age", "ecog"): 0.10,
}


def correlation_matrix() -> np.ndarray:
    k = len(LATENT)
    c = np.eye(k)
    for (a, b), r in _CORR.items():
        i, j = LATENT.index(a), LATENT.index(b)
        c[i, j] = c[j, i] = r
    return c


@dataclass
class PopulationSpec:
    """What can be changed per trial population (defaults: the sources above)."""

    prevalence: dict[str, float] = field(default_factory=lambda: {"liver": 0.134, "bone": 0.343, "brain": 0.284,
                                                                   "adrenal": 0.167})
    male: float = 0.62
    ecog: tuple[float, float, float] = (0.38, 0.60, 0.02)
    non_squamous: float = 0.72
    egfr_in_non_squamous: float = 0.15
    alk_in_non_squamous_egfr_wt: float = 0.04
    pdl1_classes: tuple[float, float, float] = (0.33, 0.36, 0.31)
    mean_extra_liver_lesions: float = 1.5

    def __post_init__(self):
        full = {"liver": 0.134, "bone": 0.343, "brain": 0.284, "adrenal": 0.167}
        full.update(self.prevalence)
        bad = {k: v for k, v in full.items() if k not in SITES or not 0 <= v <= 1}
        if bad:
            raise ValueError(f"prevalence: sites must be among {SITES} with values in [0, 1], got {bad}")
        self.prevalence = full


COLUMNS = (
    "age", "sex", "ecog", "histology", "egfr", "alk", "egfr_alk", "pdl1_tps", "pdl1_class", "pdl1_score", "tmb", "ldh",
    "nlr", "albumin", "total_protein", "weight", "height", "bsa", "met_liver", "met_bone", "met_brain", "met_adrenal",
    "n_metastatic_sites", "n_liver_lesions", "liver_metastasis", "screened",
)


def _one(rng: np.random.Generator, spec: PopulationSpec, chol: np.ndarray) -> dict:
    z = chol @ rng.standard_normal(len(LATENT))
    u = special.ndtr(z)
    zi = dict(zip(LATENT, z))
    ui = dict(zip(LATENT, u))
    male = rng.random() < spec.male
    non_sq = rng.random() < spec.non_squamous
    egfr = non_sq and rng.random() < spec.egfr_in_non_squamous
    alk = non_sq and not egfr and rng.random() < spec.alk_in_non_squamous_egfr_wt
    u_pdl1 = rng.random()  # the tumour's PD-L1 rank in the population: picks its class, and is its pdl1_score
    cls = int(np.searchsorted(np.cumsum(spec.pdl1_classes), u_pdl1 * sum(spec.pdl1_classes), side="right"))
    cls = min(cls, 2)
    tps = 0.0 if cls == 0 else (rng.uniform(1, 50) if cls == 1 else rng.uniform(50, 100))
    tmb = 8.0 * np.exp(0.8 * rng.standard_normal())
    height = (174.0 if male else 162.0) + 7.0 * rng.standard_normal()
    extra_liver = rng.poisson(spec.mean_extra_liver_lesions)
    weight = float(np.clip((80.0 if male else 66.0) + 14.0 * zi["weight"], 38, 150))
    ecog = int(np.searchsorted(np.cumsum(spec.ecog), ui["ecog"] * sum(spec.ecog), side="right"))
    mets = {s: bool(ui[s] > 1 - spec.prevalence[s]) for s in SITES}
    row = {
        "age": float(np.clip(64.0 + 9.0 * zi["age"], 35, 88)),
        "sex": "male" if male else "female",
        "ecog": min(ecog, 2),
        "histology": "non_squamous" if non_sq else "squamous",
        "egfr": "mutant" if egfr else "wild_type",
        "alk": "positive" if alk else "negative",
        "egfr_alk": "mutant" if (egfr or alk) else "wild_type",
        "pdl1_tps": float(tps),
        "pdl1_class": ("<1%", "1-49%", ">=50%")[cls],
        "pdl1_score": float(special.ndtri(np.clip(u_pdl1, 1e-9, 1 - 1e-9))),
        "tmb": float(tmb),
        "ldh": float(225.5 * np.exp(0.35 * zi["ldh"])),
        "nlr": float(4.1 * np.exp(0.55 * zi["nlr"])),
        "albumin": float(np.clip(39.4 + 4.5 * zi["albumin"], 18, 55)),
        "total_protein": float(np.clip(71.0 + 6.0 * zi["total_protein"], 45, 95)),
        "weight": weight,
        "height": float(height),
        "bsa": float(np.sqrt(height * weight / 3600.0)),
    }
    for s in SITES:
        row[f"met_{s}"] = mets[s]
    row["n_metastatic_sites"] = int(sum(mets.values()))
    row["n_liver_lesions"] = int(1 + extra_liver) if mets["liver"] else 0
    row["liver_metastasis"] = "yes" if mets["liver"] else "no"
    return row


def sample_covariates(
    patient_ids: Sequence[int] | int,
    seed: int = 0,
    spec: PopulationSpec | None = None,
    eligible: Callable[[dict], bool] | None = None,
    max_screened: int = 10_000,
) -> pd.DataFrame:
    """One row per patient (index patient_id); `eligible(row)` screens candidates."""
    ids = np.arange(patient_ids) if isinstance(patient_ids, int | np.integer) else np.asarray(patient_ids)
    spec = spec or PopulationSpec()
    chol = np.linalg.cholesky(correlation_matrix())
    rows = []
    for pid in ids:
        rng = patient_rng(seed, int(pid), COVARIATE_STREAM)
        for screened in range(1, max_screened + 1):
            row = _one(rng, spec, chol)
            if eligible is None or eligible(row):
                break
        else:
            raise ValueError(f"no eligible patient in {max_screened} candidates: are the eligibility criteria "
                             "compatible with the population?")
        row["screened"] = screened
        rows.append(row)
    df = pd.DataFrame(rows, columns=list(COLUMNS), index=pd.Index(ids, name="patient_id"))
    return df


def eligibility_filter(elig) -> Callable[[dict], bool]:
    """A screening function from a protocol's `Eligibility` (livermet.trial.protocol)."""

    def ok(r: dict) -> bool:
        if elig.histology is not None and r["histology"] not in elig.histology:
            return False
        if elig.ecog_max is not None and r["ecog"] > elig.ecog_max:
            return False
        if elig.age_min is not None and r["age"] < elig.age_min:
            return False
        if elig.age_max is not None and r["age"] > elig.age_max:
            return False
        if elig.pdl1_tps_min is not None and r["pdl1_tps"] < elig.pdl1_tps_min:
            return False
        if elig.pdl1_tps_max is not None and r["pdl1_tps"] > elig.pdl1_tps_max:
            return False
        if elig.egfr_alk != "any" and r["egfr_alk"] != elig.egfr_alk:
            return False
        if elig.egfr != "any" and r["egfr"] != elig.egfr:
            return False
        if elig.liver_metastasis == "required" and not r["met_liver"]:
            return False
        if elig.liver_metastasis == "excluded" and r["met_liver"]:
            return False
        if elig.brain_metastasis == "required" and not r["met_brain"]:
            return False
        if elig.brain_metastasis == "excluded" and r["met_brain"]:
            return False
        return True

    return ok
