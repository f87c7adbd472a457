"""Therapy covariates of the trial layer: the cohort's sex and ECOG columns reach the PK parameters."""

from __future__ import annotations

import numpy as np
import pandas as pd

from livermet.modeling import Model
from livermet.therapy import COVARIATES, covariate_parameters, get_agent
from livermet.trial.models import COVARIATE_PARAMETERS, default_patient_parameters
from livermet.trial.simulate import therapy_covariates


def _pk_model() -> Model:
    m = Model("nivolumab_pk")
    get_agent("nivolumab").add_to(m, missing_hooks="skip")
    return m


def _cohort() -> pd.DataFrame:
    return pd.DataFrame({"age": [60.0, 70.0, 55.0], "sex": ["male", "female", "female"], "ecog": [0, 1, 2],
                         "weight": [80.0, 60.0, 70.0], "albumin": [40.0, 35.0, 38.0], "bsa": [2.0, 1.6, 1.8]},
                        index=pd.Index([0, 1, 2], name="patient_id"))


def test_covariate_columns_map_to_therapy_covariate_parameters():
    assert COVARIATE_PARAMETERS["female"] == COVARIATES["female"][0] == "cov_female"
    assert COVARIATE_PARAMETERS["ecog"] == COVARIATES["ecog"][0] == "cov_ecog"


def test_sex_and_ecog_become_per_patient_parameters():
    m = _pk_model()
    p = default_patient_parameters(m, _cohort(), seed=1)
    np.testing.assert_array_equal(p["cov_female"].to_numpy(), [0.0, 1.0, 1.0])
    np.testing.assert_array_equal(p["cov_ecog"].to_numpy(), [0.0, 1.0, 2.0])
    assert "cov_crcl" in p and np.all(p["cov_crcl"].to_numpy() > 0)


def test_regimen_covariates_carry_sex_and_ecog():
    m = _pk_model()
    row = _cohort().iloc[1]
    params = covariate_parameters(m, therapy_covariates(row))
    assert params["cov_female"] == 1.0 and params["cov_ecog"] == 1.0 and params["cov_weight"] == 60.0


def test_tps_in_percent_and_line_of_therapy_reach_the_liver_model():
    """PD-L1 TPS keeps its clinical percent scale (not clipped to 1), and a second-line protocol
    marks its patients as pretreated."""
    from livermet.biology.liver import liver_metastasis_model
    from livermet.trial.library import resolve
    from livermet.trial.protocol import load_protocol
    from livermet.trial.randomisation import enrol

    m = liver_metastasis_model()
    cohort = _cohort().assign(pdl1_tps=[0.0, 30.0, 80.0], prior_lines=[0, 1, 1], n_liver_lesions=0)
    p = default_patient_parameters(m, cohort, seed=1)
    np.testing.assert_allclose(p["pdl1_tps"].to_numpy(), [m.parameters_["pdl1_tps"].lower, 30.0, 80.0])
    np.testing.assert_array_equal(p["prior_lines"].to_numpy(), [0.0, 1.0, 1.0])
    assert (enrol(load_protocol(resolve("oak")), 20, 3)["prior_lines"] == 1).all()
    assert (enrol(load_protocol(resolve("keynote024")), 20, 3)["prior_lines"] == 0).all()
    # chemo-resistance from an earlier line only when that line was chemotherapy (Cai 2023: after an EGFR-TKI)
    prior_chemo = {t: set(enrol(load_protocol(resolve(t)), 20, 3)["prior_chemotherapy"]) for t in
                   ("oak", "cai2023", "keynote024")}
    assert prior_chemo == {"oak": {1}, "cai2023": {0}, "keynote024": {0}}


