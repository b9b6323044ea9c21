"""Find, validate and load Fashion-MNIST from IDX files (`idx`), falling back to a bundled
sample.

A folder the user names (the ``data_dir`` argument, else ``$FMNIST_DATA_DIR``) is used or
refused with the reason for every file: it is never silently swapped for another source.
Only when nothing is named, the search goes: Debian's ``/usr/share/datasets/fashion-mnist``,
the Keras cache, a Keras download into that cache, and finally the small sample shipped in
``fmnist_viz/data/sample``. Keras is imported lazily, only when a download is attempted.
"""

from __future__ import annotations

import functools
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import numpy as np

from fmnist_viz.data.idx import IMAGES_MAGIC as IMAGES_MAGIC
from fmnist_viz.data.idx import LABELS_MAGIC as LABELS_MAGIC
from fmnist_viz.data.idx import NUM_LABELS
from fmnist_viz.data.idx import DataError as DataError
from fmnist_viz.data.idx import read_idx as read_idx

TRAIN_IMAGES = "train-images-idx3-ubyte"
TRAIN_LABELS = "train-labels-idx1-ubyte"
TEST_IMAGES = "t10k-images-idx3-ubyte"
TEST_LABELS = "t10k-labels-idx1-ubyte"
FILE_STEMS: tuple[str, ...] = (TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS)

DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
SAMPLE_DIR = Path(__file__).resolve().parent / "sample"
KERAS_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
KERAS_SUBDIR = os.path.join("datasets", "fashion-mnist")
NETWORK_TIMEOUT_S = 2.0
FULL_COUNTS = (60_000, 10_000)

Arrays = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


@dataclass(frozen=True)
class LookedPlace:
    """One place searched for the data and what happened there."""

    kind: str
    location: str
    outcome: str


@dataclass(frozen=True, eq=False)
class FashionMNIST:
    """The loaded dataset (read-only uint8 arrays) and where it came from."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: LookedPlace
    looked: tuple[LookedPlace, ...]

    @property
    def is_sample(self) -> bool:
        """True when the bundled offline sample was used instead of the full dataset."""
        return self.source.kind == "sample"

    def describe(self) -> str:
        """One human-readable line saying what was loaded and from where."""
        n_train, n_test = len(self.y_train), len(self.y_test)
        if self.is_sample:
            return (
                f"Offline sample: {n_train + n_test:,} images ({n_train:,} train / {n_test:,} test)"
                " — set FMNIST_DATA_DIR for the full set"
            )
        what = "Full dataset" if (n_train, n_test) == FULL_COUNTS else "Dataset"
        verb = "downloaded from" if self.source.kind == "download" else "from"
        return f"{what} {verb} {self.source.location} ({n_train:,} train / {n_test:,} test images)"


# ----------------------------------------------------------------------------- directories


def _locate(directory: Path) -> tuple[dict[str, Path], list[str]]:
    """Map each file stem to its .gz (preferred) or raw path; also list the missing names."""
    found: dict[str, Path] = {}
    missing: list[str] = []
    for stem in FILE_STEMS:
        gz, plain = directory / f"{stem}.gz", directory / stem
        if gz.is_file():
            found[stem] = gz
        elif plain.is_file():
            found[stem] = plain
        else:
            missing.append(f"{stem}.gz")
    return found, missing


def _expect_kind(path: Path, array: np.ndarray, ndim: int) -> None:
    """Require an images file (3-D) or a labels file (1-D) where one is expected."""
    if array.ndim != ndim:
        wanted = "images (magic 2051)" if ndim == 3 else "labels (magic 2049)"
        raise DataError(f"{path}: expected an IDX {wanted} file, got {array.ndim}-D data")


def _check_pair(
    images_path: Path, images: np.ndarray, labels_path: Path, labels: np.ndarray
) -> None:
    """Require an images file and its labels file to agree on the count."""
    _expect_kind(images_path, images, 3)
    _expect_kind(labels_path, labels, 1)
    if len(images) != len(labels):
        raise DataError(
            f"{images_path} has {len(images):,} images but {labels_path} has {len(labels):,} labels"
        )


FILE_KINDS = ("images", "labels", "images", "labels")  # of FILE_STEMS, in order


@functools.lru_cache(maxsize=8)
def _load_cached(paths: tuple[Path, ...], stamps: tuple[tuple[int, int], ...]) -> Arrays:
    """Read and validate the four files; keyed by paths and (mtime, size) so edits reload.

    Every file is checked, and every problem found is reported at once.
    """
    del stamps  # part of the cache key only
    arrays: list[np.ndarray] = []
    problems: list[str] = []
    for path, kind in zip(paths, FILE_KINDS, strict=True):
        try:
            arrays.append(read_idx(path, kind))
        except DataError as exc:
            problems.append(str(exc))
    if problems:
        raise DataError("; ".join(problems))
    x_train, y_train, x_test, y_test = arrays
    _check_pair(paths[0], x_train, paths[1], y_train)
    _check_pair(paths[2], x_test, paths[3], y_test)
    return x_train, y_train, x_test, y_test


def load_dir(directory: str | Path) -> Arrays:
    """Validate the four Fashion-MNIST IDX files in a directory as a set; return the arrays."""
    directory = Path(directory).expanduser().resolve()
    if not directory.is_dir():
        raise DataError(f"{directory}: not a directory")
    found, missing = _locate(directory)
    if missing:
        raise DataError(f"{directory}: missing {', '.join(missing)} (or the same without .gz)")
    paths = tuple(found[stem] for stem in FILE_STEMS)
    stamps = tuple((p.stat().st_mtime_ns, p.stat().st_size) for p in paths)
    return _load_cached(paths, stamps)


# ----------------------------------------------------------------------------- searching


def keras_home() -> Path:
    """Keras's cache root, as Keras picks it: $KERAS_HOME, else ~/.keras."""
    return Path(os.environ.get("KERAS_HOME") or Path.home() / ".keras")


