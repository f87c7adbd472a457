"""RECIST 1.1 rules on crafted lesion-diameter trajectories (Eisenhauer 2009)."""

from __future__ import annotations

import numpy as np
import pytest

from livermet.trial import recist as R

SITES = ("primary", "liver", "bone", "brain", "adrenal")
DAYS = np.array([0, 42, 84, 126, 168, 210], dtype=float)


def traj(primary, liver=None, n_liver=None, bone=None, n_bone=None):
    """(times, sites) diameters and lesion counts; sites not given have no lesion."""
    T = len(primary)
    d = np.zeros((T, 5))
    n = np.zeros((T, 5))
    d[:, 0] = primary
    n[:, 0] = 1
    if liver is not None:
        d[:, 1] = liver
        n[:, 1] = n_liver if n_liver is not None else 1
    if bone is not None:
        d[:, 2] = bone
        n[:, 2] = n_bone if n_bone is not None else 1
    return d, n


def calls(d, n, days=DAYS, **rules):
    out = R.assess(d, n, days[: d.shape[0]], R.RecistRules(**rules))
    return [str(x) for x in R.LABELS[out.response[0]]], str(out.best_label[0]), out


def test_target_selection_two_per_organ_five_in_all_largest_first():
    base_d = np.array([[30.0, 25.0, 40.0, 12.0, 8.0]])  # adrenal 8 mm: not measurable
    base_n = np.array([[1.0, 6.0, 3.0, 2.0, 1.0]])
    t = R.select_targets(base_d, base_n)
    # bone (40) 2, primary (30) 1, liver (25) 2 -> 5; brain would be 6th and 7th: left out
    assert t.tolist() == [[1, 2, 2, 0, 0]]
    assert t.sum() == 5
    t3 = R.select_targets(base_d, base_n, R.RecistRules(max_targets=3))
    assert t3.tolist() == [[1, 0, 2, 0, 0]]


def test_sum_of_diameters_counts_each_target_lesion():
    d, n = traj([30, 30], liver=[20, 20], n_liver=[3, 3])
    out = R.assess(d, n, DAYS[:2])
    assert out.sld[0, 0] == pytest.approx(30 + 2 * 20)


def test_partial_response_needs_30_percent_decrease():
    _, _, out = calls(*traj([50, 35.5, 35.5]))
    assert R.LABELS[out.response[0, 1]] == "SD"  # -29%
    resp, _, _ = calls(*traj([50, 35, 35]))
    assert resp[1] == "PR"  # exactly -30%


def test_progression_needs_20_percent_and_5_mm_over_nadir():
    # small lesion: +25% but only +2.5 mm: not PD
    resp, _, _ = calls(*traj([10, 12.5, 12.5]))
    assert resp[1:] == ["SD", "SD"]
    # +20% and +6 mm: PD
    resp, _, _ = calls(*traj([30, 36]))
    assert resp[1] == "PD"
    # +19% only: not PD
    resp, _, _ = calls(*traj([30, 35.7]))
    assert resp[1] == "SD"


def test_progression_is_measured_from_the_nadir_not_baseline():
    # shrinks to 20 (PR), regrows to 25: +25% and +5 mm over nadir, below baseline: PD
    resp, best, out = calls(*traj([50, 20, 20, 25]))
    assert resp[1:] == ["PR", "PR", "PD"]
    assert best == "PR" and out.pd_index[0] == 3


def test_complete_response_when_every_lesion_disappears():
    resp, best, _ = calls(*traj([30, 4.0, 3.0, 2.0], liver=[20, 4.5, 0, 0]))
    assert resp[1:] == ["CR", "CR", "CR"]
    assert best == "CR"
    # a non-target lesion left (bone 8 mm, not measurable at baseline) prevents CR
    resp, _, _ = calls(*traj([30, 4.0, 3.0], bone=[8, 8, 8]))
    assert resp[1] == "PR"


