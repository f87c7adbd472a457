"""Hooks (docs/contracts.md section 2) through which therapies act on the model, plus constant
experiment inputs `set_<hook>` (0 by default) used by the in-silico experiments."""

from __future__ import annotations

from ...modeling import Model, assumed

# name, unit, description, default, upper bound of the experiment input
HOOKS = [
    ("pd1_occupancy", "dimensionless", "fraction of PD-1 receptors blocked (anti-PD-1: neither ligand can engage them)",
     0.0, 1.0),
    ("pdl1_blockade", "dimensionless", "fraction of PD-L1 blocked (anti-PD-L1: PD-L2 still engages PD-1)", 0.0, 1.0),
    ("ctla4_occupancy", "dimensionless", "fraction of CTLA-4 blocked (more priming; Treg depletion)", 0.0, 1.0),
    ("vegf_blockade", "dimensionless", "fraction of VEGF signalling neutralised", 0.0, 1.0),
    ("tgfbr_inhibition", "dimensionless", "fraction of TGF-beta receptor I signalling inhibited", 0.0, 1.0),
    ("il6_blockade", "dimensionless", "fraction of IL-6 signalling blocked", 0.0, 1.0),
    ("ccr2_blockade", "dimensionless", "fraction of CCR2-dependent monocyte recruitment blocked", 0.0, 1.0),
    ("grp78_blockade", "dimensionless", "fraction of GRP78 blocked", 0.0, 1.0),
    ("angptl1_supplement", "dimensionless", "relative increase of ANGPTL1 (exosomal ANGPTL1)", 0.0, 10.0),
    ("chemo_kill_rate", "1/day", "cytotoxic kill rate of proliferating cancer cells, in every lesion", 0.0, 10.0),
    ("chemo_resistant_kill_rate", "1/day", "kill rate of the chemo-resistant clone", 0.0, 10.0),
    ("chemo_lymphodepletion_rate", "1/day", "extra death rate of circulating lymphocytes", 0.0, 10.0),
    ("chemo_neutrophil_depletion", "dimensionless", "fractional fall of neutrophils (drives NLR)", 0.0, 1.0),
    ("targeted_kill_rate", "1/day", "kill rate of EGFR-mutant sensitive cancer cells", 0.0, 10.0),
    ("adc_kill_rate", "1/day", "integrin beta6 ADC kill rate", 0.0, 10.0),
    ("fap_depletion_rate", "1/day", "FAP+ fibroblast depletion (FAP CAR-T)", 0.0, 10.0),
    ("kupffer_depletion_rate", "1/day", "Kupffer-cell depletion (clodronate liposomes)", 0.0, 10.0),
    ("lsec_targeting", "dimensionless", "fraction of LSEC function disabled", 0.0, 1.0),
    ("liver_function_delivery", "dimensionless",
     "chemotherapy exposure factor (1 = normal; lower in liver dysfunction); scales chemotherapy kill", 1.0, 0.0),
]


def hooks_module(m: Model) -> dict:
    with m.module("hooks", "hooks through which therapies act (contracts section 2) and experiment inputs"):
        out = {}
        for name, unit, desc, default, upper in HOOKS:
            out[name] = m.hook(name, unit, desc, default=default)
            lo, hi = (-1.0, 0.0) if name == "liver_function_delivery" else (0.0, upper)
            knob = m.parameter(
                f"set_{name}", 0.0, unit, lo, hi,
                source=assumed("in-silico experiment input added to the hook; 0 means no intervention"),
                description=f"constant experimental value added to hook {name}",
            )
            m.contribute(name, knob)
    return out
