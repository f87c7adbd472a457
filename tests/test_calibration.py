"""Calibration: targets as data, the objective, parameter sets, the fit with checkpoint and resume,
synthetic parameter recovery, `calibrate check`, the CLI and the report (on the trial layer's toy model)."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from livermet.calibration.check import _combine, cohort_median, contrasts, run_check
from livermet.calibration.evaluate import score_trial
from livermet.calibration.fit import CalibrationSpec, SpecError, load_spec, run_calibration
from livermet.calibration.objective import Z95, exact_p_value, p_number, score
from livermet.calibration.parameter_set import (ParameterSetError, apply_parameter_set, load_parameter_set,
                                                write_parameter_set)
from livermet.calibration.targets import targets_summary
from livermet.cli import app
from livermet.trial.models import get_setup
from livermet.trial.simulate import apply_overrides

PROTOCOL = {
    "id": "toy_calibration",
    "title": "toy trial with a published record",
    "arms": [{"id": "io_chemo", "regimen": "toy_io_chemo"}, {"id": "chemo", "regimen": "toy_chemo", "control": True}],
    "sample_size": 60,
    "assessment": {"schedule": [{"every_weeks": 6}], "horizon_months": 36},
    "endpoints": {"primary": ["os", "pfs"], "secondary": ["orr"]},
    "follow_up": {"accrual_months": 6, "data_cutoff_months": 36, "dropout_per_year": 0.0},
    "subgroups": ["liver_metastasis"],
    "published": [{"record": "target_t23"}],
}


@pytest.fixture
def toy_trial(tmp_path):
    p = tmp_path / "toy_calibration.yaml"
    p.write_text(yaml.safe_dump(PROTOCOL))
    return str(p)


# ---------------------------------------------------------------- objective


def test_score_median_with_published_ci():
    row = {"kind": "median", "published": 22.0, "published_ci": [19.5, 25.2], "simulated": 22.0,
           "simulated_ci": [18.0, 27.0], "n": 100}
    s = score(row)
    assert s.ci_source == "published" and s.z == pytest.approx(0.0) and s.within
    se = (math.log(25.2) - math.log(19.5)) / (2 * Z95)
    assert s.se_published == pytest.approx(se)
    far = score({**row, "simulated": 40.0})
    assert far.z > 2 and not far.within and far.nll == pytest.approx(0.5 * far.z**2)
    assert score({**row, "simulated": 10.0}).z < -2


def test_median_whose_upper_bound_was_not_reached_has_a_one_sided_interval():
    """T28: KEYNOTE-024's pembrolizumab median OS 30.0 months, 95% CI 18.3 to not reached. Every simulated
    median above 18.3 lies inside; the standard error comes from the lower half of the interval."""
    for upper in (math.inf, None):  # as the knowledge base holds it, and as JSON carries it
        row = {"kind": "median", "published": 30.0, "published_ci": [18.3, upper], "simulated": 19.0,
               "simulated_ci": [17.0, 21.0], "n": 154}
        s = score(row)
        assert s.ci_source == "published" and s.interval == (18.3, math.inf) and s.within
        assert s.se_published == pytest.approx((math.log(30.0) - math.log(18.3)) / Z95)
        assert s.z < 0 and not score({**row, "simulated": 18.0}).within
        assert score({**row, "simulated": 90.0}).within
    from livermet.calibration.heterogeneity import residual_heterogeneity

    rows = [{"kind": "median", "observed": 30.0, "ci": [18.3, None], "simulated": 19.0, "z": -1.7, "within": True}] * 3
    assert residual_heterogeneity(rows)["rows"] == 3


def test_score_without_ci_uses_sample_size_and_rates_are_binomial():
    hr = score({"kind": "hr", "published": 0.7, "published_ci": None, "published_n": 854, "simulated": 0.7,
                "simulated_ci": [0.6, 0.8]})
    assert hr.ci_source == "derived from n"
    assert hr.se_published == pytest.approx(math.sqrt(2 / (0.7 * 854 / 2)))
    assert hr.interval[0] < 0.7 < hr.interval[1]
    rate = score({"kind": "rate", "published": 14.0, "published_ci": None, "published_n": 425, "simulated": 30.0,
                  "simulated_ci": [25.0, 35.0]})
    assert rate.se_published == pytest.approx(math.sqrt(0.14 * 0.86 / 425)) and rate.z > 3
    # a response rate's interval is the exact one of round(p n) of n: 1 of 15 excludes 0, which a
    # symmetric interval (-6% to 19%) did not
    one_of_15 = score({"kind": "rate", "published": 6.7, "published_ci": None, "published_n": 15, "simulated": 0.0})
    assert one_of_15.interval == pytest.approx((0.1686, 31.95), abs=0.01) and one_of_15.within is False
    # a Kaplan-Meier rate's is the log(-log) interval: asymmetric, inside (0, 100), about as wide as the symmetric one
    km = score({"kind": "rate", "estimator": "kaplan_meier", "published": 6.8, "published_ci": None,
                "published_n": 338, "simulated": 9.7})
    se = math.sqrt(0.068 * 0.932 / 338)
    assert 0 < km.interval[0] < 6.8 < km.interval[1] and km.within is True
    assert km.interval[1] - 6.8 > 6.8 - km.interval[0]
    assert km.interval[1] - km.interval[0] == pytest.approx(2 * 1.96 * 100 * se, rel=0.05)
    assert score({"kind": "median", "published": 5.0, "published_ci": None}).ci_source == "none"
    nr = score({"kind": "median", "published": 5.0, "published_ci": [4.0, 6.0], "simulated": None})
    assert nr.z == 3.0 and nr.within is None


def test_hazard_ratio_without_ci_takes_the_interval_its_exact_p_value_implies():
    """T10: HR 0.52, P = 0.005 and no CI; a Wald test gives SE = |ln 0.52| / z(0.0025), the 0.33-0.82 that
    the IMpower150 liver subgroup reported. A bound ('<0.0001') or no P falls back on the group size."""
    row = {"kind": "hr", "published": 0.52, "published_ci": None, "published_p": "0.005", "simulated": 0.7,
           "simulated_ci": [0.6, 0.8]}
    s = score(row, 400.0)
    assert s.ci_source == "derived from P"
    assert s.interval == pytest.approx((0.33, 0.82), abs=0.005) and s.within
    assert s.se_published == pytest.approx(-math.log(0.52) / 2.807, rel=1e-3)
    for p in ("<0.0001", None, "n.s.", "1"):
        assert score({**row, "published_p": p}, 400.0).ci_source == "derived from n"
    assert score({**row, "kind": "median", "published": 12.0, "simulated": 12.0}, 400.0).ci_source == "derived from n"
    assert [exact_p_value(t) for t in ("P=0.019", "< 0.05", "0.005")] == [0.019, None, 0.005]


def test_fallback_group_size_of_a_subgroup_is_its_share_of_a_published_study():
    """A liver-metastasis median of a 793-patient trial rests on the liver patients, not on the arm; a cohort
    whose size is assumed keeps its size for every group, and whole arms keep the randomisation share."""
    from livermet.calibration.evaluate import fallback_n
    from livermet.trial.library import resolve
    from livermet.trial.protocol import load_protocol

    cm227 = load_protocol(resolve("checkmate227"))
    liver = {"kind": "median", "role": "control", "subgroup": "liver_metastasis=yes", "experimental": "nivo_ipi",
             "control": "chemo", "n": 50, "n_total": 793}
    assert fallback_n(cm227, liver) == pytest.approx(50)
    assert fallback_n(cm227, {**liver, "subgroup": "all", "n": 396}) == pytest.approx(793 / 2)
    hr = {**liver, "kind": "hr", "role": "contrast", "n": 100}
    assert fallback_n(cm227, hr) == pytest.approx(100) and fallback_n(cm227, {**hr, "subgroup": "all"}) == 793
    castanon = load_protocol(resolve("castanon2015"))  # prognostic groups are the 'arms' of a cohort
    group = {"kind": "median", "role": "control", "subgroup": "all", "experimental": "liver_metastasis=yes",
             "control": "liver_metastasis=no", "n": 196, "n_total": 236}
    assert fallback_n(castanon, group) == pytest.approx(196)
    seer = load_protocol(resolve("seer_natural_history"))
    assert seer.sample_size_source == "assumed"
    site = {"kind": "median", "role": "experimental", "subgroup": "all", "experimental": "metastatic_site=brain",
            "n": 60, "n_total": 400}
    assert fallback_n(seer, site) == 400


@pytest.mark.parametrize("tau", [0.0, 0.2])
def test_residual_heterogeneity_recovers_the_between_study_spread(tau):
    """Rows whose published figures scatter around an unbiased model with spread tau besides sampling error
    (se 0.1 published, 0.05 simulated): the estimate comes back near tau, and with tau = 0 the expected count
    inside is the 95% of the rows; a few wild rows (a target no parameter reaches) do not move it much."""
    from statistics import NormalDist

    from livermet.calibration.heterogeneity import residual_heterogeneity

    rng = np.random.default_rng(3)
    rows = []
    for i in range(600):
        pub = 10.0 * math.exp(rng.normal(0, 0.1) + rng.normal(0, tau) + (3.0 if i < 10 else 0.0))
        sim = 10.0 * math.exp(rng.normal(0, 0.05))
        ci = [pub * math.exp(-Z95 * 0.1), pub * math.exp(Z95 * 0.1)]
        z = (math.log(sim) - math.log(pub)) / math.sqrt(0.1**2 + 0.05**2)
        rows.append({"kind": "median", "observed": pub, "ci": ci, "simulated": sim, "z": z,
                     "within": ci[0] <= sim <= ci[1]})
    h = residual_heterogeneity(rows, cohorts=1)
    assert h["rows"] == 600 and h["tau"] == pytest.approx(tau, abs=0.05)
    share = 2 * NormalDist().cdf(Z95 * 0.1 / math.sqrt(0.1**2 + 0.05**2)) - 1  # 0.92
    assert h["expected_within_without_tau"] == pytest.approx(600 * share, rel=1e-6)
    assert abs(h["within"] - h["expected_within_with_tau"]) < 0.06 * 600
    assert residual_heterogeneity(rows[:2])["tau"] is None


def test_huber_objective_is_gaussian_inside_and_linear_beyond_the_threshold():
    from livermet.calibration.objective import Scored, huber, negative_log_likelihood

    assert huber(1.5, 2.0) == pytest.approx(0.5 * 1.5**2) and huber(-1.5, None) == pytest.approx(1.125)
    assert huber(10.0, 2.0) == pytest.approx(2.0 * 10.0 - 2.0) and huber(-10.0, 2.0) == huber(10.0, 2.0)
    # continuous with a continuous slope at the threshold
    assert huber(2.0 + 1e-9, 2.0) == pytest.approx(huber(2.0 - 1e-9, 2.0))
    assert (huber(2.001, 2.0) - huber(2.0, 2.0)) / 0.001 == pytest.approx(2.0, rel=1e-3)
    scored = [Scored({}, z, 0.1, "published", None) for z in (0.5, -3.0, None)]
    assert negative_log_likelihood(scored) == pytest.approx(0.125 + 4.5)
    assert negative_log_likelihood(scored, 2.0) == pytest.approx(0.125 + 2.0 * 3.0 - 2.0)


# ---------------------------------------------------------------- targets and parameter sets


def test_targets_are_mapped_to_library_trials():
    s = targets_summary()
    assert s["rows"] == 37
    assert {"T13", "T23", "T28", "T37"} <= set(s["mapped_rows"])
    for t in s["targets"]:
        assert t["mapped"] == (t["why_unmapped"] is None)
        if t["mapped"]:
            assert t["trials"]
    assert "keynote189" in s["trials"]


def test_parameter_set_apply_and_errors(tmp_path):
    model = get_setup("toy").model_factory()
    good = {"id": "toy_set", "version": 2, "model": "toy",
            "parameters": {"a_growth": {"value": 0.004, "targets": ["T23"]}, "not_in_model": {"value": 1.0,
                                                                                           "targets": ["T23"]}}}
    path = write_parameter_set(tmp_path / "set.yaml", good)
    applied = apply_parameter_set(model, load_parameter_set(path))
    assert applied == ["a_growth"]
    p = model.parameters_["a_growth"]
    assert p.value == 0.004 and p.source.kind == "calibrated" and p.source.target_ids == ("T23",)
    bad = dict(good, parameters={"a_growth": {"value": 0.004}})
    with pytest.raises(ParameterSetError, match=r"parameters\.a_growth\.targets"):
        load_parameter_set(write_parameter_set(tmp_path / "bad.yaml", bad))
    out = dict(good, parameters={"a_growth": {"value": 5.0, "targets": ["T23"]}})
    with pytest.raises(ParameterSetError, match="outside"):
        apply_parameter_set(model, load_parameter_set(write_parameter_set(tmp_path / "out.yaml", out)))
    with pytest.raises(ValueError, match="plausible range"):
        apply_overrides(model, {"a_growth": 1.0})
    with pytest.raises(ValueError, match="not a parameter"):
        apply_overrides(model, {"nope": 1.0})


def test_parameter_set_and_overrides_set_the_os_link(tmp_path):
    from livermet.trial.simulate import TrialContext, trial_link

    pset = {"id": "toy_set", "version": 3, "model": "toy",
            "parameters": {"os_link.untreated_shift": {"value": -0.4, "targets": ["T02", "T05"]}}}
    path = write_parameter_set(tmp_path / "set.yaml", pset)
    ctx = TrialContext({}, "toy", 1, parameter_set=str(path))
    c = trial_link(ctx).untreated_shift
    assert c.value == -0.4 and "T02, T05" in c.source and "toy_set v3" in c.source
    assert trial_link(TrialContext({}, "toy", 1, parameter_set=str(path),
                                   overrides=(("os_link.untreated_shift", -1.0),))).untreated_shift.value == -1.0
    assert trial_link(TrialContext({}, "toy", 1, parameter_set="none")).untreated_shift.value == 0.0
    with pytest.raises(ValueError, match="outside its plausible range"):
        trial_link(TrialContext({}, "toy", 1, parameter_set="none", overrides=(("os_link.untreated_shift", 1.0),)))


def test_a_set_installed_after_the_model_was_built_is_used(tmp_path, toy_trial):
    """A long-lived process (a Dask worker) that built the model keeps no stale parameter-set values."""
    from livermet.trial.protocol import load_protocol
    from livermet.trial.simulate import TrialContext, materialise

    pset = {"id": "toy_set", "version": 1, "model": "toy",
            "parameters": {"a_growth": {"value": 0.004, "targets": ["T23"]}}}
    path = write_parameter_set(tmp_path / "set.yaml", pset)
    ctx = TrialContext(load_protocol(toy_trial).model_dump(mode="json"), "toy", 1, parameter_set=str(path))
    assert materialise(ctx)[2].parameters_["a_growth"].value == 0.004
    write_parameter_set(path, dict(pset, version=2, parameters={"a_growth": {"value": 0.005, "targets": ["T23"]}}))
    st = os.stat(path)  # a later install, even within the file system's timestamp resolution
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    assert materialise(ctx)[2].parameters_["a_growth"].value == 0.005


def test_bad_spec_names_field(tmp_path, toy_trial):
    p = tmp_path / "spec.yaml"
    p.write_text(yaml.safe_dump({"id": "x", "model": "toy", "parameters": [{"name": "a_growth", "lower": 0.01,
                                                                           "upper": 0.001}]}))
    with pytest.raises(SpecError, match=r"parameters\.0\.upper"):
        load_spec(str(p))
    spec = CalibrationSpec(id="x", model="toy", trials=[toy_trial], parameters=[{"name": "a_growth", "lower": 1e-5,
                                                                                 "upper": 0.01}])
    with pytest.raises(SpecError, match="leaves the model's plausible range"):
        run_calibration(spec, tmp_path / "run")
    link_spec = spec.model_copy(update={"parameters": [
        {"name": "os_link.untreated_shift", "lower": -3.0, "upper": 0.0, "scale": "linear"},
        {"name": "os_link.intercept", "lower": 6.0, "upper": 7.0, "scale": "linear"}]})
    with pytest.raises(SpecError, match=r"untreated_shift: range \[-3, 0\] leaves its plausible range.*"
                                        r"os_link.intercept: not a fittable coefficient"):
        run_calibration(CalibrationSpec.model_validate(link_spec.model_dump()), tmp_path / "run4")
    with pytest.raises(FileNotFoundError, match="neither a YAML file nor a library trial"):
        run_calibration(spec.model_copy(update={"trials": ["no_such_trial"]}), tmp_path / "run2")
    with pytest.raises(SpecError, match="field 'start': b_kill are not fitted"):
        run_calibration(_spec(toy_trial, start={"b_kill": 0.1}), tmp_path / "run3")


def test_search_starts_from_the_spec_start_values(toy_trial, tmp_path):
    published = {toy_trial: _synthetic_published(toy_trial)}
    res = run_calibration(_spec(toy_trial, start={"a_growth": 0.0051}, initial_design=0, max_evaluations=1),
                          tmp_path / "start", published=published)
    assert res.evaluations[0]["values"] == {"a_growth": 0.0051}


def test_pattern_fit_with_min_improvement_keeps_its_centre(toy_trial, tmp_path):
    """With min_improvement the fit's result is the search's centre, not the lowest value seen: a probe
    better by less than the threshold is noise. Without it, the lowest value seen wins."""
    published = {toy_trial: _synthetic_published(toy_trial)}
    kw = dict(start={"a_growth": 0.0075}, initial_design=0, max_evaluations=5, search="pattern")
    plain = run_calibration(_spec(toy_trial, **kw), tmp_path / "plain", published=published)
    assert plain.best_nll == min(e["nll"] for e in plain.evaluations) < plain.start_nll
    strict = run_calibration(_spec(toy_trial, min_improvement=1e6, **kw), tmp_path / "strict", published=published)
    assert strict.best == {"a_growth": 0.0075} and strict.best_nll == strict.start_nll


def test_fixed_parameters_are_held_in_every_evaluation_and_written_as_held(toy_trial, tmp_path):
    """A focused refit holds the parameters it does not search at the spec's `fixed` values (not at the
    model's), and the parameter set it writes carries them, marked as held."""
    from livermet.calibration.fit import parameter_set_from_fit

    published = {toy_trial: _synthetic_published(toy_trial)}
    res = run_calibration(_spec(toy_trial, start={"a_growth": 0.004}, fixed={"kill_chemo": 0.5}, initial_design=0,
                                max_evaluations=1), tmp_path / "fixed", published=published)
    held = score_trial(toy_trial, {"a_growth": 0.004, "kill_chemo": 0.5}, 200, 5, model_name="toy",
                       published=published[toy_trial])
    default = score_trial(toy_trial, {"a_growth": 0.004}, 200, 5, model_name="toy", published=published[toy_trial])
    assert res.evaluations[0]["nll"] == pytest.approx(held.nll) and held.nll != pytest.approx(default.nll)
    # a pattern search with fixed values finds its own evaluations again (the checkpoint holds the searched
    # values only), so it ends with its centre, and a resumed run simulates nothing
    kw = dict(start={"a_growth": 0.0075}, fixed={"kill_chemo": 0.5}, initial_design=0, max_evaluations=5,
              search="pattern", min_improvement=1e-6)
    searched = run_calibration(_spec(toy_trial, **kw), tmp_path / "pattern", published=published)
    assert all(set(e["values"]) == {"a_growth"} for e in searched.evaluations)
    assert len({json.dumps(e["values"]) for e in searched.evaluations}) == len(searched.evaluations)
    again = run_calibration(_spec(toy_trial, **kw), tmp_path / "pattern", published=published, resume=True)
    assert again.simulated == 0 and again.best == searched.best
    pset = parameter_set_from_fit(res, 1, "hash")
    assert pset["parameters"]["kill_chemo"]["value"] == 0.5 and pset["parameters"]["kill_chemo"]["held"]
    assert pset["spec"] == "toy_fit"
    assert "held" not in pset["parameters"]["a_growth"]
    with pytest.raises(ValueError, match="either fitted or fixed"):
        _spec(toy_trial, fixed={"a_growth": 0.004})
    with pytest.raises(SpecError, match=r"fixed\.kill_chemo: 5 is outside its plausible range"):
        run_calibration(_spec(toy_trial, fixed={"kill_chemo": 5.0}), tmp_path / "bad")


