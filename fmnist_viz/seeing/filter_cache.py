"""Where the filter views keep what they computed: on disk in the run folder, and in memory.

A run's kept model (model.keras) is searched once: the top images of every conv layer, and the
activation-maximisation images of each block of filters, are written to `filters/` in the run
folder (atomically), so a second visit, by anyone, reads them instead. Each file holds its
key, and a file whose key differs is computed again: the key names the weights (the model
file's size, modification time and inode: it is replaced, never changed in place), the data
(a digest of the very images and labels searched) and every setting of the computation. A
file that cannot be read is computed again too, never an error. A folder that cannot be
written (a read-only store) keeps the results in memory only.

Weights that change while a page looks at them (the live state of a training run, or the
saved states a slider goes over) are kept in memory only: `MemoryCache`, a bounded LRU shared
by every session of the server, keyed by the weights' identity. Its per-key locks make a
second session that asks for the same result wait for the first rather than compute it again.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import re
import threading
import zipfile
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from fmnist_viz.runs import write_bytes_atomic
from fmnist_viz.seeing.act_max import ActMax
from fmnist_viz.seeing.dataset_examples import SHOWN, TopImages

CACHE_DIR = "filters"  # inside the run folder
TOP_FILE = "top_images.npz"
FORMAT = 1  # bump when the files' layout changes
MEMORY_ENTRIES = 64
MEMORY_BYTES = 256 * 1024 * 1024
_NPZ_ERRORS = (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, zlib.error)
_SAFE = re.compile(r"[^A-Za-z0-9_.-]")


# ---------------------------------------------------------------- keys


def file_identity(path: Path) -> str | None:
    """A file's version: size, modification time (ns) and inode; None when it is missing."""
    try:
        st = path.stat()
    except OSError:
        return None
    return f"{path.name}:{st.st_size}:{st.st_mtime_ns}:{st.st_ino}"


def data_key(images: np.ndarray, labels: np.ndarray) -> str:
    """The identity of the images and labels searched: their count and a digest of both."""
    digest = hashlib.sha1(np.ascontiguousarray(images).tobytes())
    digest.update(np.ascontiguousarray(labels).astype(np.int64).tobytes())
    return f"n={len(images)}:sha1={digest.hexdigest()[:20]}"


def top_key(weights: str, data: str, keep: int) -> str:
    """The key of the top images: weights, data, how many kept per filter, file format."""
    return f"top|v{FORMAT}|{weights}|{data}|keep={keep}"


def act_max_key(weights: str, layer: str, filters: tuple[int, ...], settings: str) -> str:
    """The key of one block of activation-maximisation images."""
    block = ",".join(str(f) for f in filters)
    return f"actmax|v{FORMAT}|{weights}|{layer}|{block}|{settings}"


# ---------------------------------------------------------------- disk


def _write_npz(path: Path, arrays: dict[str, np.ndarray]) -> bool:
    """Write arrays atomically into an existing run folder's cache folder; False when the
    folder cannot be written (it is never created inside a missing run folder)."""
    try:
        if not path.parent.parent.is_dir():
            return False
        path.parent.mkdir(exist_ok=True)
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        write_bytes_atomic(path, buffer.getvalue())
    except OSError:
        return False
    return True


def _read_npz(path: Path, key: str) -> dict[str, np.ndarray] | None:
    """The arrays of a cache file holding that key; None when missing, another key or damaged."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            if str(npz["key"]) != key:
                return None
            return {name: npz[name] for name in npz.files}
    except _NPZ_ERRORS:
        return None


def save_top_images(folder: Path, key: str, tops: dict[str, TopImages]) -> bool:
    """Write every layer's top images under `folder` (the run folder); False when it cannot."""
    arrays: dict[str, np.ndarray] = {"key": np.array(key), "layers": np.array(list(tops))}
    for i, top in enumerate(tops.values()):
        arrays[f"values_{i}"] = top.values
        arrays[f"indices_{i}"] = top.indices
        arrays[f"positions_{i}"] = top.positions
        arrays[f"meta_{i}"] = np.array([*top.map_size, top.n_images], dtype=np.int64)
    return _write_npz(folder / CACHE_DIR / TOP_FILE, arrays)


def load_top_images(folder: Path, key: str) -> dict[str, TopImages] | None:
    """The top images saved under `folder` for that key; None when missing, for another key,
    or damaged (then they are computed again)."""
    arrays = _read_npz(folder / CACHE_DIR / TOP_FILE, key)
    if arrays is None:
        return None
    try:
        out = {}
        for i, name in enumerate(arrays["layers"].tolist()):
            values = arrays[f"values_{i}"].astype(np.float32)
            indices = arrays[f"indices_{i}"].astype(np.int32)
            positions = arrays[f"positions_{i}"].astype(np.int16)
            h, w, n = (int(v) for v in arrays[f"meta_{i}"])
            shown = (values.shape[0], min(values.shape[1], SHOWN), 2)
            if indices.shape != values.shape or positions.shape != shown:
                return None
            if indices.size and (indices.min() < 0 or indices.max() >= n):
                return None
            out[str(name)] = TopImages(str(name), values, indices, positions, (h, w), n)
        return out
    except (KeyError, ValueError, TypeError):
        return None


