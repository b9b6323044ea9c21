"""Tests for fmnist_viz.inside.relu: zero shares per image, layer and filter, and dead filters."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from fmnist_viz.inside import (  # noqa: E402
    Prober,
    relu_stats,
    telling_channel,
    zero_shares,
)
from fmnist_viz.models import preset  # noqa: E402
from tests.probe_support import built  # noqa: E402


def test_relu_stats_per_image_and_dead_filters(probe_images: np.ndarray) -> None:
    model = built(preset("model2"), 4)
    conv = model.get_layer("conv1")
    kernel, bias = conv.get_weights()
    kernel[..., 0], bias[0] = -np.abs(kernel[..., 0]), -0.1  # never fires on pixels >= 0
    kernel[..., 1], bias[1] = np.abs(kernel[..., 1]), 0.1  # always fires
    conv.set_weights([kernel, bias])
    prober = Prober(model)
    stats = relu_stats(prober, probe_images)
    assert list(stats) == ["conv1", "conv2"]
    for i, image in enumerate(probe_images):
        outputs = prober.layer_outputs(image)
        outs = {o.name: o.output for o in outputs}
        shares = zero_shares(outputs)
        assert list(shares) == list(stats)
        for name, layer_stats in stats.items():
            assert layer_stats.zero_share[i] == pytest.approx(np.mean(outs[name] == 0))
            assert shares[name] == pytest.approx(layer_stats.zero_share[i])
    conv1 = stats["conv1"]
    assert 0 in conv1.dead_filters and 1 not in conv1.dead_filters
    assert conv1.filter_zero_share[0] == 1.0 and conv1.filter_zero_share[1] == 0.0
    assert conv1.batch_zero_share == pytest.approx(conv1.zero_share.mean())
    assert len(conv1.zero_share) == len(probe_images)


def test_telling_channel_has_strong_values_on_both_sides_of_zero() -> None:
    pre = np.zeros((4, 4, 3))
    pre[:, :, 0] = 1.0  # all positive: ReLU does nothing
    pre[:, :, 1] = -1.0  # all negative: ReLU zeroes everything
    pre[:2, :, 2], pre[2:, :, 2] = 0.5, -0.5  # half and half
    assert telling_channel(pre) == 2
    pre[:, :, 0] = np.where(np.arange(4)[:, None] < 1, 3.0, -1.0)  # 12 positive, 12 negative
    assert telling_channel(pre) == 0
