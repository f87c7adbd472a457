"""The named in-silico experiments: each reproduces the direction of a finding of the reviews."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from livermet.biology.experiments import EXPERIMENTS, run_experiments
from livermet.cli import app
from livermet.knowledge import check_statement_ids


def test_at_least_twenty_experiments_with_known_statements():
    assert len(EXPERIMENTS) >= 20
    for e in EXPERIMENTS.values():
        assert e.statements and not check_statement_ids(e.statements), e.name
        assert e.expected


@pytest.mark.parametrize("name", list(EXPERIMENTS))
def test_experiment_reproduces_direction(name):
    (r,) = run_experiments([name])
    assert r.passed, f"{name}: expected {r.expected}; observed {r.observed}"
    assert r.citation.startswith(EXPERIMENTS[name].statements[0])


def test_unknown_experiment_is_an_error():
    with pytest.raises(KeyError, match="unknown experiment"):
        run_experiments(["no_such_experiment"])
    r = CliRunner().invoke(app, ["experiments", "run", "no_such_experiment"])
    assert r.exit_code == 2


def test_cli_list_and_run_json():
    runner = CliRunner()
    r = runner.invoke(app, ["experiments", "list", "--json"])
    assert r.exit_code == 0, r.output
    assert {row["name"] for row in json.loads(r.output)} == set(EXPERIMENTS)
    r = runner.invoke(app, ["experiments", "run", "angptl1_lowers_kupffer_mmp9", "--json"])
    assert r.exit_code == 0, r.output
    (row,) = json.loads(r.output)
    assert set(row) == {"name", "citation", "expected", "observed", "passed"} and row["passed"] is True
