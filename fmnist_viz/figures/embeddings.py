"""Embedding figures: many test images as points in 2-D at one stage of the network, all stages
at a glance, and the separability score from pixels to output (once, or at every saved epoch).

Points are coloured by true class (one trace per class, so the legend hides and shows a class);
a cross marks an image the network gets wrong. Hover text gives the test image number, its
class and the prediction with its confidence; the image itself is shown beside the chart by
the page when a point is clicked (Plotly's hover cannot show a picture).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import plotly.colors as pc
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from fmnist_viz import CLASS_NAMES
from fmnist_viz.figures.layout import MARGIN, title_dict
from fmnist_viz.figures.palette import PRED_COLOR, class_color

RIGHT = "circle"
WRONG = "x"
CHANCE_COLOR = "#999999"
SCATTER_HEIGHT = 560
OVERVIEW_HEIGHT = 300
RING = {"size": 18, "symbol": "circle-open", "color": "black", "line": {"width": 2}}


@dataclass(frozen=True, eq=False)
class Points:
    """Sampled images in 2-D: coordinates, true class, test-set index, and the prediction when
    the weights shown give one."""

    coords: np.ndarray  # (n, 2)
    labels: np.ndarray  # (n,) true class
    indices: np.ndarray  # (n,) test-set index of each point
    predicted: np.ndarray | None = None  # (n,) predicted class
    confidence: np.ndarray | None = None  # (n,) probability of the predicted class

    def __post_init__(self) -> None:
        n = len(self.labels)
        shapes = [np.shape(self.coords), np.shape(self.indices)]
        if shapes != [(n, 2), (n,)]:
            raise ValueError(f"coords must be (n, 2) and indices (n,) for n = {n}, got {shapes}")
        for name in ("predicted", "confidence"):
            value = getattr(self, name)
            if value is not None and np.shape(value) != (n,):
                raise ValueError(f"{name} must have one value per point, got {np.shape(value)}")

    def prediction_text(self) -> list[str]:
        """Per point: 'Shirt (62%)', or a note when there is no prediction."""
        if self.predicted is None or self.confidence is None:
            return ["not available at this state"] * len(self.labels)
        return [
            f"{CLASS_NAMES[int(p)]} ({c:.0%})"
            for p, c in zip(self.predicted, self.confidence, strict=True)
        ]


def _class_traces(points: Points, marker_size: int, hover: bool, **axes: Any) -> list[go.Scatter]:
    """Per class present: a trace of the images predicted right (circles, in the legend) and,
    when there are any, one of those predicted wrong (crosses, same legend entry); each point
    carries (position in the sample, test index, class, prediction) as its custom data."""
    texts = np.array(points.prediction_text(), dtype=object)
    wrong = (
        points.predicted != points.labels
        if points.predicted is not None
        else np.zeros(len(points.labels), dtype=bool)
    )
    template = (
        "<b>test image #%{customdata[1]}</b><br>true: %{customdata[2]}"
        "<br>predicted: %{customdata[3]}<extra></extra>"
    )
    traces = []
    for c in np.unique(points.labels):
        name = CLASS_NAMES[int(c)]
        for is_wrong in (False, True):
            rows = np.flatnonzero((points.labels == c) & (wrong == is_wrong))
            if is_wrong and not rows.size:
                continue
            custom = np.stack(
                [rows, points.indices[rows], np.full(len(rows), name, dtype=object), texts[rows]],
                axis=1,
            )
            traces.append(
                go.Scatter(
                    x=points.coords[rows, 0],
                    y=points.coords[rows, 1],
                    mode="markers",
                    name=f"{name} (wrong)" if is_wrong else name,
                    legendgroup=str(int(c)),
                    showlegend=not is_wrong,
                    marker={
                        "color": class_color(int(c)),
                        "size": marker_size + 2 if is_wrong else marker_size,
                        "symbol": WRONG if is_wrong else RIGHT,
                        "opacity": 0.9 if is_wrong else 0.7,
                        "line": {"width": 0},
                    },
                    customdata=custom,
                    hovertemplate=template if hover else None,
                    hoverinfo=None if hover else "skip",
                    **axes,
                )
            )
    return traces


def embedding_scatter(
    points: Points,
    title: str,
    axis_titles: tuple[str, str] = ("", ""),
    selected: int | None = None,
    show_ticks: bool = True,
) -> go.Figure:
    """The sample at one stage in 2-D, coloured by class, crosses for misclassified images, a
    ring around the selected point (its position in the sample). Equal axis scales, so
    distances on screen are the projection's distances."""
    traces = _class_traces(points, marker_size=6, hover=True)
    if selected is not None and 0 <= selected < len(points.labels):
        traces.append(
            go.Scatter(
                x=[points.coords[selected, 0]],
                y=[points.coords[selected, 1]],
                mode="markers",
                name="selected",
                marker=RING,
                hoverinfo="skip",
                showlegend=False,
            )
        )
    axis = {"showticklabels": show_ticks, "zeroline": False, "showgrid": show_ticks}
    layout = {
        "title": title_dict(title),
        "height": SCATTER_HEIGHT,
        "margin": {**MARGIN, "l": 50, "b": 50},
        "xaxis": {**axis, "title": {"text": axis_titles[0]}},
        "yaxis": {**axis, "title": {"text": axis_titles[1]}, "scaleanchor": "x"},
        "legend": {"itemsizing": "constant", "title": {"text": "true class"}},
        "plot_bgcolor": "white",
        "clickmode": "event+select",
    }
    return go.Figure(data=traces, layout=layout)


