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
from fmnist_viz.figures import (
    confusion_cell,
    confusion_heatmap,
    misclassified_gallery,
    per_class_bars,
)
from fmnist_viz.runs import RunError, RunInfo, RunStore
from fmnist_viz.teaching import confusion_summary, per_class_summary
from fmnist_viz.training import (
    ConfusedPair,
    confusion_from_predictions,
    misclassified,
    most_confused_pairs,
    normalize_rows,
    pairs_frame,
)
from ui.core import presenter, resources, session
from ui.shell import ensure_shell
from ui.views import inside_page
from ui.widgets import run_chooser

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


CONFUSION_KEY = "eval_confusion_0"  # the first run's matrix: a click filters the gallery


def _cell_clicked() -> None:
    """Confusion-matrix callback: filter the gallery to the clicked cell's true → predicted
    mistakes (a cell on the diagonal: every mistake on that true class)."""
    event = st.session_state.get(CONFUSION_KEY)
    points = (getattr(event, "selection", None) or {}).get("points") or []
    for point in points:
        cell = confusion_cell(point)
        if cell is not None:
            true, predicted = cell
            st.session_state["eval_true"] = true
            st.session_state["eval_pred"] = None if predicted == true else predicted
            return


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


GALLERY_LIMIT = 48


def render() -> None:
    """Draw the Evaluate page."""
    ensure_shell()
    store = resources.store()
    inside_page.header("Evaluate", "evaluate", ())

    c1, c2 = st.columns(2)
    with c1:
        info_a = run_chooser.choose_run()
    if info_a is None:
        st.stop()
    run_a = info_a.id
    runs = [r for r in store.list() if r.damaged is None]
    by_id = {r.id: r for r in runs}
    run_b = c2.selectbox(
        "Side by side with (optional)",
        ["", *(r.id for r in runs if r.id != run_a)],
        format_func=lambda i: run_label(by_id[i]) if i else "—",
        key="eval_run_b",
    )
    found_a = predictions(store, info_a)
    if found_a is None:
        st.stop()
    probs, labels = found_a
    info_b = by_id[run_b] if run_b else None
    found_b = predictions(store, info_b) if info_b else None

    runs_shown = [(info_a, found_a)] + ([(info_b, found_b)] if info_b and found_b else [])
    confusions = [confusion_from_predictions(*found) for _, found in runs_shown]
    scores, options = st.columns([2, 1], vertical_alignment="center")  # one row: the matrix
    with scores:  # starts on the first screen
        score_metrics([info.name for info, _ in runs_shown], confusions)
    normalize = options.toggle("Row-normalised (each true class sums to 1)", key="eval_norm")
    for i, (column, (info, _), confusion) in enumerate(
        zip(st.columns(len(runs_shown)), runs_shown, confusions, strict=True)
    ):
        title = f"{info.name}: confusion matrix" + (" (row shares)" if normalize else "")
        clickable = {"on_select": _cell_clicked, "selection_mode": "points"} if i == 0 else {}
        presenter.chart(
            confusion_heatmap(confusion, normalize=normalize, title=title, clickable=i == 0),
            key=f"eval_confusion_{i}",
            where=column,
            **clickable,
        )
        column.caption(confusion_summary(confusion))

    per_class = [normalize_rows(c).diagonal() for c in confusions]
    presenter.chart(
        per_class_bars(
            per_class[0],
            per_class[1] if len(per_class) > 1 else None,
            labels=(info_a.name, info_b.name if info_b else ""),
        ),
        key="eval_per_class",
    )
    st.caption(
        per_class_summary(
            per_class[0],
            per_class[1] if len(per_class) > 1 else None,
            labels=(info_a.name, info_b.name if info_b else ""),
        )
    )

    st.subheader("Most confused classes")
    st.caption(
        "Click a row of the first table, or a cell of the first confusion matrix, to show "
        "those mistakes in the gallery below."
    )
    pair_columns = st.columns(len(runs_shown))
    for i, (column, (info, _), confusion) in enumerate(
        zip(pair_columns, runs_shown, confusions, strict=True)
    ):
        pairs = most_confused_pairs(confusion, k=10)
        with column:
            st.markdown(f"**{info.name}**")
            pairs_view(pairs_frame(pairs), pairs, "eval_pairs" if i == 0 else None)

    st.subheader(f"Misclassified test images of {info_a.name}")
    images = images_for(resources.dataset_or_error(), labels)
    if images is not None:
        f1, f2 = st.columns(2)
        with f1:
            true_class = class_filter("True class", "eval_true")
        with f2:
            predicted_class = class_filter("Predicted as", "eval_pred")
        wrong = misclassified(probs, labels, true_class, predicted_class, limit=None)
        rows = wrong.head(GALLERY_LIMIT)
        if rows.empty:
            st.info("No misclassified image matches this filter.")
        else:
            st.caption(
                f"{len(rows)} of {len(wrong):,} matching mistakes, most confident first "
                "(title: true → predicted, the model's confidence)."
            )
            presenter.chart(misclassified_gallery(images, rows, cols=8), key="eval_gallery")
            open_in_feature_maps(store, rows, run_a)