def test_new_lesion_is_progression_even_when_targets_shrink():
    # a second liver lesion appears (count rises by one)
    resp, best, _ = calls(*traj([40, 20, 20], liver=[15, 12, 12], n_liver=[1, 1, 2]))
    assert resp[1:] == ["PR", "PD"]
    # a site without lesion at baseline reaches 10 mm
    resp, _, _ = calls(*traj([40, 38, 38], bone=[0, 6, 11]))
    assert resp[1:] == ["SD", "PD"]
    new = R.new_lesions(*traj([40, 38, 38], bone=[0, 6, 11]))
    assert new.tolist() == [[False, False, True]]


def test_confirmation_of_response():
    # PR once then SD: unconfirmed -> best SD
    resp, best, _ = calls(*traj([50, 30, 35.5, 35.5]))  # -29% from baseline, +18% over the nadir
    assert resp[1:] == ["PR", "SD", "SD"]
    assert best == "SD"
    # without confirmation the same trajectory is a PR
    _, best, _ = calls(*traj([50, 30, 35.5, 35.5]), confirmation=False)
    assert best == "PR"
    # PR confirmed at the next scan (42 days later >= 28): PR, response date = first PR
    _, best, out = calls(*traj([50, 30, 30]))
    assert best == "PR" and out.response_index[0] == 1
    # the confirming scan must be at least 28 days later
    days = np.array([0, 42, 60, 120.0])
    _, best, _ = calls(*traj([50, 30, 30, 45]), days=days)
    assert best == "SD"  # 60 - 42 = 18 days is too early to confirm; the scan after is PD


def test_stable_disease_needs_minimum_duration_and_pd_otherwise():
    days = np.array([0, 21, 63.0])
    # SD at day 21 only (before 42 days), then PD: best PD
    _, best, _ = calls(*traj([30, 31, 40]), days=days)
    assert best == "PD"
    _, best, _ = calls(*traj([30, 31, 31]), days=days)
    assert best == "SD"


def test_missing_values_are_not_evaluable_and_no_measurable_disease():
    resp, best, _ = calls(*traj([30, np.nan, np.nan]))
    assert resp[1:] == ["NE", "NE"] and best == "NE"
    d, n = traj([8, 8, 8])  # only a non-measurable lesion: non-CR/non-PD, then PD with a new lesion
    resp, best, out = calls(d, n)
    assert out.targets.sum() == 0 and best == "non-CR/non-PD"
    resp, best, _ = calls(*traj([8, 8, 8], liver=[0, 0, 12]))
    assert resp[1:] == ["non-CR/non-PD", "PD"]


def test_vectorised_over_patients_matches_one_by_one():
    rng = np.random.default_rng(0)
    P, T = 25, 6
    d = np.abs(rng.normal(25, 10, (P, T, 5))) * (rng.random((P, 1, 5)) < 0.6)
    n = np.where(d > 10, rng.integers(1, 4, (P, 1, 5)), 0).astype(float)
    all_at_once = R.assess(d, n, DAYS)
    for p in range(P):
        one = R.assess(d[p], n[p], DAYS)
        assert one.best[0] == all_at_once.best[p]
        assert np.array_equal(one.response[0], all_at_once.response[p])


def test_measurement_error_factors_are_per_patient_lognormal_and_off_at_zero():
    rules = R.RecistRules(measurement_cv=0.05)
    f = R.measurement_error_factors(np.arange(400), 12, 5, rules, seed=3, stream=15)
    assert f.shape == (400, 12, 5, rules.max_per_organ)
    assert np.std(np.log(f)) == pytest.approx(0.05, rel=0.03) and abs(np.mean(np.log(f))) < 0.002
    # a patient's reads do not depend on who else is in the batch
    again = R.measurement_error_factors(np.arange(400)[::-1], 12, 5, rules, seed=3, stream=15)
    assert np.array_equal(again[::-1], f)
    assert R.measurement_error_factors(np.arange(3), 12, 5, R.RecistRules(), seed=3, stream=15) is None


