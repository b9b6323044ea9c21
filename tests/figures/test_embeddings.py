"""Embedding figures: the points, colours, hover text and click data of the scatter, the
stage overview, and the separability lines."""

from __future__ import annotations

import numpy as np
import pytest

from fmnist_viz import CLASS_NAMES
from fmnist_viz.figures import (
    Points,
    embedding_scatter,
    separability_by_epoch,
    separability_line,
    stage_overview,
)
from fmnist_viz.figures.embeddings import RIGHT, WRONG, class_color


def _points(with_predictions: bool = True) -> Points:
    """Twelve points of three classes, the last of each class predicted wrong."""
    rng = np.random.default_rng(0)
    labels = np.repeat([0, 3, 9], 4)
    predicted = labels.copy()
    predicted[[3, 7, 11]] = [6, 0, 7]
    confidence = np.linspace(0.4, 0.99, 12)
    return Points(
        rng.normal(size=(12, 2)),
        labels,
        np.arange(100, 112),
        predicted if with_predictions else None,
        confidence if with_predictions else None,
    )


def test_scatter_has_a_trace_per_class_and_one_for_its_mistakes() -> None:
    points = _points()
    fig = embedding_scatter(points, "pool2 → PCA", ("PC 1", "PC 2"))
    names = [CLASS_NAMES[0], CLASS_NAMES[3], CLASS_NAMES[9]]
    assert [t.name for t in fig.data] == [n for c in names for n in (c, f"{c} (wrong)")]
    assert [t.showlegend for t in fig.data] == [True, False] * 3  # circles in the legend
    for i, c in enumerate((0, 3, 9)):
        right, wrong = fig.data[2 * i], fig.data[2 * i + 1]
        assert right.legendgroup == wrong.legendgroup == str(c)
        assert right.marker.color == wrong.marker.color == class_color(c)
        assert (right.marker.symbol, wrong.marker.symbol) == (RIGHT, WRONG)
        rows = np.flatnonzero(points.labels == c)
        for trace, part in ((right, rows[:3]), (wrong, rows[3:])):
            assert np.allclose(trace.x, points.coords[part, 0])
            assert np.allclose(trace.y, points.coords[part, 1])
            custom = np.asarray(trace.customdata)
            assert custom[:, 0].astype(int).tolist() == part.tolist()  # position in the sample
            assert custom[:, 1].astype(int).tolist() == points.indices[part].tolist()
    shirt = np.asarray(fig.data[1].customdata)[0]  # the T-shirt taken for a shirt
    assert shirt[1] == 103 and shirt[2] == CLASS_NAMES[0]
    assert shirt[3] == f"{CLASS_NAMES[6]} (56%)"  # confidence 0.4 + 3 × 0.59 / 11
    assert "predicted: %{customdata[3]}" in fig.data[0].hovertemplate
    assert fig.layout.xaxis.title.text == "PC 1" and fig.layout.yaxis.scaleanchor == "x"
    assert len({class_color(c) for c in range(10)}) == 10


def test_scatter_without_predictions_and_with_a_selected_point() -> None:
    points = _points(with_predictions=False)
    fig = embedding_scatter(points, "at a saved state", selected=5, show_ticks=False)
    assert [t.marker.symbol for t in fig.data[:3]] == [RIGHT] * 3  # no prediction: no cross
    assert np.asarray(fig.data[0].customdata)[0, 3] == "not available at this state"
    ring = fig.data[-1]
    assert ring.name == "selected" and (ring.x[0], ring.y[0]) == tuple(points.coords[5])
    assert fig.layout.xaxis.showticklabels is False


def test_points_must_agree_in_length() -> None:
    with pytest.raises(ValueError, match="coords must be"):
        Points(np.zeros((3, 2)), np.zeros(4, int), np.arange(4))
    with pytest.raises(ValueError, match="predicted must have one value per point"):
        Points(np.zeros((4, 2)), np.zeros(4, int), np.arange(4), np.zeros(3, int), np.ones(4))


def test_overview_has_a_panel_per_stage_and_one_legend() -> None:
    points = _points()
    fig = stage_overview([("pixels: 50%", points), ("output: 90%", points)], "At a glance")
    assert [a.text for a in fig.layout.annotations] == ["pixels: 50%", "output: 90%"]
    assert len(fig.data) == 12  # three classes, right and wrong, in each of two panels
    assert [t.showlegend for t in fig.data] == [True, False] * 3 + [False] * 6
    assert {t.xaxis for t in fig.data} == {"x", "x2"}
    with pytest.raises(ValueError, match="No stage"):
        stage_overview([], "nothing")


def test_separability_line_values_gaps_chance_and_selection() -> None:
    labels = ["pixels", "block 1 (pool1)", "dense1", "output"]
    fig = separability_line(labels, [0.78, 0.8, None, 0.9], chance=0.1, k=10, selected=1)
    line = fig.data[0]
    assert list(line.x) == labels
    assert line.y[:2] == (0.78, 0.8) and np.isnan(line.y[2]) and line.y[3] == 0.9
    assert list(line.text) == ["78%", "80%", "n/a", "90%"]
    assert fig.data[1].x == ("block 1 (pool1)",) and fig.data[1].y == (0.8,)
    assert fig.layout.yaxis.range == (0.7, 1.01)  # zoomed on the scores, 5 % below the lowest
    assert not fig.layout.shapes  # chance (10 %) is far below: no line
    near = separability_line(["pixels", "output"], [0.12, 0.3], chance=0.1, k=10)
    assert near.layout.yaxis.range[0] == 0.05 and near.layout.shapes[0].y0 == 0.1
    assert "10-NN" in fig.layout.title.text
    with pytest.raises(ValueError, match="one score per stage"):
        separability_line(labels, [0.5], 0.1, 10)


def test_separability_by_epoch_one_line_per_state() -> None:
    labels = ["pixels", "pool1", "output"]
    rows = [
        ("initial", 0.0, [0.78, 0.7, 0.2]),
        ("epoch 1", 1.0, [0.78, 0.8, 0.85]),
        ("epoch 2", 2.0, [0.78, 0.82, None]),
    ]
    fig = separability_by_epoch(labels, rows, chance=0.1, k=5, current="epoch 1")
    assert [t.name for t in fig.data] == ["initial", "epoch 1", "epoch 2"]
    assert fig.data[0].y == (0.78, 0.7, 0.2) and np.isnan(fig.data[2].y[2])
    assert [t.line.width for t in fig.data] == [2, 4, 2]
    assert fig.layout.yaxis.range == (0.15, 1.01)  # the lowest score of all lines is 0.2
    assert len({t.line.color for t in fig.data}) == 3  # start to end on one colour scale
    with pytest.raises(ValueError, match="one score per stage"):
        separability_by_epoch(labels, [("initial", 0.0, [0.5])], 0.1, 5)
    with pytest.raises(ValueError, match="No saved epoch"):
        separability_by_epoch(labels, [], 0.1, 5)