# ---------------------------------------------------------------- fit: recovery, checkpoint, resume

TRUE_GROWTH = 0.004


def _synthetic_published(trial: str, growth: float = TRUE_GROWTH) -> list[dict]:
    """Published figures made by the model itself at a known growth rate (another seed than the fit's)."""
    fit = score_trial(trial, {"a_growth": growth}, 200, 777, model_name="toy")
    recs = []
    for s in fit.scored:
        r = s.row
        if r["kind"] != "median":
            continue
        key = "value_exp" if r["role"] == "experimental" else "value_ctrl"
        recs.append({"record": f"synthetic_{r['role']}", "target_id": "T99", "trial": "synthetic", "subgroup": "all",
                     "endpoint": "OS", "statistic": "median", key: r["simulated"],
                     key.replace("value", "ci"): r["simulated_ci"], "experimental": None, "control": None,
                     "at_months": None})
    assert len(recs) == 2
    return recs


def _spec(trial: str, **kw) -> CalibrationSpec:
    base = {"id": "toy_fit", "model": "toy", "trials": [trial], "patients_per_trial": 200, "seed": 5,
            "initial_design": 4, "max_evaluations": 14,
            "parameters": [{"name": "a_growth", "lower": 0.001, "upper": 0.012, "scale": "log"}]}
    return CalibrationSpec.model_validate({**base, **kw})


