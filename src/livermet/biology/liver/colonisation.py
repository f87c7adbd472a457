"""Dissemination and the five phases of liver colonisation (seed 001 section 1).

Cancer cells shed from every lesion (EMT driven by TGF-beta/SMAD, IL-6, CBX4/BMI-1) reach each organ
in proportion to an organ propensity. In the liver they meet (1) a pre-metastatic niche prepared by
tumour extracellular vesicles and Kupffer-cell MMP9 (lowered by ANGPTL1 through JAK2-STAT3), (2) the
microvascular phase in which Kupffer cells, NK cells and LSEC kill arrested cells and survivors
extravasate into the space of Disse, (3) the pre-angiogenic phase (stellate cells activated by
Kupffer-cell TGF-beta build an ECM scaffold), (4) the angiogenic switch (VEGF from cancer cells and
Kupffer cells) after which (5) a vascularised lesion grows (lesions.py). `M_<site>` counts dormant
micrometastases (one seeding cell each); at the angiogenic switch one of them becomes one lesion
(`L_<site>` + 1) of `c_colony` cells, the avascular growth before the switch being folded into it.
"""

from __future__ import annotations

import sympy as sp

from ...modeling import Model, assumed, cite, lognormal, normal
from .common import KOOP, LUZZI, MET_SITES, SITES, P, S, clip01, hill

EV = {
    "shedding": ["s000_12_10", "s001_21_07", "s001_21_02", "s001_21_04", "s001_21_05", "s001_21_06", "s001_21_09",
                 "s001_21_11", "s001_21_13", "s001_0_06", "s000_12_11", "s000_12_02", "s001_32_25", "s000_12_06",
                 "s001_32_26", "s001_32_27", "s001_32_24", "s001_31_25", "s001_31_27", "s001_21_01", "s001_31_16", "s001_32_04",
                 "s001_33_13"],
    "arrival_liver": ["s001_1_25", "s001_1_21", "s001_1_22", "s001_1_23", "s001_1_24", "s000_12_20", "s001_1_20",
                      "s001_22_12", "s001_22_04", "s001_33_07", "s000_13_31", "s000_12_07", "s000_13_28", "s001_0_07",
                      "s001_22_20", "s001_22_01", "s001_22_02", "s001_22_09", "s001_22_10", "s001_22_13", "s001_22_14",
                      "s000_12_22", "s000_0_04", "s000_1_01", "s000_12_01", "s001_31_25", "s001_32_24", "s001_22_03",
                      "s001_22_11"],
    "arrival_other": ["s001_0_03", "s000_0_02", "s001_31_26"],
    "micromet": ["s001_1_09", "s001_1_21"],
    "switch_liver": ["s001_1_10", "s001_1_11", "s001_1_29", "s001_1_30", "s001_1_31", "s001_1_32", "s001_1_33",
                     "s001_33_05", "s001_33_06", "s001_33_08", "s000_112_22", "s001_33_14", "s001_31_17", "s001_33_01",
                     "s001_33_02", "s001_33_03", "s001_33_04", "s001_0_10", "s001_21_08"],
    "switch_other": ["s001_1_34", "s001_1_11"],
    "niche": ["s001_1_08", "s001_1_13", "s001_1_14", "s001_1_15", "s001_1_16", "s001_1_17", "s001_1_19",
              "s000_13_20", "s000_13_21", "s000_13_26", "s000_13_25", "s000_13_27", "s000_13_29", "s000_13_30",
              "s001_22_05", "s001_22_06", "s001_32_16", "s001_32_12", "s001_1_12", "s000_13_23", "s000_13_24",
              "s000_12_08", "s000_12_09"],
}

