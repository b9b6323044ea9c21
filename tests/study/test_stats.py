"""Tests for fmnist_viz.study.stats, checked against hand-computed (scipy-free) values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from fmnist_viz.study import STUDY_REFERENCE, sample_stats, study_test_accuracies, welch_t_test
from fmnist_viz.study.stats import SampleStats, WelchResult, mean_std_band

STUDY_RUNS = {m: study_test_accuracies(m) for m in ("model1", "model2")}

# Wikipedia "Welch's t-test", example 3 (unequal sizes and variances).
TEXTBOOK_A = [19.8, 20.4, 19.6, 17.8, 18.5, 18.9, 18.3, 18.9, 19.5, 22.0]
TEXTBOOK_B = [
    28.2, 26.6, 20.1, 23.3, 25.2, 22.1, 17.7, 27.6, 20.6, 13.7,
    23.2, 17.5, 20.6, 18.0, 23.9, 21.6, 24.3, 20.4, 23.9, 13.3,
]  # fmt: skip


def _mean(xs: list[float]) -> float:
    """Plain-Python mean."""
    return sum(xs) / len(xs)


def _var(xs: list[float]) -> float:
    """Plain-Python sample variance (ddof=1)."""
    m = _mean(xs)
    return sum((x - m) ** 2 for x in xs) / (len(xs) - 1)


def _hand_welch(a: list[float], b: list[float]) -> tuple[float, float]:
    """Welch t and Welch–Satterthwaite df from the textbook formulas, no numpy/scipy."""
    se_a, se_b = _var(a) / len(a), _var(b) / len(b)
    t = (_mean(a) - _mean(b)) / math.sqrt(se_a + se_b)
    df = (se_a + se_b) ** 2 / (se_a**2 / (len(a) - 1) + se_b**2 / (len(b) - 1))
    return t, df


def _hand_two_sided_p(t: float, df: float, steps: int = 20000) -> float:
    """Two-sided Student-t p-value as I_x(df/2, 1/2), x = df/(df+t²), by Simpson's rule."""
    a, x = df / 2, df / (df + t * t)
    h = x / steps
    total = 0.0
    for i in range(steps + 1):
        u = i * h
        f = 0.0 if u == 0 else u ** (a - 1) * (1 - u) ** -0.5
        total += f * (1 if i in (0, steps) else 4 if i % 2 else 2)
    log_beta = math.lgamma(a) + math.lgamma(0.5) - math.lgamma(a + 0.5)
    return total * h / 3 / math.exp(log_beta)


def test_sample_stats_sample_std() -> None:
    s = sample_stats([1, 2, 3, 4])
    assert s == SampleStats(n=4, mean=2.5, std=pytest.approx(1.2909944), min=1.0, max=4.0)


def test_sample_stats_ignores_nan() -> None:
    s = sample_stats([1.0, math.nan, 3.0])
    assert (s.n, s.mean, s.min, s.max) == (2, 2.0, 1.0, 3.0)
    assert s.std == pytest.approx(math.sqrt(2))


def test_sample_stats_single_and_empty() -> None:
    one = sample_stats([0.9])
    assert (one.n, one.mean, one.min, one.max) == (1, 0.9, 0.9, 0.9)
    assert math.isnan(one.std)
    empty = sample_stats([math.nan])
    assert empty.n == 0
    assert all(math.isnan(v) for v in (empty.mean, empty.std, empty.min, empty.max))


def test_hand_formulas_reproduce_textbook_numbers() -> None:
    t, df = _hand_welch(TEXTBOOK_A, TEXTBOOK_B)
    assert round(t, 2) == -2.23
    assert round(df, 1) == 24.5
    assert _hand_two_sided_p(t, df) == pytest.approx(0.0355, abs=0.001)


def test_hand_p_value_matches_known_quantile() -> None:
    # t = 2.228 is the two-sided 5 % critical value for 10 degrees of freedom.
    assert _hand_two_sided_p(2.228, 10) == pytest.approx(0.05, abs=2e-4)


def test_welch_textbook_case_matches_hand_computation() -> None:
    res = welch_t_test(TEXTBOOK_A, TEXTBOOK_B)
    t, df = _hand_welch(TEXTBOOK_A, TEXTBOOK_B)
    assert res.t == pytest.approx(t, rel=1e-9)
    assert res.df == pytest.approx(df, rel=1e-9)
    assert res.p == pytest.approx(_hand_two_sided_p(t, df), abs=1e-5)
    assert (res.n_a, res.n_b) == (10, 20)
    assert res.mean_a == pytest.approx(_mean(TEXTBOOK_A))
    assert res.mean_b == pytest.approx(_mean(TEXTBOOK_B))


def test_welch_is_antisymmetric() -> None:
    ab, ba = welch_t_test(TEXTBOOK_A, TEXTBOOK_B), welch_t_test(TEXTBOOK_B, TEXTBOOK_A)
    assert ab.t == pytest.approx(-ba.t)
    assert ab.df == pytest.approx(ba.df)
    assert ab.p == pytest.approx(ba.p)


