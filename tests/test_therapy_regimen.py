"""The regimen language: schedule expansion, dose computation, errors, the shipped library."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from livermet.modeling import Model
from livermet.therapy import Regimen, RegimenError, build_trial_model, get_regimen, list_regimens

SHARED = Path(__file__).resolve().parents[2] / "shared"
COV = {"weight_kg": 70.0, "bsa_m2": 1.8, "crcl_ml_min": 90.0}


def days(r: Regimen, agent: str, **kw) -> list[float]:
    return [x.day for x in r.schedule(COV, **kw) if x.agent == agent]


def test_q3w_for_35_cycles():
    r = get_regimen("pembrolizumab_q3w")
    d = days(r, "pembrolizumab", horizon_days=3650)
    assert d == [21.0 * k for k in range(35)]
    assert all(x.amount == 200 for x in r.schedule(COV))


def test_start_day_and_horizon():
    r = get_regimen("pembrolizumab_q3w")
    assert days(r, "pembrolizumab", start_day=10.0, horizon_days=60.0) == [10.0, 31.0, 52.0]


def test_until_progression_stops_at_progression():
    r = get_regimen("atezolizumab_1200_q3w")
    d = days(r, "atezolizumab", horizon_days=1000, progression_day=100.0)
    assert d == [0.0, 21.0, 42.0, 63.0, 84.0]
    d = days(r, "atezolizumab", horizon_days=1000, progression_day=105.0)  # no dose on the progression day
    assert d[-1] == 84.0
    assert len(days(r, "atezolizumab", horizon_days=1000)) == len(range(0, 1000, 21))


def test_maximum_duration_two_years():
    r = get_regimen("nivolumab_ipilimumab")
    nivo = days(r, "nivolumab", horizon_days=2000)
    ipi = days(r, "ipilimumab", horizon_days=2000)
    assert nivo == [14.0 * k for k in range(53)]  # days 0 ... 728 < 730
    assert ipi == [42.0 * k for k in range(18)]  # days 0 ... 714
    amounts = {x.agent: x.amount for x in r.schedule(COV)}
    assert amounts == {"nivolumab": 210.0, "ipilimumab": 70.0}  # 3 mg/kg and 1 mg/kg at 70 kg


def test_induction_then_maintenance():
    r = get_regimen("pembrolizumab_pemetrexed_platinum")
    carbo = [x for x in r.schedule(COV, horizon_days=3000) if x.agent == "carboplatin"]
    assert [x.day for x in carbo] == [0.0, 21.0, 42.0, 63.0]
    assert carbo[0].amount == pytest.approx(5 * (90 + 25))  # Calvert
    pem = days(r, "pemetrexed", horizon_days=3000)
    pembro = days(r, "pembrolizumab", horizon_days=3000)
    assert len(pembro) == 35 and pembro[-1] == 21.0 * 34
    assert len(pem) > 35  # pemetrexed maintenance continues until progression
    assert [x.amount for x in r.schedule(COV) if x.agent == "pemetrexed"][0] == pytest.approx(500 * 1.8)


def test_days_of_cycle_and_once():
    r = get_regimen("atezolizumab_carboplatin_nab_paclitaxel")
    assert days(r, "nab_paclitaxel", horizon_days=365)[:4] == [0.0, 7.0, 14.0, 21.0]
    assert len(days(r, "nab_paclitaxel", horizon_days=365)) == 12
    r = get_regimen("durvalumab_tremelimumab_chemo")
    treme = days(r, "tremelimumab", horizon_days=1000)
    assert treme == [0.0, 21.0, 42.0, 63.0, 112.0]  # fifth dose at week 16
    assert days(r, "durvalumab", horizon_days=200) == [0.0, 21.0, 42.0, 63.0, 84.0, 112.0, 140.0, 168.0, 196.0]


def test_chemotherapy_limited_to_two_cycles():
    r = get_regimen("nivolumab_ipilimumab_chemo_2cycles")
    assert days(r, "carboplatin", horizon_days=800) == [0.0, 21.0]
    assert days(r, "nivolumab", horizon_days=800)[-1] == 21.0 * 34  # 2 years at q3w


def test_continuous_oral_windows():
    r = get_regimen("anlotinib_12mg_d1_14")
    recs = [x for x in r.schedule(COV, horizon_days=50)]
    assert [(x.day, x.end_day) for x in recs] == [(0.0, 14.0), (21.0, 35.0), (42.0, 50.0)]


def test_holds_and_discontinuation():
    r = get_regimen("pembrolizumab_q3w")
    assert days(r, "pembrolizumab", horizon_days=200, holds=[(20.0, 50.0)]) == [0.0, 63.0, 84.0, 105.0, 126.0,
                                                                               147.0, 168.0, 189.0]
    assert days(r, "pembrolizumab", horizon_days=200, discontinue_day=50.0) == [0.0, 21.0, 42.0]


def test_events_against_a_model():
    """Events go to the agents' dose species and the clocks start at the first dose."""
    from livermet.therapy import get_agent

    def factory():
        return Model("pk_only")

    r = get_regimen("atezolizumab_bevacizumab_carboplatin_paclitaxel")
    m = build_trial_model([r], factory, missing_hooks="skip")
    ev = r.events(m, COV, start_day=5.0, horizon_days=100.0)
    targets = {e.target for e in ev}
    assert {"atezolizumab_central", "bevacizumab_central", "carboplatin_central", "paclitaxel_central",
            "atezolizumab_on"} <= targets
    bev = [e for e in ev if e.target == "bevacizumab_central"]
    assert bev[0].time == 5.0 and bev[0].value == pytest.approx(15 * 70)
    assert [e.time for e in ev if e.target == "atezolizumab_on"] == [5.0]
    with pytest.raises(RegimenError, match="does not contain agent"):
        r.events(Model("empty"), COV)
    assert get_agent("osimertinib").id == "osimertinib"


