"""Local therapies as event generators acting on the lesion species `C_<site>` (docs/contracts.md 3).

Radiotherapy (SBRT, conventional): linear-quadratic surviving fraction per fraction
S = exp(-alpha d - beta d^2), beta = alpha / (alpha/beta); BED = n d (1 + d / (alpha/beta)).
Radiofrequency ablation: a lesion volume destroyed in one session. Resection: living cells
removed. TACE with iodine-125 seeds: a chemo-embolisation kill plus low-dose-rate irradiation
decaying with the I-125 half-life.

Two ways to apply a kill:
- pulse (preferred, when the agent was added to the model with `add_to`): a kill-rate parameter
  `<id>_kill_<site>` is switched on for a short window (PULSE days) at `-ln(S)/PULSE`, moving the
  killed cells from `C_<site>` to `Cd_<site>`, so the biology model sees the dead cells and the
  antigen they release (s000_25_05, s001_43_09);
- scale (fallback): `C_<site>` is multiplied by S (the contract's minimal form; no antigen release).
Removal by resection always scales `C_<site>` (the cells leave the body).
For an irradiated liver, FasL+ monocyte-derived macrophages are depleted as well (Yu 2021, the
liver T-cell siphon s001_31_34), when the model has the macrophage species named in
`LIVER_FASL_MACROPHAGE_SPECIES`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import sympy as sp

from ..modeling import Event, Model, assumed, cite, lognormal, scale_value, set_value
from .base import Agent, P

SITES = ("primary", "liver", "bone", "brain", "adrenal")
PULSE = 0.01  # days (about 15 minutes)
LIVER_FASL_MACROPHAGE_SPECIES = ("Mac_liver", "M_fasl_liver")  # Mac_liver: the liver model's FasL+ macrophages
I125_HALF_LIFE_DAYS = 59.4


def lq_survival(dose_gy: float, alpha: float, alpha_beta: float) -> float:
    """Surviving fraction after one fraction of `dose_gy` (linear-quadratic model)."""
    if dose_gy < 0 or alpha < 0 or alpha_beta <= 0:
        raise ValueError("dose and alpha must be non-negative and alpha/beta positive")
    return math.exp(-alpha * dose_gy - (alpha / alpha_beta) * dose_gy**2)


def bed(dose_per_fraction: float, fractions: int, alpha_beta: float) -> float:
    """Biologically effective dose n d (1 + d / (alpha/beta)) in Gy."""
    if dose_per_fraction < 0 or fractions < 0 or alpha_beta <= 0:
        raise ValueError("dose and fractions must be non-negative and alpha/beta positive")
    return fractions * dose_per_fraction * (1 + dose_per_fraction / alpha_beta)


def eqd2(dose_per_fraction: float, fractions: int, alpha_beta: float) -> float:
    """Equivalent dose in 2-Gy fractions."""
    return bed(dose_per_fraction, fractions, alpha_beta) / (1 + 2 / alpha_beta)


ALPHA = assumed("human NSCLC radiosensitivity alpha of about 0.3 /Gy is the usual literature range "
                "(shared/reference/models-and-parameters.md 3.5, unverified there); 0.05-0.6 /Gy")
AB_CONV = cite("Kawahara et al. 2022 Rep Pract Oncol Radiother (alpha/beta 10 Gy for NSCLC BED)")
AB_SBRT = cite("Klement et al. 2019 Radiother Oncol 142:210 (1294 SBRTs: alpha/beta 12.8 Gy by Cox model; "
               "12-16 Gy across methods)")
MAC = assumed("liver-directed radiotherapy eliminated hepatic FasL+ macrophages in mice (Yu 2021 Nat Med "
              "27:152), dose-response not reported; macrophage alpha 0.2 /Gy, alpha/beta 3 Gy (late-"
              "responding normal tissue convention)")


@dataclass
class LocalTherapy(Agent):
    """Base of the local therapies: adds per-site pulse kill processes when the model has lesions."""

    def site_params(self) -> list[P]:
        return []

    def build(self, m: Model, s) -> None:
        for site in SITES:
            C, Cd = f"C_{site}", f"Cd_{site}"
            if C in m.species_ and Cd in m.species_:
                k = m.parameter(self.pname(f"kill_{site}"), 0.0, "1/day", 0.0, 1e4, assumed(
                    "pulse switch: 0 except during a local-therapy kill window, when events set it"),
                    description=f"{self.name} kill rate in the {site} while a session is applied")
                m.process(self.pname(f"killing_{site}"), k * sp.Symbol(C), {C: -1, Cd: 1}, self.evidence,
                          f"{self.name}: cells killed in the {site} become dead cells (antigen release)")

    def add_to(self, m: Model, *, missing_hooks: str = "error") -> Model:
        if not any(f"C_{s}" in m.species_ for s in SITES) and missing_hooks == "error":
            raise ValueError(f"local therapy {self.id!r} acts on lesion species C_<site>; model {m.name!r} has "
                             f"none of {', '.join('C_' + s for s in SITES)}")
        return super().add_to(m, missing_hooks=missing_hooks)

    def kill_events(self, m: Model, site: str, time: float, survival: float, label: str) -> list[Event]:
        """Events that leave `survival` of the living cancer cells at `site` (pulse or scale)."""
        C = f"C_{site}"
        if C not in m.species_:
            raise ValueError(f"{self.id}: model {m.name!r} has no lesion species {C!r} (sites: {', '.join(SITES)})")
        if not 0 <= survival <= 1:
            raise ValueError(f"{self.id}: surviving fraction {survival} outside [0, 1]")
        k = self.pname(f"kill_{site}")
        if k in m.parameters_ and survival > 0:
            rate = -math.log(survival) / PULSE
            return [set_value(time, k, rate, label), set_value(time + PULSE, k, 0.0, label + " end")]
        return [scale_value(time, C, survival, label)]

    def macrophage_events(self, m: Model, site: str, time: float, dose_gy: float, label: str) -> list[Event]:
        if site != "liver":
            return []
        sf = lq_survival(dose_gy, self.param("mac_alpha").value, self.param("mac_alpha_beta").value)
        return [scale_value(time, sp_name, sf, label + " FasL+ macrophages")
                for sp_name in LIVER_FASL_MACROPHAGE_SPECIES if sp_name in m.species_]


@dataclass
class Radiotherapy(LocalTherapy):
    ab_value: float = 10.0
    ab_source: object = AB_CONV

    def __post_init__(self) -> None:
        self.params = [
            P("alpha", 0.3, "1/Gy", 0.05, 0.6, ALPHA, lognormal(0.3), "linear radiosensitivity of cancer cells"),
            P("alpha_beta", self.ab_value, "Gy", 8.0, 20.0, self.ab_source, description="alpha/beta of NSCLC"),
            P("mac_alpha", 0.2, "1/Gy", 0.05, 0.6, MAC, description="radiosensitivity of FasL+ liver macrophages"),
            P("mac_alpha_beta", 3.0, "Gy", 2.0, 10.0, MAC, description="alpha/beta of liver macrophages"),
        ] + self.params

    def events(self, m: Model, site: str, dose_per_fraction: float, fraction_days: list[float],
               params: dict | None = None) -> list[Event]:
        p = {x.name: x.value for x in self.params}
        p.update({k.removeprefix(self.id + "_"): v for k, v in (params or {}).items()})
        sf = lq_survival(dose_per_fraction, p["alpha"], p["alpha_beta"])
        out: list[Event] = []
        for i, t in enumerate(fraction_days):
            label = f"{self.id} {site} fraction {i + 1} ({dose_per_fraction:g} Gy)"
            out += self.kill_events(m, site, t, sf, label)
            out += self.macrophage_events(m, site, t, dose_per_fraction, label)
        return out


@dataclass
class Ablation(LocalTherapy):
    def __post_init__(self) -> None:
        self.params = [P("efficacy", 0.95, "dimensionless", 0.7, 0.999, assumed(
            "complete ablation in about 90-95% of small liver metastases treated with RFA (local tumour "
            "progression 5-10%); fraction of the lesion's cells destroyed"), description="fraction destroyed")] + self.params

    def events(self, m: Model, site: str, day: float, fraction: float | None = None) -> list[Event]:
        f = self.param("efficacy").value if fraction is None else fraction
        return self.kill_events(m, site, day, 1 - f, f"{self.id} {site}")


@dataclass
class Resection(LocalTherapy):
    def __post_init__(self) -> None:
        self.params = [P("fraction", 1.0, "dimensionless", 0.5, 1.0, assumed(
            "cytoreductive resection removes the macroscopic liver disease; default complete (R0), lower for "
            "debulking"), description="fraction of the site's cancer cells removed")] + self.params

    def build(self, m: Model, s) -> None:  # resection removes cells; no kill process
        return None

    def events(self, m: Model, site: str, day: float, fraction: float | None = None) -> list[Event]:
        f = self.param("fraction").value if fraction is None else fraction
        C = f"C_{site}"
        if C not in m.species_:
            raise ValueError(f"{self.id}: model {m.name!r} has no lesion species {C!r}")
        return [scale_value(day, C, 1 - f, f"{self.id} {site}")]


@dataclass
class TaceI125(LocalTherapy):
    def __post_init__(self) -> None:
        self.params = [
            P("tace_kill", 0.6, "dimensionless", 0.3, 0.9, assumed(
                "chemo-embolisation necroses about half to most of a treated lesion"), description="TACE kill fraction"),
            P("i125_dose", 120.0, "Gy", 80.0, 160.0, assumed(
                "prescribed matched peripheral dose of permanent I-125 seed implants is typically 100-160 Gy"),
              description="total I-125 dose delivered to the lesion"),
            P("alpha", 0.3, "1/Gy", 0.05, 0.6, ALPHA, description="linear radiosensitivity (low dose rate: no beta term)"),
            P("half_life", I125_HALF_LIFE_DAYS, "day", I125_HALF_LIFE_DAYS, I125_HALF_LIFE_DAYS,
              cite("iodine-125 physical half-life 59.4 days (NNDC nuclear data)"), description="I-125 half-life"),
        ] + self.params

    def events(self, m: Model, site: str, day: float, weeks: int = 26) -> list[Event]:
        out = self.kill_events(m, site, day, 1 - self.param("tace_kill").value, f"{self.id} TACE {site}")
        lam = math.log(2) / self.param("half_life").value
        total = self.param("i125_dose").value
        alpha = self.param("alpha").value
        for w in range(weeks):
            t0, t1 = 7 * w, 7 * (w + 1)
            dose_w = total * (math.exp(-lam * t0) - math.exp(-lam * t1))  # dose delivered in the week
            out += self.kill_events(m, site, day + t1, math.exp(-alpha * dose_w), f"{self.id} I-125 week {w + 1}")
        return out


LOCAL: list[LocalTherapy] = [
    Radiotherapy(id="sbrt", name="stereotactic body radiotherapy", kind="local",
                 description="high dose per fraction to a lesion (e.g. 3 x 15 Gy)", ab_value=12.8, ab_source=AB_SBRT,
                 evidence=("s000_25_11", "s000_25_20", "s001_43_09"), dose_units=("Gy",), routes=("external beam",)),
    Radiotherapy(id="conventional_rt", name="conventional fractionated radiotherapy", kind="local",
                 description="2-3 Gy per fraction (e.g. 10 x 3 Gy palliative)",
                 evidence=("s000_25_09", "s001_43_09", "s000_25_13"), dose_units=("Gy",), routes=("external beam",)),
    Ablation(id="rfa", name="radiofrequency ablation", kind="local", description="thermal ablation of a lesion",
             evidence=("s000_25_03", "s000_25_05"), dose_units=("session",), routes=("percutaneous",)),
    Resection(id="resection", name="liver resection / cytoreductive surgery", kind="local",
              description="surgical removal of liver metastases; systemic T-cell function recovers through the "
                          "biology model once the liver antigen load is gone",
              evidence=("s000_25_01", "s000_25_02"), dose_units=("session",), routes=("surgery",)),
    TaceI125(id="tace_i125", name="TACE with iodine-125 seed brachytherapy", kind="local",
             description="chemo-embolisation plus permanent low-dose-rate I-125 seeds",
             evidence=("s000_25_18", "s000_25_19"), dose_units=("session",), routes=("intra-arterial",)),
]
