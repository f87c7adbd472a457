"""The TGI-OS survival link: Stein fit, Struemper 2025 log-normal AFT, Kerioui liver term, background mortality."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from livermet.trial.survival_link import (
    Coefficient,
    OSInputs,
    OSLink,
    draw_overall_survival,
    fit_stein,
    liver_target_sum,
    log_normal_mu,
    sizes_after_switch,
    sizes_until_progression,
    split_link_values,
    time_to_growth,
)


def stein(t, kg, ks, y0=80.0):
    return y0 * (np.exp(-ks * t) + np.exp(kg * t) - 1)


def test_stein_fit_recovers_known_rates():
    t = np.arange(0, 365, 7.0)
    kg = np.array([0.002, 0.005, 0.0008])
    ks = np.array([0.01, 0.004, 0.03])
    y = np.stack([stein(t, g, s) for g, s in zip(kg, ks)])
    fg, fs = fit_stein(t, y)
    assert np.allclose(fg, kg, rtol=1e-3) and np.allclose(fs, ks, rtol=1e-3)
    # TTG = (ln ks - ln kg) / (ks + kg): the time of the nadir of the Stein curve
    ttg = time_to_growth(kg, ks)
    for i in range(3):
        tt = np.linspace(0, 1000, 100001)
        assert abs(tt[np.argmin(stein(tt, kg[i], ks[i]))] - ttg[i]) < 0.05
    # too few points: no fit
    assert np.isnan(fit_stein(t[:2], y[:, :2])[0]).all()


def test_struemper_mu_at_reference_values():
    link = OSLink()
    mu = log_normal_mu(link, np.array([0.0, 0.109]), 39.9, 100.0, 39.4, 71.0, 4.1)
    assert mu[0] == pytest.approx(6.94) and mu[1] == pytest.approx(6.94 - 6.91 / 2)
    # higher albumin lengthens survival, higher NLR shortens it
    assert log_normal_mu(link, 0.01, 39.9, 100, 45, 71, 4.1) > log_normal_mu(link, 0.01, 39.9, 100, 39.4, 71, 4.1)
    assert log_normal_mu(link, 0.01, 39.9, 100, 39.4, 71, 10) < log_normal_mu(link, 0.01, 39.9, 100, 39.4, 71, 4.1)
    assert all(c["source"] for c in link.table())


def _inputs(n, kg_per_day, liver_growth_mm_per_day=0.0, age=60.0):
    t = np.arange(0, 20 * 365.0, 7.0)
    size = np.tile(stein(t, kg_per_day, 0.01), (n, 1))
    liver = np.tile(20.0 + liver_growth_mm_per_day * t, (n, 1))
    return OSInputs(patient_ids=np.arange(n), age=np.full(n, age), albumin=np.full(n, 39.4),
                    total_protein=np.full(n, 71.0), nlr=np.full(n, 4.1), tsb_mm=np.full(n, 100.0),
                    size_times=t, size=size, hazard_times=t, liver_sum_mm=liver)


def test_death_times_follow_the_log_normal_model():
    link = dataclasses.replace(OSLink(), gompertz_a=Coefficient(0.0, "1/year", "test: no background mortality"))
    inp = _inputs(3000, 0.002)
    out = draw_overall_survival(inp, seed=1, link=link)
    mu = out["os_mu"][0]
    # the median of the drawn death times is exp(mu) (log-normal), within sampling error
    assert np.median(out["death_day"]) == pytest.approx(np.exp(mu), rel=0.06)
    assert np.std(np.log(out["death_day"])) == pytest.approx(np.exp(-0.331), rel=0.06)
    # deterministic per (seed, patient): a patient's draw does not depend on the others
    sub = _inputs(3000, 0.002)
    sub.patient_ids = np.arange(3000)[::-1]
    again = draw_overall_survival(sub, seed=1, link=link)
    assert np.allclose(again["death_day"][::-1], out["death_day"])


def test_liver_growth_and_age_raise_the_hazard():
    base = draw_overall_survival(_inputs(2000, 0.002), seed=2)["death_day"]
    liver = draw_overall_survival(_inputs(2000, 0.002, liver_growth_mm_per_day=0.1), seed=2)["death_day"]
    old = draw_overall_survival(_inputs(2000, 0.002, age=85.0), seed=2)["death_day"]
    assert np.all(liver <= base + 1e-9) and np.median(liver) < 0.9 * np.median(base)
    assert np.all(old <= base + 1e-9) and np.median(old) < np.median(base)


def test_link_sees_scans_up_to_progression_but_at_least_three():
    y = np.arange(1.0, 8.0)[None, :].repeat(3, axis=0)  # baseline + 6 scans
    out = sizes_until_progression(y, np.array([-1, 1, 5]))
    assert np.all(np.isfinite(out[0]))  # no progression: every scan
    assert np.all(np.isfinite(out[1, :4])) and np.all(np.isnan(out[1, 4:]))  # PD at scan 1: three scans kept
    assert np.all(np.isfinite(out[2, :6])) and np.isnan(out[2, 6])  # PD at scan 5: up to and including it
    # regrowth after progression does not change the fitted growth rate of a tumour seen only up to progression
    t = np.array([0.0, 42, 84, 126, 168, 210, 252])
    before = 50 * (np.exp(-0.01 * t) + np.exp(0.002 * t) - 1)
    after = np.where(t > 126, before * np.exp(0.02 * (t - 126)), before)
    kg_a, _ = fit_stein(t, sizes_until_progression(after[None, :], np.array([3])))
    kg_b, _ = fit_stein(t, sizes_until_progression(before[None, :], np.array([3])))
    assert kg_a[0] == pytest.approx(kg_b[0], rel=1e-6)


def test_liver_term_sees_only_the_liver_target_lesions():
    # Kerioui 2021 modelled the organ sum of target lesions: a patient with five 30 mm liver lesions
    # of which two are targets contributes 60 mm, one without liver targets 0, a failed solve 0
    diameter = np.array([[30.0, 40.0], [30.0, 40.0], [np.nan, np.nan]])
    got = liver_target_sum(diameter, np.array([2, 0, 1]))
    assert got.tolist() == [[60.0, 80.0], [0.0, 0.0], [0.0, 0.0]]


def test_untreated_shift_moves_only_untreated_patients():
    link = dataclasses.replace(OSLink(), gompertz_a=Coefficient(0.0, "1/year", "test: no background mortality"))
    link = link.with_values({"untreated_shift": -0.7}, "test")
    inp = _inputs(4000, 0.002)
    flag = np.arange(4000) % 2 == 0
    inp.untreated = flag
    out = draw_overall_survival(inp, seed=2, link=link)
    treated, untreated = out["death_day"][~flag], out["death_day"][flag]
    # an accelerated-failure-time shift: medians differ by exp(-0.7), within sampling error
    assert np.median(untreated) / np.median(treated) == pytest.approx(np.exp(-0.7), rel=0.1)
    assert np.all(out["os_mu"][~flag] == out["os_mu"][~flag][0])
    # without the flag nobody moves
    inp.untreated = None
    assert np.allclose(draw_overall_survival(inp, seed=2, link=link)["os_mu"], out["os_mu"][~flag][0])


def test_treated_shift_moves_only_treated_patients():
    link = dataclasses.replace(OSLink(), gompertz_a=Coefficient(0.0, "1/year", "test: no background mortality"))
    base = draw_overall_survival(_inputs(2000, 0.002), seed=3, link=link)
    shifted = link.with_values({"treated_shift": 0.4}, "test")
    inp = _inputs(2000, 0.002)
    flag = np.arange(2000) % 2 == 0
    inp.untreated = flag
    out = draw_overall_survival(inp, seed=3, link=shifted)
    assert np.allclose(out["os_mu"][~flag], base["os_mu"][~flag] + 0.4)
    assert np.allclose(out["os_mu"][flag], base["os_mu"][flag])
    # no flags: every patient counts as treated
    assert np.allclose(draw_overall_survival(_inputs(2000, 0.002), seed=3, link=shifted)["os_mu"], base["os_mu"] + 0.4)


def test_later_line_and_switch_shifts_move_later_line_patients_and_every_switch():
    link = dataclasses.replace(OSLink(), gompertz_a=Coefficient(0.0, "1/year", "test: no background mortality"))
    base = draw_overall_survival(_inputs(300, 0.002), seed=5, link=link)
    shifted = link.with_values({"treated_shift": 0.2, "later_line_shift": 0.3}, "test")
    inp = _inputs(300, 0.002)
    k = np.arange(300) % 3
    # untreated (a later line, which does not count for them), first line, later line
    inp.untreated, inp.later_line = k == 0, k != 1
    out = draw_overall_survival(inp, seed=5, link=shifted)
    assert np.allclose(out["os_mu"][k == 0], base["os_mu"][k == 0])
    assert np.allclose(out["os_mu"][k == 1], base["os_mu"][k == 1] + 0.2)
    assert np.allclose(out["os_mu"][k == 2], base["os_mu"][k == 2] + 0.5)
    # a first-line patient who switches therapy at progression starts a later line: the second log survival
    # time carries the later-line shift, so a switch to a therapy that changes nothing slows the clock by it
    t = inp.size_times
    s = int((t < 200).sum())
    same = _inputs(300, 0.002)
    same.switch_day = np.full(300, t[s])
    same.switch_times, same.switch_size = sizes_after_switch(same.size, t, np.full(300, s), 364.0)
    plain = draw_overall_survival(same, seed=5, link=link.with_values({"treated_shift": 0.2}, "test"))
    out = draw_overall_survival(same, seed=5, link=shifted)
    assert np.allclose(out["os_mu_after_switch"] - plain["os_mu_after_switch"], 0.3)
    assert np.allclose(out["os_mu"], plain["os_mu"])
    # the switch shift moves the survival after the switch only, on top of the later-line shift
    both = draw_overall_survival(same, seed=5, link=shifted.with_values({"switch_shift": -0.1}, "test"))
    assert np.allclose(both["os_mu_after_switch"] - plain["os_mu_after_switch"], 0.2)
    assert np.allclose(both["os_mu"], plain["os_mu"])
    assert np.all(both["death_day"] <= out["death_day"])


def test_observational_shift_moves_only_treated_patients_of_an_observational_cohort():
    link = dataclasses.replace(OSLink(), gompertz_a=Coefficient(0.0, "1/year", "test: no background mortality"))
    shifted = link.with_values({"treated_shift": 0.2, "later_line_shift": 0.1, "observational_shift": 0.4}, "test")
    k = np.arange(300) % 3
    trial, cohort = _inputs(300, 0.002), _inputs(300, 0.002)
    for inp in (trial, cohort):
        inp.untreated, inp.later_line = k == 0, k == 2  # untreated, first line, later line
    cohort.observational = True
    base = draw_overall_survival(trial, seed=5, link=link)
    in_trial = draw_overall_survival(trial, seed=5, link=shifted)
    in_cohort = draw_overall_survival(cohort, seed=5, link=shifted)
    assert np.allclose(in_cohort["os_mu"][k == 0], base["os_mu"][k == 0])  # untreated: their own shift only
    assert np.allclose(in_cohort["os_mu"][k == 1], in_trial["os_mu"][k == 1] + 0.4)
    assert np.allclose(in_cohort["os_mu"][k == 2], base["os_mu"][k == 2] + 0.2 + 0.1 + 0.4)
    assert np.all(in_cohort["death_day"][k == 1] >= in_trial["death_day"][k == 1])


def test_sites_slope_shortens_survival_per_metastatic_organ_beyond_the_first():
    link = dataclasses.replace(OSLink(), gompertz_a=Coefficient(0.0, "1/year", "test: no background mortality"))
    sloped = link.with_values({"sites_slope": -0.3}, "test")
    inp = _inputs(300, 0.002)
    base = draw_overall_survival(inp, seed=7, link=sloped)  # no organ counts given: nobody moves
    assert np.allclose(base["os_mu"], draw_overall_survival(inp, seed=7, link=link)["os_mu"])
    inp.n_sites = np.arange(300) % 4  # 0 (other sites only), 1, 2 and 3 organs
    out = draw_overall_survival(inp, seed=7, link=sloped)
    assert np.allclose(out["os_mu"] - base["os_mu"], -0.3 * np.maximum(inp.n_sites - 1, 0))
    assert np.all(out["death_day"] <= base["death_day"])
    # a switch of therapy keeps the patient's organ count in the second log survival time
    t = inp.size_times
    s = int((t < 200).sum())
    inp.switch_day = np.full(300, t[s])
    inp.switch_times, inp.switch_size = sizes_after_switch(inp.size, t, np.full(300, s), 364.0)
    plain = draw_overall_survival(inp, seed=7, link=link)
    out = draw_overall_survival(inp, seed=7, link=sloped)
    assert np.allclose(out["os_mu_after_switch"] - plain["os_mu_after_switch"], -0.3 * np.maximum(inp.n_sites - 1, 0))
    with pytest.raises(ValueError, match=r"outside its plausible range \[-0.5, 0\]"):
        link.with_values({"sites_slope": 0.1}, "test")


def test_only_fittable_link_coefficients_within_range_can_be_set():
    with pytest.raises(ValueError, match="os_link.intercept: not a fittable"):
        OSLink().with_values({"intercept": 7.0}, "test")
    with pytest.raises(ValueError, match=r"outside its plausible range \[-2, 0\]"):
        OSLink().with_values({"untreated_shift": 0.5}, "test")
    assert split_link_values({"k_fasl": 1.0, "os_link.untreated_shift": -0.5}) == (
        {"k_fasl": 1.0}, {"untreated_shift": -0.5})


def test_switch_changes_the_clock_from_the_switch_on():
    # without background mortality and liver term, a patient whose clock runs at speed 1/a after day s
    # dies at s + a (T - s) when the unswitched death time T is beyond s, and at T otherwise
    link = dataclasses.replace(OSLink(), gompertz_a=Coefficient(0.0, "1/year", "test: no background mortality"))
    n = 2000
    base_in = _inputs(n, 0.002)
    base = draw_overall_survival(base_in, seed=4, link=link)
    s = 200.0
    t = base_in.size_times
    after = t[t >= s] - s
    # after the switch the tumour shrinks then regrows slowly: a longer log survival time
    slow = stein(after, 0.0005, 0.02, y0=120.0)
    inp = _inputs(n, 0.002)
    inp.switch_day = np.where(np.arange(n) % 2 == 0, s, np.inf)
    times, size = sizes_after_switch(np.tile(np.r_[np.full((t < s).sum(), np.nan), slow], (n, 1)), t,
                                     np.where(np.arange(n) % 2 == 0, int((t < s).sum()), -1), 364.0)
    inp.switch_times, inp.switch_size = times, size
    out = draw_overall_survival(inp, seed=4, link=link)
    sw = np.arange(n) % 2 == 0
    assert np.all(np.isnan(out["os_mu_after_switch"][~sw])) and np.allclose(out["death_day"][~sw], base["death_day"][~sw])
    a = np.exp(out["os_mu_after_switch"][sw] - out["os_mu"][sw])
    assert np.all(a > 1)  # the new therapy slowed the tumour: the clock slows
    T = base["death_day"][sw]
    expect = np.where(T > s, s + a * (T - s), T)
    finite = np.isfinite(expect) & (expect < t[-1])
    # within the linear interpolation of the cumulative hazard on the weekly grid
    assert np.all(np.abs(out["death_day"][sw][finite] - expect[finite]) < 7.0 * a[finite])
    assert np.median(np.abs(out["death_day"][sw][finite] / expect[finite] - 1)) < 1e-4
    # a switch to something that changes nothing (same tumour course) leaves the clock alone
    same = _inputs(n, 0.002)
    same.switch_day = inp.switch_day
    k = int((t < s).sum())
    same.switch_times, same.switch_size = sizes_after_switch(same.size, t, np.where(sw, k, -1), 364.0)
    out_same = draw_overall_survival(same, seed=4, link=link)
    assert np.all(np.abs(out_same["os_mu_after_switch"][sw] - out_same["os_mu"][sw]) < 1.0)


def test_sizes_after_switch_stop_at_the_next_target_progression():
    y = np.array([[50.0, 60, 40, 30, 30, 37, 45, 60, 80]])
    t = np.arange(9) * 42.0
    times, size = sizes_after_switch(y, t, np.array([1]), window_days=1000)
    # from scan 1 (60 mm): nadir 30, first +20% and +5 mm at 37 (scan 5), kept up to it
    assert size[0, :5].tolist() == [60, 40, 30, 30, 37] and np.isnan(size[0, 5:]).all()
    assert times[0, :5].tolist() == [0, 42, 84, 126, 168]
    # at least three scans after the switch even when it progresses at once; the window cuts later scans
    times, size = sizes_after_switch(np.array([[50.0, 60, 80, 90, 99, 120]]), t[:6], np.array([1]), window_days=100)
    assert np.isfinite(size[0, :3]).all() and np.isnan(size[0, 3:]).all()
    # no switch: nothing
    assert np.isnan(sizes_after_switch(y, t, np.array([-1]), 1000)[1]).all()