def keras_cache_dir() -> Path:
    """Where Keras keeps Fashion-MNIST: <keras home>/datasets/fashion-mnist."""
    return keras_home() / KERAS_SUBDIR


def candidate_places(data_dir: str | Path | None = None) -> list[tuple[str, str]]:
    """List (kind, location) of every place to look, in search order."""
    places: list[tuple[str, str]] = []
    env_dir = os.environ.get("FMNIST_DATA_DIR")
    if data_dir is not None:
        places.append(("argument", str(Path(data_dir).expanduser())))
    elif env_dir:
        places.append(("env", str(Path(env_dir).expanduser())))
    places += [
        ("debian", str(DEBIAN_DIR)),
        ("keras-cache", str(keras_cache_dir())),
        ("download", KERAS_ORIGIN),
        ("sample", str(SAMPLE_DIR)),
    ]
    return places


def _try_named(location: str) -> tuple[Arrays | None, str]:
    """Try the folder the user named; the outcome says exactly what is wrong with it."""
    directory = Path(location)
    if not directory.exists():
        return None, "it does not exist"
    if not directory.is_dir():
        return None, "it is not a folder"
    missing = _locate(directory)[1]
    if missing:
        return None, f"missing {', '.join(missing)} (or the same without .gz)"
    try:
        return load_dir(directory), "used"
    except DataError as exc:
        return None, str(exc)


def _try_dir(location: str) -> tuple[Arrays | None, str]:
    """Try one directory; return (arrays or None, outcome)."""
    directory = Path(location)
    if not directory.is_dir():
        return None, "not found"
    found, missing = _locate(directory)
    if not found:
        return None, "not found"
    if missing:
        return None, f"incomplete: missing {', '.join(missing)}"
    try:
        return load_dir(directory), "used"
    except DataError as exc:
        return None, f"damaged: {exc}"


def _downloads_allowed(allow_download: bool | None) -> bool:
    """Explicit argument wins; otherwise download unless FMNIST_OFFLINE=1."""
    if allow_download is not None:
        return allow_download
    return os.environ.get("FMNIST_OFFLINE", "") != "1"


def _network_reachable(url: str, timeout: float = NETWORK_TIMEOUT_S) -> bool:
    """Short TCP connect to the URL's host to tell whether a download can work."""
    parsed = urlparse(url)
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        with socket.create_connection((parsed.hostname or "", port), timeout=timeout):
            return True
    except OSError:
        return False


