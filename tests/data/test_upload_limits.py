"""Tests for the bounds fmnist_viz.data.uploads puts on an upload: a picture too big to decode is
refused before decoding, big photos are shrunk early (orientation kept), and every accepted
upload adds less than 100 MB (measured in a fresh process)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from fmnist_viz.data import PREVIEW_SIDE, ImageError, convert_upload
from fmnist_viz.data.uploads import MAX_UPLOAD_BYTES
from tests.image_support import assert_fashion_mnist_like, bright_box, drawing, encode

ROOT = Path(__file__).resolve().parents[2]


def test_orientation_survives_the_early_shrink_of_a_big_photo() -> None:
    tall = drawing((3000, 6000), (900, 300, 2070, 5670), "black", "white")
    exif = Image.Exif()
    exif[0x0112] = 6
    result = convert_upload(encode(tall, "JPEG", exif=exif, quality=70))
    height, width = bright_box(result.array)
    assert width > height  # turned upright although it was shrunk first
    assert result.original_size == (3000, 6000)
    assert result.preview.size[0] > result.preview.size[1]  # the preview is upright too
    assert max(result.preview.size) == PREVIEW_SIDE and result.preview.mode == "RGBA"


def test_a_picture_too_big_to_decode_is_refused_before_decoding(monkeypatch) -> None:
    sixteen = Image.fromarray(np.zeros((6320, 6320), dtype=np.uint16))
    data = encode(sixteen)  # a small file: zeros compress to almost nothing
    assert len(data) < MAX_UPLOAD_BYTES
    decoded = []
    monkeypatch.setattr(Image.Image, "load", lambda self: decoded.append(self) or None)
    with pytest.raises(
        ImageError, match=r"6320 × 6320 pixels \(I;16\): decoding it would take 76 MB"
    ):
        convert_upload(data)
    assert decoded == []


def test_a_big_jpeg_is_decoded_at_a_reduced_scale() -> None:
    photo = drawing((8000, 5000), (2000, 1000, 6000, 4000), "white", "black")
    result = convert_upload(encode(photo, "JPEG", quality=50))
    assert result.original_size == (8000, 5000)
    assert_fashion_mnist_like(result)


PEAK_SCRIPT = """
import sys
from fmnist_viz.data.uploads import convert_upload

def status(key):  # VmHWM is the peak of this process alone (ru_maxrss survives exec)
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith(key))

data = open(sys.argv[1], "rb").read()
base = status("VmRSS")
convert_upload(data)
print((status("VmHWM") - base) / 1024)
"""


def _big_pictures(folder: Path) -> dict[str, Path]:
    """Accepted uploads near the limits: 16-bit and RGB PNGs, a huge JPEG, a big GIF."""
    ramp = np.add.outer(np.arange(4800), np.arange(4800))  # 4800² of 16-bit gray: 44 MB
    pictures = {
        "png16": (Image.fromarray((ramp * 5).astype(np.uint16)), "PNG"),
        "png-rgb": (Image.fromarray((ramp[:3400, :3400] % 251).astype(np.uint8)), "PNG"),
        "jpeg": (Image.fromarray((ramp % 241).astype(np.uint8)).resize((8000, 5000)), "JPEG"),
        "gif": (Image.fromarray((ramp[:3400, :3400] % 199).astype(np.uint8)), "GIF"),
    }
    paths = {}
    for name, (image, fmt) in pictures.items():
        paths[name] = folder / f"{name}.{fmt.lower()}"
        (image.convert("RGB") if name == "png-rgb" else image).save(paths[name], fmt)
    return paths


@pytest.mark.slow
def test_accepted_uploads_add_less_than_100_mb(tmp_path: Path) -> None:
    for name, path in _big_pictures(tmp_path).items():
        assert path.stat().st_size < MAX_UPLOAD_BYTES, name
        out = subprocess.run(
            [sys.executable, "-c", PEAK_SCRIPT, str(path)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        extra_mb = float(out.stdout.strip().splitlines()[-1])
        assert extra_mb < 100, (name, extra_mb)
