"""The NSCLC liver-metastasis model: validation against the knowledge base, the layer contracts,
non-negativity, numba vs libRoadRunner agreement, hook directions and the untreated natural history."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from livermet.biology import MODELS, get_model
from livermet.biology.liver import HOOKS, SITES, liver_metastasis_model
from livermet.biology.natural_history import LIVER_DETECTION_RANGE_DAYS, VDT_RANGE_DAYS, natural_history
from livermet.cli import app
from livermet.engine import relative_error, simulate
from livermet.knowledge import check_statement_ids
from livermet.modeling import set_value
from livermet.population import sample_parameters
from livermet.population.covariates import sample_covariates
from livermet.trial.models import default_patient_parameters

CONTRACTS = Path(__file__).resolve().parents[1] / "docs" / "contracts.md"


@pytest.fixture(scope="module")
def liver():
    return liver_metastasis_model()


def test_registered_and_validates_with_knowledge_ids(liver):
    assert "liver" in MODELS and "reference" in MODELS
    assert get_model("liver").hash() == liver.hash()
    liver.validate(known_statements=check_statement_ids)
    assert 40 <= len(liver.species_) <= 80  # a size guard: the kernels compile for minutes already
    # every parameter has a source and a range holding its value; every process cites statements
    for p in liver.parameters_.values():
        assert p.source is not None and p.lower <= p.value <= p.upper, p.name
    assert all(p.evidence for p in liver.processes_.values())


def test_contract_hooks_species_and_observables(liver):
    text = CONTRACTS.read_text()
    section2 = text.split("## 2.")[1].split("## 3.")[0]
    contract_hooks = set(re.findall(r"^\| `([a-z0-9_]+)` \|", section2, re.M))
    assert contract_hooks and contract_hooks <= set(liver.hooks_)
    assert {h[0] for h in HOOKS} == set(liver.hooks_)
    assert float(liver.expressions_["liver_function_delivery"].expr.subs("set_liver_function_delivery", 0)) == 1.0
    for site in ("primary", "liver", "bone", "brain", "adrenal"):
        assert f"C_{site}" in liver.species_ and f"Cd_{site}" in liver.species_
        assert liver.species_[f"C_{site}"].unit == "cell"
        for obs, unit in ((f"diameter_{site}", "mm"), (f"n_lesions_{site}", "dimensionless")):
            assert liver.observables_[obs].unit == unit
    for obs, unit in (("tumour_burden", "cell"), ("ldh", "U/L"), ("nlr", "dimensionless"), ("lymphocytes", "cell/uL")):
        assert liver.observables_[obs].unit == unit


def test_unknown_option_is_refused():
    with pytest.raises(TypeError, match="unknown option"):
        liver_metastasis_model(colour="blue")


@pytest.fixture(scope="module")
def cohort(liver):
    """8 virtual patients with treatment events (anti-PD-1 + anti-CTLA-4 + anti-VEGF + chemotherapy) from day 700,
    with the VEGF-induced share of liver FasL switched on (the model's default of 0 would leave that term out)."""
    params = sample_parameters(liver, 8, seed=3)
    params["w_vegf_fasl"] = 0.7
    ev = [set_value(700, "set_pd1_occupancy", 0.9), set_value(700, "set_ctla4_occupancy", 0.5),
          set_value(700, "set_vegf_blockade", 0.8),
          set_value(700, "set_chemo_kill_rate", 0.03), set_value(790, "set_chemo_kill_rate", 0.0)]
    return params, ev, np.linspace(0, 1200, 61)


def test_species_stay_non_negative(liver, cohort):
    params, ev, times = cohort
    res = simulate(liver, times, params, ev)
    assert np.all(res.status == 0), res.failures()
    scale = np.maximum(np.abs(res.species).max(axis=1, keepdims=True), 1.0)
    assert np.all(res.species >= -1e-6 * scale)
    assert np.all(np.isfinite(res.observables))
    assert np.all(res.observable("lymphocytes") > 0) and np.all(res.observable("ldh") > 0)


def test_numba_agrees_with_roadrunner(liver, cohort):
    params, ev, times = cohort
    params = params.iloc[:3]
    a = simulate(liver, times, params, ev, backend="numba")
    b = simulate(liver, times, params, ev, backend="roadrunner", rtol=1e-10, atol=1e-10)
    assert np.all(a.status == 0) and np.all(b.status == 0)
    worst = {}
    for k, name in enumerate(a.observable_names):
        worst[name] = float(np.median(relative_error(a.observables[:, :, k], b.observables[:, :, k], 1e-9)))
    assert max(worst.values()) <= 1e-4, sorted(worst.items(), key=lambda kv: -kv[1])[:5]


def _with_liver_mets(**extra):
    return {"C0_primary": 3e9, "C0_liver": 1e9, "L0_liver": 2.0, "k_shed": 1e-8, **extra}


# hook input, value, observable, expected sign of (treated - control) at the end
HOOK_DIRECTIONS = [
    ("pd1_occupancy", 0.9, "tumour_burden", -1),
    ("ctla4_occupancy", 0.9, "treg_primary", -1),
    ("vegf_blockade", 0.9, "tumour_burden", -1),
    ("tgfbr_inhibition", 0.9, "treg_induction_rate", -1),
    ("il6_blockade", 0.9, "il6_signal_primary", -1),
    ("ccr2_blockade", 0.9, "mac_liver", -1),
    ("chemo_kill_rate", 0.05, "tumour_burden", -1),
    ("chemo_resistant_kill_rate", 0.05, "tumour_burden", -1),
    ("chemo_lymphodepletion_rate", 0.05, "lymphocytes", -1),
    ("chemo_neutrophil_depletion", 0.5, "nlr", -1),
    ("adc_kill_rate", 0.05, "tumour_burden", -1),
    ("fap_depletion_rate", 0.5, "caf_liver", -1),
    ("kupffer_depletion_rate", 0.5, "kupffer_cells", -1),
    ("lsec_targeting", 0.9, "treg_blood", -1),
    ("angptl1_supplement", 2.0, "mmp9_liver_rel", -1),
]


def test_hooks_act_in_the_expected_direction(liver):
    arms = [_with_liver_mets()] + [_with_liver_mets(**{f"set_{h}": v}) for h, v, _, _ in HOOK_DIRECTIONS]
    arms.append(_with_liver_mets(set_chemo_kill_rate=0.05, set_liver_function_delivery=-1.0))  # no delivery
    arms.append(_with_liver_mets(egfr_mutant=1.0, f_tki_insensitive=0.1, set_targeted_kill_rate=0.05))
    names = sorted(set().union(*arms))
    defaults = liver.parameter_values()
    params = {k: [a.get(k, defaults[k]) for a in arms] for k in names}
    res = simulate(liver, np.linspace(0, 200, 21), params)
    assert np.all(res.status == 0)
    for i, (hook, _, obs, sign) in enumerate(HOOK_DIRECTIONS, start=1):
        control, treated = res.observable(obs)[0, -1], res.observable(obs)[i, -1]
        assert np.sign(treated - control) == sign and abs(treated - control) > 1e-3 * abs(control), (hook, control, treated)
    burden = res.observable("tumour_burden")[:, -1]
    assert burden[-2] == pytest.approx(burden[0], rel=1e-6)  # chemotherapy without delivery does nothing
    assert burden[-1] < burden[0]  # osimertinib-like kill of an EGFR-mutant tumour


def test_grp78_blockade_and_liver_siphon_directions(liver):
    """GRP78 blockade lowers liver seeding; liver metastases lower blood CD8 T cells (the siphon)."""
    d = liver.parameter_values()
    arms = [{}, {"set_grp78_blockade": 0.9}, {"C0_liver": 1e9, "L0_liver": 2.0}]
    names = sorted(set().union(*arms))
    res = simulate(liver, np.linspace(0, 400, 41), {k: [a.get(k, d[k]) for a in arms] for k in names})
    assert res.observable("micromet_liver")[1, -1] < res.observable("micromet_liver")[0, -1]
    assert res.observable("cd8_blood")[2, -1] < 0.8 * res.observable("cd8_blood")[0, -1]


def test_natural_history_is_plausible(liver):
    nh = natural_history(model=liver)
    assert VDT_RANGE_DAYS[0] <= nh.primary_vdt_days <= VDT_RANGE_DAYS[1], nh
    assert LIVER_DETECTION_RANGE_DAYS[0] <= nh.liver_detectable_day <= LIVER_DETECTION_RANGE_DAYS[1], nh
    assert nh.liver_first_lesion_day < nh.liver_detectable_day


def test_describe_command_json_and_files(tmp_path):
    runner = CliRunner()
    r = runner.invoke(app, ["model", "describe", "--model", "liver", "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    for key in ("species", "processes", "parameters", "parameters_sourced", "parameters_calibrated",
                "parameters_assumed", "processes_with_evidence", "statement_coverage"):
        assert key in data
    assert data["parameters"] == data["parameters_sourced"] + data["parameters_calibrated"] + data["parameters_assumed"]
    assert data["processes_with_evidence"] == data["processes"]
    assert 0 < data["statement_coverage"] <= 1
    md, page = tmp_path / "liver.md", tmp_path / "liver.html"
    assert runner.invoke(app, ["model", "describe", "--out", str(md)]).exit_code == 0
    assert runner.invoke(app, ["model", "describe", "--out", str(page)]).exit_code == 0
    text = md.read_text()
    assert "```mermaid" in text and "### `t_fasl_deletion_liver`" in text and "s001_31_32" in text
    assert "\\frac" in text  # LaTeX rate laws
    assert page.read_text().startswith("<!doctype html>")


def test_population_liver_metastases_lower_anti_pd1_response(liver):
    """In a sampled population, anti-PD-1 from day 900 shrinks the primary in fewer patients who have a
    detectable liver metastasis by then than in those who have none (the liver siphon at population level)."""
    params = sample_parameters(liver, 200, seed=11)
    times = np.linspace(0, 1080, 109)
    res = simulate(liver, times, params, [set_value(900, "set_pd1_occupancy", 0.9)])
    assert np.all(res.status == 0)
    k0, k1 = int(np.searchsorted(times, 900)), int(np.searchsorted(times, 1080))
    liver_met = res.observable("diameter_liver")[:, k0] >= 10
    c = res.species_values("C_primary")
    measurable = res.observable("diameter_primary")[:, k0] >= 10
    shrink = c[:, k1] < 0.343 * c[:, k0]  # at least 30% fall of the diameter
    with_l, without_l = liver_met & measurable, ~liver_met & measurable
    assert with_l.sum() >= 10 and without_l.sum() >= 10
    assert shrink[with_l].mean() < shrink[without_l].mean()


def test_earlier_line_and_liver_hgf_weaken_cytotoxic_and_tki_kill(liver):
    """A tumour pretreated with platinum carries more chemo-resistant cells; hepatocyte HGF (MET bypass)
    shields part of the liver lesions from the EGFR-TKI, and only them."""
    chemo = dict(set_chemo_kill_rate=0.05)
    tki = dict(egfr_mutant=1.0, f_tki_insensitive=0.1, set_targeted_kill_rate=0.05)
    pretreated = dict(prior_lines=1.0, prior_chemotherapy=1.0, f_resistant_pretreated=0.8)
    arms = [_with_liver_mets(**chemo), _with_liver_mets(**chemo, **pretreated),
            _with_liver_mets(**tki, w_hgf_tki=0.0), _with_liver_mets(**tki, w_hgf_tki=4.0)]
    names = sorted(set().union(*arms))
    d = liver.parameter_values()
    res = simulate(liver, np.linspace(0, 120, 13), {k: [a.get(k, d[k]) for a in arms] for k in names})
    assert np.all(res.status == 0)
    burden = res.observable("tumour_burden")[:, -1]
    assert burden[1] > 1.2 * burden[0]
    liver_d, primary_d = res.observable("diameter_liver")[:, -1], res.observable("diameter_primary")[:, -1]
    # the liver lesions lose the kill directly; the primary only through systemic effects of the larger liver burden
    assert liver_d[3] / liver_d[2] > 1.05 and liver_d[3] / liver_d[2] > 2 * (primary_d[3] / primary_d[2] - 1) + 1, \
        (liver_d, primary_d)


def test_tumours_after_an_earlier_line_grow_faster_untreated(liver):
    """growth_pretreated scales the Gompertz rate of a tumour that progressed on earlier chemotherapy,
    growth_pretreated_targeted one that progressed on an EGFR-TKI; untreated, the earlier line changes nothing else
    (its chemo-resistant share only matters under chemotherapy), and a first-line tumour feels neither."""
    chemo, tki = dict(prior_lines=1.0, prior_chemotherapy=1.0), dict(prior_lines=1.0, prior_chemotherapy=0.0)
    arms = [_with_liver_mets(growth_pretreated=1.6, growth_pretreated_targeted=1.6),
            _with_liver_mets(**chemo, growth_pretreated=1.6, growth_pretreated_targeted=1.0),
            _with_liver_mets(**chemo, growth_pretreated=1.0, growth_pretreated_targeted=1.6),
            _with_liver_mets(**tki, growth_pretreated=1.0, growth_pretreated_targeted=1.6),
            _with_liver_mets(**tki, growth_pretreated=1.6, growth_pretreated_targeted=1.0)]
    names = sorted(set().union(*arms))
    d = liver.parameter_values()
    res = simulate(liver, np.linspace(0, 90, 10), {k: [a.get(k, d[k]) for a in arms] for k in names})
    assert np.all(res.status == 0)
    burden = res.observable("tumour_burden")
    for same in (2, 4):
        np.testing.assert_allclose(burden[same], burden[0], rtol=1e-6)
    np.testing.assert_allclose(burden[3], burden[1], rtol=1e-6)
    assert burden[1, -1] > 1.2 * burden[0, -1]


def test_liver_hgf_sets_a_tki_tolerant_clone_that_regrows_sooner(liver):
    """The HGF-MET bypass makes w H / (1 + w H) of the EGFR-mutant cells of liver lesions a TKI-tolerant clone
    from the start: the liver lesion bottoms out earlier and higher, and regrows sooner; other sites are untouched."""
    tki = dict(egfr_mutant=1.0, f_tki_insensitive=0.01, set_targeted_kill_rate=0.05, alahm_hgf=1.5)
    arms = [_with_liver_mets(**tki, w_hgf_tki=0.0), _with_liver_mets(**tki, w_hgf_tki=1.0)]
    names = sorted(set().union(*arms))
    d = liver.parameter_values()
    times = np.linspace(0, 240, 49)
    res = simulate(liver, times, {k: [a.get(k, d[k]) for a in arms] for k in names})
    assert np.all(res.status == 0)
    fe_liver, fe_primary = res.species_values("fegfr_liver")[:, 0], res.species_values("fegfr_primary")[:, 0]
    np.testing.assert_allclose(fe_liver, [0.99, 0.99 / (1 + 1.0 * 1.5)], rtol=1e-9)
    np.testing.assert_allclose(fe_primary, [0.99, 0.99], rtol=1e-9)
    cells = res.species_values("C_liver")
    nadir_day = times[np.argmin(cells, axis=1)]
    assert nadir_day[1] < nadir_day[0], nadir_day
    assert cells[1].min() > 10 * cells[0].min()


def test_chemotherapy_and_tki_select_the_resistant_clone(liver):
    """With constant kill rates the resistant share follows the exact two-clone solution,
    logit f(t) = logit f(0) + (k_sensitive - k_resistant) t, and the treated lesion regrows."""
    d = liver.parameter_values()
    arm = {"chemo_sensitivity": 1.0, "f_chemo_resistant": 0.1, "prior_lines": 0.0, "set_chemo_kill_rate": 0.05,
           "set_chemo_resistant_kill_rate": 0.01, "egfr_mutant": 1.0, "f_tki_insensitive": 0.01, "set_targeted_kill_rate": 0.04}
    times = np.linspace(0, 300, 31)
    res = simulate(liver, times, {k: [arm.get(k, v)] for k, v in d.items()}, rtol=1e-8, atol=1e-10)
    assert np.all(res.status == 0)
    logit = lambda f: np.log(f / (1 - f))  # noqa: E731
    fres, fegfr = res.species_values("fres_primary")[0], res.species_values("fegfr_primary")[0]
    np.testing.assert_allclose(logit(fres), logit(0.1) + 0.04 * times, atol=1e-5)
    np.testing.assert_allclose(logit(fegfr), logit(0.99) - 0.04 * times, atol=1e-5)
    cells = res.species_values("C_primary")[0]
    nadir = int(np.argmin(cells))
    assert 0 < nadir < len(times) - 1 and cells[-1] > 2 * cells[nadir]  # shrinks, then the resistant clone regrows


def test_lesions_below_detection_grow_into_new_lesions(liver):
    """Occult lesions are not counted at the start; they become visible (new lesions) while the site grows,
    and stay hidden while treatment shrinks it."""
    d = liver.parameter_values()
    base = {"C0_liver": 2e9, "L0_liver": 2.0, "n_occult": 3.0, "k_shed": 1e-9, "k_switch": 1e-6}  # few new seeds
    arms = [base, {**base, "set_chemo_kill_rate": 0.3, "f_chemo_resistant": 0.0, "chemo_sensitivity": 1.0}]
    res = simulate(liver, np.linspace(0, 400, 41), {k: [a.get(k, v) for a in arms] for k, v in d.items()})
    assert np.all(res.status == 0)
    hidden, seen = res.species_values("Ls_liver"), res.observable("n_lesions_liver")
    assert hidden[0, 0] == pytest.approx(3.0) and seen[0, 0] == pytest.approx(2.0, abs=0.05)
    surfaced = hidden[0, 0] - hidden[0, -1]  # untreated: occult lesions surface as visible ones
    assert np.all(np.diff(hidden[0]) <= 1e-9) and surfaced > 0.2
    assert seen[0, -1] - seen[0, 0] == pytest.approx(surfaced, abs=0.05)
    assert hidden[1, -1] == pytest.approx(3.0, abs=0.05)  # shrinking site: nothing matures
    assert seen[1, -1] <= seen[1, 0] + 1e-6


def test_t_cell_killing_selects_the_escaped_subclone(liver):
    """Checkpoint blockade of an antigenic primary: without an escaped subclone the T cells clear it; with
    1% of cells invisible to them, the escaped share rises towards 1 and the lesion regrows after its nadir
    (acquired resistance) instead of being cleared."""
    d = liver.parameter_values()
    base = {"antigenicity": 5.0, "hla_loss": 0.0, "C0_primary": 2e9}
    arms = [{**base, "f_immune_escape": 0.0}, {**base, "f_immune_escape": 0.01}]  # 0: the structure without it
    times = np.linspace(0, 720, 73)
    res = simulate(liver, times, {k: [a.get(k, v) for a in arms] for k, v in d.items()},
                   [set_value(0, "set_pd1_occupancy", 0.95)])
    assert np.all(res.status == 0)
    cells, fesc = res.species_values("C_primary"), res.species_values("fesc_primary")
    assert np.all(fesc[0] == 0.0)
    assert np.all((fesc[1] >= 0.01 - 1e-9) & (fesc[1] <= 1.0 + 1e-9)) and np.all(np.diff(fesc[1]) >= -1e-9)
    assert fesc[1, -1] > 0.9
    nadir = int(np.argmin(cells[1]))
    assert cells[1, nadir] < 0.1 * cells[1, 0]  # the T cells did respond
    assert 0 < nadir < len(times) - 1 and cells[1, -1] > 10 * cells[1, nadir]
    assert cells[0, -1] < 1e-3 * cells[1, -1]


def test_tmb_covariate_reaches_recognition_and_the_pd1_response(liver):
    """A patient's TMB covariate sets the model's `tmb` (trial layer); under PD-1 blockade a high-TMB
    primary shrinks further than a low-TMB one with everything else equal (recognition scales as
    (TMB / median)^w_tmb_antigen); with w_tmb_antigen 0 TMB does nothing."""
    cov = sample_covariates(6, seed=3)
    params = default_patient_parameters(liver, cov, seed=3)
    assert np.allclose(params["tmb"], np.clip(cov["tmb"], 0.1, 500.0))
    d = liver.parameter_values()
    assert d["tmb"] == d["tmb_median"] == 8.0  # without a covariate the TMB term is 1
    base = {"antigenicity": 1.5, "hla_loss": 0.0, "C0_primary": 2e9, "f_immune_escape": 0.0}
    arms = [{**base, "tmb": t, "w_tmb_antigen": w} for w in (0.5, 0.0) for t in (2.0, 32.0)]
    times = np.linspace(0, 180, 19)
    res = simulate(liver, times, pd.DataFrame([{**d, **a} for a in arms]),
                   [set_value(0, "set_pd1_occupancy", 0.95)])
    assert np.all(res.status == 0)
    cells = res.species_values("C_primary")[:, -1]
    assert cells[1] < 0.5 * cells[0]  # 16-fold TMB: 4-fold recognition
    assert cells[3] == pytest.approx(cells[2], rel=1e-6)  # exponent 0: TMB irrelevant


def test_t_cells_expand_only_as_they_kill(liver):
    """CD8 T cells in a lesion expand in proportion to the recognised cancer cells each one kills (de Pillis
    2005 form, per T cell): under PD-1 blockade a recognised primary holds more T cells with expansion than
    without it, and a primary T cells cannot recognise at all (every cell escaped) holds exactly as many."""
    d = liver.parameter_values()
    base = {"antigenicity": 1.5, "hla_loss": 0.0, "C0_primary": 2e9, "f_immune_escape": 0.0}
    hidden = {**base, "f_immune_escape": 1.0}
    arms = [base, {**base, "k_T_expand": 0.0}, hidden, {**hidden, "k_T_expand": 0.0}]
    times = np.linspace(0, 120, 13)
    res = simulate(liver, times, pd.DataFrame([{**d, **a} for a in arms]),
                   [set_value(0, "set_pd1_occupancy", 0.95)])
    assert np.all(res.status == 0)
    t = res.species_values("T_primary")[:, -1]
    assert t[0] > 1.05 * t[1]
    assert t[2] == pytest.approx(t[3], rel=1e-6) and t[2] > 0


def test_an_escaped_subclone_as_visible_as_the_rest_is_not_selected(liver):
    """escape_recognition scales the T-cell kill of the escaped subclone: at 1 the escaped cells are killed like
    the others, so their share stays put and the lesion follows the one without an escaped subclone."""
    d = liver.parameter_values()
    base = {"antigenicity": 5.0, "hla_loss": 0.0, "C0_primary": 2e9}
    arms = [{**base, "f_immune_escape": 0.0}, {**base, "f_immune_escape": 0.2, "escape_recognition": 1.0},
            {**base, "f_immune_escape": 0.2, "escape_recognition": 0.0}]
    times = np.linspace(0, 240, 25)
    res = simulate(liver, times, pd.DataFrame([{**d, **a} for a in arms]),
                   [set_value(0, "set_pd1_occupancy", 0.95)])
    assert np.all(res.status == 0)
    cells, fesc = res.species_values("C_primary"), res.species_values("fesc_primary")
    assert np.allclose(fesc[1], 0.2, atol=1e-9)
    assert np.allclose(cells[1], cells[0], rtol=1e-5)
    assert fesc[2, -1] > 0.5 and cells[2, -1] > 2 * cells[0, -1]


def test_pdl2_engages_pd1_past_an_anti_pdl1_antibody(liver):
    """PD-L2 binds PD-1 too: blocking PD-1 frees T cells from both ligands, blocking PD-L1 from PD-L1 only. With no
    PD-L2 the two blockades are the same; with PD-L2 the lesion on anti-PD-L1 shrinks less, while anti-PD-1 barely
    changes."""
    d = liver.parameter_values()
    base = {"antigenicity": 0.5, "hla_loss": 0.0, "f_immune_escape": 0.0, "C0_primary": 2e9}
    arms = [{**base, "pdl2_engagement": w} for w in (0.0, 0.05)]
    times = np.linspace(0, 60, 7)
    params = {k: [a.get(k, v) for a in arms] for k, v in d.items()}
    anti_pd1 = simulate(liver, times, params, [set_value(0, "set_pd1_occupancy", 0.95)])
    anti_pdl1 = simulate(liver, times, params, [set_value(0, "set_pdl1_blockade", 0.95)])
    assert np.all(anti_pd1.status == 0) and np.all(anti_pdl1.status == 0)
    c1, cl1 = anti_pd1.species_values("C_primary"), anti_pdl1.species_values("C_primary")
    np.testing.assert_allclose(cl1[0], c1[0], rtol=1e-6)  # no PD-L2: the same blockade
    assert c1[0, -1] < 0.1 * c1[0, 0]  # the blockade works
    assert cl1[1, -1] > 10 * c1[1, -1]  # PD-L2 keeps signalling past anti-PD-L1
    assert c1[1, -1] < 3 * c1[0, -1]  # anti-PD-1 blocks PD-L2's engagement as well
