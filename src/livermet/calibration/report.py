"""The calibration report: one offline HTML file with predicted vs observed for every target,
liver vs no-liver contrasts, leave-one-trial-out results, the independent validation set, fitted values
and ranges, one-parameter profiles by trial, and the sensitivity ranking."""

from __future__ import annotations

import html
from pathlib import Path

import plotly.graph_objects as go

from ..analysis.tumour_dynamics import nadir_reference_label, reference_label
from ..report.html import CSS, _table
from .profile import excess_by_trial


def _f(x, d: int = 3) -> str:
    return "-" if x is None else f"{x:.{d}g}"


def interval_text(ci) -> str:
    """'lower-upper', with NR for an upper bound that was not reached."""
    lo, hi = ci or [None, None]
    return f"{_f(lo)}-{'NR' if lo is not None and hi is None else _f(hi)}"


def target_forest(rows: list[dict]) -> go.Figure:
    """Observed (with its 95% CI) and simulated (with the interval over virtual cohorts) per target,
    each on its own scale relative to the observed value (ratio for medians and HRs, difference for rates)."""
    labels, obs_lo, obs_hi, sim, sim_lo, sim_hi, colour = [], [], [], [], [], [], []
    for r in rows:
        ratio = r["kind"] in ("median", "hr")
        o = r["observed"]

        def rel(x):
            if x is None:
                return None
            return x / o if ratio else x - o

        labels.append(f"{r['id']} {r['trial_id']}: {r['endpoint']}"[:90])
        ci = r["ci"] or [None, None]
        obs_lo.append(rel(ci[0]))
        # an upper bound not reached: the bar runs to three times the published median
        obs_hi.append(rel(ci[1] if ci[1] is not None or ci[0] is None else 3 * o))
        sim.append(rel(r["simulated"]))
        s_ci = r.get("simulated_ci") or [None, None]
        sim_lo.append(rel(s_ci[0]))
        sim_hi.append(rel(s_ci[1]))
        colour.append("#2a7" if r["within"] else "#c33")
    y = list(range(len(rows)))
    fig = go.Figure()
    for i in y:
        if obs_lo[i] is not None and obs_hi[i] is not None:
            fig.add_trace(go.Scatter(x=[obs_lo[i], obs_hi[i]], y=[i, i], mode="lines", line={"color": "#888",
                                     "width": 6}, opacity=0.5, showlegend=i == 0, name="published 95% CI",
                                     hoverinfo="skip"))
    fig.add_trace(go.Scatter(
        x=sim, y=y, mode="markers", marker={"color": colour, "size": 9}, name="simulated (median of cohorts)",
        error_x={"type": "data", "symmetric": False,
                 "array": [None if h is None or s is None else h - s for h, s in zip(sim_hi, sim)],
                 "arrayminus": [None if lo is None or s is None else s - lo for lo, s in zip(sim_lo, sim)]},
        text=labels, hovertemplate="%{text}<br>relative: %{x:.3f}<extra></extra>"))
    fig.update_layout(title="Simulated vs published, relative to the published value (ratio for medians and "
                      "HRs, difference in proportion for rates)", template="plotly_white",
                      height=max(400, 22 * len(rows) + 120), yaxis={"tickvals": y, "ticktext": labels,
                                                                     "autorange": "reversed"},
                      xaxis={"title": "simulated / published (medians, HR) or simulated - published (rates)"},
                      margin={"l": 420})
    fig.add_vline(x=1.0, line_dash="dot", line_color="#555")
    return fig


def sensitivity_figure(sens: dict) -> go.Figure | None:
    mech = sens.get("mechanisms") or {}
    if not mech:
        return None
    fig = go.Figure()
    for output, ranks in mech.items():
        fig.add_trace(go.Bar(x=[r["module"] for r in ranks], y=[r["score"] for r in ranks], name=output))
    fig.update_layout(title=f"Mechanism ranking ({sens.get('method')})", barmode="group", template="plotly_white",
                      yaxis={"title": "normalised importance"})
    return fig


