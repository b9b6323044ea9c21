"""Tests for fmnist_viz.data.loading: IDX validation, search order, bundled sample and real data."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from fmnist_viz.data import loading as data
from tests.data_support import ROOT, SKIP_REAL, real_dir

N_TRAIN, N_TEST = 20, 5


def idx_bytes(array: np.ndarray, magic: int | None = None) -> bytes:
    """Serialise a uint8 array as IDX (magic chosen by ndim unless given)."""
    if magic is None:
        magic = data.IMAGES_MAGIC if array.ndim == 3 else data.LABELS_MAGIC
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape)
    return header + array.astype(np.uint8).tobytes()


def synthetic_arrays(seed: int = 0) -> dict[str, np.ndarray]:
    """Small random images and labels keyed by file stem."""
    rng = np.random.default_rng(seed)
    return {
        data.TRAIN_IMAGES: rng.integers(0, 256, (N_TRAIN, 28, 28), dtype=np.uint8),
        data.TRAIN_LABELS: np.arange(N_TRAIN, dtype=np.uint8) % 10,
        data.TEST_IMAGES: rng.integers(0, 256, (N_TEST, 28, 28), dtype=np.uint8),
        data.TEST_LABELS: (np.arange(N_TEST, dtype=np.uint8) * 3) % 10,
    }


def write_dir(directory: Path, arrays: dict[str, np.ndarray], gz: bool = True) -> Path:
    """Write the four IDX files (gzipped or raw) into directory."""
    directory.mkdir(parents=True, exist_ok=True)
    for stem, array in arrays.items():
        payload = idx_bytes(array)
        if gz:
            (directory / f"{stem}.gz").write_bytes(gzip.compress(payload))
        else:
            (directory / stem).write_bytes(payload)
    return directory


@pytest.fixture
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No env dir, no Debian dir, an empty Keras home and no downloads: only the sample is left."""
    monkeypatch.delenv("FMNIST_DATA_DIR", raising=False)
    monkeypatch.setenv("FMNIST_OFFLINE", "1")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-home"))
    monkeypatch.setattr(data, "DEBIAN_DIR", tmp_path / "no-debian")
    return tmp_path


@pytest.fixture
def synthetic(tmp_path: Path) -> tuple[Path, dict[str, np.ndarray]]:
    """A valid synthetic IDX directory and the arrays written into it."""
    arrays = synthetic_arrays()
    return write_dir(tmp_path / "synthetic", arrays), arrays


# ----------------------------------------------------------------------------- synthetic data


def test_synthetic_dir_loads_with_right_values(isolated: Path, synthetic) -> None:
    directory, arrays = synthetic
    ds = data.load_fashion_mnist(directory)
    assert ds.source == data.LookedPlace("argument", str(directory), "used")
    assert ds.looked == (ds.source,)
    assert not ds.is_sample
    got = {
        data.TRAIN_IMAGES: ds.x_train,
        data.TRAIN_LABELS: ds.y_train,
        data.TEST_IMAGES: ds.x_test,
        data.TEST_LABELS: ds.y_test,
    }
    for stem, array in got.items():
        assert array.dtype == np.uint8
        assert not array.flags.writeable
        np.testing.assert_array_equal(array, arrays[stem])
    assert ds.x_train.shape == (N_TRAIN, 28, 28)
    assert ds.y_test.shape == (N_TEST,)
    assert ds.describe() == f"Dataset from {directory} (20 train / 5 test images)"


def test_raw_files_without_gz_load(isolated: Path, tmp_path: Path) -> None:
    arrays = synthetic_arrays(seed=1)
    directory = write_dir(tmp_path / "raw", arrays, gz=False)
    x_train, _, _, y_test = data.load_dir(directory)
    np.testing.assert_array_equal(x_train, arrays[data.TRAIN_IMAGES])
    np.testing.assert_array_equal(y_test, arrays[data.TEST_LABELS])


def test_read_only_arrays_cannot_be_written(synthetic) -> None:
    directory, _ = synthetic
    x_train = data.load_dir(directory)[0]
    with pytest.raises(ValueError):
        x_train[0, 0, 0] = 1


