"""The sidebar on every page: the presenter display's toggle, active run(s) and this session's
training jobs."""

from __future__ import annotations

import streamlit as st

from fmnist_viz.jobs import JobManager
from fmnist_viz.runs import RunError, RunStore
from ui import presenter, state
from ui.job_progress import rerun_when_ended, show_job


def render(jm: JobManager) -> None:
    """Draw the sidebar; its job list polls every second while a job is active."""
    with st.sidebar:
        presenter.toggle()
        _active_runs(jm.store)
        jobs = jm.active_jobs(state.owner())
        st.fragment(_job_status, run_every=1.0 if jobs else None)(jm)
        for view in jobs:  # outside the fragment: a click reruns the whole page
            if st.button(f"Stop {view.name}", key=f"sidebar_stop_{view.run_id}"):
                jm.stop(state.owner(), view.run_id)


def _active_runs(store: RunStore) -> None:
    """The active runs with their test accuracy or status (else the run the inside pages
    show by default)."""
    from ui.run_chooser import shown_run_id

    st.markdown("**Active run**")
    runs = state.active_runs(store)
    if not runs:
        shown = shown_run_id()
        if shown is None:
            st.caption("None yet: train one, or pick one on the Runs page.")
            return
        runs = [shown]
    for run_id in runs:
        try:
            info = store.load(run_id)
        except RunError:
            continue
        acc = info.get("test_accuracy")
        extra = f" · test acc {acc:.3f}" if isinstance(acc, float) else f" · {info.status}"
        st.caption(f"**{info.name}**{extra}")


def _show_finished(ended: set[str]) -> None:
    """A job of this session ended: its run becomes the active run (the newest one first)."""
    state.set_active_runs(sorted(ended, reverse=True) + state.active_runs_now())


def _job_status(jm: JobManager) -> None:
    """This session's active jobs with progress; the page reruns once when one ends."""
    active = jm.active_jobs(state.owner())
    rerun_when_ended("_sidebar_active", [j.run_id for j in active], on_end=_show_finished)
    if not active:
        return
    st.markdown("**Training**")
    for view in active:
        show_job(view)
