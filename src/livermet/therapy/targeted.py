"""Targeted and experimental agents named in the reviews.

Published PK is used where it exists (osimertinib label, galunisertib DDMORE model, mAb consensus
values for antibodies without a PopPK); everything else is `assumed`, with the reason and a range.
The reviews give these agents only qualitative effects, so the effect sizes are assumptions to be
calibrated or explored in sensitivity analyses.
"""

from __future__ import annotations

from ..modeling import assumed, cite, lognormal
from .antibodies import DAVDA, QSPIO_GAMMA_T, Antibody, PDTarget
from .simple import Effect, SimpleDrug

OSI = cite("osimertinib prescribing information (Tagrisso): CL/F 14.3 L/h, Vss/F 918 L, half-life about 48 h")
FLAURA = cite("Soria et al. 2018 N Engl J Med 378:113 (FLAURA): median PFS 18.9 months on osimertinib",
              "10.1056/NEJMoa1713137", note="effect half-loss time put at the median PFS: k = ln 2 / 575 days")
LESTINI = cite("Lestini et al. 2015 (DDMORE DDMODEL00000192, galunisertib-like TGF-beta RI inhibitor): ka 1.97 /h, "
               "CL/F 9.91 L/h, V/F 95.1 L, kout 0.269 /h, C50 0.307 mg/L; shared/reference/models-and-parameters.md "
               "2.7", note="a refit to simulated data: plausible, not clinical truth; absorption omitted (daily "
               "input)")
ANLO = cite("Sun et al. 2016 J Hematol Oncol 9:105 (anlotinib phase I): long half-life of about 4 days at 12 mg/day",
            note="V/F 2000 L assumed; CL/F = V/F ln2 / t1/2")
MAB_CONSENSUS = cite("Davda et al. 2014 mAbs 6:1094 consensus IgG PK (CL 0.200 L/day, Vc 3.61 L, Q 0.747 L/day, "
                     "Vp 2.75 L)", "10.4161/mabs.29095", note="no published PopPK for this antibody")


def _assumed_effect(what: str) -> object:
    return assumed(f"no published concentration-effect relation for {what}; EC50 placed near the expected "
                   "steady-state exposure so that the standard dose gives a 50-90% effect; explore in sensitivity")


TARGETED: list = [
    SimpleDrug(
        id="anlotinib", name="anlotinib (oral multi-kinase VEGFR/FGFR/PDGFR inhibitor)", kind="targeted",
        description="anti-angiogenic TKI, 12 mg once daily on days 1-14 of 21-day cycles",
        evidence=("s001_43_06", "s001_42_01", "s001_43_03"), routes=("oral",), continuous=True, pk_source=ANLO,
        cl=2000 * 0.693 / 4, v=2000,
        effects=[Effect("vegf_blockade", 0.9, "dimensionless", 0.01, _assumed_effect("anlotinib VEGFR2 blockade"),
                        "VEGFR signalling inhibited", ("s001_43_06", "s001_5_03"))]),
    SimpleDrug(
        id="osimertinib", name="osimertinib (third-generation EGFR-TKI)", kind="targeted",
        description="kills EGFR-mutant sensitive cells; effect lost to acquired resistance over time",
        evidence=("s001_42_01", "s001_42_03"), routes=("oral",), continuous=True, pk_source=OSI,
        cl=14.3 * 24, v=918.0, resistance=(0.693 / (18.9 * 30.4375), FLAURA),
        effects=[Effect("targeted_kill_rate", 0.1, "1/day", 0.02, _assumed_effect("osimertinib kill"),
                        "kill of EGFR-mutant sensitive cells, waning with acquired resistance",
                        ("s001_42_01", "s001_42_03"))]),
    SimpleDrug(
        id="galunisertib", name="galunisertib (LY2157299, TGF-beta receptor I kinase inhibitor)", kind="targeted",
        description="150 mg twice daily, 14 days on / 14 days off", evidence=("s001_21_15", "s001_21_17", "s001_21_16"),
        routes=("oral",), continuous=True, pk_source=LESTINI, cl=9.91 * 24, v=95.1,
        turnover=(0.269 * 24, LESTINI),
        effects=[Effect("tgfbr_inhibition", 1.0, "dimensionless", 0.307, LESTINI,
                        "TGF-beta RI signalling inhibited (indirect response)", ("s001_21_15", "s001_21_17"))]),
    SimpleDrug(
        id="ccr2_inhibitor", name="CCR2 inhibitor (small molecule, e.g. PF-04136309)", kind="targeted",
        description="blocks CCR2-dependent monocyte recruitment to the liver",
        evidence=("s000_112_21", "s000_112_20"), routes=("oral",), continuous=True,
        pk_source=assumed("no PopPK in NSCLC; one compartment with CL/F 500 L/day and V/F 200 L (half-life about "
                          "7 h), typical of oral small molecules given twice daily"), cl=500.0, v=200.0,
        effects=[Effect("ccr2_blockade", 0.9, "dimensionless", 0.5, _assumed_effect("CCR2 blockade"),
                        "CCR2-dependent monocyte recruitment blocked", ("s000_112_21",))]),
    SimpleDrug(
        id="sigvatatug_vedotin", name="sigvatatug vedotin (SGN-B6A, integrin beta6 ADC)", kind="targeted",
        description="integrin beta6-directed antibody-drug conjugate (MMAE payload)",
        evidence=("s001_22_18", "s001_22_19"), pk_source=assumed(
            "no published PopPK; vedotin ADCs clear faster than naked IgG (ADC half-life about 4-6 days); "
            "CL 0.6 L/day and V 4 L give 4.6 days"), cl=0.6, v=4.0,
        effects=[Effect("adc_kill_rate", 0.2, "1/day", 5.0, _assumed_effect("the integrin beta6 ADC"),
                        "ADC kill of integrin beta6-expressing cancer cells", ("s001_22_18", "s001_22_19"))]),
    Antibody(
        id="hb0025", name="HB0025 (PD-L1 x VEGF bispecific antibody)", kind="targeted",
        description="blocks PD-L1 and neutralises VEGF", evidence=("s000_24_11", "s000_24_12", "s000_24_13"),
        pk_source=MAB_CONSENSUS, cl=0.200, vc=3.61, q=0.747, vp=2.75,
        targets=[PDTarget("pdl1_blockade", 0.6, (0.06, 6.0), _assumed_effect("HB0025 on PD-L1"),
                          "PD-L1 blocked", ("s000_24_11",)),
                 PDTarget("vegf_blockade", 5.0, (0.5, 50.0), _assumed_effect("HB0025 on VEGF"),
                          "VEGF neutralised", ("s000_24_12", "s000_24_13"))]),
    Antibody(
        id="anti_il6", name="anti-IL-6 antibody", kind="experimental",
        description="neutralises IL-6 (hepatocyte IL-6/CRP axis, macrophage IL-6)",
        evidence=("s001_31_26", "s000_12_07"), pk_source=MAB_CONSENSUS, cl=0.200, vc=3.61, q=0.747, vp=2.75,
        targets=[PDTarget("il6_blockade", 2.0, (0.2, 20.0), _assumed_effect("IL-6 neutralisation"),
                          "IL-6 signalling blocked", ("s001_31_26", "s000_12_07"))]),
    Antibody(
        id="anti_grp78", name="anti-GRP78 antibody", kind="experimental",
        description="blocks cell-surface GRP78", evidence=("s000_13_31", "s000_13_33"),
        pk_source=MAB_CONSENSUS, cl=0.200, vc=3.61, q=0.747, vp=2.75,
        targets=[PDTarget("grp78_blockade", 2.0, (0.2, 20.0), _assumed_effect("GRP78 blockade"),
                          "GRP78 blocked", ("s000_13_31", "s000_13_32"))]),
]