PROPENSITY = {  # fraction of shed cells lodging in each organ
    "liver": (0.08, "arterial share of liver blood flow (about 6-8% of cardiac output) and the 33-40% of NSCLC "
                    "distant metastases that reach the liver (s001_0_02); the liver-metastasis propensity of a "
                    "patient (range 0.005-0.5)"),
    "bone": (0.08, "bone-marrow share of cardiac output (about 5%) and bone as the commonest single metastatic organ "
                   "(22%, s000_0_02); 0.005-0.5"),
    "brain": (0.05, "brain share of cardiac output is about 15% but the blood-brain barrier lowers seeding; brain "
                    "metastasis in about 15% (s000_0_02); 0.005-0.5"),
    "adrenal": (0.03, "adrenal glands receive well under 1% of cardiac output but are a frequent NSCLC site (adrenal "
                      "and other); 0.002-0.3"),
}


def colonisation_module(m: Model) -> None:
    p = P(m)
    with m.module("colonisation", "dissemination and the five phases of liver colonisation"):
        one = S("one_cell")
        kshed = p("k_shed", 3e-8, "1/day", 1e-9, 1e-5, assumed(
            "cancer cells entering the circulation, per cancer cell per day, that are competent to seed (CTC counts of "
            "1-100 per 7.5 mL with a half-life of hours imply up to about 1e-6 per cell per day, most of them dying "
            "in transit); 3e-8 makes a 1 cm primary carry occult metastases in a minority of patients (stage I "
            "resections are mostly cured) and gives a first liver lesion 2-3 years later; 1e-9 to 1e-5"), lognormal(1.0))
        wil6 = p("w_il6_invasion", 1.0, "dimensionless", 0.0, 5.0, assumed(
            "maximal relative increase of invasion (dissemination) by IL-6 from FAP+ CAFs and TAMs; 0-5"))
        wtgf = p("w_tgf_emt", 1.0, "dimensionless", 0.0, 5.0, assumed(
            "maximal relative increase of dissemination by TGF-beta/SMAD-driven EMT; 0-5"))
        wstem = p("w_caf_stemness", 0.5, "dimensionless", 0.0, 3.0, assumed(
            "maximal relative increase of metastatic competence by CAF-enhanced stemness; 0-3"))
        whi = p("w_hgf_invasion", 0.5, "dimensionless", 0.0, 3.0, assumed(
            "relative increase of invasion and migration of liver-lesion cells by hepatocyte HGF at typical "
            "HGF activity; 0-3"))
        inv = m.expression(
            "invasion", S("psmd14_smad3") * S("rreb1_priming") * S("cbx4_bmi1") * sp.sqrt(S("fgf9_fgfr1"))
            * (1 + wil6 * S("H_IL6_primary")) * (1 + wtgf * S("H_TGFb_emt")) * (1 + wstem * S("H_CAF_primary")),
            "dimensionless",
            "invasiveness of cancer cells (EMT): TGF-beta/SMAD, IL-6, CBX4/BMI-1, FGF9/FGFR1, CAF-driven stemness")
        m.expression("H_TGFb_emt", hill(S("tgfb_primary") * (1 - clip01(S("tgfbr_inhibition"))), S("TGFb_50")),
                     "dimensionless", "TGF-beta/SMAD signalling in cancer cells of the primary")
        p("TGFb_50", 0.07, "nM", 0.02, 0.3, cite("Robertson-Tessi et al. 2012 J Theor Biol, via QSPIO-TNBC"))
        hgf_inv = (1 + whi * S("alahm_hgf")) / (1 + whi)  # 1 at typical HGF activity
        shed = m.expression("ctc_release", kshed * inv * sum(S(f"C_{s}") * (hgf_inv if s == "liver" else 1)
                                                             for s in SITES), "cell/day",
                            "cancer cells entering the circulation per day")
        # microvascular phase in the liver
        aKC = p("a_kc_kill", 0.3, "dimensionless", 0.1, 5.0, assumed(
            "Kupffer-cell killing of arrested cells relative to survival (odds); most arrested cells die in the "
            "sinusoids (Luzzi 1998: about 2% form micrometastases); 0.1-5"))
        aNK = p("a_nk_kill", 1.0, "dimensionless", 0.1, 5.0, assumed("NK-cell killing of arrested cells (odds); 0.1-5"))
        aLS = p("a_lsec_kill", 0.5, "dimensionless", 0.0, 3.0, assumed("LSEC killing of arrested cells (odds); 0-3"))
        nk = p("nk_activity", 1.0, "dimensionless", 0.2, 5.0, assumed(
            "hepatic NK-cell activity relative to typical; patients differ; 0.2-5"), lognormal(0.4))
        hlag = p("hla_g", 0.2, "dimensionless", 0.0, 0.95, assumed(
            "fraction of NK killing inhibited by HLA-G on cancer cells (resistance rises with HLA-G, s000_12_20); 0-0.95"),
            normal(0.15))
        e0 = p("e_extravasation", 0.2, "dimensionless", 0.01, 0.9, cite(
            KOOP, note="most arrested cells that survive extravasate; 0.2 of survivors enter a growth-competent state "
            "(Luzzi 1998: 2% micrometastases) is assumed"))
        wn = p("w_niche", 3.0, "dimensionless", 0.0, 10.0, assumed(
            "maximal relative increase of liver extravasation/seeding by a fully formed pre-metastatic niche; 0-10"))
        wg = p("w_grp78", 0.5, "dimensionless", 0.0, 3.0, assumed("relative increase of liver colonisation by GRP78; 0-3"))
        surv = m.expression(
            "survival_sinusoid", 1 / (1 + aKC * S("KC_rel") + aNK * nk * (1 - hlag) + aLS * (1 - clip01(S("lsec_targeting")))),
            "dimensionless", "fraction of arrested cells surviving Kupffer, NK and LSEC killing")
        extr = m.expression(
            "extravasation_liver", e0 * (1 + wn * S("niche")) * S("integrin_b1") * S("rap1_barrier")
            * (1 + wg * S("grp78_level") * (1 - clip01(S("grp78_blockade")))) / (1 + wg)
            * (1 + S("w_il6_colonisation") * S("H_IL6_liver")), "dimensionless",
            "fraction of surviving cells that extravasate into the space of Disse and persist")
        p("w_il6_colonisation", 0.5, "dimensionless", 0.0, 3.0, assumed(
            "relative increase of liver colonisation by the IL-6/CRP hepatocyte axis; 0-3"))
        # pre-angiogenic / angiogenic phase
        kdorm = p("k_micro_death", 0.01, "1/day", 0.001, 0.1, cite(
            LUZZI, note="most disseminated cells die or stay dormant; about 1 in 100 micrometastases progresses; rate assumed"))
        ksw = p("k_switch", 1e-4, "1/day", 1e-6, 1e-2, assumed(
            "angiogenic switch rate of a dormant micrometastasis at full stromal and VEGF support: against a loss "
            "of 0.01/day it lets about 1-3% of micrometastases progress (Luzzi 1998: 0.02% of cells form "
            "macrometastases vs 2% micrometastases); 1e-6-1e-2"), lognormal(0.5))
        ccol = p("c_colony", 2e5, "cell", 2e4, 2e6, assumed(
            "cells in a micrometastasis at its angiogenic switch (about 1 mm, the diffusion limit of avascular growth); 2e4-2e6"))
        hsc50 = p("HSC_50", 0.3, "dimensionless", 0.05, 0.9, assumed("activated-stellate fraction of half-maximal support; 0.05-0.9"))
        v_micro = p("vegf_micro_50", 1.0, "dimensionless", 0.1, 10.0, assumed(
            "relative VEGF supply (cancer cells = 1, plus activated Kupffer cells) of half-maximal angiogenic switch"))
        wkv = p("w_kc_vegf", 1.0, "dimensionless", 0.0, 5.0, assumed("VEGF from activated Kupffer cells relative to cancer cells; 0-5"))
        vblock = 1 - clip01(S("vegf_blockade"))
        for site in MET_SITES:
            prop, why = PROPENSITY[site]
            f = p(f"f_seed_{site}", prop, "dimensionless", 0.002 if site == "adrenal" else 0.005, 0.5, assumed(why),
                  lognormal(0.8), f"fraction of circulating cancer cells lodging in the {site}")
            Mm = m.species(f"M_{site}", "cell", site, 0.0, f"dormant micrometastases (seeding cells), {site}")
            C, K, L = S(f"C_{site}"), S(f"K_{site}"), S(f"L_{site}")
            if site == "liver":
                seeding = shed * f * surv * extr
                supply = (1 + wkv * S("KC_rel")) * vblock
                phase = hill(S("HSC_act"), hsc50) * hill(supply, v_micro) * S("plexinb2_klf4") * S("hif1_pathway")
                ev_a, ev_s = EV["arrival_liver"], EV["switch_liver"]
            else:
                so = p(f"survival_{site}", 0.2, "dimensionless", 0.01, 0.9, assumed(
                    f"fraction of cells arrested in the {site} that survive and persist (Luzzi 1998 order of magnitude "
                    "for the liver applied elsewhere); 0.01-0.9"))
                seeding = shed * f * so
                phase = hill(vblock, v_micro) * S(f"niche_{site}")
                p(f"niche_{site}", 0.5, "dimensionless", 0.05, 2.0, assumed(
                    f"stromal support of the angiogenic switch in the {site} relative to a fully activated liver "
                    "stroma; 0.05-2"))
                ev_a, ev_s = EV["arrival_other"], EV["switch_other"]
            m.process(f"seeding_{site}", seeding, {Mm: 1}, EV["shedding"] + ev_a,
                      "shed cancer cells that reach the organ, survive and settle")
            m.process(f"micromet_death_{site}", kdorm * Mm, {Mm: -1}, EV["micromet"])
            # share of the site's cancer cells in its largest lesion (scale-free: unchanged when growth, kill or
            # local therapy scale all lesions alike); a new lesion of c_colony cells dilutes it, or becomes the
            # largest when the site was empty
            w = m.species(f"w_{site}", "dimensionless", site, 1 / sp.Max(S(f"L0_{site}"), 1),
                          f"fraction of cancer cells at the {site} in its largest lesion")
            found = ksw * phase * Mm * ccol / one
            m.process(f"largest_lesion_new_{site}", found / (C + one) * ccol / (C + ccol), {w: 1}, ev_s,
                      "a new lesion becomes the largest when the site holds fewer cells than it")
            m.process(f"largest_lesion_dilution_{site}", found / (C + one) * w, {w: -1}, ev_s,
                      "new lesions dilute the share of the largest lesion")
            m.process(f"angiogenic_switch_{site}", ksw * phase * Mm,
                      {Mm: -1, C: ccol / one, K: S("r_K0") * ccol / one, L: 1 / one}, ev_s,
                      "a dormant micrometastasis is vascularised and becomes a lesion of c_colony cells (its avascular "
                      "growth is folded into the switch)")
            # a new lesion that is not the site's largest stays below detection until it has grown (see
            # lesion_detection_module); the largest is followed by its own cells
            m.process(f"occult_new_{site}", ksw * phase * Mm * C / (C + ccol), {S(f"Ls_{site}"): 1 / one}, ev_s,
                      "a new lesion at a site that already holds larger lesions starts below detection")
        # pre-metastatic niche in the liver
        ev_sig = m.expression("ev_signal", hill(sum(S(f"C_{s}") for s in SITES), S("C50_ev")) * S("integrin_ev"),
                              "dimensionless", "tumour extracellular vesicles and soluble factors reaching the liver")
        p("C50_ev", 1e9, "cell", 1e7, 1e11, assumed("tumour burden of half-maximal vesicle signal (about 1.4 cm3); 1e7-1e11"))
        niche = m.species("niche", "dimensionless", "liver", 0.0, "pre-metastatic niche formation in the liver (0-1)")
        kn = p("k_niche", 0.05, "1/day", 0.005, 0.5, assumed("niche formation rate at full vesicle signal; 0.005-0.5"))
        kno = p("k_niche_decay", 0.02, "1/day", 0.002, 0.2, assumed("niche resolution rate; 0.002-0.2"))
        wm = p("w_mmp9", 1.0, "dimensionless", 0.0, 5.0, assumed(
            "contribution of Kupffer-cell MMP9 (vascular leakage) to niche formation relative to vesicles; 0-5"))
        m.process("niche_formation", kn * ev_sig * (1 + wm * S("mmp9_liver")) / (1 + wm) * (1 - niche), {niche: 1}, EV["niche"])
        m.process("niche_decay", kno * niche, {niche: -1}, EV["niche"])


