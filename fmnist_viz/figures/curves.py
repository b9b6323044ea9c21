"""Learning curves of repeated runs: overlay with mean ± std bands, small multiples, gap chart."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from fmnist_viz.figures.layout import rgba
from fmnist_viz.figures.palette import HIDDEN, STUDY_COLORS, run_color
from fmnist_viz.study import RunSeries, group_bands, group_names, study_bands

CURVE_KINDS = ("accuracy", "loss")
SPLITS = (("train", "training", "dash"), ("val", "validation", "solid"))
BAND_ALPHA = 0.18
RUN_OPACITY = 0.35


def group_colors(groups: Sequence[str]) -> dict[str, str]:
    """Return a colour per group (palette order of first appearance, cycling)."""
    unique = list(dict.fromkeys(groups))
    return {g: run_color(i) for i, g in enumerate(unique)}


def _colors(series: Sequence[RunSeries], colors: dict[str, str] | None) -> dict[str, str]:
    """Return the caller's colours, filled in with the default for any group it lacks."""
    default = group_colors(group_names(series))
    return {**default, **(colors or {})}


def _require(series: Sequence[RunSeries]) -> None:
    """Raise ValueError when there is nothing to draw."""
    if not series:
        raise ValueError("No runs to plot: select at least one run")


def _metric_names(metric: str) -> dict[str, str]:
    """Return the history columns of a curve kind: {'train': 'loss', 'val': 'val_loss'}."""
    if metric not in CURVE_KINDS:
        raise ValueError(f"metric must be one of {', '.join(CURVE_KINDS)}, got {metric!r}")
    return {"train": metric, "val": f"val_{metric}"}


def band_trace(epochs: np.ndarray, mean: np.ndarray, std: np.ndarray, **style: Any) -> go.Scatter:
    """Return a filled polygon between mean − std and mean + std (no legend, no hover)."""
    return go.Scatter(
        x=np.concatenate([epochs, epochs[::-1]]),
        y=np.concatenate([mean + std, (mean - std)[::-1]]),
        fill="toself",
        mode="lines",
        line={"width": 0, "color": HIDDEN},  # edges never drawn (they read as other runs)
        hoverinfo="skip",
        showlegend=False,
        **style,
    )


def _mean_trace(
    epochs: np.ndarray, mean: np.ndarray, std: np.ndarray, n: np.ndarray, **style: Any
) -> go.Scatter:
    """Return a group's mean line whose hover shows ± std and the run count."""
    return go.Scatter(
        x=epochs,
        y=mean,
        mode="lines+markers",
        customdata=np.column_stack([std, n]),
        hovertemplate="%{fullData.name}<br>epoch %{x}: %{y:.4f} ± %{customdata[0]:.4f}"
        " (%{customdata[1]} runs)<extra></extra>",
        **style,
    )


def _run_trace(s: RunSeries, column: str, **style: Any) -> go.Scatter:
    """Return one run's per-epoch line of a history column."""
    return go.Scatter(
        x=s.epoch,
        y=s.values(column),
        mode="lines+markers",
        hovertemplate=f"{s.name}<br>epoch %{{x}}: %{{y:.4f}}<extra></extra>",
        **style,
    )


def _group_traces(
    band: tuple[np.ndarray, ...], column_label: str, group: str, color: str, dash: str
) -> list[go.Scatter]:
    """Return the band polygon and mean line of one group and one curve."""
    epochs, mean, std, n = band
    keep = n > 0
    name = f"{group} · {column_label}"
    return [
        band_trace(
            epochs[keep],
            mean[keep],
            std[keep],
            name=f"{name} ± std",
            legendgroup=group,
            fillcolor=rgba(color, BAND_ALPHA),
        ),
        _mean_trace(
            epochs[keep],
            mean[keep],
            std[keep],
            n[keep],
            name=f"{name} (mean)",
            legendgroup=group,
            line={"color": color, "dash": dash},
        ),
    ]


def _study_traces(series: Sequence[RunSeries], column: str, label: str, dash: str) -> list:
    """Return the study's mean ± std band of a column for each comparable group's model."""
    traces = []
    for i, (name, band) in enumerate(study_bands(series, column).items()):
        color = STUDY_COLORS[i % len(STUDY_COLORS)]
        band_polygon, mean = _group_traces(band, label, f"{name} (10 logged runs)", color, dash)
        mean.line.width = 1.5  # only the mean line: the band's edges stay hidden
        traces += [band_polygon, mean]
    return traces


def _epoch_axis(fig: go.Figure, series: Sequence[RunSeries]) -> None:
    """Label the x axes 'Epoch' with whole-number ticks."""
    longest = max(int(s.epoch.max()) for s in series)
    fig.update_xaxes(title_text="Epoch", dtick=1 if longest <= 20 else None)


def _add_references(fig: go.Figure, reference: dict[str, float]) -> None:
    """Draw labelled dotted horizontal lines (labels alternate above/below to avoid overlap)."""
    for i, (label, value) in enumerate(reference.items()):
        fig.add_hline(
            y=value,
            line={"dash": "dot", "color": "#555555", "width": 1.5},
            annotation_text=f"{label}: {value:.4f}",
            annotation_position="top left" if i % 2 == 0 else "bottom right",
            annotation_font_size=11,
        )


