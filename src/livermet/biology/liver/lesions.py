"""Lesions and tumour growth: cancer cells, dead cells and the vascular carrying capacity of the
primary lesion and of each metastatic site (lumped lesions per site with a lesion count).

Growth is Gompertzian towards a dynamic vascular capacity K (Hahnfeldt 1999 as used in QSPIO-TNBC,
re-implemented from the equations in shared/reference/models-and-parameters.md section 2.2):
  dC/dt = k_g C log((K + 1 cell)/(C + 1 cell)) - kills,
  dK/dt = k_K_g C H_VEGF - k_K_d K (C v_cell)^(2/3).
The 1-cell constant keeps every rate finite at zero cells (as QSP-IO does).
"""

from __future__ import annotations

import sympy as sp

from ...modeling import Model, assumed, cite, logitnormal, lognormal, normal
from .common import (HAHNFELDT, MET_SITES, QSPIO, ROBERTSON_TESSI, SITES, P, S, clip01, hill)

EV = {
    "growth": ["s001_1_35", "s001_1_11", "s001_1_56"],
    "liver_growth": ["s001_1_11", "s001_33_12", "s001_31_15", "s001_31_09", "s000_12_05", "s001_0_04", "s001_33_09",
                     "s001_33_10", "s001_33_11", "s001_31_11", "s001_31_12", "s001_31_13", "s001_31_14", "s001_31_10",
                     "s001_32_31", "s001_32_24", "s001_31_25", "s000_112_12", "s001_31_04"],
    "capacity": ["s001_1_34", "s001_1_32", "s000_112_13", "s000_24_01", "s000_24_03"],
    "capacity_liver": ["s001_1_33", "s000_112_11", "s000_112_17", "s001_32_02", "s000_24_09"],
    "death": ["s001_1_56"],
    "chemo": ["s000_23_07", "s001_5_01"],
    "targeted": ["s001_42_01"],
    "targeted_liver": ["s001_33_10", "s001_33_11", "s001_33_12"],
    "adc": ["s001_22_18", "s001_22_15"],
    "clear": ["s000_25_04"],
}


