"""Attribution engine: Grad-CAM against a hand-written tf.GradientTape computation, saliency and
SmoothGrad against closed-form gradients of tiny models, occlusion against an independent NumPy
loop over patches (with a float64 NumPy forward pass), and the bad inputs."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from fmnist_viz.inside import Prober, model_at
from fmnist_viz.inside import class_gradients as cg
from fmnist_viz.models import build_model
from fmnist_viz.seeing import attribution as attr
from tests.probe_support import CUSTOM, keras, reference

tf = pytest.importorskip("tensorflow")

LINEAR = {
    "name": "linear",
    "layers": [
        {"type": "flatten", "name": "flatten"},
        {"type": "dense", "name": "output", "units": 10, "activation": "softmax"},
    ],
}
ONE_BY_ONE = {
    "name": "one_by_one",
    "layers": [
        {"type": "conv2d", "name": "conv1", "filters": 1, "kernel_size": 1},
        {"type": "flatten", "name": "flatten"},
        {"type": "dense", "name": "output", "units": 10, "activation": "softmax"},
    ],
}
W_CONV, B_CONV = 1.5, -0.3


def _linear_weights(seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "output/kernel": rng.normal(0, 0.1, (784, 10)).astype(np.float32),
        "output/bias": rng.normal(0, 0.1, 10).astype(np.float32),
    }


def _model(spec: dict, weights: dict[str, np.ndarray]) -> Any:
    """The spec's model with these weights (layer/variable keys)."""
    model = build_model(spec)
    for layer in model.layers:
        names = [f"{layer.name}/{v.name}" for v in layer.weights]
        if names:
            layer.set_weights([weights[n] for n in names])
    return model


def _one_by_one(seed: int) -> tuple[Prober, np.ndarray]:
    """A 1x1-conv (w=1.5, b=-0.3, ReLU) model and its dense kernel (784, 10)."""
    weights = _linear_weights(seed)
    weights["conv1/kernel"] = np.full((1, 1, 1, 1), W_CONV, np.float32)
    weights["conv1/bias"] = np.array([B_CONV], np.float32)
    return Prober(_model(ONE_BY_ONE, weights)), weights["output/kernel"]


# ---------------------------------------------------------------- Grad-CAM


def tape_grad_cam(model: Any, image: np.ndarray, layer_name: str, target: int) -> np.ndarray:
    """Grad-CAM written out: tape over the model's layers, logit of the last Dense layer."""
    layers = [lay for lay in model.layers if not isinstance(lay, keras.layers.InputLayer)]
    x = tf.constant(image.reshape(1, 28, 28, 1), tf.float32)
    with tf.GradientTape() as tape:
        h = x
        for layer in layers[:-1]:
            h = layer(h, training=False)
            if layer.name == layer_name:
                tape.watch(h)
                conv_out = h
        head = layers[-1]
        logit = tf.matmul(h, head.kernel) + head.bias
        score = logit[0, target]
    grads = tape.gradient(score, conv_out)
    weights = tf.reduce_mean(grads, axis=(1, 2))  # (1, channels)
    cam = tf.nn.relu(tf.reduce_sum(conv_out * weights[:, None, None, :], axis=-1))
    return tf.image.resize(cam[..., None], (28, 28), method="bilinear").numpy()[0, :, :, 0]


@pytest.mark.parametrize("which", ["model2", "custom"])
def test_grad_cam_equals_a_hand_written_gradient_tape(which, request, probe_images) -> None:
    model = request.getfixturevalue("model2" if which == "model2" else "custom_model")
    prober = request.getfixturevalue("model2_prober" if which == "model2" else "custom_prober")
    assert cg.conv_layers(prober) == ["conv1", "conv2"]
    assert cg.class_score(prober) == cg.LOGIT
    nonzero = 0
    for i, image in enumerate(probe_images[:3]):
        for layer in ("conv1", "conv2"):
            target = (3 * i + 1) % 10
            got = attr.grad_cam(prober, image, target, layer)
            expected = tape_grad_cam(model, image, layer, target)
            scale = max(float(np.abs(expected).max()), 1e-12)
            np.testing.assert_allclose(got.map, expected, atol=2e-5 * scale, rtol=1e-4)
            assert got.target == target and got.layer == layer and got.method == "grad_cam"
            nonzero += bool(expected.max() > 0)
    assert nonzero >= 4  # the comparison is not between empty maps
    default = attr.grad_cam(prober, probe_images[0])  # the last conv layer, predicted class
    assert default.layer == "conv2" and default.target == default.predicted


