"""Statistics for comparing repeated training runs: summaries, Welch's t-test, curve bands."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

STUDY_REFERENCE: dict[str, float] = {"model1": 0.91957, "model2": 0.92147}
"""Mean test accuracy over 10 runs per model, as the study reports it (SEED.md)."""


@dataclass(frozen=True)
class SampleStats:
    """Count, mean, sample standard deviation (ddof=1), min and max of a set of values."""

    n: int
    mean: float
    std: float
    min: float
    max: float


def _clean(values: Sequence[float]) -> np.ndarray:
    """Return the values as a 1-D float array with NaNs removed."""
    arr = np.asarray(values, dtype=float).ravel()
    return arr[~np.isnan(arr)]


def _sample_std(arr: np.ndarray) -> float:
    """Return the sample standard deviation (ddof=1), nan for fewer than 2 values."""
    return float(np.std(arr, ddof=1)) if arr.size >= 2 else math.nan


def sample_stats(values: Sequence[float]) -> SampleStats:
    """Summarise values, ignoring NaN; an empty input gives n=0 and nan everywhere else."""
    arr = _clean(values)
    if arr.size == 0:
        return SampleStats(n=0, mean=math.nan, std=math.nan, min=math.nan, max=math.nan)
    return SampleStats(
        n=int(arr.size),
        mean=float(arr.mean()),
        std=_sample_std(arr),
        min=float(arr.min()),
        max=float(arr.max()),
    )


def _format_p(p: float) -> str:
    """Format a p-value for prose: two significant digits, or '< 0.001'."""
    return "p < 0.001" if p < 0.001 else f"p = {p:.2g}"


def _format_diff(diff: float) -> str:
    """Format a signed difference with two significant digits (two decimals when large)."""
    return f"{diff:+.2f}" if abs(diff) >= 1 else f"{diff:+.2g}"


@dataclass(frozen=True)
class WelchResult:
    """Two-sided Welch's t-test of group A against group B (t is for mean_a − mean_b)."""

    t: float
    df: float
    p: float
    mean_a: float
    mean_b: float
    n_a: int
    n_b: int

    @property
    def diff(self) -> float:
        """Return mean_b − mean_a, the difference the plain-language reading reports."""
        return self.mean_b - self.mean_a

    def _runs_phrase(self, label_a: str, label_b: str) -> str:
        """Return 'With 3 runs each' or 'With 7 runs of A and 9 of B'."""
        if self.n_a == self.n_b:
            return f"With {self.n_a} runs each"
        return f"With {self.n_a} runs of {label_a} and {self.n_b} of {label_b}"

    def reading(self, alpha: float = 0.05, label_a: str = "A", label_b: str = "B") -> str:
        """Return a plain-language sentence saying whether B differs from A at level alpha."""
        if self.n_a < 2 or self.n_b < 2:
            return "Need at least 2 runs in each group to test the difference."
        runs = self._runs_phrase(label_a, label_b)
        diff = f"the difference ({label_b} − {label_a} = {_format_diff(self.diff)})"
        if math.isnan(self.p):
            return (
                f"{runs}, every run within each group scored exactly the same, so there is no "
                f"run-to-run spread to test {diff} against."
            )
        if self.p >= alpha:
            return f"{runs}, {diff} is not significant ({_format_p(self.p)} ≥ {alpha:g})."
        higher = label_b if self.diff > 0 else label_a
        return (
            f"{runs}, {diff} is significant ({_format_p(self.p)} < {alpha:g}): "
            f"{higher} scores higher on average."
        )


def welch_df(var_a: float, n_a: int, var_b: float, n_b: int) -> float:
    """Return the Welch–Satterthwaite degrees of freedom from sample variances and sizes."""
    se_a, se_b = var_a / n_a, var_b / n_b
    denom = se_a**2 / (n_a - 1) + se_b**2 / (n_b - 1)
    return (se_a + se_b) ** 2 / denom if denom > 0 else math.nan


def _no_spread(arr: np.ndarray) -> bool:
    """Return True when every value of the array is identical."""
    return bool(arr.max() == arr.min())


def welch_t_test(a: Sequence[float], b: Sequence[float]) -> WelchResult:
    """Run a two-sided Welch's t-test (unequal variances) on two groups, ignoring NaN."""
    from scipy import stats as sp_stats  # loaded only for a test (the CLI starts light)

    xa, xb = _clean(a), _clean(b)
    n_a, n_b = int(xa.size), int(xb.size)
    mean_a = float(xa.mean()) if n_a else math.nan
    mean_b = float(xb.mean()) if n_b else math.nan
    if n_a < 2 or n_b < 2 or (_no_spread(xa) and _no_spread(xb)):
        return WelchResult(math.nan, math.nan, math.nan, mean_a, mean_b, n_a, n_b)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # one constant group is still testable
        res = sp_stats.ttest_ind(xa, xb, equal_var=False)
    df = welch_df(float(np.var(xa, ddof=1)), n_a, float(np.var(xb, ddof=1)), n_b)
    return WelchResult(float(res.statistic), df, float(res.pvalue), mean_a, mean_b, n_a, n_b)


def _pad_curves(curves: Sequence[Sequence[float]]) -> np.ndarray:
    """Stack curves of different lengths into a (runs, epochs) array padded with NaN."""
    length = max((len(c) for c in curves), default=0)
    out = np.full((len(curves), length), np.nan)
    for i, curve in enumerate(curves):
        out[i, : len(curve)] = np.asarray(curve, dtype=float)
    return out


def mean_std_band(
    curves: Sequence[Sequence[float]],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return per-epoch mean, sample std (0 with one run) and run count over ragged curves."""
    grid = _pad_curves(curves)
    present = ~np.isnan(grid)
    n = present.sum(axis=0).astype(int)
    total = np.where(present, grid, 0.0).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, total / n, np.nan)
        sq_dev = np.where(present, (grid - mean) ** 2, 0.0).sum(axis=0)
        var = np.where(n > 1, sq_dev / (n - 1), 0.0)
    std = np.where(n > 0, np.sqrt(var), np.nan)
    return mean, std, n
