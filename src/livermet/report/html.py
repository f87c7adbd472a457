"""One self-contained HTML report of a virtual trial (works offline: plotly.js is inlined).

Sections: summary per arm, simulated vs published table (with the published CI), Kaplan-Meier
curves of OS and PFS by arm (overall and by liver-metastasis subgroup, with numbers at risk),
forest plot, waterfall, spider plot, dynamics of example patients, protocol, manifest, OS-link
coefficients. The values shown are the simulation's, unadjusted.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..analysis.survival import spider, waterfall
from ..analysis.tumour_dynamics import arm_dynamics, reference_label

COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]


def _fmt(x, digits: int = 1) -> str:
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return "NR"
    return f"{x:.{digits}f}"


def _ci(ci, digits: int = 1) -> str:
    if not ci or ci[0] is None and ci[1] is None:
        return ""
    return f"({_fmt(ci[0], digits)}–{_fmt(ci[1], digits)})"


def km_figure(curves: dict[str, dict], title: str, endpoint: str, at_risk_times) -> go.Figure:
    """KM curves with confidence bands per arm, numbers at risk underneath."""
    fig = make_subplots(rows=2, cols=1, row_heights=[0.78, 0.22], shared_xaxes=True, vertical_spacing=0.06)
    for k, (arm, s) in enumerate(curves.items()):
        c = s.get("curve")
        if not c:
            continue
        col = COLORS[k % len(COLORS)]
        t, sv = c["time"], c["survival"]
        fig.add_trace(go.Scatter(x=t + t[::-1], y=c["upper"] + c["lower"][::-1], fill="toself", fillcolor=col,
                                 opacity=0.15, line={"width": 0}, hoverinfo="skip", showlegend=False,
                                 legendgroup=arm), row=1, col=1)
        label = f"{arm}: median {_fmt(s['median'])} {_ci(s['median_ci'])} mo, n={s['n']}"
        fig.add_trace(go.Scatter(x=t, y=sv, mode="lines", line={"shape": "hv", "color": col, "width": 2.5},
                                 name=label, legendgroup=arm), row=1, col=1)
        risk = [r for r in s.get("at_risk", []) if r["n"] > 0 or r["time"] == 0]
        fig.add_trace(go.Scatter(x=[r["time"] for r in risk], y=[arm] * len(risk), mode="text",
                                 text=[str(r["n"]) for r in risk], textfont={"color": col}, showlegend=False,
                                 hoverinfo="skip"), row=2, col=1)
    fig.update_yaxes(title_text=f"{endpoint} probability", range=[0, 1.02], row=1, col=1)
    fig.update_yaxes(title_text="at risk", row=2, col=1, showgrid=False)
    t_max = max([max(s["curve"]["time"]) for s in curves.values() if s.get("curve")] + [1.0])
    ticks = [t for t in at_risk_times if t <= t_max * 1.05] or list(at_risk_times)
    fig.update_xaxes(range=[0, max(ticks[-1], t_max) * 1.02], row=1, col=1)
    fig.update_xaxes(title_text="months since randomisation", tickvals=ticks, row=2, col=1)
    fig.update_layout(title=title, height=520, template="plotly_white", legend={"x": 0.45, "y": 0.98})
    return fig


def forest_figure(forest: list[dict], overall: list[dict]) -> go.Figure:
    rows = [{"label": f"all patients ({c['experimental']} vs {c['control']})", "hr": c["os"]["hr"],
             "ci": c["os"]["hr_ci"], "n": c["os"]["n"]} for c in overall]
    rows += [{"label": f"{r['subgroup']} = {r['level']}", "hr": r["hr"], "ci": r["hr_ci"], "n": r["n"]}
             for r in forest]
    rows = [r for r in rows if r["hr"] is not None and r["ci"] and None not in r["ci"]]
    fig = go.Figure()
    if rows:
        y = [f"{r['label']} (n={r['n']})" for r in rows]
        hr = [r["hr"] for r in rows]
        fig.add_trace(go.Scatter(
            x=hr, y=y, mode="markers", marker={"size": 10, "color": "#1f77b4", "symbol": "square"},
            error_x={"type": "data", "symmetric": False, "array": [r["ci"][1] - r["hr"] for r in rows],
                     "arrayminus": [r["hr"] - r["ci"][0] for r in rows]},
            text=[f"HR {_fmt(r['hr'], 2)} {_ci(r['ci'], 2)}" for r in rows], hoverinfo="text", name="HR (95% CI)"))
        fig.add_vline(x=1.0, line_dash="dash", line_color="grey")
    fig.update_xaxes(type="log", title_text="hazard ratio for OS (95% CI), log scale")
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(title="Forest plot: OS hazard ratio by subgroup", height=140 + 40 * max(len(rows), 1),
                      template="plotly_white")
    return fig


def waterfall_figure(wf: pd.DataFrame, arms: list[str]) -> go.Figure:
    fig = go.Figure()
    for k, arm in enumerate(arms):
        w = wf[wf["arm"] == arm]
        fig.add_trace(go.Bar(x=w.index.to_numpy(), y=w["best_change_pct"], name=arm,
                             marker_color=COLORS[k % len(COLORS)], hovertext=w["best_response"]))
    fig.add_hline(y=20, line_dash="dot", line_color="grey")
    fig.add_hline(y=-30, line_dash="dot", line_color="grey")
    fig.update_layout(title="Waterfall: best change of the sum of target diameters (+20% / −30% lines)",
                      xaxis_title="patients (sorted)", yaxis_title="best change from baseline (%)",
                      bargap=0, height=420, template="plotly_white")
    return fig


def spider_figure(sp: pd.DataFrame, arms: list[str], max_patients: int = 60) -> go.Figure:
    fig = go.Figure()
    for k, arm in enumerate(arms):
        ids = sorted(sp.loc[sp["arm"] == arm, "patient_id"].unique())[:max_patients]
        first = True
        for pid in ids:
            d = sp[sp["patient_id"] == pid]
            fig.add_trace(go.Scatter(x=d["day"] / 30.4375, y=d["sld_change_pct"], mode="lines",
                                     line={"color": COLORS[k % len(COLORS)], "width": 1}, opacity=0.6,
                                     name=arm, legendgroup=arm, showlegend=first,
                                     hovertext=[f"patient {pid}: {r}" for r in d["response"]]))
            first = False
    fig.update_layout(title=f"Spider plot: change of the sum of target diameters (first {max_patients} per arm)",
                      xaxis_title="months", yaxis_title="change from baseline (%)", height=420,
                      template="plotly_white")
    return fig


def dynamics_figure(dyn: pd.DataFrame, arms: list[str] | None = None, max_panels: int = 12) -> go.Figure:
    if dyn.empty:
        return go.Figure().update_layout(title="no example-patient dynamics stored")
    names = list(dict.fromkeys(dyn["observable"]))
    preferred = ["tumour_burden", "lymphocytes", "nlr", "ldh"]
    rest = [n for n in names if n not in preferred and not n.startswith(("diameter_", "n_lesions_"))]
    show = [n for n in preferred if n in names] + rest
    show = show[:max_panels]
    cols = 2
    rows = (len(show) + 1) // cols
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=show)
    arms = list(arms or []) + [a for a in dict.fromkeys(dyn["arm"]) if a not in (arms or [])]
    for j, name in enumerate(show):
        d = dyn[dyn["observable"] == name]
        for pid, g in d.groupby("patient_id"):
            arm = g["arm"].iloc[0]
            fig.add_trace(go.Scatter(x=g["day"] / 30.4375, y=g["value"], mode="lines",
                                     line={"color": COLORS[arms.index(arm) % len(COLORS)], "width": 1.2},
                                     name=f"patient {pid} ({arm})", legendgroup=str(pid), showlegend=j == 0),
                          row=j // cols + 1, col=j % cols + 1)
    fig.update_layout(title="Dynamics of example patients (model observables, months)", height=260 * rows,
                      template="plotly_white")
    return fig


def _table(headers: list[str], rows: list[list]) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _arm_rows(summary: dict) -> list[list]:
    out = []
    for arm, s in summary["arms"].items():
        out.append([arm, s["n"], f"{_fmt(s['os']['median'])} {_ci(s['os']['median_ci'])}",
                    f"{_fmt(s['pfs']['median'])} {_ci(s['pfs']['median_ci'])}",
                    f"{_fmt(100 * s['orr']['rate'] if s['orr']['rate'] is not None else None)} "
                    f"{_ci([100 * x for x in s['orr']['ci']] if s['orr']['rate'] is not None else None)}",
                    f"{_fmt(100 * s['dcr']['rate'] if s['dcr']['rate'] is not None else None)}",
                    f"{_fmt(s['dor']['median'])}",
                    f"{_fmt(100 * s['ae_grade3']['rate'] if s['ae_grade3']['rate'] is not None else None)}"])
    return out


def _intrahepatic_rows(summary: dict) -> list[list]:
    """Per arm: patients with a measurable liver lesion, their intrahepatic ORR (exact CI) and median intrahepatic
    PFS (RECIST on the liver lesions alone); no rows when no arm has such a patient."""
    out = []
    for arm, s in summary["arms"].items():
        o, p = s.get("orr_liver"), s.get("pfs_liver")
        if o and o["n"]:
            out.append([arm, o["n"], f"{_fmt(100 * o['rate'])} {_ci([100 * x for x in o['ci']])}",
                        f"{_fmt(p['median'])} {_ci(p['median_ci'])}"])
    return out


def _comparison_rows(summary: dict) -> list[list]:
    rows = []
    for c in summary["comparisons"]:
        rows.append(["all", c["experimental"], c["control"],
                     f"{_fmt(c['os']['hr'], 2)} {_ci(c['os']['hr_ci'], 2)}", _fmt(c["os"]["logrank_p"], 4),
                     f"{_fmt(c['pfs']['hr'], 2)} {_ci(c['pfs']['hr_ci'], 2)}", _fmt(c["pfs"]["logrank_p"], 4)])
    for s, levels in summary["subgroups"].items():
        for lv, e in levels.items():
            for c in e["comparisons"]:
                rows.append([f"{s} = {lv}", c["experimental"], c["control"],
                             f"{_fmt(c['os']['hr'], 2)} {_ci(c['os']['hr_ci'], 2)}", _fmt(c["os"]["logrank_p"], 4),
                             f"{_fmt(c['pfs']['hr'], 2)} {_ci(c['pfs']['hr_ci'], 2)}",
                             _fmt(c["pfs"]["logrank_p"], 4)])
    return rows


def _published_rows(summary: dict, key: str = "published") -> list[list]:
    rows = []
    for r in summary.get(key, []):
        pci = r.get("published_ci")
        rows.append([r.get("target_id") or "", r["record"], r.get("trial") or "", r["subgroup"], r["quantity"],
                     f"{r['published']} {_ci(pci, 2) if pci else ''}",
                     f"{_fmt(r['simulated'], 2)} {_ci(r.get('simulated_ci'), 2)}", r.get("note", "")])
    return rows


CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:24px auto;max-width:1180px;
color:#222;line-height:1.45;padding:0 16px}
h1{font-size:1.6em;margin-bottom:0.2em} h2{border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:1.8em}
table{border-collapse:collapse;margin:8px 0 16px;font-size:0.92em} th,td{border:1px solid #ddd;padding:4px 8px;
text-align:left;vertical-align:top} th{background:#f4f6f8} pre{background:#f7f7f7;padding:10px;overflow:auto;
font-size:0.85em;max-height:480px} .note{color:#555;font-size:0.92em} .warn{background:#fff4e5;border:1px solid #f0c36d;
padding:8px 12px} nav a{margin-right:12px}
"""


