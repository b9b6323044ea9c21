"""Tests for fmnist_viz.runs.atomic: a failed write never leaves a half file or a temp file."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from fmnist_viz.runs import atomic

# ----------------------------------------------------------------------------- atomic writes


def test_atomic_write_replaces_content_without_temp_files(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "f.json"
    atomic.write_json_atomic(target, {"a": 1, "b": np.float32(0.5)})
    atomic.write_json_atomic(target, {"a": 2})
    assert json.loads(target.read_text()) == {"a": 2}
    assert [p.name for p in target.parent.iterdir()] == ["f.json"]


def test_atomic_write_keeps_old_content_when_replace_fails(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "f.txt"
    target.write_bytes(b"old")

    def broken_replace(*_args, **_kwargs):
        raise OSError("disk gone")

    monkeypatch.setattr(atomic.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk gone"):
        atomic.write_bytes_atomic(target, b"new content")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.txt"]


def test_atomic_write_keeps_old_content_when_writing_fails(tmp_path: Path) -> None:
    target = tmp_path / "f.txt"
    target.write_bytes(b"old")
    with pytest.raises(TypeError):
        atomic.write_bytes_atomic(target, "not bytes")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="not JSON serialisable"):
        atomic.write_json_atomic(target, {"x": object()})
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.txt"]


def test_atomic_path_keeps_old_file_when_the_writer_raises(tmp_path: Path) -> None:
    target = tmp_path / "model.keras"
    target.write_bytes(b"old model")
    with pytest.raises(RuntimeError), atomic.atomic_path(target) as tmp:
        tmp.write_bytes(b"half a mod")
        raise RuntimeError("crash while saving")
    assert target.read_bytes() == b"old model"
    assert [p.name for p in tmp_path.iterdir()] == ["model.keras"]
    with atomic.atomic_path(target) as tmp:
        assert tmp.suffix == ".keras" and tmp.name.startswith(".tmp-")
        tmp.write_bytes(b"new model")
    assert target.read_bytes() == b"new model"
    assert [p.name for p in tmp_path.iterdir()] == ["model.keras"]


def test_atomic_writes_get_the_usual_file_mode(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        atomic.write_bytes_atomic(tmp_path / "a.bin", b"x")
        atomic.write_json_atomic(tmp_path / "b.json", {"a": 1})
        plain = tmp_path / "plain.txt"
        plain.write_text("x")
        modes = {p.name: p.stat().st_mode & 0o777 for p in tmp_path.iterdir()}
    finally:
        os.umask(old)
    assert modes == {"a.bin": 0o640, "b.json": 0o640, "plain.txt": 0o640}
    assert atomic.file_mode() == 0o666 & ~old


def test_file_version_changes_when_a_file_is_replaced(tmp_path: Path) -> None:
    path = tmp_path / "state.npz"
    assert atomic.file_version(path) == str(path)  # gone: just the path
    atomic.write_bytes_atomic(path, b"first")
    first = atomic.file_version(path)
    assert first.startswith(f"{path}:") and atomic.file_version(path) == first  # stable
    atomic.write_bytes_atomic(path, b"second")
    assert atomic.file_version(path) != first