def test_custom_layers_are_upsampled_from_their_own_size(custom_prober, probe_images) -> None:
    result = attr.grad_cam(custom_prober, probe_images[0], 2, "conv1")
    assert result.details["cam"].shape == (13, 13)  # 3x3 stride 2 'valid' on 28x28
    assert any("13×13" in note and "bilinear" in note for note in result.notes)


@pytest.mark.parametrize("shape", [(7, 7), (13, 13), (14, 14), (26, 26), (28, 28), (5, 9)])
def test_upsample_equals_tf_image_resize(shape) -> None:
    grid = np.random.default_rng(sum(shape)).normal(size=shape).astype(np.float32)
    expected = tf.image.resize(grid[None, ..., None], (28, 28), method="bilinear").numpy()
    np.testing.assert_allclose(attr.upsample(grid), expected[0, :, :, 0], atol=1e-5)


def test_grad_cam_of_a_1x1_conv_in_closed_form(probe_images) -> None:
    prober, kernel = _one_by_one(5)
    image = probe_images[1, :, :, 0]
    for target in (0, 7):
        alpha = kernel[:, target].mean()  # the gradient w.r.t. the conv output is the column
        activation = np.maximum(W_CONV * image + B_CONV, 0)
        expected = np.maximum(alpha * activation, 0)
        got = attr.grad_cam(prober, image, target)
        np.testing.assert_allclose(got.map, expected, atol=1e-6)
        np.testing.assert_allclose(got.details["weights"], [alpha], rtol=1e-5)


# ---------------------------------------------------------------- saliency and SmoothGrad


