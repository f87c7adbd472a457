"""site_immunity.py TRIAL ARM [-n N] [--seed S] [--out DIR] [--set NAME=VALUE ...] [--json OUT]: why lesions at one
site shrink on a checkpoint inhibitor and at another do not, read from the CD8 T-cell kill of every lesion.

The kill rate of a recognised cancer cell in a lesion (biology/liver/lesion_immunity.py) is a product:
  k_C_Tcell x recognition x T/(K_T_C C + T + 1) x T/(T + K_T_Treg Treg + 1) x (1 - e_tgf H_TGFb) x (1 - e_pd1 H_PD1)
  x (1 - H_MDSC)   (the last in liver lesions only).
This script simulates the trial with each factor added as an observable (a probe model: nothing in the library
changes), keeps every patient's trajectories and prints, per site and scan day, the medians over the patients of ARM
with a lesion of at least 1e7 cells there at the start of treatment: the kill rate, each factor, the lesion's size
relative to its start and the share of those lesions down by 30% in diameter or more. A second table compares
patients with and without liver metastasis: effector CD8 T cells in blood, and the T-cell factor and kill rate of
their primary tumour.
Run with the package's Python: .venv/bin/python docs/calibration/site_immunity.py keynote024 pembro -n 600 --seed 2
"""
import argparse, json
from pathlib import Path

import numpy as np
import pandas as pd
import sympy as sp

from livermet.biology import MODELS
from livermet.trial import models as M
from livermet.trial.library import resolve
from livermet.trial.protocol import load_protocol
from livermet.trial.runner import load_results, run_trial

SITES = ("primary", "liver", "bone", "brain", "adrenal")
DAYS = (0, 21, 63, 126)
S = sp.Symbol

ap = argparse.ArgumentParser()
ap.add_argument("trial")
ap.add_argument("arm")
ap.add_argument("-n", type=int, default=600)
ap.add_argument("--seed", type=int, default=2)
ap.add_argument("--out", default="site_immunity_run")
ap.add_argument("--set", action="append", default=[], help="NAME=VALUE override of a population value")
ap.add_argument("--json", dest="json_out")
a = ap.parse_args()


def probe_model():
    m = MODELS["liver"]()
    for s in SITES:
        T, C, R = S(f"T_{s}"), S(f"C_{s}"), S(f"Treg_{s}")
        m.observable(f"probe_kill_rate_{s}", S(f"kill_rate_{s}"), "1/day")
        m.observable(f"probe_t_per_c_{s}", T / (S("K_T_C") * C + T + S("one_cell")), "dimensionless")
        m.observable(f"probe_treg_{s}", T / (T + S("K_T_Treg") * R + S("one_cell")), "dimensionless")
        m.observable(f"probe_tgf_{s}", 1 - S("e_tgf") * S(f"H_TGFb_{s}"), "dimensionless")
        m.observable(f"probe_pd1_{s}", 1 - S("e_pd1") * S(f"H_PD1_{s}"), "dimensionless")
        m.observable(f"probe_cells_{s}", C, "cell")
    m.observable("probe_mdsc_liver", 1 - S("H_MDSC_liver"), "dimensionless")
    return m


library = M.get_setup("liver")
M.register_setup("liver_site_probe", lambda: M.TrialSetup("liver_site_probe", probe_model, library.get_regimen,
                                                          library.patient_parameters, "liver model with probes"))
overrides = {k: float(v) for k, v in (s.split("=", 1) for s in a.set)}
parameter_set = Path(__file__).resolve().parents[2] / "src/livermet/library/parameter_sets/liver.yaml"
run_trial(load_protocol(resolve(a.trial)), a.n, a.seed, a.out, model_name="liver_site_probe", progress=False,
          dynamics_patients=10**6, parameter_set=str(parameter_set), overrides=overrides)

res = load_results(a.out)
liver_met = res["patients"].set_index("patient_id")["liver_metastasis"].astype(str) == "yes"
dyn = res["dynamics"]
dyn = dyn[(dyn.arm == a.arm) & dyn.observable.str.startswith(("probe_", "cd8_blood"))]
wide = dyn.pivot_table(index=["patient_id", "day"], columns="observable", values="value")
days = np.array(sorted(wide.index.get_level_values(1).unique()))


def at(day):
    return wide.xs(days[np.abs(days - day).argmin()], level=1)


start = at(0)
sites, systemic = [], []
for day in DAYS:
    x = at(day)
    for s in SITES:
        has = start[f"probe_cells_{s}"] > 1e7
        if has.sum() < 5:
            continue
        y, ratio = x[has], x[has][f"probe_cells_{s}"] / start[has][f"probe_cells_{s}"]
        row = {"day": day, "site": s, "lesions": int(has.sum()),
               **{f: float(y[f"probe_{f}_{s}"].median()) for f in ("kill_rate", "t_per_c", "treg", "tgf", "pd1")},
               "mdsc": float(y["probe_mdsc_liver"].median()) if s == "liver" else 1.0,
               "cells_vs_start": float(ratio.median()),
               "down_30pct_diameter": float((ratio < 0.7**3).mean())}  # 30% in diameter is 0.343 in volume
        sites.append(row)
    group = liver_met.reindex(x.index)
    for flag, label in ((True, "liver metastasis"), (False, "no liver metastasis")):
        g = x[group == flag]
        systemic.append({"day": day, "patients": label, "n": len(g), "cd8_blood": float(g["cd8_blood"].median()),
                         "primary_t_per_c": float(g["probe_t_per_c_primary"].median()),
                         "primary_kill_rate": float(g["probe_kill_rate_primary"].median())})

fmt = lambda v: f"{v:.3g}"  # noqa: E731
print(pd.DataFrame(sites).to_string(index=False, float_format=fmt))
print()
print(pd.DataFrame(systemic).to_string(index=False, float_format=fmt))
if a.json_out:
    Path(a.json_out).write_text(json.dumps({"trial": a.trial, "arm": a.arm, "patients": a.n, "seed": a.seed,
                                            "overrides": overrides, "sites": sites, "systemic": systemic}, indent=1))
