"""Shared helpers of the liver-metastasis model: sites, citations, parameter shorthand, Hill functions."""

from __future__ import annotations

import sympy as sp

from ...modeling import Model, assumed, cite

SITES = ("primary", "liver", "bone", "brain", "adrenal")
MET_SITES = ("liver", "bone", "brain", "adrenal")

# Sources (as listed in ../shared/reference/models-and-parameters.md; equations re-implemented, no code copied)
QSPIO = "Wang et al. 2021 JITC / 2023 npj Precis Oncol, QSPIO-TNBC NSCLC parameter set (parameters_NSCLC.m)"
HAHNFELDT = "Hahnfeldt et al. 1999 Cancer Res 59:4770 (dynamic vascular capacity), as parameterised in QSPIO-TNBC"
ROBERTSON_TESSI = "Robertson-Tessi et al. 2012 J Theor Biol 293:66, via QSPIO-TNBC NSCLC parameters"
DEBOER = "De Boer & Perelson 1995 J Theor Biol 175:567, via QSPIO-TNBC NSCLC parameters"
MARCHINGO = "Marchingo et al. 2014 Science 346:1123, via QSPIO-TNBC NSCLC parameters"
YU2021 = "Yu et al. 2021 Nat Med 27:152 (liver metastasis siphons and deletes activated CD8 T cells via FasL+ macrophages)"
LEE2020 = "Lee et al. 2020 Sci Immunol 5:eaba0759 (liver antigen drives systemic Treg activation)"
LUZZI = "Luzzi et al. 1998 Am J Pathol 153:865 (liver metastatic inefficiency; figures unverified in the reference note)"
KOOP = "Koop et al. 1995 Cancer Res 55:2520 (>80% of arrested cells extravasate)"
STRUEMPER = "Struemper et al. 2025 CPT:PSP 14:1006 (NSCLC population medians: LDH 225.5 U/L, PD-L1 15%, NLR 4.1)"
DEPILLIS = ("de Pillis, Radunskaya & Wiseman 2005 Cancer Res 65:7950 (CD8 T-cell expansion driven by the tumour "
            "cells they kill; human parameters fitted to patients; read in shared/reference/models-and-parameters.md 2.3)")
KRUSE = "Kruse et al. (clodronate Kupffer-cell depletion), cited in seed 000 section 1.1.2"


class P:
    """Parameter shorthand bound to a model: `p("name", value, unit, lo, hi, source, var, desc)`."""

    def __init__(self, m: Model):
        self.m = m

    def __call__(self, name, value, unit, lo, hi, source, var=None, desc=""):
        kw = {"variability": var} if var is not None else {}
        return self.m.parameter(name, value, unit, lo, hi, source=source, description=desc, **kw)


def S(name: str) -> sp.Symbol:
    """A symbol declared (or to be declared) elsewhere in the model."""
    return sp.Symbol(name)


def hill(x, k, n: int = 1):
    """x^n / (x^n + k^n), smooth and 0 at x = 0 (integer n)."""
    return x**n / (x**n + k**n)


def clip01(x):
    """Combined hook effects clipped to at most 1 (contract: the biology clips)."""
    return sp.Min(x, 1)


__all__ = ["SITES", "MET_SITES", "P", "S", "hill", "clip01", "assumed", "cite"]
