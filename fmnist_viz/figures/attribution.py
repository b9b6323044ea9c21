"""Attribution figures: a map laid over the grayscale image with a colour bar, and the four
methods side by side.

The overlay's colours fade to transparent at 0, so the image shows through where a method
finds nothing: non-negative maps (Grad-CAM, saliency, SmoothGrad) run from clear to dark red
over [0, max]; occlusion's signed drop runs from blue (covering the patch raises the class's
probability) through clear at 0 to red (covering it lowers the probability), symmetric
around 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import plotly.graph_objects as go

from fmnist_viz import CLASS_NAMES
from fmnist_viz.figures.layout import (
    GRAY,
    MARGIN,
    colorbar,
    image_axes,
    panel_axes,
    panel_layout,
    title_dict,
)

if TYPE_CHECKING:
    from fmnist_viz.seeing import Attribution

HEAT = [
    [0.0, "rgba(255,237,160,0)"],
    [0.15, "rgba(254,178,76,0.35)"],
    [0.5, "rgba(240,59,32,0.7)"],
    [1.0, "rgba(150,0,30,0.92)"],
]
SIGNED = [
    [0.0, "rgba(5,48,97,0.92)"],
    [0.3, "rgba(67,147,195,0.6)"],
    [0.5, "rgba(247,247,247,0)"],
    [0.7, "rgba(214,96,77,0.6)"],
    [1.0, "rgba(103,0,31,0.92)"],
]
UNITS = {
    "grad_cam": "Grad-CAM ({score})",
    "saliency": "|∂ {score} / ∂ pixel|",
    "smoothgrad": "|mean ∂ {score} / ∂ pixel|",
    "occlusion": "drop in p(class)",
}
SINGLE_HEIGHT = 520
PANEL_HEIGHT = 900


def map_range(values: np.ndarray, signed: bool) -> tuple[float, float]:
    """Colour range of a map: [0, max] (or ±max|v| when signed); never empty."""
    top = float(np.max(np.abs(values))) if np.size(values) else 0.0
    top = top if np.isfinite(top) and top > 0 else 1.0
    return (-top, top) if signed else (0.0, top)


SHARED_SCALE_METHODS = ("occlusion",)  # drops in probability: one unit whatever the model


def shared_scale(method: str, maps: Sequence[np.ndarray]) -> tuple[float, float] | None:
    """One colour range for one method's maps from several models when their values share a
    unit (occlusion's signed drops in probability: ±max|v| over all of them); None when each
    map keeps its own (gradients are of each model's own score)."""
    if method not in SHARED_SCALE_METHODS or not maps:
        return None
    return map_range(np.concatenate([np.ravel(m) for m in maps]), signed=True)


def unit_label(method: str, score: str = "logit") -> str:
    """What a method's values are, for its colour bar ('|∂ logit / ∂ pixel|')."""
    return UNITS[method].format(score=score)


def _check(image: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The image and map as 2-D float arrays of the same shape; ValueError otherwise."""
    img = np.squeeze(np.asarray(image, dtype=np.float32))
    heat = np.asarray(values, dtype=np.float32)
    if img.ndim != 2 or heat.shape != img.shape:
        raise ValueError(f"need a 2-D image and a map of its shape, got {img.shape}, {heat.shape}")
    return img, heat


def _traces(
    img: np.ndarray,
    heat: np.ndarray,
    signed: bool,
    unit: str,
    bar: dict[str, Any],
    scale: tuple[float, float] | None,
    axes: dict[str, str],
) -> list[go.Heatmap]:
    """The grayscale image and the semi-transparent map over it, with its colour bar."""
    lo, hi = scale or map_range(heat, signed)
    gray = go.Heatmap(
        z=img,
        colorscale=GRAY,
        zmin=0.0,
        zmax=1.0,
        showscale=False,
        hoverinfo="skip",
        **axes,
    )
    overlay = go.Heatmap(
        z=heat,
        customdata=img,
        colorscale=SIGNED if signed else HEAT,
        zmin=lo,
        zmax=hi,
        colorbar={**bar, "title": {"text": unit, "side": "right", "font": {"size": 11}}},
        hovertemplate="row %{y}, col %{x}<br>pixel %{customdata:.2f}<br>"
        f"{unit}: %{{z:.4g}}<extra></extra>",
        **axes,
    )
    return [gray, overlay]


def overlay_figure(
    image: np.ndarray,
    values: np.ndarray,
    title: str,
    unit: str,
    signed: bool = False,
    scale: tuple[float, float] | None = None,
    height: int = SINGLE_HEIGHT,
) -> go.Figure:
    """A 2-D map over the grayscale image (white = 1), with a colour bar titled `unit`.

    `signed` maps are coloured symmetric around 0; `scale` fixes the colour range (e.g. one
    range for two runs), by default the map's own.
    """
    img, heat = _check(image, values)
    traces = _traces(img, heat, signed, unit, colorbar(1.02), scale, panel_axes(0))
    layout = {
        "title": title_dict(title),
        "height": height,
        "margin": {**MARGIN, "r": 40},
        **image_axes(img.shape[1], img.shape[0], constraintoward="right"),
    }
    return go.Figure(data=traces, layout=layout)


def describe(result: Attribution) -> str:
    """A short title for a result: method, layer, class with its probability, largest value."""
    layer = f" · {result.layer}" if result.layer else ""
    cls = f"{CLASS_NAMES[result.target]} (p = {result.probability:.1%})"
    if result.empty:
        return f"{result.title}{layer} · {cls} · {_nothing(result)}"
    if result.method == "occlusion":
        d = result.details
        low, high = float(result.map.min()), float(result.map.max())
        size = f" · {d['patch']}×{d['patch']}, stride {d['stride']}" if "patch" in d else ""
        return f"{result.title}{size} · {cls} · drop {low:+.3f} to {high:+.3f}"
    return f"{result.title}{layer} · {cls} · max {float(result.map.max()):.3g}"


def attribution_figure(
    image: np.ndarray,
    result: Attribution,
    title: str | None = None,
    scale: tuple[float, float] | None = None,
    height: int = SINGLE_HEIGHT,
) -> go.Figure:
    """One method's result over the image, titled and with its units on the colour bar."""
    return overlay_figure(
        image,
        result.map,
        title or describe(result),
        unit_label(result.method, result.score),
        signed=result.method == "occlusion",
        scale=scale,
        height=height,
    )


def methods_panel(
    image: np.ndarray, results: Sequence[Attribution], title: str = "", cols: int = 2
) -> go.Figure:
    """Several results (e.g. the four methods) over the same image in a grid, each with its own
    colour bar and units, titled with its method and largest value."""
    if not results:
        raise ValueError("methods_panel needs at least one result")
    img = _check(image, results[0].map)[0]
    cols = max(1, min(cols, len(results)))
    rows = -(-len(results) // cols)
    titles = [_panel_title(r) for r in results]
    layout = panel_layout(titles, (rows, cols), [img.shape] * len(results))
    for i, note in enumerate(layout["annotations"]):  # each image by its colour bar, however
        layout[panel_axes(i)["xaxis"].replace("x", "xaxis")]["constraintoward"] = "right"
        note.update(x=layout[panel_axes(i)["xaxis"].replace("x", "xaxis")]["domain"][1])
        note.update(xanchor="right")  # the title over its image (wide pages included)
    traces: list[go.Heatmap] = []
    for i, result in enumerate(results):
        _, heat = _check(img, result.map)
        r, c = divmod(i, cols)
        x1 = (c + 1) / cols - 0.08
        y0, y1 = 1 - (r + 1) / rows + 0.02, 1 - r / rows - 0.06
        bar = colorbar(x1 + 0.005, y=(y0 + y1) / 2, length=(y1 - y0) * 0.95)
        unit = unit_label(result.method, result.score)
        signed = result.method == "occlusion"
        traces += _traces(img, heat, signed, unit, bar, None, panel_axes(i))
    layout.update(
        title=title_dict(title),
        height=PANEL_HEIGHT if rows > 1 else PANEL_HEIGHT // 2 + 60,
        margin={**MARGIN, "t": 60 if title else 30},
    )
    return go.Figure(data=traces, layout=layout)


def _panel_title(result: Attribution) -> str:
    """A panel's short title: method (and layer), and its value range."""
    layer = f" · {result.layer}" if result.layer else ""
    if result.empty:
        return f"{result.title}{layer}: {_nothing(result)}"
    if result.method == "occlusion":
        return f"{result.title}: {float(result.map.min()):+.3f} to {float(result.map.max()):+.3f}"
    return f"{result.title}{layer}: max {float(result.map.max()):.3g}"


def _nothing(result: Attribution) -> str:
    """What an empty map means, in two or three words."""
    return "no patch changes p" if result.method == "occlusion" else "0 everywhere"
