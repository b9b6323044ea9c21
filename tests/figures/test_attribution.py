"""Attribution figures: the map over the grayscale image with a colour bar, signed and fixed
colour ranges, empty maps, and the four methods in one panel."""

from __future__ import annotations

import numpy as np
import pytest

from fmnist_viz.figures import attribution_figure, map_range, methods_panel, shared_scale
from fmnist_viz.figures.attribution import HEAT, SIGNED, describe, overlay_figure, unit_label
from fmnist_viz.seeing import ATTRIBUTION_METHODS, Attribution

RNG = np.random.default_rng(0)
IMAGE = RNG.uniform(0, 1, (28, 28)).astype(np.float32)


def _result(method: str, values: np.ndarray, **extra) -> Attribution:
    layer = "conv2" if method == "grad_cam" else None
    score = "probability" if method == "occlusion" else "logit"
    details = {"patch": 4, "stride": 2} if method == "occlusion" else {}
    return Attribution(method, values, 9, 0.873, 9, score, layer, details=details, **extra)


def _alpha(color: str) -> float:
    return float(color.rsplit(",", 1)[1].rstrip(")"))


def test_overlay_puts_a_semi_transparent_map_over_the_gray_image() -> None:
    heat = RNG.uniform(0, 2.5, (28, 28)).astype(np.float32)
    fig = overlay_figure(IMAGE, heat, "title", "|∂ logit / ∂ pixel|")
    gray, overlay = fig.data
    assert gray.colorscale == ((0.0, "rgb(0,0,0)"), (1.0, "rgb(255,255,255)"))  # 1 is white
    assert (gray.zmin, gray.zmax, gray.showscale) == (0.0, 1.0, False)
    np.testing.assert_array_equal(np.asarray(gray.z), IMAGE)
    np.testing.assert_array_equal(np.asarray(overlay.z), heat)
    assert overlay.zmin == 0 and overlay.zmax == pytest.approx(float(heat.max()))
    alphas = [_alpha(c) for _, c in overlay.colorscale]
    assert alphas[0] == 0 and alphas == sorted(alphas) and 0.5 < alphas[-1] < 1  # see-through
    assert overlay.colorbar.title.text == "|∂ logit / ∂ pixel|"
    np.testing.assert_array_equal(np.asarray(overlay.customdata), IMAGE)  # pixel on hover
    assert fig.layout.yaxis.range == (27.5, -0.5)  # row 0 on top
    assert fig.layout.yaxis.scaleanchor == "x"  # square pixels


def test_signed_maps_are_symmetric_and_clear_at_zero() -> None:
    heat = np.zeros((28, 28), np.float32)
    heat[3, 4], heat[10, 10] = -0.2, 0.5
    overlay = overlay_figure(IMAGE, heat, "t", "drop in p(class)", signed=True).data[1]
    assert (overlay.zmin, overlay.zmax) == (-0.5, 0.5)
    middle = next(c for v, c in overlay.colorscale if v == 0.5)
    assert _alpha(middle) == 0  # 0 drop: the image shows through
    assert overlay.colorscale == tuple(tuple(s) for s in SIGNED)
    fixed = overlay_figure(IMAGE, heat, "t", "u", signed=True, scale=(-2.0, 2.0)).data[1]
    assert (fixed.zmin, fixed.zmax) == (-2.0, 2.0)


def test_map_range_is_never_empty_and_shapes_are_checked() -> None:
    assert map_range(np.zeros((28, 28)), signed=False) == (0.0, 1.0)
    assert map_range(np.array([[-3.0, 1.0]]), signed=True) == (-3.0, 3.0)
    with pytest.raises(ValueError, match="map of its shape"):
        overlay_figure(IMAGE, np.zeros((14, 14)), "t", "u")


