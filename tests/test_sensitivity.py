"""Global sensitivity analysis (livermet.analysis.sensitivity): SALib code path on functions with
known indices, the liver-metastasis gap outputs, the CLI on the trial layer's test model, and spec
errors that name the field."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import yaml

from livermet.analysis.sensitivity import (DEFAULT_SPEC, ParameterRange, SpecError, load_spec, parse_spec, prepare,
                                           rank_mechanisms, run_analysis, scenario_outputs)

DPM = 30.4375


def _ishigami_reference(a=7.0, b=0.1):
    """Analytical first-order and total Sobol indices of the Ishigami function (Saltelli et al. 2008)."""
    v1 = 0.5 * (1 + b * np.pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * np.pi**8 * (1 / 18 - 1 / 50)
    v = v1 + v2 + v13
    return np.array([v1, v2, 0.0]) / v, np.array([v1 + v13, v2, v13]) / v


def test_ishigami_sobol_indices_match_the_reference_and_salib():
    from SALib.analyze import sobol as sa
    from SALib.sample import sobol as ss
    from SALib.test_functions import Ishigami

    params = [ParameterRange(name=f"x{i}", range=(-np.pi, np.pi)) for i in (1, 2, 3)]

    def f(v):
        return {"y": float(Ishigami.evaluate(np.array([[v["x1"], v["x2"], v["x3"]]]))[0])}

    res = run_analysis(params, ["y"], f, method="sobol", samples=1024, seed=3,
                       modules={"x1": "a", "x2": "b", "x3": "a"})
    rows = {r["parameter"]: r for r in res["outputs"]["y"]}
    s1 = np.array([rows[f"x{i}"]["S1"] for i in (1, 2, 3)])
    st = np.array([rows[f"x{i}"]["ST"] for i in (1, 2, 3)])
    ref_s1, ref_st = _ishigami_reference()
    assert np.allclose(ref_s1, [0.3139, 0.4424, 0.0], atol=1e-4)
    assert np.allclose(ref_st, [0.5576, 0.4424, 0.2437], atol=1e-4)
    assert np.allclose(s1, ref_s1, atol=0.05), s1
    assert np.allclose(st, ref_st, atol=0.05), st
    assert res["evaluations"] == 1024 * 5 and res["failures"] == 0
    # the same numbers as SALib used directly
    problem = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}
    X = ss.sample(problem, 1024, calc_second_order=False, seed=3)
    direct = sa.analyze(problem, Ishigami.evaluate(X), calc_second_order=False, num_resamples=200, seed=3)
    assert np.allclose(s1, direct["S1"]) and np.allclose(st, direct["ST"])
    # ranking by total index: x1 (module a, with x3) first
    assert res["outputs"]["y"][0]["parameter"] == "x1"
    assert res["mechanisms"]["y"][0]["module"] == "a"
    assert abs(sum(m["score"] for m in res["mechanisms"]["y"]) - 1) < 1e-9


def test_morris_ranks_a_function_with_known_importance():
    params = [ParameterRange(name="a", range=(0, 1)), ParameterRange(name="b", range=(0, 1)),
              ParameterRange(name="c", range=(0, 1)), ParameterRange(name="d", range=(0, 1)),
              ParameterRange(name="e", range=(1, 1000), scale="log")]

    def f(v):  # linear in each input (log10 for e): mu* is |coefficient| x range
        return {"y": 10 * v["a"] + 3 * v["b"] - 0.5 * v["c"] + 0 * v["d"] + 2 * np.log10(v["e"])}

    seen = []
    res = run_analysis(params, ["y"], f, method="morris", trajectories=8, seed=2,
                       modules={"a": "strong", "b": "weak", "c": "weak", "d": "weak", "e": "log"},
                       progress=lambda i, n, fail: seen.append((i, n)))
    rows = res["outputs"]["y"]
    assert [r["parameter"] for r in rows] == ["a", "e", "b", "c", "d"]
    mu = {r["parameter"]: r["mu_star"] for r in rows}
    assert mu["a"] == pytest.approx(10) and mu["b"] == pytest.approx(3) and mu["d"] == pytest.approx(0)
    assert mu["e"] == pytest.approx(6)  # 2 per decade, 3 decades
    assert all(r["sigma"] == pytest.approx(0, abs=1e-9) for r in rows)
    assert res["evaluations"] == 8 * 6 and seen[-1] == (48, 48)
    assert [m["module"] for m in res["mechanisms"]["y"]] == ["strong", "log", "weak"]


def test_failed_evaluations_are_imputed_not_fatal():
    params = [ParameterRange(name="a", range=(0, 1)), ParameterRange(name="b", range=(0, 1))]
    calls = []

    def f(v):
        calls.append(v)
        return {"y": float("nan") if len(calls) == 3 else v["a"]}

    res = run_analysis(params, ["y"], f, method="morris", trajectories=4, seed=1)
    assert res["imputed"]["y"] == 1 and res["outputs"]["y"][0]["parameter"] == "a"


def _crafted():
    pats = pd.DataFrame({"patient_id": range(9), "liver_metastasis": ["no"] * 4 + ["yes"] * 5})
    ep = pd.DataFrame({
        "patient_id": range(9),
        "os_days": np.array([10, 12, 14, 16, 4, 6, 8, 10, 0.1]) * DPM,
        "os_event": [True] * 9,
        "pfs_days": np.array([5, 6, 7, 8, 2, 3, 4, 5, 0.1]) * DPM,
        "pfs_event": [True] * 9,
        "responder": [True, True, False, False, True, False, False, False, True],
        "solver_ok": [True] * 8 + [False],
    })
    return pats, ep


def test_scenario_outputs_on_a_crafted_table():
    pats, ep = _crafted()
    res = scenario_outputs(pats, ep)
    out = res["outputs"]
    assert res["failures"] == 1 and res["n_liver"] == 4 and res["n_no_liver"] == 4
    assert out["median_os_no_liver_months"] == pytest.approx(12)
    assert out["median_os_liver_months"] == pytest.approx(6)
    assert out["os_gap_months"] == pytest.approx(6)
    assert out["pfs_gap_months"] == pytest.approx(3)
    assert out["orr_no_liver"] == pytest.approx(50) and out["orr_liver"] == pytest.approx(25)
    assert out["orr_gap"] == pytest.approx(25)


def test_rank_mechanisms_shares():
    rows = [{"parameter": "p", "module": "m1", "mu_star": 3.0}, {"parameter": "q", "module": "m2", "mu_star": 1.0},
            {"parameter": "r", "module": "m2", "mu_star": None}]
    ranked = rank_mechanisms(rows, "morris")
    assert [(m["module"], m["score"]) for m in ranked] == [("m1", 0.75), ("m2", 0.25)]


def test_shipped_default_spec_is_valid():
    spec = load_spec(DEFAULT_SPEC)
    assert 8 <= len(spec.parameters) <= 16  # a screening study, not every parameter
    assert {"ici.os_gap_months", "ici.orr_gap", "ici_chemo_antivegf.os_gap_months",
            "ici_chemo_antivegf.orr_gap"} <= set(spec.output_names())
    from livermet.analysis.sensitivity import resolve_scenario
    from livermet.trial.protocol import load_protocol

    for sc in spec.scenarios:
        proto = load_protocol(resolve_scenario(sc.protocol))
        assert len(proto.arms) == 1 and proto.population.prevalence == {"liver": 0.5}


def test_shipped_sobol_follow_up_is_valid_and_keeps_the_screening_ranges():
    """The Sobol study is a follow-up of the screening: a subset of its parameters over the same ranges and
    the same scenarios, so the two sets of indices describe the same model space."""
    from livermet.analysis.sensitivity import prepare

    screening, sobol = load_spec(DEFAULT_SPEC), load_spec("liver_mechanisms_sobol")
    prepare(sobol)  # names and ranges against the model; raises SpecError otherwise
    assert sobol.method == "sobol" and 4 <= len(sobol.parameters) < len(screening.parameters)
    ranges = {p.name: (p.range, p.scale) for p in screening.parameters}
    assert all(ranges[p.name] == (p.range, p.scale) for p in sobol.parameters)
    assert [s.model_dump() for s in sobol.scenarios] == [s.model_dump() for s in screening.scenarios]
    assert (sobol.patients, sobol.seed) == (screening.patients, screening.seed)


# ------------------------------------------------------------------------- toy model (trial layer)
TOY_PROTOCOL = {
    "id": "toy_sens", "title": "toy sensitivity cohort", "design": "single_arm_cohort",
    "population": {"prevalence": {"liver": 0.5}},
    "arms": [{"id": "io", "regimen": "toy_io"}], "sample_size": 30,
    "assessment": {"schedule": [{"every_weeks": 6, "until_week": 48}, {"every_weeks": 9}], "horizon_months": 36},
    "endpoints": {"primary": ["os"], "secondary": ["orr"]},
    "follow_up": {"accrual_months": 6, "data_cutoff_months": 30},
}


def _toy_spec(tmp_path, **changes):
    proto = tmp_path / "toy_sens.yaml"
    proto.write_text(yaml.safe_dump(TOY_PROTOCOL), encoding="utf-8")
    spec = {"id": "toy", "model": "toy", "patients": 30, "seed": 1,
            "parameters": [{"name": "kill_io", "range": [0.002, 0.02], "scale": "log"},
                           {"name": "liver_tolerance", "range": [0.2, 0.9]},
                           {"name": "a_growth", "range": [0.001, 0.004], "scale": "log"}],
            "scenarios": [{"id": "io", "protocol": str(proto)}],
            "morris": {"trajectories": 2}}
    spec.update(changes)
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    return path, spec


def test_cli_toy_model_json_and_html(tmp_path):
    from typer.testing import CliRunner

    from livermet.analysis.sensitivity_cli import sensitivity_app

    path, _ = _toy_spec(tmp_path)
    out = tmp_path / "out"
    r = CliRunner().invoke(sensitivity_app, ["--spec", str(path), "--model", "toy", "--trajectories", "2",
                                             "--patients", "24", "--out", str(out), "--json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert set(doc) == {"method", "outputs", "mechanisms", "evaluations", "failures", "wall_s", "report"}
    assert doc["method"] == "morris" and doc["evaluations"] == 2 * 4
    assert set(doc["outputs"]) == {"io.os_gap_months", "io.orr_gap"}
    for rows in doc["outputs"].values():
        assert {r["parameter"] for r in rows} == {"kill_io", "liver_tolerance", "a_growth"}
        assert all(set(r) == {"parameter", "module", "mu_star", "mu_star_conf", "sigma"} for r in rows)
        assert {r["module"] for r in rows} == {"toy_lesions"}
    for rows in doc["mechanisms"].values():
        assert all(set(m) == {"module", "score"} for m in rows)
    html = (out / "sensitivity.html").read_text(encoding="utf-8")
    assert doc["report"] == str(out / "sensitivity.html") and "plotly" in html.lower()
    assert len(html) > 1_000_000 and "<script src=\"http" not in html and "<script src='http" not in html  # offline
    full = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert len(full["samples"]["X"]) == 8 and full["study"]["model"] == "toy"


def test_sobol_through_the_trial_layer(tmp_path):
    from livermet.analysis.sensitivity import run_study

    path, _ = _toy_spec(tmp_path, method="sobol", sobol={"samples": 4})
    prepared = prepare(load_spec(path), str(path))
    res = run_study(prepared, patients=16)
    assert res["method"] == "sobol" and res["evaluations"] == 4 * 5
    row = res["outputs"]["io.os_gap_months"][0]
    assert {"S1", "S1_conf", "ST", "ST_conf"} <= set(row)


def test_bad_spec_names_the_field(tmp_path):
    path, spec = _toy_spec(tmp_path)
    spec["parameters"][0]["name"] = "no_such_parameter"
    spec["parameters"][1]["range"] = [0.2, 1.5]  # the model's range is [0, 1]
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    with pytest.raises(SpecError) as exc:
        prepare(load_spec(path), str(path))
    msg = str(exc.value)
    assert "parameters[0].name" in msg and "no_such_parameter" in msg
    assert "parameters[1].range" in msg and "liver_tolerance" in msg and str(path) in msg

    with pytest.raises(SpecError) as exc:
        parse_spec({**spec, "parameters": [{"name": "kill_io", "range": [0, 0.1], "scale": "log"}]}, "s.yaml")
    assert "parameters[0].range" in str(exc.value)
    with pytest.raises(SpecError) as exc:
        parse_spec({**spec, "scenarios": [{"id": "io", "protocol": "x", "outputs": ["bogus"]}]}, "s.yaml")
    assert "scenarios[0].outputs" in str(exc.value) and "bogus" in str(exc.value)

    from typer.testing import CliRunner

    from livermet.analysis.sensitivity_cli import sensitivity_app

    r = CliRunner().invoke(sensitivity_app, ["--spec", str(path), "--model", "toy", "--json"])
    assert r.exit_code == 2 and "parameters[0].name" in r.output