def test_synthetic_recovery_and_resume(toy_trial, tmp_path):
    published = {toy_trial: _synthetic_published(toy_trial)}
    spec = _spec(toy_trial)
    full = run_calibration(spec, tmp_path / "full", published=published)
    assert full.best_nll < full.start_nll
    assert abs(math.log(full.best["a_growth"] / TRUE_GROWTH)) < math.log(1.3)  # within 30% of the truth
    lo, hi = full.fitted_ranges()["a_growth"]
    assert lo <= TRUE_GROWTH <= hi and hi / lo < 2  # the truth inside an informative profile range
    # killed after 5 simulated evaluations, then resumed: the same search and the same result
    with pytest.raises(KeyboardInterrupt):
        run_calibration(spec, tmp_path / "killed", published=published, _stop_after=5)
    assert len((tmp_path / "killed" / "evaluations.jsonl").read_text().splitlines()) == 5
    with pytest.raises(FileExistsError, match="--resume"):
        run_calibration(spec, tmp_path / "killed", published=published)
    resumed = run_calibration(spec, tmp_path / "killed", published=published, resume=True)
    assert resumed.reused >= 5 and resumed.simulated == full.simulated - 5
    assert resumed.best == full.best and resumed.best_nll == full.best_nll
    assert [e["values"] for e in resumed.evaluations] == [e["values"] for e in full.evaluations]
    # the budget is not part of a run's identity: a shorter budget replays the start of the same search
    short = run_calibration(_spec(toy_trial, max_evaluations=8), tmp_path / "killed", published=published, resume=True)
    k = len(short.evaluations)
    assert short.simulated == 0 and 5 <= k <= 8 and [e["values"] for e in short.evaluations] == \
        [e["values"] for e in full.evaluations[:k]]
    with pytest.raises(FileExistsError, match="another spec"):
        run_calibration(_spec(toy_trial, seed=6), tmp_path / "killed", resume=True, published=published)


# ---------------------------------------------------------------- check, CLI, report


def _liver_rows(record, kind, observed, simulated, ci=None):
    base = {"record": record, "id": "T", "endpoint": "x", "kind": kind, "experimental": "liver_metastasis=yes",
            "control": "liver_metastasis=no", "ci": ci, "ci_source": "published" if ci else "derived from n"}
    if kind == "hr":
        return [{**base, "observed": observed, "simulated": simulated}]
    return [{**base, "role": role, "observed": o, "simulated": s_}
            for role, o, s_ in zip(("experimental", "control"), observed, simulated)]


def test_contrasts_carry_the_published_p_value_and_significance():
    rows = (_liver_rows("target_t33_pfs", "median", (6.3, 5.1), (4.3, 5.4))  # P = 0.21, simulated the other way
            + _liver_rows("target_t34_os", "median", (20.8, 30.6), (13.8, 23.9))  # P = 0.019
            + _liver_rows("target_t11", "hr", 1.82, 1.87, [1.59, 2.08])  # no P, CI above 1
            + _liver_rows("target_t37", "median", (10, 21), (9, 12))  # P = 0.001 (Castanon 2015 abstract)
            + _liver_rows("unpublished_record", "median", (10, 21), (9, 12)))  # neither P nor CI
    con = {c["record"]: c for c in contrasts(rows)}
    assert (con["target_t33_pfs"]["published_p"], con["target_t33_pfs"]["published_significant"]) == ("0.21", False)
    assert not con["target_t33_pfs"]["right_direction"]
    assert con["target_t34_os"]["published_significant"] is True and con["target_t34_os"]["right_direction"]
    assert con["target_t11"]["published_p"] is None and con["target_t11"]["published_significant"] is True
    assert (con["target_t37"]["published_p"], con["target_t37"]["published_significant"]) == ("0.001", True)
    assert con["unpublished_record"]["published_significant"] is None
    assert [p_number(t) for t in ("<0.0001", "P=0.0003", "n.s.", None)] == [0.0001, 0.0003, None, None]
    assert con["target_t33_pfs"]["cohorts"] == 0  # hand-made rows carry no cohorts


