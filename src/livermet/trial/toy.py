"""A small test model and test regimens that follow the contracts (docs/contracts.md sections 3, 4).

NOT the liver-metastasis model: it exists so that the trial layer can be developed, tested and
benchmarked on its own. Per site (primary, liver, bone, brain, adrenal) it has living and dead
cancer cells with Gompertz growth, a chemotherapy kill and an immune kill boosted by an anti-PD-1
antibody; liver burden dampens the immune kill everywhere (the liver's systemic tolerance, Yu et
al. 2021 Nat Med 27:152, qualitatively); chemotherapy depletes lymphocytes. It provides the
contract observables `diameter_<site>`, `n_lesions_<site>`, `tumour_burden`, `ldh`, `nlr`,
`lymphocytes`. Values are illustrative (assumed), not calibrated.

Regimens `toy_chemo`, `toy_io`, `toy_io_chemo` have the contract's `events(...)` and
`build_model(...)` methods.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import sympy as sp

from ..modeling import Event, Model, assumed, cite, dose, lognormal
from ..population.sampling import patient_rng

SITES = ("primary", "liver", "bone", "brain", "adrenal")
TOY = assumed("illustrative value of the trial layer's test model (not calibrated)")
EVIDENCE = ["s001_1_11"]
PARAM_STREAM = 2


def toy_model() -> Model:
    m = Model("trial_toy", "test model of the trial layer: Gompertz lesions per site, chemo and anti-PD-1 kill")
    with m.module("toy_drugs", "bolus chemotherapy and anti-PD-1 antibody, first-order elimination"):
        Ach = m.species("A_chemo", "mg", "central", 0.0, "chemotherapy amount")
        Aio = m.species("A_io", "mg", "central", 0.0, "antibody amount")
        kch = m.parameter("k_chemo", 1.0, "1/day", 0.3, 3.0, TOY)
        ec_ch = m.parameter("EC50_chemo", 50.0, "mg", 5.0, 500.0, TOY)
        cl = m.parameter("CL_io", 0.22, "L/day", 0.1, 0.5, cite("Ahamadi et al. 2017 CPT:PSP 6:49"), lognormal(0.3))
        vio = m.parameter("V_io", 6.0, "L", 3.0, 10.0, assumed("central + peripheral volume of pembrolizumab, about 6 L"))
        ec_io = m.parameter("EC50_io", 1.0, "mg/L", 0.1, 10.0, TOY)
        m.process("chemo_elimination", kch * Ach, {Ach: -1}, EVIDENCE)
        m.process("io_elimination", cl * Aio / vio, {Aio: -1}, EVIDENCE)
        e_ch = m.expression("chemo_effect", Ach / (Ach + ec_ch), "dimensionless")
        c_io = Aio / vio
        occ = m.expression("pd1_occ", c_io / (c_io + ec_io), "dimensionless")
    with m.module("toy_immune", "circulating lymphocytes, NLR and LDH"):
        L = m.species("L", "cell/uL", "blood", sp.Symbol("L_base"), "lymphocytes")
        Lb = m.parameter("L_base", 1500.0, "cell/uL", 300.0, 4000.0, TOY)
        kl = m.parameter("k_lymph", 0.05, "1/day", 0.01, 0.2, TOY)
        dl = m.parameter("chemo_lymph_kill", 0.2, "1/day", 0.0, 1.0, TOY)
        nlr0 = m.parameter("nlr_base", 4.1, "dimensionless", 0.5, 40.0, cite("Struemper 2025 NSCLC pool median NLR"))
        ldh0 = m.parameter("ldh_base", 225.5, "U/L", 80.0, 2000.0, cite("Struemper 2025 NSCLC pool median LDH"))
        kldh = m.parameter("ldh_per_cell", 2e-9, "U/L/cell", 0.0, 1e-8, TOY)
        m.process("lymph_homeostasis", kl * (Lb - L), {L: 1}, EVIDENCE)
        m.process("lymph_chemo_death", dl * e_ch * L, {L: -1}, EVIDENCE)
    burden = 0
    with m.module("toy_lesions", "Gompertz lesions per site with chemo and immune kill"):
        K = m.parameter("K_cells", 1e12, "cell", 1e11, 1e13, TOY)
        a = m.parameter("a_growth", 0.0019, "1/day", 2e-4, 0.02, TOY, lognormal(0.45))
        kmax_ch = m.parameter("kill_chemo", 0.15, "1/day", 0.01, 1.0, TOY, lognormal(0.5))
        kio = m.parameter("kill_io", 0.006, "1/day", 1e-5, 0.2, TOY, lognormal(1.0))
        pdl1 = m.parameter("pdl1_tps", 15.0, "dimensionless", 0.0, 100.0, cite("Struemper 2025 median PD-L1 TPS 15%"))
        fl = m.parameter("liver_tolerance", 0.6, "dimensionless", 0.0, 1.0, TOY)
        kl_half = m.parameter("liver_tolerance_half", 1e9, "cell", 1e7, 1e11, TOY)
        kd = m.parameter("dead_clearance", 0.1, "1/day", 0.01, 1.0, TOY)
        vol = m.parameter("cell_volume", 1e-6, "mm**3/cell", 4.9e-7, 6e-6, cite("Del Monte 2009 Cell Cycle 8:505"))
        detect = m.parameter("detect_mm", 10.0, "mm", 10.0, 10.0, cite("Eisenhauer 2009 (RECIST 1.1 measurable >= 10 mm)"))
        one = m.parameter("one_cell", 1.0, "cell", 1.0, 1.0, assumed("unit constant"))
        C_liver = sp.Symbol("C_liver")
        tol = 1 - fl * C_liver / (C_liver + kl_half)
        immune = m.expression("immune_kill", kio * (1 + pdl1 / 50) * sp.Symbol("pd1_occ") * tol, "1/day")
        for s in SITES:
            c0 = m.parameter(f"C0_{s}", 1e9 if s == "primary" else 0.0, "cell", 0.0, 1e12, TOY)
            n = m.parameter(f"n_{s}", 1.0, "dimensionless", 1.0, 20.0, TOY)
            C = m.species(f"C_{s}", "cell", s, c0, f"living cancer cells, {s}")
            Cd = m.species(f"Cd_{s}", "cell", s, 0.0, f"dead cancer cells, {s}")
            m.process(f"growth_{s}", a * C * sp.log((K + one) / (C + one)), {C: 1}, EVIDENCE)
            m.process(f"chemo_kill_{s}", kmax_ch * e_ch * C, {C: -1, Cd: 1}, EVIDENCE)
            m.process(f"immune_kill_{s}", immune * C, {C: -1, Cd: 1}, EVIDENCE)
            m.process(f"dead_clearance_{s}", kd * Cd, {Cd: -1}, EVIDENCE)
            diam = (6 * (C / n) * vol / sp.pi) ** sp.Rational(1, 3)
            m.observable(f"diameter_{s}", diam, "mm", f"diameter of one typical lesion, {s}")
            m.observable(f"n_lesions_{s}", n * sp.Heaviside(diam / detect - 1), "dimensionless")
            burden = burden + C
        m.observable("tumour_burden", burden, "cell")
        m.observable("ldh", ldh0 + kldh * burden, "U/L")
        m.observable("lymphocytes", L, "cell/uL")
        m.observable("nlr", nlr0 * Lb / L, "dimensionless")
    return m


def _cells(diameter_mm: float, volume: float = 1e-6) -> float:
    return np.pi / 6 * diameter_mm**3 / volume


def toy_patient_parameters(model: Model, covariates: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Covariates -> toy parameters: lesion sizes and counts at the patient's metastatic sites
    (drawn from its own stream), PD-L1, LDH, NLR baselines."""
    rows = []
    for pid, cov in covariates.iterrows():
        rng = patient_rng(seed, int(pid), PARAM_STREAM)
        row = {"pdl1_tps": cov["pdl1_tps"], "ldh_base": cov["ldh"], "nlr_base": float(np.clip(cov["nlr"], 0.5, 40))}
        for s in SITES:
            present = s == "primary" or bool(cov[f"met_{s}"])
            n = (cov["n_liver_lesions"] if s == "liver" else 1 + rng.poisson(0.5)) if present else 1
            d = float(np.exp(np.log(25.0) + 0.35 * rng.standard_normal())) if present else float(rng.uniform(1.0, 4.0))
            micromet = rng.random() < 0.3
            row[f"n_{s}"] = float(max(n, 1))
            row[f"C0_{s}"] = _cells(d) * max(n, 1) if (present or micromet) else 0.0
        rows.append(row)
    return pd.DataFrame(rows, index=covariates.index)


