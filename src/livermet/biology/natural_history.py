"""Untreated natural history of the liver-metastasis model: tumour doubling times and the time from a
1 cm primary to a detectable (>= 10 mm) liver metastasis.

Plausible ranges (used by the tests):
* volume doubling time of the untreated primary between 1 and 3 cm: 60-400 days. Reported NSCLC volume
  doubling times are mostly 3-12 months (e.g. Usuda 1994, the source QSPIO-TNBC cites for its growth rate;
  Detterbeck & Gibson 2008 review of screening series);
* time from a 1 cm primary to a detectable liver metastasis: 1-6 years. Reasoning: at diagnosis the median
  NSCLC primary is about 3.7 cm (OAK, the QSPIO-TNBC initial diameter), which is 50 volumes of a 1 cm
  lesion, about 5.6 doublings or 1.5-5 years at the doubling times above; liver metastases are present at
  diagnosis in a minority (about 4-20%, s001_1_06) and appear in many more later, so the first detectable
  liver lesion in a liver-prone patient falls in the same years, not months and not decades.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

VDT_RANGE_DAYS = (60.0, 400.0)
LIVER_DETECTION_RANGE_DAYS = (365.0, 6 * 365.0)


@dataclass
class NaturalHistory:
    primary_vdt_days: float          # volume doubling time of the primary between 10 and 30 mm
    primary_days_10_to_30mm: float
    liver_first_lesion_day: float    # first vascularised liver lesion (lesion count reaches 1)
    liver_detectable_day: float      # first liver lesion at least 10 mm
    liver_lesion_vdt_days: float     # volume doubling time of a liver lesion between 5 and 10 mm
    primary_diameter_at_liver_detection_mm: float
    n_liver_lesions_at_detection: float

    def to_dict(self) -> dict:
        return asdict(self)


def _crossing(t: np.ndarray, y: np.ndarray, level: float) -> float:
    """First time y reaches level (linear interpolation); nan if never."""
    idx = np.flatnonzero(y >= level)
    if len(idx) == 0:
        return float("nan")
    k = idx[0]
    if k == 0:
        return float(t[0])
    return float(t[k - 1] + (level - y[k - 1]) * (t[k] - t[k - 1]) / (y[k] - y[k - 1]))


def natural_history(parameters: dict | None = None, days: float = 3000.0, model=None) -> NaturalHistory:
    """Simulate one untreated patient from a 1 cm primary (model default) and summarise its course."""
    from ..engine import simulate
    from .liver import liver_metastasis_model

    m = model or liver_metastasis_model()
    times = np.linspace(0.0, days, int(days // 5) + 1)
    res = simulate(m, times, {k: [v] for k, v in (parameters or {}).items()} or None, n_patients=1)
    if res.status[0] != 0:
        raise RuntimeError(f"natural-history simulation failed: {res.messages[0]}")
    dp = res.observable("diameter_primary")[0]
    dl = res.observable("diameter_liver")[0]
    nl = res.observable("lesions_liver")[0]
    t10, t30 = _crossing(times, dp, 10.0), _crossing(times, dp, 30.0)
    vdt = (t30 - t10) * np.log(2) / (3 * np.log(3.0))  # volume ratio 27
    t_first = _crossing(times, nl, 1.0)
    t_det = _crossing(times, dl, 10.0)
    t5 = _crossing(times, dl, 5.0)
    lvdt = (t_det - t5) * np.log(2) / (3 * np.log(2.0))
    k = int(np.argmin(np.abs(times - t_det))) if np.isfinite(t_det) else -1
    return NaturalHistory(
        primary_vdt_days=float(vdt), primary_days_10_to_30mm=float(t30 - t10),
        liver_first_lesion_day=t_first, liver_detectable_day=t_det, liver_lesion_vdt_days=float(lvdt),
        primary_diameter_at_liver_detection_mm=float(dp[k]) if k >= 0 else float("nan"),
        n_liver_lesions_at_detection=float(nl[k]) if k >= 0 else float("nan"),
    )


__all__ = ["LIVER_DETECTION_RANGE_DAYS", "NaturalHistory", "VDT_RANGE_DAYS", "natural_history"]
