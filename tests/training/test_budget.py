"""Tests for fmnist_viz.training.budget: the memory estimate, the limit and where it is enforced."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from fmnist_viz.models import check_spec, preset
from fmnist_viz.runs import RunStore
from fmnist_viz.training import ConfigError, TrainConfig, budget

WIDE_1X1 = {
    "layers": [
        {"type": "conv2d", "filters": 4096, "kernel_size": 1},
        {"type": "maxpool2d", "pool_size": 28},
        {"type": "dense", "units": 10, "activation": "softmax"},
    ]
}


def _shapes(spec: dict) -> tuple[list, int]:
    summary = check_spec(spec)
    return [r.output_shape for r in summary.rows], summary.total_params


def test_the_estimate_by_hand_for_model1() -> None:
    shapes, params = _shapes(preset("model1"))
    floats = 784 + 28 * 28 * 32 + 14 * 14 * 32 + 14 * 14 * 64 + 7 * 7 * 64 * 2 + 256 * 2 + 10
    assert budget.sample_floats(shapes) == floats
    expected = 64 + (64 * floats * 4 * 3 + params * 4 * 4) / 2**20
    assert budget.training_mb(shapes, params, 64) == pytest.approx(expected)


def test_memory_grows_with_the_batch_and_the_activations_not_the_parameters() -> None:
    wide_shapes, wide_params = _shapes(WIDE_1X1)
    m1_shapes, m1_params = _shapes(preset("model1"))
    assert wide_params < m1_params / 10  # passes any parameter cap
    assert budget.training_mb(wide_shapes, wide_params, 128) > 20 * budget.training_mb(
        m1_shapes, m1_params, 128
    )
    sizes = [budget.training_mb(m1_shapes, m1_params, b) for b in (16, 64, 256, 1024)]
    assert sizes == sorted(sizes)


def test_check_training_refuses_above_the_limit_with_a_plain_message() -> None:
    with pytest.raises(budget.ResourceError) as info:
        budget.check_training(WIDE_1X1, 128, limit_mb=2048)
    message = str(info.value)
    assert message.startswith("Training this model at batch size 128 needs about 4,")
    assert "the limit is 2,048 MB per run" in message and "smaller batch size" in message
    assert isinstance(info.value, ConfigError)  # every settings handler catches it
    assert budget.check_training(WIDE_1X1, 8, limit_mb=2048) < 2048  # small batches fit
    assert budget.check_training(preset("model2"), 64) < 300  # the presets are far below


@pytest.mark.parametrize(
    ("env", "expected"),
    [(None, 2048), ("4096", 4096), (" 512 ", 512), ("0", None), ("lots", None), ("-1", None)],
)
def test_the_limit_comes_from_the_environment(monkeypatch, env, expected) -> None:
    if env is None:
        monkeypatch.delenv("FMNIST_MEMORY_LIMIT_MB", raising=False)
    else:
        monkeypatch.setenv("FMNIST_MEMORY_LIMIT_MB", env)
    if expected is None:
        with pytest.raises(ConfigError, match="FMNIST_MEMORY_LIMIT_MB must be a whole number"):
            budget.memory_limit_mb()
    else:
        assert budget.memory_limit_mb() == expected
    assert budget.memory_limit_mb(100) == 100  # an explicit value wins


def test_inference_batches_shrink_for_wide_models() -> None:
    wide_floats = budget.sample_floats(_shapes(WIDE_1X1)[0])
    assert budget.inference_batch(1000, 256, limit_mb=2048) == 256
    small = budget.inference_batch(wide_floats, 256, limit_mb=2048)
    assert 1 <= small < 256
    assert small * wide_floats * 4 * budget.PROBE_FACTOR <= 2048 * 2**20 * budget.PROBE_SHARE
    assert budget.inference_batch(10**9, 256, limit_mb=1) == 1  # never below one image


def test_train_refuses_before_building_anything(monkeypatch) -> None:
    from fmnist_viz.training import protocol as training

    built = []
    monkeypatch.setattr("fmnist_viz.models.build_model", lambda spec: built.append(spec))
    with pytest.raises(budget.ResourceError):
        training.train(WIDE_1X1, TrainConfig(batch_size=128), data=None)
    assert built == []


def test_the_job_manager_refuses_before_creating_a_run(tmp_path: Path) -> None:
    from fmnist_viz.jobs import JobManager

    store = RunStore(tmp_path)
    jm = JobManager(store, max_parallel=1, memory_limit=2048)
    with pytest.raises(budget.ResourceError):
        jm.submit("alice", WIDE_1X1, TrainConfig(batch_size=128))
    assert store.list() == []
    jm.shutdown()


def test_probes_of_a_wide_model_use_smaller_chunks_with_the_same_results() -> None:
    keras = pytest.importorskip("keras")
    from fmnist_viz.inside import Prober, relu_stats
    from fmnist_viz.inside.probes import CHUNK
    from fmnist_viz.models import build_model

    keras.utils.set_random_seed(0)
    spec = {
        "layers": [
            {"type": "conv2d", "filters": 64, "kernel_size": 3},
            {"type": "maxpool2d", "pool_size": 28},
            {"type": "dense", "units": 10, "activation": "softmax"},
        ]
    }
    model = build_model(spec)
    tight = Prober(model, memory_limit_mb=8)  # 2 MB for a batch of outputs
    roomy = Prober(model, memory_limit_mb=4096)
    assert roomy.chunk == CHUNK and 1 <= tight.chunk < 10
    images = np.random.default_rng(0).random((40, 28, 28, 1), dtype=np.float32)
    np.testing.assert_allclose(tight.predict_batch(images), roomy.predict_batch(images), atol=1e-6)
    a, b = relu_stats(tight, images)["conv1"], relu_stats(roomy, images)["conv1"]
    np.testing.assert_array_equal(a.zero_share, b.zero_share)
    assert math.isclose(a.batch_zero_share, b.batch_zero_share)
