"""Tests for the recorder and worker: a run trained end to end into its folder, and stopped."""

from __future__ import annotations

import contextlib
import gzip
import json
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from fmnist_viz import data as fdata
from fmnist_viz import store as store_module
from fmnist_viz.config import TrainConfig
from fmnist_viz.events import BatchProgress, Observer
from fmnist_viz.store import BatchTail, RunError, RunStore
from fmnist_viz.worker import execute_run
from tests.data_support import block_images

TINY_SPEC = {
    "name": "tiny",
    "layers": [
        {"type": "conv2d", "name": "conv1", "filters": 4, "kernel_size": 3},
        {"type": "maxpool2d"},
        {"type": "flatten"},
        {"type": "dense", "units": 10, "activation": "softmax"},
    ],
}
N_TRAIN, N_TEST, EPOCHS = 360, 60, 2


def write_idx(path: Path, array: np.ndarray) -> None:
    magic = fdata.IMAGES_MAGIC if array.ndim == 3 else fdata.LABELS_MAGIC
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape)
    path.write_bytes(gzip.compress(header + array.astype(np.uint8).tobytes()))


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small learnable Fashion-MNIST-shaped IDX set."""
    directory = tmp_path_factory.mktemp("idx")
    x_train, y_train = block_images(N_TRAIN, 0)
    x_test, y_test = block_images(N_TEST, 1)
    write_idx(directory / f"{fdata.TRAIN_IMAGES}.gz", x_train)
    write_idx(directory / f"{fdata.TRAIN_LABELS}.gz", y_train)
    write_idx(directory / f"{fdata.TEST_IMAGES}.gz", x_test)
    write_idx(directory / f"{fdata.TEST_LABELS}.gz", y_test)
    return directory


@pytest.fixture(scope="module", autouse=True)
def offline() -> Iterator[None]:
    """No downloads, for the module-scoped training too."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FMNIST_OFFLINE", "1")
        yield


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory, data_dir: Path):
    """A store with one run trained to the end: (store, run id, final run.json)."""
    store = RunStore(tmp_path_factory.mktemp("store"))
    info = store.create(TINY_SPEC, TrainConfig(epochs=EPOCHS, seed=4), name="round trip")
    meta = execute_run(store, info.id, str(data_dir))
    return store, info.id, meta


class StopAfter(Observer):
    """Asks the store to stop the run after n batches (as the app's stop button would)."""

    def __init__(self, store: RunStore, run_id: str, n: int):
        self.store, self.run_id, self.n, self.seen = store, run_id, n, 0

    def on_batch(self, progress: BatchProgress) -> None:
        self.seen += 1
        if self.seen == self.n:
            self.store.request_stop(self.run_id)


# ----------------------------------------------------------------------------- round trip


def test_finished_run_metadata(finished) -> None:
    store, run_id, meta = finished
    assert meta["status"] == "finished"
    assert meta["epochs_done"] == EPOCHS
    assert 0 < meta["test_accuracy"] <= 1
    assert meta["n_train"] == N_TRAIN - N_TRAIN // 12 and meta["n_test"] == N_TEST
    assert meta["seed"] == 4 and meta["pid"] == os.getpid()
    assert meta["data_source"].startswith("Dataset from")
    loaded = store.load(run_id)
    assert loaded.damaged is None and loaded.status == "finished" and loaded.name == "round trip"


def test_finished_run_history(finished) -> None:
    store, run_id, meta = finished
    history = store.history(run_id)
    assert [r.epoch for r in history] == list(range(1, EPOCHS + 1))
    lines = (store.path(run_id) / store_module.HISTORY_FILE).read_text().splitlines()
    assert lines[0] == "epoch,loss,accuracy,val_loss,val_accuracy,seconds"
    assert len(lines) == EPOCHS + 1
    best = min(history, key=lambda r: r.val_loss)
    assert meta["best_epoch"] == best.epoch


