"""The opt-in fast mode: mixed bfloat16 where the CPU supports it, refused with the reason
where it does not, float32 weights saved, the precision recorded in run.json and labels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from fmnist_viz.jobs.worker import execute_run
from fmnist_viz.runs import RunStore
from fmnist_viz.study.configurations import group_label
from fmnist_viz.training import PrecisionError, TrainConfig, precision_problem, training_mb
from fmnist_viz.training import precision as precision_module
from fmnist_viz.training import protocol as training
from tests.arch_support import TINY_SPEC
from tests.training.test_protocol import DATA

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "fmnist_viz" / "data" / "sample"
NO_BF16 = precision_problem("bfloat16")


def test_float32_is_always_fine_and_unknown_precisions_are_refused() -> None:
    assert precision_problem("float32") is None
    assert "precision must be one of" in (precision_problem("float16") or "")
    with pytest.raises(ValueError, match="precision must be one of float32, bfloat16"):
        TrainConfig(precision="float16").check()


def test_a_cpu_without_bf16_is_refused_with_the_reason(monkeypatch) -> None:
    monkeypatch.setattr(precision_module, "cpu_flags", lambda *a: {"avx2", "avx512f"})
    problem = precision_problem("bfloat16")
    assert problem is not None and "AVX512_BF16 or AMX-BF16" in problem
    assert "--precision float32" in problem
    with pytest.raises(PrecisionError, match="AVX512_BF16"):
        training.train(TINY_SPEC, TrainConfig(epochs=1, seed=1, precision="bfloat16"), DATA)


def test_oneDNN_switched_off_is_refused(monkeypatch) -> None:
    monkeypatch.setattr(precision_module, "cpu_flags", lambda *a: {"avx512_bf16"})
    monkeypatch.setenv("TF_ENABLE_ONEDNN_OPTS", "0")
    assert "oneDNN" in (precision_problem("bfloat16") or "")


def test_cpu_flags_are_read_from_cpuinfo(tmp_path: Path) -> None:
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nflags\t\t: fpu avx512f avx512_bf16 amx_bf16\n")
    assert {"avx512_bf16", "amx_bf16"} <= precision_module.cpu_flags(info)
    assert precision_module.cpu_flags(tmp_path / "missing") == set()


def test_the_memory_estimate_counts_the_bfloat16_weight_copies() -> None:
    shapes, params = [(28, 28, 32)], 1_000_000
    extra = training_mb(shapes, params, 64, "bfloat16") - training_mb(shapes, params, 64)
    assert extra == pytest.approx(params * 2 / 2**20)


@pytest.mark.slow
@pytest.mark.skipif(NO_BF16 is not None, reason=f"no bfloat16 here: {NO_BF16}")
def test_a_bfloat16_run_saves_float32_weights_and_records_its_precision(tmp_path: Path) -> None:
    import keras

    store = RunStore(tmp_path)
    config = TrainConfig(epochs=1, train_limit=300, seed=3, precision="bfloat16")
    info = store.create(TINY_SPEC, config, name="fast")
    meta = execute_run(store, info.id, str(SAMPLE_DIR))
    assert meta["status"] == "finished" and meta["precision"] == "bfloat16"
    assert meta["config"]["precision"] == "bfloat16"
    assert keras.mixed_precision.global_policy().name == "float32"  # restored after training
    model = store.load_model(info.id)
    assert all(w.dtype == np.float32 for w in model.get_weights())
    assert all(layer.dtype_policy.name == "float32" for layer in model.layers)
    states = store.states(info.id)
    last = store.state(states[-1])
    assert last["conv1/kernel"].dtype == np.float32
    assert 0 <= meta["test_accuracy"] <= 1
    assert group_label(meta).endswith(" · bf16")
    plain = {**meta, "config": {**meta["config"], "precision": "float32"}}
    assert "bf16" not in group_label(plain)
