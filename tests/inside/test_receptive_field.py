"""Receptive fields: a hand computation for Model 2's conv/pool stack, and an independent NumPy
reference (which input pixels each position really depends on) for an awkward stack."""

from __future__ import annotations

import numpy as np
import pytest

from fmnist_viz.inside import layer_fields
from fmnist_viz.inside.receptive_field import Window, fields, output_size, pads
from fmnist_viz.models import normalize, with_auto_flatten
from tests.probe_support import CUSTOM, windows


def test_model2_fields_match_a_hand_computation(model2_prober) -> None:
    got = layer_fields(model2_prober.layers)
    assert list(got) == ["conv1", "pool1", "conv2", "pool2", "dropout1"]  # stops at Flatten
    # conv1 3x3 'same': position r sees rows r-1..r+1.
    # pool1 2x2/2: conv1 rows 2r..2r+1 -> input rows 2r-1..2r+2.
    # conv2 2x2 'same' (TensorFlow pads after: pool1 rows r..r+1) -> input rows 2r-1..2r+4.
    # pool2 2x2/2: conv2 rows 2r..2r+1 -> input rows 4r-1..4r+6; dropout keeps the field.
    expected = {
        "conv1": ((3, 3), (1, 1), (-1, -1), (28, 28)),
        "pool1": ((4, 4), (2, 2), (-1, -1), (14, 14)),
        "conv2": ((6, 6), (2, 2), (-1, -1), (14, 14)),
        "pool2": ((8, 8), (4, 4), (-1, -1), (7, 7)),
        "dropout1": ((8, 8), (4, 4), (-1, -1), (7, 7)),
    }
    for name, (size, jump, start, shape) in expected.items():
        field = got[name]
        assert (field.size, field.jump, field.start, field.map_size) == (size, jump, start, shape)
    assert got["conv1"].box(0, 0) == (0, 1, 0, 1)  # cut at the image's edge
    assert got["conv1"].box(5, 9) == (4, 6, 8, 10)
    assert got["conv2"].box(0, 0) == (0, 4, 0, 4)
    assert got["conv2"].box(6, 3) == (11, 16, 5, 10)
    assert got["conv2"].box(13, 13) == (25, 27, 25, 27)
    assert got["pool2"].box(3, 2) == (11, 18, 7, 14)
    assert got["pool2"].box(6, 6) == (23, 27, 23, 27)


def test_map_sizes_equal_the_models_output_shapes(model2_prober, custom_prober) -> None:
    for prober in (model2_prober, custom_prober):
        got = layer_fields(prober.layers)
        for layer in prober.layers:
            if layer.name in got:
                assert got[layer.name].map_size == tuple(layer.output.shape[1:3]), layer.name


def _dependencies(spec: dict) -> dict[str, np.ndarray]:
    """For every map layer of a spec: (h, w, 784) booleans, which input pixels each position
    depends on, by sliding each window over the previous layer's dependencies (no formula)."""
    full, _ = with_auto_flatten(normalize(spec))
    dep = np.eye(28 * 28, dtype=bool).reshape(28, 28, 28 * 28)
    out = {}
    for layer in full["layers"]:
        kind = layer["type"]
        if kind == "flatten":
            break
        if kind == "conv2d":
            size, stride = layer["kernel_size"], layer["strides"]
        elif kind in ("maxpool2d", "avgpool2d"):
            size, stride = layer["pool_size"], layer.get("strides") or layer["pool_size"]
        else:
            out[layer["name"]] = dep
            continue
        win = windows(dep, size, stride, layer["padding"], False)  # (oh, ow, 784, k, k)
        dep = win.any(axis=(-2, -1))
        out[layer["name"]] = dep
    return out


def test_fields_equal_the_pixels_each_position_depends_on(custom_prober) -> None:
    # CUSTOM: stride-2 'valid' conv, 'same' average pool on an odd map, an even 'same' kernel,
    # an odd 'same' max pool with stride 2, then a 'valid' average pool.
    got = layer_fields(custom_prober.layers)
    deps = _dependencies(CUSTOM)
    assert set(deps) <= set(got)
    for name, dep in deps.items():
        field = got[name]
        assert dep.shape[:2] == field.map_size, name
        for r in range(dep.shape[0]):
            for c in range(dep.shape[1]):
                seen = dep[r, c].reshape(28, 28)
                rows, cols = np.flatnonzero(seen.any(axis=1)), np.flatnonzero(seen.any(axis=0))
                box = (rows[0], rows[-1], cols[0], cols[-1])
                assert field.box(r, c) == box, (name, r, c)
                assert seen.sum() == (box[1] - box[0] + 1) * (box[3] - box[2] + 1)  # a full box


def test_pads_and_sizes_follow_tensorflow() -> None:
    assert pads(28, 3, 1, "same") == (1, 1)
    assert pads(14, 2, 1, "same") == (0, 1)  # the extra pixel goes after
    assert pads(13, 3, 2, "same") == (1, 1)
    assert pads(13, 2, 2, "same") == (0, 1)
    assert pads(28, 3, 1, "valid") == (0, 0)
    assert output_size(13, 3, 2, "valid") == 6
    assert output_size(13, 2, 2, "same") == 7
    with pytest.raises(ValueError, match="Unknown padding"):
        pads(28, 3, 1, "causal")


def test_dilation_and_bad_positions() -> None:
    got = fields([("conv", Window((3, 3), (1, 1), "valid", (2, 2)))])["conv"]
    assert got.size == (5, 5) and got.map_size == (24, 24)
    assert got.box(0, 0) == (0, 4, 0, 4)
    with pytest.raises(ValueError, match="outside"):
        got.box(24, 0)