def test_finished_run_batches_and_progress(finished) -> None:
    store, run_id, _ = finished
    steps = -(-(N_TRAIN - N_TRAIN // 12) // 64)
    rows = BatchTail(store, run_id).read()
    assert [(e, b) for e, b, _, _ in rows] == [
        (e, b) for e in range(1, EPOCHS + 1) for b in range(1, steps + 1)
    ]
    progress = store.progress(run_id)
    assert progress["fraction"] == pytest.approx(1.0)
    assert (progress["epoch"], progress["batch"]) == (EPOCHS, steps)


def test_saved_model_predicts_the_saved_probabilities(finished, data_dir: Path) -> None:
    store, run_id, _ = finished
    model = store.load_model(run_id)
    x_test = fdata.load_dir(data_dir)[2]
    probs = model.predict((x_test / 255.0)[..., None].astype(np.float32), verbose=0)
    saved, labels = store.predictions(run_id)
    assert saved.shape == (N_TEST, 10)
    np.testing.assert_array_equal(labels, fdata.load_dir(data_dir)[3])
    np.testing.assert_allclose(probs, saved, atol=2e-3)  # stored as float16


def test_test_metrics_file(finished) -> None:
    store, run_id, meta = finished
    metrics = json.loads((store.path(run_id) / store_module.TEST_FILE).read_text())
    assert metrics["accuracy"] == pytest.approx(meta["test_accuracy"])
    assert sum(map(sum, metrics["confusion"])) == N_TEST
    assert len(metrics["per_class_accuracy"]) == 10


def test_snapshots_for_every_epoch(finished) -> None:
    store, run_id, _ = finished
    assert store.snapshot_epochs(run_id) == list(range(EPOCHS + 1))
    names = sorted(p.name for p in (store.path(run_id) / store_module.SNAPSHOT_DIR).iterdir())
    assert names == [f"epoch_{e:03d}.npz" for e in range(EPOCHS + 1)]
    first, last = store.snapshot(run_id, 0), store.snapshot(run_id, EPOCHS)
    assert first["conv1/kernel"].shape == (3, 3, 1, 4)
    assert not np.array_equal(first["conv1/kernel"], last["conv1/kernel"])


def test_tensorboard_event_files(finished) -> None:
    store, run_id, _ = finished
    tb = store.path(run_id) / "tb"
    for split in ("train", "validation"):
        events = list((tb / split).glob("events.out.tfevents.*"))
        assert len(events) == 1 and events[0].stat().st_size > 0


def test_no_temp_files_left(finished) -> None:
    store, run_id, _ = finished
    assert [p for p in store.path(run_id).rglob(".tmp-*")] == []


def test_missing_snapshot_is_a_run_error(finished) -> None:
    store, run_id, _ = finished
    with pytest.raises(RunError, match="epoch_099"):
        store.snapshot(run_id, 99)


# ----------------------------------------------------------------------------- stopping


@pytest.mark.parametrize("stop_batch", [3, 8], ids=["first-epoch", "second-epoch"])
def test_request_stop_ends_the_run(tmp_path: Path, data_dir: Path, stop_batch: int) -> None:
    store = RunStore(tmp_path)
    info = store.create(TINY_SPEC, TrainConfig(epochs=4, seed=1))
    stopper = StopAfter(store, info.id, stop_batch)  # 6 batches per epoch
    meta = execute_run(store, info.id, str(data_dir), (stopper,))
    # the STOP file is noticed before the next batch; batch-end hooks run a little behind
    # the training loop, so one or two more batches may start before it appears
    assert stop_batch <= stopper.seen <= stop_batch + 3
    assert meta["status"] == "stopped"
    assert (store.path(info.id) / store_module.STOP_FILE).exists()
    assert store.load_model(info.id).count_params() == meta["params"]
    assert len(store.history(info.id)) == stopper.seen // 6  # complete epochs only
    assert not (store.path(info.id) / store_module.TEST_FILE).exists()
    assert store.predictions(info.id) is None
    assert store.load(info.id).damaged is None


def test_diverged_run_is_not_left_damaged(tmp_path: Path, data_dir: Path) -> None:
    spec = {
        "name": "linear",
        "layers": [
            {"type": "conv2d", "filters": 8, "activation": "linear"},
            {"type": "flatten"},
            {"type": "dense", "units": 64, "activation": "linear"},
            {"type": "dense", "units": 10, "activation": "softmax"},
        ],
    }
    store = RunStore(tmp_path)
    config = TrainConfig(epochs=1, seed=3, optimizer="sgd", learning_rate=10.0)
    run_id = store.create(spec, config).id
    with contextlib.suppress(Exception):  # failing the run loudly would be a fine fix too
        execute_run(store, run_id, str(data_dir))
    info = store.load(run_id)
    assert info.damaged is None, info.damaged
    assert info.status in ("finished", "failed")
