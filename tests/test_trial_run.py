"""Virtual trials end to end on the trial layer's test model: endpoints, censoring, determinism across
batch sizes and Dask workers, kill and resume, solver failures, results store and CLI."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from livermet.cli import app
from livermet.trial import load_results, parse_protocol, query, run_trial
from livermet.trial.models import TrialSetup, get_setup, register_setup
from livermet.trial.runner import RunError

PROTOCOL = {
    "id": "toy_trial",
    "title": "test trial on the toy model",
    "arms": [{"id": "io_chemo", "regimen": "toy_io_chemo"}, {"id": "chemo", "regimen": "toy_chemo", "control": True}],
    "randomisation": {"ratio": [1, 1], "stratify_by": ["liver_metastasis"], "block_size": 4},
    "sample_size": 30,
    "assessment": {"schedule": [{"every_weeks": 6, "until_week": 48}, {"every_weeks": 9}], "horizon_months": 36},
    "endpoints": {"primary": ["os", "pfs"], "secondary": ["orr", "dcr", "dor"]},
    "follow_up": {"accrual_months": 12, "data_cutoff_months": 30, "dropout_per_year": 0.1},
    "crossover": {"from_arm": "chemo", "regimen": "toy_io", "probability": 0.5},
    "subgroups": ["liver_metastasis", "pdl1_class"],
}
N = 30


def proto():
    return parse_protocol(PROTOCOL)


def endpoints_of(out) -> pd.DataFrame:
    e = load_results(out)["endpoints"]
    return e.sort_values("patient_id").reset_index(drop=True)


@pytest.fixture(scope="module")
def reference_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("trial") / "ref"
    run_trial(proto(), N, 11, out, model_name="toy", batch_size=N, progress=False)
    return out


def test_tables_endpoints_and_censoring(reference_run):
    r = load_results(reference_run)
    e, pats, ass, ev = r["endpoints"], r["patients"], r["assessments"], r["events"]
    assert len(e) == len(pats) == N and e["solver_ok"].all()
    assert set(e["arm"]) == {"io_chemo", "chemo"}
    assert abs((e["arm"] == "chemo").sum() - N / 2) <= 2  # 1:1 blocks within strata
    # censoring: OS is the earlier of death and censoring; censored patients are alive at their censoring day
    assert np.all(e["os_days"] <= e["censor_day"] + 1e-9)
    cens = ~e["os_event"]
    assert np.allclose(e.loc[cens, "os_days"], e.loc[cens, "censor_day"])
    assert np.all(e.loc[cens, "death_day"] > e.loc[cens, "censor_day"])
    assert np.allclose(e["censor_day"], np.minimum(np.minimum(pats["admin_censor_day"], pats["dropout_day"]),
                                                   36 * 30.4375))
    # PFS never after OS; no scan after death or censoring
    assert np.all(e["pfs_days"] <= e["os_days"] + 1e-9)
    last_scan = ass.groupby("patient_id")["day"].max()
    assert np.all(last_scan.to_numpy() <= e.set_index("patient_id").loc[last_scan.index, "os_days"].to_numpy() + 1e-9)
    # responders have a response day and a duration
    resp = e[e["responder"]]
    assert resp["best_response"].isin(["CR", "PR"]).all() and (resp["dor_days"] >= 0).all()
    # intrahepatic endpoints only where a liver lesion was measurable; intrahepatic PFS never after OS
    liver = pats.set_index("patient_id").loc[e["patient_id"], "liver_metastasis"].to_numpy() == "yes"
    assert e["liver_measurable"].any() and not (e["liver_measurable"] & ~liver).any()
    lm = e[e["liver_measurable"]]
    assert lm["liver_best_response"].isin(["CR", "PR", "SD", "PD", "NE"]).all()
    assert (e.loc[~e["liver_measurable"], "liver_best_response"] == "none").all()
    assert np.all(lm["pfs_liver_days"] <= lm["os_days"] + 1e-9)
    assert e.loc[~e["liver_measurable"], "pfs_liver_days"].isna().all()
    assert not (e["liver_responder"] & ~e["liver_measurable"]).any()
    assert np.array_equal(e["liver_responder"], e["liver_best_response"].isin(["CR", "PR"]))
    # events: doses, progressions, deaths
    assert {"dose", "death"} <= set(ev["event"])
    assert (ev[ev["event"] == "death"]["patient_id"].isin(e.loc[e["os_event"], "patient_id"])).all()
    assert r["dynamics"]["observable"].nunique() >= 14


def test_crossover_changes_survival_only_of_the_patients_who_cross(reference_run, tmp_path):
    # the OS link sees scans up to the first progression; a crossover acts on survival through the
    # second Stein fit after the switch (survival_link.draw_overall_survival)
    d = dict(PROTOCOL)
    d.pop("crossover")
    out = tmp_path / "no_crossover"
    run_trial(parse_protocol(d), N, 11, out, model_name="toy", batch_size=N, progress=False)
    a, b = endpoints_of(reference_run), endpoints_of(out)
    crossed = a["crossed_over"].to_numpy()
    assert crossed.any() and not b["crossed_over"].any()
    assert np.isfinite(a["os_log_mu_after_switch"][crossed]).all()
    assert np.isnan(a["os_log_mu_after_switch"][~crossed]).all() and np.isnan(b["os_log_mu_after_switch"]).all()
    assert np.allclose(a["death_day"][~crossed], b["death_day"][~crossed], equal_nan=True)
    assert not np.allclose(a["death_day"][crossed], b["death_day"][crossed], equal_nan=True)


def test_deterministic_across_batch_sizes(reference_run, tmp_path):
    run_trial(proto(), N, 11, tmp_path / "b7", model_name="toy", batch_size=7, progress=False)
    pd.testing.assert_frame_equal(endpoints_of(reference_run), endpoints_of(tmp_path / "b7"))
    a = load_results(reference_run)["assessments"]
    b = load_results(tmp_path / "b7")["assessments"]
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))


def test_cohorts_of_other_seeds_share_the_model_and_keep_their_own_results(reference_run, tmp_path):
    """A check's cohorts differ only in their seed: one model (and kernel) serves them all, and a cohort's results
    do not depend on which seeds the process ran before."""
    from livermet.trial.simulate import _CACHE, TrialContext, materialise

    data = proto().model_dump(mode="json")
    assert materialise(TrialContext(data, "toy", 11))[2] is materialise(TrialContext(data, "toy", 12))[2]
    run_trial(proto(), N, 12, tmp_path / "s12", model_name="toy", batch_size=N, progress=False)
    _CACHE.clear()
    run_trial(proto(), N, 12, tmp_path / "s12_fresh", model_name="toy", batch_size=N, progress=False)
    pd.testing.assert_frame_equal(endpoints_of(tmp_path / "s12"), endpoints_of(tmp_path / "s12_fresh"))
    assert not endpoints_of(tmp_path / "s12").equals(endpoints_of(reference_run))


def test_kill_and_resume_equals_uninterrupted(reference_run, tmp_path):
    out = tmp_path / "killed"
    with pytest.raises(KeyboardInterrupt):
        run_trial(proto(), N, 11, out, model_name="toy", batch_size=10, progress=False, _stop_after_batches=1)
    assert len(endpoints_of(out)) == 10  # the first batch was written before the run stopped
    # a leftover half-written file of the next batch is discarded on resume
    (out / "tables" / "endpoints" / "batch-000001.parquet").write_bytes(b"partial")
    with pytest.raises(RunError):
        run_trial(proto(), N, 11, out, model_name="toy", batch_size=10, progress=False)  # needs --resume
    with pytest.raises(RunError, match="seed"):
        run_trial(proto(), N, 12, out, model_name="toy", batch_size=10, progress=False, resume=True)
    s = run_trial(proto(), N, 11, out, model_name="toy", batch_size=10, progress=False, resume=True)
    assert s.batches_reused == 1 and s.batches_run == 2
    pd.testing.assert_frame_equal(endpoints_of(reference_run), endpoints_of(out))


@pytest.mark.slow
def test_dask_one_and_two_workers_equal_in_process(reference_run, tmp_path):
    from distributed import Client, LocalCluster

    for workers in (1, 2):
        with LocalCluster(n_workers=workers, threads_per_worker=1, dashboard_address=None,
                          processes=True) as cluster, Client(cluster) as client:
            out = tmp_path / f"dask{workers}"
            run_trial(proto(), N, 11, out, model_name="toy", batch_size=8, progress=False, scheduler=client)
            pd.testing.assert_frame_equal(endpoints_of(reference_run), endpoints_of(out))
    man = json.loads((tmp_path / "dask2" / "manifest.json").read_text())
    assert man["executor"] == "dask" and man["status"] == "complete"


def _failing_setup() -> TrialSetup:
    toy = get_setup("toy")

    def params(model, cov, seed):
        p = toy.patient_parameters(model, cov, seed)
        p["dead_clearance"] = model.parameters_["dead_clearance"].value
        p.loc[p.index == 3, "dead_clearance"] = -40.0  # dead cells explode: the solver fails for patient 3
        return p

    return TrialSetup("toy_failing", toy.model_factory, toy.get_regimen, params)


def test_a_solver_failure_is_recorded_and_the_trial_goes_on(reference_run, tmp_path):
    register_setup("toy_failing", _failing_setup)
    run_trial(proto(), 8, 11, tmp_path / "fail", model_name="toy_failing", batch_size=8, progress=False)
    r = load_results(tmp_path / "fail")
    e = r["endpoints"].set_index("patient_id")
    assert not e.loc[3, "solver_ok"] and e.loc[3, "solver_message"] != "ok"
    assert np.isnan(e.loc[3, "os_days"])
    assert e.drop(index=3)["solver_ok"].all()
    assert (r["events"].query("event == 'solver_failure'")["patient_id"] == 3).all()
    ref = endpoints_of(reference_run).set_index("patient_id")
    # the other patients are unaffected by their neighbour's failure
    # (death days: censoring differs, since enrolment dates depend on the trial size)
    pd.testing.assert_series_equal(e.drop(index=3)["death_day"], ref.loc[e.drop(index=3).index, "death_day"])


def test_results_query_and_manifest(reference_run):
    df = query(reference_run, "SELECT arm, count(*) AS n, avg(os_days) AS os FROM endpoints GROUP BY arm ORDER BY arm")
    assert df["n"].sum() == N
    man = json.loads((reference_run / "manifest.json").read_text())
    for key in ("model_hash", "parameter_set", "seed", "livermet_version", "command_line", "protocol_sha256"):
        assert key in man
    assert man["seed"] == 11 and man["status"] == "complete"


def test_cli_run_list_and_query(tmp_path):
    runner = CliRunner()
    res = runner.invoke(app, ["trial", "list", "--json"])
    assert res.exit_code == 0, res.output
    ids = {t["id"] for t in json.loads(res.stdout)["trials"]}
    assert {"keynote189", "liver_ici_chemo_antivegf", "impower150"} <= ids
    pfile = tmp_path / "p.yaml"
    import yaml

    pfile.write_text(yaml.safe_dump(PROTOCOL))
    out = tmp_path / "cli"
    res = runner.invoke(app, ["trial", "run", str(pfile), "--patients", "16", "--seed", "3", "--out", str(out),
                              "--model", "toy", "--batch-size", "8", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout[res.stdout.index("{"):])
    assert set(data["arms"]) == {"io_chemo", "chemo"}
    assert "hr_os" in data["comparisons"][0] and "liver_metastasis" in data["subgroups"]
    assert data["report"].endswith("report.html")
    res = runner.invoke(app, ["results", "query", str(out), "SELECT count(*) AS n FROM patients", "--json"])
    assert res.exit_code == 0 and json.loads(res.stdout)["rows"][0]["n"] == 16
    res = runner.invoke(app, ["trial", "run", str(pfile), "-n", "4", "--out", str(out), "--model", "toy"])
    assert res.exit_code == 2  # exists: needs --resume
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({**PROTOCOL, "arms": [PROTOCOL["arms"][0], {"id": "chemo", "regimen": "nope"}]}))
    res = runner.invoke(app, ["trial", "run", str(bad), "--model", "toy", "--out", str(tmp_path / "x")])
    assert res.exit_code == 2 and "arms[1].regimen" in res.output and "bad.yaml" in res.output


def test_cli_run_with_set_overrides(tmp_path):
    """`--set NAME=VALUE` runs the trial at other population values (a parameter or an OS link coefficient),
    records them in the manifest and the JSON, and names a malformed or unknown one."""
    import yaml

    pfile = tmp_path / "p.yaml"
    pfile.write_text(yaml.safe_dump(PROTOCOL))
    runner = CliRunner()

    def run(out, *extra):
        return runner.invoke(app, ["trial", "run", str(pfile), "-n", "12", "--out", str(tmp_path / out), "--model",
                                   "toy", "--no-report", "--json", *extra])

    base, fast = run("base"), run("fast", "--set", "a_growth=0.012", "--set", "os_link.treated_shift=0.5")
    assert base.exit_code == 0 and fast.exit_code == 0, fast.output
    data = json.loads(fast.stdout[fast.stdout.index("{"):])
    assert data["overrides"] == {"a_growth": 0.012, "os_link.treated_shift": 0.5}
    man = json.loads((tmp_path / "fast" / "manifest.json").read_text())
    assert man["overrides"] == data["overrides"] and "overrides" not in json.loads(
        (tmp_path / "base" / "manifest.json").read_text())
    assert {r["name"]: r["value"] for r in man["os_link"]}["treated_shift"] == 0.5
    res = {k: load_results(tmp_path / k) for k in ("base", "fast")}
    assert res["base"]["patients"]["age"].equals(res["fast"]["patients"]["age"])  # the same patients
    assert not np.allclose(res["base"]["endpoints"]["baseline_sld_mm"], res["fast"]["endpoints"]["baseline_sld_mm"])
    bad = run("bad1", "--set", "a_growth")
    assert bad.exit_code == 2 and "--set 'a_growth'" in bad.output
    bad = run("bad2", "--set", "no_such=1")
    assert bad.exit_code == 2 and "no_such" in bad.output
    bad = run("bad3", "--set", "os_link.treated_shift=9")
    assert bad.exit_code == 2 and "plausible range" in bad.output and not (tmp_path / "bad3").exists()


def test_natural_history_baseline(tmp_path):
    """Baseline from each patient's simulated natural history (onset to diagnosis), not from covariates."""
    data = {**PROTOCOL, "population": {"baseline": "natural_history",
                                       "natural_history": {"max_days": 6000, "step_days": 14, "match_sites": []}}}
    run_trial(parse_protocol(data), 6, 2, tmp_path / "nh", model_name="toy", batch_size=6, progress=False)
    r = load_results(tmp_path / "nh")
    e, pats, ass = r["endpoints"], r["patients"], r["assessments"]
    ok = e["solver_ok"].to_numpy()
    assert ok.sum() >= 4
    assert (pats.loc[ok, "diagnosis_day"] > 0).all()
    base = ass[ass["assessment"] == 0].set_index("patient_id")
    # the primary is at its diagnosis threshold (log-normal around 37 mm) at baseline
    d0 = base.loc[e.loc[ok, "patient_id"], "diameter_primary_mm"]
    assert d0.between(10, 150).all() and abs(np.log(d0).mean() - np.log(37)) < 0.6
    # the toy model seeds no metastasis: the model's baseline has none, whatever the covariates said
    assert (pats.loc[ok, "liver_metastasis"] == "no").all()
    # matching the sampled sites: only patients whose covariates have no metastasis there can be matched by this model
    data["population"]["natural_history"] = {"max_days": 6000, "step_days": 14, "candidates": 2,
                                             "match_sites": ["liver", "bone"]}
    run_trial(parse_protocol(data), 8, 2, tmp_path / "nh2", model_name="toy", batch_size=8, progress=False)
    r2 = load_results(tmp_path / "nh2")
    none = (r2["patients"][[f"met_{s}_covariate" for s in ("liver", "bone")]].sum(axis=1) == 0)
    ok2 = r2["endpoints"]["solver_ok"].to_numpy()
    assert ok2.sum() >= 1 and not np.any(ok2 & ~none.to_numpy())  # accepted only where the sites match
    assert (r2["endpoints"].loc[~none.to_numpy(), "solver_message"].str.startswith("not plausible")).all()


