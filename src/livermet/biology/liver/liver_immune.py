"""The liver immune microenvironment: Kupffer cells (MMP9/CXCL2/CCL5, TGF-beta, VEGF; JAK2-STAT3 lowered
by ANGPTL1), CCR2-recruited monocyte-derived macrophages (FasL+, M1/M2 polarisation), hepatic stellate
cells, FAP+ cancer-associated fibroblasts (IL-6), MDSC, and the hepatocyte factors (HGF, Plexin B2) that
modify growth of liver lesions. Macrophage polarisation follows QSPIO-TNBC's macrophage module in
spirit (TGF-beta/IL-10 push to M2); here the M2 fraction is quasi-steady."""

from __future__ import annotations

from ...modeling import Model, assumed, cite, lognormal
from .common import KRUSE, QSPIO, YU2021, P, S, clip01, hill

EV = {
    "kc": ["s000_112_14", "s000_112_15", "s000_112_16", "s000_112_19", "s000_112_18"],
    "mmp9": ["s000_13_21", "s000_13_22", "s000_13_23", "s000_13_24", "s000_13_25", "s000_13_26", "s000_13_27"],
    "mac_recruit": ["s000_112_20", "s000_112_21", "s000_112_23", "s001_31_02", "s001_31_03", "s001_0_08"],
    "mac_death": ["s001_31_01"],
    "hsc": ["s001_1_26", "s001_1_27", "s001_1_28", "s001_1_18", "s001_32_13", "s001_32_14", "s001_32_15", "s001_32_17"],
    "caf": ["s001_32_20", "s001_32_21", "s001_32_22", "s001_32_23", "s001_32_18", "s001_32_05", "s001_32_01",
            "s001_0_09"],
    "caf_depletion": ["s001_32_28", "s001_32_29", "s001_32_30"],
    "fibrosis": ["s001_21_12", "s001_21_14"],
    "m1": ["s000_112_04", "s000_112_05", "s000_112_06"],
    "mdsc": ["s000_13_11", "s001_1_37", "s001_1_41", "s001_1_45", "s001_1_49", "s001_1_53"],
}


