"""Compare: learning curves of several runs side by side, repeated-run statistics, Repeat N,
and sweeps over settings. The run picker, small multiples, Repeat and this session's jobs are
here; the tables in `compare_tables`."""

from __future__ import annotations

import math
from collections.abc import Sequence

import plotly.graph_objects as go
import streamlit as st

from fmnist_viz.figures import gap_chart, group_colors, overlay_curves, small_multiples
from fmnist_viz.jobs import ExecutorError, JobManager
from fmnist_viz.runs import RunError, RunStore
from fmnist_viz.study import (
    MAX_REPEATS,
    STUDY_RUNS_PER_MODEL,
    RunSeries,
    finished_only,
    group_names,
    load_series,
    queue_repeats,
    study_references,
)
from fmnist_viz.teaching import PAGE_INTROS, curves_summary, gap_summary
from fmnist_viz.training import ConfigError
from ui.core import presenter, resources, session, warm_up
from ui.live.job_progress import rerun_when_ended, show_job
from ui.shell import ensure_shell
from ui.views import compare_tables
from ui.widgets import sweep_form

PICK_KEY = "cmp_pick"  # the multiselect's widget key
SAVED_KEY = "cmp_selected"  # the selection, kept while the user is on other pages
KNOWN_KEY = "cmp_known_finished"  # finished runs seen at the last look (to include new ones)
JOBS_KEY = "_cmp_jobs_active"
FLASH_KEY = "cmp_flash"
ERROR_KEY = "cmp_repeat_error"  # why the last Queue click queued nothing, shown once
MULTIPLES_COLS = 3


# ---------------------------------------------------------------- choosing runs to compare


def comparable_ids(store: RunStore) -> list[str]:
    """Return the runs with at least one completed epoch (the ones with curves), oldest first."""
    runs = [r for r in store.list() if r.damaged is None and (r.get("epochs_done") or 0) >= 1]
    return [r.id for r in reversed(runs)]  # oldest first: Model 1 before Model 2


def _score(s: RunSeries) -> str:
    """Return 'test 0.9137', or the status when the run has no test score."""
    return s.status if math.isnan(s.test_accuracy) else f"test {s.test_accuracy:.4f}"


def _grouped(series: Sequence[RunSeries]) -> list[RunSeries]:
    """Return the runs ordered by configuration, keeping their order (oldest first) within one."""
    order = {g: i for i, g in enumerate(group_names(series))}
    return sorted(series, key=lambda s: order[s.group])


def _default_ids(series: Sequence[RunSeries], active: list[str]) -> list[str]:
    """Return the active runs that have curves, else every finished run."""
    ids = {s.run_id for s in series}
    return [a for a in active if a in ids] or [s.run_id for s in finished_only(series)]


def _with_new_finished(
    series: Sequence[RunSeries], picked: list[str], follow: set[str]
) -> list[str]:
    """Add runs that finished since the last look and share a configuration with picked ones,
    or that this session queued to follow (a sweep's runs)."""
    finished = {s.run_id for s in finished_only(series)}
    known = st.session_state.get(KNOWN_KEY)
    st.session_state[KNOWN_KEY] = finished
    if known is None:
        return picked
    keys = {s.key for s in series if s.run_id in picked}
    fresh = [
        s.run_id
        for s in series
        if s.run_id in finished - known and (s.key in keys or s.run_id in follow)
    ]
    return picked + [i for i in fresh if i not in picked]


def _set_group(members: dict[str, list[str]], replace: bool) -> None:
    """Button callback: add the chosen configuration's runs, or keep only those."""
    ids = members.get(st.session_state.get("cmp_group"), [])
    current = [] if replace else list(st.session_state.get(PICK_KEY, []))
    st.session_state[PICK_KEY] = current + [i for i in ids if i not in current]


def _group_helper(series: Sequence[RunSeries]) -> None:
    """A configuration picker with 'add whole group' and 'only this group' buttons."""
    members = {g: [s.run_id for s in _grouped(series) if s.group == g] for g in group_names(series)}
    c1, c2, c3 = st.columns([4, 1, 1], vertical_alignment="bottom")
    c1.selectbox(
        "Configuration",
        list(members),
        format_func=lambda g: f"{g} ({len(members[g])} runs)",
        key="cmp_group",
    )
    c2.button("Add whole group", key="cmp_group_add", on_click=_set_group, args=(members, False))
    c3.button("Only this group", key="cmp_group_only", on_click=_set_group, args=(members, True))


def pick_runs(
    series: Sequence[RunSeries], active: list[str], follow: set[str] | None = None
) -> list[RunSeries]:
    """Draw the run picker (default: active runs, else all finished); return the chosen runs.
    Runs in follow join the selection when they finish."""
    by_id = {s.run_id: s for s in series}
    saved = st.session_state.get(PICK_KEY, st.session_state.get(SAVED_KEY))
    if saved is None:
        saved = _default_ids(series, active)
    picked = [i for i in saved if i in by_id]
    st.session_state[PICK_KEY] = _with_new_finished(series, picked, follow or set())
    chosen = st.multiselect(
        "Runs to compare (sorted by configuration)",
        [s.run_id for s in _grouped(series)],
        format_func=lambda i: f"{by_id[i].name} · {_score(by_id[i])} — {by_id[i].group}",
        key=PICK_KEY,
        placeholder="Choose runs, or add a whole configuration below",
    )
    st.session_state[SAVED_KEY] = chosen
    _group_helper(series)
    return [s for s in _grouped(series) if s.run_id in chosen]