def test_saliency_of_a_linear_model_is_the_weight_column(probe_images) -> None:
    weights = _linear_weights(1)
    prober = Prober(_model(LINEAR, weights))
    assert cg.conv_layers(prober) == []
    column = weights["output/kernel"][:, 4].reshape(28, 28)
    for image in probe_images[:2]:
        got = attr.saliency(prober, image, 4)
        np.testing.assert_allclose(got.details["gradient"], column, rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(got.map, np.abs(column), rtol=1e-6, atol=1e-8)
        smooth = attr.smoothgrad(prober, image, 4, samples=16, noise=0.3, seed=2)
        np.testing.assert_allclose(smooth.map, np.abs(column), rtol=1e-5, atol=1e-7)


def test_saliency_and_smoothgrad_through_a_relu_in_closed_form(probe_images) -> None:
    prober, kernel = _one_by_one(2)
    image = probe_images[2, :, :, 0]
    column = kernel[:, 6].reshape(28, 28)

    def closed_form(x: np.ndarray) -> np.ndarray:  # ∂ logit_6 / ∂ x
        return W_CONV * column * (W_CONV * x + B_CONV > 0)

    got = attr.saliency(prober, image, 6)
    np.testing.assert_allclose(got.details["gradient"], closed_form(image), atol=1e-7)
    assert np.any(got.map == 0) and np.any(got.map > 0)  # the ReLU masks part of the image
    samples, noise, seed = 20, 0.2, 7
    noisy = image + attr.smoothgrad_noise(samples, noise, seed)[..., 0]
    expected = np.mean([closed_form(x) for x in noisy], axis=0)
    smooth = attr.smoothgrad(prober, image, 6, samples=samples, noise=noise, seed=seed)
    np.testing.assert_allclose(smooth.details["gradient"], expected, atol=1e-7)
    np.testing.assert_allclose(smooth.map, np.abs(expected), atol=1e-7)
    assert not np.allclose(smooth.map, got.map)  # the noise changed which pixels pass the ReLU


def test_log_probability_when_the_last_layer_is_not_a_softmax_dense(probe_images) -> None:
    weights = _linear_weights(3)
    kernel, bias = weights["output/kernel"], weights["output/bias"]
    inputs = keras.Input((28, 28, 1))
    flat = keras.layers.Flatten()(inputs)
    logits = keras.layers.Dense(10, name="logits")(flat)
    model = keras.Model(inputs, keras.layers.Softmax()(logits))
    model.get_layer("logits").set_weights([kernel, bias])
    prober = Prober(model)
    assert cg.class_score(prober) == cg.LOG_PROBABILITY
    image = probe_images[3, :, :, 0]
    z = image.reshape(-1).astype(np.float64) @ kernel + bias
    p = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    expected = (kernel[:, 1] - kernel @ p).reshape(28, 28)  # ∂ log p_1 / ∂ x
    got = attr.saliency(prober, image, 1)
    np.testing.assert_allclose(got.details["gradient"], expected, atol=1e-6)
    assert got.score == "log-probability"


def test_smoothgrad_is_reproducible_and_batched_in_one_call(model2_prober, probe_images) -> None:
    image = probe_images[4]
    first = attr.smoothgrad(model2_prober, image, samples=12, seed=5)
    again = attr.smoothgrad(model2_prober, image, samples=12, seed=5)
    other = attr.smoothgrad(model2_prober, image, samples=12, seed=6)
    np.testing.assert_array_equal(first.map, again.map)
    assert not np.allclose(first.map, other.map)
    plain = attr.smoothgrad(model2_prober, image, samples=1, noise=0.0)
    np.testing.assert_allclose(plain.map, attr.saliency(model2_prober, image).map, atol=1e-6)

    grads = cg.gradients(model2_prober)
    calls: list[int] = []
    compiled = grads.input_gradient

    def counting(x: Any, target: Any) -> Any:
        calls.append(int(x.shape[0]))
        return compiled(x, target)

    grads.input_gradient = counting
    try:
        attr.smoothgrad(model2_prober, image, samples=attr.SMOOTHGRAD_MAX_SAMPLES)
    finally:
        grads.input_gradient = compiled
    assert calls == [attr.SMOOTHGRAD_MAX_SAMPLES]  # every noisy copy in one call
    assert compiled.experimental_get_tracing_count() == 1  # any batch size, one trace


def test_live_weight_swaps_are_seen_without_rebuilding(probe_images) -> None:
    """A state's prober keeps its object and gets new weights: the results follow them."""
    image = probe_images[0]
    compiled = set()
    for seed in (10, 11):
        weights = _linear_weights(seed)
        with model_at(LINEAR, weights) as prober:
            got = attr.saliency(prober, image, 2)
            compiled.add(id(cg.gradients(prober)))
        column = weights["output/kernel"][:, 2].reshape(28, 28)
        np.testing.assert_allclose(got.map, np.abs(column), rtol=1e-6, atol=1e-8)
    assert len(compiled) == 1  # one prober, one compiled gradient function, two weight sets


# ---------------------------------------------------------------- occlusion


def numpy_occlusion(
    model: Any, image: np.ndarray, target: int, patch: int, stride: int, fill: float
) -> np.ndarray:
    """Occlusion written out: every patch in a Python loop through a float64 NumPy model."""

    def prob(x: np.ndarray) -> float:
        return float(reference(model, CUSTOM, x)[-1][2][target])

    base = prob(image)
    tops = sorted({*range(0, 28 - patch + 1, stride), 28 - patch})
    total, count = np.zeros((28, 28)), np.zeros((28, 28))
    for top in tops:
        for left in tops:
            covered = image.copy()
            covered[top : top + patch, left : left + patch] = fill
            total[top : top + patch, left : left + patch] += base - prob(covered)
            count[top : top + patch, left : left + patch] += 1
    return total / count


@pytest.mark.parametrize(
    ("patch", "stride", "fill", "target"), [(4, 2, "zero", None), (5, 3, "mean", 8)]
)
def test_occlusion_equals_a_numpy_loop_over_patches(
    custom_model, custom_prober, probe_images, patch, stride, fill, target
) -> None:
    image = probe_images[5, :, :, 0]
    value = 0.0 if fill == "zero" else float(image.mean())
    got = attr.occlusion(custom_prober, image, target, patch, stride, fill)
    if target is None:
        assert got.target == int(np.argmax(custom_prober.predict(image)))
    expected = numpy_occlusion(custom_model, image, got.target, patch, stride, value)
    assert np.abs(expected).max() > 1e-4  # patches do change the probability
    np.testing.assert_allclose(got.map, expected, atol=2e-6)
    assert got.score == "probability" and not got.notes and not got.empty


def test_patch_starts_cover_the_far_edge() -> None:
    assert attr.patch_starts(28, 4, 2) == list(range(0, 25, 2))
    assert attr.patch_starts(28, 5, 3) == [0, 3, 6, 9, 12, 15, 18, 21, 23]
    assert attr.patch_starts(28, 14, 14) == [0, 14]
    copies = attr.occluded_copies(np.ones((28, 28), np.float32), 5, 3, "zero")
    assert len(copies) == 81 and np.all(copies.min(axis=0) == 0)  # every pixel covered once


# ---------------------------------------------------------------- bad input


def test_a_model_without_conv_layers_has_no_grad_cam_but_the_rest(probe_images) -> None:
    prober = Prober(_model(LINEAR, _linear_weights(4)))
    with pytest.raises(ValueError, match="no convolution layer: Grad-CAM needs one"):
        attr.grad_cam(prober, probe_images[0])
    for method in ("saliency", "smoothgrad", "occlusion"):
        result = attr.attribute(prober, probe_images[0], method)
        assert result.map.shape == (28, 28) and np.any(result.map)


def test_dead_units_give_zero_gradients_and_clear_notes(probe_images) -> None:
    weights = _linear_weights(6)
    weights["conv1/kernel"] = np.full((1, 1, 1, 1), 1.0, np.float32)
    weights["conv1/bias"] = np.array([-100.0], np.float32)  # every ReLU stays at 0
    prober = Prober(_model(ONE_BY_ONE, weights))
    image = probe_images[0]
    for method in ("saliency", "smoothgrad"):
        result = attr.attribute(prober, image, method)
        assert result.empty and "All gradients are zero" in result.notes[0]
    cam = attr.grad_cam(prober, image)
    assert cam.empty and "Every activation of conv1 is 0" in cam.notes[0]
    occ = attr.occlusion(prober, image)
    assert occ.empty and "No 4×4 patch changes" in occ.notes[0]


def test_a_saturated_model_says_so(probe_images) -> None:
    """p = 1 exactly: the log-probability's gradients vanish, occlusion changes nothing."""
    kernel = np.zeros((784, 10), np.float32)
    bias = np.zeros(10, np.float32)
    bias[3] = 200.0
    inputs = keras.Input((28, 28, 1))
    logits = keras.layers.Dense(10, name="logits")(keras.layers.Flatten()(inputs))
    model = keras.Model(inputs, keras.layers.Softmax()(logits))
    model.get_layer("logits").set_weights([kernel + 1e-4, bias])
    prober = Prober(model)
    image = probe_images[0]
    result = attr.saliency(prober, image)
    assert result.target == 3 and result.probability == 1.0
    assert result.empty and "the model is saturated" in result.notes[0]
    occ = attr.occlusion(prober, image, patch=2, stride=2)
    assert occ.empty and "so sure" in occ.notes[0]


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"samples": 0}, "1 to 64 samples"),
        ({"samples": 65}, "1 to 64 samples"),
        ({"noise": 0.9}, "noise must be from 0"),
        ({"patch": 9}, "Patch size must be one of"),
        ({"patch": 4, "stride": 5}, "Stride must be from 1"),
        ({"fill": "grey"}, "Fill must be one of"),
    ],
)
def test_settings_outside_the_limits_are_refused(settings, message) -> None:
    with pytest.raises(ValueError, match=message):
        attr.check_settings(**settings)


def test_bad_class_layer_image_and_method_are_refused(model2_prober, probe_images) -> None:
    image = probe_images[0]
    with pytest.raises(ValueError, match="class must be 0 to 9"):
        attr.saliency(model2_prober, image, 10)
    with pytest.raises(ValueError, match="not a conv layer"):
        attr.grad_cam(model2_prober, image, layer="pool1")
    with pytest.raises(ValueError, match="in \\[0, 1\\]"):
        attr.occlusion(model2_prober, image * 255)
    with pytest.raises(ValueError, match="Unknown method"):
        attr.attribute(model2_prober, image, "lime")
    with pytest.raises(ValueError, match="Patch size"):
        attr.occlusion(model2_prober, image, patch=1)
