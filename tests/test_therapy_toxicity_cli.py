"""Toxicity draws (rates, timing, determinism) and the `livermet therapy` command line."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from livermet.cli import app
from livermet.therapy import draw_for_patient, draw_toxicity, get_regimen, grade3_probability, list_agents

runner = CliRunner()


def test_draw_frequency_matches_published_rate():
    r = get_regimen("pembrolizumab_q3w")
    p = r.spec.toxicity.grade3plus
    draws = [draw_for_patient(r, seed=1, patient_id=i) for i in range(4000)]
    freq = np.mean([d.occurs for d in draws])
    sd = np.sqrt(p * (1 - p) / 4000)
    assert abs(freq - p) < 4 * sd
    onsets = np.array([d.day for d in draws if d.occurs])
    assert onsets.min() >= 0 and onsets.max() <= r.spec.toxicity.window_days
    # exponential onset with the given median, truncated to the window: median below the stated median
    assert np.median(onsets) < r.spec.toxicity.median_onset_days
    stops = np.mean([d.discontinue for d in draws if d.occurs])
    assert abs(stops - r.spec.toxicity.discontinuation) < 0.06


def test_regimens_differ_in_toxicity_as_published():
    """The reviews' point: ABCP carries more grade >= 3 events than pembrolizumab alone (s000_24_08)."""
    assert grade3_probability("atezolizumab_bevacizumab_carboplatin_paclitaxel") > grade3_probability(
        "pembrolizumab_q3w")
    assert grade3_probability("docetaxel_75_q3w") > grade3_probability("atezolizumab_1200_q3w")


def test_probability_grows_with_exposure():
    r = get_regimen("atezolizumab_1200_q3w")
    w = r.spec.toxicity.window_days
    assert grade3_probability(r, w) == pytest.approx(r.spec.toxicity.grade3plus)
    assert grade3_probability(r, w / 4) < grade3_probability(r, w / 2) < grade3_probability(r, w)
    assert grade3_probability(r, 0) == 0


def test_draws_are_deterministic_per_patient():
    a = [draw_for_patient("docetaxel_75_q3w", 7, i, start_day=10.0) for i in range(50)]
    b = [draw_for_patient("docetaxel_75_q3w", 7, i, start_day=10.0) for i in reversed(range(50))][::-1]
    assert a == b
    assert all(d.day is None or d.day >= 10.0 for d in a)
    c = draw_toxicity("docetaxel_75_q3w", np.random.default_rng(3), treatment_days=0.0)
    assert not c.occurs


def test_cli_list_json():
    res = runner.invoke(app, ["therapy", "list", "--json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)
    assert {tuple(sorted(r)) for r in rows} == {("id", "kind", "name")}
    assert len(rows) == len(list_agents())
    assert {"nivolumab", "carboplatin", "sbrt", "hb0025", "fap_car_t"} <= {r["id"] for r in rows}


def test_cli_show():
    res = runner.invoke(app, ["therapy", "show", "atezolizumab", "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.output)
    names = {p["name"] for p in d["parameters"]}
    assert {"atezolizumab_CL", "atezolizumab_tv_max", "atezolizumab_EC50_pdl1_blockade"} <= names
    assert all(p["source"] for p in d["parameters"])
    assert [h["hook"] for h in d["hooks"]] == ["pdl1_blockade"]
    res = runner.invoke(app, ["therapy", "show", "carboplatin"])
    assert res.exit_code == 0 and "Calvert" in res.output
    res = runner.invoke(app, ["therapy", "show", "aspirin"])
    assert res.exit_code == 2 and "unknown agent" in res.output


def test_cli_show_gives_the_values_trials_run_with(tmp_path):
    """By default a drug's page shows the calibrated set's values (as trials use them), marked calibrated;
    --parameter-set none shows the agent's own; a set with a value outside the range is refused."""
    import yaml

    from livermet.calibration.parameter_set import load_parameter_set, resolve_parameter_set

    pset = load_parameter_set(resolve_parameter_set("default", "liver"))
    fitted = pset["parameters"]["carboplatin_kmax"]["value"]

    def kmax(*args):
        res = runner.invoke(app, ["therapy", "show", "carboplatin", "--json", *args])
        assert res.exit_code == 0, res.output
        d = json.loads(res.output)
        return d["parameter_set"], next(p for p in d["parameters"] if p["name"] == "carboplatin_kmax")

    used, row = kmax()
    assert used == {"id": "liver", "version": pset["version"], "applied": ["carboplatin_kmax"]}
    assert row["value"] == fitted and row["source_kind"] == "calibrated" and "T08" in row["source"]
    used, row = kmax("--parameter-set", "none")
    assert used is None and row["source_kind"] == "assumed" and row["value"] != fitted
    bad = {**pset, "parameters": {"carboplatin_kmax": {**pset["parameters"]["carboplatin_kmax"], "value": 99.0}}}
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump({k: v for k, v in bad.items() if not k.startswith("_")}))
    res = runner.invoke(app, ["therapy", "show", "carboplatin", "--parameter-set", str(path)])
    assert res.exit_code == 2 and "carboplatin_kmax" in res.output and "outside" in res.output


def test_cli_regimens_and_validate(tmp_path):
    res = runner.invoke(app, ["therapy", "regimens", "--json"])
    assert res.exit_code == 0
    rows = json.loads(res.output)
    assert "pembrolizumab_pemetrexed_platinum" in {r["id"] for r in rows}
    good = get_regimen("docetaxel_75_q3w").file
    res = runner.invoke(app, ["therapy", "validate", good, "--json"])
    assert res.exit_code == 0 and json.loads(res.output)["valid"] is True
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\nname: x\nphases:\n  - name: p\n    components:\n      - agent: aspirin\n"
                   "        dose: {value: 1, unit: mg}\n")
    res = runner.invoke(app, ["therapy", "validate", str(bad), "--json"])
    assert res.exit_code == 1
    d = json.loads(res.output)
    assert d["field"] == "phases[0].components[0].agent" and d["line"] == 6 and "aspirin" in d["error"]


def test_unverified_toxicity_rates_say_what_was_searched():
    """A grade >= 3 rate not confirmed in a source must say so in its source text (as recalled / not
    found / proxy), so that no remembered figure passes for a checked one."""
    from livermet.therapy.regimen import list_regimens

    for r in list_regimens():
        tox = r.spec.toxicity
        if tox is None or tox.verified:
            continue
        text = tox.source.lower()
        assert any(k in text for k in ("not found", "as recalled", "proxy", "assumed")), r.spec.id
