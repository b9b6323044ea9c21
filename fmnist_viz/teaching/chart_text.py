"""One-line text summaries of the charts: what a teacher would say about a learning curve, a
comparison, a gap or a per-class chart, and what a screen reader reads in place of the picture.

Pure functions over the same data the figures draw, so the sentence and the chart agree.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from fmnist_viz import CLASS_NAMES
from fmnist_viz.models import PRESETS
from fmnist_viz.study import (
    STUDY_MODELS,
    RunSeries,
    group_bands,
    logged_mean,
    study_band,
    study_test_accuracies,
)
from fmnist_viz.training import EpochRecord

NAMES = {
    "accuracy": "training accuracy",
    "val_accuracy": "validation accuracy",
    "loss": "training loss",
    "val_loss": "validation loss",
}


def _points(value: float) -> str:
    """A difference of accuracies in percentage points, e.g. '3.1 points'."""
    return f"{100 * value:.1f} points"


def trend(name: str, epochs: Sequence[int], values: Sequence[float], higher: bool) -> str:
    """'validation accuracy rose from 0.880 to 0.930, best 0.932 at epoch 7' (NaNs skipped)."""
    pairs = [(int(e), float(v)) for e, v in zip(epochs, values, strict=True) if math.isfinite(v)]
    if not pairs:
        return f"no {name} yet"
    (e0, first), (e1, last) = pairs[0], pairs[-1]
    if len(pairs) == 1:
        return f"{name} {last:.3f} after epoch {e1}"
    verb = "rose" if last > first else "fell" if last < first else "stayed"
    text = f"{name} {verb} from {first:.3f} (epoch {e0}) to {last:.3f} (epoch {e1})"
    pick = max if higher else min
    best_epoch, best = pick(pairs, key=lambda p: p[1])
    if best_epoch != e1:
        text += f", {'best' if higher else 'lowest'} {best:.3f} at epoch {best_epoch}"
    return text


def history_summary(history: Sequence[EpochRecord]) -> str:
    """One run's learning curves in a sentence: validation accuracy, its best epoch, the gap."""
    if not history:
        return "No epoch has finished yet: the curves show the batches so far."
    epochs = [r.epoch for r in history]
    text = trend(NAMES["val_accuracy"], epochs, [r.val_accuracy for r in history], True)
    gap = history[-1].accuracy - history[-1].val_accuracy
    lowest = min(history, key=lambda r: r.val_loss)
    return (
        f"{text[0].upper()}{text[1:]}; validation loss lowest at epoch {lowest.epoch} (the "
        f"weights kept); training − validation gap {_points(gap)} after epoch {epochs[-1]}."
    )


def _group_sentence(group: str, band: tuple[np.ndarray, ...], name: str, higher: bool) -> str:
    """One configuration's mean curve in a sentence (with its run count)."""
    epochs, mean, _, n = band
    runs = int(n.max()) if n.size else 0
    of = f" (mean of {runs} runs)" if runs > 1 else ""
    return f"{group}: {trend(name, epochs, mean, higher)}{of}."


def curves_summary(series: Sequence[RunSeries], metric: str = "accuracy") -> str:
    """The Compare overlay in sentences: each configuration's validation curve."""
    column = f"val_{metric}"
    higher = metric == "accuracy"
    bands = group_bands(series, column)
    return " ".join(_group_sentence(g, b, NAMES[column], higher) for g, b in bands.items())


def gap_summary(series: Sequence[RunSeries]) -> str:
    """The gap chart in a sentence: each configuration's gap after its last epoch."""
    parts = []
    for group, (epochs, mean, _, _) in group_bands(series, "gap").items():
        keep = np.isfinite(mean)
        if keep.any():
            last = int(epochs[keep][-1])
            parts.append(
                (float(mean[keep][-1]), f"{group} {_points(mean[keep][-1])} at epoch {last}")
            )
    if not parts:
        return "No gap yet: no epoch has finished."
    parts.sort(reverse=True)
    text = "Training − validation accuracy at the end: " + "; ".join(p[1] for p in parts) + "."
    if len(parts) > 1:
        text += " The first over-fits the most."
    return text


def per_class_summary(
    per_class_a: Sequence[float],
    per_class_b: Sequence[float] | None = None,
    labels: tuple[str, str] = ("A", "B"),
) -> str:
    """The per-class chart in a sentence: best and worst class, and the largest change to B."""
    a = np.asarray(per_class_a, dtype=float)
    best, worst = int(np.nanargmax(a)), int(np.nanargmin(a))
    text = (
        f"{labels[0]}: best on {CLASS_NAMES[best]} ({100 * a[best]:.1f} %), worst on "
        f"{CLASS_NAMES[worst]} ({100 * a[worst]:.1f} %)."
    )
    if per_class_b is not None:
        diff = np.asarray(per_class_b, dtype=float) - a
        i = int(np.nanargmax(np.abs(diff)))
        text += (
            f" {labels[1]} differs most on {CLASS_NAMES[i]}: {100 * diff[i]:+.1f} points "
            f"({100 * per_class_b[i]:.1f} %)."
        )
    return text


def confusion_summary(confusion: np.ndarray) -> str:
    """The confusion matrix in a sentence: the mistake made most often, as a share of its class."""
    matrix = np.asarray(confusion, dtype=float)
    totals = matrix.sum(axis=1, keepdims=True)
    shares = np.divide(matrix, totals, out=np.zeros_like(matrix), where=totals > 0)
    np.fill_diagonal(shares, 0.0)
    if not shares.any():
        return "No mistakes on the test set."
    true, predicted = np.unravel_index(int(np.argmax(shares)), shares.shape)
    return (
        f"Most common mistake: {CLASS_NAMES[true]} taken for {CLASS_NAMES[predicted]} "
        f"({100 * shares[true, predicted]:.1f} % of the {CLASS_NAMES[true]} images)."
    )


def study_verdict_summary() -> str:
    """The study's two models in a sentence: logged test accuracy and the final gap of each."""
    parts = []
    for model in STUDY_MODELS:
        _, gap, _, _ = study_band(model, "gap")
        n = len(study_test_accuracies(model))
        title = PRESETS[model]["title"]
        parts.append(
            f"{title}: test accuracy {logged_mean(model):.4f} (mean of the {n} logged test "
            f"results), training − validation gap {_points(gap[-1])} after epoch {len(gap)}"
        )
    return "; ".join(parts) + "."
