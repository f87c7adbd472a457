"""Immunity inside every lesion: CD8 effector and exhausted T cells, Tregs, IFN-gamma-induced PD-L1 and PD-L2,
PD-1 signalling (PD-1 blocked by pd1_occupancy, PD-L1 alone by pdl1_blockade), TGF-beta and the T-cell kill of
cancer cells.

Kill (QSPIO-TNBC Teff module, re-implemented):
  k_C_T * a C T/(K_T_C C + T + 1) * T/(T + K_T_Treg Treg + 1) * (1 - e_TGF H_TGF)(1 - e_PD1 H_PD1)(1 - H_MDSC)
with a = antigenicity x (TMB / TMB_median)^w_TMB x (1 - HLA class I loss), acting on the cancer cells outside
the escaped subclone f_esc and, at escape_recognition times that rate, on the escaped ones. f_esc is the subclone
that T cells see poorly or not at all (subclonal HLA loss, antigen loss); T-cell killing selects for it exactly as
chemotherapy selects the resistant clone, so an immune response shrinks a lesion towards its escaped share and the
lesion then regrows (acquired resistance) unless the escaped cells are still killed.
Expansion (de Pillis 2005, per T cell): k_T_exp T (kill/T)^2/((kill/T)^2 + n_50^2): T cells divide in proportion to the
recognised cancer cells each one kills, so PD-1 signalling, which damps the kill, damps the expansion too, and it
stops once T cells outnumber their targets.
Exhaustion by cancer cells k_Tcell T C/(C + T + 1) H_PD1 and by Tregs k_Treg T Treg/(T + Treg + 1); recruitment q_T_in V T_blood C^2/(C^2 + Kc_rec).
"""

from __future__ import annotations

from ...modeling import Model, assumed, cite, logitnormal, lognormal, normal
from .common import (DEBOER, DEPILLIS, QSPIO, ROBERTSON_TESSI, SITES, STRUEMPER, YU2021, P, S, clip01, hill)

EV = {
    "kill": ["s000_12_16", "s000_111_02", "s000_22_01", "s000_12_18", "s000_112_10", "s001_21_10", "s000_12_19"],
    "infiltration": ["s000_24_05", "s000_24_04", "s000_24_06", "s001_43_03", "s001_43_04", "s001_5_03"],
    "siphon": ["s001_31_28", "s001_31_34", "s001_31_29", "s001_41_06", "s001_41_12", "s001_5_05", "s000_0_06",
               "s000_2_02", "s000_3_01"],
    "fasl": ["s001_31_30", "s001_31_31", "s001_31_32", "s001_31_33", "s001_31_35", "s001_41_09", "s000_3_02",
             "s000_11_03", "s000_3_01", "s000_1_02", "s001_43_12", "s001_5_02"],
    "fasl_vegf": ["s000_24_05", "s000_24_06", "s001_1_33"],
    "exhaustion": ["s000_22_01", "s001_1_55"],
    "exhaustion_liver": ["s001_1_39", "s001_1_43", "s001_1_47", "s001_1_51", "s000_12_24", "s000_13_10", "s001_32_03"],
    "treg_suppression": ["s000_111_12", "s001_1_54", "s000_12_23"],
    "treg_recruit": ["s001_1_38", "s001_1_42", "s001_1_46", "s001_1_50", "s000_111_16"],
    "treg_ctla4": ["s000_22_02", "s000_22_03"],
    "t_death": ["s000_22_01"],
    "icd": ["s001_43_10"],
    "expansion": ["s000_22_01", "s000_25_13"],
    "escape": ["s000_12_18", "s000_12_19"],
}