def _act_max_path(folder: Path, layer: str, filters: tuple[int, ...]) -> Path:
    """The file of one block of activation-maximisation images."""
    first = filters[0] if filters else 0
    return folder / CACHE_DIR / f"actmax_{_SAFE.sub('_', layer)}_{first}_{len(filters)}.npz"


def save_act_max(folder: Path, key: str, result: ActMax) -> bool:
    """Write one block of activation-maximisation images; False when it cannot."""
    arrays = {
        "key": np.array(key),
        "filters": result.filters,
        "images": result.images,
        "scores": result.scores,
        "start_scores": result.start_scores,
        "settings": np.array([result.steps, result.seed], dtype=np.int64),
    }
    path = _act_max_path(folder, result.layer, tuple(int(f) for f in result.filters))
    return _write_npz(path, arrays)


def load_act_max(folder: Path, key: str, layer: str, filters: tuple[int, ...]) -> ActMax | None:
    """One saved block for that key; None when missing, for another key, or damaged."""
    arrays = _read_npz(_act_max_path(folder, layer, filters), key)
    if arrays is None:
        return None
    try:
        saved = arrays["filters"].astype(np.int32)
        images = arrays["images"].astype(np.float32)
        scores, starts = arrays["scores"], arrays["start_scores"]
        steps, seed = (int(v) for v in arrays["settings"])
    except (KeyError, ValueError, TypeError):
        return None
    n = len(filters)
    if tuple(saved.tolist()) != filters or images.shape != (n, 28, 28):
        return None
    if scores.shape != (n,) or starts.shape != (n,) or not np.all(np.isfinite(images)):
        return None
    scores, starts = scores.astype(np.float32), starts.astype(np.float32)
    return ActMax(layer, saved, images, scores, starts, steps, seed)


# ---------------------------------------------------------------- memory


def _nbytes(value: Any) -> int:
    """Bytes held by the arrays of a cached value (a dict of TopImages, an ActMax, arrays)."""
    if isinstance(value, np.ndarray):
        return int(value.nbytes)
    if isinstance(value, dict):
        return sum(_nbytes(v) for v in value.values())
    if isinstance(value, TopImages | ActMax):
        return sum(_nbytes(v) for v in vars(value).values())
    return 0


class MemoryCache:
    """A thread-safe LRU of computed results, bounded in entries and bytes."""

    def __init__(self, max_entries: int = MEMORY_ENTRIES, max_bytes: int = MEMORY_BYTES):
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self._items: OrderedDict[str, tuple[Any, int]] = OrderedDict()
        self._lock = threading.Lock()
        self._key_locks: dict[str, tuple[threading.Lock, int]] = {}

    def get(self, key: str) -> Any:
        """The value kept for the key (now the most recently used), None when there is none."""
        with self._lock:
            found = self._items.get(key)
            if found is None:
                return None
            self._items.move_to_end(key)
            return found[0]

    def put(self, key: str, value: Any) -> None:
        """Keep a value, dropping the least recently used ones beyond the bounds."""
        size = _nbytes(value)
        with self._lock:
            self._items[key] = (value, size)
            self._items.move_to_end(key)
            while len(self._items) > 1 and (
                len(self._items) > self.max_entries
                or sum(s for _, s in self._items.values()) > self.max_bytes
            ):
                self._items.popitem(last=False)

    def __len__(self) -> int:
        """How many results are kept."""
        with self._lock:
            return len(self._items)

    @contextlib.contextmanager
    def computing(self, key: str) -> Iterator[None]:
        """Hold the key's lock while computing it: another thread asking for the same key
        waits here, then finds the result with `get`."""
        with self._lock:
            lock, users = self._key_locks.get(key, (threading.Lock(), 0))
            self._key_locks[key] = (lock, users + 1)
        try:
            with lock:
                yield
        finally:
            with self._lock:
                lock, users = self._key_locks[key]
                if users <= 1:
                    del self._key_locks[key]
                else:
                    self._key_locks[key] = (lock, users - 1)


# ---------------------------------------------------------------- both


def cached(
    memory: MemoryCache,
    key: str,
    load: Callable[[], Any] | None,
    compute: Callable[[], Any],
    save: Callable[[Any], bool] | None,
) -> tuple[Any, str]:
    """A result from memory, else from disk (`load`), else computed (and saved with `save`
    when given); returns it and where it came from: 'memory', 'disk', 'saved' (computed and
    written to disk) or 'computed' (kept in memory only)."""
    found = memory.get(key)
    if found is not None:
        return found, "memory"
    with memory.computing(key):
        found = memory.get(key)
        if found is not None:
            return found, "memory"
        found = load() if load is not None else None
        if found is not None:
            memory.put(key, found)
            return found, "disk"
        value = compute()
        memory.put(key, value)
        written = save(value) if save is not None else False
        return value, "saved" if written else "computed"