@dataclass
class ToyRegimen:
    """A regimen of the test model: chemotherapy cycles and/or antibody doses every 21 days."""

    id: str
    chemo_mg: float = 0.0
    chemo_cycles: int = 0
    io_mg: float = 0.0
    io_max_doses: int = 35
    interval_days: float = 21.0

    def build_model(self, factory) -> Model:
        return factory()

    def agents(self) -> list[str]:
        return [name for name, mg in (("toy_chemo", self.chemo_mg * self.chemo_cycles), ("toy_anti_pd1", self.io_mg))
                if mg > 0]

    def events(self, model: Model, covariates: dict, start_day: float, horizon_days: float,
               progression_day: float | None = None) -> list[Event]:
        stop = horizon_days if progression_day is None else min(horizon_days, progression_day)
        out: list[Event] = []
        for k in range(max(self.chemo_cycles, self.io_max_doses if self.io_mg else 0)):
            t = start_day + k * self.interval_days
            if t >= stop:
                break
            if k < self.chemo_cycles and self.chemo_mg:
                out.append(dose(t, "A_chemo", self.chemo_mg, f"{self.id} chemo cycle {k + 1}"))
            if self.io_mg and k < self.io_max_doses:
                out.append(dose(t, "A_io", self.io_mg, f"{self.id} anti-PD-1 dose {k + 1}"))
        return out

    def adverse_events(self, covariates: dict, n_doses: int, rng: np.random.Generator) -> list[dict]:
        """Grade >= 3 adverse events: illustrative per-regimen risk (assumed, test model only)."""
        risk = (0.35 if self.chemo_cycles else 0.0) + (0.12 if self.io_mg else 0.0)
        if n_doses > 0 and rng.random() < risk:
            return [{"term": "grade>=3 adverse event (test model)", "grade": 3, "day": float(rng.uniform(0, 90))}]
        return []


TOY_REGIMENS = {
    "toy_chemo": ToyRegimen("toy_chemo", chemo_mg=500.0, chemo_cycles=4),
    "toy_io": ToyRegimen("toy_io", io_mg=200.0),
    "toy_io_chemo": ToyRegimen("toy_io_chemo", chemo_mg=500.0, chemo_cycles=4, io_mg=200.0),
}
