"""Cytotoxic chemotherapy: PK (one or two compartments), an effect compartment, Emax kill of
sensitive and resistant cancer cells, lymphodepletion and a delayed neutrophil fall (NLR).

Structure
- PK: linear 1- or 2-compartment model with the published typical values (table 3.3 of
  shared/reference/models-and-parameters.md, or the label where noted); carboplatin clearance is
  the Calvert relation CL = GFR + 25 mL/min, so an AUC-dosed carboplatin reaches its target AUC.
  nab-paclitaxel is the exception: the three-compartment PopPK of Chen 2014 with saturable
  elimination and saturable distribution (nonlinear), see `NabPaclitaxel`.
- Effect compartment Ce (mg/L): dCe/dt = ke0 (C - Ce), the exposure of the proliferating cells.
- Kill (1/day) into `chemo_kill_rate`: kmax * d Ce / (d Ce + EC50), with d = `liver_function_delivery`
  (1 with a normal liver; the biology model lowers it in liver dysfunction, the reviews' reason why
  liver-metastatic patients respond poorly to chemotherapy, s000_23_07). Acquired resistance: the
  resistant clone is killed with EC50 x r_resist (`chemo_resistant_kill_rate`), r_resist = 100 as in
  QSPIO-TNBC (Nemcova-Furstova 2016). Immunogenic cell death and antigen release follow from the
  kill inside the biology model (killed cells become dead cells that release antigen).
- Lymphodepletion (`chemo_lymphodepletion_rate`, 1/day) from Ce; neutrophil fall
  (`chemo_neutrophil_depletion`, fraction) through two transit compartments with mean transit time
  MTT (Friberg-type delay of the nadir, about 10-14 days after a dose).
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from ..modeling import Model, assumed, cite, lognormal
from .base import Agent, HookTerm, P, emax

QSPIO_NABP = cite("QSPIO-TNBC nabpaclitaxel_module (Choi 2012; Yang 2013): k_C_nabp 0.06 /h, IC50 92 nM "
                  "(0.0786 mg/L at MW 853.9), via shared/reference/models-and-parameters.md 3.1")
RESIST = cite("QSPIO-TNBC resistant clone: IC50 x 100 (estimated; Nemcova-Furstova 2016), "
              "shared/reference/models-and-parameters.md 3.1")
FRIBERG = cite("Friberg et al. 2002 J Clin Oncol 20:4713 (semi-mechanistic myelosuppression model: mean "
               "transit times 3.5-5.3 days for docetaxel and paclitaxel)", "10.1200/JCO.2002.02.140")
KILL_ASSUMED = ("no clinical concentration-kill relation for {drug} in lung-cancer cells was found; kmax "
                "within 0.1-3 /day and EC50 set so that a standard dose gives a near-maximal kill for 2-4 "
                "days; both to be calibrated against the chemotherapy arms of the calibration targets "
                "(T08, T13, T23, T25)")
KE0 = assumed("exposure of the proliferating cells lags and outlasts plasma exposure (intracellular "
              "retention, DNA adducts); half-life of 17 h (ke0 1/day) within 0.2-10 /day")
LYMPH = assumed("chemotherapy-induced lymphopenia is moderate (grade 3-4 in a minority of patients); "
                "maximal extra lymphocyte death 0.1 /day within 0.01-0.5 /day")
NEUT = assumed("carboplatin/taxane doublets give grade 3-4 neutropenia in about 30-50% of patients (nadir "
               "below a quarter of baseline); maximal fractional neutrophil fall 0.7 within 0.3-0.95")
LIVER = ("s000_23_07",)
EFFICACY = ("s001_5_01", "s000_0_07")
RESIST_EV = ("s001_32_07", "s001_32_10")


@dataclass
class Chemo(Agent):
    pk_source: object = None
    cl: float = 100.0  # L/day at the reference covariates (per m2 when cl_per_bsa)
    cl_per_bsa: bool = False
    calvert: bool = False  # CL = (GFR + 25 mL/min)
    cl_crcl: tuple[float, float] | None = None  # (reference CrCL mL/min, exponent)
    vc: float = 20.0  # L
    q: float | None = None  # L/day; None: one compartment
    vp: float | None = None
    kmax: float = 1.0
    ec50: float = 0.1
    kill_source: object = None
    lymph: float = 0.1
    neut: float = 0.7
    mtt: float = 4.5
    mw: float = 0.0  # g/mol, for the record

    def __post_init__(self) -> None:
        self.params = self._pk_params() + self._pd_params() + self.params

    def _pk_params(self) -> list[P]:
        src = self.pk_source
        ps: list[P] = []
        if self.calvert:
            ps += [
                P("gfr_offset", 25.0, "mL/min", 25.0, 25.0, cite(
                    "Calvert et al. 1989 J Clin Oncol 7:1748: carboplatin clearance = GFR + 25 mL/min",
                    "10.1200/JCO.1989.7.11.1748"), description="non-renal carboplatin clearance"),
                P("cl_unit", 1.44, "L/day/(mL/min)", 1.44, 1.44, assumed("unit conversion: 1 mL/min = 1.44 L/day"),
                  description="mL/min to L/day"),
                P("cl_iiv", 1.0, "dimensionless", 0.5, 2.0, cite(
                    "Ekhart et al. 2008 (carboplatin PopPK): IIV of CL 19.4%, table 3.3"), lognormal(0.194),
                  "between-patient multiplier of the Calvert clearance"),
            ]
        else:
            unit = "L/day/m**2" if self.cl_per_bsa else "L/day"
            ps.append(P("CL", self.cl, unit, self.cl * 0.4, self.cl * 2.5, src, lognormal(0.25),
                        "clearance at the reference covariates (IIV log-sd 0.25 assumed, typical of "
                        "cytotoxics)"))
        if self.cl_crcl is not None:
            ref, ex = self.cl_crcl
            ps += [P("crcl_ref", ref, "mL/min", ref, ref, src, description="reference creatinine clearance"),
                   P("cl_crcl", ex, "dimensionless", ex * 0.5, ex * 1.5, src,
                     description="power of creatinine clearance on clearance")]
        ps.append(P("Vc", self.vc, "L", self.vc * 0.4, self.vc * 2.5, src, description="central volume"))
        if self.q is not None:
            ps += [P("Q", self.q, "L/day", self.q * 0.3, self.q * 3, src, description="inter-compartmental clearance"),
                   P("Vp", self.vp, "L", self.vp * 0.3, self.vp * 3, src, description="peripheral volume")]
        return ps

    def _pd_params(self) -> list[P]:
        kill_src = self.kill_source or assumed(KILL_ASSUMED.format(drug=self.name))
        return [
            P("ke0", 1.0, "1/day", 0.2, 10.0, KE0, description="effect-compartment rate constant"),
            P("kmax", self.kmax, "1/day", 0.05, 3.0, kill_src, lognormal(0.5),
              "maximal kill rate of proliferating sensitive cells"),
            P("EC50", self.ec50, "mg/L", self.ec50 / 10, self.ec50 * 10, kill_src, lognormal(0.5),
              "effect-compartment concentration of half-maximal kill"),
            P("r_resist", 100.0, "dimensionless", 10.0, 1000.0, RESIST, description="EC50 multiplier of the resistant clone"),
            P("lymph_kmax", self.lymph, "1/day", 0.01, 0.5, LYMPH, description="maximal extra lymphocyte death rate"),
            P("neut_max", self.neut, "dimensionless", 0.3, 0.95, NEUT, description="maximal fractional neutrophil fall"),
            P("mtt", self.mtt, "day", 2.0, 8.0, FRIBERG, description="mean transit time of the neutrophil fall"),
        ]

    @property
    def dose_species(self) -> str:
        return self.pname("central")

    def covariates_used(self) -> tuple[str, ...]:
        out = []
        if self.calvert or self.cl_crcl is not None:
            out.append("crcl_ml_min")
        if self.cl_per_bsa:
            out.append("bsa_m2")
        return tuple(out)

    def build(self, m: Model, s) -> None:
        self._liver_hook = "liver_function_delivery" in m.hooks_  # without it (PK-only use) delivery is 1
        ev = self.evidence
        C = self._build_pk(m, s)
        Ce = m.species(self.pname("effect"), "mg/L", "tumour", 0.0, f"{self.name} effect-compartment concentration")
        m.process(self.pname("effect_uptake"), s("ke0") * (C - Ce), {Ce: 1}, ev,
                  "exposure of proliferating cancer cells (effect compartment)")
        E = m.expression(self.pname("tox_effect"), emax(Ce, s("EC50")), "dimensionless",
                         "fraction of maximal cytotoxic effect on normal proliferating cells")
        n1 = m.species(self.pname("neut_transit1"), "dimensionless", "marrow", 0.0, "delayed marrow effect 1")
        n2 = m.species(self.pname("neut_transit2"), "dimensionless", "marrow", 0.0, "delayed marrow effect 2")
        ktr = 2 / s("mtt")
        m.process(self.pname("neut_delay1"), ktr * (E - n1), {n1: 1}, ev + ("s000_21_07",),
                  "marrow damage travels to circulating neutrophils (transit 1)")
        m.process(self.pname("neut_delay2"), ktr * (n1 - n2), {n2: 1}, ev + ("s000_21_07",),
                  "marrow damage travels to circulating neutrophils (transit 2)")
        m.observable(self.pname("plasma_conc"), C, "mg/L", f"plasma {self.name} concentration")

    def _build_pk(self, m: Model, s) -> sp.Expr:
        """Linear 1- or 2-compartment PK; returns the plasma concentration (mg/L)."""
        ev = self.evidence
        A = m.species(self.pname("central"), "mg", "plasma", 0.0, f"{self.name} amount, central compartment")
        if self.calvert:
            gfr = sp.Min(sp.Symbol("cov_crcl"), 125)  # GFR capped at 125 mL/min, as for AUC dosing
            cl = (gfr + s("gfr_offset")) * s("cl_unit") * s("cl_iiv")
        else:
            cl = s("CL") * (sp.Symbol("cov_bsa") if self.cl_per_bsa else 1)
        if self.cl_crcl is not None:
            cl = cl * (sp.Symbol("cov_crcl") / s("crcl_ref")) ** s("cl_crcl")
        CL = m.expression(self.pname("clearance"), cl, "L/day", "individual clearance")
        C = m.expression(self.pname("conc"), A / s("Vc"), "mg/L", f"plasma {self.name} concentration")
        m.process(self.pname("elimination"), CL * C, {A: -1}, ev, f"{self.name} elimination")
        if self.q is not None:
            Ap = m.species(self.pname("peripheral"), "mg", "peripheral", 0.0, f"{self.name} peripheral amount")
            m.process(self.pname("distribution"), s("Q") * (C - Ap / s("Vp")), {A: -1, Ap: 1}, ev,
                      f"{self.name} distribution")
        return C

    def _delivered(self) -> sp.Expr:
        liver = sp.Symbol("liver_function_delivery") if getattr(self, "_liver_hook", True) else 1
        return liver * sp.Symbol(self.pname("effect"))

    def hook_terms(self) -> list[HookTerm]:
        s = lambda short: sp.Symbol(self.pname(short))  # noqa: E731
        return [
            HookTerm("liver_function_delivery", lambda _s: 0, "read: chemotherapy exposure scaled by liver function",
                     LIVER, read_only=True),
            HookTerm("chemo_kill_rate", lambda _s: s("kmax") * emax(self._delivered(), s("EC50")),
                     "Emax kill of sensitive proliferating cancer cells", self.evidence + EFFICACY),
            HookTerm("chemo_resistant_kill_rate",
                     lambda _s: s("kmax") * emax(self._delivered(), s("r_resist") * s("EC50")),
                     "kill of the chemo-resistant clone (EC50 x r_resist)", RESIST_EV),
            HookTerm("chemo_lymphodepletion_rate", lambda _s: s("lymph_kmax") * sp.Symbol(self.pname("tox_effect")),
                     "extra death rate of circulating lymphocytes", ("s000_21_07",)),
            HookTerm("chemo_neutrophil_depletion", lambda _s: s("neut_max") * sp.Symbol(self.pname("neut_transit2")),
                     "delayed fractional fall of neutrophils (NLR)", ("s000_21_07", "s000_21_10")),
        ]


@dataclass
class NabPaclitaxel(Chemo):
    """nab-paclitaxel: the three-compartment PopPK of Chen 2014 with saturable (Michaelis-Menten)
    elimination and saturable distribution into the large first peripheral compartment, linear
    exchange with the second. Exposure is therefore less than dose-proportional at low doses and
    the apparent clearance falls with dose (nonlinear PK), unlike the solvent-based paclitaxel model."""

    v1: float = 15.8  # L
    v2: float = 1650.0  # L, saturable exchange
    v3: float = 75.4  # L, linear exchange
    q2: float = 41.6 * 24  # L/day
    vmel: float = 8.07 * 24  # mg/day (8070 ug/h)
    kmel: float = 0.0402  # mg/L (40.2 ug/L)
    vmtr: float = 325.0 * 24  # mg/day (325000 ug/h)
    kmtr: float = 4.26  # mg/L (4260 ug/L)
    alb_ref: float = 39.0  # g/L (3.9 g/dL, the PK population median)
    vmel_alb: float = 0.554

    def _pk_params(self) -> list[P]:
        src = self.pk_source
        return [
            P("V1", self.v1, "L", self.v1 * 0.4, self.v1 * 2.5, src, lognormal(0.44),
              "central volume (IIV 46.7% CV, Chen 2014)"),
            P("V2", self.v2, "L", self.v2 * 0.5, self.v2 * 2.0, src, lognormal(0.25),
              "first peripheral volume, saturable exchange (IIV 25.5% CV)"),
            P("V3", self.v3, "L", self.v3 * 0.5, self.v3 * 2.0, src, description="second peripheral volume"),
            P("Q2", self.q2, "L/day", self.q2 * 0.5, self.q2 * 2.0, src,
              description="linear inter-compartmental clearance, central <-> second peripheral"),
            P("VMEL", self.vmel, "mg/day", self.vmel * 0.5, self.vmel * 2.0, src, lognormal(0.22),
              "maximal elimination rate (IIV 22.3% CV)"),
            P("KMEL", self.kmel, "mg/L", self.kmel * 0.5, self.kmel * 2.0, src,
              description="concentration of half-maximal elimination"),
            P("VMTR", self.vmtr, "mg/day", self.vmtr * 0.4, self.vmtr * 2.5, src, lognormal(0.26),
              "maximal saturable distribution rate, central <-> first peripheral (IIV 26.7% CV)"),
            P("KMTR", self.kmtr, "mg/L", self.kmtr * 0.5, self.kmtr * 2.0, src,
              description="concentration of half-maximal distribution rate"),
            P("alb_ref", self.alb_ref, "g/L", self.alb_ref, self.alb_ref, src,
              description="reference serum albumin of the covariate model"),
            P("vmel_alb", self.vmel_alb, "dimensionless", self.vmel_alb * 0.3, self.vmel_alb * 1.7, src,
              description="power of albumin on the maximal elimination rate"),
        ]

    def covariates_used(self) -> tuple[str, ...]:
        return ("albumin_g_l",)

    def _build_pk(self, m: Model, s) -> sp.Expr:
        ev = self.evidence
        A = m.species(self.pname("central"), "mg", "plasma", 0.0, f"{self.name} amount, central compartment")
        A2 = m.species(self.pname("peripheral"), "mg", "peripheral", 0.0,
                       f"{self.name} amount, first (saturable) peripheral compartment")
        A3 = m.species(self.pname("peripheral2"), "mg", "peripheral", 0.0,
                       f"{self.name} amount, second peripheral compartment")
        C = m.expression(self.pname("conc"), A / s("V1"), "mg/L", f"plasma {self.name} (total paclitaxel)")
        C2 = A2 / s("V2")
        vmel = s("VMEL") * (sp.Symbol("cov_albumin") / s("alb_ref")) ** s("vmel_alb")
        m.process(self.pname("elimination"), vmel * C / (s("KMEL") + C), {A: -1}, ev,
                  f"{self.name} saturable elimination (Michaelis-Menten)")
        m.process(self.pname("distribution"), s("VMTR") * (C / (s("KMTR") + C) - C2 / (s("KMTR") + C2)),
                  {A: -1, A2: 1}, ev, f"{self.name} saturable distribution to the first peripheral compartment")
        m.process(self.pname("distribution2"), s("Q2") * (C - A3 / s("V3")), {A: -1, A3: 1}, ev,
                  f"{self.name} linear distribution to the second peripheral compartment")
        return C


EKHART = cite("Ekhart et al. 2008 (carboplatin PopPK): V 15.4 L, k12 0.135 /h, k21 0.215 /h, table 3.3; "
              "Q = k12 V, Vp = Q / k21")
CAO = cite("Cao et al. 2022 (pemetrexed PopPK in NSCLC): CL 8.29 L/h x (CrCL/93.6)^0.58, V1 18.94 L, "
           "Q 0.10 L/h, V2 5.12 L, table 3.3")
SUN = cite("Sun et al. 2025 (paclitaxel PopPK, weekly 80 mg/m2): CL 26.04 L/h, V 34.08 L, Q 4.2 L/h, "
           "V2 67.67 L, table 3.3")
CHEN_NAB = cite("Chen et al. 2014 J Clin Pharmacol 54:1097 (nab-paclitaxel PopPK: 150 patients with solid "
                "tumours, 80-375 mg/m2 as 30-min infusions; Table 2): V1 15.8 L, V2 1650 L, V3 75.4 L, Q2 41.6 L/h, "
                "saturable V1<->V2 distribution VMTR 325000 ug/h with KMTR 4260 ug/L, saturable elimination VMEL "
                "8070 ug/h with KMEL 40.2 ug/L, albumin power 0.554 on VMEL (median 3.9 g/dL); IIV CV V1 46.7%, "
                "VMTR 26.7%, VMEL 22.3%", "10.1002/jcph.304",
                note="values as transcribed in nlmixr2lib Chen_2014_nab_paclitaxel.R and in QSPIO-TNBC "
                     "nabpaclitaxel_module.m (V1-V3), and in shared/reference/models-and-parameters.md 3.1 (the "
                     "saturable terms); total (blood) paclitaxel; the 30-min infusion is given as a bolus")


DOCETAXEL = cite("docetaxel prescribing information (Taxotere): total body clearance 21 L/h/m2, steady-state "
                 "volume 113 L", note="split into Vc 12 L and Vp 101 L with Q 300 L/day (assumed) to give "
                 "a terminal half-life of about 11 h")
CISPLATIN = cite("cisplatin prescribing information: parent-drug total body clearance about 15-16 L/h/m2, "
                 "volume about 11-12 L/m2", note="one compartment for free cisplatin; Vc scaled to 1.85 m2")

CHEMOTHERAPY: list[Chemo] = [
    Chemo(id="carboplatin", name="carboplatin", kind="chemotherapy",
          description="platinum; dosed by target AUC with the Calvert formula",
          evidence=("s001_41_03", "s000_23_01"), dose_units=("AUC", "mg", "mg/m2"), pk_source=EKHART,
          calvert=True, vc=15.4, q=0.135 * 15.4 * 24, vp=0.135 * 15.4 / 0.215, kmax=1.0, ec50=0.5, mw=371.25),
    Chemo(id="cisplatin", name="cisplatin", kind="chemotherapy", description="platinum",
          evidence=("s000_23_04", "s001_5_01"), dose_units=("mg/m2", "mg"), pk_source=CISPLATIN,
          cl=15.5 * 24, cl_per_bsa=True, vc=11.5 * 1.85, kmax=1.0, ec50=0.5, mw=300.05),
    Chemo(id="pemetrexed", name="pemetrexed", kind="chemotherapy", description="antifolate",
          evidence=("s000_23_04", "s001_5_01"), dose_units=("mg/m2", "mg"), pk_source=CAO,
          cl=8.29 * 24, cl_crcl=(93.6, 0.58), vc=18.94, q=0.10 * 24, vp=5.12, kmax=0.8, ec50=5.0, mw=427.4),
    Chemo(id="paclitaxel", name="paclitaxel", kind="chemotherapy", description="taxane (solvent-based)",
          evidence=("s000_23_01", "s000_23_02"), dose_units=("mg/m2", "mg"), pk_source=SUN,
          cl=26.04 * 24, vc=34.08, q=4.2 * 24, vp=67.67, kmax=1.44, ec50=0.0786, kill_source=QSPIO_NABP, mw=853.9),
    NabPaclitaxel(id="nab_paclitaxel", name="nab-paclitaxel", kind="chemotherapy",
                  description="albumin-bound paclitaxel", evidence=("s001_41_03", "s001_41_04"),
                  dose_units=("mg/m2", "mg"), pk_source=CHEN_NAB, kmax=1.44, ec50=0.0786, kill_source=QSPIO_NABP,
                  mw=853.9),
    Chemo(id="docetaxel", name="docetaxel", kind="chemotherapy", description="taxane (second line)",
          evidence=("s001_5_01", "s000_23_07"), dose_units=("mg/m2", "mg"), pk_source=DOCETAXEL,
          cl=21.0 * 24, cl_per_bsa=True, vc=12.0, q=300.0, vp=101.0, kmax=1.44, ec50=0.1, mtt=3.5, mw=807.9),
]


def calvert_dose(auc_mg_min_ml: float, gfr_ml_min: float, cap_ml_min: float | None = 125.0) -> float:
    """Carboplatin dose (mg) = target AUC (mg min/mL) x (GFR + 25) (Calvert 1989); GFR capped at 125."""
    if auc_mg_min_ml <= 0 or gfr_ml_min <= 0:
        raise ValueError("AUC and GFR must be positive")
    gfr = min(gfr_ml_min, cap_ml_min) if cap_ml_min else gfr_ml_min
    return auc_mg_min_ml * (gfr + 25.0)
