"""The Train page's live view of this session's latest job: progress, curves, Stop."""

from __future__ import annotations

import streamlit as st

from fmnist_viz.figures import live_curves
from fmnist_viz.jobs import JobManager
from fmnist_viz.runs import BatchTail
from fmnist_viz.teaching import history_summary
from ui.core import presenter, session
from ui.live.job_progress import show_job

RUN_KEY = "train_run"
DRAWN_KEY = "_panel_drawn_active"  # the job was active when the whole page was last drawn
STOPPING_KEY = "_panel_stopping"  # Stop was clicked: say so once


def _stop(jm: JobManager, run_id: str) -> None:
    """Stop button callback: stop this session's job (its best weights so far are kept)."""
    jm.stop(session.owner(), run_id)
    st.session_state[STOPPING_KEY] = True


def show(jm: JobManager) -> None:
    """Draw the panel; it polls about every second while the job is queued or running."""
    run_id = st.session_state.get(RUN_KEY)
    if not run_id:
        return
    view = jm.view(run_id)
    if view is None:
        st.session_state.pop(RUN_KEY, None)
        return
    st.subheader(view.name)
    # Buttons live outside the polling fragment so their clicks rerun the whole page.
    if view.active and jm.owns(session.owner(), run_id):
        st.button("Stop", key="panel_stop", type="primary", on_click=_stop, args=(jm, run_id))
    if st.session_state.pop(STOPPING_KEY, False):
        st.toast("Stopping… the best weights so far are kept.")
    st.session_state[DRAWN_KEY] = view.active  # what this full run draws around the panel
    st.fragment(_panel, run_every=1.0 if view.active else None)(jm, run_id)
    if not view.active:
        _outcome(jm, view.meta, run_id)


def _tail(jm: JobManager, run_id: str) -> BatchTail:
    """This session's incremental reader of the run's batches.csv."""
    tails = st.session_state.setdefault("_tails", {})
    if run_id not in tails:
        tails[run_id] = BatchTail(jm.store.path(run_id))
    return tails[run_id]


def _panel(jm: JobManager, run_id: str) -> None:
    """Status, progress metrics, notes and the live curves (the polling fragment's body)."""
    view = jm.view(run_id)
    if view is None:
        return
    # finished or stopped while the page around still shows it active: rerun the whole page
    # (outcome, sidebar, active-run offer). Every tick asks again until a full run has drawn
    # the end, so a rerun Streamlit drops (e.g. during another rerun) cannot leave it stale.
    if not view.active and st.session_state.get(DRAWN_KEY):
        st.rerun()
    st.markdown(f"Status: **{view.status}**")
    if view.status == "queued":
        st.info(f"Queued: {view.place() or 'waiting'}; it starts when a worker is free.")
    if view.active:
        show_job(view)
        p = view.progress
        if p:
            c = st.columns(4)
            c[0].metric("Epoch", f"{p['epoch']} / {p['epochs']}")
            c[1].metric("Batch", f"{p['batch']} / {p['steps_per_epoch']}")
            c[2].metric("Samples/s", f"{p['samples_per_second']:,.0f}")
            c[3].metric("ETA", f"{p['eta_seconds']:,.0f} s")
    meta = view.meta
    for note in meta.get("notes") or []:
        st.caption(note)
    rows = _tail(jm, run_id).read()
    history = jm.store.history(run_id)
    steps = int(meta.get("steps_per_epoch") or 1)
    epochs = int(meta.get("config", {}).get("epochs") or 1)
    presenter.chart(live_curves(rows, history, steps, epochs), key="live_curves")
    st.caption(history_summary(history))


def _outcome(jm: JobManager, meta: dict, run_id: str) -> None:
    """How the run ended, and the offer to make it the active run."""
    status = meta.get("status")
    if status == "finished":
        st.success(
            f"Finished: test accuracy {meta.get('test_accuracy', float('nan')):.4f}, "
            f"best validation accuracy {meta.get('best_val_accuracy', float('nan')):.4f} "
            f"(epoch {meta.get('best_epoch')})."
        )
    elif status == "stopped":
        done = meta.get("epochs_done", 0)
        st.warning(f"Stopped after {done} complete epoch(s); the best weights so far are kept.")
    elif status in ("failed", "interrupted"):
        st.error(f"The run {status}: {meta.get('error', 'no details')}")
        return
    active = session.active_runs(jm.store)
    if run_id in active:
        st.caption("This run is the active run: open Feature maps, Kernels, ReLU or Dropout.")
    else:
        st.button(
            "Make it the active run",
            key="panel_activate",
            on_click=session.set_active_runs,
            args=([run_id],),
        )