def test_contrasts_count_the_cohorts_that_point_the_published_way():
    """Each simulated cohort's contrast is read from the same cohort's two subgroups (or its HR)."""
    pfs = _liver_rows("target_t33_pfs", "median", (6.3, 5.1), (4.3, 5.4))  # published: liver longer
    pfs[0]["simulated_replicates"] = [4.3, 6.9, 5.5, 4.1]
    pfs[1]["simulated_replicates"] = [5.4, 5.5, 5.5, 5.6]  # liver longer in cohort 2 only; a tie in cohort 3
    hr = _liver_rows("target_t11", "hr", 1.82, 1.2, [1.59, 2.08])
    hr[0]["simulated_replicates"] = [1.2, 0.9, 1.5]
    con = {c["record"]: c for c in contrasts(pfs + hr)}
    assert (con["target_t33_pfs"]["cohorts"], con["target_t33_pfs"]["cohorts_right_direction"]) == (4, 1)
    assert (con["target_t11"]["cohorts"], con["target_t11"]["cohorts_right_direction"]) == (3, 2)
    # as far as published, its way: liver 1.4 months longer (cohort 2) reaches the published +1.2; no HR reaches 1.82
    assert (con["target_t33_pfs"]["cohorts_as_extreme"], con["target_t11"]["cohorts_as_extreme"]) == (1, 0)
    hr[0]["simulated_replicates"] = [1.82, 2.5, 0.5]  # the published HR itself counts
    assert contrasts(hr)[0]["cohorts_as_extreme"] == 2
    # a median not reached in a cohort is longer than the other subgroup's: liver longer in cohorts 1 and 2, no
    # liver longer in cohort 3; neither reached (cohort 4) sets no direction
    pfs[0]["simulated_replicates"] = [None, 6.9, 5.5, None]
    pfs[1]["simulated_replicates"] = [5.4, 5.5, None, None]
    con = {c["record"]: c for c in contrasts(pfs)}
    assert (con["target_t33_pfs"]["cohorts"], con["target_t33_pfs"]["cohorts_right_direction"]) == (4, 2)
    assert con["target_t33_pfs"]["cohorts_as_extreme"] == 2  # not reached (longer than any) and 1.4 months
    pfs[0]["simulated"] = None  # the liver subgroup's median not reached over the cohorts: liver longer
    con = {c["record"]: c for c in contrasts(pfs)}["target_t33_pfs"]
    assert con["simulated"] is None and con["simulated_direction"] == "up" and con["right_direction"]


def test_cohort_median_counts_a_median_not_reached_as_longest():
    """Dropping the cohorts whose median was not reached would pull the figure down; they count as longer than every
    reached median instead. A percentile (or the median) that falls on them is not reached either."""
    assert cohort_median([None, 12.0, 10.0, None, 11.0], "median") == (12.0, [10.0, None])
    assert cohort_median([None, None, 10.0], "median") == (None, [10.0, None])
    assert cohort_median([None, None], "median") == (None, [None, None])
    mid, (lo, hi) = cohort_median([10.0, 11.0, 12.0], "median")
    assert mid == 11.0 and lo == pytest.approx(10.05) and hi == pytest.approx(11.95)
    assert cohort_median([None, 0.8, 0.6], "hr")[0] == pytest.approx(0.7)  # other figures: None is missing


def test_a_published_difference_of_zero_sets_no_direction():
    """Equal published medians (or an HR of 1) leave any simulated direction right, medians as HRs."""
    even = _liver_rows("m", "median", (5.0, 5.0), (4.3, 5.4)) + _liver_rows("h", "hr", 1.0, 1.4, [0.8, 1.25])
    for c in contrasts(even):
        assert c["published_direction"] == "none" and c["simulated_direction"] != "none" and c["right_direction"]


def test_check_structure_and_cli(toy_trial, tmp_path):
    res = run_check(None, trials=[toy_trial], replicates=2, patients=40, model_name="toy")
    assert set(res) >= {"targets", "within_ci", "fraction_within_ci", "rows", "contrasts", "replicates", "seed"}
    assert res["targets"] == len(res["rows"]) == 3  # KEYNOTE-189 OS: two medians and the HR
    for r in res["rows"]:
        assert set(r) == {"id", "record", "trial_id", "endpoint", "kind", "observed", "ci", "ci_source",
                          "simulated", "simulated_ci", "simulated_replicates", "z", "within", "not_counted"}
        assert r["not_counted"] is None
        assert len(r["simulated_replicates"]) == 2 and r["simulated"] == pytest.approx(np.median(r["simulated_replicates"]))
        assert r["id"] == "T23" and r["ci_source"] == "published"
        lo, hi = r["simulated_ci"]
        assert lo <= r["simulated"] <= hi
        assert r["within"] == (r["ci"][0] <= r["simulated"] <= r["ci"][1])
    assert res["within_ci"] == sum(r["within"] for r in res["rows"])
    zs = [r["z"] for r in res["rows"]]
    assert res["objective"]["rows_scored"] == 3 and res["objective"]["robust_z"] == 2.0
    assert res["objective"]["gaussian"] == pytest.approx(sum(z * z / 2 for z in zs))
    assert res["objective"]["huber"] <= res["objective"]["gaussian"]
    dyn = {r["arm"]: r for r in res["tumour_dynamics"]}
    assert set(dyn) == {"io_chemo", "chemo"}
    for r in dyn.values():  # the toy regimens have no published counterpart
        assert r["patients"] > 0 and r["kg_per_week"] > 0 and 0 <= r["share_without_shrinkage"] <= 1
        assert 0 <= r["orr"] <= 1 and 0 <= r["share_pd_best"] <= 1 and r["orr"] + r["share_pd_best"] <= 1
        assert r["reference"] is None and r["trial_id"] == toy_trial
    assert res["nadir_dynamics"] == []  # no toy regimen has a published nadir reference
    runner = CliRunner()
    out = tmp_path / "check.json"
    cli = runner.invoke(app, ["calibrate", "check", "--model", "toy", "--parameter-set", "none", "--trials", toy_trial,
                              "--replicates", "1", "--patients", "30", "--out", str(out), "--json"])
    assert cli.exit_code == 0, cli.output
    data = json.loads(cli.stdout[cli.stdout.index("{"):])
    assert data["targets"] == 3 and json.loads(out.read_text())["targets"] == 3
    rep = runner.invoke(app, ["calibrate", "report", "--check", str(out), "--parameter-set", "none", "--model", "toy",
                              "--out", str(tmp_path / "cal.html"), "--json"])
    assert rep.exit_code == 0, rep.output
    html = (tmp_path / "cal.html").read_text()
    assert "Goodness of fit" in html and "T23" in html and "plotly" in html.lower()
    assert "Objective over the 3 scored figures" in html
    h = json.loads(out.read_text())["heterogeneity"]
    assert h["rows"] == 3 and h["tau"] >= 0 and h["expected_within_with_tau"] <= h["expected_within_without_tau"]
    assert f"Of the 3 medians and hazard ratios, {h['within']} are inside" in html
    tg = runner.invoke(app, ["calibrate", "targets", "--json"])
    assert tg.exit_code == 0 and json.loads(tg.stdout)["rows"] == 37
    bad = runner.invoke(app, ["calibrate", "check", "--model", "toy", "--parameter-set", "nonexistent_set"])
    assert bad.exit_code == 2 and "nonexistent_set" in bad.output


