"""SBML export: valid for libSBML, carries units and sources, and libRoadRunner reproduces it."""

from __future__ import annotations

import libsbml
import numpy as np
import roadrunner

from livermet.engine import relative_error, simulate
from livermet.modeling.sbml import formula, to_sbml


def test_export_is_valid_and_annotated(ref_model):
    text = to_sbml(ref_model)
    doc = libsbml.readSBMLFromString(text)
    doc.checkConsistency()
    severe = [doc.getError(i).getMessage() for i in range(doc.getNumErrors())
              if doc.getError(i).getSeverity() >= libsbml.LIBSBML_SEV_ERROR]
    assert severe == []
    sm = doc.getModel()
    assert sm.getNumSpecies() == len(ref_model.species_)
    assert sm.getNumReactions() == len(ref_model.processes_)
    assert sm.getNumEvents() == len(ref_model.events_)
    assert sm.getUnitDefinition("u_1_per_day") is not None
    assert "de Pillis" in sm.getParameter("a").getNotesString()
    assert "evidence: s" in sm.getReaction("nk_kill").getNotesString()


def test_roadrunner_reproduces_trajectories_from_the_sbml_file(ref_model, tmp_path):
    path = tmp_path / "model.xml"
    path.write_text(to_sbml(ref_model))
    rr = roadrunner.RoadRunner(str(path))
    rr.integrator.relative_tolerance = 1e-10
    rr.integrator.absolute_tolerance = 1e-10
    t = np.array([0.5, 10.0, 30.5, 100.0, 250.0, 400.0])  # never on a dose day
    out = rr.simulate(times=[0.0, *t], selections=["time", *ref_model.species_])
    theirs = np.asarray(out)[1:, 1:]
    ours = simulate(ref_model, np.concatenate([[0.0], t]), rtol=1e-10, atol=1e-10).species[0, 1:]
    assert np.max(relative_error(ours, theirs, 1e-6)) < 1e-5


def test_formula_printer_uses_l3_syntax():
    import sympy as sp

    x, y = sp.symbols("x y")
    assert formula(sp.log(x) + sp.Max(x, y)) in ("ln(x) + max(x, y)", "max(x, y) + ln(x)")
    assert formula(x ** sp.Rational(1, 3)) == "pow(x, (1/3))"
    assert "time" in formula(sp.Symbol("t") * x)