def stage_overview(panels: Sequence[tuple[str, Points]], title: str) -> go.Figure:
    """Small multiples: the sample at every stage side by side (same class colours), each panel
    titled with its stage and score."""
    if not panels:
        raise ValueError("No stage to draw")
    fig = make_subplots(
        rows=1,
        cols=len(panels),
        subplot_titles=[name for name, _ in panels],
        horizontal_spacing=0.02,
    )
    for i, (_, points) in enumerate(panels):
        for trace in _class_traces(points, marker_size=3, hover=False):
            trace.showlegend = i == 0 and trace.showlegend
            fig.add_trace(trace, row=1, col=i + 1)
        suffix = "" if i == 0 else str(i + 1)
        fig.update_layout(
            {
                f"xaxis{suffix}": {"visible": False, "constrain": "domain"},
                f"yaxis{suffix}": {
                    "visible": False,
                    "scaleanchor": f"x{suffix}",
                    "constrain": "domain",
                },
            }
        )
    for annotation in fig.layout.annotations:
        annotation.font = {"size": 11}
    fig.update_layout(
        title=title_dict(title),
        height=OVERVIEW_HEIGHT,
        margin={**MARGIN, "t": 70},
        plot_bgcolor="white",
        legend={"itemsizing": "constant", "orientation": "h", "y": -0.05},
        hovermode=False,
    )
    return fig


def _percent_axis(values: Sequence[float | None]) -> dict[str, Any]:
    """A y axis from a little below the lowest score (in steps of 5 %) to 100 %, so that the
    differences between stages show."""
    finite = [float(v) for v in values if v is not None and np.isfinite(v)]
    low = max(0.0, np.floor((min(finite, default=0.0) - 0.05) * 20) / 20)
    return {"range": [low, 1.01], "tickformat": ".0%", "title": {"text": "k-NN accuracy"}}


def _chance_line(fig: go.Figure, chance: float) -> None:
    """Chance as a dashed line with its label, when it is within the y range."""
    if chance >= fig.layout.yaxis.range[0]:
        fig.add_hline(
            y=chance,
            line={"dash": "dash", "color": CHANCE_COLOR},
            annotation_text=f"chance {chance:.0%}",
            annotation_position="bottom right",
        )


def separability_line(
    stage_labels: Sequence[str],
    scores: Sequence[float | None],
    chance: float,
    k: int,
    selected: int | None = None,
) -> go.Figure:
    """The separability score at each stage, pixels to output (chance as a dashed line when the
    scores come near it); a stage without a score (not available at these weights) leaves a
    gap."""
    if len(stage_labels) != len(scores) or not scores:
        raise ValueError("Need one score per stage")
    y = [np.nan if s is None else float(s) for s in scores]
    text = ["n/a" if s is None else f"{s:.0%}" for s in scores]
    traces = [
        go.Scatter(
            x=list(stage_labels),
            y=y,
            mode="lines+markers+text",
            text=text,
            textposition="top center",
            line={"color": PRED_COLOR, "width": 3},
            marker={"size": 9},
            name="separability",
            hovertemplate="%{x}<br>%{y:.1%} of images have the class of most of their "
            f"{k} nearest neighbours<extra></extra>",
        )
    ]
    if selected is not None and 0 <= selected < len(y) and np.isfinite(y[selected]):
        traces.append(
            go.Scatter(
                x=[stage_labels[selected]],
                y=[y[selected]],
                mode="markers",
                marker=RING,
                hoverinfo="skip",
                showlegend=False,
            )
        )
    fig = go.Figure(data=traces)
    fig.update_layout(
        title=title_dict(f"How separable the classes are at each stage ({k}-NN accuracy)"),
        height=340,
        margin={**MARGIN, "l": 60, "b": 40},
        yaxis=_percent_axis(scores),
        xaxis={"type": "category"},
        showlegend=False,
        plot_bgcolor="white",
    )
    _chance_line(fig, chance)
    return fig


def separability_by_epoch(
    stage_labels: Sequence[str],
    rows: Sequence[tuple[str, float, Sequence[float | None]]],
    chance: float,
    k: int,
    current: str | None = None,
) -> go.Figure:
    """One separability line per saved epoch (label, position in epochs, scores per stage),
    coloured from the random start (dark) to the last epoch (yellow); the current one is
    drawn thicker. A stage a state cannot compute leaves a gap."""
    if not rows:
        raise ValueError("No saved epoch to draw")
    last = max(position for _, position, _ in rows) or 1.0
    traces = []
    for label, position, scores in rows:
        if len(scores) != len(stage_labels):
            raise ValueError(f"{label}: need one score per stage")
        color = pc.sample_colorscale("Viridis", [min(position / last, 1.0) * 0.9])[0]
        thick = label == current
        traces.append(
            go.Scatter(
                x=list(stage_labels),
                y=[np.nan if s is None else float(s) for s in scores],
                mode="lines+markers",
                name=label,
                line={"color": color, "width": 4 if thick else 2},
                marker={"size": 8 if thick else 5},
                hovertemplate=f"{label}<br>%{{x}}: %{{y:.1%}}<extra></extra>",
            )
        )
    fig = go.Figure(data=traces)
    fig.update_layout(
        title=title_dict(f"Separability at each saved epoch ({k}-NN accuracy)"),
        height=380,
        margin={**MARGIN, "l": 60, "b": 40},
        yaxis=_percent_axis([s for _, _, scores in rows for s in scores]),
        xaxis={"type": "category"},
        legend={"title": {"text": "weights"}},
        plot_bgcolor="white",
    )
    _chance_line(fig, chance)
    return fig
