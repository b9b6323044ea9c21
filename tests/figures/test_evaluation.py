"""Tests for fmnist_viz.figures.evaluation: confusion heatmap, per-class bars, error gallery."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fmnist_viz import CLASS_NAMES
from fmnist_viz.figures import confusion_heatmap, misclassified_gallery, per_class_bars
from fmnist_viz.training import confusion_from_predictions, misclassified
from tests.run_support import PREDICTED_RUN


def _crafted_confusion() -> np.ndarray:
    """A confusion matrix with known rows, one of them empty."""
    matrix = np.diag(np.arange(10, 20))
    matrix[6, 0] = 5
    matrix[2, 4] = 3
    matrix[3, 3] = 0  # no dress in this test set
    return matrix


def test_heatmap_shows_counts_with_class_names() -> None:
    matrix = _crafted_confusion()
    (heat,) = confusion_heatmap(matrix).data
    np.testing.assert_array_equal(np.asarray(heat.z), matrix)
    assert list(heat.x) == list(CLASS_NAMES) and list(heat.y) == list(CLASS_NAMES)
    assert heat.texttemplate == "%{z:.0f}"
    assert np.asarray(heat.customdata)[6, 0, 0] == 5


def test_heatmap_puts_true_class_on_y_first_row_on_top() -> None:
    fig = confusion_heatmap(_crafted_confusion())
    assert fig.layout.yaxis.title.text == "True class"
    assert fig.layout.xaxis.title.text == "Predicted class"
    assert fig.layout.yaxis.autorange == "reversed"
    assert fig.layout.uirevision


def test_normalised_heatmap_rows_sum_to_one() -> None:
    matrix = _crafted_confusion()
    (heat,) = confusion_heatmap(matrix, normalize=True).data
    shares = np.asarray(heat.z)
    sums = shares.sum(axis=1)
    assert np.delete(sums, 3) == pytest.approx(np.ones(9))
    assert sums[3] == 0
    assert shares[6, 0] == pytest.approx(5 / (16 + 5))
    assert heat.texttemplate == "%{z:.2f}"


def test_heatmap_from_saved_predictions(compare_runs) -> None:
    store, ids = compare_runs
    probs, labels = store.predictions(ids[PREDICTED_RUN])
    expected = np.zeros((10, 10), dtype=int)
    np.add.at(expected, (labels, probs.argmax(axis=1)), 1)
    (heat,) = confusion_heatmap(confusion_from_predictions(probs, labels)).data
    np.testing.assert_array_equal(np.asarray(heat.z), expected)


def test_heatmap_refuses_a_wrong_shape() -> None:
    with pytest.raises(ValueError, match="confusion must be"):
        confusion_heatmap(np.zeros((9, 9)))


def test_per_class_bars_for_one_and_two_models() -> None:
    a = np.linspace(0.6, 0.99, 10)
    b = a[::-1]
    one = per_class_bars(a)
    assert len(one.data) == 1 and list(one.data[0].y) == pytest.approx(a)
    two = per_class_bars(a, b, labels=("Model 1", "Model 2"))
    assert [t.name for t in two.data] == ["Model 1", "Model 2"]
    assert list(two.data[1].y) == pytest.approx(b)
    assert list(two.data[0].x) == list(CLASS_NAMES)
    assert list(two.layout.yaxis.range) == [0, 1]
    assert two.layout.barmode == "group"
    with pytest.raises(ValueError, match="per-class values"):
        per_class_bars(a[:9])


def _crafted_errors() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Probabilities, labels and distinct images for six test images (index 2 is correct)."""
    labels = np.array([6, 6, 6, 0, 2, 4])
    predicted = [0, 0, 6, 6, 4, 2]
    confidence = [0.7, 0.9, 0.8, 0.6, 0.5, 0.95]
    probs = np.array([[(1 - c) / 9] * 10 for c in confidence])
    probs[np.arange(6), predicted] = confidence
    images = (np.arange(6 * 28 * 28) % 251).reshape(6, 28, 28).astype(np.uint8)
    return probs, labels, images


def test_gallery_shows_the_listed_images_with_titles() -> None:
    probs, labels, images = _crafted_errors()
    rows = misclassified(probs, labels, true_class=6, predicted_class=0)
    fig = misclassified_gallery(images, rows, cols=6)
    assert [t.type for t in fig.data] == ["image", "image"]
    np.testing.assert_array_equal(np.asarray(fig.data[0].z)[..., 0], images[1])
    np.testing.assert_array_equal(np.asarray(fig.data[1].z)[..., 2], images[0])
    titles = [a.text for a in fig.layout.annotations]
    assert titles == ["Shirt →<br>T-shirt/top (90.0%)", "Shirt →<br>T-shirt/top (70.0%)"]


def test_gallery_grid_follows_cols() -> None:
    probs, labels, images = _crafted_errors()
    rows = misclassified(probs, labels)
    fig = misclassified_gallery(images, rows, cols=2)
    assert len(fig.data) == 5
    assert "xaxis6" in fig.layout and "xaxis7" not in fig.layout  # 3 rows × 2 columns
    assert fig.data[4].xaxis == "x5"


def test_gallery_scales_float_images() -> None:
    probs, labels, _ = _crafted_errors()
    images = np.zeros((6, 28, 28, 1), dtype=np.float32)
    images[5, 0, 0, 0] = 1.0
    fig = misclassified_gallery(images, misclassified(probs, labels, limit=1))
    assert np.asarray(fig.data[0].z)[0, 0].tolist() == [255, 255, 255]


def test_gallery_refuses_empty_or_out_of_range_rows() -> None:
    probs, labels, images = _crafted_errors()
    with pytest.raises(ValueError, match="No images"):
        misclassified_gallery(images, misclassified(probs, labels, true_class=1))
    bad = pd.DataFrame({"index": [6], "true": [0], "predicted": [1], "confidence": [0.5]})
    with pytest.raises(ValueError, match="out of range"):
        misclassified_gallery(images, bad)


def test_a_clicked_cell_is_its_true_and_predicted_class() -> None:
    from fmnist_viz.figures import confusion_cell

    matrix = _crafted_confusion()
    fig = confusion_heatmap(matrix, clickable=True)
    heat, cells = fig.data
    assert cells.type == "scatter" and len(cells.x) == 100 and cells.marker.opacity == 0
    assert fig.layout.clickmode == "event+select"
    # every click target maps back to its own cell, and carries that cell's count
    for x, y, (count, _) in zip(cells.x, cells.y, cells.customdata, strict=True):
        true, predicted = confusion_cell({"x": x, "y": y})
        assert count == matrix[true, predicted]
    assert len(confusion_heatmap(matrix).data) == 1  # not clickable: the heatmap alone
    # a click as Plotly reports it: x is the predicted class's name, y the true one's
    point = {"x": heat.x[0], "y": heat.y[6], "z": 5, "point_index": [6, 0]}
    assert confusion_cell(point) == (6, 0)  # shirt taken for T-shirt/top
    assert confusion_cell({"x": CLASS_NAMES[4], "y": CLASS_NAMES[2]}) == (2, 4)
    assert confusion_cell({"point_index": [9, 7]}) == (9, 7)  # by position only
    assert confusion_cell({"x": "nothing", "y": CLASS_NAMES[2]}) is None
    assert confusion_cell({"point_index": [10, 0]}) is None
    assert confusion_cell({}) is None
