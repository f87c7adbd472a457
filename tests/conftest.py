"""Shared fixtures: small models used across the engine and modeling tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from livermet.biology.reference import antibody_pk_module, reference_model
from livermet.modeling import Model, assumed

SHARED = Path(__file__).resolve().parents[2] / "shared"


@pytest.fixture(scope="session")
def ref_model():
    return reference_model()


@pytest.fixture(scope="session")
def pk_model():
    """Two-compartment antibody PK only, with its 35 doses every 21 days."""
    m = Model("pk_only")
    antibody_pk_module(m)
    return m


@pytest.fixture(scope="session")
def robertson() -> Model:
    """Robertson's stiff chemical kinetics (Hairer & Wanner 1996, II.IV.1), amounts in mol."""
    m = Model("robertson")
    src = assumed("classic stiff test problem constants (Robertson 1966)")
    with m.module("kinetics"):
        A = m.species("A", "mol", "pot", 1.0)
        B = m.species("B", "mol", "pot", 0.0)
        C = m.species("C", "mol", "pot", 0.0)
        k1 = m.parameter("k1", 0.04, "1/day", 0.01, 0.1, src)
        k2 = m.parameter("k2", 3e7, "1/mol/day", 1e7, 1e8, src)
        k3 = m.parameter("k3", 1e4, "1/mol/day", 1e3, 1e5, src)
        m.process("r1", k1 * A, {A: -1, B: 1}, ["test"])
        m.process("r2", k2 * B**2, {B: -1, C: 1}, ["test"])
        m.process("r3", k3 * B * C, {B: -1, A: 1}, ["test"])
        for s in "ABC":
            m.observable(f"obs_{s}", m.species_[s].symbol, "mol")
    return m
