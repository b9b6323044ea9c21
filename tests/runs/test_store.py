"""Tests for fmnist_viz.runs.store: creating, listing and damage, hostile ids, names, recovery."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from fmnist_viz.runs import BatchTail, RunError, RunStore
from fmnist_viz.runs import store as store_module
from fmnist_viz.runs.files import BATCHES_FILE
from fmnist_viz.training import TrainConfig
from tests.arch_support import TINY_SPEC

HOSTILE_IDS = ["../x", "/etc", "a/../../b", "..", "", ".", "a\\b", "x" * 200, "..hidden"]


def fake_run(store: RunStore, run_id: str, **meta) -> Path:
    """A run folder with a hand-written run.json."""
    path = store.root / run_id
    path.mkdir(parents=True)
    full = {"id": run_id, "spec": TINY_SPEC, "config": {}, "status": "queued", **meta}
    (path / store_module.RUN_FILE).write_text(json.dumps(full), encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- creating


def test_create_writes_a_queued_run(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    info = store.create(TINY_SPEC, TrainConfig(epochs=3), name="my/run")
    assert info.path == tmp_path / info.id
    meta = json.loads((info.path / store_module.RUN_FILE).read_text())
    assert meta["status"] == "queued" and meta["name"] == "my-run"
    assert meta["config"]["epochs"] == 3 and meta["spec"] == TINY_SPEC
    assert meta["params"] == 4 * 9 + 4 + 14 * 14 * 4 * 10 + 10
    assert [r.id for r in store.list()] == [info.id]


# ----------------------------------------------------------------------------- damage


def test_damaged_folders_are_listed_with_a_reason(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    good = store.create(TINY_SPEC, TrainConfig()).id
    (tmp_path / "no-meta").mkdir()
    (tmp_path / "bad-json").mkdir()
    (tmp_path / "bad-json" / store_module.RUN_FILE).write_text("{not json", encoding="utf-8")
    (tmp_path / "json-list").mkdir()
    (tmp_path / "json-list" / store_module.RUN_FILE).write_text("[1, 2]", encoding="utf-8")
    fake_run(store, "no-model", status="finished")
    (tmp_path / "no-model" / store_module.HISTORY_FILE).write_text("epoch\n", encoding="utf-8")
    garbage = fake_run(store, "bad-history", status="finished")
    (garbage / store_module.MODEL_FILE).write_bytes(b"zip?")
    (garbage / store_module.HISTORY_FILE).write_text("epoch,loss\n1,abc\n", encoding="utf-8")
    fake_run(store, "no-status").joinpath(store_module.RUN_FILE).write_text('{"spec": {}}')
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
    (path / store_module.HISTORY_FILE).write_text("garbage\nmore\n", encoding="utf-8")
    with pytest.raises(RunError, match=r"history\.csv is damaged"):
        store.history("r1")


def test_damaged_model_raises_run_error(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    path = fake_run(store, "r1")
    with pytest.raises(RunError, match="no saved model"):
        store.load_model("r1")
    (path / store_module.MODEL_FILE).write_bytes(b"not a zip")
    with pytest.raises(RunError, match="cannot be loaded"):
        store.load_model("r1")


def test_torn_batches_line_waits_for_its_end(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    run_id = store.create(TINY_SPEC, TrainConfig()).id
    path = store.path(run_id) / BATCHES_FILE
    path.write_text("epoch,batch,loss,accuracy\n1,1,2.3,0.1\n1,2,2.2,0.2\n1,3,2.", encoding="utf-8")
    tail = BatchTail(store.path(run_id))
    assert tail.read() == [(1, 1, 2.3, 0.1), (1, 2, 2.2, 0.2)]  # a write in progress
    with open(path, "a", encoding="utf-8") as fh:
        fh.write("1,0.3\nnot,a,row\n")
    assert tail.read()[2:] == [(1, 3, 2.1, 0.3)]  # completed; the malformed line is skipped


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
    assert store_module.sanitize_name(raw) == clean


def test_sanitize_name_is_short_and_has_no_path_characters() -> None:
    name = store_module.sanitize_name("é/" * 100)
    assert len(name) <= 60
    assert "/" not in name and "\\" not in name and not name.startswith(".")


def test_new_run_id_is_a_valid_id(tmp_path: Path) -> None:
    run_id = store_module.new_run_id("../Weird Name/!!")
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
    (done / store_module.MODEL_FILE).write_bytes(b"model")
    (done / store_module.HISTORY_FILE).write_text(
        "epoch,loss,accuracy,val_loss,val_accuracy,seconds\n"
    )
    before = (done / store_module.RUN_FILE).read_bytes()

    assert store.recover_interrupted() == ["dead"]
    dead = store.load("dead")
    assert dead.status == "interrupted"
    assert "ended before the run finished" in dead.get("error")
    assert store.load("alive").status == "running"
    assert (done / store_module.RUN_FILE).read_bytes() == before
    assert store.recover_interrupted() == []


def test_recover_marks_a_running_run_without_pid(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    fake_run(store, "nopid", status="running")
    assert store.recover_interrupted() == ["nopid"]


def test_temp_files_of_killed_writes_are_removed_when_old(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    run = fake_run(store, "r1")
    old, fresh = run / ".tmp-abc123", run / ".tmp-def456.keras"
    old.write_bytes(b"half a file")
    fresh.write_bytes(b"a write in progress")
    os.utime(old, (0, 0))
    assert store.remove_temp_files() == 1
    assert not old.exists() and fresh.exists()
    assert (run / store_module.RUN_FILE).exists()


def test_a_stale_run_is_listed_as_interrupted_without_a_write(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    path = fake_run(store, "dead", status="running", pid=dead_pid(), host=socket.gethostname())
    before = (path / store_module.RUN_FILE).read_bytes()
    run = store.load("dead")
    assert run.status == "interrupted" and run.stale
    assert "ended before the run finished" in run.get("error")
    assert (path / store_module.RUN_FILE).read_bytes() == before


def test_a_reused_pid_is_not_the_owner(tmp_path: Path) -> None:
    from fmnist_viz.runs.checks import owner_alive, process_identity

    me = {"pid": os.getpid(), "host": socket.gethostname()}
    assert owner_alive({**me, "pid_start": process_identity(os.getpid())})
    assert owner_alive(me)  # no identity recorded (older runs): the pid alone decides
    assert not owner_alive({**me, "pid_start": "another-boot:12345"})
    assert owner_alive({"pid": 1, "host": "another-machine"})  # cannot be checked from here
    assert not owner_alive({"pid": os.getpid()})  # no host: not a run of this machine


def test_an_unwritable_store_says_why(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert "is a file, not a folder" in RunStore(blocker).writable_problem()
    assert "cannot be saved" in RunStore(blocker / "sub").writable_problem()
    assert RunStore(tmp_path / "new").writable_problem() is None
    with pytest.raises(RunError, match="is a file"):
        RunStore(blocker).create(TINY_SPEC, TrainConfig())


def test_model_path_is_the_model_file_in_the_run_folder(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    info = store.create(TINY_SPEC, TrainConfig(epochs=3), name="m")
    assert store.model_path(info.id) == info.path / store_module.MODEL_FILE
    assert store.load(info.id).model_path == store.model_path(info.id)
    with pytest.raises(RunError):
        store.model_path("../escape")
