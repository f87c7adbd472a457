"""Tumour-size dynamics of simulated arms against published Stein-model estimates (validation only).

The OS link reads each virtual patient's Stein growth rate kg, shrinkage rate ks and time to
growth TTG, fitted to its simulated target-lesion sums (trial/survival_link.py). Struemper et al.
2025 (CPT:PSP 14:1006; 786 NSCLC patients of 7 GSK trials) published the typical kg and ks of the
arms they modelled. Where a library arm gives the same treatment, the simulated medians are set
beside those typical values: an arm whose tumours shrink less, or regrow faster, than the source's
patients gets a shorter OS from the link for that reason alone. These values are not calibration
targets; they are shown to find where the tumour dynamics, not the link, are off.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..trial.survival_link import time_to_growth

STRUEMPER = "Struemper et al. 2025 CPT:PSP 14:1006, typical arm values (nlmixr2lib Struemper_2025_tumorsize_OS_nsclc.R)"

# regimen id -> (treatment in the source, typical kg, typical ks), both 1/week
REFERENCE: dict[str, tuple[str, float, float]] = {
    "docetaxel_75_q3w": ("docetaxel", 0.01822, 0.03566),
    "pembrolizumab_q3w": ("pembrolizumab", 0.00651, 0.01700),
    "pembrolizumab_pemetrexed_platinum": ("pembrolizumab + chemotherapy", 0.01153, 0.03499),
    "pembrolizumab_carboplatin_paclitaxel": ("pembrolizumab + chemotherapy", 0.01153, 0.03499),
}

# a fitted ks below this (1/week) means the tumour did not shrink measurably
NO_SHRINKAGE_KS = 1e-3


def time_to_growth_weeks(kg: float, ks: float) -> float:
    """TTG of the Stein model (weeks, for rates in 1/week), as the OS link computes it."""
    return float(time_to_growth(np.asarray(kg), np.asarray(ks)))


def reference_label(row: dict, fmt) -> str:
    """'kg, ks, TTG (treatment)' of a row of `arm_dynamics`, numbers through `fmt`; '-' without one."""
    if not row["reference"]:
        return "-"
    return (f"{fmt(row['reference_kg_per_week'])}, {fmt(row['reference_ks_per_week'])}, "
            f"{fmt(row['reference_ttg_weeks'])} ({row['reference_treatment']})")


def _median(x: pd.Series) -> float | None:
    x = x.dropna()
    return float(np.median(x)) if len(x) else None


def arm_dynamics(endpoints: pd.DataFrame, regimens: dict[str, str]) -> list[dict]:
    """Per arm: median Stein kg, ks (1/week) and TTG (weeks) of the patients whose simulation succeeded,
    the share whose tumour never shrank, and the published typical values for the same treatment."""
    rows = []
    ok = endpoints[endpoints["solver_ok"]]
    for arm, g in ok.groupby("arm", sort=False):
        regimen = regimens.get(arm, "")
        ref = REFERENCE.get(regimen)
        ks = g["ks_per_week"].dropna()
        rows.append({
            "arm": arm, "regimen": regimen, "patients": int(len(g)),
            "kg_per_week": _median(g["kg_per_week"]), "ks_per_week": _median(g["ks_per_week"]),
            "ttg_weeks": _median(g["ttg_weeks"]),
            "share_without_shrinkage": float((ks < NO_SHRINKAGE_KS).mean()) if len(ks) else None,
            "reference_treatment": ref[0] if ref else None,
            "reference_kg_per_week": ref[1] if ref else None,
            "reference_ks_per_week": ref[2] if ref else None,
            "reference_ttg_weeks": time_to_growth_weeks(ref[1], ref[2]) if ref else None,
            "reference": STRUEMPER if ref else None,
        })
    return rows