def lesion_immunity_module(m: Model) -> None:
    p = P(m)
    with m.module("lesion_immunity",
                  "CD8 effector/exhausted T cells, Tregs, IFN-gamma, PD-L1 and PD-L2, TGF-beta in every lesion"):
        one = S("one_cell")
        kkill = p("k_C_Tcell", 0.9, "1/day", 0.1, 5.0, cite(ROBERTSON_TESSI, note="Teff kill rate"), lognormal(0.5))
        KTC = p("K_T_C", 1.2, "dimensionless", 0.5, 5.0, cite(ROBERTSON_TESSI))
        KTreg = p("K_T_Treg", 11.0, "dimensionless", 1.0, 30.0, cite(ROBERTSON_TESSI))
        kTcell = p("k_Tcell", 0.1, "1/day", 0.01, 1.0, cite(QSPIO, note="estimated; exhaustion of T cells by cancer cells"))
        kTreg = p("k_Treg", 0.1, "1/day", 0.01, 1.0, cite(QSPIO, note="estimated; inactivation of T cells by Tregs"))
        kTd = p("k_T_death", 0.01, "1/day", 0.005, 0.1, cite(DEBOER, note="k_CD8_death"))
        kTxd = p("k_Tex_death", 0.05, "1/day", 0.01, 0.2, assumed(
            "exhausted CD8 T cells persist for weeks in tumours; half-life about 2 weeks; range 0.01-0.2"))
        kTregd = p("k_Treg_death", 0.01, "1/day", 0.005, 0.1, cite(DEBOER, note="k_CD4_death"))
        qin = p("q_T_in", 0.209, "1/(mL*day)", 0.05, 0.5, cite(
            QSPIO, note="q_CD8_T_in 1.45e-4 per cm3 per min (Zhu 1996)"), lognormal(0.5), "T-cell entry per mL of lesion")
        Kc = p("Kc_rec", 2.02e7, "cell**2", 1e6, 1e9, cite(QSPIO, note="Phillis 2006"))
        wvT = p("w_vegf_Tinfil", 0.6, "dimensionless", 0.0, 0.95, assumed(
            "maximal fraction of T-cell entry barred by VEGF (endothelial anergy); 0-0.95"))
        ept = p("e_pd1", 0.85, "dimensionless", 0.3, 0.99, assumed(
            "maximal fraction of T-cell killing switched off by PD-1 signalling; 0.3-0.99"))
        etgf = p("e_tgf", 0.5, "dimensionless", 0.0, 0.9, assumed("maximal fraction of killing inhibited by TGF-beta; 0-0.9"))
        antig = p("antigenicity", 1.0, "dimensionless", 0.1, 10.0, assumed(
            "antigenicity of a tumour of median TMB, relative to the typical one: what TMB does not explain (which "
            "mutations make presented neoantigens, their clonality, the patient's T-cell repertoire); 0.1-10. "
            "Between-patient SD of its log 0.57, so that with the TMB term (0.5 x TMB's log-SD 0.8) the log-SD of "
            "recognition stays 0.7, the spread used before TMB entered the model. Its log is correlated (rho 0.42) "
            "with the tumour's PD-L1 rank (covariate pdl1_score): tumour PD-L1 is largely adaptive, induced by the "
            "IFN-gamma of T cells that already recognise the tumour (Taube et al. 2012 Sci Transl Med 4:127ra37), and "
            "in 126 resected NSCLC PD-L1-positive tumours were more often T-cell infiltrated (86% against 64%; Cui et "
            "al. 2018 J Cancer 9:129), a tetrachoric correlation of 0.42 worked out from that 2 x 2 table; T-cell "
            "infiltration stands in for recognition here; plausible 0-0.7"), lognormal(0.57, "pdl1_score", 0.42))
        tmb = p("tmb", 8.0, "dimensionless", 0.1, 500.0, assumed(
            "tumour mutational burden in mutations per megabase, set per patient from the trial's covariate "
            "(population layer: log-normal, median 8, log-SD 0.8); 8 when no covariate sets it"),
            desc="tumour mutational burden (mut/Mb)")
        tmb50 = p("tmb_median", 8.0, "dimensionless", 1.0, 30.0, assumed(
            "TMB (mut/Mb) of the typical NSCLC, at which antigenicity takes its median value; the median of the "
            "population layer's TMB distribution; 1-30"))
        wtmb = p("w_tmb_antigen", 0.5, "dimensionless", 0.0, 1.0, cite(
            "Rizvi et al. 2015 Science 348:124 (mutational landscape and PD-1 blockade in NSCLC)",
            "10.1126/science.aaa1348",
            note="a higher non-synonymous mutation burden and neoantigen burden went with response, durable benefit "
                 "and longer PFS on pembrolizumab; the exponent of recognition on TMB is not reported: assumed 0.5 "
                 "(0 = TMB irrelevant, 1 = recognition proportional to the mutation count), as only some mutations "
                 "make presented, recognised neoantigens"))
        hla = p("hla_loss", 0.1, "dimensionless", 0.0, 0.9, assumed(
            "fraction of antigen presentation lost by HLA class I loss of heterozygosity (present in about 40% of NSCLC); "
            "0-0.9"), normal(0.15))
        fesc0 = p("f_immune_escape", 0.05, "dimensionless", 1e-5, 0.9, cite(
            "McGranahan et al. 2017 Cell 171:1259 (TRACERx)",
            "10.1016/j.cell.2017.10.001",
            note="HLA class I loss of heterozygosity in 40% of NSCLC, often subclonal and enriched in metastases, an "
                 "immune escape under selection; the share of escaped cells per tumour is not reported: population "
                 "median assumed (0.05 within 1e-5-0.9) and left to calibration. Between patients logit-normal with "
                 "sd 2.0 on the logit scale (assumed, plausible 1-3): HLA loss is absent in most tumours and subclonal "
                 "or clonal in the rest, so the escaped share spans orders of magnitude. With a log-SD of 1.0 around a "
                 "fitted median of 4e-4, no tumour had an escaped clone and 47% of KEYNOTE-189 patients on "
                 "pembrolizumab + chemotherapy had complete responses"),
            logitnormal(2.0), "share of cancer cells that CD8 T cells cannot recognise at the start of treatment")
        resc = p("escape_recognition", 0.0, "dimensionless", 0.0, 0.9, assumed(
            "recognition of the escaped subclone relative to the rest: losing one HLA haplotype (the commonest escape, "
            "McGranahan 2017) hides the neoantigens it presented, not all of them, so T cells still see the escaped "
            "cells less well; 0 = fully invisible; range 0-0.9"),
            desc="relative recognition of the escaped subclone by CD8 T cells")
        recog = m.expression("recognition", antig * (tmb / tmb50) ** wtmb * (1 - hla), "dimensionless",
                             "antigen recognition of cancer cells by CD8 T cells")
        # in percent, the unit of the clinical TPS covariate that trials set per patient
        tps = p("pdl1_tps", 15.0, "dimensionless", 0.1, 100.0, cite(STRUEMPER, note="median PD-L1 TPS 15%"), lognormal(1.2),
                "percent of cancer cells expressing PD-L1 at baseline (tumour proportion score)")
        pmy = p("pdl1_myeloid", 0.2, "dimensionless", 0.0, 1.0, assumed(
            "PD-L1 on myeloid cells (M2 macrophages) relative to a fully positive tumour; 0-1"))
        rif = p("r_PDL1_IFNg", 6.0, "dimensionless", 1.0, 20.0, cite(QSPIO, note="Shin 2017; IFN-gamma fold induction of PD-L1"))
        if50 = p("IFNg_50_ind", 2.96e-3, "nM", 1e-4, 0.1, cite(QSPIO, note="Mimura 2018; 2.96 pM"))
        kif = p("k_IFNg_Tsec", 4e-13, "nmol/cell/day", 1e-14, 1e-11, cite(QSPIO, note="Autenshlyus 2021"))
        kifd = p("k_IFNg_deg", 7.68, "1/day", 1.0, 20.0, cite(QSPIO, note="Hofstra 1998"))
        pd50 = p("PDL1_50", 0.25, "dimensionless", 0.05, 5.0, assumed(
            "PD-L1 level (fraction-positive equivalent) of half-maximal PD-1 signalling; QSPIO's PD1_50 is in molecules "
            "per um2 of synapse and has no direct counterpart here; 0.05-5: the level reaches (TPS + myeloid) times "
            "the IFN-gamma induction, up to about 7 in an inflamed PD-L1-high lesion, so a half-maximal level above 1 "
            "is what lets a tumour's TPS change its PD-1 signalling (and the benefit of blockade) rather than "
            "saturate it in every tumour"))
        wpdl2 = p("pdl2_engagement", 0.05, "dimensionless", 0.0, 1.0, assumed(
            "PD-1 engagement by PD-L2 (tumour and myeloid PD-L2 times its affinity relative to PD-L1), in the units of "
            "the PD-L1 level, before IFN-gamma induction, which raises PD-L2 as it raises PD-L1 (Garcia-Diaz et al. "
            "2017 Cell Rep 19:1189). PD-L2 binds PD-1 about 5-fold more tightly than PD-L1 (ITC Kd 0.45 against "
            "2.2 uM at pH 7.4; Cheng et al. 2013 J Biol Chem 288:11771) but is expressed at lower density, mostly on "
            "antigen-presenting cells; by double immunohistochemistry 53% of 231 lung adenocarcinomas had PD-L2-"
            "positive cancer cells against 27% PD-L1-positive (Shinchi et al. 2019 Cancer Sci 110:2711). Anti-PD-1 "
            "antibodies block both ligands' engagement, anti-PD-L1 antibodies only PD-L1's, the mechanism offered for "
            "the better overall survival of anti-PD-1 over anti-PD-L1 across randomised trials (HR 0.75, 0.64-0.87, "
            "17 trials, 9,549 patients; Duan et al., ASCO 2019 abstract e14113, in full JAMA Oncol 2020 6:375). "
            "Functional density is not reported: 0.05 assumed within 0-1, for calibration"),
            desc="PD-1 engagement by PD-L2 relative to the PD-L1 level (not blocked by anti-PD-L1 antibodies)")
        tgfb = p("TGFbase", 0.016, "nM", 0.005, 0.05, cite(ROBERTSON_TESSI, note="baseline TGF-beta"))
        ktgs = p("k_TGFb_Tsec", 1.2e-10, "nmol/cell/day", 1e-11, 1e-9, cite(QSPIO, note="Liyanage 2002; Treg TGF-beta"))
        ktgd = p("k_TGFb_deg", 14.3, "1/day", 5.0, 30.0, cite(QSPIO, note="Robertson-Tessi 2012"))
        tg50 = p("TGFb_50_Teff", 0.14, "nM", 0.03, 0.5, cite(ROBERTSON_TESSI))
        kfas = p("k_fasl", 1.0, "1/day", 0.1, 5.0, assumed(
            "FasL-induced apoptosis of activated Fas+ CD8 T cells after contact with FasL+ macrophages within about a "
            "day (Yu 2021 report deletion, not a rate); 0.1-5"), lognormal(0.5))
        wvf = p("w_vegf_fasl", 0.0, "dimensionless", 0.0, 1.0, cite(
            "Motz et al. 2014 Nat Med 20:607 (tumour endothelium FasL establishes a selective immune barrier)",
            "10.1038/nm.3541",
            note="VEGF-A, IL-10 and PGE2 together induced FasL in tumour endothelium, which killed effector CD8 T cells "
                 "but spared Tregs; blocking VEGF and PGE2 lowered FasL and let CD8 T cells in. The VEGF-dependent "
                 "share of the FasL that deletes CD8 T cells in liver lesions is not reported: assumed 0 (FasL "
                 "independent of VEGF, the model before this term) within 0-1, for calibration"),
            desc="share of the liver lesion's FasL-mediated CD8 T-cell deletion that VEGF signalling sustains")
        r50m = p("r_mac_50", 0.05, "dimensionless", 0.005, 0.5, assumed(
            "macrophage-to-cancer-cell ratio of half-maximal macrophage effects in the liver lesion; 0.005-0.5"))
        qsiph = p("q_siphon", 0.2, "1/day", 0.01, 1.0, assumed(
            "maximal rate at which liver metastases capture activated CD8 T cells from blood (Yu 2021: systemic "
            "depletion; rate not reported); 0.01-1"), lognormal(0.5))
        c50s = p("C50_liver_antigen", 1e8, "cell", 1e6, 1e10, assumed(
            "liver tumour cells of half-maximal antigen-driven effects in the liver (siphon, LSEC tolerance, Treg "
            "induction); about a 1 cm liver lesion; 1e6-1e10"))
        wexl = p("w_exh_liver", 2.0, "dimensionless", 0.0, 10.0, assumed(
            "extra exhaustion in liver lesions driven by the growth-phase cytokines TGF-beta, IL-10, CCL5, CCL22; 0-10"))
        wtrl = p("w_treg_chemokine_liver", 2.0, "dimensionless", 0.0, 10.0, assumed(
            "extra Treg recruitment to liver lesions by TGF-beta, IL-10, CCL5, CCL22; 0-10"))
        kctla = p("k_ctla4_depletion", 0.3, "1/day", 0.01, 2.0, assumed(
            "Fc-mediated Treg depletion rate at full CTLA-4 occupancy (ipilimumab); 0.01-2"))
        wicd = p("w_icd_recruit", 1.0, "dimensionless", 0.0, 5.0, assumed(
            "relative increase of CD8 T-cell entry into a lesion made entirely of dying cells (immunogenic cell death "
            "after radiotherapy recruits T cells; no magnitude given); 0-5"))
        kexp = p("k_T_expand", 0.0375, "1/day", 0.0, 0.2, cite(
            DEPILLIS, note="j = 0.0375/day, the maximal rate of tumour-driven CD8 T-cell expansion in the human fits "
                           "(patients 9 and 10); range 0-0.2"),
            desc="maximal expansion rate of CD8 effector T cells that kill recognised cancer cells")
        n50x = p("kills_per_T_50_expand", 0.3, "1/day", 0.01, 1.0, assumed(
            "cancer cells killed per T cell per day at half-maximal expansion. de Pillis 2005 saturates expansion in "
            "the total number of cells killed (k = 2e7 cells^2), which does not carry over to lesions of every size; "
            "per T cell, expansion stops once T cells outnumber the cells they can kill. A cytotoxic T cell kills a "
            "few target cells per day at most in vivo (Halle et al. 2016 Immunity 44:233: 2-16 virus-infected cells "
            "per day); half-maximal expansion at 0.3 kills per day; range 0.01-1. At 0.1 expansion raised the T cells "
            "of untreated lesions so far that anti-PD-1 multiplied them less than without expansion (3.9-fold "
            "against 6.7-fold), and liver metastases no longer blunted the primary's anti-PD-1 response"),
            desc="kills per T cell per day at half-maximal T-cell expansion")
        Te = S("Te_blood")
        Treg_b = S("Treg_blood")
        for site in SITES:
            C, V = S(f"C_{site}"), S(f"V_{site}")
            T = m.species(f"T_{site}", "cell", site, 0.0, f"CD8 effector T cells, {site}")
            Tx = m.species(f"Tex_{site}", "cell", site, 0.0, f"exhausted CD8 T cells, {site}")
            R = m.species(f"Treg_{site}", "cell", site, 0.0, f"regulatory T cells, {site}")
            Cd = S(f"Cd_{site}")
            vol_L = V * S("L_per_mm3")
            ifn_src = kif * T + (S("k_IFNg_M1sec") * S("M1_liver") if site == "liver" else 0)
            ifng = m.expression(f"ifng_{site}", ifn_src / (kifd * vol_L), "nM", f"IFN-gamma, {site}")
            myeloid = pmy * (1 + S("M2_fraction_liver")) if site == "liver" else pmy
            induction = 1 + (rif - 1) * hill(ifng, if50)
            pdl1 = m.expression(f"pdl1_{site}", (tps / 100 + myeloid) * induction, "dimensionless",
                                f"PD-L1 level (tumour + myeloid), {site}")
            # anti-PD-L1 frees PD-1 from PD-L1 only; anti-PD-1 frees it from both ligands
            engaged = (pdl1 * (1 - clip01(S("pdl1_blockade"))) + wpdl2 * induction) * (1 - clip01(S("pd1_occupancy")))
            Hpd1 = m.expression(f"H_PD1_{site}", hill(engaged, pd50, 2), "dimensionless",
                                f"PD-1 signalling in T cells, {site}")
            tsrc = ktgs * R
            if site == "liver":
                tsrc = tsrc + S("k_TGFb_Msec") * S("Mac_liver") + S("k_TGFb_KCsec") * S("KC_rel") * C \
                    + S("k_TGFb_CAFsec") * S("CAF_liver")
            tgf = m.expression(f"tgfb_{site}", tgfb + tsrc / (ktgd * vol_L), "nM", f"TGF-beta, {site}")
            Htgf = m.expression(f"H_TGFb_{site}", hill(tgf * (1 - clip01(S("tgfbr_inhibition"))), tg50), "dimensionless",
                                f"TGF-beta signalling in T cells after receptor inhibition, {site}")
            Hmdsc = S("H_MDSC_liver") if site == "liver" else 0
            fesc = m.species(f"fesc_{site}", "dimensionless", site, fesc0,
                             f"share of the living cancer cells that CD8 T cells cannot recognise, {site}")
            rate = m.expression(
                f"kill_rate_{site}",
                kkill * recog * T / (KTC * C + T + one) * T / (T + KTreg * R + one)
                * (1 - etgf * Htgf) * (1 - ept * Hpd1) * (1 - Hmdsc),
                "1/day", f"CD8 T-cell kill rate of a recognised cancer cell, {site}")
            kill = m.expression(f"kill_{site}", rate * (1 - (1 - resc) * fesc) * C, "cell/day",
                                f"cancer cells killed by CD8 T cells per day, {site}")
            m.process(f"t_kill_{site}", kill, {C: -1, Cd: 1}, EV["kill"], "CD8 T-cell killing")
            m.process(f"t_expansion_{site}", kexp * T * hill(kill / (T + one), n50x, 2), {T: 1}, EV["expansion"],
                      "CD8 T cells divide as they kill recognised cancer cells (PD-1 signalling damps both)")
            # the same two-clone selection as chemotherapy (lesions module): escaped cells are spared
            m.process(f"t_escape_selection_{site}", rate * (1 - resc) * fesc * (1 - fesc), {fesc: 1}, EV["escape"],
                      "T cells kill recognised cells only, so the escaped share rises under immune attack")
            presence = hill(C, Kc**0.5, 2)
            barrier = 1 - wvT * S(f"H_vegf_{site}")
            # dying cancer cells (after radiotherapy or chemotherapy) release danger signals and chemokines
            icd = 1 + wicd * Cd / (C + Cd + one)
            m.process(f"t_infiltration_{site}", qin * V * S("mL_per_mm3") * Te * presence * barrier * icd,
                      {Te: -1, T: 1}, EV["infiltration"] + EV["icd"], "effector CD8 T cells enter the lesion from blood")
            if site == "liver":
                m.process("t_siphon_liver", qsiph * Te * hill(C, c50s), {Te: -1, T: 1}, EV["siphon"],
                          "liver metastases capture activated CD8 T cells from blood (the siphon)")
                Hfas = m.expression("H_fasl_liver", S("Mac_liver") / (S("Mac_liver") + r50m * (C + one)), "dimensionless",
                                    "FasL+ monocyte-derived macrophage density in the liver lesion")
                fasl_vegf = 1 - wvf + wvf * S("H_vegf_liver")  # anti-VEGF lowers the VEGF-induced share
                m.process("t_fasl_deletion_liver", kfas * T * Hfas * fasl_vegf, {T: -1}, EV["fasl"] + EV["fasl_vegf"],
                          "FasL+ macrophages and VEGF-induced FasL delete Fas+ activated CD8 T cells")
            m.process(f"t_death_{site}", kTd * T, {T: -1}, EV["t_death"])
            xfac = (1 + wexl * Htgf) if site == "liver" else 1
            m.process(f"t_exhaustion_{site}", kTcell * T * C / (C + T + one) * Hpd1 * xfac, {T: -1, Tx: 1},
                      EV["exhaustion_liver"] if site == "liver" else EV["exhaustion"], "exhaustion by cancer cells (PD-1)")
            m.process(f"t_treg_inactivation_{site}", kTreg * T * R / (T + R + one), {T: -1, Tx: 1}, EV["treg_suppression"])
            m.process(f"tex_death_{site}", kTxd * Tx, {Tx: -1}, EV["exhaustion"])
            rfac = (1 + wtrl * Htgf) if site == "liver" else 1
            m.process(f"treg_infiltration_{site}", qin * V * S("mL_per_mm3") * Treg_b * presence * barrier * rfac,
                      {Treg_b: -1, R: 1}, EV["treg_recruit"])
            m.process(f"treg_death_{site}", kTregd * R, {R: -1}, EV["treg_suppression"])
            m.process(f"treg_ctla4_depletion_{site}", kctla * clip01(S("ctla4_occupancy")) * R, {R: -1}, EV["treg_ctla4"])
            m.process(f"immune_clearance_{site}", S("k_cell_clear") * Kc / (C**2 + Kc) * T, {T: -1}, ["s000_25_02"],
                      "T cells leave a lesion that has gone")
