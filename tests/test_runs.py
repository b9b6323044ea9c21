"""Tests for fmnist_viz.runs: run folders end to end, stop, damage, hostile ids, atomic writes."""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from fmnist_viz import data as fdata
from fmnist_viz import runs
from fmnist_viz.runs import RunError, RunStore
from fmnist_viz.training import BatchProgress, Observer, TrainConfig
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
HOSTILE_IDS = ["../x", "/etc", "a/../../b", "..", "", ".", "a\\b", "x" * 200, "..hidden"]


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
    meta = runs.execute_run(store, info.id, str(data_dir))
    return store, info.id, meta


def fake_run(store: RunStore, run_id: str, **meta) -> Path:
    """A run folder with a hand-written run.json."""
    path = store.root / run_id
    path.mkdir(parents=True)
    full = {"id": run_id, "spec": TINY_SPEC, "config": {}, "status": "queued", **meta}
    (path / runs.RUN_FILE).write_text(json.dumps(full), encoding="utf-8")
    return path


class StopAfter(Observer):
    """Asks the store to stop the run after n batches (as the app's stop button would)."""

    def __init__(self, store: RunStore, run_id: str, n: int):
        self.store, self.run_id, self.n, self.seen = store, run_id, n, 0

    def on_batch(self, progress: BatchProgress) -> None:
        self.seen += 1
        if self.seen == self.n:
            self.store.request_stop(self.run_id)


# ----------------------------------------------------------------------------- round trip


