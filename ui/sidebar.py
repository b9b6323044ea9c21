"""The sidebar on every page: active run(s) and this session's training job."""

from __future__ import annotations

import streamlit as st

from fmnist_viz.jobs import JobManager, JobView
from fmnist_viz.runs import RunError, RunStore
from ui import state


def render(jm: JobManager) -> None:
    with st.sidebar:
        _active_runs(jm.store)
        jobs = jm.active_jobs(state.owner())
        st.fragment(_job_status, run_every=1.0 if jobs else None)(jm)
        for view in jobs:  # outside the fragment: a click reruns the whole page
            if st.button(f"Stop {view.name}", key=f"sidebar_stop_{view.run_id}"):
                jm.stop(state.owner(), view.run_id)


def _active_runs(store: RunStore) -> None:
    st.markdown("**Active run**")
    runs = state.active_runs(store)
    if not runs:
        st.caption("None yet: train one, or pick one on the Runs page.")
        return
    for run_id in runs:
        try:
            info = store.load(run_id)
        except RunError:
            continue
        acc = info.get("test_accuracy")
        extra = f" · test acc {acc:.3f}" if isinstance(acc, float) else f" · {info.status}"
        st.caption(f"**{info.name}**{extra}")


def job_line(view: JobView) -> str:
    """One line describing a job's state."""
    if view.status == "queued":
        return f"{view.name}: queued, position {view.queue_position or '?'}"
    p = view.progress
    if view.status == "running" and p:
        return (
            f"{view.name}: epoch {p['epoch']}/{p['epochs']}, batch {p['batch']}/"
            f"{p['steps_per_epoch']} · {p['samples_per_second']:,.0f} samples/s · "
            f"ETA {p['eta_seconds']:,.0f} s"
        )
    if view.status == "running":
        return f"{view.name}: starting (loading TensorFlow and the data)…"
    return f"{view.name}: {view.status}"


def _job_status(jm: JobManager) -> None:
    owner = state.owner()
    jobs = jm.jobs(owner)
    active = [j for j in jobs if j.active]
    was_active = st.session_state.get("_sidebar_active", [])
    st.session_state["_sidebar_active"] = [j.run_id for j in active]
    if set(was_active) - {j.run_id for j in active}:
        st.rerun()  # a job just ended: refresh the whole page once
    if not active:
        return
    st.markdown("**Training**")
    for view in active:
        p = view.progress
        st.progress(p["fraction"] if p else 0.0, text=job_line(view))