def overlay_curves(
    series: Sequence[RunSeries],
    metric: str = "accuracy",
    bands: bool = True,
    show_runs: bool = False,
    reference: dict[str, float] | None = None,
    colors: dict[str, str] | None = None,
    study: bool = False,
) -> go.Figure:
    """Return training (dashed) and validation (solid) curves of all runs or groups in one chart.

    study=True adds, in grey, the study's mean ± std over its 10 logged runs of each model
    whose groups here are on its protocol with the full data (the log has no training loss).
    """
    _require(series)
    columns = _metric_names(metric)
    if reference and metric != "accuracy":
        raise ValueError("reference lines are test accuracies: use metric='accuracy'")
    palette = _colors(series, colors)
    fig = go.Figure()
    for split, label, dash in SPLITS:
        if bands:
            for group, band in group_bands(series, columns[split]).items():
                fig.add_traces(_group_traces(band, label, group, palette[group], dash))
        if show_runs or not bands:
            for s in series:
                fig.add_trace(
                    _run_trace(
                        s,
                        columns[split],
                        name=f"{s.name} · {label}",
                        legendgroup=s.group if bands else s.run_id,
                        showlegend=not bands,
                        opacity=RUN_OPACITY if bands else 1.0,
                        line={"color": palette[s.group], "dash": dash, "width": 1},
                    )
                )
        if study:
            fig.add_traces(_study_traces(series, columns[split], label, dash))
    if reference:
        _add_references(fig, reference)
    _epoch_axis(fig, series)
    what = "mean ± std per configuration" if bands else "every run"
    fig.update_layout(
        title=f"{metric.capitalize()} per epoch, {what} (dashed: training, solid: validation)",
        yaxis_title=metric.capitalize(),
        hovermode="closest",
        uirevision=f"overlay-{metric}",
    )
    return fig


def _panels(series: Sequence[RunSeries], by: str) -> list[tuple[str, list[RunSeries]]]:
    """Return (title, runs) per subplot: one per run or one per group."""
    if by == "run":
        return [(s.name, [s]) for s in series]
    if by == "group":
        return [(g, [s for s in series if s.group == g]) for g in group_names(series)]
    raise ValueError(f"by must be 'run' or 'group', got {by!r}")


def _panel_traces(
    members: list[RunSeries], columns: dict[str, str], by: str, color: str
) -> list[go.Scatter]:
    """Return one panel's training and validation traces (run lines or group bands)."""
    traces = []
    for split, label, dash in SPLITS:
        if by == "group":
            band = group_bands(members, columns[split])[members[0].group]
            traces += _group_traces(band, label, members[0].group, color, dash)
        else:
            line = {"color": color, "dash": dash}
            traces.append(_run_trace(members[0], columns[split], name=label, line=line))
    return traces


def small_multiples(
    series: Sequence[RunSeries],
    metric: str = "accuracy",
    by: str = "run",
    cols: int = 3,
    colors: dict[str, str] | None = None,
) -> go.Figure:
    """Return one subplot per run or group (training dashed, validation solid), shared axes."""
    _require(series)
    columns = _metric_names(metric)
    panels = _panels(series, by)
    palette = _colors(series, colors)
    ncols = max(1, min(cols, len(panels)))
    nrows = math.ceil(len(panels) / ncols)
    fig = make_subplots(
        rows=nrows,
        cols=ncols,
        shared_xaxes="all",
        shared_yaxes="all",
        subplot_titles=[title for title, _ in panels],
        vertical_spacing=min(0.12, 0.5 / nrows),
    )
    for i, (_, members) in enumerate(panels):
        for trace in _panel_traces(members, columns, by, palette[members[0].group]):
            trace.showlegend = False
            fig.add_trace(trace, row=i // ncols + 1, col=i % ncols + 1)
    _epoch_axis(fig, series)
    for row in range(1, nrows):  # "Epoch" under the bottom row only: no clash with titles
        fig.update_xaxes(title_text=None, row=row)
    fig.update_yaxes(title_text=metric.capitalize(), col=1)
    fig.update_annotations(font_size=11)
    fig.update_layout(
        title=f"{metric.capitalize()} per {by} (dashed: training, solid: validation)",
        height=max(340, 260 * nrows),
        uirevision=f"multiples-{metric}-{by}",
    )
    return fig


def gap_chart(
    series: Sequence[RunSeries],
    bands: bool = True,
    colors: dict[str, str] | None = None,
    study: bool = False,
) -> go.Figure:
    """Return training − validation accuracy per epoch per group (mean ± std) or run, zero line;
    study=True adds the study's logged gap band (grey) for groups on its protocol."""
    _require(series)
    palette = _colors(series, colors)
    fig = go.Figure()
    if bands:
        for group, band in group_bands(series, "gap").items():
            fig.add_traces(_group_traces(band, "gap", group, palette[group], "solid"))
    else:
        for s in series:
            line = {"color": palette[s.group]}
            fig.add_trace(_run_trace(s, "gap", name=s.name, legendgroup=s.group, line=line))
    if study:
        fig.add_traces(_study_traces(series, "gap", "gap", "solid"))
    fig.add_hline(y=0, line={"color": "#333333", "width": 1})
    _epoch_axis(fig, series)
    fig.update_layout(
        title="Generalisation gap: training − validation accuracy (above 0: over-fitting)",
        yaxis_title="Training − validation accuracy",
        hovermode="closest",
        uirevision="gap",
    )
    return fig
