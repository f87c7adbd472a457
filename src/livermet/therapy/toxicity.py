"""Grade >= 3 treatment-related adverse events: a per-regimen probability model for virtual trials.

Each regimen YAML may carry a `toxicity` block: the published probability p of a grade >= 3
treatment-related adverse event (TRAE) over the trial's treatment exposure, its source, the median
onset, and the fraction of such events that stop treatment. A patient's draw:

- whether: the event happens with probability p, scaled by the fraction of the reference window
  that the patient is actually on treatment (hazard proportional to exposure);
- when: onset from an exponential distribution with the published (or assumed) median onset,
  truncated to the time on treatment (inverse-CDF sampling, so a draw is one uniform number);
- consequence: discontinuation with the given probability, else a dose hold of `hold_days`.

Each patient uses its own random stream (livermet.population.patient_rng(seed, patient, stream)),
so draws do not depend on batch size or order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .regimen import Regimen, get_regimen

TOXICITY_STREAM = 5  # the random stream reserved for toxicity draws


@dataclass(frozen=True)
class ToxicityEvent:
    occurs: bool
    day: float | None  # simulation day of onset (None when no event)
    discontinue: bool
    hold_days: float

    def as_dict(self) -> dict:
        return {"occurs": self.occurs, "day": self.day, "discontinue": self.discontinue, "hold_days": self.hold_days}


def grade3_probability(regimen: Regimen | str, exposure_days: float | None = None) -> float:
    """Probability of a grade >= 3 TRAE over `exposure_days` on treatment (default: the reference window)."""
    r = get_regimen(regimen) if isinstance(regimen, str) else regimen
    tox = r.spec.toxicity
    if tox is None:
        raise ValueError(f"regimen {r.id!r} has no toxicity data")
    if exposure_days is None:
        return tox.grade3plus
    # constant hazard calibrated so that the reference window gives the published probability
    lam = -math.log(1 - min(tox.grade3plus, 0.999)) / tox.window_days
    return 1 - math.exp(-lam * max(exposure_days, 0.0))


def draw_toxicity(regimen: Regimen | str, rng: np.random.Generator, start_day: float = 0.0,
                  treatment_days: float | None = None, hold_days: float = 21.0) -> ToxicityEvent:
    """Draw whether and when one patient has a grade >= 3 TRAE (uses exactly three uniforms)."""
    r = get_regimen(regimen) if isinstance(regimen, str) else regimen
    tox = r.spec.toxicity
    u_occ, u_time, u_stop = rng.random(3)
    if tox is None:
        return ToxicityEvent(False, None, False, 0.0)
    window = tox.window_days if treatment_days is None else max(treatment_days, 0.0)
    p = grade3_probability(r, window)
    if u_occ >= p or window <= 0:
        return ToxicityEvent(False, None, False, 0.0)
    # exponential onset with the given median, truncated to the window
    rate = math.log(2) / tox.median_onset_days
    f_window = 1 - math.exp(-rate * window)
    onset = -math.log(1 - u_time * f_window) / rate
    stop = bool(u_stop < tox.discontinuation)
    return ToxicityEvent(True, start_day + onset, stop, 0.0 if stop else hold_days)


def draw_for_patient(regimen: Regimen | str, seed: int, patient_id: int, **kwargs) -> ToxicityEvent:
    from ..population.sampling import patient_rng
    return draw_toxicity(regimen, patient_rng(seed, patient_id, TOXICITY_STREAM), **kwargs)
