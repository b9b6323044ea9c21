"""Class gradients: the compiled tape functions against NumPy on a linear softmax model, and the
conv outputs they watch against the prober's own layer outputs."""

from __future__ import annotations

import numpy as np
import pytest

from fmnist_viz.inside import Prober
from fmnist_viz.inside import class_gradients as cg
from tests.seeing.test_attribution import LINEAR, _linear_weights, _model

pytest.importorskip("tensorflow")


def test_scores_probabilities_and_input_gradient_of_a_linear_model(probe_images) -> None:
    weights = _linear_weights(4)
    kernel, bias = weights["output/kernel"], weights["output/bias"]
    prober = Prober(_model(LINEAR, weights))
    fns = cg.gradients(prober)
    assert fns is cg.gradients(prober)  # built once per prober
    assert fns.score == cg.LOGIT and cg.class_score(prober) == cg.LOGIT
    x = probe_images[:3]
    scores, probs, grad = cg.run_gradient(prober, fns.input_gradient, x, 7)
    logits = x.reshape(3, -1).astype(np.float64) @ kernel + bias
    np.testing.assert_allclose(scores, logits, rtol=1e-5, atol=1e-5)
    soft = np.exp(logits - logits.max(1, keepdims=True))
    np.testing.assert_allclose(probs, soft / soft.sum(1, keepdims=True), atol=1e-6)
    column = kernel[:, 7].reshape(28, 28, 1)
    for g in grad:  # each image its own gradient, not the batch's sum
        np.testing.assert_allclose(g, column, rtol=1e-6, atol=1e-8)


def test_layer_gradients_watch_the_models_own_conv_outputs(model2_prober, probe_images) -> None:
    fns = cg.gradients(model2_prober)
    assert cg.conv_layers(model2_prober) == ["conv1", "conv2"]
    image = probe_images[:1]
    _, probs, convs, grads = cg.run_gradient(model2_prober, fns.layer_gradients, image, 0)
    outputs = {o.name: o.output for o in model2_prober.layer_outputs(image[0])}
    for name, conv, grad in zip(fns.conv_names, convs, grads, strict=True):
        np.testing.assert_allclose(conv[0], outputs[name], rtol=1e-5, atol=1e-6)
        assert grad.shape == conv.shape and np.any(grad)
    np.testing.assert_allclose(probs[0], model2_prober.predict(image[0]), atol=1e-6)