def _dynamics_rows(results: dict[str, pd.DataFrame], protocol) -> list[list]:
    def f(x, digits):  # no patient with a usable fit: a dash, not "not reached"
        return "-" if x is None else _fmt(x, digits)

    rows = []
    for r in arm_dynamics(results["endpoints"], {a.id: a.regimen for a in protocol.arms}):
        rows.append([r["arm"], r["patients"], f(r["kg_per_week"], 4), f(r["ks_per_week"], 4),
                     f(r["ttg_weeks"], 1), f(r["share_without_shrinkage"], 2),
                     reference_label(r, lambda x: f"{x:.3g}")])
    return rows


def render_report(summary: dict, results: dict[str, pd.DataFrame], protocol, manifest: dict,
                  link_table: list[dict] | None = None) -> str:
    arms = list(summary["arms"])
    at_risk = [r["time"] for r in next(iter(summary["arms"].values()))["os"].get("at_risk", [])] if arms else []
    figs: list[tuple[str, str, go.Figure]] = []
    for ep in ("os", "pfs"):
        figs.append((f"km-{ep}", f"Kaplan-Meier {ep.upper()} by arm",
                     km_figure({a: summary["arms"][a][ep] for a in arms}, f"{ep.upper()} by arm (all patients)",
                               ep.upper(), at_risk)))
    liver = summary["subgroups"].get("liver_metastasis", {})
    for lv in ("yes", "no"):
        if lv in liver:
            for ep in ("os", "pfs"):
                figs.append((f"km-{ep}-liver-{lv}", f"{ep.upper()}, liver metastasis {lv}",
                             km_figure(liver[lv]["curves"] and {a: liver[lv]["curves"][a][ep] for a in arms},
                                       f"{ep.upper()} by arm, liver metastasis = {lv}", ep.upper(), at_risk)))
    figs.append(("forest", "Forest plot", forest_figure(summary["forest"], summary["comparisons"])))
    wf = waterfall(results["assessments"], results["endpoints"][results["endpoints"]["solver_ok"]])
    figs.append(("waterfall", "Waterfall", waterfall_figure(wf, arms)))
    figs.append(("spider", "Spider", spider_figure(spider(results["assessments"]), arms)))
    figs.append(("dynamics", "Example patients", dynamics_figure(results["dynamics"], arms)))
    parts = []
    for k, (fid, _title, fig) in enumerate(figs):
        parts.append(f'<div class="figure" id="{fid}">' + fig.to_html(
            full_html=False, include_plotlyjs=(k == 0), div_id=f"fig-{fid}",
            config={"displaylogo": False, "responsive": True}) + "</div>")
    fig_html = {fid: parts[k] for k, (fid, _, _) in enumerate(figs)}
    pub = _published_rows(summary)
    failures = summary.get("solver_failures", 0)
    title = html.escape(protocol.title)
    body = [
        f"<h1>Virtual trial: {title}</h1>",
        f"<p class='note'>Protocol <code>{html.escape(protocol.id)}</code> · model <code>"
        f"{html.escape(str(manifest.get('model')))}</code> (hash {html.escape(str(manifest.get('model_hash')))}) · "
        f"seed {manifest.get('seed')} · {summary['n_patients']} virtual patients · livermet "
        f"{html.escape(str(manifest.get('livermet_version')))}</p>",
        "<p class='warn'>Research use only: simulated outcomes of a mechanistic model, not clinical evidence or "
        "treatment advice. Values are shown as simulated, without adjustment.</p>",
        "<nav>" + "".join(f"<a href='#{fid}'>{html.escape(t)}</a>" for fid, t, _ in figs) +
        "<a href='#published'>published</a><a href='#protocol'>protocol</a><a href='#manifest'>manifest</a></nav>",
        "<h2>Summary by arm</h2>",
        _table(["arm", "n", "median OS, mo (95% CI)", "median PFS, mo (95% CI)", "ORR % (exact 95% CI)", "DCR %",
                "median DoR, mo", "grade ≥3 AE %"], _arm_rows(summary)),
        f"<p class='note'>{summary['n_analysed']} of {summary['n_patients']} patients analysed; "
        f"{failures} solver failure(s) recorded in the events table and left out.</p>",
        "<h2>Comparisons</h2>",
        _table(["subgroup", "experimental", "control", "HR OS (95% CI), stratified", "log-rank P (OS)",
                "HR PFS (95% CI), stratified",
                "log-rank P (PFS)"], _comparison_rows(summary)),
        "<p class='note'>Cox proportional hazards (lifelines), stratified by "
        f"{html.escape(', '.join(protocol.randomisation.stratify_by) or 'nothing')} overall; log-rank tests "
        "unstratified. The simulated-vs-published table below fits an unstratified Cox model to the two groups it "
        "compares (arms, or patients with and without liver metastasis), so its HR can differ from the "
        "stratified one here.</p>",
        "<h2 id='published'>Simulated vs published</h2>",
        (_table(["target", "record", "trial", "subgroup", "quantity", "published (95% CI)", "simulated (95% CI)",
                 "note"], pub) if pub else "<p>No published results attached to this protocol.</p>"),
        *(["<h3>Held-out validation figures</h3>",
           "<p class='note'>Published figures that no calibration reads (knowledge/data/clinical/validation.yaml; "
           "`livermet calibrate validate` scores them over repeated cohorts).</p>",
           _table(["target", "record", "trial", "subgroup", "quantity", "published (95% CI)", "simulated (95% CI)",
                   "note"], _published_rows(summary, "validation"))] if summary.get("validation") else []),
        "<h2>Kaplan-Meier curves</h2>",
        *[fig_html[f] for f in fig_html if f.startswith("km-")],
        "<h2>Subgroups</h2>", fig_html["forest"],
        "<h2>Tumour response</h2>", fig_html["waterfall"], fig_html["spider"],
        *(["<h3>Intrahepatic response</h3>",
           _table(["arm", "patients with a measurable liver lesion", "intrahepatic ORR % (exact 95% CI)",
                   "median intrahepatic PFS, mo (95% CI)"], ih),
           "<p class='note'>RECIST 1.1 read on the liver lesions alone (targets, new lesions and progression in the "
           "liver); intrahepatic PFS ends at progression in the liver or death.</p>"]
          if (ih := _intrahepatic_rows(summary)) else []),
        "<h3>Tumour dynamics read by the OS link</h3>",
        _table(["arm", "n", "kg /week", "ks /week", "TTG weeks", "share without shrinkage",
                "published kg, ks, TTG (same treatment)"], _dynamics_rows(results, protocol)),
        "<p class='note'>Medians of the Stein growth rate kg, shrinkage rate ks and time to growth that the OS "
        "link fits to each patient's target-lesion sums up to progression; the published typical values "
        "(Struemper et al. 2025) are shown where the arm gives the same treatment.</p>",
        "<h2>Example patients</h2>", fig_html["dynamics"],
        "<h2 id='protocol'>Protocol</h2>", f"<pre>{html.escape(protocol.to_yaml())}</pre>",
        "<h2 id='manifest'>Manifest</h2>",
        f"<pre>{html.escape(json.dumps({k: v for k, v in manifest.items() if k != 'os_link'}, indent=1, default=str))}"
        "</pre>",
    ]
    if link_table:
        body += ["<h2>Overall-survival link: coefficients and sources</h2>",
                 _table(["name", "value", "unit", "source"],
                        [[r["name"], r["value"], r["unit"], r["source"]] for r in link_table])]
    ready = ("<script>window.addEventListener('load',function(){var n=document.querySelectorAll("
             "'.plotly-graph-div .main-svg').length;document.body.setAttribute('data-ready','true');"
             "document.body.setAttribute('data-plots',String(n));});</script>")
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>livermet virtual trial: {title}</title><style>{CSS}</style></head><body>"
            + "\n".join(body) + ready + "</body></html>")


def write_report(path: str | Path, summary: dict, results: dict[str, pd.DataFrame], protocol, manifest: dict,
                 link_table: list[dict] | None = None) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_report(summary, results, protocol, manifest, link_table), encoding="utf-8")
    return path