def lesion_detection_module(m: Model) -> None:
    """Lesions below detection (`Ls_<site>`) become detectable as they grow. A new lesion of c_colony
    cells (about 1 mm) must grow some 1,000-fold in volume to reach 10 mm; it is taken to grow at the
    net per-cell rate of its site (growth minus every kill), so it matures at rate
    max(r, 0) / ln(V_detect / V_colony): one stage, an exponential delay with that mean. Without it a
    new lesion at a site holding larger lesions counted as detectable at once. Build this module after
    every process that changes the cancer cells (it sums them); kills added later by the therapy
    layer (local therapies' kill processes) are not in r."""
    p = P(m)
    with m.module("lesion_detection", "growth of lesions below detection into detectable (new) lesions"):
        p("n_occult", 2.0, "dimensionless", 0.05, 20.0, assumed(
            "lesions below CT detection (under 10 mm) per metastatic site at the start, beside the visible ones "
            "(sub-centimetre liver lesions missed by CT are common at staging; no NSCLC count was found); "
            "range 0.05-20"), lognormal(0.8), "occult lesions per involved metastatic site at the start")
        p("occult_organ_rate", 0.3, "dimensionless", 0.0, 3.0, assumed(
            "expected occult lesions at the start in an organ without visible metastasis, at the typical liver seeding "
            "propensity (f_seed 0.08; other organs and patients in proportion to their own f_seed). Autopsy and "
            "follow-up series find metastases in organs that staging CT called clear, and new lesions in "
            "uninvolved organs are a common way for NSCLC to progress on treatment; no per-organ count was found, so "
            "it is left to calibration; range 0-3. Read by the population layer (livermet.trial.models."
            "baseline_lesions), which places one lesion below detection in such an organ with probability "
            "1 - exp(-rate f_seed / 0.08)"),
            desc="occult lesions per organ without visible metastasis at the start (population layer)")
        one = S("one_cell")
        d_colony = (6 * S("c_colony") * S("vol_cell") / sp.pi) ** sp.Rational(1, 3)
        span = m.expression("log_growth_to_detection", 3 * sp.log(S("d_detect") / d_colony), "dimensionless",
                            "log volume growth from a new lesion (c_colony cells) to a 10 mm lesion")
        for site in MET_SITES:
            C = S(f"C_{site}")
            change = sum((pr.rate * pr.stoichiometry[f"C_{site}"] for pr in m.processes_.values()
                          if f"C_{site}" in pr.stoichiometry and not pr.name.startswith("angiogenic_switch_")),
                         sp.Integer(0))
            r = m.expression(f"net_growth_{site}", change / (C + one), "1/day",
                             f"net per-cell growth rate of the cancer cells at the {site}", jacobian_constant=True)
            Ls = m.species(f"Ls_{site}", "dimensionless", site, S("n_occult") * sp.Min(S(f"L0_{site}"), 1),
                           f"lesions below detection beside the largest one, {site}")
            m.process(f"lesion_detection_{site}", sp.Max(r, 0) / span * Ls, {Ls: -1}, EV["switch_liver"]
                      if site == "liver" else EV["switch_other"], "a lesion below detection grows to 10 mm")
