"""Tests for fmnist_viz.inside.probes, checked against an independent NumPy forward pass."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from fmnist_viz.inside import Prober, as_batch  # noqa: E402
from fmnist_viz.inside.probes import CHUNK  # noqa: E402
from fmnist_viz.models import preset  # noqa: E402
from tests.probe_support import CUSTOM, assert_matches_reference, built  # noqa: E402

# ---------------------------------------------------------------- feature maps


def test_model2_outputs_match_numpy(
    model2: Any, model2_prober: Prober, probe_images: np.ndarray
) -> None:
    for image in probe_images[:3]:
        assert_matches_reference(model2_prober, model2, preset("model2"), image)


def test_custom_spec_outputs_match_numpy(
    custom_model: Any, custom_prober: Prober, probe_images: np.ndarray
) -> None:
    outputs = custom_prober.layer_outputs(probe_images[0])
    shapes = {o.name: o.output.shape for o in outputs}
    assert shapes["conv1"] == (13, 13, 3)
    assert shapes["avgpool1"] == (7, 7, 3)
    assert shapes["pool2"] == (4, 4, 8)
    for image in probe_images[:3]:
        assert_matches_reference(custom_prober, custom_model, CUSTOM, image)


def test_layer_types_and_order(model2_prober: Prober, probe_images: np.ndarray) -> None:
    outputs = model2_prober.layer_outputs(probe_images[0])
    types = [o.type for o in outputs]
    assert types == [
        "Conv2D", "MaxPooling2D", "Conv2D", "MaxPooling2D", "Dropout",
        "Flatten", "Dense", "Dropout", "Dense",
    ]  # fmt: skip
    assert [o.pre_activation is not None for o in outputs] == [t == "Conv2D" for t in types]


def test_relu_output_is_max_of_pre_activation(
    model2_prober: Prober, probe_images: np.ndarray
) -> None:
    for layer in model2_prober.layer_outputs(probe_images[1]):
        if layer.pre_activation is not None:
            assert layer.activation == "relu"
            assert np.array_equal(layer.output, np.maximum(layer.pre_activation, 0))
            assert (layer.pre_activation < 0).any()


def test_predict_matches_the_model(
    model2: Any, model2_prober: Prober, probe_images: np.ndarray
) -> None:
    prober = model2_prober
    expected = np.asarray(model2(probe_images[:4], training=False))
    np.testing.assert_allclose(prober.predict_batch(probe_images[:4]), expected, atol=1e-6)
    np.testing.assert_allclose(prober.predict(probe_images[0]), expected[0], atol=1e-6)
    np.testing.assert_allclose(
        prober.layer_outputs(probe_images[0])[-1].output, expected[0], atol=1e-6
    )


def test_probe_is_built_once_and_shares_weights(probe_images: np.ndarray) -> None:
    model = built(preset("model2"), 3)
    prober = Prober(model)
    for image in probe_images:
        prober.layer_outputs(image)
    assert prober.traces() == 1
    conv = model.get_layer("conv1")
    kernel, bias = conv.get_weights()
    conv.set_weights([np.zeros_like(kernel), bias + 0.5])
    pre = prober.layer_outputs(probe_images[0])[0].pre_activation
    np.testing.assert_allclose(pre, np.broadcast_to(bias + 0.5, pre.shape), atol=1e-6)
    assert prober.traces() == 1


def test_image_formats(model2_prober: Prober, probe_images: np.ndarray) -> None:
    prober = model2_prober
    flat = probe_images[0, :, :, 0]
    uint8 = np.round(flat * 255).astype(np.uint8)
    expected = prober.predict(probe_images[0])
    np.testing.assert_allclose(prober.predict(flat), expected, atol=1e-6)
    np.testing.assert_allclose(prober.predict(uint8), expected, atol=1e-5)
    assert as_batch(np.zeros((5, 28, 28))).shape == (5, 28, 28, 1)
    with pytest.raises(ValueError, match="28x28"):
        as_batch(np.zeros((28, 27)))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        prober.predict(flat * 255)
    with pytest.raises(ValueError, match="one image"):
        prober.layer_outputs(probe_images[:2])


def test_rejects_a_model_that_is_not_a_chain() -> None:
    inputs = keras.Input((28, 28, 1))
    a = keras.layers.Conv2D(2, 3, name="a")(inputs)
    b = keras.layers.Conv2D(2, 3, name="b")(inputs)
    merged = keras.layers.Flatten()(keras.layers.Add()([a, b]))
    model = keras.Model(inputs, keras.layers.Dense(10)(merged))
    with pytest.raises(ValueError, match="chain"):
        Prober(model)


def test_chunked_outputs_cover_every_image_in_bounded_chunks(
    model2_prober: Prober, probe_images: np.ndarray
) -> None:
    many = np.repeat(probe_images, 40, axis=0)  # 320 images: two chunks of at most CHUNK
    chunks = list(model2_prober.chunked_outputs(many, ["conv1", "pool2"]))
    assert [len(c["conv1"]) for c in chunks] == [CHUNK, len(many) - CHUNK]
    pool2 = np.concatenate([c["pool2"] for c in chunks])
    expected = {o.name: o.output for o in model2_prober.layer_outputs(many[300])}["pool2"]
    np.testing.assert_allclose(pool2[300], expected, atol=1e-6)
    with pytest.raises(KeyError, match="nope"):
        next(model2_prober.chunked_outputs(many, ["nope"]))
