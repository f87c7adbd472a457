"""Reference model for the engine: de Pillis, Radunskaya & Wiseman 2005 tumour / NK / CD8 model
with a two-compartment anti-PD-1 antibody PK that scales the CD8 kill term.

It is small, stiff enough to be interesting, and has a published parameter set, so it is what
tests and benchmarks use to cross-check the backends until the liver-metastasis model exists.

Source: de Pillis LG, Radunskaya AE, Wiseman CL. A validated mathematical model of cell-mediated
immune response to tumor growth. Cancer Res 2005;65(17):7950-8 (doi:10.1158/0008-5472.CAN-05-0564),
human parameter set of patient 9. Pembrolizumab PK: Ahamadi M et al. CPT Pharmacometrics Syst
Pharmacol 2017;6:49-57 (typical values), as listed in shared/reference/models-and-parameters.md.
"""

from __future__ import annotations

import sympy as sp

from ..modeling import Model, cite, assumed, dose, lognormal

DEPILLIS = "de Pillis, Radunskaya & Wiseman 2005 Cancer Res 65:7950, human patient 9"
DEPILLIS_DOI = "10.1158/0008-5472.CAN-05-0564"
AHAMADI = "Ahamadi et al. 2017 CPT:PSP 6:49 (pembrolizumab PopPK, typical values)"
AHAMADI_DOI = "10.1002/psp4.12139"

# Knowledge statements the processes implement (livermet.knowledge ids).
EVIDENCE = {
    "tumour_growth": ["s001_1_11"],
    "nk_kill": ["s001_1_23", "s000_12_20"],
    "cd8_kill": ["s000_12_16"],
    "nk_source": ["s000_112_05"],
    "cd8_activation": ["s000_111_02", "s000_111_03"],
    "pd1_blockade": ["s000_22_01", "s000_0_05"],
}


def _p(m: Model, name, value, unit, lo, hi, src, var=None, desc=""):
    kwargs = {"variability": var} if var is not None else {}
    return m.parameter(name, value, unit, lo, hi, source=src, description=desc, **kwargs)


def tumour_immune_module(m: Model, *, kill_boost: sp.Expr | float = 1, evidence=EVIDENCE) -> dict[str, sp.Symbol]:
    """Tumour cells T, NK cells N and tumour-specific CD8 T cells L (de Pillis 2005, eqs. 1-3).

    kill_boost multiplies the CD8 kill term (1 without treatment; see antibody_pk_module).
    """
    src = cite(DEPILLIS, DEPILLIS_DOI)
    with m.module("tumour_immune", "de Pillis 2005 tumour / NK / CD8 T-cell interaction"):
        T0 = m.parameter("T0", 1e8, "cell", 1e7, 1e10, assumed(
            "initial tumour burden of the reference scenario (about 0.1 cm3, above the immune-control threshold of this parameter set); varied between virtual patients"),
            lognormal(1.0), "tumour cells at time 0")
        T = m.species("T", "cell", "tumour", T0, "tumour cells")
        N = m.species("N", "cell", "blood", 3e5, "natural killer cells")
        L = m.species("L", "cell", "tumour", 1e2, "tumour-specific CD8+ T cells")
        a = _p(m, "a", 0.514, "1/day", 0.1, 1.0, src, lognormal(0.2), "tumour growth rate")
        b = _p(m, "b", 1.02e-9, "1/cell", 1e-10, 1e-8, src, lognormal(0.2), "inverse carrying capacity")
        c = _p(m, "c", 3.23e-7, "1/cell/day", 1e-8, 1e-5, cite(
            DEPILLIS, DEPILLIS_DOI,
            "the paper's value; one public re-implementation prints 3.23e-1, a typo (flagged in "
            "shared/reference/models-and-parameters.md)"), None, "NK kill of tumour cells")
        d = _p(m, "d", 5.80, "1/day", 1.0, 10.0, src, lognormal(0.3), "saturation level of CD8 kill")
        lam = _p(m, "lam", 1.36, "dimensionless", 0.5, 2.0, src, None, "exponent of CD8 kill")
        s = _p(m, "s", 0.25, "dimensionless", 0.05, 1.0, src, lognormal(0.3), "steepness of CD8 kill")
        sigma = _p(m, "sigma", 1.3e4, "cell/day", 1e3, 1e5, src, None, "NK source")
        f = _p(m, "f", 4.12e-2, "1/day", 1e-2, 1e-1, src, None, "NK death rate")
        g = _p(m, "g", 2.5e-2, "1/day", 1e-3, 1e-1, src, None, "maximal NK recruitment by tumour")
        h = _p(m, "h", 2.02e7, "cell**2", 1e6, 1e8, src, None, "steepness of NK recruitment")
        j = _p(m, "j", 3.75e-2, "1/day", 1e-3, 1e-1, src, None, "maximal CD8 recruitment by lysed tumour")
        k = _p(m, "k", 2.0e7, "cell**2/day**2", 1e6, 1e8, src, None, "steepness of CD8 recruitment")
        mm = _p(m, "m", 2.0e-2, "1/day", 1e-3, 1e-1, src, None, "CD8 death rate")
        q = _p(m, "q", 3.42e-10, "1/cell/day", 1e-11, 1e-8, src, None, "CD8 inactivation by tumour")
        pp = _p(m, "p", 1.0e-7, "1/cell/day", 1e-8, 1e-6, src, None, "NK inactivation by tumour")
        r = _p(m, "r", 1.1e-7, "1/cell/day", 1e-8, 1e-6, src, None, "CD8 recruitment by NK-lysed tumour")
        boost = m.expression("kill_boost", kill_boost, "dimensionless", "multiplier of CD8 kill (1 without drug)")
        # D*T written as d T L^lam / (s T^lam + L^lam): the paper's d (L/T)^lam / (s + (L/T)^lam) times T,
        # rearranged so that it stays finite when the tumour is eradicated (T = 0)
        one = m.parameter("one_cell", 1.0, "cell", 1.0, 1.0, assumed(
            "unit constant (exactly one cell) that makes powers of cell counts dimensionless, as in QSP-IO"))
        Ln, Tn = (L / one) ** lam, (T / one) ** lam
        DT = m.expression("cd8_kill_rate", boost * d * T * Ln / (s * Tn + Ln), "cell/day",
                          "tumour cells killed by CD8 T cells per day")
        m.process("tumour_growth", a * T * (1 - b * T), {T: 1}, evidence["tumour_growth"])
        m.process("nk_kill", c * N * T, {T: -1}, evidence["nk_kill"])
        m.process("cd8_kill", DT, {T: -1}, evidence["cd8_kill"])
        m.process("nk_source", sigma, {N: 1}, evidence["nk_source"])
        m.process("nk_death", f * N, {N: -1}, evidence["nk_source"])
        m.process("nk_recruitment", g * T**2 / (h + T**2) * N, {N: 1}, evidence["nk_source"])
        m.process("nk_inactivation", pp * N * T, {N: -1}, evidence["nk_kill"])
        m.process("cd8_death", mm * L, {L: -1}, evidence["cd8_activation"])
        m.process("cd8_recruitment", j * DT**2 / (k + DT**2) * L, {L: 1}, evidence["cd8_activation"])
        m.process("cd8_inactivation", q * L * T, {L: -1}, evidence["cd8_activation"])
        m.process("cd8_from_nk_kill", r * N * T, {L: 1}, evidence["cd8_activation"])
        vol = m.parameter("cell_volume", 1e-6, "mm**3/cell", 4.9e-7, 6e-6, cite(
            "Del Monte 2009 Cell Cycle 8:505 (about 1e9 cells per cm3 of tumour)"),
            description="tumour volume per cancer cell")
        m.observable("tumour_cells", T, "cell")
        m.observable("tumour_diameter", (6 * T * vol / sp.pi) ** sp.Rational(1, 3), "mm",
                     "diameter of a sphere holding the tumour cells")
        m.observable("nk_cells", N, "cell")
        m.observable("cd8_cells", L, "cell")
    return {"T": T, "N": N, "L": L, "cd8_kill_rate": DT, "kill_boost": boost, "cell_volume": vol}