def test_a_figure_two_records_cite_is_one_target(tmp_path):
    """IMpower150's two comparisons (T21, T22) share their control arm's median OS, 14.7 months: each record keeps
    its row, but the check counts the figure once and so does the objective of the fit."""
    p = tmp_path / "toy_shared_control.yaml"
    p.write_text(yaml.safe_dump({**PROTOCOL, "id": "toy_shared_control", "published": [
        {"record": r, "experimental": "io_chemo", "control": "chemo"} for r in ("target_t21", "target_t22")]}))
    res = run_check(None, trials=[str(p)], replicates=1, patients=40, model_name="toy")
    rows = res["rows"]
    assert len(rows) == 6  # per record: two medians and the HR
    repeated = [r for r in rows if r["not_counted"]]
    assert [(r["record"], r["not_counted"], r["observed"]) for r in repeated] == [
        ("target_t22", "repeats target_t21", 14.7)]
    first = next(r for r in rows if r["record"] == "target_t21" and r["observed"] == 14.7)
    assert repeated[0]["simulated"] == first["simulated"]
    # the experimental medians (19.5, 19.0) are the same patients against different published values: two targets
    assert res["targets"] == 5 and res["objective"]["rows_scored"] == 5
    assert res["within_ci"] == sum(r["within"] for r in rows if not r["not_counted"])
    assert res["objective"]["gaussian"] == pytest.approx(sum(r["z"] ** 2 / 2 for r in rows if not r["not_counted"]))
    fit = score_trial(str(p), {}, 40, 1, model_name="toy")
    assert fit.objective() == pytest.approx(sum(s.z ** 2 / 2 for s in fit.scored if not s.row["not_counted"]))
    assert fit.objective() < sum(s.z ** 2 / 2 for s in fit.scored)


def test_a_figure_the_trial_is_built_from_is_not_a_target(tmp_path):
    """KEYNOTE-189's share of patients with liver metastasis (19%) sets the cohort's prevalence, so the check shows
    the simulated share but does not count it: only sampling could move it out."""
    base = {**PROTOCOL, "published": [{"record": "target_t24_baseline_liver_metastasis"}, {"record": "target_t23"}]}
    for prevalence, counted in ((None, 4), ({"liver": 0.19}, 3)):
        p = tmp_path / f"toy_share_{counted}.yaml"
        p.write_text(yaml.safe_dump({**base, "id": p.stem, "population": {"prevalence": prevalence} if prevalence
                                     else None}))
        res = run_check(None, trials=[str(p)], replicates=1, patients=40, model_name="toy")
        share = next(r for r in res["rows"] if r["kind"] == "share")
        assert share["not_counted"] == (None if prevalence is None else "input of the trial")
        assert len(res["rows"]) == 4 and res["targets"] == counted == res["objective"]["rows_scored"]


def test_check_on_dask_with_its_cohorts_in_flight_at_once_equals_in_process(toy_trial):
    from distributed import Client, LocalCluster

    here = run_check(None, trials=[toy_trial], replicates=3, patients=30, model_name="toy")
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None, processes=True) as cluster, \
            Client(cluster) as client:
        there = run_check(None, trials=[toy_trial], replicates=3, patients=30, model_name="toy", scheduler=client)
    assert there["rows"] == here["rows"] and there["contrasts"] == here["contrasts"]


def test_checks_at_consecutive_seeds_are_the_cohorts_of_one_larger_check(toy_trial):
    """Cohort k of a check runs on seed + k, so checks at seeds 1 and 2 (one cohort each) hold the two cohorts
    of the check at seed 1 with two: what docs/calibration/pool_checks.py relies on."""
    one = [run_check(None, trials=[toy_trial], replicates=1, patients=30, seed=s, model_name="toy") for s in (1, 2)]
    both = run_check(None, trials=[toy_trial], replicates=2, patients=30, seed=1, model_name="toy")
    assert both["seed"] == 1 and both["replicates"] == 2
    for i, row in enumerate(both["rows"]):
        assert row["simulated_replicates"] == [one[0]["rows"][i]["simulated"], one[1]["rows"][i]["simulated"]]


def test_combined_row_without_ci_or_n_keeps_its_z():
    """A figure published with neither CI nor n is scored on the trial's group size; the replicates'
    combined row must keep that z (it was dropped, and with it 47 of the 105 rows of the check's objective)."""
    row = {"kind": "median", "published": 16.2, "published_ci": None, "published_n": None, "n": 480}
    reps = [score({**row, "simulated": s_, "simulated_ci": [s_ * 0.9, s_ * 1.1]}, 495.0) for s_ in (11.0, 12.0, 11.5)]
    assert all(r.z is not None and r.ci_source == "derived from n" for r in reps)
    combined = _combine(reps, 495.0)
    assert combined.row["simulated"] == 11.5
    expected = score({**row, "simulated": 11.5, "simulated_ci": [11.0 * 0.9, 11.0 * 1.1]}, 495.0).z
    assert combined.z == pytest.approx(expected) and combined.z < -2
    assert _combine(reps, None).z is None  # without the group size there is nothing to score it on


def test_range_valued_figure_is_an_interval():
    s = score({"kind": "median", "published": "3.0-6.2", "published_ci": None, "simulated": 5.0,
               "simulated_ci": [4.0, 6.0]})
    assert s.ci_source == "published" and s.interval == (3.0, 6.2) and s.within
    assert s.row["published"] == pytest.approx(math.sqrt(3.0 * 6.2))
    assert not score({"kind": "median", "published": "3.0-6.2", "simulated": 9.0, "simulated_ci": [8, 10]}).within


def test_leave_one_trial_out_both_ways(toy_trial, tmp_path):
    from livermet.calibration.fit import crossval_from_run, leave_one_trial_out

    second = tmp_path / "toy_calibration_b.yaml"
    second.write_text(yaml.safe_dump({**PROTOCOL, "id": "toy_calibration_b", "sample_size": 40}))
    trials = [toy_trial, str(second)]
    spec = _spec(toy_trial, trials=trials, patients_per_trial=40, initial_design=2, max_evaluations=3)
    cv = leave_one_trial_out(spec, tmp_path / "cv")
    assert [f["trial"] for f in cv["folds"]] == trials
    for f in cv["folds"]:
        assert f["targets"] == 3 and 0 <= f["within"] <= 3 and set(f["fitted"]) == {"a_growth"}
        assert (tmp_path / "cv" / Path(f["trial"]).stem / "evaluations.jsonl").exists()  # each fold resumable
    assert cv["targets"] == 6 and cv["within"] == sum(f["within"] for f in cv["folds"])
    # the fit with every trial, for comparison: each fold says how many of its rows were inside there
    assert 0 <= cv["fitted_with_all"]["within"] <= 6 and set(cv["fitted_with_all"]["values"]) == {"a_growth"}
    assert cv["fitted_with_all"]["within"] == sum(f["within_fitted"] for f in cv["folds"])
    # the same folds without a shared cache (each fold alone, from scratch) give the same result,
    # with more trial simulations: the folds' shared points are simulated once in `cv`
    alone = [leave_one_trial_out(spec, tmp_path / f"alone{i}", [t])["folds"][0] for i, t in enumerate(trials)]
    strip = lambda f: {k: v for k, v in f.items() if k != "trials_simulated"}  # noqa: E731
    assert [strip(f) for f in alone] == [strip(f) for f in cv["folds"]]
    lines = lambda d: len((d / "trial_cache.jsonl").read_text().splitlines())  # noqa: E731
    assert lines(tmp_path / "cv") < lines(tmp_path / "alone0") + lines(tmp_path / "alone1")
    # a fold run before the cache existed fills it: the rerun simulates nothing
    (tmp_path / "cv" / "trial_cache.jsonl").unlink()
    again = leave_one_trial_out(spec, tmp_path / "cv")
    assert [f["trials_simulated"] for f in again["folds"]] == [0, 0]
    assert [strip(f) for f in again["folds"]] == [strip(f) for f in cv["folds"]]
    from livermet.calibration.report import render

    page = render(None, None, cv, None)
    assert f"{cv['within']} of 6 held-out targets within" in page
    assert f"; {cv['fitted_with_all']['within']} when every trial is in the fit" in page
    run = run_calibration(spec, tmp_path / "full")
    fast = crossval_from_run(tmp_path / "full")
    assert [f["trial"] for f in fast["folds"]] == trials
    for f in fast["folds"]:  # the chosen point is the best for the other trial among the evaluated ones
        other = [t for t in trials if t != f["trial"]][0]
        best_other = min(run.evaluations, key=lambda e: e["trials"][other]["nll"])
        assert f["fitted"] == best_other["values"]


def test_a_held_out_median_not_reached_counts_as_outside():
    """As in `calibrate check`: a held-out row whose simulated median was not reached has no figure to be inside
    its interval, so it counts as a target outside it rather than dropping out of the count."""
    from livermet.calibration.fit import _heldout_rows
    from livermet.calibration.objective import NOT_REACHED_Z

    base = {"target_id": "T08", "quantity": "median OS", "published": 15.9, "interval": [13.2, float("inf")],
            "ci_source": "published"}
    rows = _heldout_rows([{**base, "simulated": None, "z": NOT_REACHED_Z, "within": None},
                          {**base, "simulated": 16.9, "z": 0.4, "within": True},
                          {**base, "ci_source": "none", "interval": None, "simulated": 3.0, "within": None}])
    assert [r["within"] for r in rows] == [False, True]  # the row without an interval is not a target