def test_study_logged_runs() -> None:
    res = welch_t_test(STUDY_RUNS["model1"], STUDY_RUNS["model2"])
    t, df = _hand_welch(list(STUDY_RUNS["model1"]), list(STUDY_RUNS["model2"]))
    assert round(res.t, 3) == round(t, 3) == -1.923
    assert round(res.df, 3) == round(df, 3) == 9.862
    assert round(res.p, 3) == round(_hand_two_sided_p(t, df), 3) == 0.084
    assert (res.n_a, res.n_b) == (7, 9)
    text = res.reading(label_a="Model 1", label_b="Model 2")
    assert text == (
        "With 7 runs of Model 1 and 9 of Model 2, the difference "
        "(Model 2 − Model 1 = +0.0025) is not significant (p = 0.084 ≥ 0.05)."
    )


def test_study_constants() -> None:
    assert STUDY_REFERENCE == {"model1": 0.91957, "model2": 0.92147}


def test_reading_significant() -> None:
    res = WelchResult(t=-4.2, df=5.1, p=0.003, mean_a=0.90, mean_b=0.92, n_a=3, n_b=3)
    assert res.reading(label_a="Model 1", label_b="Model 2") == (
        "With 3 runs each, the difference (Model 2 − Model 1 = +0.02) is significant "
        "(p = 0.003 < 0.05): Model 2 scores higher on average."
    )
    lower = WelchResult(t=4.2, df=5.1, p=0.003, mean_a=0.92, mean_b=0.90, n_a=3, n_b=3)
    assert lower.reading().endswith("A scores higher on average.")


def test_reading_not_significant_and_alpha() -> None:
    res = WelchResult(t=-0.9, df=3.8, p=0.41, mean_a=0.9190, mean_b=0.9209, n_a=3, n_b=3)
    assert res.reading(label_a="Model 1", label_b="Model 2") == (
        "With 3 runs each, the difference (Model 2 − Model 1 = +0.0019) is not significant "
        "(p = 0.41 ≥ 0.05)."
    )
    assert "is significant (p = 0.41 < 0.5)" in res.reading(alpha=0.5)


def test_reading_tiny_p() -> None:
    res = welch_t_test([1.0, 1.1, 0.9, 1.0], [5.0, 5.1, 4.9, 5.0])
    assert res.p < 0.001
    assert "(p < 0.001 < 0.05): B scores higher on average." in res.reading()


def test_reading_needs_two_runs() -> None:
    res = welch_t_test([0.91], [0.92, 0.93])
    assert math.isnan(res.t) and math.isnan(res.p) and math.isnan(res.df)
    assert res.mean_a == 0.91
    assert res.reading() == "Need at least 2 runs in each group to test the difference."


def test_zero_variance_both_groups() -> None:
    res = welch_t_test([0.9, 0.9, 0.9], [0.92, 0.92])
    assert math.isnan(res.p)
    assert res.mean_b == 0.92
    text = res.reading(label_a="M1", label_b="M2")
    assert "no run-to-run spread" in text
    assert "M2 − M1 = +0.02" in text


def test_zero_variance_one_group_still_tested() -> None:
    res = welch_t_test([1.0, 1.0, 1.0], [1.0, 2.0, 3.0])
    # Hand: se = 0 + 1/3, t = -1/sqrt(1/3), df = (1/3)^2 / ((1/3)^2 / 2) = 2.
    assert res.t == pytest.approx(-math.sqrt(3))
    assert res.df == pytest.approx(2.0)
    assert res.p == pytest.approx(_hand_two_sided_p(-math.sqrt(3), 2.0), abs=1e-5)


def test_welch_ignores_nan() -> None:
    with_nan = welch_t_test([*TEXTBOOK_A, math.nan], TEXTBOOK_B)
    plain = welch_t_test(TEXTBOOK_A, TEXTBOOK_B)
    assert with_nan == plain


def test_mean_std_band_unequal_lengths() -> None:
    mean, std, n = mean_std_band([[1, 2, 3], [3, 4]])
    np.testing.assert_allclose(mean, [2, 3, 3])
    np.testing.assert_array_equal(n, [2, 2, 1])
    np.testing.assert_allclose(std, [math.sqrt(2), math.sqrt(2), 0.0])
    assert std[2] == 0


def test_mean_std_band_ignores_nan() -> None:
    mean, std, n = mean_std_band([[1.0, math.nan, 5.0], [3.0, 4.0], [2.0, 6.0, 7.0]])
    np.testing.assert_array_equal(n, [3, 2, 2])
    np.testing.assert_allclose(mean, [2.0, 5.0, 6.0])
    np.testing.assert_allclose(std, [1.0, math.sqrt(2), math.sqrt(2)])


def test_mean_std_band_empty_epoch_and_no_runs() -> None:
    mean, std, n = mean_std_band([[1.0, math.nan], [2.0]])
    np.testing.assert_array_equal(n, [2, 0])
    assert math.isnan(mean[1]) and math.isnan(std[1])
    empty = mean_std_band([])
    assert all(arr.shape == (0,) for arr in empty)
