"""Run stores for the tests: hand-written fixture runs for the comparison, tiny real runs
trained on the bundled sample, and waiting on a condition."""

from __future__ import annotations

import json
import os
import shutil
import socket
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from fmnist_viz.jobs.worker import execute_run
from fmnist_viz.models import preset
from fmnist_viz.runs import MODEL_FILE, RunStore, write_bytes_atomic
from fmnist_viz.runs.files import history_csv
from fmnist_viz.runs.recorder import write_test_results
from fmnist_viz.runs.store import HISTORY_FILE
from fmnist_viz.training import EpochRecord, TrainConfig
from fmnist_viz.training.evaluation import evaluate_probabilities
from tests.apptest_support import SAMPLE

TINY = TrainConfig(epochs=2, train_limit=300, seed=3)


def wait_until(condition: Callable[[], object], timeout: float, what: str, poll: float = 0.1):
    """Poll until condition() is truthy and return its value; AssertionError after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(poll)


def write_stand_in_model(path: Path) -> None:
    """A small zip archive where a run's model.keras belongs (readable, never loaded)."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("config.json", "{}")


def train_tiny_runs(root: Path) -> tuple[RunStore, dict[str, str]]:
    """A store with a tiny finished Model 2 and Model 1 run (2 epochs on 300 sample images)."""
    store = RunStore(root)
    for arch in ("model2", "model1"):
        info = store.create(preset(arch), TINY, name=f"tiny {arch}", arch=arch)
        execute_run(store, info.id, data_dir=str(SAMPLE))
    return store, {r.get("arch"): r.id for r in store.list()}


# ---------------------------------------------------------------- comparison fixture runs


GROUP_A = "Model 1 · 3 ep · bs 64 · adam 0.001"
GROUP_B = "Model 2 · 3 ep · bs 64 · adam 0.001 · subset 3,000"

# name: (preset, seed, status, test accuracy, history rows (epoch, loss, acc, val_loss, val_acc, s))
FIXTURE: dict[str, tuple[str, int, str, float, list[tuple[float, ...]]]] = {
    "a1": ("model1", 1, "finished", 0.885, [
        (1, 0.60, 0.80, 0.45, 0.84, 10), (2, 0.35, 0.88, 0.36, 0.87, 12),
        (3, 0.22, 0.92, 0.33, 0.89, 14),
    ]),
    "a2": ("model1", 2, "finished", 0.880, [
        (1, 0.55, 0.82, 0.42, 0.85, 11), (2, 0.30, 0.90, 0.34, 0.88, 11),
        (3, 0.20, 0.94, 0.35, 0.88, 14),
    ]),
    "b1": ("model2", 1, "finished", 0.82, [
        (1, 0.80, 0.70, 0.70, 0.75, 5), (2, 0.55, 0.80, 0.55, 0.80, 5),
        (3, 0.45, 0.85, 0.50, 0.83, 5),
    ]),
    "b2": ("model2", 2, "stopped", 0.80, [  # stopped by the user after two of three epochs
        (1, 0.78, 0.72, 0.68, 0.76, 6), (2, 0.52, 0.82, 0.54, 0.81, 4),
    ]),
}  # fmt: skip
# name: (test accuracy, best val accuracy, best epoch, final train accuracy, gap, s/epoch)
EXPECTED_ROWS = {
    "a1": (0.885, 0.89, 3, 0.92, 0.92 - 0.885, 12.0),
    "a2": (0.880, 0.88, 2, 0.94, 0.94 - 0.880, 12.0),
    "b1": (0.82, 0.83, 3, 0.85, 0.85 - 0.82, 5.0),
    "b2": (0.80, 0.81, 2, 0.82, 0.82 - 0.80, 5.0),
}
PREDICTED_RUN = "a1"
N_PREDICTIONS = 300


def fixture_config(arch: str, seed: int) -> TrainConfig:
    """The fixture's training settings: Model 1 on everything, Model 2 on a 3,000 subset."""
    return TrainConfig(epochs=3, seed=seed, train_limit=3000 if arch == "model2" else None)


def add_run(
    store: RunStore, name: str, spec: dict, config: TrainConfig, rows: list, status: str
) -> str:
    """Write a run folder in the store's real format: run.json, history.csv, summary fields."""
    info = store.create(spec, config, name=name, arch=spec["name"])
    history = [EpochRecord(int(r[0]), *map(float, r[1:])) for r in rows]
    write_bytes_atomic(info.path / HISTORY_FILE, history_csv(history).encode())
    write_stand_in_model(info.path / MODEL_FILE)
    best = min(history, key=lambda r: r.val_loss)
    store.update(
        info.id,
        status=status,
        seed=config.seed,
        epochs_done=history[-1].epoch,
        best_epoch=best.epoch,
        best_val_accuracy=best.val_accuracy,
        final_train_accuracy=history[-1].accuracy,
        seconds_per_epoch=sum(r.seconds for r in history) / len(history),
    )
    return info.id


