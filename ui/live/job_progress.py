"""One job-progress widget for the sidebar, the Train page's live panel and Compare: the line
that describes a job, its progress bar, and "rerun the page once when a job ends"."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import streamlit as st

from fmnist_viz.jobs import JobView


def job_line(view: JobView) -> str:
    """One line describing a job's state."""
    if view.status == "queued":
        return f"{view.name}: queued, {view.place() or 'waiting'}"
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


def show_job(view: JobView) -> None:
    """A progress bar with the job's line while it is active, a caption once it has ended."""
    if view.active:
        p = view.progress
        st.progress(p["fraction"] if p else 0.0, text=job_line(view))
    else:
        st.caption(job_line(view))


def rerun_when_ended(
    key: str,
    active: Iterable[str],
    watched: Iterable[str] | None = None,
    on_end: Callable[[set[str]], None] | None = None,
) -> None:
    """Rerun the whole page once when a job active at this key's last call is active no more.

    `active` are the run ids active now; with `watched`, only those runs' ends count; `on_end`
    gets the ids that ended, before the rerun. Called from a polling fragment, it refreshes
    what the rest of the page shows of finished runs.
    """
    now = list(active)
    before = set(st.session_state.get(key, []))
    st.session_state[key] = now
    ended = before - set(now)
    if watched is not None:
        ended &= set(watched)
    if ended:
        if on_end is not None:
            on_end(ended)
        st.rerun()
