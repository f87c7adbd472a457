"""Systemic immunity: priming of tumour-specific CD8 T cells in the tumour-draining lymph node (antigen from
dead cancer cells, CD28/CTLA-4 co-stimulation, IL-2 help from CD4 T cells; QSP-IO priming re-implemented:
activation k_act H_Ag nT, expansion to 2^N effectors with N = N0 + N_costim H_CD28 + N_IL2 H_IL2), LSEC
cross-presentation of liver antigen causing tolerance, CD4 helper cells, Tregs including those induced
systemically by liver metastases (LSEC MHC-II presentation with GARP-bound TGF-beta), and the peripheral
lymphocyte pool that liver metastases and chemotherapy deplete."""

from __future__ import annotations

from ...modeling import Model, assumed, cite, lognormal
from .common import DEBOER, LEE2020, MARCHINGO, QSPIO, SITES, YU2021, P, S, clip01, hill

EV = {
    "naive": ["s000_111_02"],
    "priming": ["s000_111_02", "s000_12_16", "s000_12_17", "s000_22_02", "s001_43_09", "s000_25_05", "s000_25_06",
                "s000_25_07", "s000_25_08", "s000_25_12", "s000_25_14", "s000_25_20", "s001_43_11", "s001_43_12",
                "s001_5_02"],
    "lsec_tolerance": ["s000_111_03", "s000_111_05", "s000_111_06", "s000_11_01", "s000_11_02", "s000_13_32",
                       "s000_3_04"],
    "expansion": ["s000_111_03", "s000_25_13"],
    "te_death": ["s000_22_01"],
    "th": ["s000_111_07", "s000_112_03"],
    "treg_liver": ["s001_21_15", "s001_21_17", "s000_111_08", "s000_111_09", "s000_111_10", "s000_111_11", "s000_111_16", "s000_12_23",
                   "s000_12_25", "s000_111_15", "s000_1_02", "s000_3_04"],
    "treg": ["s000_111_12"],
    "lymph": ["s001_31_34", "s000_22_07"],
}


