"""Tumour-size dynamics of simulated arms against published Stein-model estimates (validation only).

The OS link reads each virtual patient's Stein growth rate kg, shrinkage rate ks and time to
growth TTG, fitted to its simulated target-lesion sums (trial/survival_link.py). Struemper et al.
2025 (CPT:PSP 14:1006; 786 NSCLC patients of 7 GSK trials) published the typical kg and ks of the
arms they modelled. Where a library arm gives the same treatment, the simulated medians are set
beside those typical values: an arm whose tumours shrink less, or regrow faster, than the source's
patients gets a shorter OS from the link for that reason alone. These values are not calibration
targets; they are shown to find where the tumour dynamics, not the link, are off.

The same holds for the nadir and the regrowth after it (`nadir_dynamics`): Nishino et al. measured,
in EGFR-mutant NSCLC on a first-line EGFR-TKI, when tumours bottomed out and how fast their volume
grew afterwards; a TKI arm is set beside those figures.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..trial.protocol import DAYS_PER_MONTH
from ..trial.survival_link import time_to_growth

STRUEMPER = "Struemper et al. 2025 CPT:PSP 14:1006, typical arm values (nlmixr2lib Struemper_2025_tumorsize_OS_nsclc.R)"

# regimen id -> (treatment in the source, typical kg, typical ks), both 1/week
REFERENCE: dict[str, tuple[str, float, float]] = {
    "docetaxel_75_q3w": ("docetaxel", 0.01822, 0.03566),
    "pembrolizumab_q3w": ("pembrolizumab", 0.00651, 0.01700),
    "pembrolizumab_pemetrexed_platinum": ("pembrolizumab + chemotherapy", 0.01153, 0.03499),
    "pembrolizumab_carboplatin_paclitaxel": ("pembrolizumab + chemotherapy", 0.01153, 0.03499),
}

NISHINO = ("Nishino et al. 2013 J Clin Oncol 31(15 suppl):e19125 (ASCO abstract): 58 EGFR-mutant NSCLC patients "
           "on first-line gefitinib or erlotinib whose tumours grew after the nadir; median time to nadir 6.3 months, "
           "log volume of the dominant lung lesion growing 0.12 per month after it")
# regimen id -> (treatment in the source, median time to nadir in months, post-nadir log-volume growth per month)
NADIR_REFERENCE: dict[str, tuple[str, float, float]] = {
    "osimertinib_80_daily": ("first-line EGFR-TKI (gefitinib or erlotinib)", 6.3, 0.12),
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


def nadir_reference_label(row: dict, fmt) -> str:
    """'months to nadir, growth per month' of the published reference of a row of `nadir_dynamics`."""
    return f"{fmt(row['reference_time_to_nadir_months'])}, {fmt(row['reference_post_nadir_growth_per_month'])}"


def _median(x: pd.Series) -> float | None:
    x = x.dropna()
    return float(np.median(x)) if len(x) else None


def _share(g: pd.DataFrame, column: str, test) -> float | None:
    return float(test(g[column]).mean()) if column in g and len(g) else None


def arm_dynamics(endpoints: pd.DataFrame, regimens: dict[str, str]) -> list[dict]:
    """Per arm: median Stein kg, ks (1/week) and TTG (weeks) of the patients whose simulation succeeded,
    the share whose tumour never shrank, the ORR and the share with progression as best response (how
    the arm splits into responders and non-responders, which sets those medians), and the published
    typical values for the same treatment."""
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
            "orr": _share(g, "responder", lambda x: x.astype(bool)),
            "share_pd_best": _share(g, "best_response", lambda x: x == "PD"),
            "reference_treatment": ref[0] if ref else None,
            "reference_kg_per_week": ref[1] if ref else None,
            "reference_ks_per_week": ref[2] if ref else None,
            "reference_ttg_weeks": time_to_growth_weeks(ref[1], ref[2]) if ref else None,
            "reference": STRUEMPER if ref else None,
        })
    return rows


def nadir_and_regrowth(assessments: pd.DataFrame) -> pd.DataFrame:
    """Per patient with a measurable baseline: the day of the smallest sum of target diameters (the
    first, if tied) and the growth of log volume per month from it to the first progression (or the
    last scan), volume taken as the cube of the sum (spheres). Growth is NaN without a later scan or
    when the nadir sum is 0."""
    rows = []
    for pid, g in assessments.sort_values(["patient_id", "day"]).groupby("patient_id", sort=False):
        g = g[np.isfinite(g["sld_mm"].to_numpy(float))]
        sld, day = g["sld_mm"].to_numpy(float), g["day"].to_numpy(float)
        if len(sld) == 0 or sld[0] <= 0:
            continue
        i = int(np.argmin(sld))
        pd_scans = np.flatnonzero((g["response"].to_numpy() == "PD") & (day > day[i]))
        j = int(pd_scans[0]) if len(pd_scans) else len(sld) - 1
        growth = np.nan
        if j > i and sld[i] > 0:
            growth = 3 * np.log(sld[j] / sld[i]) / ((day[j] - day[i]) / DAYS_PER_MONTH)
        rows.append((pid, g["arm"].iloc[0], day[i] / DAYS_PER_MONTH, growth))
    return pd.DataFrame(rows, columns=["patient_id", "arm", "time_to_nadir_months", "post_nadir_growth_per_month"])


def nadir_dynamics(assessments: pd.DataFrame, regimens: dict[str, str]) -> list[dict]:
    """Per arm whose regimen has a published reference (NADIR_REFERENCE): among the patients whose
    tumour grew after its nadir (as in the source), the median time to nadir and post-nadir growth."""
    # only arms with a reference: this runs in every calibration evaluation, for every trial
    arms = [a for a, r in regimens.items() if r in NADIR_REFERENCE]
    per_patient = nadir_and_regrowth(assessments[assessments["arm"].isin(arms)])
    rows = []
    for arm, g in per_patient.groupby("arm", sort=False):
        ref = NADIR_REFERENCE[regimens[arm]]
        grew = g[g["post_nadir_growth_per_month"] > 0]
        rows.append({
            "arm": arm, "regimen": regimens[arm], "patients": int(len(grew)),
            "time_to_nadir_months": _median(grew["time_to_nadir_months"]),
            "post_nadir_growth_per_month": _median(grew["post_nadir_growth_per_month"]),
            "reference_treatment": ref[0], "reference_time_to_nadir_months": ref[1],
            "reference_post_nadir_growth_per_month": ref[2], "reference": NISHINO,
        })
    return rows
