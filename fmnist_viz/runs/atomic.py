"""Atomic file writes: a reader never sees half a file, a crash never leaves one behind.

Every write goes to a temp file in the target's folder, is flushed to disk, then renamed over
the target (`os.replace` is atomic on one filesystem).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import secrets
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

TEMP_PREFIX = ".tmp-"
_UMASK_LOCK = threading.Lock()


def file_mode() -> int:
    """The mode a new file gets from open(): 0o666 less the process umask.

    Temp files from `mkstemp` are private (0o600); a run store shared by several users or by
    cluster workers needs the usual mode, so every atomic write sets this one. The umask is
    read from /proc on Linux (no change to process state), else swapped out and back.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    with _UMASK_LOCK:
        umask = os.umask(0o022)
        os.umask(umask)
    return 0o666 & ~umask


def write_bytes_atomic(path: Path, data: bytes, durable: bool = True) -> None:
    """Write to a temp file in the same folder, fsync, then rename over the target.

    With `durable=False` the fsync is skipped: readers still never see half a file, but a
    power cut may lose the latest version (for files that are replaced every few seconds).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=path.parent)
    try:
        os.fchmod(fd, file_mode())
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_json_atomic(path: Path, data: Any) -> None:
    """Write JSON (NumPy scalars allowed) atomically, indented for people to read."""
    write_bytes_atomic(path, json.dumps(data, indent=2, default=_json_default).encode())


def _json_default(value: Any) -> Any:
    """Turn NumPy scalars into Python numbers for json.dumps."""
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


@contextlib.contextmanager
def atomic_path(path: Path, suffix: str = "") -> Iterator[Path]:
    """A temp path to write with a library (e.g. model.save), renamed over `path` on success."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f"{TEMP_PREFIX}{secrets.token_hex(4)}{suffix or path.suffix}"
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def json_number(value: float | None) -> float | None:
    """A float for JSON, None for missing, NaN or infinite values (JSON has no NaN)."""
    return None if value is None or not math.isfinite(value) else float(value)


def file_version(path: Path) -> str:
    """A file's path and version: atomic writes replace a file (a new inode), never change it
    in place, so this names one content (a cache key); just the path when it is gone."""
    try:
        info = Path(path).stat()
    except OSError:
        return str(path)
    return f"{path}:{info.st_ino}:{info.st_mtime_ns}"