def fixture_predictions() -> tuple[np.ndarray, np.ndarray]:
    """Random but fixed test-set probabilities and labels."""
    rng = np.random.default_rng(7)
    labels = rng.integers(0, 10, N_PREDICTIONS)
    probs = rng.dirichlet(np.full(10, 0.5), N_PREDICTIONS).astype(np.float32)
    return probs, labels


def build_compare_store(root: Path) -> tuple[RunStore, dict[str, str]]:
    """Write the four fixture runs (and predictions for one) and return store and ids by name."""
    store = RunStore(root)
    ids = {}
    for name, (arch, seed, status, test_accuracy, rows) in FIXTURE.items():
        config = fixture_config(arch, seed)
        ids[name] = add_run(store, name, preset(arch), config, rows, status)
        store.update(ids[name], test_accuracy=test_accuracy)
    probs, labels = fixture_predictions()
    write_test_results(
        store.path(ids[PREDICTED_RUN]), evaluate_probabilities(probs, labels), probs, labels
    )
    return store, ids


# ---------------------------------------------------------------- damaged runs

ONE_EPOCH = [(1, 0.6, 0.8, 0.5, 0.82, 1.0)]


def damaged_runs(store: RunStore) -> dict[str, str]:
    """Runs damaged in every way the listing must survive; their expected reasons."""
    cases = {
        "string accuracy": ({"test_accuracy": "0.9"}, "test_accuracy is '0.9', not a finite"),
        "nan accuracy": ({"test_accuracy": float("nan")}, "test_accuracy is nan"),
        "list epochs": ({"epochs_done": [1]}, "epochs_done is [1], not a whole number"),
        "bool seed": ({"seed": True}, "seed is True, not a whole number"),
        "spec text": ({"spec": "model1"}, "spec is 'model1', not an object"),
        "bad config": ({"config": {"epochs": "ten"}}, "training settings are not usable"),
    }
    reasons = {}
    for name, (change, reason) in cases.items():
        run_id = add_run(store, name, preset("model1"), TrainConfig(), ONE_EPOCH, "finished")
        meta = json.loads((store.path(run_id) / "run.json").read_text())
        (store.path(run_id) / "run.json").write_text(json.dumps({**meta, **change}))
        reasons[run_id] = reason
    for name, file, content in (
        ("empty predictions", "predictions.npz", b""),
        ("truncated snapshot", "snapshots/epoch_001.npz", b"PK\x03\x04 cut here"),
        ("empty model", "model.keras", b""),
    ):
        run_id = add_run(store, name, preset("model1"), TrainConfig(), ONE_EPOCH, "finished")
        (store.path(run_id) / file).parent.mkdir(exist_ok=True)
        (store.path(run_id) / file).write_bytes(content)
        reasons[run_id] = f"{Path(file).name} is " + ("empty" if not content else "damaged")
    huge = add_run(store, "huge", preset("model1"), TrainConfig(), ONE_EPOCH, "finished")
    (store.path(huge) / "run.json").write_text(" " * 2_000_000)
    reasons[huge] = "larger than"
    return reasons


LIVE_STEP = 5  # the tiny runs' state at the end of epoch 1 (5 batches of 64 per epoch)


@contextmanager
def running_copy(store: RunStore, source_id: str, root: Path, run_id: str) -> Iterator[str]:
    """A copy of a tiny run under `root`, made to look half-trained and still running (by
    this process): states up to the end of epoch 1, live.npz holding that state's weights, no
    Filters cache (a page served on the shared tiny runs may have written one). Removed again
    on exit."""
    from fmnist_viz.runs.checks import process_identity
    from fmnist_viz.seeing.filter_cache import CACHE_DIR

    target = Path(root) / run_id
    shutil.copytree(store.path(source_id), target, ignore=shutil.ignore_patterns(CACHE_DIR))
    try:
        for state in RunStore(root).states(run_id):
            if state.step > LIVE_STEP:
                state.path.unlink()
        shutil.copy(target / "states" / f"step_{LIVE_STEP:07d}.full.npz", target / "live.npz")
        meta = json.loads((target / "run.json").read_text())
        meta.update(id=run_id, name="live run", status="running", pid=os.getpid())
        meta.update(host=socket.gethostname(), pid_start=process_identity(os.getpid()))
        (target / "run.json").write_text(json.dumps(meta))
        yield run_id
    finally:
        shutil.rmtree(target, ignore_errors=True)