def test_trial_scoring_on_a_dask_cluster_equals_in_process(toy_trial):
    from distributed import Client, LocalCluster

    local = score_trial(toy_trial, {"a_growth": 0.003}, 40, 3, model_name="toy")
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        remote = score_trial(toy_trial, {"a_growth": 0.003}, 40, 3, model_name="toy", scheduler=client)
    assert [s.row["simulated"] for s in remote.scored] == [s.row["simulated"] for s in local.scored]
    assert remote.nll == local.nll


def test_precompile_builds_one_kernel_per_distinct_model(toy_trial):
    from distributed import Client, LocalCluster

    from livermet.engine.numba_backend import structure_hash
    from livermet.trial.models import get_setup
    from livermet.trial.protocol import load_protocol
    from livermet.trial.runner import precompile

    proto = load_protocol(toy_trial)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        keys = precompile([proto, proto], client, "toy")  # two trials giving the same regimens: one kernel
    model = get_setup("toy").build_model(proto.regimen_ids())
    assert keys == [structure_hash(model.equations())]


def test_pattern_search_descends_a_quadratic_within_budget():
    from livermet.calibration.fit import pattern_search

    target = np.array([0.62, 0.18, 0.9, 0.4])
    calls = []

    def f(u):
        calls.append(np.array(u))
        return float(np.sum((np.asarray(u) - target) ** 2))

    u, fu = pattern_search(f, np.full(4, 0.5), lambda: 200 - len(calls), min_step=0.005)
    assert fu < 1e-3 and np.allclose(u, target, atol=0.03)
    assert len(calls) <= 200 and all(np.all((c >= 0) & (c <= 1)) for c in calls)
    # the first round probes the points of Nelder-Mead's first simplex (shared checkpoint entries)
    first = np.array(calls[1:9])
    for vertex in 0.5 + 0.15 * np.eye(4):
        assert np.isclose(first, vertex).all(axis=1).any()

    calls.clear()
    pattern_search(f, np.full(4, 0.5), lambda: 7 - len(calls))
    assert len(calls) == 7  # stops when the budget is spent

def test_pattern_search_ignores_improvements_below_the_threshold():
    """With min_improvement, a probe that lowers the objective by less than the threshold (noise of small
    cohorts) is not taken: on a landscape whose only slope is smaller than it, the search stays at the start."""
    from livermet.calibration.fit import pattern_search

    def shallow(u):
        return 0.1 * float(np.sum(np.asarray(u)))  # best at 0, but each step of 0.15 gains only 0.015

    u, fu = pattern_search(shallow, np.full(3, 0.5), lambda: 100, min_improvement=0.05)
    assert np.allclose(u, 0.5) and fu == pytest.approx(0.15)
    u, _ = pattern_search(shallow, np.full(3, 0.5), lambda: 100)
    assert np.all(u < 0.5)  # without the threshold the same slope is followed



def test_nadir_and_regrowth_from_the_scans():
    """Time to the smallest sum and log-volume growth (3 log of the diameter ratio) from it to the first
    progression; a tumour gone at its nadir has no growth rate; only reference regimens are reported."""
    from livermet.analysis.tumour_dynamics import nadir_and_regrowth, nadir_dynamics
    from livermet.trial.protocol import DAYS_PER_MONTH

    m = DAYS_PER_MONTH
    a = pd.DataFrame({
        "patient_id": [1] * 5 + [2] * 3 + [3] * 3,
        "arm": ["tki"] * 8 + ["other"] * 3,
        "day": [0, m, 2 * m, 3 * m, 5 * m, 0, m, 2 * m, 0, m, 2 * m],
        "sld_mm": [50, 30, 20, 30, 40, 40, 0, 10, 30, 20, 25],
        "response": ["baseline", "PR", "PR", "PD", "PD", "baseline", "CR", "PD", "baseline", "SD", "SD"],
    })
    per = nadir_and_regrowth(a).set_index("patient_id")
    assert per.loc[1, "time_to_nadir_months"] == pytest.approx(2.0)
    assert per.loc[1, "post_nadir_growth_per_month"] == pytest.approx(3 * np.log(30 / 20))  # to the first PD
    assert per.loc[2, "time_to_nadir_months"] == pytest.approx(1.0) and np.isnan(per.loc[2, "post_nadir_growth_per_month"])
    assert per.loc[3, "post_nadir_growth_per_month"] == pytest.approx(3 * np.log(25 / 20))  # to the last scan
    rows = nadir_dynamics(a, {"tki": "osimertinib_80_daily", "other": "docetaxel_75_q3w"})
    assert [r["arm"] for r in rows] == ["tki"] and rows[0]["patients"] == 1
    assert rows[0]["reference_time_to_nadir_months"] == 6.3 and rows[0]["reference_post_nadir_growth_per_month"] == 0.12


def test_arm_dynamics_medians_and_published_reference():
    from livermet.analysis.tumour_dynamics import arm_dynamics, time_to_growth_weeks

    e = pd.DataFrame({"arm": ["d", "d", "d", "x"], "solver_ok": [True, True, False, True],
                      "kg_per_week": [0.01, 0.03, 9.0, 0.02], "ks_per_week": [0.0, 0.04, 9.0, 0.05],
                      "ttg_weeks": [0.0, 10.0, 9.0, 20.0], "responder": [False, True, True, False],
                      "best_response": ["PD", "PR", "PR", "SD"]})
    rows = {r["arm"]: r for r in arm_dynamics(e, {"d": "docetaxel_75_q3w", "x": "unknown_regimen"})}
    d = rows["d"]
    assert d["patients"] == 2 and d["kg_per_week"] == pytest.approx(0.02) and d["ttg_weeks"] == pytest.approx(5.0)
    assert d["share_without_shrinkage"] == pytest.approx(0.5)  # the failed patient is left out
    assert d["orr"] == pytest.approx(0.5) and d["share_pd_best"] == pytest.approx(0.5)
    assert rows["x"]["orr"] == 0.0 and rows["x"]["share_pd_best"] == 0.0
    # Struemper 2025 docetaxel: kg 0.01822, ks 0.03566 per week -> TTG = ln(ks/kg)/(ks+kg), about 12.5 weeks
    assert d["reference_ttg_weeks"] == pytest.approx(np.log(0.03566 / 0.01822) / (0.03566 + 0.01822))
    assert 12 < d["reference_ttg_weeks"] < 13
    assert rows["x"]["reference"] is None and time_to_growth_weeks(0.05, 0.01) == 0.0


def test_report_shows_the_nadir_dynamics_of_a_check():
    from livermet.calibration.report import render

    check = {"targets": 0, "within_ci": 0, "fraction_within_ci": None, "with_published_ci": 0,
             "within_published_ci": 0, "contrasts_right_direction": 0, "significant_contrasts": 0,
             "significant_contrasts_right_direction": 0, "replicates": 1, "solver_failures": 0,
             "rows": [], "contrasts": [], "tumour_dynamics": [], "nadir_dynamics": [
                 {"trial_id": "jiang2017_tki", "arm": "egfr_tki", "regimen": "osimertinib_80_daily", "patients": 12,
                  "time_to_nadir_months": 8.28, "post_nadir_growth_per_month": 0.112, "reference_treatment": "x",
                  "reference_time_to_nadir_months": 6.3, "reference_post_nadir_growth_per_month": 0.12,
                  "reference": "Nishino"}]}
    page = render(check, None, None, None)
    assert "Nadir and regrowth on an EGFR-TKI" in page and "8.28" in page and "0.112" in page
    assert "Nadir and regrowth" not in render({**check, "nadir_dynamics": []}, None, None, None)


