"""Compare: learning curves of several runs side by side, repeated-run statistics, Repeat N,
and sweeps over settings."""

import streamlit as st

from fmnist_viz.figures import gap_chart, group_colors, overlay_curves
from fmnist_viz.study import group_names, load_series, study_references
from fmnist_viz.teaching import PAGE_INTROS, curves_summary, gap_summary
from ui.core import presenter, resources, session, warm_up
from ui.shell import ensure_shell
from ui.views import compare as view
from ui.widgets import sweep_form

ensure_shell()

store = resources.store()
jm = resources.job_manager()
st.title("Compare")
st.caption(PAGE_INTROS["compare"])


def sweep_section() -> None:
    """The Sweep form and the table of a sweep."""
    st.subheader("Sweep settings")
    sweep_form.sweep_form(jm)
    sweep_form.sweep_results(store)


every, skipped = load_series(store, view.comparable_ids(store))
for message in skipped:
    st.warning(message)
if not every:
    st.info("No run has a completed epoch yet. Train one on the Train page, or sweep below.")
    sweep_section()
    view.jobs_view(jm)
    st.stop()

series = view.pick_runs(every, session.active_runs(store), sweep_form.followed())
if not series:
    st.info("Choose at least one run above.")
    sweep_section()
    view.jobs_view(jm)
    st.stop()

colors = group_colors(group_names(series))
references = study_references(series)
st.subheader("Learning curves")
show_runs = st.toggle(
    "Show individual runs",
    key="cmp_show_runs",
    help="Configurations with several runs are drawn as mean ± one standard deviation.",
)
for metric in ("accuracy", "loss"):
    presenter.chart(
        overlay_curves(
            series,
            metric,
            show_runs=show_runs,
            reference=references if metric == "accuracy" else None,
            colors=colors,
            study=True,
        ),
        key=f"cmp_overlay_{metric}",
    )
    st.caption(curves_summary(series, metric))
if references:
    st.caption(
        "Greys: the study's own 10 logged runs per model (mean ± std per epoch; its log has no "
        "training loss). Dotted lines: the study's mean test accuracy over 10 runs (a test "
        "score, drawn for scale). Both appear only for configurations on the study's protocol "
        "with the full data."
    )

st.subheader("Side by side")
c1, c2 = st.columns(2)
metric = c1.radio("Metric", ["accuracy", "loss"], horizontal=True, key="cmp_sm_metric")
by = c2.radio(
    "One panel per",
    ["group", "run"],
    format_func=lambda b: "configuration" if b == "group" else "run",
    horizontal=True,
    key="cmp_sm_by",
)
presenter.chart(view.multiples(series, metric, by, colors), key="cmp_multiples")
st.caption(curves_summary(series, metric))

st.subheader("Generalisation gap")
presenter.chart(gap_chart(series, bands=not show_runs, colors=colors, study=True), key="cmp_gap")
st.caption(gap_summary(series))
st.caption(
    "Training minus validation accuracy after each epoch. A curve that keeps rising means the "
    "model learns the training images better than it generalises: over-fitting."
)

st.subheader("Runs")
view.run_table_view(series)
view.downloads(series)
st.subheader("Configurations")
view.group_table_view(series)
st.subheader("Is the difference real? (Welch's t-test)")
view.welch_view(series)

st.subheader("Repeat a configuration")
view.repeat_view(jm, series)
sweep_section()
view.jobs_view(jm)

warm_up.warm_up()  # after the page is drawn: TensorFlow loads for the inside pages
