"""Analysis of simulated trials: survival statistics with lifelines, subgroups, published comparison."""

from .survival import (
    adverse_event_rates,
    cox_hazard_ratio,
    kaplan_meier,
    km_summary,
    logrank_p,
    proportion,
    spider,
    waterfall,
)
from .trial_summary import summarise

__all__ = ["adverse_event_rates", "cox_hazard_ratio", "kaplan_meier", "km_summary", "logrank_p", "proportion",
           "spider", "summarise", "waterfall"]
