"""The class-probability bars: prediction and true label highlighted, percentages written."""

from __future__ import annotations

from typing import Any

import numpy as np
import plotly.graph_objects as go

from fmnist_viz import CLASS_NAMES
from fmnist_viz.figures.layout import title_dict
from fmnist_viz.figures.palette import OTHER_COLOR, PRED_COLOR, TRUE_COLOR

# The x range (probability 1 = 1.0) leaves room right of a bar near 100 % for its label; the
# narrower the column the figure is drawn in, the more room its text needs.
X_RANGE = {"wide": 1.15, "half": 1.3, "quarter": 1.4}


def _percent_labels(probs: np.ndarray, spread: np.ndarray) -> go.Scatter:
    """The percentages as text just right of each bar (and of its error bar)."""
    return go.Scatter(
        x=probs + spread + 0.01,
        y=list(CLASS_NAMES),
        text=[f"{p:.1%}" for p in probs],
        mode="text",
        textposition="middle right",
        hoverinfo="skip",
        showlegend=False,
    )


def _true_label_note(true_label: int) -> dict[str, Any]:
    """An annotation pointing at the true class's bar from the right edge."""
    return {
        "x": 1.0,
        "y": CLASS_NAMES[true_label],
        "xref": "paper",
        "text": "◀ true label",
        "showarrow": False,
        "xanchor": "left",
        "font": {"color": TRUE_COLOR},
    }


def probability_bars(
    probs: np.ndarray,
    true_label: int | None = None,
    std: np.ndarray | None = None,
    column: str = "wide",
) -> go.Figure:
    """Horizontal bars of the 10 class probabilities; prediction and true label highlighted.

    `column` is the share of the page the figure is drawn in ('wide', 'half' or 'quarter'):
    narrower columns get more room for the percentages, and a quarter wraps the title.
    """
    if column not in X_RANGE:
        raise ValueError(f"column must be one of {', '.join(X_RANGE)}")
    probs = np.asarray(probs, dtype=np.float64).ravel()
    n = len(CLASS_NAMES)
    if probs.size != n:
        raise ValueError(f"Expected {n} probabilities, got {probs.size}")
    if true_label is not None and not 0 <= true_label < n:
        raise ValueError(f"true_label must be in 0..{n - 1}, got {true_label}")
    pred = int(np.argmax(probs))
    spread = np.zeros(n) if std is None else np.asarray(std, dtype=np.float64).ravel()
    bar = go.Bar(
        x=probs,
        y=list(CLASS_NAMES),
        orientation="h",
        marker={
            "color": [PRED_COLOR if i == pred else OTHER_COLOR for i in range(n)],
            "line": {"color": TRUE_COLOR, "width": [3 if i == true_label else 0 for i in range(n)]},
        },
        hovertemplate="%{y}: %{x:.2%}<extra></extra>",
    )
    if std is not None:
        bar.update(error_x={"type": "data", "array": spread})
    text = f"Prediction: {CLASS_NAMES[pred]} ({probs[pred]:.1%})"
    if true_label is not None:
        verdict = "correct" if pred == true_label else "wrong"
        text += f" · true: {CLASS_NAMES[true_label]} ({verdict})"
    if column == "quarter":
        text = text.replace(" · ", "<br>")
    layout = {
        "title": title_dict(text),
        "height": 360,
        "margin": {"l": 100, "r": 90, "t": 70 if column == "quarter" else 50, "b": 40},
        "xaxis": {"range": [0, X_RANGE[column]], "tickformat": ".0%"},
        "yaxis": {"autorange": "reversed"},
        "showlegend": False,
        "annotations": [] if true_label is None else [_true_label_note(true_label)],
    }
    return go.Figure(data=[bar, _percent_labels(probs, spread)], layout=layout)
