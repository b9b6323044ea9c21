"""Tests of teaching.chart_text: the sentences under the charts, checked against the numbers
the charts draw (worked out by hand from the fixture runs)."""

from __future__ import annotations

import numpy as np

from fmnist_viz.study import load_series
from fmnist_viz.teaching import (
    confusion_summary,
    curves_summary,
    gap_summary,
    history_summary,
    per_class_summary,
)
from fmnist_viz.teaching.chart_text import trend
from fmnist_viz.training import EpochRecord
from tests.run_support import FIXTURE, GROUP_A, GROUP_B


def _history(name: str) -> list[EpochRecord]:
    return [EpochRecord(int(r[0]), *map(float, r[1:])) for r in FIXTURE[name][4]]


def test_trend_words() -> None:
    assert trend("validation accuracy", [1, 2, 3], [0.84, 0.90, 0.88], True) == (
        "validation accuracy rose from 0.840 (epoch 1) to 0.880 (epoch 3), best 0.900 at epoch 2"
    )
    assert trend("validation loss", [1, 2], [0.5, 0.4], False) == (
        "validation loss fell from 0.500 (epoch 1) to 0.400 (epoch 2)"
    )
    assert trend("x", [1], [0.5], True) == "x 0.500 after epoch 1"
    assert trend("x", [1, 2], [float("nan")] * 2, True) == "no x yet"


def test_one_runs_curves() -> None:
    # a2: val acc 0.85, 0.88, 0.88; val loss lowest at epoch 2; last gap 0.94 − 0.88
    assert history_summary(_history("a2")) == (
        "Validation accuracy rose from 0.850 (epoch 1) to 0.880 (epoch 3), best 0.880 at "
        "epoch 2; validation loss lowest at epoch 2 (the weights kept); training − validation "
        "gap 6.0 points after epoch 3."
    )
    assert history_summary([]).startswith("No epoch has finished yet")


def test_compare_curves_and_gap(compare_runs) -> None:
    store, ids = compare_runs
    series, _ = load_series(store, ids.values())
    text = curves_summary(series, "accuracy")
    # group A: mean val acc (0.84+0.85)/2=0.845 → (0.89+0.88)/2=0.885; group B ends at b1's 0.83
    assert text.startswith(
        f"{GROUP_A}: validation accuracy rose from 0.845 (epoch 1) to 0.885 (epoch 3) "
        "(mean of 2 runs)."
    )
    assert f"{GROUP_B}: validation accuracy rose from 0.755 (epoch 1) to 0.830 (epoch 3)" in text
    assert "validation loss fell" in curves_summary(series, "loss")
    # gaps at epoch 3: A (0.03 + 0.06) / 2 = 4.5 points; B only b1: 0.85 − 0.83 = 2.0 points
    assert gap_summary(series) == (
        f"Training − validation accuracy at the end: {GROUP_A} 4.5 points at epoch 3; "
        f"{GROUP_B} 2.0 points at epoch 3. The first over-fits the most."
    )


def test_per_class_and_confusion() -> None:
    a = np.linspace(0.70, 0.99, 10)
    b = a.copy()
    b[6] += 0.05
    text = per_class_summary(a, b, labels=("Run A", "Run B"))
    assert text == (
        "Run A: best on Ankle boot (99.0 %), worst on T-shirt/top (70.0 %). "
        f"Run B differs most on Shirt: +5.0 points ({100 * b[6]:.1f} %)."
    )
    confusion = np.diag(np.full(10, 90))
    confusion[6, 0] = 10  # a tenth of the shirts taken for T-shirts
    confusion[4, 2] = 5
    assert confusion_summary(confusion) == (
        "Most common mistake: Shirt taken for T-shirt/top (10.0 % of the Shirt images)."
    )
    assert confusion_summary(np.diag(np.full(10, 5))) == "No mistakes on the test set."