def systemic_module(m: Model) -> None:
    p = P(m)
    with m.module("systemic_immunity", "lymph-node priming, blood CD8/CD4/Treg pools, liver-induced systemic Tregs"):
        Qn = p("Q_nT_spec", 2900.0, "cell/day", 300.0, 3e4, cite(
            QSPIO, note="thymic CD8 output 3.5e7/day (Bains 2009) / 1.11e6 clones (Robins 2009) x 92 tumour clones "
            "(Jafarnejad 2019)"), None, "tumour-specific naive CD8 T cells from the thymus")
        knd = p("k_nT_death", 0.01, "1/day", 0.002, 0.05, cite(DEBOER, note="k_CD8_death"))
        kact = p("k_act", 23.0, "1/day", 5.0, 50.0, cite(QSPIO, note="k_nCD8_act (De Boer & Perelson 1995)"))
        ag50 = p("Ag_50", 3e8, "cell", 1e6, 1e11, assumed(
            "dead cancer cells (antigen supply to APCs) of half-maximal priming; with the QSP-IO priming constants it "
            "sets untreated immune pressure that slows but does not stop growth; 1e6-1e11"), lognormal(0.7))
        kpro = p("k_pro", 1.0, "1/day", 0.5, 2.0, cite(MARCHINGO, note="k_CD8_pro"))
        N0 = p("N0", 2.0, "dimensionless", 1.0, 4.0, cite(MARCHINGO))
        Nco = p("N_costim", 3.0, "dimensionless", 1.0, 5.0, cite(MARCHINGO))
        Nil = p("N_IL2", 7.0, "dimensionless", 1.0, 13.0, assumed(
            "IL-2-driven extra divisions at full help; QSPIO's 11 for CD8 (8 for CD4; Marchingo 2014) gives a "
            "2^16-fold expansion in this lumped priming that eradicates a 1 cm primary, against the clinical course; "
            "7 leaves immune pressure that slows growth without stopping it; 1-13"))
        hcd = p("H_CD28_0", 0.4, "dimensionless", 0.05, 0.9, assumed(
            "baseline CD28 co-stimulation (CTLA-4 competes for CD80/CD86; Kd values van der Merwe 1997); 0.05-0.9"))
        th50 = p("Th_50", 1e5, "cell", 1e4, 1e8, assumed("CD4 helper cells of half-maximal IL-2 help; 1e4-1e8"))
        tol = p("tol_lsec", 2.0, "dimensionless", 0.0, 10.0, assumed(
            "strength of LSEC cross-presentation tolerance of CD8 priming at high liver tumour antigen; 0-10"))
        ktd = p("k_Te_death", 0.05, "1/day", 0.01, 0.2, assumed(
            "death of circulating effector CD8 T cells (short-lived effectors; half-life about 2 weeks); 0.01-0.2"))
        Tn = m.species("Tn", "cell", "lymph_node", Qn / knd, "naive tumour-specific CD8 T cells")
        aT = m.species("aT", "cell", "lymph_node", 0.0, "primed, dividing tumour-specific CD8 T cells")
        Te = m.species("Te_blood", "cell", "blood", 0.0, "effector tumour-specific CD8 T cells in blood")
        Th = m.species("Th_blood", "cell", "blood", S("Q_Th") / S("k_Th_death"), "tumour-relevant CD4 helper T cells")
        R = m.species("Treg_blood", "cell", "blood", S("Q_Treg") / S("k_Treg_death"), "Tregs in blood (incl. liver-induced)")
        ag = sum(S(f"Cd_{s}") for s in SITES) * S("recognition")
        Hag = m.expression("H_antigen", hill(ag, ag50), "dimensionless", "antigen presentation in the lymph node")
        Hil2 = m.expression("H_IL2", hill(Th, th50), "dimensionless", "IL-2 help from CD4 T cells")
        Hliv = m.expression("H_liver_antigen", hill(S("C_liver"), S("C50_liver_antigen")), "dimensionless",
                            "liver-tumour antigen load")
        lsec = 1 - clip01(S("lsec_targeting"))
        tolf = m.expression("lsec_tolerance", 1 / (1 + tol * Hliv * lsec * (1 - Hil2)), "dimensionless",
                            "fraction of priming escaping LSEC-induced tolerance")
        Hcd28 = m.expression("H_CD28", hcd + (1 - hcd) * clip01(S("ctla4_occupancy")), "dimensionless",
                             "CD28 co-stimulation (raised by CTLA-4 blockade)")
        N = m.expression("N_divisions", N0 + Nco * Hcd28 + Nil * Hil2, "dimensionless", "divisions of a primed T cell")
        m.process("naive_input", Qn, {Tn: 1}, EV["naive"])
        m.process("naive_death", knd * Tn, {Tn: -1}, EV["naive"])
        m.process("priming", kact * Hag * tolf * Tn, {Tn: -1, aT: 1}, EV["priming"] + EV["lsec_tolerance"])
        # a primed cell leaves the dividing pool at k_pro/N and yields 2^N effectors (two processes so that
        # every stoichiometry stays constant, as SBML needs)
        m.process("expansion_exit", kpro / N * aT, {aT: -1}, EV["expansion"], "primed cells finish dividing")
        m.process("expansion_output", kpro / N * 2**N * aT, {Te: 1}, EV["expansion"],
                  "effector CD8 T cells released to blood (2^N per primed cell)")
        m.process("te_death", ktd * Te, {Te: -1}, EV["te_death"])
        m.process("te_chemo_depletion", S("chemo_lymphodepletion_rate") * Te, {Te: -1}, ["s001_5_01"])
        # CD4 helper and Tregs
        Qth = p("Q_Th", 1e4, "cell/day", 1e3, 1e5, assumed("supply of tumour-relevant CD4 helper cells; 1e3-1e5"))
        ath = p("a_Th_antigen", 2.0, "dimensionless", 0.0, 10.0, assumed("antigen-driven increase of CD4 help; 0-10"))
        kthd = p("k_Th_death", 0.01, "1/day", 0.005, 0.1, cite(DEBOER, note="k_CD4_death"))
        Qtr = p("Q_Treg", 1e3, "cell/day", 1e2, 1e4, assumed(
            "natural Treg supply (tumour-relevant Tregs about a tenth of helpers); 1e2-1e4"))
        ktrd = S("k_Treg_death")
        kli = p("k_liver_treg", 0.05, "1/day", 0.005, 0.5, cite(
            LEE2020, note="rate assumed: liver antigen presented by LSEC on MHC-II with GARP/TGF-beta converts CD4 "
            "cells into suppressive (Helios+, Nrp1+) Tregs systemically; 0.005-0.5"), lognormal(0.5))
        kthr = p("k_Th_Treg", 0.022, "1/day", 0.002, 0.2, cite(QSPIO, note="Robertson-Tessi 2012; Th to Treg by TGF-beta"))
        m.process("th_input", Qth * (1 + ath * Hag), {Th: 1}, EV["th"])
        m.process("th_death", kthd * Th, {Th: -1}, EV["th"])
        m.process("th_chemo_depletion", S("chemo_lymphodepletion_rate") * Th, {Th: -1}, ["s001_5_01"])
        m.process("treg_input", Qtr, {R: 1}, EV["treg"])
        m.process("treg_blood_death", ktrd * R, {R: -1}, EV["treg"])
        m.process("treg_blood_ctla4_depletion", S("k_ctla4_depletion") * clip01(S("ctla4_occupancy")) * R, {R: -1},
                  ["s000_22_02", "s000_22_03"])
        m.process("treg_blood_chemo_depletion", S("chemo_lymphodepletion_rate") * R, {R: -1}, ["s001_5_01"])
        m.process("treg_induction_liver", kli * Th * Hliv * lsec * S("H_TGFb_liver"), {Th: -1, R: 1},
                  EV["treg_liver"], "liver-induced systemic Tregs (LSEC MHC-II + GARP/TGF-beta)")
        m.process("treg_induction_m2", kthr * Th * S("M2_fraction_liver") * S("H_fasl_liver") * S("H_TGFb_liver"),
                  {Th: -1, R: 1}, ["s000_112_08", "s001_21_10", "s000_112_02", "s001_31_07", "s001_31_08", "s001_31_18", "s001_31_19",
                   "s001_31_24", "s001_31_20", "s001_31_21", "s001_31_22", "s001_31_23", "s001_1_52", "s000_112_09",
                   "s000_112_07", "s000_112_01", "s001_31_06", "s001_31_05"], "M2 macrophages (FGF9, Oct4/M-CSF, succinate/SUCNR1 polarised) and TGF-beta induce Tregs")
        # peripheral lymphocyte pool (relative)
        Ly = m.species("Lymph_rel", "dimensionless", "blood", 1.0, "peripheral lymphocyte count relative to normal")
        kly = p("k_lymph_home", 0.05, "1/day", 0.01, 0.2, assumed(
            "homeostatic recovery of blood lymphocytes (weeks after chemotherapy); 0.01-0.2"))
        kll = p("k_lymph_liver", 0.03, "1/day", 0.0, 0.2, assumed(
            "loss of peripheral T cells to the liver in patients with liver metastases (Yu 2021 report fewer "
            "peripheral T cells); 0-0.2"))
        kltb = p("k_lymph_burden", 0.02, "1/day", 0.0, 0.2, assumed("lymphopenia of advanced cancer (systemic inflammation); 0-0.2"))
        m.process("lymph_homeostasis", kly * (1 - Ly), {Ly: 1}, EV["lymph"])
        m.process("lymph_liver_loss", kll * Hliv * Ly, {Ly: -1}, EV["lymph"])
        m.process("lymph_burden_loss", kltb * S("H_burden") * Ly, {Ly: -1}, ["s000_21_07"])
        m.process("lymph_chemo_depletion", S("chemo_lymphodepletion_rate") * Ly, {Ly: -1}, ["s001_5_01"])