def test_repeated_loads_share_cached_arrays(synthetic) -> None:
    directory, _ = synthetic
    first, second = data.load_dir(directory), data.load_dir(directory)
    assert all(a is b for a, b in zip(first, second, strict=True))


def test_rewritten_file_is_reloaded(tmp_path: Path) -> None:
    arrays = synthetic_arrays()
    directory = write_dir(tmp_path / "d", arrays)
    before = data.load_dir(directory)[1]
    arrays[data.TRAIN_LABELS] = np.full(N_TRAIN, 7, dtype=np.uint8)
    write_dir(directory, {data.TRAIN_LABELS: arrays[data.TRAIN_LABELS]})
    path = directory / f"{data.TRAIN_LABELS}.gz"
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    after = data.load_dir(directory)[1]
    assert before is not after
    assert set(after.tolist()) == {7}


def test_module_import_does_not_pull_in_keras() -> None:
    code = "import sys, fmnist_viz.data.loading; print('keras' in sys.modules, 'tensorflow' in sys.modules)"  # noqa: E501
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["False", "False"]


# ----------------------------------------------------------------------------- damaged files


def test_bad_magic_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / f"{data.TRAIN_IMAGES}.gz"
    path.write_bytes(gzip.compress(idx_bytes(np.zeros((2, 28, 28), np.uint8), magic=1234)))
    with pytest.raises(data.DataError, match=r"train-images-idx3-ubyte\.gz.*magic number 1234"):
        data.read_idx(path)


def test_truncated_gz_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / f"{data.TEST_IMAGES}.gz"
    blob = gzip.compress(idx_bytes(np.ones((4, 28, 28), np.uint8)))
    path.write_bytes(blob[: len(blob) // 2])
    with pytest.raises(data.DataError, match=r"t10k-images-idx3-ubyte\.gz.*truncated"):
        data.read_idx(path)


def test_not_gzip_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / f"{data.TEST_LABELS}.gz"
    path.write_bytes(b"this is not gzip at all")
    with pytest.raises(data.DataError, match=r"t10k-labels-idx1-ubyte\.gz.*gzip"):
        data.read_idx(path)


def test_truncated_payload_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / data.TRAIN_IMAGES
    path.write_bytes(idx_bytes(np.ones((3, 28, 28), np.uint8))[:-100])
    with pytest.raises(data.DataError, match=r"train-images-idx3-ubyte: truncated.*3 items"):
        data.read_idx(path)


def test_wrong_image_size_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / data.TRAIN_IMAGES
    path.write_bytes(idx_bytes(np.ones((3, 32, 32), np.uint8)))
    with pytest.raises(data.DataError, match=r"train-images-idx3-ubyte: images must be N x 28"):
        data.read_idx(path)


def test_label_out_of_range_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / f"{data.TRAIN_LABELS}.gz"
    path.write_bytes(gzip.compress(idx_bytes(np.array([1, 2, 11, 3], np.uint8))))
    with pytest.raises(data.DataError, match=r"train-labels-idx1-ubyte\.gz: label 11 at index 2"):
        data.read_idx(path)


def test_count_mismatch_names_both_files(tmp_path: Path) -> None:
    arrays = synthetic_arrays()
    arrays[data.TEST_LABELS] = arrays[data.TEST_LABELS][:-1]
    directory = write_dir(tmp_path / "d", arrays)
    with pytest.raises(data.DataError, match=r"t10k-images.*5 images but .*t10k-labels.*4 labels"):
        data.load_dir(directory)


def test_labels_where_images_belong_is_rejected(tmp_path: Path) -> None:
    arrays = synthetic_arrays()
    arrays[data.TRAIN_IMAGES] = arrays[data.TRAIN_LABELS]
    directory = write_dir(tmp_path / "d", arrays)
    with pytest.raises(
        data.DataError, match=r"train-images-idx3-ubyte\.gz: is an IDX labels file \(magic 2049\)"
    ):
        data.load_dir(directory)


def test_missing_file_names_the_file(tmp_path: Path) -> None:
    directory = write_dir(tmp_path / "d", synthetic_arrays())
    (directory / f"{data.TEST_LABELS}.gz").unlink()
    with pytest.raises(data.DataError, match=r"missing t10k-labels-idx1-ubyte\.gz"):
        data.load_dir(directory)


def test_a_damaged_named_folder_is_refused_with_every_reason(
    isolated: Path, tmp_path: Path
) -> None:
    arrays = synthetic_arrays()
    arrays[data.TRAIN_LABELS] = arrays[data.TRAIN_LABELS] + 5  # labels up to 14
    arrays[data.TEST_IMAGES] = arrays[data.TEST_LABELS]  # a labels file where images belong
    directory = write_dir(tmp_path / "bad", arrays)
    with pytest.raises(data.DataError) as info:
        data.load_fashion_mnist(directory)
    message = str(info.value)
    assert message.startswith(f"the data folder you named ({directory}) cannot be used: ")
    assert "train-labels-idx1-ubyte.gz: label 10 at index 5 is outside 0..9" in message
    assert "t10k-images-idx3-ubyte.gz: is an IDX labels file (magic 2049)" in message
    assert "Nothing else was tried" in message


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda d: None, "it does not exist"),
        (lambda d: d.write_text("a file"), "it is not a folder"),
        (lambda d: d.mkdir(), "missing train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz"),
    ],
    ids=["missing", "a file", "empty"],
)
def test_an_unusable_named_folder_is_never_swapped(
    isolated: Path, tmp_path: Path, make, reason
) -> None:
    directory = tmp_path / "named"
    make(directory)
    with pytest.raises(data.DataError, match=reason):
        data.load_fashion_mnist(directory)