def _searched_and_fitted(entry: dict) -> list[str]:
    """The searched range and the range near the best of a parameter-set entry; a parameter the fit held
    (the spec's `fixed`) was not searched."""
    if entry.get("held"):
        return ["held, not searched", "-"]
    return [f"{_f(entry['searched'][0])}-{_f(entry['searched'][1])}",
            f"{_f(entry['fitted_range'][0])}-{_f(entry['fitted_range'][1])}"]


def profile_section(prof: dict) -> list[str]:
    """One parameter's profile: each trial's objective above its own best along the grid."""
    vals = prof["values"]
    rows = [["all trials (objective)", *[_f(x, 4) for x in prof["objective"]], _f(prof["best_value"]), ""],
            ["targets within their interval", *[f"{w} of {n}" for w, n in zip(prof["within"], prof["scored"])], "",
             ""]]
    for p, excess in excess_by_trial(prof):
        rows.append([p["trial"], *[_f(x, 2) for x in excess], _f(p["best_value"]), "yes" if p["informative"] else "no"])
    verdict = ("The informative trials want it on both sides of the best common value: no single value fits them all."
               if prof["conflict"] else "The informative trials do not pull it in opposite directions.")
    return [f"<h3>{html.escape(prof['parameter'])}</h3>",
            f"<p>Parameter set value {_f(prof['current'], 4)}; best common value {_f(prof['best_value'], 4)}. "
            f"Wanting lower: {html.escape(', '.join(prof['prefer_lower']) or 'none')}; higher: "
            f"{html.escape(', '.join(prof['prefer_higher']) or 'none')}. {verdict}</p>",
            _table(["trial", *[_f(v) for v in vals], "its best value",
                    f"informative (changes by {_f(prof['sensitive_change'], 3)} or more)"], rows)]


def _rows_table(rows: list[dict], first: str = "target") -> str:
    """Observed against simulated, a row per record's figure (z is absent from checks pooled across seeds); a row
    that is not a target of its own (an input of its trial, or a figure another record cites) says so."""
    return _table([first, "trial", "endpoint", "observed", "95% interval", "interval from", "simulated",
                   "over cohorts", "z", "within"],
                  [[r["id"], r["trial_id"], r["endpoint"], _f(r["observed"]), interval_text(r["ci"]), r["ci_source"],
                    _f(r["simulated"]), interval_text(r["simulated_ci"]), _f(r.get("z"), 2),
                    within_text(r)] for r in rows])


def within_text(row: dict) -> str:
    """yes or no, and why a row that is not a target of its own is not counted."""
    return ("yes" if row["within"] else "no") + (f" (not counted: {row['not_counted']})" if row.get("not_counted") else "")


def as_extreme_text(contrast: dict) -> str:
    """In how many simulated cohorts the contrast is at least as large as the published one, its way (a check file
    written before the count existed, or a contrast without a published way, has none)."""
    n = contrast.get("cohorts_as_extreme")
    return "-" if n is None else f"{n} of {contrast['cohorts']}"


