"""The worked examples against Keras' own layers: every number the Lesson writes out."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from fmnist_viz.inside import (
    Prober,
    conv_equation,
    conv_step,
    layer_conv_step,
    layer_pool_step,
    layer_window,
    on_the_object,
    pool_equation,
    pool_step,
    strongest,
)
from fmnist_viz.models import build_model, preset

RNG = np.random.default_rng(7)
IMAGE = RNG.random((28, 28)).astype(np.float32)
POSITIONS = [(0, 0), (0, 27), (13, 14), (27, 0), (27, 27)]  # corners hang over the edge


@pytest.mark.parametrize("arch", ["original", "model1", "model2"])
def test_conv_step_is_the_presets_first_layer(arch: str) -> None:
    prober = Prober(build_model(preset(arch)))
    first = prober.layer_outputs(IMAGE)[0]
    kernel, bias = prober.layer("conv1").get_weights()
    bias = RNG.normal(0, 0.1, bias.shape).astype(np.float32)  # a non-zero bias is added too
    prober.layer("conv1").set_weights([kernel, bias])
    first = prober.layer_outputs(IMAGE)[0]
    for row, col in POSITIONS:
        for f in (0, kernel.shape[-1] - 1):
            step = conv_step(IMAGE, kernel, bias, filter_index=f, row=row, col=col)
            assert step.total == pytest.approx(float(first.pre_activation[row, col, f]), abs=1e-5)
            assert step.activated == pytest.approx(float(first.output[row, col, f]), abs=1e-5)


@pytest.mark.parametrize(
    ("k", "stride", "padding"), [(3, 2, "same"), (2, 2, "same"), (4, 3, "same"), (3, 1, "valid")]
)
def test_conv_step_follows_keras_padding_and_strides(k: int, stride: int, padding: str) -> None:
    layer = keras.layers.Conv2D(4, k, strides=stride, padding=padding)
    out = np.asarray(layer(IMAGE[None, :, :, None]))[0]
    kernel, bias = (np.asarray(w) for w in layer.get_weights())
    bias = np.array([0.1, -0.2, 0.3, 0.0], dtype=np.float32)
    layer.set_weights([kernel, bias])
    out = np.asarray(layer(IMAGE[None, :, :, None]))[0]
    for row, col in [(0, 0), (out.shape[0] - 1, out.shape[1] - 1), (out.shape[0] // 2, 1)]:
        step = conv_step(
            IMAGE, kernel, bias, filter_index=1, row=row, col=col, stride=stride, padding=padding
        )
        assert step.total == pytest.approx(float(out[row, col, 1]), abs=1e-5)
    with pytest.raises(ValueError, match="outside"):
        conv_step(IMAGE, kernel, bias, filter_index=0, row=out.shape[0], col=0, stride=stride,
                  padding=padding)  # fmt: skip


def test_conv_step_writes_padding_as_zero_and_products_add_up() -> None:
    kernel = RNG.normal(size=(3, 3, 1, 2)).astype(np.float32)
    step = conv_step(IMAGE, kernel, np.array([0.5, 0.0]), filter_index=0, row=0, col=0)
    assert (step.top, step.left) == (-1, -1)
    assert step.inside.sum() == 4 and not step.inside[0].any() and not step.inside[:, 0].any()
    assert np.all(step.patch[~step.inside] == 0)
    assert np.array_equal(step.patch[1:, 1:], IMAGE[:2, :2])
    expected = float((IMAGE[:2, :2] * kernel[1:, 1:, 0, 0]).sum() + 0.5)
    assert step.total == pytest.approx(expected, abs=1e-6)
    text = conv_equation(step)
    assert text.count("×") == 4  # only the cells on the image are written out
    assert f"= {step.total:.3f}" in text and "+ 0.50 (bias)" in text
    assert text.endswith(f"→ relu → {step.activated:.3f}")
    negative = next(w for w in kernel[1:, 1:, 0, 0].ravel() if w < 0)
    assert f"×(−{abs(negative):.2f})" in text  # a negative weight in brackets, a real minus


def test_conv_step_refuses_a_kernel_that_is_not_one_channel() -> None:
    with pytest.raises(ValueError, match="one-channel"):
        conv_step(IMAGE, np.zeros((3, 3, 2, 4)), np.zeros(4), filter_index=0, row=0, col=0)


@pytest.mark.parametrize(
    ("size", "stride", "padding", "layer"),
    [
        (2, None, "valid", keras.layers.MaxPooling2D),
        (3, 2, "same", keras.layers.MaxPooling2D),
        (3, None, "same", keras.layers.AveragePooling2D),
        (2, None, "valid", keras.layers.AveragePooling2D),
    ],
)
def test_pool_step_is_keras_pooling(size, stride, padding, layer) -> None:
    maps = RNG.normal(size=(7, 7, 3)).astype(np.float32)
    out = np.asarray(layer(size, strides=stride, padding=padding)(maps[None]))[0]
    kind = "max" if layer is keras.layers.MaxPooling2D else "average"
    for row in range(out.shape[0]):
        for col in range(out.shape[1]):
            step = pool_step(maps, channel=2, row=row, col=col, pool_size=size, stride=stride,
                             padding=padding, kind=kind)  # fmt: skip
            assert step.value == pytest.approx(float(out[row, col, 2]), abs=1e-5)


def test_pool_step_block_winner_and_equation() -> None:
    maps = np.zeros((4, 4, 1), dtype=np.float32)
    maps[2:4, 0:2, 0] = [[0.1, 0.7], [0.3, 0.2]]
    step = pool_step(maps, channel=0, row=1, col=0)
    assert (step.top, step.left) == (2, 0)
    assert np.allclose(step.block, [[0.1, 0.7], [0.3, 0.2]])
    assert step.value == pytest.approx(0.7) and step.winner == (0, 1)
    assert pool_equation(step) == "max(0.100, 0.700, 0.300, 0.200) = 0.700"
    with pytest.raises(ValueError, match="kind"):
        pool_step(maps, channel=0, row=0, col=0, kind="min")


def test_strongest_is_the_largest_value() -> None:
    values = np.zeros((5, 6))
    values[3, 4] = 2.0
    assert strongest(values) == (3, 4)


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "linear", "relu"])
def test_conv_step_applies_the_layers_activation(activation: str) -> None:
    layer = keras.layers.Conv2D(3, 3, padding="same", activation=activation)
    out = np.asarray(layer(IMAGE[None, :, :, None]))[0]
    kernel, bias = (np.asarray(w) for w in layer.get_weights())
    for row, col in POSITIONS:
        step = conv_step(
            IMAGE, kernel, bias, filter_index=2, row=row, col=col, activation=activation
        )
        assert step.activated == pytest.approx(float(out[row, col, 2]), abs=1e-5)
    text = conv_equation(step)
    assert ("→" in text) == (activation != "linear")


def test_an_activation_not_written_out_is_said_so() -> None:
    kernel = np.ones((2, 2, 1, 1), dtype=np.float32)
    step = conv_step(IMAGE, kernel, np.zeros(1), filter_index=0, row=3, col=3, activation="softmax")
    assert step.activated is None
    assert conv_equation(step).endswith("→ softmax → ?")


def test_on_the_object_keeps_the_garment_only() -> None:
    image = np.zeros((28, 28), dtype=np.float32)
    image[10:20, 5:15] = 0.8
    response = np.zeros((28, 28))
    response[0, 27] = 5.0  # strongest in the background
    response[12, 7] = 1.0  # strongest on the garment
    assert strongest(on_the_object(response, image)) == (12, 7)
    small = response[::2, ::2]
    assert np.array_equal(on_the_object(small, image), small)  # another size: unchanged
    assert strongest(on_the_object(response, np.zeros((28, 28)))) == (0, 27)


@pytest.mark.parametrize(("stride", "padding"), [(1, "same"), (2, "valid"), ((2, 2), "same")])
def test_layer_conv_step_reads_the_layers_stride_and_padding(stride, padding) -> None:
    layer = keras.layers.Conv2D(3, 3, strides=stride, padding=padding)
    out = np.asarray(layer(IMAGE[None, :, :, None]))[0]
    kernel, bias = (np.asarray(w) for w in layer.get_weights())
    assert layer_window(layer).stride == (stride[0] if isinstance(stride, tuple) else stride)
    assert layer_window(layer).padding == padding and layer_window(layer).size == 3
    for row, col in [(0, 0), (out.shape[0] - 1, out.shape[1] - 1)]:
        step = layer_conv_step(layer, IMAGE, kernel, bias, filter_index=2, row=row, col=col,
                               activation="linear")  # fmt: skip
        assert step.total == pytest.approx(float(out[row, col, 2]), abs=1e-5)


@pytest.mark.parametrize(
    "layer",
    [
        keras.layers.MaxPooling2D(2),
        keras.layers.MaxPooling2D(3, strides=2, padding="same"),
        keras.layers.AveragePooling2D(2, padding="same"),
    ],
)
def test_layer_pool_step_reads_size_stride_padding_and_kind(layer) -> None:
    maps = RNG.normal(size=(7, 7, 2)).astype(np.float32)
    out = np.asarray(layer(maps[None]))[0]
    for row in range(out.shape[0]):
        step = layer_pool_step(layer, maps, channel=1, row=row, col=out.shape[1] - 1)
        assert step.value == pytest.approx(float(out[row, -1, 1]), abs=1e-5)


def test_layer_pool_step_refuses_a_layer_that_is_not_pooling() -> None:
    with pytest.raises(ValueError, match="not a max or average pooling"):
        layer_pool_step(keras.layers.Conv2D(1, 2), np.zeros((4, 4, 1)), channel=0, row=0, col=0)
