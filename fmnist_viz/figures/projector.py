"""Figures for a projector: larger text, thicker lines, taller plots and colour scales that
survive a washed-out image.

`for_projector(fig)` is pure: it returns a restyled copy and leaves the figure it is given as it
was. Sizes the figure set itself are scaled; sizes it left to Plotly's defaults get the
projector's defaults.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

FONT_SCALE = 1.6  # explicit font sizes are multiplied by this
BASE_FONT = 20  # Plotly's default is 12 px
MIN_FONT = 16  # no text smaller than this on a projector
LINE_SCALE = 1.8
MIN_LINE = 3.0
MARKER_SCALE = 1.4
HEIGHT_SCALE = 1.25
DEFAULT_HEIGHT = 450  # Plotly's height when a figure does not set one
MAX_HEIGHT = 1000  # a taller figure does not fit on a 1080-line projector image at once
# Viridis' dark purple and yellow-green fade to the same grey on a washed-out projector;
# Plasma runs from deep blue to bright yellow through saturated magenta and orange.
PROJECTOR_SEQUENTIAL = "Plasma"
VIRIDIS_ENDS = ("#440154", "#fde725")  # Plotly stores a named scale as its colour list


def font_size(size: float | None, default: float = BASE_FONT) -> float:
    """A font size for the projector: scaled when the figure set one, never below MIN_FONT."""
    if size is None:
        return default
    return max(MIN_FONT, round(size * FONT_SCALE))


def _scaled(value: float | None, scale: float, floor: float, default: float | None) -> float | None:
    if value is None:
        return default
    if value == 0:  # a hidden line (e.g. the edge of a band) stays hidden
        return 0
    return max(floor, value * scale)


def _ink(font: Any, color: str | None) -> None:
    """Give a font `color` unless the figure coloured it itself."""
    if color is not None and font.color is None:
        font.color = color


def _restyle_trace(trace: Any, text_color: str | None) -> None:
    """Thicker lines, bigger markers and text, projector colour scales, for one trace."""
    if "line" in trace and trace.type in ("scatter", "scattergl"):
        trace.line.width = _scaled(trace.line.width, LINE_SCALE, MIN_LINE, MIN_LINE)
    if "marker" in trace and trace.type in ("scatter", "scattergl"):
        size = trace.marker.size
        if isinstance(size, int | float):
            trace.marker.size = size * MARKER_SCALE
        elif size is None and (trace.mode or "").find("markers") >= 0:
            trace.marker.size = 6 * MARKER_SCALE + 1
    if "textfont" in trace:
        size = trace.textfont.size
        if size is None or isinstance(size, int | float):
            trace.textfont.size = font_size(size, BASE_FONT - 2)
    if "colorscale" in trace and _is_viridis(trace.colorscale):
        trace.colorscale = PROJECTOR_SEQUENTIAL
    if "colorbar" in trace and trace.colorbar is not None:
        bar = trace.colorbar
        bar.tickfont.size = font_size(bar.tickfont.size, MIN_FONT)
        bar.title.font.size = font_size(bar.title.font.size, MIN_FONT)
        _ink(bar.tickfont, text_color)
        _ink(bar.title.font, text_color)
        if bar.thickness is not None:
            bar.thickness = bar.thickness * 1.6


def _is_viridis(colorscale: Any) -> bool:
    """Is this Viridis (the app's sequential scale)? Other scales (grey images, the diverging
    red-blue) are kept: they already run from a dark to a light end or through white."""
    if not isinstance(colorscale, tuple | list) or len(colorscale) < 2:
        return False
    first, last = str(colorscale[0][1]).lower(), str(colorscale[-1][1]).lower()
    return first == VIRIDIS_ENDS[0] and last == VIRIDIS_ENDS[1]


def _restyle_annotations(fig: go.Figure) -> None:
    for annotation in fig.layout.annotations or ():
        annotation.font.size = font_size(annotation.font.size, BASE_FONT)


def _restyle_margins(fig: go.Figure) -> None:
    """Margins the figure set grow with its text (titles above, tick labels and notes beside)."""
    margin = fig.layout.margin
    for side in ("t", "b", "l", "r"):
        if margin[side] is not None:
            margin[side] = round(margin[side] * FONT_SCALE)


def _restyle_shapes(fig: go.Figure) -> None:
    """Thicker reference lines (e.g. a line at 0). Outlines (rectangles) keep their width: a
    thicker frame around one small cell would hide the cell."""
    for shape in fig.layout.shapes or ():
        if shape.type != "rect":
            shape.line.width = _scaled(shape.line.width, LINE_SCALE, MIN_LINE / 2, None)


def _restyle_axes(fig: go.Figure, text_color: str | None) -> None:
    """Larger tick labels and axis titles on every axis, in `text_color` (the app's theme
    draws them in a light grey a projector washes out)."""
    for name in dir(fig.layout):
        if name.startswith(("xaxis", "yaxis")) and fig.layout[name] is not None:
            axis = fig.layout[name]
            axis.tickfont.size = font_size(axis.tickfont.size, BASE_FONT - 2)
            axis.title.font.size = font_size(axis.title.font.size, BASE_FONT)
            _ink(axis.tickfont, text_color)
            _ink(axis.title.font, text_color)


def for_projector(fig: go.Figure, text_color: str | None = None) -> go.Figure:
    """A copy of `fig` restyled to be read from the back of a room on a projector.

    `text_color`, when given, is the colour of text the figure did not colour itself (a
    projector washes out the light greys of the default theme).
    """
    out = go.Figure(fig)
    layout = out.layout
    layout.font.size = font_size(layout.font.size, BASE_FONT)
    _ink(layout.font, text_color)
    layout.title.font.size = font_size(layout.title.font.size, BASE_FONT + 4)
    layout.legend.font.size = font_size(layout.legend.font.size, BASE_FONT - 2)
    layout.hoverlabel.font.size = font_size(layout.hoverlabel.font.size, BASE_FONT)
    height = layout.height if layout.height is not None else DEFAULT_HEIGHT
    layout.height = max(height, min(MAX_HEIGHT, round(height * HEIGHT_SCALE)))  # never shrunk
    _restyle_margins(out)
    _restyle_axes(out, text_color)
    _restyle_annotations(out)
    _restyle_shapes(out)
    for trace in out.data:
        _restyle_trace(trace, text_color)
    return out