def test_an_unusable_env_folder_is_refused_too(isolated: Path, tmp_path: Path, monkeypatch) -> None:
    directory = write_dir(tmp_path / "part", synthetic_arrays())
    (directory / f"{data.TEST_LABELS}.gz").unlink()
    monkeypatch.setenv("FMNIST_DATA_DIR", str(directory))
    with pytest.raises(data.DataError) as info:
        data.load_fashion_mnist()
    assert str(info.value).startswith(f"FMNIST_DATA_DIR ({directory}) cannot be used: missing")


def test_a_usable_named_folder_is_the_only_place_looked(isolated: Path, synthetic) -> None:
    directory, arrays = synthetic
    ds = data.load_fashion_mnist(directory)
    assert [(p.kind, p.outcome) for p in ds.looked] == [("argument", "used")]
    np.testing.assert_array_equal(ds.y_test, arrays[data.TEST_LABELS])


# ----------------------------------------------------------------------------- search order


def test_looked_lists_places_in_order(isolated: Path) -> None:
    ds = data.load_fashion_mnist()
    assert [(p.kind, p.outcome) for p in ds.looked] == [
        ("debian", "not found"),
        ("keras-cache", "not found"),
        ("download", "skipped: offline"),
        ("sample", "used"),
    ]
    assert [(p.kind, p.location) for p in ds.looked] == data.candidate_places()


def test_candidate_places_order_and_locations(isolated: Path, monkeypatch) -> None:
    monkeypatch.setenv("FMNIST_DATA_DIR", "/some/env/dir")
    assert data.candidate_places() == [
        ("env", "/some/env/dir"),
        ("debian", str(isolated / "no-debian")),
        ("keras-cache", str(isolated / "keras-home" / "datasets" / "fashion-mnist")),
        ("download", data.KERAS_ORIGIN),
        ("sample", str(data.SAMPLE_DIR)),
    ]
    assert data.candidate_places("/arg")[0] == ("argument", "/arg")


