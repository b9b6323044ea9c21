"""The IDX file format of (Fashion-)MNIST: parse and validate one file, raw or gzipped.

Every problem is a `DataError` that names the file and says what is wrong with it (magic
number, element type, dimensions, truncation, labels outside 0..9).
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import numpy as np

IMAGES_MAGIC = 2051
LABELS_MAGIC = 2049
UBYTE_CODE = 0x08
IMAGE_SIDE = 28
NUM_LABELS = 10


class DataError(Exception):
    """A data file or directory is missing or damaged; the message names it and says why."""


def _read_bytes(path: Path) -> bytes:
    """Return the file's IDX bytes, gunzipping when the name ends in .gz."""
    try:
        blob = path.read_bytes()
    except FileNotFoundError as exc:
        raise DataError(f"{path}: file not found") from exc
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc})") from exc
    if path.suffix != ".gz":
        return blob
    try:
        return gzip.decompress(blob)
    except EOFError as exc:
        raise DataError(f"{path}: truncated gzip stream ({exc})") from exc
    except (OSError, zlib.error) as exc:
        raise DataError(f"{path}: not a valid gzip file ({exc})") from exc


def _parse_header(path: Path, raw: bytes) -> tuple[int, tuple[int, ...]]:
    """Check the IDX magic and return (header length, dimensions)."""
    if len(raw) < 4:
        raise DataError(f"{path}: too short for an IDX header ({len(raw)} bytes)")
    magic = int.from_bytes(raw[:4], "big")
    if magic not in (IMAGES_MAGIC, LABELS_MAGIC):
        raise DataError(
            f"{path}: bad magic number {magic} (expected {IMAGES_MAGIC} for images "
            f"or {LABELS_MAGIC} for labels)"
        )
    if raw[2] != UBYTE_CODE:
        raise DataError(f"{path}: element type 0x{raw[2]:02x} is not unsigned byte (0x08)")
    ndim = raw[3]
    header_len = 4 + 4 * ndim
    if len(raw) < header_len:
        raise DataError(f"{path}: header truncated ({len(raw)} of {header_len} bytes)")
    dims = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    return header_len, dims


def _check_dims(path: Path, magic: int, dims: tuple[int, ...]) -> None:
    """Require (N, 28, 28) for image files and (N,) for label files."""
    if magic == IMAGES_MAGIC and (len(dims) != 3 or dims[1:] != (IMAGE_SIDE, IMAGE_SIDE)):
        raise DataError(
            f"{path}: images must be N x 28 x 28, header says {' x '.join(map(str, dims))}"
        )
    if magic == LABELS_MAGIC and len(dims) != 1:
        raise DataError(f"{path}: labels must be 1-D, header says {len(dims)} dimensions")


KINDS = {"images": IMAGES_MAGIC, "labels": LABELS_MAGIC}


def read_idx(path: str | Path, kind: str | None = None) -> np.ndarray:
    """Parse and validate one IDX file (.gz or raw); return a read-only uint8 array.

    With `kind` ('images' or 'labels') the file must be of that kind: a labels file where an
    images file belongs is reported as such, before its size is looked at.
    """
    path = Path(path)
    raw = _read_bytes(path)
    header_len, dims = _parse_header(path, raw)
    magic = int.from_bytes(raw[:4], "big")
    if kind is not None and magic != KINDS[kind]:
        other = next(k for k, m in KINDS.items() if m == magic)
        raise DataError(
            f"{path}: is an IDX {other} file (magic {magic}), but an {kind} file "
            f"(magic {KINDS[kind]}) belongs here"
        )
    _check_dims(path, magic, dims)
    expected = int(np.prod(dims, dtype=np.int64))
    actual = len(raw) - header_len
    if actual != expected:
        problem = "truncated" if actual < expected else "has trailing bytes"
        raise DataError(
            f"{path}: {problem}: header declares {dims[0]:,} items ({expected:,} bytes of data), "
            f"file has {actual:,}"
        )
    array = np.frombuffer(raw, dtype=np.uint8, offset=header_len).reshape(dims)
    if magic == LABELS_MAGIC and array.size and int(array.max()) >= NUM_LABELS:
        bad = int(np.argmax(array >= NUM_LABELS))
        raise DataError(f"{path}: label {int(array[bad])} at index {bad} is outside 0..9")
    array.flags.writeable = False
    return array
