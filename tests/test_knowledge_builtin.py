"""The shipped knowledge base: it validates, is big enough and covers both reviews completely.

These tests read the real data under src/livermet/knowledge/data/.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from livermet.cli import app
from livermet.knowledge import load_knowledge_base, search
from livermet.knowledge.reports import stats


@pytest.fixture(scope="module")
def kb():
    return load_knowledge_base()


@pytest.fixture(scope="module")
def report(kb):
    return stats(kb)


def test_builtin_base_has_no_errors(kb):
    assert kb.errors == [], "\n".join(i.format() for i in kb.errors[:30])


def test_builtin_base_size(report):
    assert report["statements"] >= 200
    assert report["entities"] > 0 and report["clinical_results"] > 0


def test_every_cited_reference_is_in_a_statement(report):
    rc = report["reference_coverage"]
    missing = {seed: v["missing"] for seed, v in rc["per_seed"].items() if v["missing"]}
    assert missing == {}
    assert rc["overall"]["fraction"] == 1.0


def test_every_section_has_a_statement(report):
    sc = report["section_coverage"]
    missing = {seed: v["missing"] for seed, v in sc["per_seed"].items() if v["missing"]}
    assert missing == {}
    assert sc["overall"]["fraction"] == 1.0


def test_every_calibration_target_is_linked(report):
    assert report["calibration_targets"]["missing"] == []


@pytest.mark.parametrize("query, expected", [
    ("库普弗", "kupffer_cell"), ("Kupffer", "kupffer_cell"), ("KC", "kupffer_cell"), ("kc", "kupffer_cell"),
    ("肝血窦内皮细胞", "lsec"), ("LSEC", "lsec"), ("TAM", "tam"), ("MDSC", "mdsc"),
])
def test_acceptance_searches(kb, query, expected):
    assert search(kb, query)[0].id == expected


def test_cli_on_builtin_base():
    runner = CliRunner()
    res = runner.invoke(app, ["kb", "search", "库普弗", "--json"])
    assert res.exit_code == 0 and json.loads(res.stdout)["hits"][0]["id"] == "kupffer_cell"
    res = runner.invoke(app, ["kb", "show", "kupffer_cell", "--json"])
    rep = json.loads(res.stdout)
    assert rep["outgoing"] and all(s["citations"] for s in rep["outgoing"])
    res = runner.invoke(app, ["kb", "stats", "--json"])
    rep = json.loads(res.stdout)
    assert {"entities", "statements", "clinical_results", "reference_coverage", "section_coverage"} <= set(rep)
    res = runner.invoke(app, ["kb", "validate", "--json"])
    assert json.loads(res.stdout)["path"] == "builtin"
