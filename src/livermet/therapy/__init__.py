"""Therapy library: drugs and local therapies (PK + PD hooks), the regimen language, toxicity.

    from livermet.therapy import get_agent, get_regimen
    m = get_regimen("pembrolizumab_q3w").build_model(liver_model)   # adds every agent's PK and hooks
    events = get_regimen("pembrolizumab_q3w").events(m, {"weight_kg": 70, "bsa_m2": 1.8}, 0, 730)

See docs/contracts.md section 4 for the interface with the trial layer.
"""

from .agents import AGENTS, PLACEBO, UnknownAgentError, get_agent, list_agents
from .base import COVARIATES, Agent, MissingHookError
from .chemotherapy import calvert_dose
from .local import bed, eqd2, lq_survival
from .regimen import (
    DoseRecord,
    Regimen,
    RegimenError,
    build_trial_model,
    get_regimen,
    list_regimens,
    load_library,
)
from .toxicity import ToxicityEvent, draw_for_patient, draw_toxicity, grade3_probability


def covariate_parameters(model, covariates: dict) -> dict[str, float]:
    """Model parameter values for a patient's covariates (only those the model has)."""
    out = {}
    for key, (pname, *_rest) in COVARIATES.items():
        if key in covariates and pname in model.parameters_:
            out[pname] = float(covariates[key])
    return out


__all__ = [
    "AGENTS", "PLACEBO", "Agent", "COVARIATES", "DoseRecord", "MissingHookError", "Regimen", "RegimenError",
    "ToxicityEvent", "UnknownAgentError", "bed", "build_trial_model", "calvert_dose", "covariate_parameters",
    "draw_for_patient", "draw_toxicity", "eqd2", "get_agent", "get_regimen", "grade3_probability", "list_agents",
    "list_regimens", "load_library", "lq_survival",
]