def test_keras_home_unset_uses_dot_keras(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.delenv("KERAS_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert data.keras_cache_dir() == tmp_path / ".keras" / "datasets" / "fashion-mnist"


def test_env_dir_beats_debian(isolated: Path, monkeypatch) -> None:
    env_arrays, deb_arrays = synthetic_arrays(seed=1), synthetic_arrays(seed=2)
    env_dir = write_dir(isolated / "env", env_arrays)
    deb_dir = write_dir(isolated / "debian", deb_arrays)
    monkeypatch.setattr(data, "DEBIAN_DIR", deb_dir)
    monkeypatch.setenv("FMNIST_DATA_DIR", str(env_dir))
    ds = data.load_fashion_mnist()
    assert ds.source == data.LookedPlace("env", str(env_dir), "used")
    np.testing.assert_array_equal(ds.x_train, env_arrays[data.TRAIN_IMAGES])
    monkeypatch.delenv("FMNIST_DATA_DIR")
    ds = data.load_fashion_mnist()
    assert ds.source == data.LookedPlace("debian", str(deb_dir), "used")
    np.testing.assert_array_equal(ds.x_train, deb_arrays[data.TRAIN_IMAGES])


def test_keras_cache_is_used_before_sample(isolated: Path) -> None:
    cache = write_dir(data.keras_cache_dir(), synthetic_arrays(seed=3))
    ds = data.load_fashion_mnist()
    assert ds.source == data.LookedPlace("keras-cache", str(cache), "used")


def test_download_not_attempted_when_disallowed(isolated: Path, monkeypatch) -> None:
    def fail(*_args, **_kwargs):
        raise AssertionError("network touched although downloads are off")

    monkeypatch.delenv("FMNIST_OFFLINE")
    monkeypatch.setattr(data, "_network_reachable", fail)
    ds = data.load_fashion_mnist(allow_download=False)
    assert ds.looked[-2] == data.LookedPlace(
        "download", data.KERAS_ORIGIN, "skipped: downloads disabled"
    )


def test_download_failure_is_recorded_and_skipped(isolated: Path, monkeypatch) -> None:
    def boom(_home: Path) -> None:
        raise ConnectionError("connection reset")

    monkeypatch.setattr(data, "_network_reachable", lambda *_a, **_k: True)
    monkeypatch.setattr(data, "_keras_download", boom)
    ds = data.load_fashion_mnist(allow_download=True)
    assert ds.looked[-2].outcome == "failed: ConnectionError: connection reset"
    assert ds.is_sample


def test_download_fills_keras_cache(isolated: Path, monkeypatch) -> None:
    arrays = synthetic_arrays(seed=4)
    monkeypatch.setattr(data, "_network_reachable", lambda *_a, **_k: True)
    monkeypatch.setattr(
        data, "_keras_download", lambda home: write_dir(data.keras_cache_dir(), arrays)
    )
    ds = data.load_fashion_mnist(allow_download=True)
    assert ds.source == data.LookedPlace("download", data.KERAS_ORIGIN, "used")
    np.testing.assert_array_equal(ds.y_train, arrays[data.TRAIN_LABELS])


def test_keras_download_calls_get_file_for_each_file(monkeypatch, tmp_path: Path) -> None:
    calls: list[tuple[str, str, str, str]] = []

    def get_file(fname, origin, cache_dir, cache_subdir):
        calls.append((fname, origin, cache_dir, cache_subdir))

    fake_utils = types.ModuleType("keras.utils")
    fake_utils.get_file = get_file
    monkeypatch.setitem(sys.modules, "keras", types.ModuleType("keras"))
    monkeypatch.setitem(sys.modules, "keras.utils", fake_utils)
    data._keras_download(tmp_path)
    sub = os.path.join("datasets", "fashion-mnist")
    assert sorted(calls) == sorted(
        (f"{stem}.gz", f"{data.KERAS_ORIGIN}{stem}.gz", str(tmp_path), sub)
        for stem in data.FILE_STEMS
    )


def test_no_network_skips_download(isolated: Path, monkeypatch) -> None:
    monkeypatch.setattr(data, "_network_reachable", lambda *_a, **_k: False)
    ds = data.load_fashion_mnist(allow_download=True)
    assert ds.looked[-2].outcome.startswith("skipped: no network")


def test_nothing_usable_raises_listing_every_place(isolated: Path, monkeypatch) -> None:
    monkeypatch.setattr(data, "SAMPLE_DIR", isolated / "no-sample")
    with pytest.raises(data.DataError) as info:
        data.load_fashion_mnist()
    message = str(info.value)
    for kind in ("debian", "keras-cache", "download", "sample"):
        assert f"- {kind}: " in message
    assert "skipped: offline" in message
    assert "FMNIST_DATA_DIR" in message


# ----------------------------------------------------------------------------- bundled sample


def test_bundled_sample(isolated: Path) -> None:
    ds = data.load_fashion_mnist()
    assert ds.is_sample
    assert ds.source == data.LookedPlace("sample", str(data.SAMPLE_DIR), "used")
    per_class = len(ds.y_train) // 10
    assert per_class in (500, 600)
    assert ds.x_train.shape == (10 * per_class, 28, 28)
    assert ds.x_test.shape == (1000, 28, 28)
    np.testing.assert_array_equal(np.bincount(ds.y_train, minlength=10), [per_class] * 10)
    np.testing.assert_array_equal(np.bincount(ds.y_test, minlength=10), [100] * 10)
    assert not ds.x_train.flags.writeable
    assert "FMNIST_DATA_DIR" in ds.describe()
    assert ds.describe().startswith(f"Offline sample: {10 * per_class + 1000:,} images")


def test_sample_keeps_original_order(isolated: Path) -> None:
    ds = data.load_fashion_mnist()
    np.testing.assert_array_equal(ds.y_train[:10], [9, 0, 0, 3, 0, 2, 7, 2, 5, 5])
    np.testing.assert_array_equal(ds.y_test[:10], [9, 2, 1, 1, 6, 1, 4, 6, 5, 7])


def test_sample_ships_license_and_stays_small() -> None:
    assert "MIT License" in (data.SAMPLE_DIR / "LICENSE").read_text(encoding="utf-8")
    assert "Zalando" in (data.SAMPLE_DIR / "LICENSE").read_text(encoding="utf-8")
    total = sum(p.stat().st_size for p in data.SAMPLE_DIR.glob("*.gz"))
    assert total < 3.2e6


def test_sample_matches_real_data_subset() -> None:
    source = real_dir()
    if source is None:
        pytest.skip(SKIP_REAL)
    x_full, y_full, _, _ = data.load_dir(source)
    x_s, y_s, _, _ = data.load_dir(data.SAMPLE_DIR)
    per_class = len(y_s) // 10
    idx = np.sort(np.concatenate([np.flatnonzero(y_full == c)[:per_class] for c in range(10)]))
    np.testing.assert_array_equal(y_s, y_full[idx])
    np.testing.assert_array_equal(x_s, x_full[idx])


# ----------------------------------------------------------------------------- real data


def test_real_full_dataset(isolated: Path) -> None:
    source = real_dir()
    if source is None:
        pytest.skip(SKIP_REAL)
    ds = data.load_fashion_mnist(source)
    assert ds.source.kind == "argument" and not ds.is_sample
    assert ds.x_train.shape == (60000, 28, 28) and ds.x_test.shape == (10000, 28, 28)
    assert ds.x_train.dtype == np.uint8
    np.testing.assert_array_equal(ds.y_train[:5], [9, 0, 0, 3, 0])
    np.testing.assert_array_equal(ds.y_test[:5], [9, 2, 1, 1, 6])
    assert abs(float(ds.x_train.mean()) - 72.94) < 0.01
    np.testing.assert_array_equal(np.bincount(ds.y_train, minlength=10), [6000] * 10)
    np.testing.assert_array_equal(np.bincount(ds.y_test, minlength=10), [1000] * 10)
    assert ds.describe() == f"Full dataset from {source} (60,000 train / 10,000 test images)"


def test_real_full_dataset_loads_once_and_read_only() -> None:
    source = real_dir()
    if source is None:
        pytest.skip(SKIP_REAL)
    data._load_cached.cache_clear()
    first = data.load_dir(source)
    again = data.load_dir(source)
    assert all(a is b for a, b in zip(first, again, strict=True))  # cached, not re-read
    assert [a.shape[0] for a in first] == [60000, 60000, 10000, 10000]
    assert not any(a.flags.writeable for a in first)