def test_natural_history_with_allen_selection_is_batch_independent(tmp_path):
    """Allen selection against a fixed reference cohort: every patient is chosen among its own candidates,
    so the trial is the same whatever the batch size; chosen candidates are more alike the observed
    features than the plausible pool is."""
    from livermet.trial import simulate as sim
    from livermet.population.vpop import inclusion_probability

    nh = {"max_days": 6000, "step_days": 14, "candidates": 3, "selection": "allen", "reference_patients": 30}
    data = {**PROTOCOL, "population": {"baseline": "natural_history", "natural_history": nh}}
    run_trial(parse_protocol(data), 6, 4, tmp_path / "a6", model_name="toy", batch_size=6, progress=False)
    run_trial(parse_protocol(data), 6, 4, tmp_path / "a2", model_name="toy", batch_size=2, progress=False)
    pd.testing.assert_frame_equal(endpoints_of(tmp_path / "a6"), endpoints_of(tmp_path / "a2"))
    e = endpoints_of(tmp_path / "a6")
    assert e["solver_ok"].sum() >= 4
    plausible, observed, beta = next(iter(sim._REFERENCE.values()))
    assert beta > 0 and plausible.shape[1] == observed.shape[1] == 3
    # the per-point probability agrees with the pool's own at the pool's points
    p_pool = inclusion_probability(plausible, observed)
    p_at = inclusion_probability(plausible, observed, at=plausible)
    assert np.all(p_at <= 1.0) and np.corrcoef(p_pool, p_at)[0, 1] > 0.9


