"""Smoke tests of the simulation and model commands (as a user runs them)."""

from __future__ import annotations

import json

import libsbml
from typer.testing import CliRunner

from livermet.cli import app

runner = CliRunner()


def test_export_sbml_command(tmp_path):
    out = tmp_path / "ref.xml"
    res = runner.invoke(app, ["model", "export-sbml", str(out), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["path"] == str(out) and data["species"] == 5
    assert libsbml.readSBML(str(out)).getModel().getNumReactions() == data["reactions"]


def test_simulate_command_writes_table_and_plot(tmp_path):
    res = runner.invoke(app, ["simulate", "-n", "4", "--days", "60", "--out", str(tmp_path), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert set(data) >= {"model", "backend", "patients", "failed", "wall_s", "files", "final_median"}
    assert data["failed"] == 0
    for f in data["files"].values():
        assert (tmp_path / f.split("/")[-1]).exists()


def test_simulate_rejects_unknown_backend_and_model(tmp_path):
    res = runner.invoke(app, ["simulate", "--backend", "matlab", "--out", str(tmp_path)])
    assert res.exit_code == 2 and "--backend" in res.output
    res = runner.invoke(app, ["simulate", "--model", "nope", "--out", str(tmp_path)])
    assert res.exit_code == 2 and "unknown model" in res.output


def test_model_info_and_list_json():
    info = json.loads(runner.invoke(app, ["model", "info", "--json"]).stdout)
    assert info["species"] == 5 and info["parameters_assumed"] >= 1
    listed = json.loads(runner.invoke(app, ["model", "list", "--json"]).stdout)
    assert listed[0]["name"] == "reference"


def test_every_command_has_help():
    for args in (["--help"], ["simulate", "--help"], ["model", "--help"], ["model", "export-sbml", "--help"],
                 ["kb", "--help"]):
        res = runner.invoke(app, args)
        assert res.exit_code == 0 and "Usage" in res.output