def test_create_writes_a_queued_run(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    info = store.create(TINY_SPEC, TrainConfig(epochs=3), name="my/run")
    assert info.path == tmp_path / info.id
    meta = json.loads((info.path / runs.RUN_FILE).read_text())
    assert meta["status"] == "queued" and meta["name"] == "my-run"
    assert meta["config"]["epochs"] == 3 and meta["spec"] == TINY_SPEC
    assert meta["params"] == 4 * 9 + 4 + 14 * 14 * 4 * 10 + 10
    assert [r.id for r in store.list()] == [info.id]


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
    lines = (store.path(run_id) / runs.HISTORY_FILE).read_text().splitlines()
    assert lines[0] == "epoch,loss,accuracy,val_loss,val_accuracy,seconds"
    assert len(lines) == EPOCHS + 1
    best = min(history, key=lambda r: r.val_loss)
    assert meta["best_epoch"] == best.epoch


def test_finished_run_batches_and_progress(finished) -> None:
    store, run_id, _ = finished
    steps = -(-(N_TRAIN - N_TRAIN // 12) // 64)
    rows = store.batches(run_id)
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
    metrics = store.test_metrics(run_id)
    assert metrics["accuracy"] == pytest.approx(meta["test_accuracy"])
    assert sum(map(sum, metrics["confusion"])) == N_TEST
    assert len(metrics["per_class_accuracy"]) == 10


def test_snapshots_for_every_epoch(finished) -> None:
    store, run_id, _ = finished
    assert store.snapshot_epochs(run_id) == list(range(EPOCHS + 1))
    names = sorted(p.name for p in (store.path(run_id) / runs.SNAPSHOT_DIR).iterdir())
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
    meta = runs.execute_run(store, info.id, str(data_dir), (stopper,))
    # the STOP file is noticed before the next batch; batch-end hooks run a little behind
    # the training loop, so one or two more batches may start before it appears
    assert stop_batch <= stopper.seen <= stop_batch + 3
    assert meta["status"] == "stopped"
    assert (store.path(info.id) / runs.STOP_FILE).exists()
    assert store.load_model(info.id).count_params() == meta["params"]
    assert len(store.history(info.id)) == stopper.seen // 6  # complete epochs only
    assert store.test_metrics(info.id) is None and store.predictions(info.id) is None
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
        runs.execute_run(store, run_id, str(data_dir))
    info = store.load(run_id)
    assert info.damaged is None, info.damaged
    assert info.status in ("finished", "failed")


# ----------------------------------------------------------------------------- damage


def test_damaged_folders_are_listed_with_a_reason(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    good = store.create(TINY_SPEC, TrainConfig()).id
    (tmp_path / "no-meta").mkdir()
    (tmp_path / "bad-json").mkdir()
    (tmp_path / "bad-json" / runs.RUN_FILE).write_text("{not json", encoding="utf-8")
    (tmp_path / "json-list").mkdir()
    (tmp_path / "json-list" / runs.RUN_FILE).write_text("[1, 2]", encoding="utf-8")
    fake_run(store, "no-model", status="finished")
    (tmp_path / "no-model" / runs.HISTORY_FILE).write_text("epoch\n", encoding="utf-8")
    garbage = fake_run(store, "bad-history", status="finished")
    (garbage / runs.MODEL_FILE).write_bytes(b"zip?")
    (garbage / runs.HISTORY_FILE).write_text("epoch,loss\n1,abc\n", encoding="utf-8")
    fake_run(store, "no-status").joinpath(runs.RUN_FILE).write_text('{"spec": {}}')
    fake_run(store, "odd-status", status="exploded")
    (tmp_path / "stray-file.txt").write_text("not a run")
    (tmp_path / ".tmp-abcd").mkdir()

    listed = {r.id: r for r in store.list()}
    expected = {
        "no-meta": "run.json is missing",
        "bad-json": "run.json is damaged",
        "json-list": "not a JSON object",
        "no-model": "model.keras is missing",
        "bad-history": "history.csv is damaged",
        "no-status": "run.json lacks config, status",
        "odd-status": "unknown status 'exploded'",
    }
    assert set(listed) == {good, *expected}
    for run_id, reason in expected.items():
        assert listed[run_id].status == "damaged"
        assert reason in listed[run_id].damaged, run_id
        assert store.load(run_id).damaged == listed[run_id].damaged
    assert listed[good].damaged is None and listed[good].status == "queued"


def test_list_of_missing_root_is_empty(tmp_path: Path) -> None:
    assert RunStore(tmp_path / "nothing-here").list() == []


def test_damaged_history_raises_run_error(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    path = fake_run(store, "r1")
    (path / runs.HISTORY_FILE).write_text("garbage\nmore\n", encoding="utf-8")
    with pytest.raises(RunError, match=r"history\.csv is damaged"):
        store.history("r1")


def test_damaged_model_raises_run_error(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    path = fake_run(store, "r1")
    with pytest.raises(RunError, match="no saved model"):
        store.load_model("r1")
    (path / runs.MODEL_FILE).write_bytes(b"not a zip")
    with pytest.raises(RunError, match="cannot be loaded"):
        store.load_model("r1")


def test_torn_batches_line_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / runs.BATCHES_FILE
    path.write_text("epoch,batch,loss,accuracy\n1,1,2.3,0.1\n1,2,2.2,0.2\n1,3,2.", encoding="utf-8")
    assert runs.read_batches(path) == [(1, 1, 2.3, 0.1), (1, 2, 2.2, 0.2)]


# ----------------------------------------------------------------------------- ids and names


@pytest.mark.parametrize("run_id", HOSTILE_IDS)
def test_hostile_ids_are_rejected(tmp_path: Path, run_id: str) -> None:
    store = RunStore(tmp_path / "store")
    victim = tmp_path / "x"
    victim.mkdir()
    for call in (store.path, store.load, store.delete, store.request_stop):
        with pytest.raises(RunError, match="Invalid run id"):
            call(run_id)
    assert victim.is_dir()


def test_non_string_id_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(RunError):
        RunStore(tmp_path).path(None)  # type: ignore[arg-type]


def test_unknown_id_is_a_run_error(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    with pytest.raises(RunError, match="No run 'nope'"):
        store.load("nope")
    with pytest.raises(RunError, match="No run 'nope'"):
        store.delete("nope")


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd", "etc-passwd"),
        ("a/b\\c", "a-b-c"),
        ("Model 2 (dropout)", "Model 2 (dropout)"),
        ("  .hidden  ", "hidden"),
        ("tab\tnew\nline\x00", "tab-new-line"),
        ("", "run"),
        ("///", "run"),
    ],
)
def test_sanitize_name(raw: str, clean: str) -> None:
    assert runs.sanitize_name(raw) == clean


def test_sanitize_name_is_short_and_has_no_path_characters() -> None:
    name = runs.sanitize_name("é/" * 100)
    assert len(name) <= 60
    assert "/" not in name and "\\" not in name and not name.startswith(".")


def test_new_run_id_is_a_valid_id(tmp_path: Path) -> None:
    run_id = runs.new_run_id("../Weird Name/!!")
    assert RunStore(tmp_path).path(run_id) == tmp_path / run_id
    assert "weird-name" in run_id


def test_rename(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    run_id = store.create(TINY_SPEC, TrainConfig()).id
    assert store.rename(run_id, "best/one") == "best-one"
    assert store.load(run_id).name == "best-one"
    with pytest.raises(RunError, match="at least one letter"):
        store.rename(run_id, "///")
    assert store.load(run_id).name == "best-one"


def test_delete(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    keep = store.create(TINY_SPEC, TrainConfig(), name="keep").id
    gone = store.create(TINY_SPEC, TrainConfig(), name="gone").id
    store.delete(gone)
    assert not (tmp_path / gone).exists()
    assert [r.id for r in store.list()] == [keep]


# ----------------------------------------------------------------------------- recovery


def dead_pid() -> int:
    proc = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(proc.stdout)


def test_recover_interrupted(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    host = socket.gethostname()
    fake_run(store, "dead", status="running", pid=dead_pid(), host=host)
    fake_run(store, "alive", status="running", pid=os.getpid(), host=host)
    done = fake_run(store, "done", status="finished", pid=dead_pid(), host=host)
    (done / runs.MODEL_FILE).write_bytes(b"model")
    (done / runs.HISTORY_FILE).write_text("epoch,loss,accuracy,val_loss,val_accuracy,seconds\n")
    before = (done / runs.RUN_FILE).read_bytes()

    assert store.recover_interrupted() == ["dead"]
    dead = store.load("dead")
    assert dead.status == "interrupted"
    assert "ended before the run finished" in dead.get("error")
    assert store.load("alive").status == "running"
    assert (done / runs.RUN_FILE).read_bytes() == before
    assert store.recover_interrupted() == []


def test_recover_marks_a_running_run_without_pid(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    fake_run(store, "nopid", status="running")
    assert store.recover_interrupted() == ["nopid"]


# ----------------------------------------------------------------------------- atomic writes


def test_atomic_write_replaces_content_without_temp_files(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "f.json"
    runs.write_json_atomic(target, {"a": 1, "b": np.float32(0.5)})
    runs.write_json_atomic(target, {"a": 2})
    assert json.loads(target.read_text()) == {"a": 2}
    assert [p.name for p in target.parent.iterdir()] == ["f.json"]


def test_atomic_write_keeps_old_content_when_replace_fails(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "f.txt"
    target.write_bytes(b"old")

    def broken_replace(*_args, **_kwargs):
        raise OSError("disk gone")

    monkeypatch.setattr(runs.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk gone"):
        runs.write_bytes_atomic(target, b"new content")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.txt"]


def test_atomic_write_keeps_old_content_when_writing_fails(tmp_path: Path) -> None:
    target = tmp_path / "f.txt"
    target.write_bytes(b"old")
    with pytest.raises(TypeError):
        runs.write_bytes_atomic(target, "not bytes")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="not JSON serialisable"):
        runs.write_json_atomic(target, {"x": object()})
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.txt"]


def test_atomic_path_keeps_old_file_when_the_writer_raises(tmp_path: Path) -> None:
    target = tmp_path / "model.keras"
    target.write_bytes(b"old model")
    with pytest.raises(RuntimeError), runs.atomic_path(target) as tmp:
        tmp.write_bytes(b"half a mod")
        raise RuntimeError("crash while saving")
    assert target.read_bytes() == b"old model"
    assert [p.name for p in tmp_path.iterdir()] == ["model.keras"]
    with runs.atomic_path(target) as tmp:
        assert tmp.suffix == ".keras" and tmp.name.startswith(".tmp-")
        tmp.write_bytes(b"new model")
    assert target.read_bytes() == b"new model"
    assert [p.name for p in tmp_path.iterdir()] == ["model.keras"]