def test_report_reads_a_check_pooled_across_seeds():
    """docs/calibration/pool_checks.py writes rows without z, and no solver-failure count or objective."""
    from livermet.calibration.report import render

    row = {"id": "T23", "trial_id": "keynote189", "endpoint": "median OS", "kind": "median", "observed": 22.0,
           "ci": [19.5, 25.2], "ci_source": "published", "simulated": 16.1, "simulated_ci": [14.9, 17.0],
           "simulated_replicates": [16.1] * 30, "within": False}
    pooled = {"targets": 1, "within_ci": 0, "fraction_within_ci": 0.0, "with_published_ci": 1,
              "within_published_ci": 0, "contrasts_right_direction": 0, "significant_contrasts": 0,
              "significant_contrasts_right_direction": 0, "replicates": 30, "rows": [row], "contrasts": []}
    page = render(pooled, None, None, None)
    assert "<b>0 of 1</b>" in page and "16.1" in page and "30 virtual cohort(s)" in page
    # a contrast shows in how many cohorts it reached the published size; one from an older file has no such count
    con = {"target_id": "T33", "quantity": "median PFS, liver minus no liver (months)", "published": 1.2,
           "simulated": -1.1, "right_direction": False, "cohorts": 30, "cohorts_right_direction": 2}
    page = render({**pooled, "contrasts": [{**con, "cohorts_as_extreme": 1}]}, None, None, None)
    assert "<td>2 of 30</td><td>1 of 30</td>" in page.replace("\n", "")
    page = render({**pooled, "contrasts": [con]}, None, None, None)
    assert "<td>2 of 30</td><td>-</td>" in page.replace("\n", "")


def test_report_lists_held_parameters_of_a_parameter_set_as_not_searched():
    # one-evaluation specs hold most values at an earlier fit's (the spec's `fixed`); those entries carry no
    # searched or fitted range, and the report must still render them
    from livermet.calibration.report import render

    pset = {"id": "p", "version": 3, "created": "today", "method": "m", "objective": 1.0, "targets": ["T01"],
            "parameters": {"k_fit": {"value": 0.5, "searched": [0.1, 1.0], "fitted_range": [0.4, 0.6], "why": "fitted"},
                           "k_held": {"value": 2.0, "held": True, "targets": ["T01"], "why": "held"}}}
    page = render(None, pset, None, None)
    assert "0.1-1" in page and "0.4-0.6" in page
    assert "k_held" in page and "held, not searched" in page


# ---------------------------------------------------------------- profile: which trials pull which way


def _trial_copy(tmp_path, name: str) -> str:
    p = tmp_path / f"{name}.yaml"
    p.write_text(yaml.safe_dump({**PROTOCOL, "id": name}))
    return str(p)


def test_profile_finds_trials_that_want_opposite_values(tmp_path):
    """Two trials whose published medians were made at growth rates 0.003 and 0.006: the profile puts
    each trial's best value at its own truth and reports the conflict; a rerun reuses the checkpoint."""
    from livermet.calibration.profile import SENSITIVE, profile_parameter

    slow, fast = _trial_copy(tmp_path, "toy_slow"), _trial_copy(tmp_path, "toy_fast")
    published = {slow: _synthetic_published(slow, 0.003), fast: _synthetic_published(fast, 0.006)}
    spec = _spec(slow, trials=[slow, fast])
    grid = [0.003, 0.0042, 0.006]
    res = profile_parameter(spec, "a_growth", tmp_path / "prof", values=grid, parameter_set="none",
                            published=published)
    assert res["values"] == grid and len(res["objective"]) == len(grid) == len(res["within"])
    by = {p["trial"]: p for p in res["trials"]}
    assert by[slow]["best_on_grid"] == 0.003 and by[fast]["best_on_grid"] == 0.006
    assert all(p["informative"] and p["change"] >= SENSITIVE for p in by.values())
    assert np.allclose(res["objective"], [by[slow]["objective"][i] + by[fast]["objective"][i] for i in range(3)])
    # together they fit best between the two truths, and each trial wants its own side of it
    assert res["best_on_grid"] == 0.0042
    assert 0.003 <= by[slow]["best_value"] < res["best_value"] < by[fast]["best_value"] <= 0.006
    assert res["prefer_lower"] == [slow] and res["prefer_higher"] == [fast] and res["conflict"]
    assert res["current"] == pytest.approx(get_setup("toy").model_factory().parameters_["a_growth"].value)
    lines = (tmp_path / "prof" / "evaluations.jsonl").read_text().splitlines()
    again = profile_parameter(spec, "a_growth", tmp_path / "prof", values=grid, parameter_set="none",
                              published=published)
    assert again == res and (tmp_path / "prof" / "evaluations.jsonl").read_text().splitlines() == lines
    with pytest.raises(FileExistsError, match="other settings"):
        profile_parameter(spec, "kill_chemo", tmp_path / "prof", values=[0.1, 0.2], parameter_set="none")
    with pytest.raises(SpecError, match="neither a parameter"):
        profile_parameter(spec, "no_such_parameter", tmp_path / "prof2", values=[0.1, 0.2], parameter_set="none")
    with pytest.raises(SpecError, match="plausible range"):
        profile_parameter(spec, "a_growth", tmp_path / "prof3", values=[0.004, 99.0], parameter_set="none")
    # a slice at another value of a second parameter: its own checkpoint, other objectives, the held value recorded
    with pytest.raises(FileExistsError, match="other settings"):
        profile_parameter(spec, "a_growth", tmp_path / "prof", values=grid, parameter_set="none",
                          held={"kill_chemo": 0.05}, published=published)
    sliced = profile_parameter(spec, "a_growth", tmp_path / "prof4", values=grid, parameter_set="none",
                               held={"kill_chemo": 0.05}, published=published)
    assert sliced["held"] == {"kill_chemo": 0.05} and res["held"] == {}
    assert sliced["objective"] != res["objective"]
    with pytest.raises(SpecError, match="cannot also be held"):
        profile_parameter(spec, "a_growth", tmp_path / "prof5", values=grid, parameter_set="none",
                          held={"a_growth": 0.004})


