"""Streamlit pieces of the Compare page: run picker, small multiples, tables, Welch, Repeat,
this session's jobs."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from fmnist_viz.figures import small_multiples
from fmnist_viz.jobs import ExecutorError, JobManager
from fmnist_viz.runs import RunError, RunStore
from fmnist_viz.study import (
    MAX_REPEATS,
    RunSeries,
    finished_only,
    group_names,
    group_table,
    histories_csv,
    queue_repeats,
    run_table,
    run_table_csv,
    study_references,
    welch_between,
)
from fmnist_viz.training import ConfigError
from ui.core import session
from ui.live.job_progress import rerun_when_ended, show_job

PICK_KEY = "cmp_pick"  # the multiselect's widget key
SAVED_KEY = "cmp_selected"  # the selection, kept while the user is on other pages
KNOWN_KEY = "cmp_known_finished"  # finished runs seen at the last look (to include new ones)
JOBS_KEY = "_cmp_jobs_active"
FLASH_KEY = "cmp_flash"
MULTIPLES_COLS = 3
FOUR = st.column_config.NumberColumn(format="%.4f")


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


# ---------------------------------------------------------------- tables and test


RUN_VIEW = {  # the long configuration label last: the numbers stay in view on narrow screens
    "run": "run",
    "status": "status",
    "seed": "seed",
    "test_accuracy": "test acc",
    "best_val_accuracy": "best val acc",
    "best_epoch": "best epoch",
    "final_train_accuracy": "final train acc",
    "gap": "gap",
    "gap_basis": "gap vs",
    "params": "params",
    "seconds_per_epoch": "s/epoch",
    "group": "configuration",
}
GROUP_VIEW = {
    "group": "configuration",
    "runs": "runs",
    "test_n": "n",
    "test_mean": "mean",
    "test_std": "std",
    "test_min": "min",
    "test_max": "max",
    "gap_mean": "gap mean",
    "gap_std": "gap std",
}


def run_table_view(series: Sequence[RunSeries]) -> None:
    """One row per run: test, best validation and final training accuracy, gap, size, speed."""
    table = run_table(series)[list(RUN_VIEW)].rename(columns=RUN_VIEW)
    if (table["gap vs"] == "test").all():
        table = table.drop(columns="gap vs")
    config = {c: FOUR for c in ("test acc", "best val acc", "final train acc", "gap")}
    config["params"] = st.column_config.NumberColumn(format="localized")
    config["s/epoch"] = st.column_config.NumberColumn(format="%.1f")
    st.dataframe(table, hide_index=True, column_config=config, key="cmp_run_table")
    st.caption(
        "gap = final training accuracy − test accuracy (− best validation accuracy for runs "
        "without a test score: 'gap vs' val). Best epoch: the lowest validation loss, whose "
        "weights are kept and tested."
    )


def group_frame(series: Sequence[RunSeries]) -> pd.DataFrame:
    """Return test-accuracy statistics per configuration plus the study's reported means."""
    table = group_table(series)[list(GROUP_VIEW)].rename(columns=GROUP_VIEW)
    rows = [
        {"configuration": label, "runs": 10, "n": 10, "mean": value}
        for label, value in study_references(series).items()
    ]
    return pd.concat([table, pd.DataFrame(rows, columns=table.columns)], ignore_index=True)


def group_table_view(series: Sequence[RunSeries]) -> None:
    """Draw the per-configuration table of test accuracies."""
    frame = group_frame(series)
    config = {c: FOUR for c in ("mean", "std", "min", "max", "gap mean", "gap std")}
    st.dataframe(
        frame, hide_index=True, column_config=config, key="cmp_group_table", placeholder="–"
    )
    st.caption(
        "Test accuracy per configuration over its runs with a test score (n); std is the sample "
        "standard deviation. 'Study' rows are the means the study reports for 10 runs each."
    )


def short_labels(a: str, b: str) -> tuple[str, str, str]:
    """Return the parts in which two group labels differ, and the parts they share."""
    pa, pb = a.split(" · "), b.split(" · ")
    shared = [p for p in pa if p in pb]
    da = " · ".join(p for p in pa if p not in shared) or a
    db = " · ".join(p for p in pb if p not in shared) or b
    return da, db, " · ".join(shared)


def welch_view(series: Sequence[RunSeries]) -> None:
    """Welch's t-test of the test accuracies of two chosen configurations, read aloud."""
    groups = group_names(series)
    if len(groups) < 2:
        st.caption("Select runs of two configurations to test whether their means differ.")
        return
    c1, c2 = st.columns(2)
    a = c1.selectbox("Configuration A", groups, index=0, key="cmp_welch_a")
    b = c2.selectbox("Configuration B", groups, index=1, key="cmp_welch_b")
    if a == b:
        st.info("Choose two different configurations.")
        return
    result = welch_between(series, a, b)
    label_a, label_b, shared = short_labels(a, b)
    st.markdown(result.reading(label_a=label_a, label_b=label_b))
    detail = (
        f"Mean test accuracy {label_a} {result.mean_a:.4f} (n = {result.n_a}), "
        f"{label_b} {result.mean_b:.4f} (n = {result.n_b})"
    )
    if not math.isnan(result.p):
        detail += f"; Welch's t = {result.t:.2f}, df = {result.df:.1f}, p = {result.p:.3g}"
    st.caption(detail + (f". Both: {shared}." if shared else "."))


def downloads(series: Sequence[RunSeries]) -> None:
    """CSV downloads of the run table and of every run's per-epoch history."""
    row = st.container(horizontal=True)
    row.download_button(
        "Run table (CSV)",
        run_table_csv(series),
        file_name="runs.csv",
        mime="text/csv",
        key="cmp_dl_runs",
        on_click="ignore",
    )
    row.download_button(
        "Histories (CSV)",
        histories_csv(series),
        file_name="histories.csv",
        mime="text/csv",
        key="cmp_dl_histories",
        on_click="ignore",
    )


# ---------------------------------------------------------------- repeat a configuration


def repeat_view(jm: JobManager, series: Sequence[RunSeries]) -> None:
    """Pick a configuration of the selection and queue N more runs of it."""
    groups = group_names(series)
    c1, c2, c3 = st.columns([4, 1, 1], vertical_alignment="bottom")
    group = c1.selectbox("Configuration to repeat", groups, key="cmp_repeat_group")
    n = int(c2.number_input("New runs", 1, MAX_REPEATS, 3, key="cmp_repeat_n"))
    if c3.button(f"Queue {n} run(s)", key="cmp_repeat_go", type="primary"):
        template = [s for s in series if s.group == group][-1].run_id
        try:
            ids = queue_repeats(jm, session.owner(), template, n)
        except (ConfigError, RunError, ValueError, ExecutorError) as exc:
            st.error(f"Cannot queue: {exc}")
            return
        st.session_state[FLASH_KEY] = f"Queued {len(ids)} run(s) of {group}."
        st.rerun()  # redraw the sidebar with the new jobs
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
