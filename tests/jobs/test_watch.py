"""Tests for fmnist_viz.jobs.watch: what the CLI prints while runs train, from the run store."""

from __future__ import annotations

import io
import os
import socket
from pathlib import Path

from fmnist_viz.jobs.watch import JobWatch
from fmnist_viz.models import preset
from fmnist_viz.runs import RunStore, write_bytes_atomic
from fmnist_viz.runs.files import history_csv
from fmnist_viz.runs.store import HISTORY_FILE
from fmnist_viz.training import EpochRecord, TrainConfig
from tests.run_support import FIXTURE, add_run


def _write_history(store: RunStore, run_id: str, rows: list) -> None:
    history = [EpochRecord(int(r[0]), *map(float, r[1:])) for r in rows]
    write_bytes_atomic(store.path(run_id) / HISTORY_FILE, history_csv(history).encode())


def test_epoch_lines_once_then_the_end(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    rows = FIXTURE["a1"][4]  # three epochs
    config = TrainConfig(epochs=3, seed=1)
    running = add_run(store, "live", preset("model1"), config, rows[:1], "running")
    store.update(running, pid=os.getpid(), host=socket.gethostname())  # alive: this process
    done = add_run(store, "done", preset("model1"), config, rows, "finished")
    store.update(done, test_accuracy=0.885)
    failed = store.create(preset("model1"), config, name="broken").id
    store.update(failed, status="failed", error="ValueError: bad")

    out = io.StringIO()
    watch = JobWatch(store, [running, done, failed], stream=out)
    assert not watch.poll()
    lines = out.getvalue().splitlines()
    assert lines[0] == (
        "[live] epoch 1/3: loss 0.6000 acc 0.8000 val_loss 0.4500 val_acc 0.8400 10.0s"
    )
    assert "[done] epoch 3/3: loss 0.2200 acc 0.9200" in lines[3]
    assert lines[4] == "[done] finished, test acc 0.885"
    assert lines[5] == "[broken] failed: ValueError: bad"
    assert len(lines) == 6

    _write_history(store, running, rows[:2])
    assert not watch.poll()
    assert out.getvalue().splitlines()[6].startswith("[live] epoch 2/3: loss 0.3500")
    store.update(running, status="stopped", epochs_done=2, error="Stopped by the user")
    assert watch.poll()
    last = out.getvalue().splitlines()[-1]
    assert last == "[live] stopped after 2 of 3 epochs: Stopped by the user"
    assert watch.ended == {done: "finished", failed: "failed", running: "stopped"}
    assert watch.poll() and len(out.getvalue().splitlines()) == 8  # nothing printed twice
