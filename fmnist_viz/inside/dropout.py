"""Dropout at work: one layer's input, inference and training outputs with its mask, and Monte-
Carlo dropout (many stochastic passes of one image). Dropout is only ever switched on with
`training=True` on the model's own layers, under a reproducible seed."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from fmnist_viz.inside.probes import Prober, is_dropout, one_image, seeded


class DropoutView(NamedTuple):
    """A dropout layer's input and its outputs at inference and in training, with the mask."""

    input: np.ndarray
    inference: np.ndarray
    training: np.ndarray
    mask: np.ndarray


class MCDropout(NamedTuple):
    """Monte-Carlo dropout: mean and spread of the probabilities over stochastic passes."""

    mean: np.ndarray
    std: np.ndarray
    samples: np.ndarray


def dropout_view(prober: Prober, image: np.ndarray, layer_name: str, seed: int) -> DropoutView:
    """A dropout layer on one image: its input, inference and training outputs, and the mask.

    The training output is the layer's own call with training=True under a reproducible seed
    (same seed, same mask). The mask comes from the same seeded draw applied to ones, so it is
    defined where the input is 0 too; survivors are scaled by 1/(1-p).
    """
    layer = prober.layer(layer_name)
    if not is_dropout(layer):
        raise ValueError(f"{layer_name} is a {type(layer).__name__}, not a Dropout layer")
    index = prober.layer_names.index(layer_name)
    outputs = prober.layer_outputs(image)
    x = outputs[index - 1].output if index else one_image(image)[0]
    batch = x[np.newaxis]
    with prober.lock:
        inference = np.asarray(layer(batch, training=False))[0]
        with seeded([layer], seed):
            training = np.asarray(layer(batch, training=True))[0]
        with seeded([layer], seed):
            mask = np.asarray(layer(np.ones_like(batch), training=True))[0] != 0
    return DropoutView(x, inference, training, mask)


def mc_dropout(prober: Prober, image: np.ndarray, n: int, seed: int) -> MCDropout:
    """N stochastic passes of one image with dropout on, batched; mean, std and the samples.

    The probe is called with training=True, which reaches only the dropout layers: BatchNorm
    and every other layer stay in inference mode and no statistic is updated. The same seed
    gives the same samples. A model without dropout has nothing random: its n passes are the
    one inference pass (a batched pass could differ from it in the last bit).
    """
    if n < 1:
        raise ValueError("n must be at least 1")
    if not prober.dropout_rates():
        samples = np.repeat(prober.predict(image)[np.newaxis], n, axis=0)
    else:
        samples = prober.stochastic_predict(np.repeat(one_image(image), n, axis=0), seed)
    spread = samples.astype(np.float64) - samples[0]  # exact zeros when all passes agree
    return MCDropout(samples.mean(axis=0), spread.std(axis=0), samples)


def showable_layers(prober: Prober, full: bool) -> dict[str, float]:
    """The dropout layers (name: rate) that can be shown with the weights at hand: every one
    when all weights are there, else only those before Flatten (a saved state can hold the
    convolution weights only)."""
    kinds = [type(layer).__name__ for layer in prober.layers]
    flatten = kinds.index("Flatten") if "Flatten" in kinds else len(kinds)
    return {
        name: rate
        for name, rate in prober.dropout_rates().items()
        if full or prober.layer_names.index(name) < flatten
    }