def lesions_module(m: Model) -> None:
    p = P(m)
    with m.module("lesions", "primary and metastatic lesions: Gompertz growth to a VEGF-driven vascular capacity"):
        one = p("one_cell", 1.0, "cell", 1.0, 1.0, assumed(
            "unit constant (exactly one cell) that keeps rates finite at zero cells, as in QSP-IO"))
        one_mm3 = p("one_mm3", 1.0, "mm**3", 1.0, 1.0, assumed("unit constant (1 mm3) making volumes dimensionless"))
        vol = p("vol_cell", 2.57e-6, "mm**3/cell", 1.5e-6, 6e-6, cite(
            QSPIO, note="cancer-cell diameter 16.9 um (Jafarnejad 2019); 2.57e-6 mm3 as in the QSPIO-TNBC vascular module"),
            desc="volume of one cancer cell")
        p("mL_per_mm3", 1e-3, "mL/mm**3", 1e-3, 1e-3, assumed("unit conversion (exact)"))
        p("L_per_mm3", 1e-6, "L/mm**3", 1e-6, 1e-6, assumed("unit conversion (exact)"))
        p("V_min", 1e-3, "mm**3", 1e-4, 1e-2, cite(QSPIO, note="V_Tmin 1e-6 mL"), desc="minimal lesion volume")
        kg = p("k_C_growth", 0.0018, "1/day", 3e-4, 0.02, assumed(
            "Gompertz rate: chosen so that the untreated primary doubles its volume in about 80-250 days between "
            "1 and 4 cm, as reported for NSCLC (Usuda 1994, the source QSPIO-TNBC cites; QSPIO's 0.007 pairs with a "
            "stronger immune kill); range 3e-4-0.02. Between-patient SD of its log 0.93: the variability of the "
            "Stein tumour growth rate in 786 NSCLC patients (Struemper 2025, omega^2 0.87; Ribba 2022 OAK, omega "
            "1.03), taken for the Gompertz rate that sets it"), lognormal(0.93), "cancer-cell Gompertz growth rate")
        kd = p("k_C_death", 1e-4, "1/day", 1e-5, 1e-3, cite(QSPIO, note="Palsson 2013"), None, "cancer-cell natural death")
        kKg = p("k_K_g", 4.43, "1/day", 1.0, 10.0, cite(HAHNFELDT, note="Desai 2006 via QSPIO-TNBC"), None,
                "growth of vascular capacity per cancer cell at full VEGF stimulation")
        kKd = p("k_K_d", 1.9e-4, "1/day", 5e-5, 1e-3, cite(HAHNFELDT, note="Hahnfeldt 1999 via QSPIO-TNBC"), None,
                "endogenous inhibition of vascular capacity")
        rK0 = p("r_K0", 2.0, "dimensionless", 1.1, 10.0, assumed(
            "vascular capacity of a newly vascularised micrometastasis or of the initial primary, relative to its cells"))
        ksec = p("k_vas_Csec", 6e-5, "pg/cell/day", 1e-5, 3e-4, cite(QSPIO, note="Volk 2008; VEGF secretion by cancer cells"))
        kdeg = p("k_vas_deg", 16.6, "1/day", 5.0, 50.0, cite(QSPIO, note="Finley 2011; VEGF degradation"))
        c50 = p("c_vas_50", 938.0, "pg/mL", 200.0, 3000.0, cite(QSPIO, note="Desai 2006; half-maximal VEGF"))
        kclear = p("k_cell_clear", 0.1, "1/day", 0.01, 1.0, cite(QSPIO, note="estimated in QSPIO; dead-cell clearance"))
        fres = p("f_chemo_resistant", 0.4, "dimensionless", 0.0, 1.0, assumed(
            "median fraction of cancer cells in the chemo-resistant clone at treatment start (QSPIO-TNBC creates a "
            "resistant clone at 1e-4/day; a fraction set at the start is used here); left to calibration; 0-1. "
            "Between-patient spread logit-normal with sd 1.5 on the logit scale (assumed, plausible 1-2.5): primary "
            "resistance to platinum doublets ranges from nearly none to nearly all cells between patients. With a "
            "near-fixed share (sd 0.05) every first-line tumour shrank by about half and the simulated Stein shrinkage "
            "rates of the chemotherapy arms were 3-5 times the typical values of Struemper 2025 (not fitted to them)"),
            logitnormal(1.5))
        chs = p("chemo_sensitivity", 1.0, "dimensionless", 0.01, 3.0, assumed(
            "sensitivity of a patient's cancer cells to cytotoxic kill relative to the drug's Emax relation; the "
            "Emax kill parameters come from cell lines and QSP-IO (therapy layer), so the clinical population "
            "value is left to calibration; 1 = as the drug's relation says; range 0.01-3"), lognormal(0.8),
            "relative chemosensitivity of the patient's tumour (scales the chemotherapy kill hooks)")
        prior = p("prior_lines", 0.0, "dimensionless", 0.0, 10.0, assumed(
            "number of earlier lines of systemic therapy (0 first line); set per patient by the trial layer from the "
            "protocol's line of therapy"), desc="earlier lines of systemic therapy")
        gpre = p("growth_pretreated", 1.6, "dimensionless", 1.0, 3.0, assumed(
            "growth rate of a tumour that progressed on an earlier line, relative to an untreated one: second-line "
            "trials enrol tumours at progression, selected for growth under the first line. He et al. 2021 Front "
            "Oncol 10:621329 measured a median pre-treatment growth of 21.1% volume per month (0.0063/day) over the "
            "wash-out before PD-1 blockade in 80 advanced NSCLC patients, about 1.6 times the volume growth of the "
            "model's untreated tumours (Stein kg of the SEER natural-history arm 0.009/week in diameter, 0.0039/day "
            "in volume); for tumours that progressed on chemotherapy (growth_pretreated_targeted after an EGFR-TKI); "
            "left to calibration on the trials of chemotherapy-pretreated patients (T25-T27, T35); range 1-3"),
            desc="growth-rate factor of tumours after an earlier line of chemotherapy")
        gpre_tki = p("growth_pretreated_targeted", 1.6, "dimensionless", 1.0, 3.0, assumed(
            "growth rate of a tumour that progressed on an earlier targeted therapy (an EGFR-TKI), relative to an "
            "untreated one; as growth_pretreated (He et al. 2021's 1.6 as the start), kept apart because resistance "
            "to an EGFR-TKI is selected by another drug and mechanism (T790M, MET and other bypasses) than resistance "
            "to chemotherapy, and one factor for both made the chemotherapy-pretreated trials (T25-T27) and the "
            "TKI-pretreated one (T36) pull it apart (docs/calibration.md, sessions 37-38); range 1-3"),
            desc="growth-rate factor of tumours after an earlier EGFR-TKI")
        prior_chemo = p("prior_chemotherapy", 0.0, "dimensionless", 0.0, 1.0, assumed(
            "1 when the earlier line was chemotherapy, 0 otherwise (first line, or an earlier targeted therapy such as "
            "an EGFR-TKI); set per patient by the trial layer from the protocol's prior_therapy"),
            desc="an earlier line of chemotherapy")
        frp = p("f_resistant_pretreated", 0.5, "dimensionless", 0.0, 0.95, assumed(
            "share of the chemo-sensitive cells that a tumour progressing after first-line platinum chemotherapy has "
            "turned resistant (selection during first-line therapy; second-line docetaxel responds in about a tenth of "
            "patients against about a third for first-line platinum doublets); left to calibration on the "
            "second-line docetaxel arms; 0-0.95. Between-patient SD 0.2 (assumed): how much resistance the first line "
            "selected differs between patients, so that a minority of pretreated tumours stay largely sensitive, as "
            "docetaxel's responders show"), normal(0.2), desc="acquired chemo-resistance after an earlier line")
        whgf = p("w_hgf_tki", 0.5, "dimensionless", 0.0, 4.0, cite(
            "Yano et al. 2008 Cancer Res 68:9479; Yamada et al. 2010 Clin Cancer Res 16:174; Turke et al. 2010 "
            "Cancer Cell 17:77",
            note="HGF restores PI3K/Akt signalling through MET and makes EGFR-mutant cells tolerate gefitinib and "
                 "irreversible EGFR-TKIs; MET-amplified subpopulations exist before any TKI and HGF speeds their "
                 "emergence (Turke 2010). The clinical size of the effect in liver lesions is assumed and left to "
                 "calibration (range 0-4)"),
            desc="HGF-MET bypass in liver lesions: w H / (1 + w H) of their EGFR-mutant cells escape the EGFR-TKI from "
                 "the start, at hepatocyte HGF activity H")
        mutant = p("egfr_mutant", 0.0, "dimensionless", 0.0, 1.0, assumed(
            "1 for a tumour with a sensitising EGFR mutation, 0 otherwise (set per patient by the population layer)"))
        finsens = p("f_tki_insensitive", 0.01, "dimensionless", 0.001, 0.1, assumed(
            "share of an EGFR-mutant tumour's cells outside the EGFR-TKI's reach at its start: resistant subclones "
            "(T790M, MET amplification and others) pre-exist as a small minority and are selected under the TKI (Hata "
            "et al. 2016 Nat Med 22:262; Turke et al. 2010 Cancer Cell 17:77), so their starting share sets when the "
            "tumour regrows; no clinical estimate was found, so it is left to calibration on the EGFR-TKI cohort "
            "(T34); range 0.001-0.1"), desc="TKI-insensitive share of an EGFR-mutant tumour at the start")
        fegfr = mutant * (1 - finsens)
        fb6 = p("itgb6_fraction", 0.5, "dimensionless", 0.0, 1.0, assumed(
            "fraction of cancer cells expressing integrin beta6 (upregulated in NSCLC, s001_22_15); 0-1"), normal(0.2))

        v_emt = S("vegf_blockade")
        for site in SITES:
            C = m.species(f"C_{site}", "cell", site, S(f"C0_{site}"), f"living cancer cells, {site}")
            Cd = m.species(f"Cd_{site}", "cell", site, 0.0, f"dead cancer cells, {site}")
            K = m.species(f"K_{site}", "cell", site, S(f"C0_{site}") * rK0 + one, f"vascular carrying capacity, {site}")
            if site == "primary":
                p("C0_primary", 2.0e8, "cell", 1e6, 5e10, assumed(
                    "a 1 cm primary (sphere of 0.52 cm3 at 2.57e-6 mm3 per cell); trials set their own baseline"),
                    desc="initial cancer cells of the primary")
            else:
                p(f"C0_{site}", 0.0, "cell", 0.0, 5e10, assumed(
                    "no metastasis at time 0 by default; set per patient to start from a baseline with metastases"),
                    desc=f"initial cancer cells at {site}")
            V = m.expression(f"V_{site}", (C + Cd) * vol + S("V_min"), "mm**3", f"lesion volume, {site}")
            # VEGF concentration in the lesion (quasi-steady: secretion / degradation / volume)
            src = ksec * C
            if site == "liver":
                src = src + S("k_vas_Msec") * S("Mac_liver") + S("k_vas_KCsec") * S("KC_rel") * C
            vegf = m.expression(f"vegf_{site}", src / (kdeg * V * S("mL_per_mm3")), "pg/mL",
                                f"VEGF concentration, {site}")
            Hv = m.expression(f"H_vegf_{site}", hill(vegf * (1 - clip01(v_emt)), c50), "dimensionless",
                              f"VEGF signalling after blockade, {site}")
            gmod = S("growth_mod_liver") if site == "liver" else 1
            ev_g = EV["liver_growth"] if site == "liver" else EV["growth"]
            # after an earlier line, growth speeds up by the factor of that line's drug class
            g_prior = gpre * clip01(prior_chemo) + gpre_tki * (1 - clip01(prior_chemo))
            rate = kg * (1 + (g_prior - 1) * clip01(prior)) * gmod
            m.process(f"growth_{site}", rate * C * sp.log((K + one) / (C + one)), {C: 1}, ev_g,
                      "Gompertz growth towards the vascular capacity")
            m.process(f"death_{site}", kd * C, {C: -1, Cd: 1}, EV["death"])
            m.process(f"capacity_growth_{site}", kKg * C * Hv, {K: 1},
                      EV["capacity_liver"] if site == "liver" else EV["capacity"])
            m.process(f"capacity_loss_{site}", kKd * K * ((C**2 + one**2) * (vol / one_mm3) ** 2) ** sp.Rational(1, 3), {K: -1}, EV["capacity"])
            # Clonal selection: the chemo-resistant and the EGFR-TKI-sensitive shares of the living cells are
            # states. Every other process acts alike on all cells, so a share f of a clone killed k_a faster
            # than the rest changes by -k_a f (1 - f) (exact for two clones; the two traits are independent
            # and stay so under additive kill rates). Without it a fixed resistant share gave endless
            # responses; with it the resistant clone takes over and the lesion regrows on treatment.
            # A tumour that progressed on earlier chemotherapy starts with more chemo-resistant cells.
            fr = m.species(f"fres_{site}", "dimensionless", site, fres + (1 - fres) * frp * clip01(prior_chemo),
                           f"chemo-resistant share of the living cancer cells, {site}")
            # In liver lesions hepatocyte HGF activates MET, a bypass of EGFR inhibition: the cells it protects are
            # a clone outside the TKI's reach from the start. A slower kill of every sensitive cell instead delayed
            # the nadir and so lengthened the PFS of patients with liver metastases, against T34.
            fe0 = fegfr / (1 + whgf * S("alahm_hgf")) if site == "liver" else fegfr
            fe = m.species(f"fegfr_{site}", "dimensionless", site, fe0,
                           f"EGFR-TKI-sensitive share of the living cancer cells, {site}")
            k_sens = S("liver_function_delivery") * chs * S("chemo_kill_rate")
            k_res = S("liver_function_delivery") * chs * S("chemo_resistant_kill_rate")
            m.process(f"chemo_kill_{site}", (k_sens * (1 - fr) + k_res * fr) * C, {C: -1, Cd: 1}, EV["chemo"])
            m.process(f"chemo_selection_{site}", (k_sens - k_res) * fr * (1 - fr), {fr: 1}, EV["chemo"],
                      "chemotherapy kills sensitive cells faster, so the resistant clone's share rises")
            k_tki = S("targeted_kill_rate")
            ev_tki = EV["targeted"] + (EV["targeted_liver"] if site == "liver" else [])
            m.process(f"targeted_kill_{site}", k_tki * fe * C, {C: -1, Cd: 1}, ev_tki)
            m.process(f"targeted_selection_{site}", k_tki * fe * (1 - fe), {fe: -1}, ev_tki,
                      "the EGFR-TKI kills sensitive cells, so the share of insensitive cells rises")
            m.process(f"adc_kill_{site}", S("adc_kill_rate") * fb6 * C, {C: -1, Cd: 1}, EV["adc"])
            m.process(f"dead_clearance_{site}", kclear * Cd, {Cd: -1}, EV["clear"])
            if site in MET_SITES:
                m.species(f"L_{site}", "dimensionless", site,
                          S(f"L0_{site}") + S("n_occult") * sp.Min(S(f"L0_{site}"), 1),
                          f"number of vascularised lesions, visible or not, {site}")
                p(f"L0_{site}", 0.0, "dimensionless", 0.0, 50.0, assumed(
                    "no lesions at time 0 by default; set per patient with C0 for a baseline with metastases"))
