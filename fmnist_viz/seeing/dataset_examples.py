"""Top-activating images: for every filter of every conv layer, the test images whose feature
map reaches the highest value anywhere (the maximum over positions), and where it did.

One pass over the images computes every conv layer at once, in chunks of bounded memory, and
keeps a running top-KEEP per filter: ties go to the lower image index, so the result equals a
stable argsort of all the maxima. The first SHOWN of each filter are drawn; all KEEP say which
classes the filter fires on (`class_spread`, `spread_sentence`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from fmnist_viz import CLASS_NAMES, IMAGE_SHAPE, NUM_CLASSES
from fmnist_viz.inside import Prober, as_batch, conv_stack
from fmnist_viz.training import inference_batch

SHOWN = 9  # top images drawn per filter
KEEP = 100  # top images kept per filter: the class spread is counted over these
STATE_IMAGES = 2000  # test images searched for changing weights (live) or a saved state
SEARCH_SHARE = 0.9  # of the progress: the search; the rest locates the shown maxima
CHUNK = 512  # images per call, fewer for wide models (budget.inference_batch)
MOSTLY_SHARE = 0.6  # a filter fires 'mostly' on classes covering this share of its top images
MOST_NAMED = 2  # ... when they are at most this many

Progress = Callable[[float], None]


@dataclass(frozen=True, eq=False)
class TopImages:
    """One conv layer's top images: row f holds filter f's best images, strongest first."""

    layer: str
    values: np.ndarray  # (filters, k) float32: the filter's largest output in the image
    indices: np.ndarray  # (filters, k) int32: which image (row of the images given)
    positions: np.ndarray  # (filters, min(k, SHOWN), 2) int16: row, col of that largest output
    map_size: tuple[int, int]  # the layer's output height and width
    n_images: int  # how many images were searched

    @property
    def filters(self) -> int:
        """Number of filters of the layer."""
        return int(self.values.shape[0])

    def fires(self, f: int) -> bool:
        """True when filter f's strongest response over the images is above zero."""
        return bool(self.values.shape[1]) and float(self.values[f, 0]) > 0


def top_images(
    prober: Prober,
    images: np.ndarray,
    keep: int = KEEP,
    progress: Progress | None = None,
) -> dict[str, TopImages]:
    """Every conv layer's top `keep` images per filter among `images` (uint8 or [0, 1] floats,
    28x28), by the filter's largest output over positions, and for the first SHOWN of each
    where that largest output is; `progress` gets fractions done.

    Empty when the model has no conv layer before its first flat layer.
    """
    stack = conv_stack(prober)
    names = stack.conv_names
    if not names:
        return {}
    layers = [stack.layer(n) for n in names]
    widths = [int(lay.output.shape[3]) for lay in layers]
    n = len(images)
    keep = max(0, min(int(keep), n))
    kept = [(np.empty((0, w), np.float32), np.empty((0, w), np.int32)) for w in widths]
    floats = sum(math.prod(lay.output.shape[1:]) for lay in layers) + math.prod(IMAGE_SHAPE)
    chunk = inference_batch(floats, CHUNK)
    for start in range(0, n, chunk):
        batch = as_batch(images[start : start + chunk])
        maxima = [np.asarray(t) for t in stack.maxima(batch)]
        rows = np.arange(start, start + len(batch), dtype=np.int32)[:, None]
        for i, values in enumerate(maxima):
            index = np.broadcast_to(rows, values.shape)
            kept[i] = _merge(kept[i], (values, index), keep)
        if progress is not None:
            progress(min(1.0, (start + len(batch)) / n) * SEARCH_SHARE)
    values = [np.ascontiguousarray(v.T) for v, _ in kept]
    indices = [np.ascontiguousarray(i.T) for _, i in kept]
    positions = _positions(stack, images, indices, chunk)
    if progress is not None:
        progress(1.0)
    return {
        name: TopImages(name, values[i], indices[i], positions[i], _size(layers[i]), n)
        for i, name in enumerate(names)
    }


def _size(layer: Any) -> tuple[int, int]:
    """A conv layer's output height and width."""
    return int(layer.output.shape[1]), int(layer.output.shape[2])


def _positions(
    stack: Any, images: np.ndarray, indices: list[np.ndarray], chunk: int
) -> list[np.ndarray]:
    """Per layer, (filters, SHOWN, 2): row and col of each shown top image's largest output,
    found by running only those images again (the search itself keeps only the values)."""
    shown = [ix[:, :SHOWN] for ix in indices]
    unique = np.unique(np.concatenate([s.ravel() for s in shown])) if shown else np.empty(0)
    found: list[list[np.ndarray]] = [[] for _ in shown]
    for start in range(0, len(unique), chunk):
        for i, flat in enumerate(stack.argmaxima(as_batch(images[unique[start : start + chunk]]))):
            found[i].append(np.asarray(flat))
    out = []
    for i, ix in enumerate(shown):
        width = int(stack.layer(stack.conv_names[i]).output.shape[2])
        flat_all = np.concatenate(found[i]) if found[i] else np.empty((0, ix.shape[0]), np.int32)
        flat = flat_all[np.searchsorted(unique, ix), np.arange(ix.shape[0])[:, None]]
        out.append(np.stack([flat // width, flat % width], axis=-1).astype(np.int16))
    return out


def _merge(
    kept: tuple[np.ndarray, ...], new: tuple[np.ndarray, ...], keep: int
) -> tuple[np.ndarray, ...]:
    """The best `keep` rows per column of kept + new: highest value first, and on equal values
    the one that came first (kept rows hold lower image indices than new ones)."""
    values = np.concatenate([kept[0], new[0]])
    order = np.argsort(-values, axis=0, kind="stable")[:keep]
    return tuple(
        np.take_along_axis(np.concatenate([a, b]), order, axis=0)
        for a, b in zip(kept, new, strict=True)
    )


def class_spread(top: TopImages, f: int, labels: np.ndarray, k: int | None = None) -> np.ndarray:
    """How many of filter f's top `k` images (all kept, by default) belong to each class,
    counting only images on which the filter fires (largest output above zero)."""
    values, indices = top.values[f, :k], top.indices[f, :k]
    chosen = np.asarray(labels)[indices[values > 0]]
    return np.bincount(chosen.astype(np.int64), minlength=NUM_CLASSES)[:NUM_CLASSES]


def spread_sentence(counts: np.ndarray, f: int, class_names: Sequence[str] = CLASS_NAMES) -> str:
    """One sentence on which classes filter f fires on, from its class counts."""
    total = int(np.sum(counts))
    if total == 0:
        return f"Filter {f} does not fire on any of the test images searched (a dead filter)."
    counts = np.asarray(counts)
    order = [int(c) for c in np.argsort(-counts, kind="stable")]
    of = f"of its top {total} image{'s' if total != 1 else ''}"
    share = [counts[c] / total for c in order]
    if share[0] == 1:
        return f"Filter {f} fires only on {class_names[order[0]]} {of}."
    for n in range(1, MOST_NAMED + 1):
        if sum(share[:n]) >= MOSTLY_SHARE:
            parts = [f"{class_names[c]} ({s:.0%})" for c, s in zip(order[:n], share, strict=False)]
            return f"Filter {f} fires mostly on {' and '.join(parts)} {of}."
    parts = [f"{class_names[c]} ({s:.0%})" for c, s in zip(order[:3], share, strict=False)]
    return f"Filter {f} fires on many classes: the most frequent {of} are {', '.join(parts)}."