def render(check: dict | None, pset: dict | None, crossval: dict | None, sens: dict | None,
           profiles: list[dict] | None = None, validation: dict | None = None) -> str:
    body = ["<h1>livermet calibration report</h1>",
            "<p class='warn'>Research use only. Simulated values are shown as simulated; nothing is adjusted "
            "after simulation. Calibration used only shared/calibration/targets.csv.</p>"]
    figs: list[go.Figure] = []
    if check:
        rows = check["rows"]
        body += ["<h2>Goodness of fit</h2>",
                 f"<p><b>{check['within_ci']} of {check['targets']}</b> mapped targets within their 95% interval "
                 f"({100 * (check['fraction_within_ci'] or 0):.0f}%); of the {check['with_published_ci']} with a "
                 f"published CI, {check['within_published_ci']} within. Liver vs no-liver contrasts in the published "
                 f"direction: {check['contrasts_right_direction']} of {len(check['contrasts'])} "
                 f"({check.get('significant_contrasts_right_direction', '-')} of the "
                 f"{check.get('significant_contrasts', '-')} significant in their publication). Parameter set: "
                 f"<code>{html.escape(str(check.get('parameter_set')))}</code>; {check['replicates']} virtual "
                 f"cohort(s) per trial at its sample size; {check.get('solver_failures', '-')} solver failure(s)."
                 + _objective_text(check.get("objective")) + _heterogeneity_text(check.get("heterogeneity"))
                 + "</p>"]
        figs.append(target_forest(rows))
        body.append("__FIG0__")
        body.append(_rows_table(rows))
        body += ["<h3>Liver vs no-liver contrasts</h3>",
                 _table(["target", "quantity", "published", "published P", "significant", "simulated",
                         "right direction", "cohorts the published way", "cohorts as far as published"],
                        [[c["target_id"], c["quantity"], _f(c["published"]), c.get("published_p") or "-",
                          {True: "yes", False: "no"}.get(c.get("published_significant"), "not reported"),
                          _f(c["simulated"]), "yes" if c["right_direction"] else "no",
                          f"{c['cohorts_right_direction']} of {c['cohorts']}" if "cohorts" in c else "-",
                          as_extreme_text(c)]
                         for c in check["contrasts"]])]
        if check.get("tumour_dynamics"):
            body += ["<h3>Tumour dynamics read by the OS link</h3>",
                     "<p class='note'>Median Stein growth rate kg, shrinkage rate ks and time to growth per arm "
                     "(first cohort), beside the typical values Struemper et al. 2025 published for the same "
                     "treatment. Not calibration targets: they show where the simulated tumour dynamics, and "
                     "hence the OS the link derives from them, depart from the source's patients.</p>",
                     _table(["trial", "arm", "kg /week", "ks /week", "TTG weeks", "share without shrinkage",
                             "ORR", "PD as best response", "published kg, ks, TTG"],
                            [[r["trial_id"], r["arm"], _f(r["kg_per_week"]), _f(r["ks_per_week"]),
                              _f(r["ttg_weeks"]), _f(r["share_without_shrinkage"], 2), _f(r.get("orr"), 2),
                              _f(r.get("share_pd_best"), 2), reference_label(r, _f)]
                             for r in check["tumour_dynamics"]])]
        if check.get("nadir_dynamics"):
            body += ["<h3>Nadir and regrowth on an EGFR-TKI</h3>",
                     "<p class='note'>Among the patients whose tumour grew after its nadir (first cohort): median "
                     "time to the smallest target sum and growth of log volume per month after it, beside Nishino "
                     "et al. 2013 (gefitinib or erlotinib). Not calibration targets.</p>",
                     _table(["trial", "arm", "patients", "months to nadir", "log-volume growth /month",
                             "published (months, /month)"],
                            [[r["trial_id"], r["arm"], str(r["patients"]), _f(r["time_to_nadir_months"]),
                              _f(r["post_nadir_growth_per_month"]), nadir_reference_label(r, _f)]
                             for r in check["nadir_dynamics"]])]
    if pset:
        body += ["<h2>Fitted parameters</h2>",
                 f"<p>Parameter set <code>{html.escape(pset['id'])}</code> version {pset['version']} "
                 f"({html.escape(str(pset.get('created')))}); {html.escape(str(pset.get('method')))}; objective "
                 f"{pset.get('objective')}.</p>",
                 _table(["parameter", "value", "searched", "range within 1.92 log-likelihood of the best", "why"],
                        [[k, _f(v["value"], 4), *_searched_and_fitted(v), v.get("why", "")]
                         for k, v in pset["parameters"].items()]),
                 f"<p class='note'>Targets used: {html.escape(', '.join(pset.get('targets', [])))}.</p>"]
    if crossval:
        body += ["<h2>Leave-one-trial-out cross-validation</h2>",
                 f"<p>{crossval['within']} of {crossval['targets']} held-out targets within their interval"
                 + _in_sample(crossval.get("fitted_with_all")) + ".</p>",
                 _table(["left out", "held-out targets within", "within when fitted with it", "held-out nll",
                         "training nll", "fitted without it"],
                        [[f["trial"], f"{f['within']} of {f['targets']}", f.get("within_fitted", ""),
                          _f(f["heldout_nll"]), _f(f["train_nll"]),
                          ", ".join(f"{k}={_f(v)}" for k, v in f["fitted"].items())] for f in crossval["folds"]])]
    if validation:
        body += ["<h2>Independent validation</h2>",
                 f"<p><b>{validation['within_ci']} of {validation['targets']}</b> held-out published figures within "
                 f"their 95% interval. These figures (knowledge/data/clinical/validation.yaml) are not in the "
                 f"targets file and no calibration reads them. Parameter set: "
                 f"<code>{html.escape(str(validation.get('parameter_set')))}</code>; {validation['replicates']} "
                 f"virtual cohort(s) per trial at its sample size.</p>"]
        figs.append(target_forest(validation["rows"]))
        body.append(f"__FIG{len(figs) - 1}__")
        body.append(_rows_table(validation["rows"], "figure"))
    if profiles:
        body += ["<h2>Which trials pull which way</h2>",
                 "<p class='note'>One parameter at a time across a grid, every other value at the parameter set's, "
                 "each trial simulated with the calibration spec's cohorts and seed. The cells give each trial's "
                 "objective above its own best on the grid (0 marks its best value).</p>"]
        for prof in profiles:
            body += profile_section(prof)
    if sens:
        fig = sensitivity_figure(sens)
        body += ["<h2>Global sensitivity</h2>",
                 f"<p>{html.escape(str(sens.get('method')))}: {sens.get('evaluations')} evaluations.</p>"]
        if fig is not None:
            figs.append(fig)
            body.append(f"__FIG{len(figs) - 1}__")
        for output, ranks in (sens.get("mechanisms") or {}).items():
            body += [f"<h3>{html.escape(output)}</h3>",
                     _table(["mechanism (module)", "score"], [[r["module"], _f(r["score"])] for r in ranks])]
    text = "\n".join(body)
    for k, fig in enumerate(figs):
        text = text.replace(f"__FIG{k}__", "<div class='figure'>" + fig.to_html(
            full_html=False, include_plotlyjs=(k == 0), div_id=f"fig-cal-{k}",
            config={"displaylogo": False, "responsive": True}) + "</div>")
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>livermet calibration</title>"
            f"<style>{CSS}</style></head><body>{text}</body></html>")