def antibody_pk_module(m: Model, *, dose_mg: float = 200.0, interval_days: float = 21.0, n_doses: int = 35,
                       evidence=EVIDENCE) -> sp.Expr:
    """Two-compartment IV antibody PK (pembrolizumab typical values), dosed every `interval_days`.

    Returns the effect on CD8 kill, 1 + Emax C / (EC50 + C), to pass to tumour_immune_module.
    """
    src = cite(AHAMADI, AHAMADI_DOI)
    with m.module("antibody_pk", "two-compartment anti-PD-1 antibody PK with a receptor-occupancy effect"):
        Ac = m.species("A_c", "mg", "central", 0.0, "antibody amount in the central compartment")
        Ap = m.species("A_p", "mg", "peripheral", 0.0, "antibody amount in the peripheral compartment")
        CL = _p(m, "CL", 0.22, "L/day", 0.1, 0.5, src, lognormal(0.3), "clearance")
        Vc = _p(m, "V_c", 3.48, "L", 2.0, 6.0, src, lognormal(0.2), "central volume")
        Q = _p(m, "Q", 0.795, "L/day", 0.3, 2.0, src, None, "inter-compartmental clearance")
        Vp = _p(m, "V_p", 4.06, "L", 2.0, 8.0, src, None, "peripheral volume")
        ec50 = _p(m, "EC50", 1.0, "mg/L", 0.1, 10.0, assumed(
            "no published concentration-effect for PD-1 blockade on CD8 kill; occupancy of PD-1 is near "
            "complete above a few mg/L of pembrolizumab, so EC50 is put at 1 mg/L within 0.1-10"),
            lognormal(0.5), "concentration of half-maximal effect")
        emax = _p(m, "Emax", 1.0, "dimensionless", 0.0, 5.0, assumed(
            "illustrative: blockade at most doubles CD8 kill; range 0-5"), None, "maximal relative increase of CD8 kill")
        conc = m.expression("C_ab", Ac / Vc, "mg/L", "serum antibody concentration")
        m.process("ab_clearance", CL * Ac / Vc, {Ac: -1}, evidence["pd1_blockade"])
        m.process("ab_distribution", Q * (Ac / Vc - Ap / Vp), {Ac: -1, Ap: 1}, evidence["pd1_blockade"])
        m.observable("antibody_conc", conc, "mg/L")
        for i in range(n_doses):
            m.event(dose(i * interval_days, "A_c", dose_mg, label=f"anti-PD-1 dose {i + 1}"))
    return 1 + emax * conc / (ec50 + conc)


def reference_model(*, with_pk: bool = True, n_doses: int = 35) -> Model:
    """The de Pillis 2005 model, optionally with anti-PD-1 PK dosed 200 mg every 3 weeks."""
    m = Model("depillis2005_pd1", "de Pillis 2005 tumour/NK/CD8 model with two-compartment anti-PD-1 PK")
    boost = antibody_pk_module(m, n_doses=n_doses) if with_pk else 1
    tumour_immune_module(m, kill_boost=boost)
    return m