def test_egfr_status_marks_mutant_tumours_and_the_model_sets_their_tki_insensitive_share():
    """The population gives the mutation (0/1); the TKI-insensitive share at the start is a model
    parameter (calibrated), so the sensitive share of a mutant tumour is 1 - f_tki_insensitive."""
    from livermet.biology.liver import liver_metastasis_model
    from livermet.engine import simulate

    m = liver_metastasis_model()
    cohort = _cohort().assign(egfr=["mutant", "wild_type", "mutant"], n_liver_lesions=0)
    p = default_patient_parameters(m, cohort, seed=1)
    np.testing.assert_array_equal(p["egfr_mutant"].to_numpy(), [1.0, 0.0, 1.0])
    d = m.parameter_values()
    arms = {k: [d[k]] * 3 for k in d}
    arms["egfr_mutant"] = list(p["egfr_mutant"])
    arms["f_tki_insensitive"] = [0.01, 0.01, 0.05]
    res = simulate(m, np.array([0.0, 1.0]), arms)
    np.testing.assert_allclose(res.species_values("fegfr_primary")[:, 0], [0.99, 0.0, 0.95], rtol=1e-12)


def test_occult_lesions_in_organs_without_visible_metastasis():
    """An organ without visible metastasis holds a lesion below detection with probability
    1 - exp(-rate f_seed / 0.08): none at rate 0, most at a high rate, always below d_detect; the
    visible lesions of involved sites do not depend on the rate (a random stream of their own)."""
    from livermet.biology.liver import liver_metastasis_model
    from livermet.population.covariates import sample_covariates
    from livermet.trial.models import baseline_lesions

    m = liver_metastasis_model()
    cov = sample_covariates(300, 2)
    params = pd.DataFrame({"f_seed_liver": 0.08, "f_seed_bone": 0.08, "f_seed_brain": 0.08, "f_seed_adrenal": 0.08},
                          index=cov.index)
    by_rate = {}
    for rate in (0.0, 0.3, 3.0):
        by_rate[rate] = baseline_lesions(m, cov, 5, params.assign(occult_organ_rate=rate))
    vol, d_detect = m.parameters_["vol_cell"].value, m.parameters_["d_detect"].value
    for site in ("liver", "bone", "brain", "adrenal"):
        clear = ~cov[f"met_{site}"].astype(bool).to_numpy()
        involved = ~clear
        for rate, b in by_rate.items():
            share = (b[f"L0_{site}"].to_numpy()[clear] > 0).mean()
            expected = 1 - np.exp(-rate)
            assert abs(share - expected) < 0.12, (site, rate, share)
            diam = np.cbrt(6 * b[f"C0_{site}"].to_numpy()[clear] * vol / np.pi)
            assert np.all(diam < d_detect)
            visible = b[f"C0_{site}"].to_numpy()[involved]
            np.testing.assert_array_equal(visible, by_rate[0.0][f"C0_{site}"].to_numpy()[involved])


def test_pdl1_rich_tumours_are_more_antigenic_in_every_run_in_candidate():
    """Antigenicity is tied to the PD-L1 rank (adaptive PD-L1): higher in >= 50% tumours than in < 1%,
    in the first draw and in the redraws that the run-in and natural-history selections make."""
    from scipy import stats

    from livermet.biology.liver import liver_metastasis_model
    from livermet.population import sample_covariates
    from livermet.trial.simulate import redraw_candidate

    m = liver_metastasis_model()
    cov = sample_covariates(1500, seed=5)
    order = cov.groupby("pdl1_class")["pdl1_score"].agg(["min", "max"])
    assert order.loc["<1%", "max"] < order.loc["1-49%", "min"] <= order.loc["1-49%", "max"] < order.loc[">=50%", "min"]
    p = default_patient_parameters(m, cov, seed=5)
    ids = cov.index.to_numpy()
    rho = m.parameters_["antigenicity"].variability.rho
    for cand in (p, redraw_candidate(m, p, ids, 5, 2, cov)):
        r = stats.spearmanr(np.log(cand["antigenicity"]), cov["pdl1_score"])[0]
        assert abs(r - rho) < 0.08
        by_class = np.log(cand["antigenicity"]).groupby(cov["pdl1_class"]).mean()
        assert by_class[">=50%"] - by_class["<1%"] > 0.4
    # without the covariates a redraw forgets the tie
    loose = redraw_candidate(m, p, ids, 5, 2)
    assert abs(stats.spearmanr(np.log(loose["antigenicity"]), cov["pdl1_score"])[0]) < 0.08
