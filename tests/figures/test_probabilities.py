"""Tests for fmnist_viz.figures.probabilities: the class-probability bars."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from fmnist_viz import CLASS_NAMES
from fmnist_viz.figures import probability_bars
from fmnist_viz.figures.probabilities import X_RANGE

RNG = np.random.default_rng(0)


def test_probability_bars() -> None:
    probs = RNG.dirichlet(np.ones(10))
    std = RNG.uniform(0, 0.05, 10)
    fig = probability_bars(probs, true_label=3, std=std)
    bar = fig.data[0]
    assert isinstance(bar, go.Bar) and bar.orientation == "h"
    assert list(bar.y) == list(CLASS_NAMES) and len(bar.x) == 10
    np.testing.assert_allclose(bar.x, probs)
    np.testing.assert_allclose(bar.error_x.array, std)
    widths = list(bar.marker.line.width)
    assert widths[3] > 0 and sum(w > 0 for w in widths) == 1
    assert fig.layout.annotations[0].y == CLASS_NAMES[3]
    pred = int(np.argmax(probs))
    assert f"Prediction: {CLASS_NAMES[pred]}" in fig.layout.title.text
    assert f"true: {CLASS_NAMES[3]}" in fig.layout.title.text
    assert fig.data[1].text[pred] == f"{probs[pred]:.1%}"


def test_probability_bars_without_label_or_std() -> None:
    fig = probability_bars(np.full(10, 0.1))
    assert fig.data[0].error_x.array is None
    assert not fig.layout.annotations
    with pytest.raises(ValueError):
        probability_bars(np.ones(9) / 9)
    with pytest.raises(ValueError):
        probability_bars(np.full(10, 0.1), true_label=10)


def test_narrow_columns_leave_room_for_the_percentages() -> None:
    probs = np.full(10, 0.01)
    probs[4] = 0.91
    ranges = {c: probability_bars(probs, 4, column=c).layout.xaxis.range[1] for c in X_RANGE}
    assert ranges["wide"] < ranges["half"] < ranges["quarter"]
    # the widest label ends right of the bar at 0.91 + 0.01 and must fit inside the range
    assert all(r > 0.92 for r in ranges.values())
    quarter = probability_bars(probs, 4, column="quarter").layout.title.text
    assert "<br>" in quarter and " · " not in quarter
    assert "<br>" not in probability_bars(probs, 4, column="half").layout.title.text
    with pytest.raises(ValueError, match="column"):
        probability_bars(probs, column="tiny")
