"""The Class board's scatter: test accuracy against parameters (log scale), one point per run,
the Pareto front drawn through the runs no other beats, the study's models as labelled points.
Each run's point carries its run id (`customdata`) so a click can open it."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from fmnist_viz.figures.layout import MARGIN, title_dict
from fmnist_viz.study import BoardRow, ReferencePoint, plotted_rows

RUN_COLOR = "#0072B2"  # Okabe-Ito blue
FRONT_COLOR = "#D55E00"  # Okabe-Ito vermillion
REFERENCE_COLOR = "#3a3a3a"
LABEL_POSITIONS = ("top center", "bottom center")  # Model 1 and 2 share their parameter count


def accuracy_vs_params(
    rows: Sequence[BoardRow],
    front: Sequence[BoardRow] = (),
    references: Sequence[ReferencePoint] = (),
    title: str = "Test accuracy against parameters",
) -> go.Figure:
    """The scatter of the rows (those with a test accuracy and parameters), the front as a
    staircase line, the references as labelled diamonds. Pure: data in, a figure out."""
    runs = plotted_rows(rows)
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=[r.params for r in runs],
            y=[r.test_accuracy for r in runs],
            mode="markers",
            name="runs",
            marker={"color": RUN_COLOR, "size": 9, "opacity": 0.8},
            customdata=[r.run_id for r in runs],
            text=[f"{r.nickname}: {r.name}<br>{r.architecture}" for r in runs],
            hovertemplate="%{text}<br>%{x:,} parameters<br>test accuracy %{y:.4f}<extra></extra>",
        )
    )
    ordered = sorted(plotted_rows(front), key=lambda r: r.params or 0)
    if ordered:
        fig.add_trace(
            go.Scatter(
                x=[r.params for r in ordered],
                y=[r.test_accuracy for r in ordered],
                mode="lines+markers",
                line={"color": FRONT_COLOR, "shape": "hv", "width": 2},
                marker={"color": FRONT_COLOR, "size": 11, "symbol": "circle-open"},
                name="Pareto front",
                customdata=[r.run_id for r in ordered],
                hoverinfo="skip",
            )
        )
    for i, ref in enumerate(references):
        fig.add_trace(
            go.Scatter(
                x=[ref.params],
                y=[ref.accuracy],
                mode="markers+text",
                text=[ref.title],
                textposition=LABEL_POSITIONS[i % len(LABEL_POSITIONS)],
                marker={"color": REFERENCE_COLOR, "size": 12, "symbol": "diamond"},
                name=ref.title,
                hovertemplate=f"{ref.title}<br>%{{x:,}} parameters<br>"
                "mean logged test accuracy %{y:.4f}<extra></extra>",
            )
        )
    fig.update_layout(
        title=title_dict(title),
        margin=MARGIN,
        xaxis={"type": "log", "title": "parameters (log scale)"},
        yaxis={"title": "test accuracy"},
        legend={"orientation": "h", "y": -0.2},
        height=460,
    )
    return fig
