"""The run chooser at the top of every inside page (and Evaluate): which run is shown, what it
is doing, and a switch to another one without going to the Runs page.

Which run: a `?run=` link first, then the user's own choice (it follows them from page to
page), else this session's running or latest job, else the newest finished run in the store
(`run_status.default_run`): no click is needed to see the run one just trained.
"""

from __future__ import annotations

import streamlit as st

from fmnist_viz.runs import ACTIVE, USABLE, RunError, RunInfo, default_run, status_text
from ui.core import resources, session

KEY = "run_choice"


def _label(info: RunInfo) -> str:
    """'tiny model2 · finished, test acc 0.607' for the selectbox ('· training' while it
    trains: the line under the chooser follows its progress)."""
    status = "training" if info.status in ACTIVE else status_text(info)
    return f"{info.name} · {status}"


def _choices() -> tuple[list[RunInfo], str | None]:
    """Runs worth showing (this session's jobs first, then the store's, newest first) and the
    one to show when the user has chosen none."""
    jm = resources.job_manager()
    store = jm.store
    runs = [r for r in store.list() if r.damaged is None and r.status in USABLE]
    mine: list[RunInfo] = []
    for job in jm.jobs(session.owner()):
        try:
            mine.append(store.load(job.run_id))
        except RunError:
            continue
    mine = [r for r in mine if r.damaged is None]
    ordered = [*reversed([r for r in mine if r.status in USABLE])]
    ordered += [r for r in runs if r.id not in {m.id for m in ordered}]
    return ordered, default_run(mine, runs)


def choose_run() -> RunInfo | None:
    """Draw the chooser and return the run to show; None (after saying how to get one) when
    there is no run yet."""
    for run_id, reason in session.refused_runs().items():
        st.error(f"Run {run_id} cannot be shown: {reason}")
    runs, fallback = _choices()
    if not runs:
        waiting = resources.job_manager().active_jobs(session.owner())
        if waiting:
            st.info(
                f"{waiting[-1].name} is queued: this page shows it as soon as it starts training."
            )
            st.fragment(_wait_for_a_run, run_every=1.0)()
            return None
        st.info("No run to show yet: train one (the quick demo takes well under a minute).")
        st.page_link("pages/train.py", label="Train a model", icon=":material/model_training:")
        st.page_link("pages/runs.py", label="Saved runs", icon=":material/folder_open:")
        return None
    by_id = {r.id: r for r in runs}
    active = [r for r in session.active_runs(resources.store()) if r in by_id]
    chosen = active[0] if active else fallback or runs[0].id
    if not active:  # shown without a click: it is the active run now (and in the view link)
        session.set_active_runs([chosen, *session.active_runs_now()])
    if st.session_state.get(KEY) != chosen:
        st.session_state[KEY] = chosen
    picked = st.selectbox(
        "Run", list(by_id), format_func=lambda i: _label(by_id[i]), key=KEY, on_change=_picked
    )
    info = by_id[picked]
    st.fragment(_status_line, run_every=1.0 if info.status in ACTIVE else None)(info.id)
    return info


def _wait_for_a_run() -> None:
    """Polled while the page has no run to show and this session's job is queued: the whole
    page is drawn again once there is a run to show (the job started, or another run ended) or
    once no job waits any more (withdrawn or failed: the page then says how to get a run)."""
    if _choices()[0] or not resources.job_manager().active_jobs(session.owner()):
        st.rerun()


def _status_line(run_id: str) -> None:
    """What the shown run is doing, e.g. 'training, epoch 3.5 of 10' (follows the run)."""
    store = resources.store()
    try:
        info = store.load(run_id)
    except RunError:
        return
    progress = store.progress(run_id) if info.status == "running" else None
    st.caption(f"Showing **{info.name}**: {status_text(info, progress)}")


def shown_run_id() -> str | None:
    """The run the inside pages show now: the chosen one, else the default."""
    active = session.active_runs(resources.store())
    return active[0] if active else _choices()[1]


def _picked() -> None:
    """The user chose a run: it becomes the active run (and the link's ?run=)."""
    picked = st.session_state[KEY]
    others = [r for r in st.session_state.get(session.ACTIVE_KEY, []) if r != picked]
    session.set_active_runs([picked, *others])


def run_name(run_id: str) -> str:
    """The display name of a run (its id when it cannot be read)."""
    try:
        return resources.store().load(run_id).name
    except RunError:
        return run_id