def test_library_covers_every_treatment_arm_of_the_targets():
    prognostic = {"liver metastasis", "no liver metastasis", "other metastatic sites"}
    arms = {a for r in list_regimens() for a in r.spec.arms}
    targets = SHARED / "calibration" / "targets.csv"
    if not targets.exists():
        pytest.skip(f"calibration targets not found at {targets} (the shared/ folder beside the repository)")
    with open(targets, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    missing = []
    for row in rows:
        for side in ("experimental", "control"):
            if row[side] and row[side] not in prognostic:
                tag = f"{row['id']}:{side}"
                if tag not in arms and not (side == "control" and any(a.startswith(row["id"] + ":") and
                                                                      not a.endswith(":experimental") for a in arms)):
                    missing.append((tag, row[side]))
    assert not missing


def test_every_library_regimen_expands_and_has_sources():
    for r in list_regimens():
        recs = r.schedule(COV, horizon_days=365)
        # only a regimen without any component (best supportive care) gives no administration
        assert bool(recs) == any(ph.components for ph in r.spec.phases), r.id
        assert r.spec.source, r.id
        if r.spec.arms:
            assert r.spec.toxicity is not None, r.id


# ---------------------------------------------------------------------- errors
GOOD = """\
id: test_regimen
name: test
phases:
  - name: induction
    kind: induction
    cycle_days: 21
    cycles: 4
    components:
      - agent: carboplatin
        dose: {value: 5, unit: AUC}
        schedule: cycle
      - agent: pembrolizumab
        dose: {value: 200, unit: mg}
        schedule: q3w
  - name: maintenance
    kind: maintenance
    components:
      - agent: pembrolizumab
        dose: {value: 2, unit: mg/kg}
        schedule: q3w
"""


def write(tmp_path, text, name="regimen.yaml"):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_good_file_loads(tmp_path):
    r = Regimen.from_yaml(write(tmp_path, GOOD))
    assert r.agents() == ["carboplatin", "pembrolizumab"]


@pytest.mark.parametrize("old,new,field,message", [
    ("agent: carboplatin", "agent: carboplatinum", "phases[0].components[0].agent", "unknown agent"),
    ("{value: 200, unit: mg}", "{value: -200, unit: mg}", "phases[0].components[1].dose.value", "positive"),
    ("        dose: {value: 200, unit: mg}\n", "", "phases[0].components[1].dose", "missing"),
    ("schedule: q3w\n  - name: maintenance", "schedule: q5w\n  - name: maintenance",
     "phases[0].components[1].schedule", "unknown schedule"),
    ("  - name: maintenance\n", "  - name: maintenance\n    start_day: 42\n", "phases[1].start_day", "overlap"),
    ("{value: 5, unit: AUC}", "{value: 5, unit: mg/dl}", "phases[0].components[0].dose.unit", "'mg/kg'"),
    ("agent: pembrolizumab\n        dose: {value: 200, unit: mg}",
     "agent: pembrolizumab\n        dose: {value: 200, unit: AUC}", "phases[0].components[1].dose.unit", "not allowed for pembrolizumab"),
])
def test_bad_regimen_names_file_and_field(tmp_path, old, new, field, message):
    assert old in GOOD
    p = write(tmp_path, GOOD.replace(old, new, 1), "bad.yaml")
    with pytest.raises(RegimenError) as info:
        Regimen.from_yaml(p)
    err = info.value
    assert err.file == str(p) and "bad.yaml" in str(err)
    assert err.field == field
    assert message in err.message
    assert err.line is not None and err.line > 1


def test_mg_per_kg_without_body_weight(tmp_path):
    r = Regimen.from_yaml(write(tmp_path, GOOD, "noweight.yaml"))
    with pytest.raises(RegimenError) as info:
        r.schedule({"crcl_ml_min": 90.0}, horizon_days=400)
    assert info.value.field == "phases[1].components[0].dose"
    assert "weight_kg" in info.value.message and "noweight.yaml" in str(info.value)
    with pytest.raises(RegimenError, match="crcl_ml_min"):
        r.schedule({"weight_kg": 70.0}, horizon_days=400)


def test_rt_needs_fractions_and_site(tmp_path):
    text = GOOD.replace("agent: carboplatin\n        dose: {value: 5, unit: AUC}",
                        "agent: sbrt\n        dose: {value: 8, unit: Gy}\n        site: liver")
    with pytest.raises(RegimenError) as info:
        Regimen.from_yaml(write(tmp_path, text))
    assert "fractions" in info.value.message
    text = GOOD.replace("agent: carboplatin\n        dose: {value: 5, unit: AUC}",
                        "agent: sbrt\n        dose: {value: 8, unit: Gy, fractions: 3}")
    with pytest.raises(RegimenError) as info:
        Regimen.from_yaml(write(tmp_path, text))
    assert info.value.field.endswith(".site")


def test_not_yaml_or_not_mapping(tmp_path):
    with pytest.raises(RegimenError, match="not valid YAML"):
        Regimen.from_yaml(write(tmp_path, "id: [unclosed"))
    with pytest.raises(RegimenError, match="mapping"):
        Regimen.from_yaml(write(tmp_path, "- a\n- b\n"))


def test_sbrt_regimen_events_on_lesion_model():
    from livermet.modeling import assumed

    def factory():
        m = Model("lesion")
        with m.module("lesion"):
            C = m.species("C_liver", "cell", "liver", 1e9)
            Cd = m.species("Cd_liver", "cell", "liver", 0.0)
            g = m.parameter("g", 0.0, "1/day", 0, 1, assumed("test"))
            m.process("grow", g * C, {C: 1}, ["s001_1_11"])
            m.hook("pd1_occupancy", "dimensionless")
            _ = Cd
        return m

    r = get_regimen("sbrt_liver_pembrolizumab")
    m = r.build_model(factory)
    ev = r.events(m, COV, horizon_days=60)
    kills = [e for e in ev if e.target == "sbrt_kill_liver" and e.value > 0]
    assert [e.time for e in kills] == [0.0, 2.0, 4.0]
    pembro = [e.time for e in ev if e.target == "pembrolizumab_central"]
    assert pembro == [7.0, 28.0, 49.0]
    # a patient's own radiosensitivity (covariate named after the agent parameter) changes the kill
    ev2 = r.events(m, {**COV, "sbrt_alpha": 0.15}, horizon_days=60)
    k1 = [e.value for e in ev if e.target == "sbrt_kill_liver" and e.value > 0][0]
    k2 = [e.value for e in ev2 if e.target == "sbrt_kill_liver" and e.value > 0][0]
    assert k2 < k1
    assert np.isfinite([e.value for e in ev]).all()


def test_yaml_holds_sequencing_and_bsa_from_height():
    data = {
        "id": "seq", "name": "sequence",
        "phases": [
            {"name": "chemo", "kind": "induction", "cycle_days": 21, "cycles": 2,
             "components": [{"agent": "docetaxel", "dose": {"value": 75, "unit": "mg/m2"}}]},
            {"name": "immunotherapy", "kind": "maintenance", "start_day": 70, "cycle_days": 21, "cycles": 4,
             "components": [{"agent": "atezolizumab", "dose": {"value": 1200, "unit": "mg"}}]},
        ],
        "holds": [{"agent": "atezolizumab", "from_day": 90, "to_day": 100, "reason": "test"}],
    }
    r = Regimen.from_dict(data, "seq.yaml")
    recs = r.schedule({"weight_kg": 81.0, "height_cm": 180.0}, start_day=3.0, horizon_days=400)
    assert [(x.day, x.agent) for x in recs] == [(3.0, "docetaxel"), (24.0, "docetaxel"), (73.0, "atezolizumab"),
                                                (115.0, "atezolizumab"), (136.0, "atezolizumab")]
    assert recs[0].amount == pytest.approx(75 * (81 * 180 / 3600) ** 0.5)  # Mosteller BSA 2.01 m2
    with pytest.raises(RegimenError, match="mg/m2"):
        r.schedule({"weight_kg": 81.0})
    bad = dict(data, holds=[{"from_day": 10, "to_day": 5}])
    with pytest.raises(RegimenError) as info:
        Regimen.from_dict(bad, "seq.yaml")
    assert info.value.field == "holds[0].to_day"


def test_open_ended_phase_cannot_be_followed():
    data = {"id": "x", "name": "x", "phases": [
        {"name": "a", "components": [{"agent": "pembrolizumab", "dose": {"value": 200, "unit": "mg"}}]},
        {"name": "b", "components": [{"agent": "pembrolizumab", "dose": {"value": 200, "unit": "mg"}}]}]}
    with pytest.raises(RegimenError) as info:
        Regimen.from_dict(data, "x.yaml")
    assert info.value.field == "phases[1]" and "open-ended" in info.value.message


def test_every_library_regimen_builds_events_on_one_trial_model():
    """One model serves every arm; every event targets a species or parameter of that model."""
    import livermet.knowledge as kb
    from livermet.modeling import assumed
    from livermet.therapy import AGENTS

    hooks = {"pd1_occupancy", "pdl1_blockade", "ctla4_occupancy", "vegf_blockade", "tgfbr_inhibition",
             "chemo_kill_rate",
             "chemo_resistant_kill_rate", "chemo_lymphodepletion_rate", "chemo_neutrophil_depletion",
             "targeted_kill_rate", "adc_kill_rate", "liver_function_delivery"}

    def factory():
        m = Model("trial_like")
        with m.module("lesion"):
            for h in sorted(hooks):
                unit = "1/day" if h.endswith("_rate") else "dimensionless"
                m.hook(h, unit, default=1.0 if h == "liver_function_delivery" else 0.0)
                m.contribute(h, m.parameter(f"set_{h}", 0.0, unit, -1.0, 1.0, assumed("experiment input")))
            C = m.species("C_liver", "cell", "liver", 1e9)
            m.species("Cd_liver", "cell", "liver", 0.0)
            g = m.parameter("g", 0.01, "1/day", 0, 1, assumed("test"))
            m.process("grow", g * C, {C: 1}, ["s001_1_11"])
        return m

    regs = list_regimens()
    m = build_trial_model(regs, factory)
    m.validate(known_statements=kb.check_statement_ids)
    for r in regs:
        ev = r.events(m, COV, start_day=0.0, horizon_days=400.0, progression_day=300.0)
        assert bool(ev) == any(ph.components for ph in r.spec.phases), r.id
        for e in ev:
            assert e.target in m.species_ or e.target in m.parameters_, (r.id, e.target)
            systemic = e.target.endswith(("_central", "_input")) and e.value > 0
            assert not systemic or e.time < 300.0, (r.id, e)
    for a in AGENTS.values():
        d = a.describe()
        assert d["processes"] or a.id == "resection", a.id
        assert all(p["source"] for p in d["parameters"]), a.id