def _objective_text(obj: dict | None) -> str:
    """The fit's objective at the published sizes (absent from checks written before it was added)."""
    if not obj:
        return ""
    return (f" Objective over the {obj['rows_scored']} scored figures: {obj['gaussian']:.1f} (Gaussian), "
            f"{obj['huber']:.1f} (Huber beyond |z| = {obj['robust_z']:g}).")


def _heterogeneity_text(h: dict | None) -> str:
    """How far the misfit exceeds sampling error (absent from checks written before it was added)."""
    if not h or h.get("tau") is None:
        return ""
    return (f" Of the {h['rows']} medians and hazard ratios, {h['within']} are inside; a model right on average "
            f"would bring {h['expected_within_without_tau']:.1f} inside if the studies differed only by sampling "
            f"error, and {h['expected_within_with_tau']:.1f} with the spread between studies that the residuals "
            f"show (tau = {h['tau']:.3f} on the log scale, which includes the model's own misfit).")


def _in_sample(full: dict | None) -> str:
    if not full:  # a cross-validation from before the in-sample reference, or from `--from-run`
        return ""
    values = ", ".join(f"{k}={_f(v)}" for k, v in full["values"].items())
    return f"; {full['within']} when every trial is in the fit (the same search, values {values})"


def write_report(path: str | Path, check: dict | None, pset: dict | None, crossval: dict | None = None,
                 sens: dict | None = None, profiles: list[dict] | None = None, validation: dict | None = None) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(check, pset, crossval, sens, profiles, validation), encoding="utf-8")
    return path

