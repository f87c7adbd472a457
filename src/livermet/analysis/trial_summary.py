"""Endpoints of a virtual trial per arm and per subgroup, and the comparison with published values."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .survival import (
    DAYS_PER_MONTH,
    adverse_event_rates,
    cox_hazard_ratio,
    km_summary,
    logrank_p,
    proportion,
)

AT_RISK_MONTHS = (0, 6, 12, 18, 24, 30, 36, 48, 60)


def _subgroup_column(patients: pd.DataFrame, name: str) -> pd.Series:
    from ..trial.randomisation import subgroup_value

    return pd.Series(np.asarray(subgroup_value(patients.set_index("patient_id"), name)),
                     index=patients["patient_id"].to_numpy())


def analysis_table(results: dict[str, pd.DataFrame], subgroups: list[str], strata: list[str]) -> pd.DataFrame:
    """Endpoints of patients whose simulation succeeded, in months, with subgroup and stratum columns."""
    e = results["endpoints"]
    e = e[e["solver_ok"]].copy()
    for c in ("os_days", "pfs_days", "dor_days", "pfs_liver_days"):
        if c in e:  # runs stored before session 47 have no intrahepatic endpoints
            e[c.replace("_days", "_months")] = e[c] / DAYS_PER_MONTH
    pats = results["patients"]
    for s in dict.fromkeys([*subgroups, *strata]):
        col = _subgroup_column(pats, s)
        e[s] = col.reindex(e["patient_id"].to_numpy()).to_numpy()
    return e


def arm_summary(df: pd.DataFrame) -> dict:
    resp = df[df["responder"]]
    return {
        "n": int(len(df)),
        "os": km_summary(df["os_months"], df["os_event"], "OS", at_risk_times=AT_RISK_MONTHS),
        "pfs": km_summary(df["pfs_months"], df["pfs_event"], "PFS", at_risk_times=AT_RISK_MONTHS),
        "orr": proportion(int(df["responder"].sum()), len(df)),
        "dcr": proportion(int(df["disease_control"].sum()), len(df)),
        "dor": km_summary(resp["dor_months"], resp["dor_event"], "DoR"),
        **_intrahepatic(df),
    }


def _intrahepatic(df: pd.DataFrame) -> dict:
    """Intrahepatic ORR and PFS (RECIST read on the liver lesions alone) of the patients with a measurable
    liver lesion at baseline."""
    if "liver_measurable" not in df:
        return {}
    lm = df[df["liver_measurable"].astype(bool)]
    return {"orr_liver": proportion(int(lm["liver_responder"].sum()), len(lm)),
            "pfs_liver": km_summary(lm["pfs_liver_months"], lm["pfs_liver_event"], "intrahepatic PFS")}


def compare(df: pd.DataFrame, exp: str, ctrl: str, strata: list[str]) -> dict:
    out = {"experimental": exp, "control": ctrl}
    for ep in ("os", "pfs"):
        hr = cox_hazard_ratio(df, f"{ep}_months", f"{ep}_event", "arm", exp, ctrl, strata)
        hr["logrank_p"] = logrank_p(df, f"{ep}_months", f"{ep}_event", "arm", exp, ctrl)
        out[ep] = hr
    return out


def _strip_curve(s: dict) -> dict:
    return {k: v for k, v in s.items() if k != "curve"}


def summarise(results: dict[str, pd.DataFrame], protocol, published: list[dict] | None = None,
              validation: list[dict] | None = None) -> dict:
    """JSON-able summary: per arm, comparisons (stratified Cox HR as the protocol says), subgroups, AEs;
    simulated against the published targets (`published`) and, apart, the held-out `validation` figures."""
    subgroups = list(protocol.subgroups)
    strata = list(protocol.randomisation.stratify_by)
    df = analysis_table(results, subgroups, strata)
    arms = [a.id for a in protocol.arms]
    ctrl = protocol.control_arm.id if protocol.control_arm else None
    exps = [a.id for a in protocol.experimental_arms] if ctrl else []
    out: dict = {"n_patients": int(len(results["endpoints"])), "n_analysed": int(len(df)),
                 "solver_failures": int((~results["endpoints"]["solver_ok"]).sum()), "arms": {}, "comparisons": [],
                 "subgroups": {}, "forest": []}
    for a in arms:
        out["arms"][a] = arm_summary(df[df["arm"] == a])
    ae = adverse_event_rates(results["events"], results["endpoints"][results["endpoints"]["solver_ok"]])
    for a in arms:
        out["arms"][a]["ae_grade3"] = ae.get(a, proportion(0, 0))
    for e in exps:
        out["comparisons"].append({"subgroup": "all", **compare(df, e, ctrl, strata)})
    for s in subgroups:
        levels = sorted(df[s].dropna().astype(str).unique())
        out["subgroups"][s] = {}
        for lv in levels:
            sub = df[df[s].astype(str) == lv]
            entry = {"arms": {a: _strip_curve_arm(arm_summary(sub[sub["arm"] == a])) for a in arms}}
            # within a subgroup, stratify by the other factors only
            st = [x for x in strata if x != s]
            entry["comparisons"] = [compare(sub, e, ctrl, st) for e in exps]
            entry["curves"] = {a: {"os": arm_summary(sub[sub["arm"] == a])["os"],
                                   "pfs": arm_summary(sub[sub["arm"] == a])["pfs"]} for a in arms}
            out["subgroups"][s][lv] = entry
            for c in entry["comparisons"]:
                out["forest"].append({"subgroup": s, "level": lv, "experimental": c["experimental"],
                                      "control": c["control"], "endpoint": "os", "n": c["os"]["n"],
                                      "hr": c["os"]["hr"], "hr_ci": c["os"]["hr_ci"]})
    pats = results["patients"]
    out["baseline"] = {"liver_metastasis_share": float((pats["liver_metastasis"] == "yes").mean()) if len(pats) else None}
    share = {"liver_metastasis": out["baseline"]["liver_metastasis_share"]}
    for key, records in (("published", published), ("validation", validation)):
        if records:
            out[key] = compare_published(df, records, ctrl, exps, share)
    return out


def _strip_curve_arm(s: dict) -> dict:
    return {k: (_strip_curve(v) if isinstance(v, dict) and "curve" in v else v) for k, v in s.items()}


def _select(df: pd.DataFrame, spec: str) -> pd.DataFrame:
    """Rows of an arm id, or of a subgroup level written 'name=level' (several joined by '&')."""
    out = df
    for part in spec.split("&"):
        part = part.strip()
        if "=" in part:
            name, level = part.split("=", 1)
            if name not in out.columns:
                from ..trial.randomisation import subgroup_value  # noqa: F401 - the column set is fixed upstream
                raise KeyError(f"subgroup {name!r} is not among the analysed subgroups")
            out = out[out[name].astype(str) == level]
        elif part != "all":
            out = out[out["arm"] == part]
    return out


def json_interval(ci):
    """An interval for JSON: an upper bound that was not reached (inf in the knowledge base) is None."""
    if not ci or len(ci) != 2 or ci[1] is None or not math.isinf(ci[1]):
        return ci
    return [ci[0], None]


def _with_measurable_liver(g: pd.DataFrame) -> pd.DataFrame:
    """The patients with a measurable liver lesion at baseline (none in a run stored before session 47)."""
    return g[g["liver_measurable"].astype(bool)] if "liver_measurable" in g else g.iloc[:0]


def _n_key(role: str) -> str:
    return "n_exp" if role == "experimental" else "n_ctrl"


def compare_published(df: pd.DataFrame, published: list[dict], ctrl: str | None, exps: list[str],
                      baseline_share: dict[str, float] | None = None) -> list[dict]:
    """Rows of (published value with CI, simulated value with CI), one per quantity of each record."""
    rows = []
    for rec in published:
        sub = _select(df, rec["subgroup"]) if rec["subgroup"] != "all" else df
        exp_spec = rec.get("experimental") or (exps[0] if exps else "all")
        ctrl_spec = rec.get("control") or ctrl
        g_exp = _select(sub, exp_spec)
        g_ctrl = _select(sub, ctrl_spec) if ctrl_spec else None
        ep = str(rec.get("endpoint", "")).lower()
        stat = rec.get("statistic")
        key = "os" if ep.startswith("os") else "pfs" if ep.startswith("pfs") else "orr" if "orr" in ep else ep
        intrahepatic = "intrahepatic" in ep  # RECIST on the liver lesions of patients with a measurable one
        if intrahepatic:
            g_exp = _with_measurable_liver(g_exp)
            g_ctrl = None if g_ctrl is None else _with_measurable_liver(g_ctrl)
        col = {"os": "os", "pfs": "pfs_liver" if intrahepatic else "pfs",
               "orr": "liver_responder" if intrahepatic else "responder"}
        base = {"record": rec["record"], "target_id": rec.get("target_id"), "trial": rec.get("trial"),
                "subgroup": rec["subgroup"], "endpoint": rec.get("endpoint"), "unit": rec.get("unit"),
                "experimental": exp_spec, "control": ctrl_spec, "n_total": int(len(df))}
        groups = [("experimental", exp_spec, g_exp, "value_exp", "ci_exp")]
        if g_ctrl is not None:
            groups.append(("control", ctrl_spec, g_ctrl, "value_ctrl", "ci_ctrl"))
        n0 = len(rows)
        if key in ("os", "pfs") and stat == "median":
            for role, spec, g, vk, ck in groups:
                if rec.get(vk) is None:
                    continue
                s = km_summary(g[f"{col[key]}_months"], g[f"{col[key]}_event"])
                label = f"intrahepatic {key.upper()}" if intrahepatic else key.upper()
                rows.append({**base, "kind": "median", "role": role, "n": s["n"], "published_n": rec.get(_n_key(role)),
                             "quantity": f"median {label}, months ({role}: {spec}, n={s['n']})",
                             "published": rec[vk], "published_ci": json_interval(rec.get(ck)), "simulated": s["median"],
                             "simulated_ci": s["median_ci"]})
        if key in ("os", "pfs") and rec.get("hr") is not None and g_ctrl is not None:
            both = pd.concat([g_exp.assign(_grp="exp"), g_ctrl.assign(_grp="ctrl")])
            c = cox_hazard_ratio(both, f"{col[key]}_months", f"{col[key]}_event", "_grp", "exp", "ctrl")
            rows.append({**base, "kind": "hr", "role": "contrast", "n": c.get("n"),
                         "published_n": (rec["n_exp"] + rec["n_ctrl"]) if rec.get("n_exp") and rec.get("n_ctrl") else None,
                         "published_p": rec.get("p_value"),
                         "quantity": f"HR {key.upper()} ({exp_spec} vs {ctrl_spec}; unstratified Cox)", "published": rec["hr"],
                         "published_ci": rec.get("hr_ci"), "simulated": c["hr"], "simulated_ci": c["hr_ci"]})
        if key == "survival_rate" and rec.get("at_months"):
            t = float(rec["at_months"])
            which = "os"
            for role, spec, g, vk, ck in groups:
                if rec.get(vk) is None or len(g) == 0:
                    continue
                from .survival import kaplan_meier

                kmf = kaplan_meier(g[f"{which}_months"], g[f"{which}_event"])
                v = float(kmf.survival_function_at_times(t).iloc[0]) * 100
                rows.append({**base, "kind": "rate", "estimator": "kaplan_meier", "role": role, "n": int(len(g)),
                             "published_n": rec.get(_n_key(role)),
                             "quantity": f"{which.upper()} rate at {t:g} months, % ({role}: {spec})",
                             "published": rec[vk], "published_ci": json_interval(rec.get(ck)), "simulated": v,
                             "simulated_ci": None})
        if key == "orr" and stat in ("proportion", "rate"):
            for role, spec, g, vk, ck in groups:
                if rec.get(vk) is None:
                    continue
                pr = proportion(int(g[col["orr"]].sum()), len(g))
                label = "intrahepatic ORR" if intrahepatic else "ORR"
                rows.append({**base, "kind": "rate", "role": role, "n": pr["n"], "published_n": rec.get(_n_key(role)),
                             "quantity": f"{label} % ({role}: {spec}, n={pr['n']})", "published": rec[vk],
                             "published_ci": json_interval(rec.get(ck)),
                             "simulated": None if pr["rate"] is None else 100 * pr["rate"],
                             "simulated_ci": [None if x is None else 100 * x for x in pr["ci"]]})
        if key in ("share", "prevalence") and baseline_share is not None and "liver" in str(rec.get("kb_subgroup", "")) \
                and rec.get("unit") == "percent":
            rows.append({**base, "kind": "share", "role": "baseline", "n": int(len(df)), "published_n": None,
                         "quantity": "share of patients with liver metastasis at baseline, %",
                         "published": rec.get("value_exp"), "published_ci": None,
                         "simulated": 100 * baseline_share["liver_metastasis"], "simulated_ci": None})
        if len(rows) == n0:
            rows.append({**base, "kind": None, "role": None, "n": None, "published_n": None,
                         "quantity": f"{rec.get('endpoint')} ({stat})", "published": rec.get("value_exp"),
                         "published_ci": json_interval(rec.get("ci_exp")), "simulated": None, "simulated_ci": None,
                         "note": "no simulated counterpart for this statistic"})
    return rows