def liver_immune_module(m: Model) -> None:
    p = P(m)
    with m.module("liver_microenvironment", "Kupffer cells, monocyte-derived macrophages, stellate cells, FAP+ CAFs, "
                  "MDSC and hepatocyte factors of the liver"):
        one = S("one_cell")
        C = S("C_liver")
        KC0 = p("KC0", 1e10, "cell", 1e9, 5e10, assumed(
            "Kupffer cells of a human liver (about 15% of liver cells, some 1e10); only their relative number acts"))
        kkt = p("k_kc_turnover", 0.05, "1/day", 0.01, 0.2, assumed(
            "Kupffer-cell replenishment after depletion takes weeks (mouse clodronate studies); 0.01-0.2"))
        KC = m.species("KC", "cell", "liver", KC0, "Kupffer cells")
        m.process("kc_renewal", kkt * KC0, {KC: 1}, EV["kc"])
        m.process("kc_turnover", kkt * KC, {KC: -1}, EV["kc"])
        m.process("kc_depletion", S("kupffer_depletion_rate") * KC, {KC: -1}, ["s000_112_15", "s000_112_17"],
                  "clodronate-liposome depletion of Kupffer cells")
        m.expression("KC_rel", KC / KC0, "dimensionless", "Kupffer cells relative to a normal liver")
        aang = p("angptl1_level", 1.0, "dimensionless", 0.1, 10.0, assumed(
            "baseline exosomal ANGPTL1 inhibiting JAK2-STAT3 in Kupffer cells, relative units; 0.1-10"))
        stat3 = m.expression("stat3_kc", (1 + aang) / (1 + aang * (1 + S("angptl1_supplement"))), "dimensionless",
                             "JAK2-STAT3 activity in Kupffer cells relative to baseline (ANGPTL1 lowers it)")
        m.expression("mmp9_liver", S("KC_rel") * stat3, "dimensionless",
                     "Kupffer-cell MMP9 (and CXCL2, CSF3, CCL5) output relative to baseline")
        p("k_vas_KCsec", 6e-5, "pg/cell/day", 0.0, 3e-4, assumed(
            "VEGF from activated Kupffer cells at a liver lesion, per cancer cell, equal to the cancer-cell rate; 0-3e-4"))
        p("k_vas_Msec", 1.7e-5, "pg/cell/day", 1e-6, 1e-4, cite(QSPIO, note="Wu 2010; VEGF from M2 macrophages"))
        p("k_TGFb_Msec", 2e-11, "nmol/cell/day", 1e-12, 1e-10, cite(QSPIO, note="Matsuo 2000; TGF-beta from macrophages"))
        p("k_TGFb_KCsec", 2e-12, "nmol/cell/day", 0.0, 2e-11, assumed(
            "TGF-beta from Kupffer cells at a liver lesion, per cancer cell (a tenth of the macrophage rate per cell)"))
        p("k_TGFb_CAFsec", 2e-11, "nmol/cell/day", 1e-12, 1e-10, assumed(
            "TGF-beta secretion by activated stellate cells/CAFs, taken equal to the macrophage rate"))
        # hepatic stellate cells (fraction activated)
        hsc = m.species("HSC_act", "dimensionless", "liver", 0.0, "fraction of hepatic stellate cells activated")
        khs = p("k_hsc_act", 0.02, "1/day", 0.01, 1.0, assumed("stellate activation rate at full stimulus; 0.01-1"))
        khso = p("k_hsc_deact", 0.02, "1/day", 0.002, 0.2, assumed("stellate deactivation/apoptosis; 0.002-0.2"))
        c50h = p("C50_hsc", 1e5, "cell", 1e3, 1e8, assumed(
            "liver tumour cells (micrometastatic plus vascularised) of half-maximal Kupffer-cell TGF-beta stimulus"))
        wmir = p("w_mir92a", 0.3, "dimensionless", 0.0, 2.0, assumed(
            "stellate activation by vesicular miR-92a before tumour cells arrive, relative to Kupffer-cell TGF-beta"))
        drive = (S("KC_rel") * hill(S("M_liver") + C, c50h) * (1 - clip01(S("tgfbr_inhibition")))
                 + wmir * S("mir92a_ev") * S("ev_signal"))
        m.process("hsc_activation", khs * drive * (1 - hsc), {hsc: 1}, EV["hsc"])
        m.process("hsc_deactivation", khso * hsc, {hsc: -1}, EV["hsc"])
        # FAP+ CAFs in the primary and the liver
        kcaf = p("k_caf_rec", 0.01, "1/day", 0.001, 0.1, assumed(
            "FAP+ fibroblast activation per cancer cell per day (CAFs reach about a fifth of cancer cells)"))
        kcafd = p("k_caf_death", 0.05, "1/day", 0.01, 0.2, assumed("CAF turnover; 0.01-0.2"))
        # RAS-RREB1-primed enhancers let TGF-beta/SMAD in cancer cells switch on fibrogenic cytokines
        wfib = p("w_tgf_fibrosis", 0.5, "dimensionless", 0.0, 3.0, assumed(
            "relative increase of fibroblast activation by TGF-beta/SMAD-driven fibrogenic cytokines of cancer cells "
            "at full signalling and typical RREB1 priming (RREB1 knock-down lessens fibrosis; no magnitude given); 0-3"))
        fib_tgf = {"primary": S("H_TGFb_emt"), "liver": S("H_TGFb_liver")}
        for site in ("primary", "liver"):
            caf = m.species(f"CAF_{site}", "cell", site, 0.0, f"FAP+ cancer-associated fibroblasts, {site}")
            stim = (0.5 + hsc) if site == "liver" else 1
            fibrogenic = 1 + wfib * S("rreb1_priming") * fib_tgf[site]
            m.process(f"caf_activation_{site}", kcaf * S("circnox4_fap") * stim * fibrogenic * S(f"C_{site}"), {caf: 1},
                      EV["caf"] + EV["fibrosis"])
            m.process(f"caf_death_{site}", kcafd * caf, {caf: -1}, EV["caf"])
            m.process(f"caf_depletion_{site}", S("fap_depletion_rate") * caf, {caf: -1}, EV["caf_depletion"])
        # IL-6 signalling from FAP+ CAFs (and succinate-educated TAMs in the liver)
        r50c = p("r_caf_50", 0.2, "dimensionless", 0.02, 2.0, assumed(
            "CAF-to-cancer-cell ratio of half-maximal IL-6 effect; 0.02-2"))
        il6b = 1 - clip01(S("il6_blockade"))
        m.expression("H_CAF_primary", S("CAF_primary") / (S("CAF_primary") + r50c * (S("C_primary") + one)),
                     "dimensionless", "FAP+ CAF density in the primary relative to its cancer cells")
        m.expression("H_IL6_primary", S("H_CAF_primary") * il6b, "dimensionless",
                     "IL-6 signalling from FAP+ CAFs in the primary")
        m.expression("H_IL6_liver", (S("CAF_liver") + S("succinate_sucnr1") * S("Mac_liver"))
                     / (S("CAF_liver") + S("succinate_sucnr1") * S("Mac_liver") + r50c * (C + one)) * il6b,
                     "dimensionless", "IL-6 signalling in liver lesions (FAP+ CAFs, succinate-educated TAMs)")
        # monocyte-derived macrophages (FasL+)
        kmr = p("k_mac_rec", 0.004, "1/day", 4e-4, 0.04, assumed(
            "CCR2-dependent monocyte recruitment per liver cancer cell per day (gives about one macrophage per ten "
            "cancer cells with a 50-day lifetime, within the range of TAM densities); 4e-4-0.04"), lognormal(0.5))
        kmd = p("k_mac_death", 0.02, "1/day", 0.005, 0.1, cite(QSPIO, note="k_Mac_death (Ginhoux 2016)"))
        wccl = p("w_ccl_mac", 1.0, "dimensionless", 0.0, 5.0, assumed(
            "extra macrophage recruitment by growth-phase TGF-beta, IL-10, CCL5, CCL22; 0-5"))
        mac = m.species("Mac_liver", "cell", "liver", 0.0, "monocyte-derived (FasL+) macrophages in liver metastases")
        m.process("mac_recruitment", kmr * (1 - clip01(S("ccr2_blockade"))) * (C + S("M_liver")) * (1 + wccl * S("H_TGFb_liver")),
                  {mac: 1}, EV["mac_recruit"] + ["s001_1_36", "s001_1_40", "s001_1_44", "s001_1_48"])
        m.process("mac_death", kmd * mac, {mac: -1}, EV["mac_death"])
        m2b = p("m2_bias", 1.0, "dimensionless", 0.1, 10.0, assumed(
            "M2:M1 odds of liver-lesion macrophages at half-maximal TGF-beta (QSPIO-TNBC k_M2_pol/k_M1_pol = 0.25/0.02 "
            "gives strongly M2-biased TAMs); 0.1-10"), lognormal(0.5))
        wto = p("w_tam_oct4", 0.5, "dimensionless", 0.0, 3.0, assumed(
            "relative rise of Oct4 (and so M-CSF) in cancer cells at full TAM density, from TAM inflammatory "
            "cytokines (a feedback loop; no magnitude given); 0-3"))
        oct4 = m.expression("oct4_liver", S("oct4_mcsf") * (1 + wto * S("H_fasl_liver")), "dimensionless",
                            "Oct4/M-CSF activity of liver cancer cells, raised by tumour-associated macrophages")
        odds = m2b * S("fgf9_fgfr1") * oct4 * S("succinate_sucnr1") * (1 + S("H_TGFb_liver"))
        m.expression("M2_fraction_liver", odds / (1 + odds), "dimensionless", "fraction of liver-lesion macrophages in M2 state")
        # M1 macrophages: IFN-gamma (lesion_immunity) and, with the NK cells their CXCL9/CXCL10 attract, innate kill
        m1 = m.expression("M1_liver", mac * (1 - S("M2_fraction_liver")), "cell", "M1 macrophages in liver metastases")
        km1 = p("k_m1_kill", 0.002, "1/day", 0.0, 0.02, assumed(
            "kill of liver cancer cells by M1 macrophages and the NK cells they recruit, at full M1 density and "
            "typical NK activity (a slow innate kill of 0.1-1% of cells a day, below T-cell kill; no human rate "
            "found); 0-0.02"))
        Hm1 = m1 / (m1 + S("r_mac_50") * (C + one))
        nk_help = (1 + S("nk_activity") * (1 - S("hla_g"))) / 2
        m.process("m1_nk_kill_liver", km1 * Hm1 * nk_help * C, {C: -1, S("Cd_liver"): 1}, EV["m1"],
                  "M1 macrophages and the NK cells they recruit (CXCL9/CXCL10) kill liver cancer cells")
        p("k_IFNg_M1sec", 4e-14, "nmol/cell/day", 0.0, 4e-13, assumed(
            "IFN-gamma secretion per M1 macrophage, a tenth of the CD8 T-cell rate (macrophages are a minor source); "
            "0-4e-13"))
        # MDSC
        kmdr = p("k_mdsc_rec", 0.002, "1/day", 2e-4, 0.02, assumed(
            "MDSC recruitment per liver cancer cell per day (CXCL2/KC-dependent); 2e-4-0.02"))
        kmdd = p("k_mdsc_death", 0.015, "1/day", 0.005, 0.1, cite(QSPIO, note="Lai 2018"))
        mdsc = m.species("MDSC_liver", "cell", "liver", 0.0, "myeloid-derived suppressor cells in liver metastases")
        wvm = p("w_vegf_mdsc", 0.5, "dimensionless", 0.0, 1.0, assumed(
            "share of MDSC recruitment that depends on VEGF signalling (anlotinib with radio-immunotherapy lowered "
            "tumour MDSC in mice; no magnitude given); 0-1"))
        m.process("mdsc_recruitment", kmdr * C * (0.5 + 0.5 * S("mmp9_liver")) * (1 + wccl * S("H_TGFb_liver"))
                  * (1 - wvm * clip01(S("vegf_blockade"))), {mdsc: 1}, EV["mdsc"] + ["s000_13_22", "s001_43_05"])
        m.process("mdsc_death", kmdd * mdsc, {mdsc: -1}, EV["mdsc"])
        emd = p("e_mdsc", 0.5, "dimensionless", 0.0, 0.9, assumed("maximal inhibition of T-cell killing by MDSC; 0-0.9"))
        m.expression("H_MDSC_liver", emd * mdsc / (mdsc + S("r_mac_50") * (C + one)), "dimensionless",
                     "MDSC suppression of T-cell killing in liver lesions")
        # growth modifiers of liver lesions (hepatocyte HGF, IL-6/METTL3/YAP1, FGF9, M2 support)
        wh = p("w_hgf", 0.2, "dimensionless", 0.0, 1.0, assumed("relative increase of proliferation by hepatocyte HGF; 0-1"))
        wi = p("w_il6_prolif", 0.3, "dimensionless", 0.0, 1.0, assumed("relative increase of proliferation by IL-6; 0-1"))
        wm2 = p("w_m2_growth", 0.3, "dimensionless", 0.0, 1.0, assumed("relative increase of proliferation by M2 macrophages; 0-1"))
        m.expression("growth_mod_liver",
                     S("fgf9_fgfr1") ** 0.5 * (1 + wh * S("alahm_hgf")) / (1 + wh)
                     * (1 + wi * S("mettl3_yap1") * S("H_IL6_liver"))
                     * (1 + wm2 * S("M2_fraction_liver") * S("H_fasl_liver")), "dimensionless",
                     "growth of liver lesions relative to other sites")
