"""Clinical observables (contracts section 3): lesion diameters and counts per site, tumour burden,
LDH, neutrophil-to-lymphocyte ratio and peripheral lymphocytes; plus mechanistic read-outs."""

from __future__ import annotations

import sympy as sp

from ...modeling import Model, assumed, cite, lognormal
from .common import MET_SITES, SITES, STRUEMPER, P, S, clip01, hill


def observables_module(m: Model) -> None:
    p = P(m)
    with m.module("observables", "clinical observables and mechanistic read-outs"):
        vol = S("vol_cell")
        dmin = p("d_detect", 10.0, "mm", 5.0, 20.0, cite(
            "Eisenhauer et al. 2009 Eur J Cancer 45:228 (RECIST 1.1: measurable lesion at least 10 mm)"))
        p("one_lesion", 1.0, "dimensionless", 1.0, 1.0, assumed("a site holding cells holds at least one lesion"))
        burden = m.expression("burden", sum(S(f"C_{s}") for s in SITES), "cell", "living cancer cells in all lesions")
        b50 = p("B50_systemic", 1e10, "cell", 1e8, 1e12, assumed(
            "tumour burden of half-maximal systemic effects (LDH, neutrophilia, lymphopenia); about 10 cm3"))
        m.expression("H_burden", hill(burden, b50), "dimensionless", "systemic tumour-burden effect")
        for site in SITES:
            C = S(f"C_{site}")
            if site == "primary":
                d = (6 * sp.Max(C, 0) * vol / sp.pi) ** sp.Rational(1, 3)
                m.observable("diameter_primary", d, "mm", "diameter of the primary (sphere)")
                m.observable("n_lesions_primary", hill(d, dmin, 8), "dimensionless",
                             "1 when the primary is at least 10 mm (smooth step)")
            else:
                L, w = S(f"L_{site}"), S(f"w_{site}")
                d = (6 * sp.Max(C, 0) * w * vol / sp.pi) ** sp.Rational(1, 3)
                others = sp.Max(L - 1 - S(f"Ls_{site}"), 0)  # visible lesions beside the largest
                d_rest = (6 * sp.Max(C, 0) * (1 - w) * vol / (sp.pi * sp.Max(others, S("one_lesion")))) ** sp.Rational(1, 3)
                m.observable(f"diameter_{site}", d, "mm",
                             f"diameter of the largest lesion at the {site} (the target lesion; 0 without lesion)")
                m.observable(f"diameter_mean_{site}", (6 * sp.Max(C, 0) * vol / (sp.pi * sp.Max(L, S("one_lesion"))))
                             ** sp.Rational(1, 3), "mm", f"diameter of a lesion of mean size, {site}")
                m.observable(f"n_lesions_{site}", sp.Min(L, 1) * hill(d, dmin, 8) + others * hill(d_rest, dmin, 8),
                             "dimensionless", f"number of detectable (>= 10 mm) lesions, {site}: the largest plus "
                             "the other visible lesions at their mean size")
                m.observable(f"lesions_{site}", L, "dimensionless", f"vascularised lesions of any size, {site}")
                m.observable(f"micromet_{site}", S(f"M_{site}"), "cell", f"dormant micrometastases (seeding cells), {site}")
            m.observable(f"cd8_{site}", S(f"T_{site}"), "cell", f"effector CD8 T cells, {site}")
            m.observable(f"cd8_density_{site}", S(f"T_{site}") / (C + S(f"Cd_{site}") + S("one_cell")), "dimensionless",
                         f"effector CD8 T cells per cancer cell, {site}")
            m.observable(f"treg_{site}", S(f"Treg_{site}"), "cell", f"Tregs, {site}")
        m.observable("tumour_burden", burden, "cell", "total living cancer cells")
        ldh0 = p("ldh_normal", 180.0, "U/L", 120.0, 250.0, cite(
            STRUEMPER, note="population median 225.5 U/L in advanced NSCLC; 180 U/L taken as the tumour-free level "
            "(upper limit of normal about 250 U/L)"), lognormal(0.15))
        aldh = p("a_ldh", 1.0, "dimensionless", 0.1, 5.0, assumed("relative rise of LDH at half-maximal burden; 0.1-5"))
        aldl = p("a_ldh_liver", 0.8, "dimensionless", 0.0, 5.0, assumed(
            "extra LDH rise with liver involvement (raised LDH more common with liver metastases, s000_21_06); 0-5"))
        m.observable("ldh", ldh0 * (1 + aldh * S("H_burden") + aldl * S("H_liver_antigen")), "U/L", "serum LDH")
        ly0 = p("lymph_normal", 1800.0, "cell/uL", 800.0, 3500.0, assumed(
            "normal adult blood lymphocyte count (reference range about 1000-4000 per uL)"), lognormal(0.25))
        ne0 = p("neut_normal", 4000.0, "cell/uL", 1800.0, 7500.0, assumed(
            "normal adult blood neutrophil count (reference range about 1800-7500 per uL)"), lognormal(0.25))
        an = p("a_neut", 1.5, "dimensionless", 0.0, 5.0, assumed(
            "relative neutrophilia at half-maximal burden (NSCLC median NLR 4.1, Struemper 2025); 0-5"))
        ail = p("a_neut_il6", 0.5, "dimensionless", 0.0, 3.0, assumed("neutrophilia driven by IL-6 from liver lesions; 0-3"))
        lymph = m.expression("lymph_count", ly0 * S("Lymph_rel"), "cell/uL", "blood lymphocytes")
        neut = m.expression("neut_count", ne0 * (1 + an * S("H_burden") + ail * S("H_IL6_liver"))
                            * (1 - clip01(S("chemo_neutrophil_depletion"))), "cell/uL", "blood neutrophils")
        m.observable("lymphocytes", lymph, "cell/uL", "blood lymphocyte count")
        m.observable("neutrophils", neut, "cell/uL", "blood neutrophil count")
        m.observable("nlr", neut / lymph, "dimensionless", "neutrophil-to-lymphocyte ratio")
        m.observable("cd8_blood", S("Te_blood"), "cell", "tumour-specific effector CD8 T cells in blood")
        m.observable("treg_blood", S("Treg_blood"), "cell", "Tregs in blood")
        m.observable("cd8_treg_ratio_blood", S("Te_blood") / (S("Treg_blood") + S("one_cell")), "dimensionless",
                     "effector CD8 to Treg ratio in blood")
        for name in ("KC", "Mac_liver", "MDSC_liver", "CAF_liver", "CAF_primary"):
            m.observable(name.lower() if name != "KC" else "kupffer_cells", S(name), "cell", m.species_[name].description)
        for name in ("niche", "HSC_act"):
            m.observable(f"{name.lower()}_level", S(name), "dimensionless", m.species_[name].description)
        m.observable("mmp9_liver_rel", S("mmp9_liver"), "dimensionless", "Kupffer-cell MMP9 relative to baseline")
        m.observable("ctc_release_rate", S("ctc_release"), "cell/day", "cancer cells entering the circulation per day")
        m.observable("treg_induction_rate", S("k_liver_treg") * S("Th_blood") * S("H_liver_antigen")
                     * (1 - clip01(S("lsec_targeting"))) * S("H_TGFb_liver"), "cell/day", "liver-induced Tregs per day")
        m.observable("il6_signal_primary", S("H_IL6_primary"), "dimensionless", "IL-6 signalling in the primary")
        m.observable("pd1_signal_primary", S("H_PD1_primary"), "dimensionless", "PD-1 signalling in the primary")
