"""Tests for fmnist_viz.figures.dropout: input, outputs and mask panels."""

from __future__ import annotations

import numpy as np

from fmnist_viz.figures import dropout_triplet
from fmnist_viz.figures.dropout import as_picture
from tests.figure_support import heatmaps, z_of

RNG = np.random.default_rng(0)


def test_dropout_triplet_panels() -> None:
    inp = RNG.uniform(size=(4, 4, 6)).astype(np.float32)
    mask = RNG.uniform(size=inp.shape) > 0.3
    training = inp * mask / 0.7
    fig = dropout_triplet(inp, inp.copy(), training, mask, 0.3)
    panels = heatmaps(fig)
    assert len(panels) == 4
    np.testing.assert_array_equal(z_of(panels[0]), z_of(panels[1]))
    np.testing.assert_allclose(z_of(panels[0]), as_picture(inp), rtol=1e-6)
    np.testing.assert_allclose(z_of(panels[2]), as_picture(training), rtol=1e-6)
    np.testing.assert_array_equal(z_of(panels[3]), as_picture(mask.astype(np.float32)))
    assert [p.xaxis for p in panels] == ["x", "x2", "x3", "x4"]
    notes = [a.text for a in fig.layout.annotations]
    assert any(f"{mask.mean():.0%} kept" in n for n in notes)
    assert any("× 1.43" in n for n in notes)


def test_dropout_triplet_vectors() -> None:
    inp = RNG.uniform(size=50).astype(np.float32)
    mask = np.arange(50) % 2 == 0
    fig = dropout_triplet(inp, inp, inp * mask * 2, mask, 0.5)
    z = z_of(heatmaps(fig)[2]).ravel()
    np.testing.assert_allclose(z[:50], inp * mask * 2, rtol=1e-6)
