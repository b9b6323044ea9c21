"""The network at a saved state: the spec's model built once, its weights swapped per state.

A state's weights are a flat dict keyed 'layer/weight' (see `fmnist_viz.runs.states`): the
convolutional part always, the other layers' weights where the state keeps them.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

if TYPE_CHECKING:
    from fmnist_viz.inside.probes import LayerOutput, Prober


def is_full(snapshot: dict[str, np.ndarray], prober: Prober) -> bool:
    """True when the snapshot holds every weight of the prober's model."""
    needed = {f"{lay.name}/{var.name}" for lay in prober.layers for var in lay.weights}
    return needed <= set(snapshot)


class _StateModel(NamedTuple):
    """A model built once per spec, its prober, and its BatchNorm weights at initialisation."""

    prober: Prober
    bn_initial: dict[str, list[np.ndarray]]
    flatten_index: int  # layers before this one form the convolutional part


@functools.lru_cache(maxsize=4)
def _state_model(spec_json: str) -> _StateModel:
    """Build the spec once; its probe is compiled once and reused for every state."""
    import keras

    from fmnist_viz.inside.probes import Prober
    from fmnist_viz.models import build_model

    prober = Prober(build_model(json.loads(spec_json)))
    bn = {
        lay.name: lay.get_weights()
        for lay in prober.layers
        if isinstance(lay, keras.layers.BatchNormalization)
    }
    flatten = next(
        (i for i, lay in enumerate(prober.layers) if isinstance(lay, keras.layers.Flatten)),
        len(prober.layers),
    )
    return _StateModel(prober, bn, flatten)


def _apply(cached: _StateModel, weights: dict[str, np.ndarray], full: bool) -> None:
    """Set the conv part from the snapshot (BN weights absent from old snapshots: the initial
    ones) and, when `full`, every other layer too."""
    for layer in cached.prober.layers:
        names = [f"{layer.name}/{var.name}" for var in layer.weights]
        if not names:
            continue
        kind = type(layer).__name__
        if kind == "BatchNormalization":
            initial = cached.bn_initial[layer.name]
            layer.set_weights([weights.get(n, v) for n, v in zip(names, initial, strict=True)])
            continue
        missing = [n for n in names if n not in weights]
        if kind == "Conv2D" and missing:
            raise ValueError(f"The snapshot lacks {', '.join(missing)}")
        if kind == "Conv2D" or full:
            if missing:
                raise ValueError(f"The snapshot lacks {', '.join(missing)}")
            layer.set_weights([np.asarray(weights[n], dtype=np.float32) for n in names])


@contextmanager
def model_at(
    spec: dict[str, Any], weights: dict[str, np.ndarray], full: bool = True
) -> Iterator[Prober]:
    """The spec's model with a snapshot's weights, held (locked) for the `with` block.

    With `full=False` only the convolutional part is set: use only the layers before Flatten
    (as `snapshot_outputs` does), never the prediction.
    """
    from fmnist_viz.models import to_json

    cached = _state_model(to_json(spec))
    with cached.prober.lock:
        _apply(cached, weights, full=full)
        yield cached.prober


def snapshot_outputs(
    spec: dict[str, Any], snapshot_weights: dict[str, np.ndarray], image: np.ndarray
) -> list[LayerOutput]:
    """Outputs of the layers before Flatten at a saved state, from its convolutional part.

    Only the convolutional part is computed from the snapshot (the other layers' outputs are
    not returned: a state may not hold their weights). The spec is built once and cached;
    only the weights are swapped per call.
    """
    from fmnist_viz.models import to_json

    cached = _state_model(to_json(spec))
    with cached.prober.lock:
        _apply(cached, snapshot_weights, full=False)
        return cached.prober.layer_outputs(image)[: cached.flatten_index]
