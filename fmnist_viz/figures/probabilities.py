"""The class-probability bars: one compact chart of the ten classes for every page that shows a
prediction, the prediction and the true label highlighted, the percentages written.

The probability axis runs from exactly 0 to 100 %: a bar's percentage is written just right of
it, or inside it (in white) when the bar is too long for the text to fit before 100 %. The true
class is marked on its bar (an outline) and in its label (bold, "◀ true"), so no room is needed
right of the plot and the chart fits a narrow column beside the figure it explains.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from fmnist_viz import CLASS_NAMES
from fmnist_viz.figures.layout import title_dict
from fmnist_viz.figures.palette import OTHER_COLOR, PRED_COLOR, TRUE_COLOR

X_RANGE = (0.0, 1.0)  # the probability axis: 0 to 100 %, never more
INSIDE_FROM = 0.72  # a bar (with its error bar) reaching past this gets its text inside
HEIGHT = 320
TRUE_MARK = " ◀ true"


def _percent_labels(probs: np.ndarray, spread: np.ndarray) -> go.Scatter:
    """The percentages: right of each bar (and of its error bar), or inside a long one."""
    ends = probs + spread
    inside = ends > INSIDE_FROM
    return go.Scatter(
        x=np.where(inside, probs - 0.015, ends + 0.015),
        y=list(CLASS_NAMES),
        text=[f"{p:.1%}" for p in probs],
        mode="text",
        textposition=["middle left" if i else "middle right" for i in inside],
        textfont={"color": ["white" if i else "#333333" for i in inside], "size": 11},
        hoverinfo="skip",
        showlegend=False,
        cliponaxis=False,
    )


def class_labels(true_label: int | None) -> list[str]:
    """The y-axis labels: the class names, the true one bold and marked."""
    return [
        f'<span style="color:{TRUE_COLOR}"><b>{name}{TRUE_MARK}</b></span>'
        if i == true_label
        else name
        for i, name in enumerate(CLASS_NAMES)
    ]


def probability_bars(
    probs: np.ndarray, true_label: int | None = None, std: np.ndarray | None = None
) -> go.Figure:
    """Horizontal bars of the 10 class probabilities on a 0–100 % axis; the prediction
    filled in colour, the true label (when known) outlined and marked in its label; `std`
    adds error bars (MC dropout)."""
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
        text += f"<br>true: {CLASS_NAMES[true_label]} ({verdict})"
    layout = {
        "title": {**title_dict(text), "font": {"size": 13}},
        "height": HEIGHT,
        "margin": {"l": 10, "r": 26, "t": 62 if true_label is not None else 40, "b": 30},
        "xaxis": {
            "range": list(X_RANGE),
            "tickformat": ".0%",
            "tickvals": [0, 0.25, 0.5, 0.75, 1],
            "fixedrange": True,
        },
        "yaxis": {
            "autorange": "reversed",
            "tickmode": "array",
            "tickvals": list(CLASS_NAMES),
            "ticktext": class_labels(true_label),
            "automargin": True,
            "fixedrange": True,
        },
        "bargap": 0.25,
        "showlegend": False,
    }
    return go.Figure(data=[bar, _percent_labels(probs, spread)], layout=layout)
