"""Test data shared by the engine tests: learnable synthetic images, the real dataset's folder."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
REAL_DIRS = tuple(
    Path(d)
    for d in (os.environ.get("FMNIST_DATA_DIR", ""), ROOT.parent / "shared/data/fashion-mnist")
    if d
)
SKIP_REAL = "full Fashion-MNIST not found ($FMNIST_DATA_DIR or ../shared/data/fashion-mnist)"


def real_dir() -> Path | None:
    """The full Fashion-MNIST folder (CI: ../shared/data/fashion-mnist), if present."""
    return next((d for d in REAL_DIRS if (d / "train-images-idx3-ubyte.gz").is_file()), None)


def block_images(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Noisy images whose class is a bright 10x5 block at a class-dependent place."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, n).astype(np.uint8)
    images = rng.integers(0, 60, (n, 28, 28)).astype(np.uint8)
    for i, label in enumerate(labels):
        row, col = divmod(int(label), 5)
        images[i, 2 + row * 13 : 12 + row * 13, 1 + col * 5 : 6 + col * 5] = 220
    return images, labels
