"""The embeddings engine: the class-stratified sample, the stages of a model and their
representations (checked against the probe's own outputs), the memory bound."""

from __future__ import annotations

import numpy as np
import pytest

from fmnist_viz.seeing import (
    N_MAX,
    N_MIN,
    Stage,
    choose_sample,
    embed_sample,
    epoch_states,
    representations,
    stages,
)
from fmnist_viz.seeing.embeddings import (
    REPRESENTATION_SHARE,
    available,
    fit_sample_size,
    predictions,
    stratified_sample,
)
from fmnist_viz.training import MB


def _labels(counts: list[int], seed: int = 1) -> np.ndarray:
    """Shuffled labels with these counts per class."""
    labels = np.repeat(np.arange(len(counts)), counts)
    return np.random.default_rng(seed).permutation(labels)


# ---------------------------------------------------------------- sampling


@pytest.mark.parametrize(
    ("counts", "n"),
    [([1000] * 10, 2000), ([1000] * 10, 1234), ([50, 300, 150, 500], 333), ([7, 3, 90], 10)],
)
def test_sample_is_stratified(counts: list[int], n: int) -> None:
    labels = _labels(counts)
    picked = stratified_sample(labels, n, seed=4)
    assert len(picked) == n and len(set(picked.tolist())) == n  # no image twice
    assert np.all(np.diff(picked) > 0) and picked.min() >= 0 and picked.max() < len(labels)
    got = np.bincount(labels[picked], minlength=len(counts))
    share = np.array(counts) * n / sum(counts)
    assert np.all(np.abs(got - share) < 1), (got, share)  # each class keeps its share
    if len(set(counts)) == 1 and n % len(counts) == 0:
        assert set(got.tolist()) == {n // len(counts)}


def test_sample_is_seeded() -> None:
    labels = _labels([1000] * 10)
    a = stratified_sample(labels, 2000, seed=0)
    assert np.array_equal(a, stratified_sample(labels, 2000, seed=0))
    b = stratified_sample(labels, 2000, seed=1)
    assert not np.array_equal(a, b)
    assert np.array_equal(np.bincount(labels[a]), np.bincount(labels[b]))  # other images, same mix
    assert np.array_equal(stratified_sample(labels, len(labels), 3), np.arange(len(labels)))


@pytest.mark.parametrize("n", [0, -5, 101])
def test_sample_size_outside_the_labels_is_refused(n: int) -> None:
    with pytest.raises(ValueError, match="Cannot sample"):
        stratified_sample(_labels([50, 50]), n, 0)


def test_choose_sample_clamps_and_says_so() -> None:
    labels = _labels([100] * 10)  # a test set of 1,000 images
    few = [Stage("pixels", "pixels", "pixels", 784, False)]
    sample = choose_sample(labels, 5000, 0, few)
    assert len(sample.indices) == 1000 and sample.requested == 5000
    assert "The test set has only 1,000 images: all of them are used." in sample.note
    small = choose_sample(labels, 3, 0, few)
    assert len(small.indices) == N_MIN and f"between {N_MIN:,} and {N_MAX:,}" in small.note
    exact = choose_sample(labels, 300, 2, few)
    assert exact.note == "" and np.array_equal(exact.labels, labels[exact.indices])
    assert np.array_equal(exact.indices, stratified_sample(labels, 300, 2))


def test_wide_stages_shrink_the_sample_to_the_memory_limit() -> None:
    wide = [
        Stage("pixels", "pixels", "pixels", 784, False),
        Stage("conv1", "block", "block 1 (conv1)", 4096 * 784, False),
    ]
    per_image = (784 + 4096 * 784) * 4
    fits = int(2048 * MB * REPRESENTATION_SHARE // per_image)
    n, why = fit_sample_size(wide, 2000, limit_mb=2048)
    assert n == fits < 2000
    assert "block 1 (conv1): 3,211,264" in why and "2,048 MB" in why
    assert fit_sample_size(wide[:1], 2000, limit_mb=2048) == (2000, "")
    with pytest.raises(ValueError, match="memory limit"):
        choose_sample(_labels([1000] * 10), 2000, 0, wide, limit_mb=64)


# ---------------------------------------------------------------- stages


def test_model2_stages(model2_prober) -> None:
    found = stages(model2_prober)
    assert [s.name for s in found] == ["pixels", "pool1", "pool2", "dense1", "output"]
    assert [s.kind for s in found] == ["pixels", "block", "block", "dense", "output"]
    assert [s.label for s in found] == [
        "pixels",
        "block 1 (pool1)",
        "block 2 (pool2)",
        "dense1",
        "output",
    ]
    dense_units = model2_prober.layer("dense1").units
    assert [s.features for s in found] == [784, 14 * 14 * 32, 7 * 7 * 64, dense_units, 10]
    assert [s.needs_full for s in found] == [False, False, False, True, True]
    assert [s.name for s in available(found, full=False)] == ["pixels", "pool1", "pool2"]
    assert available(found, full=True) == found


def test_block_ends_at_its_last_layer_dropout_left_out(custom_prober) -> None:
    found = stages(custom_prober)  # conv1 avgpool1 bn1 | conv2 pool2 avgpool2 dropout1 | dense
    assert [s.label for s in found] == [
        "pixels",
        "block 1 (bn1)",
        "block 2 (avgpool2)",
        "dense1",
        "output",
    ]
    assert [s.features for s in found] == [784, 7 * 7 * 3, 2 * 2 * 8, 16, 10]


def test_a_model_without_convolutions_has_no_blocks() -> None:
    from fmnist_viz.inside import Prober
    from fmnist_viz.models import build_model

    spec = {
        "name": "dense_only",
        "layers": [
            {"type": "flatten", "name": "flatten"},
            {"type": "dense", "name": "hidden", "units": 12},
            {"type": "dense", "name": "probs", "units": 10, "activation": "softmax"},
        ],
    }
    found = stages(Prober(build_model(spec)))
    assert [(s.kind, s.label, s.features) for s in found] == [
        ("pixels", "pixels", 784),
        ("dense", "hidden", 12),
        ("output", "output (probs)", 10),
    ]


# ---------------------------------------------------------------- representations


def test_representations_are_the_probe_outputs(model2_prober, probe_images, monkeypatch) -> None:
    monkeypatch.setattr(model2_prober, "chunk", 3)  # 8 images: chunks of 3, 3, 2
    found = stages(model2_prober)
    seen: list[float] = []
    reps = representations(model2_prober, probe_images, found, progress=seen.append)
    assert seen == pytest.approx([3 / 8, 6 / 8, 1.0])
    raw = {o.name: o for o in model2_prober.layer_outputs(probe_images[5])}
    assert np.array_equal(reps["pixels"][5], probe_images[5].ravel())
    for stage in found[1:]:
        assert reps[stage.name].shape == (8, stage.features)
        assert reps[stage.name].dtype == np.float32
        assert np.allclose(reps[stage.name][5], raw[stage.name].output.ravel(), atol=1e-5)
    assert np.allclose(reps["output"], model2_prober.predict_batch(probe_images), atol=1e-6)
    only = representations(model2_prober, probe_images, found[:1])
    assert list(only) == ["pixels"]


def test_predictions_are_argmax_and_its_probability() -> None:
    probs = np.array([[0.1, 0.7, 0.2], [0.5, 0.2, 0.3]])
    predicted, confidence = predictions(probs)
    assert predicted.tolist() == [1, 0] and confidence.tolist() == [0.7, 0.5]


# ---------------------------------------------------------------- what the page shows


def test_embed_sample_is_sample_scores_pca_and_predictions(model2_prober) -> None:
    from fmnist_viz.data.loading import SAMPLE_DIR, load_dir
    from fmnist_viz.seeing import knn_accuracy, pca

    images, labels = load_dir(SAMPLE_DIR)[2:]
    got = embed_sample(model2_prober, images, labels, 150, seed=2, k=5)
    assert np.array_equal(got.sample.indices, stratified_sample(labels, 150, 2))
    reps = representations(model2_prober, images[got.sample.indices] / 255.0, got.stages)
    assert [s.name for s in got.shown] == [s.name for s in got.stages]
    for stage in got.stages:
        x = reps[stage.name]
        assert got.scores[stage.name] == knn_accuracy(x, got.sample.labels, 5)
        assert np.allclose(got.pca[stage.name][0], pca(x)[0], atol=1e-4)
    probs = model2_prober.predict_batch(images[got.sample.indices])
    assert np.array_equal(got.predicted, probs.argmax(axis=1))
    assert np.allclose(got.confidence, probs.max(axis=1), atol=1e-6)
    index = int(got.sample.indices[17])
    assert got.sample.position(index) == 17 and got.sample.position(None) is None
    missing = next(i for i in range(len(labels)) if i not in set(got.sample.indices.tolist()))
    assert got.sample.position(missing) is None

    conv_only = embed_sample(model2_prober, images, labels, 150, 2, 5, full=False, with_pca=False)
    assert list(conv_only.scores) == ["pixels", "pool1", "pool2"] and conv_only.pca == {}
    assert conv_only.predicted is None and conv_only.confidence is None
    assert conv_only.scores["pool2"] == got.scores["pool2"]


def test_epoch_states_are_the_start_and_epoch_ends() -> None:
    from pathlib import Path

    from fmnist_viz.runs import StateRef

    refs = [StateRef(s, s / 4, s % 4 == 0, Path(f"step_{s}")) for s in range(9)]
    assert [r.step for r in epoch_states(refs)] == [0, 4, 8]
    legacy = [StateRef(e * 10, float(e), False, Path(f"epoch_{e}")) for e in (1, 2)]
    assert epoch_states(legacy) == legacy
