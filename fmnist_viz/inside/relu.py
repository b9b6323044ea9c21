"""ReLU at work: how much of each conv layer's response max(0, x) sets to zero, and which
filters are dead (zero on every image of a batch)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from fmnist_viz.inside.probes import LayerOutput, Prober


@dataclass(frozen=True, eq=False)
class ReluStats:
    """How much of one ReLU conv layer's output is zero over a batch of images."""

    layer: str
    zero_share: np.ndarray  # (n_images,) share of zeros in each image's output
    filter_zero_share: np.ndarray  # (filters,) share of zeros per filter over the batch
    dead_filters: np.ndarray  # filter indices whose output is 0 for every image of the batch

    @property
    def batch_zero_share(self) -> float:
        """Share of zeros over the whole batch (every image has the same number of values)."""
        return float(np.mean(self.zero_share))


def relu_stats(prober: Prober, images: np.ndarray) -> dict[str, ReluStats]:
    """Per ReLU conv layer: zeros per image and per filter, and filters dead on every image."""
    names = prober.relu_layers()
    shares: dict[str, list[np.ndarray]] = {n: [] for n in names}
    zeros: dict[str, list[np.ndarray]] = {n: [] for n in names}
    for outputs in prober.chunked_outputs(images, names):
        for name, out in outputs.items():
            is_zero = out == 0
            shares[name].append(is_zero.mean(axis=(1, 2, 3)))
            zeros[name].append(is_zero.mean(axis=(1, 2)))
    return {n: _stats(n, shares[n], zeros[n]) for n in names}


def _stats(name: str, shares: list[np.ndarray], filter_zeros: list[np.ndarray]) -> ReluStats:
    """One layer's ReluStats from per-chunk shares (per image, and per image and filter)."""
    per_image_filter = np.concatenate(filter_zeros)  # (n, filters)
    dead = np.flatnonzero(np.all(per_image_filter == 1.0, axis=0))
    return ReluStats(name, np.concatenate(shares), per_image_filter.mean(axis=0), dead)


def zero_shares(outputs: Sequence[LayerOutput]) -> dict[str, float]:
    """Share of zeros in each ReLU conv layer's output for one image (as in ReluStats)."""
    return {
        o.name: float(np.mean(o.output == 0))
        for o in outputs
        if o.pre_activation is not None and o.activation == "relu"
    }


def telling_channel(pre_activation: np.ndarray) -> int:
    """The channel of an (h, w, c) conv output before ReLU where ReLU has the most to show:
    the largest min(sum of the positive values, sum of the negative values), so both what it
    keeps and what it zeroes are strong."""
    values = np.asarray(pre_activation, dtype=np.float64)
    positive = np.clip(values, 0, None).sum(axis=(0, 1))
    negative = -np.clip(values, None, 0).sum(axis=(0, 1))
    return int(np.argmax(np.minimum(positive, negative)))