def _keras_download(home: Path) -> None:
    """Fetch the four .gz files into the Keras cache with keras.utils.get_file."""
    from keras.utils import get_file  # lazy: keras pulls in a backend, far too slow for startup

    for stem in FILE_STEMS:
        name = f"{stem}.gz"
        get_file(
            name,
            origin=KERAS_ORIGIN + name,
            cache_dir=str(home),
            cache_subdir=KERAS_SUBDIR,
        )


def _try_download(allow_download: bool | None) -> tuple[Arrays | None, str]:
    """Try a Keras download into the cache; return (arrays or None, outcome)."""
    if not _downloads_allowed(allow_download):
        reason = "offline" if allow_download is None else "downloads disabled"
        return None, f"skipped: {reason}"
    if not _network_reachable(KERAS_ORIGIN):
        return None, f"skipped: no network ({urlparse(KERAS_ORIGIN).hostname} unreachable)"
    try:
        _keras_download(keras_home())
        return load_dir(keras_cache_dir()), "used"
    except DataError as exc:
        return None, f"damaged: {exc}"
    except Exception as exc:  # any download failure means: move on to the next place
        return None, f"failed: {type(exc).__name__}: {exc}"


def _try_place(kind: str, location: str, allow_download: bool | None) -> tuple[Arrays | None, str]:
    """Try one candidate place of any kind."""
    if kind == "download":
        return _try_download(allow_download)
    return _try_dir(location)


def named_place(data_dir: str | Path | None = None) -> tuple[str, str] | None:
    """The place the user named: ('argument', folder) or ('env', $FMNIST_DATA_DIR), else None."""
    if data_dir is not None:
        return "argument", str(Path(data_dir).expanduser())
    env_dir = os.environ.get("FMNIST_DATA_DIR")
    return ("env", str(Path(env_dir).expanduser())) if env_dir else None


def _refused_message(kind: str, location: str, reason: str) -> str:
    """Explain why a named folder cannot be used (and that nothing else was tried)."""
    how = "FMNIST_DATA_DIR" if kind == "env" else "the data folder you named"
    return (
        f"{how} ({location}) cannot be used: {reason}. Nothing else was tried: fix the "
        "folder, or name another one holding the four Fashion-MNIST IDX files "
        f"({', '.join(s + '.gz' for s in FILE_STEMS)})"
    )


def _not_found_message(looked: list[LookedPlace]) -> str:
    """Explain every place tried when none of them had usable data."""
    lines = [f"  - {p.kind}: {p.location} -> {p.outcome}" for p in looked]
    return (
        "No usable Fashion-MNIST data found. Looked in:\n"
        + "\n".join(lines)
        + "\nSet FMNIST_DATA_DIR to a directory holding the four IDX files "
        + f"({', '.join(s + '.gz' for s in FILE_STEMS)})."
    )


def load_fashion_mnist(
    data_dir: str | Path | None = None, *, allow_download: bool | None = None
) -> FashionMNIST:
    """Load Fashion-MNIST from a named folder, else from the first usable place of the search
    order (see the module docstring); DataError saying why when there is none."""
    named = named_place(data_dir)
    if named is not None:
        kind, location = named
        arrays, outcome = _try_named(location)
        place = LookedPlace(kind, location, outcome)
        if arrays is None:
            raise DataError(_refused_message(kind, location, outcome))
        return FashionMNIST(*arrays, source=place, looked=(place,))
    looked: list[LookedPlace] = []
    seen: dict[str, str] = {}
    for kind, location in candidate_places(data_dir):
        key = str(Path(location).resolve()) if kind != "download" else location
        if key in seen:
            looked.append(LookedPlace(kind, location, f"skipped: same place as {seen[key]}"))
            continue
        seen[key] = kind
        arrays, outcome = _try_place(kind, location, allow_download)
        place = LookedPlace(kind, location, outcome)
        looked.append(place)
        if arrays is not None:
            return FashionMNIST(*arrays, source=place, looked=tuple(looked))
    raise DataError(_not_found_message(looked))


def examples_per_class(labels: np.ndarray, n: int = 1) -> list[int]:
    """Indices of the first n images of each class, class by class (fewer when a class has
    fewer)."""
    labels = np.asarray(labels)
    return [int(i) for c in range(NUM_LABELS) for i in np.flatnonzero(labels == c)[:n]]
