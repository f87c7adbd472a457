"""Every validation error of user knowledge files, with the file, line and field it names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from livermet.cli import app
from livermet.knowledge.issues import ISSUE_CODES, KnowledgeError
from livermet.knowledge.loader import load_knowledge_base
from livermet.knowledge.validate import validate_path

GOOD_ENTITIES = """\
- id: ux_a
  type: cell
  name: user cell A
  synonyms: [UXA]
- id: ux_b
  type: gene_protein
  name: user protein B
  identifiers: {HGNC: TGFB1}
"""

GOOD_STATEMENT = """\
- id: ux_s1
  subject: ux_a
  relation: secretes
  object: ux_b
  section: "1.1.2"
  evidence:
    - seed: 000_6f35267bf07eeac0.txt
      refs: [17]
  paraphrase: Cell A secretes protein B.
"""


def make(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "user_kb"
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    return root


def issues_of(tmp_path: Path, files: dict[str, str], builtin: bool = False):
    root = make(tmp_path, {"entities/base.yaml": GOOD_ENTITIES, **files})
    _, issues = validate_path(root, builtin=builtin)
    return issues


def only(issues, code):
    found = [i for i in issues if i.code == code]
    assert found, f"no {code} among {[i.format() for i in issues]}"
    return found[0]


def test_good_files_validate_cleanly(tmp_path):
    assert issues_of(tmp_path, {"statements/s.yaml": GOOD_STATEMENT}) == []


# each case: files, expected code, file name, line, field (None: not checked), text in message
CASES = {
    "yaml_syntax": ({"entities/bad.yaml": "- id: ux_c\n  type: cell\n  name: [unclosed\n"}, "bad.yaml", 4, None, "invalid YAML"),
    "not_a_list": ({"entities/bad.yaml": "id: ux_c\ntype: cell\n"}, "bad.yaml", 1, None, "YAML list"),
    "not_a_mapping": ({"entities/bad.yaml": "- ux_c\n"}, "bad.yaml", 1, None, "mapping"),
    "unknown_kind": ({"misc/bad.yaml": "- colour: red\n"}, "bad.yaml", 1, None, "entities/"),
    "duplicate_key": ({"entities/bad.yaml": "- id: ux_c\n  type: cell\n  name: C\n  name: C again\n"}, "bad.yaml", 4, "name", "twice"),
    "unknown_field": ({"entities/bad.yaml": "- id: ux_c\n  type: cell\n  name: C\n  colour: red\n"}, "bad.yaml", 4, "colour", "unknown field 'colour'"),
    "missing_field": ({"entities/bad.yaml": "- id: ux_c\n  type: cell\n"}, "bad.yaml", 1, "name", "'name' is missing"),
    "bad_id": ({"entities/bad.yaml": "- id: Ux-C\n  type: cell\n  name: C\n"}, "bad.yaml", 1, "id", "snake_case"),
    "unknown_type": ({"entities/bad.yaml": "- id: ux_c\n  type: cytokine\n  name: C\n"}, "bad.yaml", 2, "type", "unknown entity type 'cytokine'"),
    "unknown_relation": ({"statements/bad.yaml": GOOD_STATEMENT.replace("relation: secretes", "relation: promote")},
                         "bad.yaml", 3, "relation", "did you mean 'promotes'"),
    "bad_identifier": ({"entities/bad.yaml": "- id: ux_c\n  type: cell\n  name: C\n  identifiers: {CL: '0000091'}\n"},
                       "bad.yaml", 4, "identifiers", "Cell Ontology"),
    "bad_doi": ({"statements/bad.yaml": GOOD_STATEMENT.replace("refs: [17]", "refs: [17]\n      doi: www.example.org/x")},
                "bad.yaml", 9, "evidence[0].doi", "not a DOI"),
    "bad_value": ({"statements/bad.yaml": GOOD_STATEMENT.replace('section: "1.1.2"', 'section: "1.1.2"\n  context: {species: zebrafish}')},
                  "bad.yaml", 6, "context.species", "zebrafish"),
    "duplicate_id": ({"entities/more.yaml": "- id: ux_a\n  type: cell\n  name: another A\n"}, "more.yaml", 1, "id", "already defined"),
    "duplicate_statement": ({"statements/s.yaml": GOOD_STATEMENT + GOOD_STATEMENT.replace("ux_s1", "ux_s2").replace("Cell A", "A cell")},
                            "s.yaml", 10, None, "says the same as ux_s1"),
    "dangling_id": ({"statements/bad.yaml": GOOD_STATEMENT.replace("object: ux_b", "object: ux_bb")},
                    "bad.yaml", 4, "object", "no entity has id 'ux_bb'; did you mean 'ux_b'"),
    "missing_evidence": ({"statements/bad.yaml": GOOD_STATEMENT.split("  evidence:")[0] + "  evidence: []\n  paraphrase: x\n"},
                         "bad.yaml", 6, "evidence", "no evidence"),
    "unknown_seed": ({"statements/bad.yaml": GOOD_STATEMENT.replace("000_6f35267bf07eeac0.txt", "999_unknown.txt")},
                     "bad.yaml", 7, "evidence[0].seed", "unknown seed '999_unknown.txt'"),
    "unknown_reference": ({"statements/bad.yaml": GOOD_STATEMENT.replace("refs: [17]", "refs: [17, 58]")},
                          "bad.yaml", 8, "evidence[0].refs[1]", "does not cite reference [58]"),
    "unknown_section": ({"statements/bad.yaml": GOOD_STATEMENT.replace('"1.1.2"', '"9.9"')}, "bad.yaml", 5, "section", "'9.9' is not a section"),
    "missing_section": ({"statements/bad.yaml": GOOD_STATEMENT.replace('  section: "1.1.2"\n', "")}, "bad.yaml", 1, "section", "no section"),
    "citation_mismatch": ({"statements/bad.yaml": GOOD_STATEMENT.replace("000_6f35267bf07eeac0.txt", "001_d22726693c951f18.txt")
                           .replace('"1.1.2"', '"3.1"').replace("refs: [17]", "refs: [17]\n      doi: 10.1000/wrong")},
                          "bad.yaml", 9, "evidence[0].doi", "10.1038/s41591-020-1131-x"),
    "unknown_target": ({"clinical/bad.yaml": "- id: ux_cr\n  trial: X\n  endpoint: OS\n  statistic: median\n  value_exp: 3\n"
                        "  target_id: T999\n  evidence: [{first_author: Smith, year: 2020}]\n"},
                       "bad.yaml", 6, "target_id", "T999"),
    "ambiguous_label": ({"entities/more.yaml": "- id: ux_c\n  type: cell\n  name: user cell C\n  synonyms: [uxa]\n"},
                        "more.yaml", 4, "synonyms", "also names entity 'ux_a'"),
}


@pytest.mark.parametrize("code", sorted(CASES))
def test_each_validation_error_names_file_line_and_field(tmp_path, code):
    files, fname, line, field, text = CASES[code]
    issue = only(issues_of(tmp_path, files), code)
    assert issue.file is not None and issue.file.endswith(fname), issue.format()
    assert issue.line == line, issue.format()
    if field is not None:
        assert issue.field == field, issue.format()
    assert text in issue.message, issue.format()
    formatted = issue.format()
    assert f"{fname}:{line}" in formatted and code in formatted


def test_every_issue_code_is_tested():
    assert set(CASES) == set(ISSUE_CODES)


def test_more_bad_values(tmp_path):
    clinical = ("- id: ux_cr\n  trial: X\n  endpoint: OS\n  statistic: median\n  hr: 1.5\n  hr_ci: [0.5, 0.9]\n"
                "  ci_exp: [9, 3]\n  evidence: [{first_author: Smith, year: 3020}]\n")
    issues = issues_of(tmp_path, {"clinical/c.yaml": clinical})
    fields = {i.field for i in issues if i.code == "bad_value"}
    assert {"ci_exp", "evidence[0].year"} <= fields
    hr = "- id: ux_cr\n  trial: X\n  endpoint: OS\n  statistic: median\n  hr: 1.5\n  hr_ci: [0.5, 0.9]\n  target_id: T07\n"
    issue = only(issues_of(tmp_path / "hr", {"clinical/c.yaml": hr}), "bad_value")
    assert "outside hr_ci" in issue.message and issue.line == 1
    ents = "- id: ux_c\n  type: gene_protein\n  name: C\n  identifiers: {HGNC: Ccl5, UNIPROT: P13501}\n"
    msg = only(issues_of(tmp_path, {"entities/e.yaml": ents}), "bad_identifier").message
    assert "did you mean 'CCL5'" in msg and "unknown identifier kind 'UNIPROT'" in msg


def test_a_median_upper_bound_not_reached_is_inf_and_null_in_json(tmp_path):
    from livermet.knowledge.schema import ClinicalResult

    base = "- id: ux_cr\n  trial: X\n  endpoint: OS\n  statistic: median\n  target_id: T07\n"
    assert not [i for i in issues_of(tmp_path / "ok", {"clinical/c.yaml": base + "  ci_exp: [18.3, .inf]\n"})
                if i.code == "bad_value"]
    issue = only(issues_of(tmp_path / "hr", {"clinical/c.yaml": base + "  hr: 0.6\n  hr_ci: [0.5, .inf]\n"}),
                 "bad_value")
    assert issue.field == "hr_ci" and "finite upper bound" in issue.message
    issue = only(issues_of(tmp_path / "lo", {"clinical/c.yaml": base + "  ci_exp: [.inf, .inf]\n"}), "bad_value")
    assert "finite lower bound" in issue.message
    rec = ClinicalResult(id="ux_cr", trial="X", endpoint="OS", statistic="median", ci_exp=(18.3, float("inf")))
    dumped = rec.model_dump(mode="json")
    assert dumped["ci_exp"] == [18.3, None]
    assert ClinicalResult(**dumped).ci_exp == (18.3, float("inf"))


def test_clinical_without_evidence_is_error_unless_linked_to_a_target(tmp_path):
    base = "- id: ux_cr\n  trial: X\n  endpoint: OS\n  statistic: median\n"
    issue = only(issues_of(tmp_path, {"clinical/c.yaml": base}), "missing_evidence")
    assert issue.severity == "error"
    issue = only(issues_of(tmp_path, {"clinical/c.yaml": base + "  target_id: T07\n"}), "missing_evidence")
    assert issue.severity == "warning"


def test_user_files_may_use_builtin_entities(tmp_path):
    st = GOOD_STATEMENT.replace("object: ux_b", "object: tgf_beta")
    assert [i for i in issues_of(tmp_path / "a", {"statements/s.yaml": st}, builtin=True) if i.severity == "error"] == []
    only(issues_of(tmp_path / "b", {"statements/s.yaml": st}, builtin=False), "dangling_id")


def test_invalid_records_are_left_out_and_strict_raises(tmp_path):
    root = make(tmp_path, {"entities/base.yaml": GOOD_ENTITIES,
                           "entities/bad.yaml": "- id: ux_c\n  type: cytokine\n  name: C\n"})
    kb = load_knowledge_base(extra_dirs=[root], cache=False)
    assert "ux_a" in kb.entities and "ux_c" not in kb.entities
    with pytest.raises(KnowledgeError) as exc:
        load_knowledge_base(extra_dirs=[root], strict=True, cache=False)
    assert "bad.yaml:2" in str(exc.value)


def test_validate_single_file_infers_kind(tmp_path):
    path = tmp_path / "loose.yaml"
    path.write_text(GOOD_ENTITIES.replace("ux_", "lz_"), encoding="utf-8")
    kb, issues = validate_path(path, builtin=False)
    assert issues == [] and set(kb.entities) == {"lz_a", "lz_b"}


runner = CliRunner()


def test_cli_validate(tmp_path):
    good = make(tmp_path / "g", {"entities/base.yaml": GOOD_ENTITIES, "statements/s.yaml": GOOD_STATEMENT})
    res = runner.invoke(app, ["kb", "validate", str(good)])
    assert res.exit_code == 0 and "OK" in res.stdout
    bad = make(tmp_path / "b", {"entities/base.yaml": GOOD_ENTITIES,
                                "statements/s.yaml": GOOD_STATEMENT.replace("object: ux_b", "object: ux_zz")})
    res = runner.invoke(app, ["kb", "validate", str(bad), "--json"])
    assert res.exit_code == 1
    rep = json.loads(res.stdout)
    assert set(rep) == {"path", "ok", "errors", "warnings", "issues", "counts"} and rep["ok"] is False
    issue = rep["issues"][0]
    assert set(issue) == {"code", "message", "file", "line", "field", "record_id", "severity"}
    assert (issue["code"], issue["line"], issue["field"], issue["record_id"]) == ("dangling_id", 4, "object", "ux_s1")
    res = runner.invoke(app, ["kb", "validate", str(bad)])
    assert res.exit_code == 1 and "s.yaml:4 [ux_s1] object: no entity has id 'ux_zz'" in res.output
    res = runner.invoke(app, ["kb", "validate", str(tmp_path / "absent")])
    assert res.exit_code == 2
    # --standalone: built-in entities are not visible
    uses_builtin = make(tmp_path / "u", {"entities/base.yaml": GOOD_ENTITIES,
                                         "statements/s.yaml": GOOD_STATEMENT.replace("object: ux_b", "object: tgf_beta")})
    assert runner.invoke(app, ["kb", "validate", str(uses_builtin), "--standalone"]).exit_code == 1
