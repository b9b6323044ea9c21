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

from fmnist_viz.data import loading as fdata
from fmnist_viz.jobs.worker import execute_run
from fmnist_viz.runs import BatchTail, RunError, RunStore, StateRef
from fmnist_viz.runs import store as store_module
from fmnist_viz.training import BatchProgress, Observer, TrainConfig
from tests.arch_support import TINY_SPEC
from tests.data_support import block_images

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
        """Called once per call of steps_per_call batches: count the batches done."""
        before, self.seen = self.seen, (progress.epoch - 1) * progress.steps_per_epoch
        self.seen += progress.batch
        if before < self.n <= self.seen:
            self.store.request_stop(self.run_id)


# ----------------------------------------------------------------------------- round trip


@pytest.mark.slow
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
    rows = BatchTail(store.path(run_id)).read()
    per_call = TrainConfig(epochs=EPOCHS).pacing(steps).steps_per_call  # a row per call
    ends = [*range(per_call, steps, per_call), steps]
    assert [(e, b) for e, b, _, _ in rows] == [(e, b) for e in range(1, EPOCHS + 1) for b in ends]
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


def test_states_are_saved_every_quarter_epoch_and_live_is_the_last(finished) -> None:
    store, run_id, meta = finished
    steps = meta["steps_per_epoch"]  # 6 batches of 64: states after 2 and 4, and at the ends
    states = store.states(run_id)
    assert [s.step for s in states] == [0, 2, 4, 6, 8, 10, 12]
    assert [s.full for s in states] == [True, False, False, True, False, False, True]
    assert [s.position for s in states] == [s.step / steps for s in states]
    names = sorted(p.name for p in (store.path(run_id) / "states").iterdir())
    assert names[0] == "step_0000000.full.npz" and names[1] == "step_0000002.npz"
    first, mid, last = (store.state(states[i]) for i in (0, 1, -1))
    assert set(mid) == {"conv1/kernel", "conv1/bias"}  # the conv part only
    assert {"conv1/kernel", "dense1/kernel", "dense1/bias"} <= set(last)
    assert last["conv1/kernel"].dtype == np.float32 and last["dense1/kernel"].dtype == np.float16
    assert not np.array_equal(first["conv1/kernel"], last["conv1/kernel"])
    live = store.live(run_id)
    assert live.step == states[-1].step and live.full
    np.testing.assert_array_equal(store.state(live)["conv1/kernel"], last["conv1/kernel"])


def test_a_finished_run_folder_stays_small(finished) -> None:
    store, run_id, _ = finished
    states = sum(p.stat().st_size for p in (store.path(run_id) / "states").iterdir())
    assert states < 200_000  # seven states of a 40k-parameter model


def test_tensorboard_event_files(finished) -> None:
    store, run_id, _ = finished
    tb = store.path(run_id) / "tb"
    for split in ("train", "validation"):
        events = list((tb / split).glob("events.out.tfevents.*"))
        assert len(events) == 1 and events[0].stat().st_size > 0


def test_no_temp_files_left(finished) -> None:
    store, run_id, _ = finished
    assert [p for p in store.path(run_id).rglob(".tmp-*")] == []


def test_missing_state_is_a_run_error(finished) -> None:
    store, run_id, _ = finished
    folder = store.states(run_id)[1].path.parent
    with pytest.raises(RunError, match=r"State step_0000099\.npz is missing"):
        store.state(StateRef(99, 9.9, False, folder / "step_0000099.npz"))


# ----------------------------------------------------------------------------- stopping


@pytest.mark.slow
@pytest.mark.parametrize("stop_batch", [3, 8], ids=["first-epoch", "second-epoch"])
def test_request_stop_ends_the_run(tmp_path: Path, data_dir: Path, stop_batch: int) -> None:
    store = RunStore(tmp_path)
    info = store.create(TINY_SPEC, TrainConfig(epochs=4, seed=1))
    stopper = StopAfter(store, info.id, stop_batch)  # 6 batches per epoch
    meta = execute_run(store, info.id, str(data_dir), (stopper,))
    # the STOP file is noticed before the next call (2 batches here); batch-end hooks run a
    # little behind the training loop, so one or two more calls may start before it appears
    per_call = meta["steps_per_call"]
    assert per_call == 2
    assert stop_batch <= stopper.seen <= stop_batch + 3 * per_call
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


@pytest.mark.slow
def test_recording_leaves_the_training_bit_identical_to_plain_keras(
    tmp_path: Path, data_dir: Path
) -> None:
    import keras

    from fmnist_viz.models import build_model
    from fmnist_viz.runs import RunRecorder
    from fmnist_viz.training import compile_model, fit, protocol_split, seed_everything, train

    spec = {**TINY_SPEC, "layers": [*TINY_SPEC["layers"][:2], {"type": "dropout", "rate": 0.3},
                                    *TINY_SPEC["layers"][2:]]}  # fmt: skip
    config = TrainConfig(epochs=3, seed=11, state_every=1)  # a state after every batch
    data = fdata.load_fashion_mnist(data_dir)

    class EpochWeights(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.seen: list[list[np.ndarray]] = []

        def on_epoch_end(self, epoch, logs=None) -> None:
            self.seen.append(self.model.get_weights())

    keras.backend.clear_session()
    seed_everything(11)
    split = protocol_split(data, config)
    plain_model = build_model(spec)
    compile_model(plain_model, config)
    plain = EpochWeights()
    fit(plain_model, split, config, [plain])

    class Capture(Observer):
        def __init__(self) -> None:
            self.seen: list[list[np.ndarray]] = []

        def on_epoch(self, record, improved, model) -> None:
            self.seen.append(model.get_weights())

    store = RunStore(tmp_path)
    info = store.create(spec, config)
    recorder = RunRecorder(store, info.id)
    recorder.prepare(spec)
    engine = Capture()
    train(spec, config, data, (recorder, engine), recorder.should_stop)
    assert len(engine.seen) == len(plain.seen) == 3
    for epoch, (mine, theirs) in enumerate(zip(engine.seen, plain.seen, strict=True), 1):
        for a, b in zip(mine, theirs, strict=True):
            np.testing.assert_array_equal(a, b, err_msg=f"epoch {epoch}")
    assert (store.path(info.id) / "model.keras").stat().st_size < 60_000  # no optimizer state