def test_result_figures_name_method_layer_class_and_units() -> None:
    cam = _result("grad_cam", np.linspace(0, 3, 784, dtype=np.float32).reshape(28, 28))
    fig = attribution_figure(IMAGE, cam)
    assert fig.layout.title.text == "Grad-CAM · conv2 · Ankle boot (p = 87.3%) · max 3"
    assert fig.data[1].colorbar.title.text == "Grad-CAM (logit)"
    assert fig.data[1].colorscale == tuple(tuple(s) for s in HEAT)
    occ = _result("occlusion", np.full((28, 28), 0.25, np.float32))
    assert "4×4, stride 2" in describe(occ) and "drop +0.250 to +0.250" in describe(occ)
    assert attribution_figure(IMAGE, occ).data[1].zmin == -0.25  # signed
    empty = _result("saliency", np.zeros((28, 28), np.float32))
    assert describe(empty).endswith("0 everywhere")
    assert unit_label("saliency", "log-probability") == "|∂ log-probability / ∂ pixel|"


def test_methods_panel_has_the_four_methods_each_with_its_colour_bar() -> None:
    maps = [RNG.uniform(0, 1, (28, 28)).astype(np.float32) for _ in ATTRIBUTION_METHODS]
    maps[3] = maps[3] - 0.5  # occlusion is signed
    results = [_result(m, v) for m, v in zip(ATTRIBUTION_METHODS, maps, strict=True)]
    fig = methods_panel(IMAGE, results, title="Input: test image #0")
    assert len(fig.data) == 8
    axes = [(t.xaxis, t.yaxis) for t in fig.data]
    assert axes == [(x, y) for x, y in [("x", "y"), ("x2", "y2"), ("x3", "y3"), ("x4", "y4")]
                    for _ in range(2)]  # fmt: skip
    overlays = fig.data[1::2]
    for overlay, values in zip(overlays, maps, strict=True):
        np.testing.assert_array_equal(np.asarray(overlay.z), values)
    assert overlays[3].zmin == -overlays[3].zmax  # occlusion symmetric, the others from 0
    assert all(o.zmin == 0 for o in overlays[:3])
    units = [o.colorbar.title.text for o in overlays]
    assert units == ["Grad-CAM (logit)", "|∂ logit / ∂ pixel|", "|mean ∂ logit / ∂ pixel|",
                     "drop in p(class)"]  # fmt: skip
    bars = {(round(o.colorbar.x, 3), round(o.colorbar.y, 3)) for o in overlays}
    assert len(bars) == 4  # one colour bar beside each panel
    for i, overlay in enumerate(overlays):  # each bar just right of its own panel
        domain = fig.layout[f"xaxis{i + 1 if i else ''}"].domain
        assert domain[1] < overlay.colorbar.x < domain[1] + 0.05
    titles = [a.text for a in fig.layout.annotations]
    assert titles[0].startswith("Grad-CAM · conv2: max") and titles[3].startswith("Occlusion: ")
    assert fig.layout.title.text == "Input: test image #0"


def test_methods_panel_of_three_and_bad_input() -> None:
    results = [_result(m, np.ones((28, 28), np.float32)) for m in ATTRIBUTION_METHODS[1:]]
    fig = methods_panel(IMAGE, results, cols=3)
    assert len(fig.data) == 6 and len(fig.layout.annotations) == 3
    with pytest.raises(ValueError, match="at least one"):
        methods_panel(IMAGE, [])
    with pytest.raises(ValueError, match="map of its shape"):
        methods_panel(IMAGE[:14], results)


def test_occlusion_maps_of_two_runs_share_one_signed_scale() -> None:
    a = np.array([[0.1, -0.3], [0.0, 0.2]])
    b = np.array([[0.05, 0.4], [-0.1, 0.0]])
    top = np.abs(np.concatenate([a.ravel(), b.ravel()])).max()  # NumPy reference: 0.4
    assert shared_scale("occlusion", [a, b]) == pytest.approx((-top, top))
    assert shared_scale("occlusion", [np.zeros((2, 2))] * 2) == (-1.0, 1.0)  # never empty


@pytest.mark.parametrize("method", ["grad_cam", "saliency", "smoothgrad"])
def test_gradient_maps_keep_their_own_scale(method: str) -> None:
    assert shared_scale(method, [np.ones((2, 2)), np.ones((2, 2))]) is None
