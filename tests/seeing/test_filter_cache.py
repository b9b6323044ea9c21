"""The filter cache: files keyed by weights, data and settings; damaged or foreign files are
computed again; a folder that cannot be written keeps results in memory; the memory cache is
bounded and computes a key once however many threads ask."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import numpy as np
import pytest

from fmnist_viz.runs import MODEL_FILE
from fmnist_viz.seeing import (
    ActMax,
    MemoryCache,
    TopImages,
    cached,
    data_key,
    file_identity,
    load_act_max,
    load_top_images,
    save_act_max,
    save_top_images,
    top_images,
    top_key,
)
from fmnist_viz.seeing import filter_cache as fc
from tests.run_support import wait_until


def _tops(seed: int = 0) -> dict[str, TopImages]:
    """Two layers of made-up top images."""
    rng = np.random.default_rng(seed)
    out = {}
    for name, filters, side in (("conv1", 4, 28), ("conv2", 6, 14)):
        values = -np.sort(-rng.random((filters, 5)).astype(np.float32), axis=1)
        indices = rng.integers(0, 50, (filters, 5)).astype(np.int32)
        positions = rng.integers(0, side, (filters, 5, 2)).astype(np.int16)  # 5 < SHOWN
        out[name] = TopImages(name, values, indices, positions, (side, side), 50)
    return out


def _grown() -> ActMax:
    """A made-up block of grown images."""
    rng = np.random.default_rng(1)
    images = rng.random((3, 28, 28)).astype(np.float32)
    scores = rng.random(3).astype(np.float32)
    return ActMax("conv2", np.array([32, 33, 34], np.int32), images, scores, scores / 2, 96, 0)


def _same_tops(a: dict[str, TopImages], b: dict[str, TopImages]) -> None:
    assert list(a) == list(b)
    for name in a:
        for field in ("values", "indices", "positions"):
            np.testing.assert_array_equal(getattr(a[name], field), getattr(b[name], field))
        assert (a[name].map_size, a[name].n_images) == (b[name].map_size, b[name].n_images)


def test_top_images_round_trip_and_keys(tmp_path: Path) -> None:
    tops = _tops()
    assert save_top_images(tmp_path, "key-a", tops)
    assert (tmp_path / fc.CACHE_DIR / fc.TOP_FILE).is_file()
    _same_tops(load_top_images(tmp_path, "key-a"), tops)
    assert load_top_images(tmp_path, "key-b") is None  # other weights, data or settings
    assert load_top_images(tmp_path / "elsewhere", "key-a") is None
    assert not [p for p in (tmp_path / fc.CACHE_DIR).iterdir() if p.name.startswith(".tmp")]


def test_act_max_round_trip_and_keys(tmp_path: Path) -> None:
    grown = _grown()
    assert save_act_max(tmp_path, "k", grown)
    back = load_act_max(tmp_path, "k", "conv2", (32, 33, 34))
    np.testing.assert_array_equal(back.images, grown.images)
    np.testing.assert_array_equal(back.scores, grown.scores)
    assert (back.layer, back.steps, back.seed) == ("conv2", 96, 0)
    assert load_act_max(tmp_path, "other", "conv2", (32, 33, 34)) is None
    assert load_act_max(tmp_path, "k", "conv2", (0, 1, 2)) is None  # another block's file


def test_keys_name_the_weights_the_data_and_the_settings(tmp_path: Path) -> None:
    x = np.zeros((10, 28, 28), np.uint8)
    y = np.zeros(10, np.uint8)
    base = data_key(x, y)
    assert data_key(x[:9], y[:9]) != base
    changed = x.copy()
    changed[3, 4, 5] = 1
    assert data_key(changed, y) != base
    assert data_key(x, y + 1) != base
    assert data_key(x.copy(), y.copy()) == base
    model = tmp_path / MODEL_FILE
    model.write_bytes(b"first")
    first = file_identity(model)
    (tmp_path / "new").write_bytes(b"second")
    (tmp_path / "new").replace(model)  # saved again, as the recorder does
    assert file_identity(model) != first and file_identity(tmp_path / "gone") is None
    keys = {top_key("w1", base, 100), top_key("w2", base, 100), top_key("w1", "d", 100)}
    assert len(keys | {top_key("w1", base, 9)}) == 4


@pytest.mark.parametrize("damage", [b"", b"not a zip", b"PK\x03\x04 broken zip"])
def test_a_damaged_file_is_computed_again(tmp_path: Path, damage: bytes) -> None:
    path = tmp_path / fc.CACHE_DIR / fc.TOP_FILE
    path.parent.mkdir()
    path.write_bytes(damage)
    assert load_top_images(tmp_path, "k") is None
    calls = []

    def compute() -> dict[str, TopImages]:
        calls.append(1)
        return _tops()

    value, source = cached(
        MemoryCache(),
        "k",
        lambda: load_top_images(tmp_path, "k"),
        compute,
        lambda v: save_top_images(tmp_path, "k", v),
    )
    assert source == "saved" and calls == [1]
    _same_tops(load_top_images(tmp_path, "k"), value)  # the file is whole again


def test_a_folder_that_cannot_be_written_keeps_results_in_memory(tmp_path: Path) -> None:
    (tmp_path / fc.CACHE_DIR).write_bytes(b"a file where the cache folder would go")
    assert not save_top_images(tmp_path, "k", _tops())
    assert not save_act_max(tmp_path, "k", _grown())
    memory = MemoryCache()
    value, source = cached(
        memory, "k", lambda: None, _tops, lambda v: save_top_images(tmp_path, "k", v)
    )
    assert source == "computed"
    again, source = cached(memory, "k", lambda: None, _fail, None)
    assert source == "memory" and again is value
    # a run folder that is gone is never created again
    assert not save_top_images(tmp_path / "deleted-run", "k", _tops())
    assert not (tmp_path / "deleted-run").exists()


def _fail() -> None:
    raise AssertionError("computed although it was kept")


def test_memory_cache_is_bounded() -> None:
    memory = MemoryCache(max_entries=3, max_bytes=8_050)
    for i in range(3):
        memory.put(f"k{i}", np.zeros(10, np.float32))
    assert memory.get("k0") is not None  # now the most recently used
    memory.put("k3", np.zeros(10, np.float32))
    assert memory.get("k1") is None and memory.get("k0") is not None and len(memory) == 3
    memory.put("big", np.zeros(2_000, np.float32))  # 8,000 bytes: two small ones must go
    assert memory.get("big") is not None and memory.get("k0") is not None and len(memory) == 2


def test_two_threads_asking_for_one_key_compute_it_once() -> None:
    memory = MemoryCache()
    release = threading.Event()
    calls: list[int] = []
    results: dict[str, tuple] = {}

    def compute() -> np.ndarray:
        calls.append(1)
        release.wait(30)
        return np.arange(3)

    def ask(name: str) -> None:
        results[name] = cached(memory, "key", None, compute, None)

    first = threading.Thread(target=ask, args=("first",))
    first.start()
    wait_until(lambda: calls, 10, "the first thread to start computing")
    second = threading.Thread(target=ask, args=("second",))
    second.start()
    wait_until(lambda: memory._key_locks.get("key", (None, 0))[1] == 2, 10, "the second to wait")
    release.set()
    first.join(10)
    second.join(10)
    assert calls == [1]
    assert results["first"][1] == "computed" and results["second"][1] == "memory"
    assert not memory._key_locks  # no lock left behind


def test_a_real_run_is_read_back_on_the_second_visit(tiny_runs, tmp_path: Path) -> None:
    store, ids = tiny_runs
    folder = tmp_path / ids["model2"]
    shutil.copytree(store.path(ids["model2"]), folder)  # the shared runs stay as they are
    from fmnist_viz.data.loading import load_dir
    from fmnist_viz.inside import Prober
    from tests.apptest_support import SAMPLE

    prober = Prober(store.load_model(ids["model2"]))
    x, y = load_dir(SAMPLE)[2:]
    x, y = x[:200], y[:200]
    key = top_key(f"run:{file_identity(folder / MODEL_FILE)}", data_key(x, y), 20)
    computed, source = cached(
        MemoryCache(),
        key,
        lambda: load_top_images(folder, key),
        lambda: top_images(prober, x, 20),
        lambda v: save_top_images(folder, key, v),
    )
    assert source == "saved"
    again, source = cached(
        MemoryCache(),  # a new server: nothing in memory
        key,
        lambda: load_top_images(folder, key),
        _fail,
        lambda v: save_top_images(folder, key, v),
    )
    assert source == "disk"
    _same_tops(again, computed)
    (folder / MODEL_FILE).write_bytes((folder / MODEL_FILE).read_bytes())  # new version
    newer = top_key(f"run:{file_identity(folder / MODEL_FILE)}", data_key(x, y), 20)
    assert newer != key and load_top_images(folder, newer) is None
