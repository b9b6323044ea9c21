"""Tests for fmnist_viz.figures.projector: a restyled copy for a projector, the figure it was
given left as it was."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from fmnist_viz.figures import channel_grid, for_projector, probability_bars
from fmnist_viz.figures.layout import DIVERGING, SEQUENTIAL
from fmnist_viz.figures.projector import (
    BASE_FONT,
    DEFAULT_HEIGHT,
    FONT_SCALE,
    HEIGHT_SCALE,
    MAX_HEIGHT,
    MIN_FONT,
    MIN_LINE,
    PROJECTOR_SEQUENTIAL,
    font_size,
)

RNG = np.random.default_rng(0)


def _curves() -> go.Figure:
    """Two panels of lines, one hidden band edge, a title, an annotation, a line at 0."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("left", "right"))
    fig.add_trace(go.Scatter(y=[1, 2, 3], mode="lines+markers", line={"width": 2}), 1, 1)
    fig.add_trace(go.Scatter(y=[3, 2], line={"width": 0}, fill="tonexty"), 1, 1)
    fig.add_trace(go.Scatter(y=[2, 2], mode="lines", marker={"size": 5}), 1, 2)
    fig.add_hline(y=0, line={"width": 1})
    fig.update_layout(
        title={"text": "curves", "font": {"size": 14}},
        legend={"font": {"size": 6}},
        margin={"t": 50, "l": 40, "r": 20, "b": 30},
    )
    fig.update_xaxes(tickfont={"size": 11}, title_text="epoch")
    return fig


def _heatmap(colorscale: str, z: np.ndarray | None = None) -> go.Figure:
    z = RNG.uniform(size=(4, 4)) if z is None else z
    return go.Figure(go.Heatmap(z=z, colorscale=colorscale, colorbar={"thickness": 10}))


def test_font_size_scales_set_sizes_and_never_goes_below_the_minimum() -> None:
    assert font_size(None) == BASE_FONT
    assert font_size(None, 17) == 17
    assert font_size(20) == round(20 * FONT_SCALE)
    assert font_size(6) == MIN_FONT  # 6 x 1.6 would still be too small


def test_text_is_larger_everywhere_and_never_below_min_font() -> None:
    fig = _curves()
    out = for_projector(fig)
    assert out.layout.font.size == BASE_FONT  # Plotly's default is 12
    assert out.layout.title.font.size == round(14 * FONT_SCALE)
    assert out.layout.legend.font.size == MIN_FONT  # 6 set by the figure: raised to the floor
    for axis in (out.layout.xaxis, out.layout.xaxis2, out.layout.yaxis, out.layout.yaxis2):
        assert axis.tickfont.size >= MIN_FONT and axis.title.font.size >= MIN_FONT
    assert out.layout.xaxis.tickfont.size == round(11 * FONT_SCALE)
    titles = [a.font.size for a in out.layout.annotations]
    assert len(titles) == 2 and all(size > 16 for size in titles)  # make_subplots sets 16


def test_text_colour_only_where_the_figure_did_not_choose_one() -> None:
    fig = probability_bars(np.full(10, 0.1), true_label=3)
    fig.add_annotation(text="a note", x=0.5, y=0.5, font={"color": "#009E73"})  # coloured
    out = for_projector(fig, text_color="#111111")
    assert out.layout.font.color == "#111111"
    assert out.layout.xaxis.tickfont.color == "#111111"
    assert out.layout.yaxis.title.font.color == "#111111"
    assert out.layout.annotations[0].font.color == "#009E73"
    assert out.layout.yaxis.ticktext == fig.layout.yaxis.ticktext  # the true label's own colour
    assert for_projector(fig).layout.font.color is None  # no colour asked for: none set