def test_sigkill_then_resume_equals_uninterrupted(reference_run, tmp_path):
    """A real kill (SIGKILL) of `livermet trial run` in the middle, then --resume."""
    import os
    import signal
    import subprocess
    import time

    import yaml

    pfile = tmp_path / "p.yaml"
    pfile.write_text(yaml.safe_dump(PROTOCOL))
    out = tmp_path / "killed"
    import shutil

    exe = shutil.which("livermet")
    if exe is None:
        pytest.skip("the livermet console script is not on PATH")
    cmd = [exe, "trial", "run", str(pfile), "-n", str(N), "--seed", "11",
           "--out", str(out), "--model", "toy", "--batch-size", "3", "--no-report"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    done = out / "tables" / "_done"
    deadline = time.time() + 120
    while time.time() < deadline and not (done.exists() and len(list(done.iterdir())) >= 2):
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    n_done = len(list(done.iterdir()))
    assert 2 <= n_done < 10  # killed in the middle
    s = run_trial(proto(), N, 11, out, model_name="toy", batch_size=3, progress=False, resume=True)
    assert s.batches_reused == n_done
    pd.testing.assert_frame_equal(endpoints_of(reference_run), endpoints_of(out))


def test_run_in_selects_patients_whose_tumour_grows_untreated(tmp_path):
    """Untreated run-in (population.run_in): a candidate whose tumour grows less than min_growth in the
    run-in is redrawn (covariates kept); with one candidate such patients are recorded as not plausible;
    the trial starts from the end of the run-in."""
    from livermet.trial.models import get_setup
    from livermet.trial.randomisation import enrol
    from livermet.population.vpop import run_in

    setup = get_setup("toy")
    model = setup.model_factory()
    cohort = enrol(proto(), 40, 3)
    params = setup.patient_parameters(model, cohort, 3)
    # toy tumours all grow; a threshold at the cohort's median growth makes half of them implausible
    g = float(np.median(run_in(model, params, 56.0)["growth"])) - 1.0
    hist = run_in(model, params, 56.0, min_growth=g)
    assert np.array_equal(hist["plausible"].to_numpy(), hist["growth"].to_numpy() >= 1.0 + g)
    assert 10 < hist["plausible"].sum() < 30
    runs = {}
    for k in (1, 20):
        data = {**PROTOCOL, "population": {"run_in": {"days": 56, "min_growth": g, "candidates": k}}}
        run_trial(parse_protocol(data), 40, 3, tmp_path / f"r{k}", model_name="toy", batch_size=40, progress=False)
        runs[k] = load_results(tmp_path / f"r{k}")
    e1, e20 = runs[1]["endpoints"], runs[20]["endpoints"]
    failed1 = ~e1.set_index("patient_id").loc[hist.index, "solver_ok"].to_numpy()
    assert np.array_equal(failed1, ~hist["plausible"].to_numpy())
    assert e1.loc[~e1["solver_ok"], "solver_message"].str.contains("regressed untreated").all()
    assert e20["solver_ok"].sum() > e1["solver_ok"].sum()
    # the trial's baseline is the run-in's end: bigger than the drawn primary for the same patient
    b1 = runs[1]["assessments"].query("assessment == 0").set_index("patient_id")["diameter_primary_mm"]
    run_trial(parse_protocol({**PROTOCOL, "population": {"run_in": {"days": 0}}}), 40, 3, tmp_path / "off",
              model_name="toy", batch_size=40, progress=False)
    off = load_results(tmp_path / "off")
    b0 = off["assessments"].query("assessment == 0").set_index("patient_id")["diameter_primary_mm"]
    ok = hist.index[hist["plausible"].to_numpy()]
    assert (b1.loc[ok] > b0.loc[ok] * 1.02).all()


def test_scans_fall_within_the_visit_window(reference_run):
    """Every scan after baseline lies within +/- visit_window_days of its scheduled day, patients are
    seen on different days, and PFS events fall on a patient's own scan days."""
    r = load_results(reference_run)
    ass, e = r["assessments"], r["endpoints"]
    sched = np.concatenate([[0.0], proto().assessment_days])
    window = proto().assessment.visit_window_days
    assert window == 7.0  # the protocol default
    offset = ass["day"].to_numpy() - sched[ass["assessment"].to_numpy()]
    assert np.all(np.abs(offset) <= window + 1e-9)
    assert np.all(offset[ass["assessment"].to_numpy() == 0] == 0)
    assert ass.loc[ass["assessment"] == 1, "day"].nunique() > N // 2
    pd_pat = e[e["pfs_event"] & (e["pfs_days"] < e["death_day"])]
    assert len(pd_pat)
    for _, row in pd_pat.iterrows():
        assert np.isclose(ass.loc[ass["patient_id"] == row["patient_id"], "day"], row["pfs_days"]).any()


def test_visit_days_and_interpolation():
    from livermet.trial.simulate import at_days, visit_days

    sched = np.array([0.0, 42.0, 84.0, 126.0])
    a = visit_days(sched, [3, 4, 5], seed=1, window=7.0, horizon=130.0)
    b = visit_days(sched, [5, 3], seed=1, window=7.0, horizon=130.0)
    np.testing.assert_array_equal(a[[2, 0]], b)  # a patient's days do not depend on the batch
    assert np.all(a[:, 0] == 0) and np.all(np.abs(a - sched) <= 7.0) and np.all(a[:, -1] <= 130.0)
    assert np.all(np.diff(a, axis=1) > 0)
    np.testing.assert_array_equal(visit_days(sched, [3], 1, 0.0, 130.0)[0], sched)
    grid = np.arange(0.0, 141.0, 7.0)
    values = np.stack([2.0 * grid + 1.0, -grid])
    np.testing.assert_allclose(at_days(values, grid, a[:2]), np.stack([2.0 * a[0] + 1.0, -a[1]]))
