"""Per-epoch snapshots of the convolutional part: what is saved, and the maps it reproduces.

A snapshot is a flat dict of arrays keyed 'layer/weight': every conv layer's kernel and bias
and every BatchNorm layer's weights and statistics. It is small enough to save after every
epoch (epoch 0 = the initial random weights), and it is all that is needed to compute the
feature maps up to Flatten at that epoch.
"""

from __future__ import annotations

import functools
import json
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

if TYPE_CHECKING:
    import keras

    from fmnist_viz.probes import LayerOutput, Prober


def kernel_snapshot(model: keras.Model | Prober) -> dict[str, np.ndarray]:
    """Kernels and biases of every conv layer (and BN weights), keyed 'layer/weight'.

    Takes anything with a `layers` list: a Keras model or a Prober over one.
    """
    out = {}
    for layer in model.layers:
        cls = type(layer).__name__
        if cls == "Conv2D":
            kernel, bias = layer.get_weights()
            out[f"{layer.name}/kernel"] = kernel
            out[f"{layer.name}/bias"] = bias
        elif cls == "BatchNormalization":
            for var, value in zip(layer.weights, layer.get_weights(), strict=True):
                out[f"{layer.name}/{var.name}"] = value
    return out


def conv_weights(snapshot: dict[str, np.ndarray]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Kernel (k, k, in, filters) and bias of every conv layer in a snapshot, in order."""
    out = {}
    for key, kernel in snapshot.items():
        layer, _, weight = key.rpartition("/")
        if weight == "kernel" and np.ndim(kernel) == 4:
            bias = snapshot.get(f"{layer}/bias")
            if bias is None:
                bias = np.zeros(kernel.shape[-1], dtype=kernel.dtype)
            out[layer] = (kernel, bias)
    return out


class _SnapshotModel(NamedTuple):
    """A cached feature-part prober for a spec and its BatchNorm weights at initialisation."""

    prober: Prober
    bn_initial: dict[str, list[np.ndarray]]


@functools.lru_cache(maxsize=4)
def _snapshot_model(spec_json: str) -> _SnapshotModel:
    """Build the spec once and probe its layers up to (not including) Flatten."""
    import keras

    from fmnist_viz.architectures import build_model
    from fmnist_viz.probes import Prober

    model = build_model(json.loads(spec_json))
    flatten = next(lay for lay in model.layers if isinstance(lay, keras.layers.Flatten))
    prober = Prober(keras.Model(model.inputs, flatten.input))
    bn = {
        lay.name: lay.get_weights()
        for lay in prober.layers
        if isinstance(lay, keras.layers.BatchNormalization)
    }
    return _SnapshotModel(prober, bn)


def _load_snapshot(cached: _SnapshotModel, weights: dict[str, np.ndarray]) -> None:
    """Set conv kernels/biases from a snapshot, and BN weights (initial ones when absent)."""
    import keras

    for layer in cached.prober.layers:
        if isinstance(layer, keras.layers.Conv2D):
            keys = [f"{layer.name}/kernel", f"{layer.name}/bias"]
            missing = [k for k in keys if k not in weights]
            if missing:
                raise ValueError(f"The snapshot lacks {', '.join(missing)}")
            layer.set_weights([weights[k] for k in keys])
        elif layer.name in cached.bn_initial:
            initial = cached.bn_initial[layer.name]
            values = [
                weights.get(f"{layer.name}/{var.name}", init)
                for var, init in zip(layer.weights, initial, strict=True)
            ]
            layer.set_weights(values)


def snapshot_outputs(
    spec: dict[str, Any], snapshot_weights: dict[str, np.ndarray], image: np.ndarray
) -> list[LayerOutput]:
    """Outputs of the layers before Flatten at an earlier epoch, from a per-epoch snapshot.

    Snapshots hold only conv kernels and biases (and BatchNorm weights/statistics), not the
    dense layers, so only the convolutional part is computed. The spec is built once and cached;
    only the weights are swapped per call.
    """
    from fmnist_viz.architectures import to_json

    cached = _snapshot_model(to_json(spec))
    with cached.prober.lock:
        _load_snapshot(cached, snapshot_weights)
        return cached.prober.layer_outputs(image)