def multiples(
    series: Sequence[RunSeries], metric: str, by: str, colors: dict[str, str]
) -> go.Figure:
    """Small multiples, three per row."""
    return small_multiples(series, metric, by=by, cols=MULTIPLES_COLS, colors=colors)


# ---------------------------------------------------------------- repeat a configuration


def _queue_repeats(jm: JobManager, templates: dict[str, str]) -> None:
    """Queue button callback: N more runs of the chosen configuration (its newest run's
    settings, the next free seeds); the outcome is shown once."""
    group = st.session_state["cmp_repeat_group"]
    try:
        ids = queue_repeats(
            jm, session.owner(), templates[group], int(st.session_state["cmp_repeat_n"])
        )
    except (ConfigError, RunError, ValueError, ExecutorError, KeyError) as exc:
        st.session_state[ERROR_KEY] = f"Cannot queue: {exc}"
        return
    st.session_state[FLASH_KEY] = f"Queued {len(ids)} run(s) of {group}."


def repeat_view(jm: JobManager, series: Sequence[RunSeries]) -> None:
    """Pick a configuration of the selection and queue N more runs of it."""
    groups = group_names(series)
    c1, c2, c3 = st.columns([4, 1, 1], vertical_alignment="bottom")
    c1.selectbox("Configuration to repeat", groups, key="cmp_repeat_group")
    n = int(c2.number_input("New runs", 1, MAX_REPEATS, 3, key="cmp_repeat_n"))
    templates = {g: [s.run_id for s in series if s.group == g][-1] for g in groups}
    c3.button(
        f"Queue {n} run(s)",
        key="cmp_repeat_go",
        type="primary",
        on_click=_queue_repeats,
        args=(jm, templates),
    )
    if ERROR_KEY in st.session_state:
        st.error(st.session_state.pop(ERROR_KEY))
    if FLASH_KEY in st.session_state:
        st.success(st.session_state.pop(FLASH_KEY))
    st.caption(
        "New runs use the next seeds after the largest one this configuration has used; when "
        "they finish they join the charts and tables (while their configuration is selected)."
    )


def jobs_view(jm: JobManager) -> None:
    """This session's training jobs; refreshes every second while any of them is active."""
    jobs = jm.jobs(session.owner())
    active = [j.run_id for j in jobs if j.active]
    # This full run already shows every ended job: the fragment reruns the page only for jobs
    # that end later. (A rerun now would also let the browser's older run selection overwrite
    # the runs pick_runs just added.)
    st.session_state[JOBS_KEY] = active
    if jobs:
        st.fragment(_jobs_body, run_every=1.0 if active else None)(jm)


def _jobs_body(jm: JobManager) -> None:
    """Draw one line per job; rerun the whole page when one has ended since the last draw."""
    jobs = jm.jobs(session.owner())
    now = [j.run_id for j in jobs if j.active]
    rerun_when_ended(JOBS_KEY, now)  # a run finished: redraw the charts with it
    st.markdown(f"**Your training jobs** ({len(now)} active, {len(jobs) - len(now)} ended)")
    for view in jobs[-12:]:
        show_job(view)


def sweep_section(jm: JobManager, store: RunStore) -> None:
    """The Sweep form and the table of a sweep."""
    st.subheader("Sweep settings")
    sweep_form.sweep_form(jm)
    sweep_form.sweep_results(store)


def render() -> None:
    """Draw the Compare page."""
    ensure_shell()
    store = resources.store()
    jm = resources.job_manager()
    st.title("Compare")
    st.caption(PAGE_INTROS["compare"])
    every, skipped = load_series(store, comparable_ids(store))
    for message in skipped:
        st.warning(message)
    if not every:
        st.info("No run has a completed epoch yet. Train one on the Train page, or sweep below.")
        sweep_section(jm, store)
        jobs_view(jm)
        st.stop()

    series = pick_runs(every, session.active_runs(store), sweep_form.followed())
    if not series:
        st.info("Choose at least one run above.")
        sweep_section(jm, store)
        jobs_view(jm)
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
            f"Greys: the study's own {STUDY_RUNS_PER_MODEL} logged runs per model (mean ± std per "
            "epoch; its log has no training loss). Dotted lines: the study's mean test accuracy "
            f"over {STUDY_RUNS_PER_MODEL} runs (a test score, drawn for scale). Both appear only "
            "for configurations on the study's protocol "
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
    presenter.chart(multiples(series, metric, by, colors), key="cmp_multiples")
    st.caption(curves_summary(series, metric))

    st.subheader("Generalisation gap")
    presenter.chart(
        gap_chart(series, bands=not show_runs, colors=colors, study=True), key="cmp_gap"
    )
    st.caption(gap_summary(series))
    st.caption(
        "Training minus validation accuracy after each epoch. A curve that keeps rising means the "
        "model learns the training images better than it generalises: over-fitting."
    )

    st.subheader("Runs")
    compare_tables.run_table_view(series)
    compare_tables.downloads(series)
    st.subheader("Configurations")
    compare_tables.group_table_view(series)
    st.subheader("Is the difference real? (Welch's t-test)")
    compare_tables.welch_view(series)

    st.subheader("Repeat a configuration")
    repeat_view(jm, series)
    sweep_section(jm, store)
    jobs_view(jm)

    warm_up.warm_up()  # after the page is drawn: TensorFlow loads for the inside pages
