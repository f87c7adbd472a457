"""Trial protocols: the shipped library is valid; a protocol with errors names the file and the field."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from livermet.trial.library import clinical_records, library_files, published_for
from livermet.trial.models import get_setup
from livermet.trial.protocol import ProtocolError, load_protocol

GOOD = {
    "id": "demo",
    "title": "demo trial",
    "arms": [{"id": "exp", "regimen": "toy_io_chemo"}, {"id": "ctrl", "regimen": "toy_chemo", "control": True}],
    "randomisation": {"ratio": [2, 1], "stratify_by": ["liver_metastasis"]},
    "sample_size": 100,
    "assessment": {"schedule": [{"every_weeks": 6, "until_week": 48}, {"every_weeks": 9}], "horizon_months": 60},
    "endpoints": {"primary": ["os"], "secondary": ["pfs", "orr"]},
}


def write(tmp_path, data, name="protocol.yaml"):
    p = tmp_path / name
    p.write_text(yaml.safe_dump(data), encoding="utf-8")
    return p


def known_toy(rid):
    return get_setup("toy").known_regimen(rid)


def problems_of(tmp_path, data):
    path = write(tmp_path, data)
    with pytest.raises(ProtocolError) as exc:
        load_protocol(path, known_toy)
    msg = str(exc.value)
    assert str(path) in msg  # the file is named
    return exc.value.problems, msg


def test_good_protocol_and_schedule(tmp_path):
    p = load_protocol(write(tmp_path, GOOD), known_toy)
    days = p.assessment_days
    # every 6 weeks to week 48 (8 scans), then every 9 weeks
    assert np.allclose(days[:8], np.arange(1, 9) * 42)
    assert np.allclose(np.diff(days[8:12]), 63)
    assert p.ratio == [2, 1] and p.control_arm.id == "ctrl"


def test_unknown_regimen_names_the_field(tmp_path):
    bad = {**GOOD, "arms": [GOOD["arms"][0], {"id": "ctrl", "regimen": "no_such_regimen", "control": True}]}
    problems, msg = problems_of(tmp_path, bad)
    assert ("arms[1].regimen", "unknown regimen 'no_such_regimen'") in problems


def test_arm_regimen_by_histology(tmp_path):
    from livermet.trial.randomisation import enrol
    ctrl = {"id": "ctrl", "regimen": "toy_chemo", "by_histology": {"squamous": "toy_io_chemo"}, "control": True}
    p = load_protocol(write(tmp_path, {**GOOD, "arms": [GOOD["arms"][0], ctrl]}), known_toy)
    assert set(p.regimen_ids()) == {"toy_io_chemo", "toy_chemo"}
    cohort = enrol(p, 300, 4)
    c = cohort[cohort["arm"] == "ctrl"]
    assert set(c["histology"]) == {"squamous", "non_squamous"}
    assert (c["regimen"] == np.where(c["histology"] == "squamous", "toy_io_chemo", "toy_chemo")).all()
    assert (cohort.loc[cohort["arm"] == "exp", "regimen"] == "toy_io_chemo").all()


def test_bad_regimen_by_histology_names_the_field(tmp_path):
    ctrl = {"id": "ctrl", "regimen": "toy_chemo", "by_histology": {"squamous": "no_such_regimen"}, "control": True}
    problems, _ = problems_of(tmp_path, {**GOOD, "arms": [GOOD["arms"][0], ctrl]})
    assert ("arms[1].by_histology.squamous", "unknown regimen 'no_such_regimen'") in problems
    ctrl = {**ctrl, "by_histology": {"adenocarcinoma": "toy_chemo"}}
    problems, _ = problems_of(tmp_path, {**GOOD, "arms": [GOOD["arms"][0], ctrl]})
    assert problems[0][0].startswith("arms[1].by_histology")


def test_arm_regimen_by_egfr_before_histology(tmp_path):
    from livermet.trial.randomisation import enrol
    ctrl = {"id": "ctrl", "regimen": "toy_chemo", "by_histology": {"non_squamous": "toy_chemo"},
            "by_egfr": {"mutant": "toy_io_chemo"}, "control": True}
    p = load_protocol(write(tmp_path, {**GOOD, "arms": [GOOD["arms"][0], ctrl]}), known_toy)
    c = enrol(p, 600, 5)
    c = c[c["arm"] == "ctrl"]
    assert (c["egfr"] == "mutant").any() and (c["egfr"] == "wild_type").any()
    assert (c["regimen"] == np.where(c["egfr"] == "mutant", "toy_io_chemo", "toy_chemo")).all()
    ctrl = {**ctrl, "by_egfr": {"mutant": "no_such_regimen"}}
    problems, _ = problems_of(tmp_path, {**GOOD, "arms": [GOOD["arms"][0], ctrl]})
    assert ("arms[1].by_egfr.mutant", "unknown regimen 'no_such_regimen'") in problems


def test_bad_ratio(tmp_path):
    problems, _ = problems_of(tmp_path, {**GOOD, "randomisation": {"ratio": [2, 0]}})
    assert problems[0][0] == "randomisation.ratio"
    problems, msg = problems_of(tmp_path, {**GOOD, "randomisation": {"ratio": [1, 1, 1]}})
    assert problems == [("randomisation.ratio", "3 entries for 2 arms")]


def test_missing_endpoint(tmp_path):
    data = {k: v for k, v in GOOD.items() if k != "endpoints"}
    problems, _ = problems_of(tmp_path, data)
    assert problems == [("endpoints", "required field is missing")]
    problems, msg = problems_of(tmp_path, {**GOOD, "endpoints": {"primary": ["os", "survival"]}})
    assert problems[0][0] == "endpoints.primary" and "survival" in msg


def test_impossible_schedule(tmp_path):
    sched = {"schedule": [{"every_weeks": 6, "until_week": 48}, {"every_weeks": 9, "until_week": 40}]}
    problems, msg = problems_of(tmp_path, {**GOOD, "assessment": sched})
    assert problems[0][0].startswith("assessment") and "until_week" in msg
    sched = {"schedule": [{"every_weeks": 10, "until_week": 8}, {"every_weeks": 9}]}
    _, msg = problems_of(tmp_path, {**GOOD, "assessment": sched})
    assert "does not fit" in msg
    sched = {"schedule": [{"every_weeks": 0}]}
    problems, _ = problems_of(tmp_path, {**GOOD, "assessment": sched})
    assert problems[0][0] == "assessment.schedule[0].every_weeks"


def test_other_errors_name_fields(tmp_path):
    problems, _ = problems_of(tmp_path, {**GOOD, "sample_sise": 3})
    assert ("sample_sise", "unknown field") in problems
    _, msg = problems_of(tmp_path, {**GOOD, "crossover": {"from_arm": "nobody", "regimen": "toy_io"}})
    assert "crossover.from_arm" in msg
    _, msg = problems_of(tmp_path, {**GOOD, "published": [{"record": "target_t23", "subgroup": "bogus=yes"}]})
    assert "published[0]" in msg
    _, msg = problems_of(tmp_path, {**GOOD, "validation": [{"record": "validation_x", "subgroup": "bogus=yes"}]})
    assert "validation[0]" in msg
    both = [{"record": "target_t23"}]
    _, msg = problems_of(tmp_path, {**GOOD, "published": both, "validation": both})
    assert "target_t23 also listed under published" in msg


def test_yaml_syntax_error_names_the_line(tmp_path):
    p = tmp_path / "broken.yaml"
    p.write_text("id: x\narms: [\n", encoding="utf-8")
    with pytest.raises(ProtocolError) as exc:
        load_protocol(p)
    assert str(p) in str(exc.value) and "line" in str(exc.value)


def test_library_trials_are_valid_and_cite_every_trial_target():
    files = library_files()
    assert len(files) >= 15
    records = clinical_records()
    targets = set()
    for path in files.values():
        proto = load_protocol(path)
        for pub in published_for(proto):
            targets.add(pub["target_id"])
        assert proto.endpoints.primary
    # every trial or cohort row of the calibration targets (T07-T37) is in the library, and the
    # natural-history rows T02, T03, T05 (untreated cohort by metastatic site)
    assert {f"T{i:02d}" for i in range(7, 38)} | {"T02", "T03", "T05"} <= targets
    assert all(r in records for p in files.values() for r in [x.record for x in load_protocol(p).published])


def test_library_crossovers_say_where_their_share_comes_from():
    """Later-line immunotherapy of the control arms changes their OS; its share is a number and needs a source."""
    crossed = set()
    for path in library_files().values():
        proto = load_protocol(path)
        if proto.crossover is not None:
            xo = proto.crossover
            assert xo.source.strip(), f"{path.name}: crossover.probability {xo.probability} has no source"
            assert xo.source.startswith("assumed:") or any(ch.isdigit() for ch in xo.source)
            control = next(a for a in proto.arms if a.id == xo.from_arm)
            assert control.control, f"{path.name}: crossover from an arm that is not the control"
            crossed.add(proto.id)
    # every first-line chemotherapy-controlled checkpoint-inhibitor trial of the library sees later immunotherapy
    assert {"keynote024", "keynote042", "keynote189", "keynote407", "checkmate227", "checkmate9la", "poseidon",
            "impower130", "impower132", "impower150"} <= crossed


def test_library_regimens_exist_in_the_therapy_library():
    therapy = pytest.importorskip("livermet.therapy")
    for path in library_files().values():
        proto = load_protocol(path)
        for rid in proto.regimen_ids():
            therapy.get_regimen(rid)


def test_metastatic_site_subgroup():
    import pandas as pd

    from livermet.trial.randomisation import subgroup_value

    cov = pd.DataFrame({"met_liver": [1, 0, 1, 0, 0], "met_bone": [0, 1, 1, 0, 0], "met_brain": [0, 0, 0, 1, 0],
                        "met_adrenal": [0, 0, 0, 0, 0]}).astype(bool)
    assert list(subgroup_value(cov, "metastatic_site")) == ["liver", "bone", "multiple", "brain", "none"]


def test_pdl1_tps_ge20_subgroup():
    import pandas as pd

    from livermet.trial.randomisation import subgroup_value

    cov = pd.DataFrame({"pdl1_tps": [0.0, 19.9, 20.0, 75.0]})
    assert list(subgroup_value(cov, "pdl1_tps_ge20")) == ["no", "no", "yes", "yes"]
