"""Build the bundled offline sample in fmnist_viz/data/sample from the full Fashion-MNIST files.

Usage: python scripts/make_sample.py [FULL_DATA_DIR] [--per-class-train N] [--per-class-test N]

FULL_DATA_DIR defaults to $FMNIST_DATA_DIR, else /usr/share/datasets/fashion-mnist.
Takes the first N train and M test images of each class, keeps the original order, and
writes byte-reproducible gzip files (level 9, mtime 0) plus LICENSE and README.md.
"""

from __future__ import annotations

import argparse
import gzip
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from fmnist_viz.data import loading as data  # noqa: E402

SIZE_BUDGET = 3 * 1024 * 1024

LICENSE_TEXT = """\
Fashion-MNIST by Zalando Research (Han Xiao, Kashif Rasul, Roland Vollgraf, 2017).
Upstream: https://github.com/zalandoresearch/fashion-mnist

The MIT License (MIT) Copyright © 2017 Zalando SE, https://tech.zalando.com

Permission is hereby granted, free of charge, to any person obtaining a copy of this software \
and associated documentation files (the “Software”), to deal in the Software without \
restriction, including without limitation the rights to use, copy, modify, merge, publish, \
distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the \
Software is furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or \
substantial portions of the Software.

THE SOFTWARE IS PROVIDED “AS IS”, WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING \
BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND \
NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, \
DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, \
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
"""

README_TEMPLATE = """\
# Bundled Fashion-MNIST sample

A small, class-balanced subset of Fashion-MNIST (Zalando Research, MIT license: see `LICENSE`)
so the app and the tests work offline. `fmnist_viz.data.load_fashion_mnist()` falls back to it
only when no full copy is found; set `FMNIST_DATA_DIR` to a directory with the four full
IDX files to use the whole dataset (60,000 train / 10,000 test images).

| file | images/labels | bytes |
| --- | --- | --- |
{rows}

Contents: the first {n_train} training images of each class ({total_train:,} in all) and the
first {n_test} test images of each class ({total_test:,} in all), taken from the full files in
their original order (the selected indices are sorted, so classes stay mixed as upstream).
Same IDX layout as upstream; gzip level 9 with mtime 0, so the files are byte-reproducible.
{note}
Made with `python scripts/make_sample.py [FULL_DATA_DIR]` (default: `$FMNIST_DATA_DIR`, else
`/usr/share/datasets/fashion-mnist`).
"""


def first_per_class(labels: np.ndarray, per_class: int) -> np.ndarray:
    """Indices of the first `per_class` items of each class, sorted into the original order."""
    picked = [np.flatnonzero(labels == c)[:per_class] for c in range(data.NUM_LABELS)]
    for c, idx in enumerate(picked):
        if len(idx) < per_class:
            raise SystemExit(f"class {c} has only {len(idx)} items, need {per_class}")
    return np.sort(np.concatenate(picked))


def idx_bytes(array: np.ndarray) -> bytes:
    """Serialise a uint8 array as an IDX file (magic 2051 for 3-D images, 2049 for labels)."""
    magic = data.IMAGES_MAGIC if array.ndim == 3 else data.LABELS_MAGIC
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape)
    return header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()


def gz_bytes(payload: bytes) -> bytes:
    """Gzip with level 9 and mtime 0 so the output is byte-reproducible."""
    return gzip.compress(payload, compresslevel=9, mtime=0)


def build_files(source: Path, n_train: int, n_test: int) -> dict[str, bytes]:
    """Return {file name: gz bytes} for the four sample IDX files."""
    x_train, y_train, x_test, y_test = data.load_dir(source)
    tr, te = first_per_class(y_train, n_train), first_per_class(y_test, n_test)
    arrays = {
        data.TRAIN_IMAGES: x_train[tr],
        data.TRAIN_LABELS: y_train[tr],
        data.TEST_IMAGES: x_test[te],
        data.TEST_LABELS: y_test[te],
    }
    return {f"{stem}.gz": gz_bytes(idx_bytes(a)) for stem, a in arrays.items()}


def readme_text(files: dict[str, bytes], n_train: int, n_test: int, note: str) -> str:
    """Render the sample README with the per-file sizes."""
    counts = {"train": n_train * data.NUM_LABELS, "t10k": n_test * data.NUM_LABELS}
    rows = "\n".join(
        f"| `{name}` | {counts[name.split('-')[0]]:,} | {len(blob):,} |"
        for name, blob in files.items()
    )
    return README_TEMPLATE.format(
        rows=rows,
        n_train=n_train,
        n_test=n_test,
        total_train=counts["train"],
        total_test=counts["t10k"],
        note=note,
    )


def write_sample(out_dir: Path, files: dict[str, bytes], readme: str) -> None:
    """Write the gz files, LICENSE and README.md into out_dir."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, blob in files.items():
        (out_dir / name).write_bytes(blob)
    (out_dir / "LICENSE").write_text(LICENSE_TEXT, encoding="utf-8")
    (out_dir / "README.md").write_text(readme, encoding="utf-8")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options."""
    default_dir = os.environ.get("FMNIST_DATA_DIR") or str(data.DEBIAN_DIR)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?", default=default_dir, help="full IDX directory")
    parser.add_argument("--per-class-train", type=int, default=600)
    parser.add_argument("--per-class-test", type=int, default=100)
    parser.add_argument("--out", type=Path, default=data.SAMPLE_DIR)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Build the sample, dropping to 500 train images per class if 600 exceed the budget."""
    args = parse_args(argv)
    n_train, note = args.per_class_train, ""
    files = build_files(Path(args.source), n_train, args.per_class_test)
    if sum(map(len, files.values())) > SIZE_BUDGET and n_train > 500:
        note = f"\n{n_train} per class came to more than 3 MB, so 500 per class are used.\n"
        n_train = 500
        files = build_files(Path(args.source), n_train, args.per_class_test)
    write_sample(args.out, files, readme_text(files, n_train, args.per_class_test, note))
    total = sum(map(len, files.values()))
    print(f"wrote {args.out}: {n_train}/class train, {args.per_class_test}/class test, {total:,} B")


if __name__ == "__main__":
    main()