def test_exact_reads_equal_no_measurement_error_and_noise_brings_progression_forward():
    times = np.arange(0.0, 7 * 60, 42.0)
    T = len(times)
    # 2000 patients, two liver targets of 30 mm that shrink to 24 mm by week 12, then grow 1% a week
    size = np.where(times <= 84, 30 - 6 * times / 84, 24 * 1.01 ** ((times - 84) / 7))
    d = np.zeros((2000, T, 5))
    d[:, :, 1] = size
    n = np.zeros_like(d)
    n[:, :, 1] = 2
    exact = R.assess(d, n, times)
    ones = np.ones((2000, T, 5, 2))
    assert np.array_equal(R.assess(d, n, times, factors=ones).pd_index, exact.pd_index)
    assert np.allclose(R.assess(d, n, times, factors=ones).sld, exact.sld)
    f = R.measurement_error_factors(np.arange(2000), T, 5, R.RecistRules(measurement_cv=0.05), 1, 15)
    noisy = R.assess(d, n, times, factors=f)
    pd_day = lambda o: np.where(o.pd_index >= 0, times[np.maximum(o.pd_index, 0)], np.inf)  # noqa: E731
    assert np.all(np.isfinite(pd_day(exact)))
    # the nadir of noisy sums sits below the true nadir, so progression is called earlier on average
    assert np.median(pd_day(noisy)) < np.median(pd_day(exact))
    assert 0.0 < np.mean(pd_day(noisy) < pd_day(exact)) < 1.0


def test_per_patient_assessment_days_equal_shared_ones_when_alike():
    """assess() takes the scan days per patient; identical rows give the shared-days result, and the
    confirmation interval is read on each patient's own days."""
    from livermet.trial import recist as R

    rng = np.random.default_rng(4)
    d = np.abs(rng.normal(20, 8, (6, 5, 2)))
    n = np.ones_like(d)
    t = np.array([0.0, 42, 84, 126, 168])
    shared = R.assess(d, n, t)
    per = R.assess(d, n, np.tile(t, (6, 1)))
    np.testing.assert_array_equal(shared.best, per.best)
    np.testing.assert_array_equal(shared.response, per.response)
    resp = np.array([[R.NE, R.PR, R.PR, R.SD]] * 2)
    times = np.array([[0.0, 42, 60, 100], [0.0, 42, 80, 100]])  # second PR 18 days after the first, then 38
    best, _, _ = R.best_overall_response(resp, times)
    assert list(best) == [R.SD, R.PR]


def test_organ_assessment_reads_the_liver_lesions_alone():
    # the liver lesion halves while the bone lesion doubles: whole-body PD at the first scan, intrahepatic PR
    d, n = traj([30] * 4, liver=[20, 10, 10, 10], bone=[30, 60, 60, 60])
    liver = [SITES.index("liver")]
    whole = R.assess(d, n, DAYS[:4])
    ih = R.organ_assessment(d, n, DAYS[:4], liver)
    assert R.LABELS[whole.response[0, 1]] == "PD"
    assert ih.targets.tolist() == [[1]]
    assert [str(x) for x in R.LABELS[ih.response[0, 1:]]] == ["PR", "PR", "PR"]
    assert str(ih.best_label[0]) == "PR"
    # a new lesion outside the liver is not intrahepatic progression; a new liver lesion is
    d2, n2 = traj([30] * 3, liver=[40, 40, 40], bone=[0, 12, 12], n_bone=[0, 1, 1])
    assert R.organ_assessment(d2, n2, DAYS[:3], liver).response[0, 1] == R.SD
    d3, n3 = traj([30] * 3, liver=[40, 40, 40], n_liver=[1, 2, 2])
    assert R.organ_assessment(d3, n3, DAYS[:3], liver).response[0, 1] == R.PD
    # without a liver lesion there is nothing to read
    d4, n4 = traj([30] * 3)
    assert R.organ_assessment(d4, n4, DAYS[:3], liver).targets.sum() == 0
