"""Streamlit pieces of the Evaluate page: run chooser labels, predictions with the reason when
there are none, score metrics, confused pairs, class filters and the mistake gallery's link to
Feature maps."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from fmnist_viz import CLASS_NAMES
from fmnist_viz.data import FashionMNIST
from fmnist_viz.runs import RunError, RunInfo, RunStore
from fmnist_viz.training import ConfusedPair
from ui.core import session

FEATURE_MAPS = "pages/feature_maps.py"


def run_label(info: RunInfo) -> str:
    """Return 'name · test 0.9137' (or the status) for a run chooser."""
    acc = info.get("test_accuracy")
    score = f"test {acc:.4f}" if isinstance(acc, float) else info.status
    return f"{info.name} · {score}"


NO_TEST = {
    "stopped": "it was stopped before the end, so it was never scored on the test set",
    "queued": "it has not started yet",
    "running": "it is still training; the test set is scored after the last epoch",
    "failed": "it failed before it was scored on the test set",
    "interrupted": "its training was interrupted before the test set was scored",
}


def predictions(store: RunStore, info: RunInfo) -> tuple[np.ndarray, np.ndarray] | None:
    """Return the run's test probabilities and labels, or None after saying why there are none."""
    try:
        found = store.predictions(info.id)
    except RunError as exc:
        st.error(f"{info.name}: {exc}")
        return None
    if found is None:
        why = NO_TEST.get(info.status, "its folder has no predictions.npz")
        st.info(f"**{info.name}** has no test predictions: {why}. Choose a finished run.")
    return found


def score_metrics(names: list[str], confusions: list[np.ndarray]) -> None:
    """Test accuracy and mistake count, one column per run (the second one with a delta)."""
    first: float | None = None
    for column, name, confusion in zip(st.columns(len(names)), names, confusions, strict=True):
        total, correct = int(confusion.sum()), int(confusion.trace())
        accuracy = correct / total
        delta = None if first is None else f"{accuracy - first:+.4f} vs {names[0]}"
        column.metric(f"{name}: test accuracy", f"{accuracy:.4f}", delta=delta, border=True)
        column.caption(f"{total - correct:,} of {total:,} test images misclassified")
        first = accuracy if first is None else first


def _pair_clicked(pairs: list[ConfusedPair]) -> None:
    """Table callback: filter the gallery to the clicked true → predicted pair."""
    rows = st.session_state["eval_pairs"].selection.rows
    if rows:
        st.session_state["eval_true"] = pairs[rows[0]].true
        st.session_state["eval_pred"] = pairs[rows[0]].predicted


def pairs_view(frame: pd.DataFrame, pairs: list[ConfusedPair], key: str | None) -> None:
    """Draw a confused-pairs table; with a key, clicking a row filters the gallery."""
    frame = frame.assign(share_of_true=frame["share_of_true"] * 100)
    config = {"share_of_true": st.column_config.NumberColumn("share of true", format="%.1f %%")}
    if key is None:
        st.dataframe(frame, hide_index=True, column_config=config)
        return
    st.dataframe(
        frame,
        hide_index=True,
        column_config=config,
        key=key,
        on_select=functools.partial(_pair_clicked, pairs),
        selection_mode="single-row",
    )


def class_filter(label: str, key: str) -> int | None:
    """A class select with 'any'; returns the class number or None."""
    options: list[Any] = [None, *range(len(CLASS_NAMES))]
    return st.selectbox(
        label, options, format_func=lambda c: "any" if c is None else CLASS_NAMES[c], key=key
    )


def images_for(data: FashionMNIST | None, labels: np.ndarray) -> np.ndarray | None:
    """Return the test images the predictions belong to, or None after saying why not."""
    if data is None:
        return None
    if len(data.y_test) != len(labels) or not np.array_equal(data.y_test, labels):
        st.warning(
            f"This run was scored on a different test set ({len(labels):,} images) than the one "
            f"loaded now ({len(data.y_test):,}): its misclassified images cannot be shown."
        )
        return None
    return data.x_test


def _tile(row: pd.Series) -> str:
    """Return '#123: Shirt → T-shirt/top (87%)' for the image chooser."""
    true, pred = CLASS_NAMES[int(row["true"])], CLASS_NAMES[int(row["predicted"])]
    return f"#{int(row['index'])}: {true} → {pred} ({row['confidence']:.1%})"


def open_in_feature_maps(store: RunStore, rows: pd.DataFrame, run_id: str) -> None:
    """Pick one gallery image and open it on the Feature maps page (when that page exists)."""
    labels = {int(r["index"]): _tile(r) for _, r in rows.iterrows()}
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    index = c1.selectbox("Image", list(labels), format_func=labels.get, key="eval_open_pick")
    if c2.button("Open in Feature maps", key="eval_open"):
        session.set_active_runs([run_id, *session.active_runs(store)])  # the page shows this run
        st.switch_page(FEATURE_MAPS, query_params={"img": str(index), "run": run_id})
