"""Virtual-patient covariates: per-patient streams, prevalences, correlations, eligibility."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from livermet.population import PopulationSpec, sample_covariates
from livermet.population.covariates import correlation_matrix, eligibility_filter
from livermet.trial.protocol import Eligibility


def test_a_patient_does_not_depend_on_batch_or_order():
    a = sample_covariates(np.arange(40), seed=7)
    b = pd.concat([sample_covariates(np.arange(39, 19, -1), seed=7), sample_covariates(np.arange(20), seed=7)])
    pd.testing.assert_frame_equal(a, b.sort_index())
    c = sample_covariates(np.arange(40), seed=8)
    assert not a["age"].equals(c["age"])


def test_liver_prevalence_matches_tamura_2015_target_t06():
    cov = sample_covariates(4000, seed=1)
    k = int(cov["met_liver"].sum())
    # 13.4% (T06): the exact binomial test does not reject it
    assert stats.binomtest(k, len(cov), 0.134).pvalue > 0.001
    assert (cov.loc[cov["met_liver"], "n_liver_lesions"] >= 1).all()
    assert (cov.loc[~cov["met_liver"], "n_liver_lesions"] == 0).all()
    spec = PopulationSpec(prevalence={"liver": 0.5})
    cov2 = sample_covariates(1000, seed=1, spec=spec)
    assert 0.45 < cov2["met_liver"].mean() < 0.55


def test_correlations_and_ranges():
    assert np.all(np.linalg.eigvalsh(correlation_matrix()) > 0)
    cov = sample_covariates(3000, seed=2)
    liver = cov["met_liver"]
    # liver metastasis travels with higher LDH and lower albumin (copula correlations)
    assert np.log(cov.loc[liver, "ldh"]).mean() > np.log(cov.loc[~liver, "ldh"]).mean() + 0.1
    assert cov.loc[liver, "albumin"].mean() < cov.loc[~liver, "albumin"].mean()
    assert np.median(cov["ldh"]) == np.clip(np.median(cov["ldh"]), 200, 250)
    assert cov["egfr"].eq("mutant").sum() > 0
    assert (cov.loc[cov["histology"] == "squamous", "egfr"] == "wild_type").all()
    assert np.allclose(cov["bsa"], np.sqrt(cov["height"] * cov["weight"] / 3600))


def test_eligibility_is_applied_by_screening_within_the_patient_stream():
    elig = Eligibility(histology=["non_squamous"], egfr_alk="wild_type", pdl1_tps_min=50, liver_metastasis="required")
    cov = sample_covariates(60, seed=3, eligible=eligibility_filter(elig))
    assert (cov["histology"] == "non_squamous").all() and (cov["egfr_alk"] == "wild_type").all()
    assert (cov["pdl1_tps"] >= 50).all() and cov["met_liver"].all()
    assert (cov["screened"] >= 1).all() and cov["screened"].max() > 1
    again = sample_covariates([5, 17], seed=3, eligible=eligibility_filter(elig))
    pd.testing.assert_frame_equal(again, cov.loc[[5, 17]])