def test_profile_cli_and_report(toy_trial, tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text(yaml.safe_dump(_spec(toy_trial, patients_per_trial=40).model_dump(mode="json")))
    runner = CliRunner()
    cli = runner.invoke(app, ["calibrate", "profile", "a_growth", "--spec", str(spec), "--parameter-set", "none",
                              "--points", "3", "--out", str(tmp_path / "p"), "--json"])
    assert cli.exit_code == 0, cli.output
    data = json.loads(cli.stdout[cli.stdout.index("{"):])
    assert set(data) == {"spec", "parameter", "parameter_set", "current", "values", "objective", "within", "scored",
                         "best_value", "best_on_grid", "trials", "prefer_lower", "prefer_higher", "conflict",
                         "sensitive_change", "held"}
    assert data["held"] == {}
    assert data["values"] == pytest.approx([0.001, math.sqrt(0.001 * 0.012), 0.012], rel=1e-5)  # the spec's log range
    assert data["scored"] == [3, 3, 3] and [p["trial"] for p in data["trials"]] == [toy_trial]
    summary = tmp_path / "p" / "profile_summary.json"
    assert json.loads(summary.read_text()) == data
    check = tmp_path / "check.json"
    assert runner.invoke(app, ["calibrate", "check", "--model", "toy", "--parameter-set", "none", "--trials", toy_trial,
                               "--replicates", "1", "--patients", "30", "--out", str(check), "--json"]).exit_code == 0
    rep = runner.invoke(app, ["calibrate", "report", "--check", str(check), "--parameter-set", "none", "--model", "toy",
                              "--profile", str(summary), "--out", str(tmp_path / "cal.html")])
    assert rep.exit_code == 0, rep.output
    assert "Which trials pull which way" in (tmp_path / "cal.html").read_text()
    bad = runner.invoke(app, ["calibrate", "profile", "a_growth", "--spec", str(spec), "--values", "0.1,x"])
    assert bad.exit_code == 2 and "--values" in bad.output
    bad = runner.invoke(app, ["calibrate", "profile", "a_growth", "--spec", str(spec), "--set", "kill_chemo"])
    assert bad.exit_code == 2 and "--set 'kill_chemo'" in bad.output


def test_profile_summary_reports_no_conflict_when_trials_agree():
    from livermet.calibration.profile import summarise

    def rec(a, b, c):  # trial objectives at one grid value; one scored row inside its interval
        return {"nll": a + b + c, "trials": {"A": {"nll": a}, "B": {"nll": b}, "flat": {"nll": c}},
                "rows": [{"within": True}, {"within": None}]}

    grid = [1.0, 2.0, 3.0]
    agree = summarise("p", grid, 2.0, [rec(9, 8, 1), rec(1, 2, 1.5), rec(6, 7, 1)], "s", "none")
    assert 2.0 <= agree["best_value"] < 2.3 and agree["best_on_grid"] == 2.0 and not agree["conflict"]
    assert agree["prefer_lower"] == agree["prefer_higher"] == [] and agree["within"] == [1, 1, 1]
    assert agree["scored"] == [1, 1, 1]
    assert {p["trial"]: p["informative"] for p in agree["trials"]} == {"A": True, "B": True, "flat": False}
    split = summarise("p", grid, 2.0, [rec(0, 9, 1), rec(4, 4, 0), rec(9, 0, 1)], "s", "none")
    assert split["best_value"] == pytest.approx(2.0) and split["conflict"]
    assert [p["best_value"] for p in split["trials"]] == pytest.approx([1.0, 3.0, 2.0])
    assert split["prefer_lower"] == ["A"] and split["prefer_higher"] == ["B"]
    assert split["trials"][2]["side"] == "same" and not split["trials"][2]["informative"]


def test_a_fold_drops_held_values_of_a_drug_only_the_held_out_trial_gives():
    from livermet.calibration.fit import _fold_spec

    spec = CalibrationSpec.model_validate({
        "id": "fold_drugs", "model": "liver", "trials": ["jiang2017_tki", "jiang2017_chemo"], "max_evaluations": 1,
        "parameters": [{"name": "os_link.treated_shift", "lower": -0.2, "upper": 0.8, "scale": "linear"}],
        "fixed": {"osimertinib_k_resist": 0.00481, "chemo_sensitivity": 0.8}})
    without_tki = _fold_spec(spec, "jiang2017_tki", None)
    assert without_tki.fixed == {"chemo_sensitivity": 0.8} and without_tki.trial_ids() == ["jiang2017_chemo"]
    assert _fold_spec(spec, "jiang2017_chemo", 3).fixed == spec.fixed  # the TKI trial is still in this fold
    # Castanon 2015 gives its EGFR-mutant patients the same TKI, so a fold that keeps it keeps the TKI's value
    both = CalibrationSpec.model_validate({**spec.model_dump(), "trials": ["jiang2017_tki", "castanon2015"]})
    assert _fold_spec(both, "jiang2017_tki", None).fixed == spec.fixed


def test_a_parameter_set_file_given_relative_to_the_caller_reaches_workers_as_an_absolute_path(tmp_path, monkeypatch):
    from livermet.trial.simulate import TrialContext

    (tmp_path / "probe.yaml").write_text("id: probe\n")
    monkeypatch.chdir(tmp_path)
    assert TrialContext({}, "toy", 1, parameter_set="probe.yaml").parameter_set == str(tmp_path / "probe.yaml")
    for name in ("default", "none", "liver", None, "missing.yaml"):  # ids and names that are not files stay
        assert TrialContext({}, "toy", 1, parameter_set=name).parameter_set == name


# ---------------------------------------------------------------- independent validation set


def test_validation_figures_are_never_calibration_targets():
    """The validation set is held out: its records are not targets (no target id, not in targets.yaml), the
    library cites them only under `validation:`, and what calibration reads (`published_for`) never has them."""
    from livermet.calibration.targets import validation_trials
    from livermet.trial.library import clinical_records, library_files, published_for, validation_records
    from livermet.trial.protocol import load_protocol

    held_out = validation_records()
    assert held_out and not set(held_out) & set(clinical_records())
    assert all(r["target_id"] is None and r["evidence"] for r in held_out.values())
    cited = set()
    for tid, path in library_files().items():
        proto = load_protocol(path)
        assert not {r["record"] for r in published_for(proto)} & set(held_out), tid
        cited |= {r["record"] for r in published_for(proto, validation=True)}
    assert cited == set(held_out)  # every held-out figure is simulated by some trial
    assert set(validation_trials()) == {"keynote189", "checkmate017_057", "oak"}
    assert not set(held_out) & {t["record"] for t in targets_summary()["targets"]}


def test_validate_scores_only_the_held_out_figures(toy_trial, tmp_path):
    data = yaml.safe_load(Path(toy_trial).read_text())
    data["validation"] = [{"record": "validation_keynote189_liver_pfs", "subgroup": "liver_metastasis=yes"}]
    Path(toy_trial).write_text(yaml.safe_dump(data))
    val = run_check(None, trials=[toy_trial], replicates=1, patients=60, model_name="toy", validation=True)
    chk = run_check(None, trials=[toy_trial], replicates=1, patients=60, model_name="toy")
    assert val["figures"] == "validation" and chk["figures"] == "targets"
    assert {r["record"] for r in val["rows"]} == {"validation_keynote189_liver_pfs"}
    assert {r["record"] for r in chk["rows"]} == {"target_t23"}
    assert val["targets"] == len(val["rows"]) == 3  # two medians and the HR, in the liver subgroup
    for r in val["rows"]:
        assert r["id"] == "validation_keynote189_liver_pfs" and r["ci_source"] == "published"
        assert r["within"] == (r["ci"][0] <= r["simulated"] <= r["ci"][1])
    out = tmp_path / "validation.json"
    cli = CliRunner().invoke(app, ["calibrate", "validate", "--model", "toy", "--parameter-set", "none", "--trials",
                                   toy_trial, "--replicates", "1", "--patients", "60", "--out", str(out), "--json"])
    assert cli.exit_code == 0, cli.output
    assert json.loads(out.read_text())["rows"] == val["rows"]  # the same seed gives the same cohorts
    checked = tmp_path / "check.json"
    checked.write_text(json.dumps(chk))
    rep = CliRunner().invoke(app, ["calibrate", "report", "--check", str(checked), "--validation", str(out),
                                   "--parameter-set", "none", "--model", "toy", "--out", str(tmp_path / "r.html")])
    assert rep.exit_code == 0, rep.output
    page = (tmp_path / "r.html").read_text()
    assert "Independent validation" in page and "validation_keynote189_liver_pfs" in page
    assert f"<b>{val['within_ci']} of 3</b> held-out published figures" in page


def test_intrahepatic_orr_counts_liver_responders_among_patients_with_a_measurable_liver_lesion():
    from livermet.analysis.trial_summary import compare_published

    df = pd.DataFrame({"arm": ["a"] * 6 + ["b"] * 4,
                       "responder": [True] * 6 + [False] * 4,
                       "liver_measurable": [True, True, True, True, False, False, True, True, False, False],
                       "liver_responder": [True, False, False, False, False, False, True, False, False, False]})
    rec = {"record": "r", "target_id": "T", "subgroup": "all", "endpoint": "ORR_intrahepatic", "statistic": "rate",
           "value_exp": 40.0, "value_ctrl": 10.0, "n_exp": 4, "n_ctrl": 2, "experimental": "a", "control": "b"}
    rows = compare_published(df, [rec], "b", ["a"])
    assert [(r["role"], r["n"], r["simulated"]) for r in rows] == [("experimental", 4, 25.0), ("control", 2, 50.0)]
    assert rows[0]["quantity"].startswith("intrahepatic ORR %")
    whole = compare_published(df, [{**rec, "endpoint": "ORR"}], "b", ["a"])
    assert [r["simulated"] for r in whole] == [100.0, 0.0]
    # an intrahepatic PFS median reads the liver columns of the same patients
    df["pfs_months"], df["pfs_event"] = 1.0, True
    df["pfs_liver_months"], df["pfs_liver_event"] = [2.0, 4.0, 6.0, 8.0, 1.0, 1.0, 3.0, 3.0, 1.0, 1.0], True
    pfs = compare_published(df, [{**rec, "endpoint": "PFS_intrahepatic", "statistic": "median", "value_exp": 5.0,
                                  "value_ctrl": 3.0}], "b", ["a"])
    assert [(r["n"], r["simulated"]) for r in pfs] == [(4, 4.0), (2, 3.0)]
    assert pfs[0]["quantity"].startswith("median intrahepatic PFS")


def test_qiao_liver_comparison_is_mapped_with_the_group_sizes_its_p_value_implies():
    from scipy.stats import chi2_contingency

    from livermet.trial.library import clinical_records

    rec = clinical_records()["target_t35_orr"]
    k_exp, k_ctrl = round(rec["value_exp"] / 100 * rec["n_exp"]), round(rec["value_ctrl"] / 100 * rec["n_ctrl"])
    table = [[k_exp, rec["n_exp"] - k_exp], [k_ctrl, rec["n_ctrl"] - k_ctrl]]
    assert chi2_contingency(table, correction=False)[1] == pytest.approx(float(rec["p_value"]), abs=5e-4)
    t = {r["record"]: r for r in targets_summary()["targets"]}["target_t35_orr"]
    assert t["mapped"] and t["trials"] == ["qiao2021_liver"]
