"""Evaluate: a run's confusion matrix, per-class accuracy, confused pairs and its mistakes."""

import streamlit as st

from fmnist_viz.figures import confusion_heatmap, misclassified_gallery, per_class_bars
from fmnist_viz.teaching import PAGE_INTROS, confusion_summary, per_class_summary
from fmnist_viz.training import (
    confusion_from_predictions,
    misclassified,
    most_confused_pairs,
    normalize_rows,
    pairs_frame,
)
from ui.core import presenter, resources
from ui.shell import ensure_shell
from ui.views import evaluate as view
from ui.widgets import run_chooser

ensure_shell()

GALLERY_LIMIT = 48

store = resources.store()
st.title("Evaluate")
st.caption(PAGE_INTROS["evaluate"])

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
    format_func=lambda i: view.run_label(by_id[i]) if i else "—",
    key="eval_run_b",
)
found_a = view.predictions(store, info_a)
if found_a is None:
    st.stop()
probs, labels = found_a
info_b = by_id[run_b] if run_b else None
found_b = view.predictions(store, info_b) if info_b else None

runs_shown = [(info_a, found_a)] + ([(info_b, found_b)] if info_b and found_b else [])
confusions = [confusion_from_predictions(*found) for _, found in runs_shown]
view.score_metrics([info.name for info, _ in runs_shown], confusions)

normalize = st.toggle("Row-normalised (each true class sums to 1)", key="eval_norm")
for i, (column, (info, _), confusion) in enumerate(
    zip(st.columns(len(runs_shown)), runs_shown, confusions, strict=True)
):
    title = f"{info.name}: confusion matrix" + (" (row shares)" if normalize else "")
    presenter.chart(
        confusion_heatmap(confusion, normalize=normalize, title=title),
        key=f"eval_confusion_{i}",
        where=column,
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
st.caption("Click a row of the first table to show those mistakes in the gallery below.")
pair_columns = st.columns(len(runs_shown))
for i, (column, (info, _), confusion) in enumerate(
    zip(pair_columns, runs_shown, confusions, strict=True)
):
    pairs = most_confused_pairs(confusion, k=10)
    with column:
        st.markdown(f"**{info.name}**")
        view.pairs_view(pairs_frame(pairs), pairs, "eval_pairs" if i == 0 else None)

st.subheader(f"Misclassified test images of {info_a.name}")
images = view.images_for(resources.dataset_or_error(), labels)
if images is not None:
    f1, f2 = st.columns(2)
    with f1:
        true_class = view.class_filter("True class", "eval_true")
    with f2:
        predicted_class = view.class_filter("Predicted as", "eval_pred")
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
        view.open_in_feature_maps(store, rows, run_a)
