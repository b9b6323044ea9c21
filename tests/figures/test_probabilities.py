"""Tests for fmnist_viz.figures.probabilities: the compact class-probability bars."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from fmnist_viz import CLASS_NAMES
from fmnist_viz.figures import probability_bars
from fmnist_viz.figures.probabilities import INSIDE_FROM, TRUE_MARK

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
    pred = int(np.argmax(probs))
    assert f"Prediction: {CLASS_NAMES[pred]}" in fig.layout.title.text
    assert f"true: {CLASS_NAMES[3]}" in fig.layout.title.text
    assert fig.data[1].text[pred] == f"{probs[pred]:.1%}"


@pytest.mark.parametrize("true_label", [None, 0, 9])
@pytest.mark.parametrize("peak", [0.05, 0.5, 0.999])
def test_the_axis_runs_to_exactly_100_percent_and_every_class_is_labelled(
    true_label: int | None, peak: float
) -> None:
    probs = np.full(10, (1 - peak) / 9)
    probs[4] = peak
    fig = probability_bars(probs, true_label, std=np.full(10, 0.02))
    assert tuple(fig.layout.xaxis.range) == (0.0, 1.0)  # 0 to 100 %, not 120 %
    assert fig.layout.xaxis.tickformat == ".0%" and max(fig.layout.xaxis.tickvals) == 1
    ticks = list(fig.layout.yaxis.ticktext)
    assert list(fig.layout.yaxis.tickvals) == list(CLASS_NAMES) and len(ticks) == 10
    assert all(name in tick for name, tick in zip(CLASS_NAMES, ticks, strict=True))
    marked = [i for i, t in enumerate(ticks) if TRUE_MARK in t]
    assert marked == ([] if true_label is None else [true_label])
    texts = fig.data[1]
    assert list(texts.text) == [f"{p:.1%}" for p in probs]  # every bar's percentage
    # every percentage is written inside the axis: right of a short bar, inside a long one
    for x, position, p in zip(texts.x, texts.textposition, probs, strict=True):
        assert 0 < x < 1
        assert position == ("middle left" if p + 0.02 > INSIDE_FROM else "middle right")


def test_probability_bars_without_label_or_std() -> None:
    fig = probability_bars(np.full(10, 0.1))
    assert fig.data[0].error_x.array is None
    assert "true" not in fig.layout.title.text
    with pytest.raises(ValueError):
        probability_bars(np.ones(9) / 9)
    with pytest.raises(ValueError):
        probability_bars(np.full(10, 0.1), true_label=10)
