"""The Class page's queue: everyone's running and queued jobs, by nickname, in the order they
will run, with progress (running) or place and estimated start (waiting)."""

from __future__ import annotations

import streamlit as st

from fmnist_viz.jobs import JobView
from fmnist_viz.study import NO_NICKNAME


def who(view: JobView) -> str:
    """The job's owner as the board names them."""
    return view.nickname or NO_NICKNAME


def job_label(view: JobView) -> str:
    """'Ada · Model 1 · epoch 2/3' (for the teacher's job chooser too)."""
    p = view.progress
    if view.status == "running" and p:
        state = f"epoch {p['epoch']}/{p['epochs']}"
    elif view.status == "running":
        state = "starting"
    else:
        state = view.place() or "queued"
    return f"{who(view)} · {view.name} · {state}"


def show(jobs: list[JobView]) -> None:
    """The queue in run order: a progress bar per running job, a line per waiting one."""
    st.subheader("Queue")
    if not jobs:
        st.caption("Nothing is training or waiting: start a run on the Train page.")
        return
    for number, view in enumerate(jobs, start=1):
        line = f"{number}. **{who(view)}**: {view.name}"
        if view.status == "running":
            p = view.progress
            if p:
                text = f"{line} · epoch {p['epoch']}/{p['epochs']}, ETA {p['eta_seconds']:,.0f} s"
                st.progress(min(1.0, max(0.0, float(p["fraction"]))), text=text)
            else:
                st.progress(0.0, text=f"{line} · starting (loading TensorFlow and the data)")
        else:
            st.markdown(f"{line} · {view.place() or 'queued'}")
