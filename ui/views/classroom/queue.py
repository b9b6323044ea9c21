"""The Class page's queue: everyone's running and queued jobs, by nickname, in the order they
will run, with progress (running) or place and estimated start (waiting). One table, so a
refresh replaces it in place whatever the number of jobs."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from fmnist_viz.jobs import JobView
from fmnist_viz.study import NO_NICKNAME

KEY = "class_queue"
COLUMNS = {
    "Progress": st.column_config.ProgressColumn(min_value=0.0, max_value=1.0, format="percent"),
}


def who(view: JobView) -> str:
    """The job's owner as the board names them."""
    return view.nickname or NO_NICKNAME


def state(view: JobView) -> str:
    """'epoch 2/3 · ETA 40 s', 'starting' or 'next in line, starts in about 40 s'."""
    p = view.progress
    if view.status == "running" and p:
        return f"epoch {p['epoch']}/{p['epochs']} · ETA {p['eta_seconds']:,.0f} s"
    if view.status == "running":
        return "starting (loading TensorFlow and the data)"
    return view.place() or "queued"


def job_label(view: JobView) -> str:
    """'Ada · Model 1 · epoch 2/3 · ETA 40 s' (the teacher's job chooser)."""
    return f"{who(view)} · {view.name} · {state(view)}"


def frame(jobs: list[JobView]) -> pd.DataFrame:
    """The queue as a table, in run order."""
    rows = [
        (
            who(v),
            v.name,
            state(v),
            min(1.0, max(0.0, float((v.progress or {}).get("fraction") or 0.0))),
        )
        for v in jobs
    ]
    table = pd.DataFrame(rows, columns=["Nickname", "Run", "State", "Progress"])
    table.index = pd.RangeIndex(1, len(rows) + 1, name="#")
    return table


def show(jobs: list[JobView]) -> None:
    """The queue in run order (running jobs first)."""
    st.subheader("Queue")
    with st.container(key=KEY):
        st.dataframe(frame(jobs), width="stretch", column_config=COLUMNS)
    running = sum(1 for j in jobs if j.status == "running")
    st.caption(
        f"{running} training, {len(jobs) - running} waiting."
        if jobs
        else "Nothing is training or waiting: start a run on the Train page."
    )