_PRECLIN = ("preclinical tool: human dosing does not exist; doses are human-equivalent amounts for what-if "
            "simulations only")

EXPERIMENTAL: list = [
    SimpleDrug(
        id="fap_car_t", name="FAP-directed CAR-T cells", kind="experimental",
        description="CAR-T cells that deplete FAP+ cancer-associated fibroblasts; persistence only (no "
                    "expansion phase)", evidence=("s001_32_29", "s001_32_30"), dose_units=("cell",),
        amount_unit="cell", conc_unit="cell/L", pk_source=assumed(
            "CAR-T cellular kinetics are not published for FAP CAR-T; blood volume 5 L and a contraction rate of "
            "0.1 /day (half-life about 1 week), within the range of CD19 CAR-T contraction phases"),
        cl=0.5, v=5.0, iiv_cl=0.5,
        effects=[Effect("fap_depletion_rate", 0.5, "1/day", 1e6, _assumed_effect("FAP CAR-T"),
                        "FAP+ fibroblast depletion", ("s001_32_29",))]),
    SimpleDrug(
        id="clodronate_liposomes", name="clodronate liposomes", kind="experimental",
        description="deplete Kupffer cells; " + _PRECLIN, evidence=("s000_112_15", "s000_112_16"),
        pk_source=assumed("liposomes are taken up by liver macrophages within about a day; one compartment with "
                          "half-life 1 day (CL 3.5 L/day, V 5 L)"), cl=3.5, v=5.0,
        effects=[Effect("kupffer_depletion_rate", 2.0, "1/day", 1.0, assumed(
            "Kupffer cells are largely gone 1-2 days after clodronate liposomes in mice (van Rooijen method): "
            "maximal depletion rate 2 /day; EC50 1 mg/L"), "Kupffer-cell depletion", ("s000_112_15",))]),
    SimpleDrug(
        id="melittin_nanoparticles", name="LSEC-targeting melittin nanoparticles (RKR)", kind="experimental",
        description="disable LSEC pro-metastatic function; " + _PRECLIN,
        evidence=("s000_111_17", "s000_111_18"), pk_source=assumed(
            "nanoparticles cleared by the liver within hours to a day; half-life 0.5 day (CL 7 L/day, V 5 L)"),
        cl=7.0, v=5.0,
        effects=[Effect("lsec_targeting", 0.8, "dimensionless", 1.0, _assumed_effect("melittin nanoparticles"),
                        "fraction of LSEC function disabled", ("s000_111_17", "s000_111_18"))]),
    SimpleDrug(
        id="exosomal_angptl1", name="exosomal ANGPTL1", kind="experimental",
        description="ANGPTL1-loaded exosomes reprogramming Kupffer cells; " + _PRECLIN,
        evidence=("s000_13_25", "s000_13_29", "s000_13_30"), pk_source=assumed(
            "exosomes are cleared by liver and spleen macrophages within hours; half-life 0.5 day"),
        cl=7.0, v=5.0,
        effects=[Effect("angptl1_supplement", 1.0, "dimensionless", 1.0, _assumed_effect("exosomal ANGPTL1"),
                        "relative increase of ANGPTL1", ("s000_13_27", "s000_13_29"), (0.0, 5.0))]),
]

__all__ = ["EXPERIMENTAL", "TARGETED", "DAVDA", "QSPIO_GAMMA_T", "lognormal"]
