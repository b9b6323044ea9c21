"""Tests for fmnist_viz.probes, checked against an independent NumPy forward pass."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
keras = pytest.importorskip("keras")

from fmnist_viz.architectures import build_model, normalize, preset, with_auto_flatten  # noqa: E402
from fmnist_viz.data import SAMPLE_DIR, load_dir  # noqa: E402
from fmnist_viz.probes import (  # noqa: E402
    Prober,
    as_batch,
    dropout_view,
    mc_dropout,
    prober_for,
    snapshot_outputs,
    zero_shares,
)
from fmnist_viz.training import kernel_snapshot, scale_images  # noqa: E402

TOL = 1e-4
BN_EPSILON_KEY = "epsilon"

# Stride 2 with 'valid' padding, average pooling with 'same' padding on an odd map (13 -> 7),
# 3 input channels into conv2 (even kernel, 'same': the extra pad goes bottom/right), an odd
# 'same' max pool, and BatchNorm between them.
CUSTOM = {
    "name": "custom_probe",
    "layers": [
        {"type": "conv2d", "name": "conv1", "filters": 3, "kernel_size": 3, "strides": 2,
         "padding": "valid"},
        {"type": "avgpool2d", "name": "avgpool1", "pool_size": 2, "padding": "same"},
        {"type": "batchnorm", "name": "bn1"},
        {"type": "conv2d", "name": "conv2", "filters": 8, "kernel_size": 2, "padding": "same"},
        {"type": "maxpool2d", "name": "pool2", "pool_size": 3, "strides": 2, "padding": "same"},
        {"type": "avgpool2d", "name": "avgpool2", "pool_size": 2, "padding": "valid"},
        {"type": "dropout", "name": "dropout1", "rate": 0.25},
        {"type": "flatten", "name": "flatten"},
        {"type": "dense", "name": "dense1", "units": 16},
        {"type": "dense", "name": "output", "units": 10, "activation": "softmax"},
    ],
}  # fmt: skip
NO_DROPOUT = {
    "name": "no_dropout",
    "layers": [
        {"type": "conv2d", "name": "conv1", "filters": 4, "kernel_size": 3},
        {"type": "batchnorm", "name": "bn1"},
        {"type": "maxpool2d", "name": "pool1", "pool_size": 2},
        {"type": "flatten", "name": "flatten"},
        {"type": "dense", "name": "output", "units": 10, "activation": "softmax"},
    ],
}
BIG_DROPOUT = {
    "name": "big_dropout",
    "layers": [
        {"type": "conv2d", "name": "conv1", "filters": 32, "kernel_size": 3},
        {"type": "dropout", "name": "dropout1", "rate": 0.5},
        {"type": "flatten", "name": "flatten"},
        {"type": "dense", "name": "output", "units": 10, "activation": "softmax"},
    ],
}


# ---------------------------------------------------------------- an independent reference


def same_pads(size: int, window: int, stride: int) -> tuple[int, int]:
    """TensorFlow's 'same' padding: total pad split with the extra one at the bottom/right."""
    out = -(-size // stride)
    total = max((out - 1) * stride + window - size, 0)
    return total // 2, total - total // 2


def windows(x: np.ndarray, size: int, stride: int, padding: str, fill: float) -> np.ndarray:
    """(out_h, out_w, channels, size, size) windows of an (h, w, c) map."""
    if padding == "same":
        top, bottom = same_pads(x.shape[0], size, stride)
        left, right = same_pads(x.shape[1], size, stride)
        x = np.pad(x, ((top, bottom), (left, right), (0, 0)), constant_values=fill)
    view = np.lib.stride_tricks.sliding_window_view(x, (size, size), axis=(0, 1))
    return view[::stride, ::stride]


def np_conv2d(
    x: np.ndarray, kernel: np.ndarray, bias: np.ndarray, stride: int, padding: str
) -> np.ndarray:
    """Cross-correlation of (h, w, cin) with (k, k, cin, f) plus bias."""
    win = windows(x, kernel.shape[0], stride, padding, 0.0)
    return np.einsum("hwcij,ijcf->hwf", win, kernel.astype(np.float64)) + bias


def np_pool(x: np.ndarray, size: int, stride: int, padding: str, kind: str) -> np.ndarray:
    """Max or average pooling; padded cells are ignored (TensorFlow's behaviour)."""
    win = windows(x, size, stride, padding, np.nan)
    return np.nanmax(win, axis=(-2, -1)) if kind == "max" else np.nanmean(win, axis=(-2, -1))


def np_activation(x: np.ndarray, name: str) -> np.ndarray:
    """ReLU, softmax or identity."""
    if name == "relu":
        return np.maximum(x, 0.0)
    if name == "softmax":
        e = np.exp(x - x.max())
        return e / e.sum()
    assert name == "linear"
    return x


def np_layer(layer: dict[str, Any], x: np.ndarray, weights: list[np.ndarray], eps: float) -> Any:
    """One spec layer in NumPy: returns (pre-activation or None, output)."""
    kind = layer["type"]
    if kind == "conv2d":
        pre = np_conv2d(x, weights[0], weights[1], layer["strides"], layer["padding"])
        return pre, np_activation(pre, layer["activation"])
    if kind in ("maxpool2d", "avgpool2d"):
        size = layer["pool_size"]
        stride = layer.get("strides") or size
        return None, np_pool(x, size, stride, layer["padding"], kind[:3])
    if kind == "batchnorm":
        gamma, beta, mean, var = weights
        return None, (x - mean) / np.sqrt(var + eps) * gamma + beta
    if kind == "flatten":
        return None, x.reshape(-1)
    if kind == "dense":
        return None, np_activation(x @ weights[0] + weights[1], layer["activation"])
    return None, x  # dropout at inference


def reference(model: Any, spec: dict[str, Any], image: np.ndarray) -> list[tuple]:
    """(name, pre-activation, output) of every layer, computed in float64 NumPy."""
    full_spec, _ = with_auto_flatten(normalize(spec))
    x = image.reshape(28, 28, 1).astype(np.float64)
    out = []
    for layer in full_spec["layers"]:
        keras_layer = model.get_layer(layer["name"])
        eps = getattr(keras_layer, BN_EPSILON_KEY, 0.0)
        pre, x = np_layer(layer, x, keras_layer.get_weights(), eps)
        out.append((layer["name"], pre, x))
    return out


# ---------------------------------------------------------------- fixtures


def randomize(model: Any, seed: int) -> None:
    """Give biases and BatchNorm statistics non-trivial values (Keras starts them at 0/1)."""
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        weights = layer.get_weights()
        if isinstance(layer, keras.layers.BatchNormalization):
            c = weights[0].shape
            weights = [
                rng.uniform(0.5, 1.5, c),
                rng.normal(0, 0.2, c),
                rng.normal(0, 0.1, c),
                rng.uniform(0.05, 0.5, c),
            ]
        elif len(weights) == 2:
            weights[1] = rng.normal(0, 0.05, weights[1].shape)
        layer.set_weights([w.astype(np.float32) for w in weights])


def built(spec: dict[str, Any], seed: int) -> Any:
    """A seeded model of a spec with randomised biases and BN statistics."""
    keras.utils.set_random_seed(seed)
    model = build_model(spec)
    randomize(model, seed)
    return model


@pytest.fixture(scope="module")
def images() -> np.ndarray:
    """Eight real Fashion-MNIST test images from the bundled sample, float (8, 28, 28, 1)."""
    return scale_images(load_dir(SAMPLE_DIR)[2][:8])


@pytest.fixture(scope="module")
def model2(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Model 2 with random weights, saved and loaded back (as the app gets it from a run)."""
    path = Path(tmp_path_factory.mktemp("model2")) / "model.keras"
    built(preset("model2"), 1).save(path)
    return keras.saving.load_model(path, compile=False)


@pytest.fixture(scope="module")
def custom() -> Any:
    """The custom spec's model."""
    return built(CUSTOM, 2)


def assert_matches_reference(model: Any, spec: dict[str, Any], image: np.ndarray) -> None:
    """Every probed output (and conv pre-activation) equals the NumPy reference."""
    probed = prober_for(model).layer_outputs(image)
    expected = reference(model, spec, image)
    assert [p.name for p in probed] == [name for name, _, _ in expected]
    for got, (name, pre, out) in zip(probed, expected, strict=True):
        assert got.output.shape == out.shape, name
        np.testing.assert_allclose(got.output, out, atol=TOL, err_msg=name)
        if pre is not None:
            np.testing.assert_allclose(got.pre_activation, pre, atol=TOL, err_msg=name)


# ---------------------------------------------------------------- feature maps


def test_model2_outputs_match_numpy(model2: Any, images: np.ndarray) -> None:
    for image in images[:3]:
        assert_matches_reference(model2, preset("model2"), image)


def test_custom_spec_outputs_match_numpy(custom: Any, images: np.ndarray) -> None:
    outputs = prober_for(custom).layer_outputs(images[0])
    shapes = {o.name: o.output.shape for o in outputs}
    assert shapes["conv1"] == (13, 13, 3)
    assert shapes["avgpool1"] == (7, 7, 3)
    assert shapes["pool2"] == (4, 4, 8)
    for image in images[:3]:
        assert_matches_reference(custom, CUSTOM, image)


def test_layer_types_and_order(model2: Any, images: np.ndarray) -> None:
    outputs = prober_for(model2).layer_outputs(images[0])
    types = [o.type for o in outputs]
    assert types == [
        "Conv2D", "MaxPooling2D", "Conv2D", "MaxPooling2D", "Dropout",
        "Flatten", "Dense", "Dropout", "Dense",
    ]  # fmt: skip
    assert [o.pre_activation is not None for o in outputs] == [t == "Conv2D" for t in types]


def test_relu_output_is_max_of_pre_activation(model2: Any, images: np.ndarray) -> None:
    for layer in prober_for(model2).layer_outputs(images[1]):
        if layer.pre_activation is not None:
            assert layer.activation == "relu"
            assert np.array_equal(layer.output, np.maximum(layer.pre_activation, 0))
            assert (layer.pre_activation < 0).any()


def test_predict_matches_the_model(model2: Any, images: np.ndarray) -> None:
    prober = prober_for(model2)
    expected = np.asarray(model2(images[:4], training=False))
    np.testing.assert_allclose(prober.predict_batch(images[:4]), expected, atol=1e-6)
    np.testing.assert_allclose(prober.predict(images[0]), expected[0], atol=1e-6)
    np.testing.assert_allclose(prober.layer_outputs(images[0])[-1].output, expected[0], atol=1e-6)


def test_probe_is_built_once_and_shares_weights(images: np.ndarray) -> None:
    model = built(preset("model2"), 3)
    prober = prober_for(model)
    assert prober_for(model) is prober
    for image in images:
        prober.layer_outputs(image)
    assert prober.traces() == 1
    conv = model.get_layer("conv1")
    kernel, bias = conv.get_weights()
    conv.set_weights([np.zeros_like(kernel), bias + 0.5])
    pre = prober.layer_outputs(images[0])[0].pre_activation
    np.testing.assert_allclose(pre, np.broadcast_to(bias + 0.5, pre.shape), atol=1e-6)
    assert prober.traces() == 1


def test_image_formats(model2: Any, images: np.ndarray) -> None:
    prober = prober_for(model2)
    flat = images[0, :, :, 0]
    uint8 = np.round(flat * 255).astype(np.uint8)
    expected = prober.predict(images[0])
    np.testing.assert_allclose(prober.predict(flat), expected, atol=1e-6)
    np.testing.assert_allclose(prober.predict(uint8), expected, atol=1e-5)
    assert as_batch(np.zeros((5, 28, 28))).shape == (5, 28, 28, 1)
    with pytest.raises(ValueError, match="28x28"):
        as_batch(np.zeros((28, 27)))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        prober.predict(flat * 255)
    with pytest.raises(ValueError, match="one image"):
        prober.layer_outputs(images[:2])


def test_rejects_a_model_that_is_not_a_chain() -> None:
    inputs = keras.Input((28, 28, 1))
    a = keras.layers.Conv2D(2, 3, name="a")(inputs)
    b = keras.layers.Conv2D(2, 3, name="b")(inputs)
    merged = keras.layers.Flatten()(keras.layers.Add()([a, b]))
    model = keras.Model(inputs, keras.layers.Dense(10)(merged))
    with pytest.raises(ValueError, match="chain"):
        Prober(model)


# ---------------------------------------------------------------- ReLU statistics


def test_relu_stats_per_image_and_dead_filters(images: np.ndarray) -> None:
    model = built(preset("model2"), 4)
    conv = model.get_layer("conv1")
    kernel, bias = conv.get_weights()
    kernel[..., 0], bias[0] = -np.abs(kernel[..., 0]), -0.1  # never fires on pixels >= 0
    kernel[..., 1], bias[1] = np.abs(kernel[..., 1]), 0.1  # always fires
    conv.set_weights([kernel, bias])
    prober = prober_for(model)
    stats = prober.relu_stats(images)
    assert list(stats) == ["conv1", "conv2"]
    for i, image in enumerate(images):
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
    assert len(conv1.zero_share) == len(images)


# ---------------------------------------------------------------- dropout


def test_dropout_view_scales_survivors(model2: Any, images: np.ndarray) -> None:
    p = 0.3
    view = dropout_view(model2, images[0], "dropout1", seed=7)
    before = {o.name: o.output for o in prober_for(model2).layer_outputs(images[0])}["pool2"]
    np.testing.assert_array_equal(view.input, before)
    np.testing.assert_array_equal(view.inference, view.input)
    expected = view.input * view.mask / (1 - p)
    np.testing.assert_allclose(view.training, expected, rtol=1e-6, atol=1e-7)
    kept = view.mask & (view.input != 0)
    assert kept.any()
    np.testing.assert_allclose(view.training[kept] / view.input[kept], 1 / (1 - p), rtol=1e-6)
    assert np.array_equal(view.training != 0, kept)


def test_dropout_seed_reproducible_and_state_restored(model2: Any, images: np.ndarray) -> None:
    generator = model2.get_layer("dropout1").seed_generator
    state = np.asarray(generator.state.value).copy()
    a = dropout_view(model2, images[0], "dropout1", seed=11)
    b = dropout_view(model2, images[0], "dropout1", seed=11)
    c = dropout_view(model2, images[0], "dropout1", seed=12)
    np.testing.assert_array_equal(a.mask, b.mask)
    np.testing.assert_array_equal(a.training, b.training)
    assert not np.array_equal(a.mask, c.mask)
    np.testing.assert_array_equal(np.asarray(generator.state.value), state)


def test_dropout_kept_fraction(model2: Any, images: np.ndarray) -> None:
    view = dropout_view(model2, images[0], "dropout1", seed=3)
    assert abs(view.mask.mean() - 0.7) < 0.04  # 3,136 units
    big = built(BIG_DROPOUT, 5)
    view = dropout_view(big, images[0], "dropout1", seed=3)
    assert view.mask.shape == (28, 28, 32)
    assert abs(view.mask.mean() - 0.5) < 0.02  # 25,088 units


def test_dropout_view_rejects_other_layers(model2: Any, images: np.ndarray) -> None:
    with pytest.raises(ValueError, match="not a Dropout"):
        dropout_view(model2, images[0], "conv1", seed=0)
    with pytest.raises(KeyError):
        dropout_view(model2, images[0], "nope", seed=0)


def test_mc_dropout_spreads_with_dropout(model2: Any, images: np.ndarray) -> None:
    result = mc_dropout(prober_for(model2), images[0], n=16, seed=5)
    assert result.samples.shape == (16, 10)
    assert result.std.max() > 0
    assert result.mean.sum() == pytest.approx(1.0, abs=1e-5)
    np.testing.assert_allclose(result.mean, result.samples.mean(axis=0), atol=1e-7)
    assert len({r.tobytes() for r in result.samples}) > 1
    again = mc_dropout(model2, images[0], n=16, seed=5)
    np.testing.assert_array_equal(again.samples, result.samples)


def test_mc_dropout_without_dropout_is_deterministic(images: np.ndarray) -> None:
    model = built(NO_DROPOUT, 6)
    bn = model.get_layer("bn1")
    stats = [w.copy() for w in bn.get_weights()]
    result = mc_dropout(model, images[0], n=8, seed=1)
    assert np.all(result.std == 0)
    assert result.mean.sum() == pytest.approx(1.0, abs=1e-5)
    # BatchNorm stays in inference mode: same as predict, and its statistics are untouched
    np.testing.assert_allclose(result.mean, prober_for(model).predict(images[0]), atol=1e-6)
    for before, after in zip(stats, bn.get_weights(), strict=True):
        np.testing.assert_array_equal(before, after)


# ---------------------------------------------------------------- snapshots


def test_snapshot_outputs_at_epoch_zero(custom: Any, images: np.ndarray) -> None:
    snapshot = kernel_snapshot(custom)
    assert "bn1/moving_mean" in snapshot
    got = snapshot_outputs(CUSTOM, snapshot, images[0])
    full = prober_for(custom).layer_outputs(images[0])
    assert [o.name for o in got] == ["conv1", "avgpool1", "bn1", "conv2", "pool2", "avgpool2",
                                     "dropout1"]  # fmt: skip
    for mine, theirs in zip(got, full, strict=False):
        np.testing.assert_allclose(mine.output, theirs.output, atol=1e-6, err_msg=mine.name)
        if theirs.pre_activation is not None:
            np.testing.assert_allclose(mine.pre_activation, theirs.pre_activation, atol=1e-6)


def test_snapshot_outputs_follow_each_snapshot(images: np.ndarray) -> None:
    spec = preset("model2")
    early, late = built(spec, 8), built(spec, 9)
    for model in (early, late, early):
        got = snapshot_outputs(spec, kernel_snapshot(model), images[2])
        expected = reference(model, spec, images[2])
        assert [o.name for o in got] == ["conv1", "pool1", "conv2", "pool2", "dropout1"]
        for mine, (name, _, out) in zip(got, expected, strict=False):
            np.testing.assert_allclose(mine.output, out, atol=TOL, err_msg=name)


def test_snapshot_without_bn_stats_uses_initial_ones(custom: Any, images: np.ndarray) -> None:
    snapshot = {k: v for k, v in kernel_snapshot(custom).items() if not k.startswith("bn1/")}
    got = {o.name: o.output for o in snapshot_outputs(CUSTOM, snapshot, images[0])}
    np.testing.assert_allclose(got["bn1"], got["avgpool1"] / np.sqrt(1 + 1e-3), atol=1e-6)


def test_snapshot_needs_conv_weights(model2: Any, images: np.ndarray) -> None:
    snapshot = {k: v for k, v in kernel_snapshot(model2).items() if not k.startswith("conv2/")}
    with pytest.raises(ValueError, match="conv2/kernel"):
        snapshot_outputs(preset("model2"), snapshot, images[0])