def test_heights_are_scaled_and_capped_but_never_shrunk() -> None:
    assert for_projector(go.Figure()).layout.height == round(DEFAULT_HEIGHT * HEIGHT_SCALE)
    assert for_projector(go.Figure(layout={"height": 300})).layout.height == round(
        300 * HEIGHT_SCALE
    )
    near_cap = MAX_HEIGHT - 50
    assert for_projector(go.Figure(layout={"height": near_cap})).layout.height == MAX_HEIGHT
    taller = MAX_HEIGHT + 200
    assert for_projector(go.Figure(layout={"height": taller})).layout.height == taller


def test_margins_grow_with_the_text() -> None:
    out = for_projector(_curves())
    margin = out.layout.margin
    assert (margin.t, margin.l, margin.r, margin.b) == tuple(
        round(v * FONT_SCALE) for v in (50, 40, 20, 30)
    )
    assert for_projector(go.Figure()).layout.margin.t is None  # Plotly's own margins kept


def test_lines_are_thicker_hidden_lines_stay_hidden() -> None:
    out = for_projector(_curves())
    shown, band, unset = out.data
    assert shown.line.width == max(MIN_LINE, 2 * 1.8)
    assert band.line.width == 0  # the edge of a band would otherwise be drawn
    assert unset.line.width == MIN_LINE
    assert shown.marker.size > 6  # markers Plotly would draw at 6 px
    assert unset.marker.size > 5
    assert out.layout.shapes[0].line.width > 1


def test_outlines_keep_their_width() -> None:
    fig = go.Figure(go.Heatmap(z=[[0, 1], [1, 0]]))
    fig.add_shape(type="rect", x0=-0.5, x1=0.5, y0=-0.5, y1=0.5, line={"width": 2})
    fig.add_shape(type="line", x0=0, x1=1, y0=0, y1=0, line={"width": 1})
    rect, line = for_projector(fig).layout.shapes
    assert rect.line.width == 2  # a thicker frame would cover a small cell
    assert line.line.width > 1


def test_viridis_becomes_the_projector_scale_grey_and_diverging_are_kept() -> None:
    assert SEQUENTIAL == "Viridis"  # the app's sequential scale, the one replaced
    viridis = for_projector(_heatmap(SEQUENTIAL)).data[0]
    assert viridis.colorscale == for_projector(_heatmap(PROJECTOR_SEQUENTIAL)).data[0].colorscale
    assert viridis.colorscale[0][1] != go.Heatmap(colorscale="Viridis").colorscale[0][1]
    for kept in ("gray", DIVERGING, "Blues"):
        before = _heatmap(kept).data[0].colorscale
        assert for_projector(_heatmap(kept)).data[0].colorscale == before


def test_colour_bars_are_readable() -> None:
    bar = for_projector(_heatmap("gray"), text_color="#222222").data[0].colorbar
    assert bar.tickfont.size >= MIN_FONT and bar.tickfont.color == "#222222"
    assert bar.thickness > 10


def test_a_feature_map_grid_keeps_its_data_and_gets_larger_labels() -> None:
    output = RNG.uniform(0, 2, size=(6, 6, 8)).astype(np.float32)
    fig = channel_grid(output, "conv1")
    out = for_projector(fig)
    np.testing.assert_array_equal(np.asarray(out.data[0].z), np.asarray(fig.data[0].z))
    assert out.data[0].colorscale[0][1] != fig.data[0].colorscale[0][1]  # Viridis replaced
    assert out.data[1].textfont.size == max(MIN_FONT, round(fig.data[1].textfont.size * 1.6))
    assert out.layout.height > fig.layout.height


def test_the_figure_given_is_left_unchanged() -> None:
    fig = _curves()
    fig.add_trace(go.Heatmap(z=[[0, 1]], colorscale=SEQUENTIAL, colorbar={"thickness": 10}))
    before = fig.to_plotly_json()
    out = for_projector(fig, text_color="#000000")
    assert out is not fig
    assert fig.to_plotly_json() == before
    assert out.to_plotly_json() != before
