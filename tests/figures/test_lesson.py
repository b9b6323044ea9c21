"""The Lesson's figures against the arrays and records they draw."""

from __future__ import annotations

import numpy as np
import pytest

from fmnist_viz import CLASS_NAMES
from fmnist_viz.figures import (
    conv_step_figure,
    examples_by_class,
    fitting_figure,
    pool_step_figure,
    study_verdict_figure,
)
from fmnist_viz.inside import conv_step, pool_step
from fmnist_viz.study import study_band
from fmnist_viz.training import EpochRecord

RNG = np.random.default_rng(3)


def test_examples_by_class_puts_each_class_in_its_column() -> None:
    labels = np.repeat(np.arange(10), 4)
    images = np.zeros((40, 28, 28), dtype=np.uint8)
    for i, label in enumerate(labels):
        images[i] = 20 * label + i % 4  # the class and the example, readable from the pixels
    fig = examples_by_class(images, labels, CLASS_NAMES, per_class=3)
    z = np.asarray(fig.data[0].z, dtype=float)
    assert z.shape == (3 * 28 + 2 * 2, 10 * 28 + 9 * 2)
    for row in range(3):
        for label in range(10):
            tile = z[row * 30 : row * 30 + 28, label * 30 : label * 30 + 28]
            assert np.all(tile == 20 * label + row)
    assert list(fig.layout.xaxis.ticktext) == list(CLASS_NAMES)


def test_conv_step_figure_outlines_the_window_and_the_output() -> None:
    image = RNG.random((28, 28)).astype(np.float32)
    kernel = RNG.normal(size=(3, 3, 1, 4)).astype(np.float32)
    step = conv_step(image, kernel, np.zeros(4), filter_index=2, row=5, col=9)
    response = RNG.random((28, 28))
    fig = conv_step_figure(image, step, response)
    halo, window, _, cell = fig.layout.shapes  # each outline: a dark halo under a thin line
    assert (window.x0, window.x1, window.y0, window.y1) == (7.5, 10.5, 3.5, 6.5)
    assert (halo.x0, halo.y1, halo.line.width) == (7.5, 6.5, 4)
    assert (cell.xref, cell.x0, cell.y0) == ("x4", 8.5, 4.5)
    assert np.allclose(np.asarray(fig.data[2].z, dtype=float), kernel[:, :, 0, 2])
    assert fig.data[2].text[0][0] == f"{kernel[0, 0, 0, 2]:.2f}"
    assert f"{step.total:.3f}" in fig.layout.title.text


def test_pool_step_figure_marks_the_winner() -> None:
    maps = RNG.random((6, 6, 2)).astype(np.float32)
    step = pool_step(maps, channel=1, row=2, col=1)
    fig = pool_step_figure(maps[:, :, 1], maps[::2, ::2, 1], step)
    block, cell, winner = fig.layout.shapes[1::2]  # the lines over their halos
    assert (block.x0, block.y0) == (1.5, 3.5) and (cell.xref, cell.x0) == ("x3", 0.5)
    r, c = step.winner
    assert (winner.xref, winner.x0, winner.y0) == ("x2", c - 0.5, r - 0.5)
    assert np.allclose(np.asarray(fig.data[1].z, dtype=float), maps[4:6, 2:4, 1])


def test_fitting_figure_draws_both_accuracies_and_the_gap() -> None:
    history = [EpochRecord(e, 0.5, 0.80 + 0.05 * e, 0.4, 0.82 + 0.02 * e, 1.0) for e in (1, 2, 3)]
    fig = fitting_figure(history, epochs=5)
    val, train = fig.data
    assert list(val.y) == [r.val_accuracy for r in history]
    assert list(train.y) == [r.accuracy for r in history] and train.fill == "tonexty"
    assert "gap +0.070 after epoch 3" in fig.layout.title.text
    assert fitting_figure([], epochs=5).layout.title.text == "Accuracy per epoch"


def test_study_verdict_figure_is_the_logged_runs() -> None:
    fig = study_verdict_figure()
    lines = {t.name: t for t in fig.data if t.name}
    for model, title in (("model1", "Model 1"), ("model2", "Model 2")):
        _, mean, _, _ = study_band(model, "val_accuracy")
        _, train, _, _ = study_band(model, "accuracy")
        val = next(t for n, t in lines.items() if n.startswith(f"{title} validation"))
        assert np.allclose(val.y, mean)
        assert np.allclose(lines[f"{title} training"].y, train)
    assert lines["Model 1 training"].y[-1] == pytest.approx(0.953, abs=0.002)  # SEED.md
