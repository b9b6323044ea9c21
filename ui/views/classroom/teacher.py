"""The Class page's teacher controls: unlock with the key, pause submissions, set or clear the
challenge, hide or show a run, stop or withdraw any job, lock again.

The session's `TeacherPass` lives in session state only. Every action is an `on_click`
callback that hands the engine this session's pass (None when there is none): the engine
checks it and raises RightsError without a valid one, shown here as an error. The controls are
only drawn for a session with a valid pass, but nothing relies on that.
"""

from __future__ import annotations

import math

import streamlit as st

from fmnist_viz.jobs import (
    TEACHER_KEY_ENV,
    TITLE_MAX,
    Challenge,
    ClassSettings,
    JobManager,
    TeacherPass,
)
from fmnist_viz.study import BoardRow
from fmnist_viz.training import EPOCHS_MAX, ConfigError
from ui.core import session
from ui.views.classroom import board
from ui.views.classroom.queue import job_label

PASS_KEY = "_class_teacher_pass"
MESSAGE_KEY = "_class_teacher_message"  # (kind, text) said once on the panel's next run
LIVE_MESSAGE_KEY = "_class_teacher_live_message"  # the same for the polling controls
KEY_INPUT = "class_teacher_key"
PAUSED_KEY = "class_paused"
LISTED_KEY = "_class_teacher_listed"  # the jobs and runs the controls were drawn with
NO_KEY = (
    f"Teacher controls are off on this server. To enable them, start the server with "
    f"`{TEACHER_KEY_ENV}` set, e.g. `{TEACHER_KEY_ENV}=<a key of your own> streamlit run "
    "dashboard.py`, then unlock them here by typing that key (it is never put in a URL)."
)
Errors = (PermissionError, ConfigError, TypeError, ValueError, OverflowError)


def gate_id() -> str:
    """Whom the gate counts wrong tries for: this browser (a reload does not reset the wait)."""
    return session.owner()


def current_pass(jm: JobManager) -> TeacherPass | None:
    """This session's pass when the gate still accepts it for this browser, else None."""
    held = st.session_state.get(PASS_KEY)
    if isinstance(held, TeacherPass) and held.session_id == gate_id() and jm.teacher.valid(held):
        return held
    return None


def _say(kind: str, text: str, key: str = MESSAGE_KEY) -> None:
    st.session_state[key] = (kind, text)


def _said(key: str = MESSAGE_KEY) -> None:
    """Show (once) what the last action said."""
    kind, text = st.session_state.pop(key, (None, ""))
    if kind == "error":
        st.error(text)
    elif kind == "success":
        st.success(text)


def panel(jm: JobManager, settings: ClassSettings, now: board.Board) -> None:
    """The expander 'Teacher controls'."""
    with st.expander("Teacher controls", expanded=False, icon=":material/key:"):
        _said()
        if not jm.teacher.enabled:
            st.caption(NO_KEY)
            return
        teacher_pass = current_pass(jm)
        if teacher_pass is None:
            _unlock_form(jm)
            return
        st.caption("Unlocked for this browser tab until you lock it or the session ends.")
        st.session_state[PAUSED_KEY] = settings.paused  # what the class settings say now
        st.toggle(
            "Pause new trainings",
            key=PAUSED_KEY,
            on_change=_pause,
            args=(jm,),
            help="Students cannot start a run while paused; running and queued jobs go on.",
        )
        _challenge_form(jm, settings)
        _job_and_run_controls(jm, now)
        st.button("Lock", key="class_lock", icon=":material/lock:", on_click=_lock, args=(jm,))


def _unlock_form(jm: JobManager) -> None:
    """The key input and Unlock (Enter works too)."""
    with st.form("class_unlock", border=False):
        st.text_input("Teacher key", type="password", key=KEY_INPUT, autocomplete="off")
        st.form_submit_button("Unlock", on_click=_unlock, args=(jm,))


def _unlock(jm: JobManager) -> None:
    """Try the typed key (never kept: the input is emptied)."""
    typed = st.session_state.get(KEY_INPUT, "")
    st.session_state[KEY_INPUT] = ""
    gate, who = jm.teacher, gate_id()
    wait = gate.wait_seconds(who)
    if wait > 0:
        _say(
            "error", f"Wait {math.ceil(wait)} s before the next try (each wrong key waits longer)."
        )
        return
    teacher_pass = gate.unlock(who, typed if isinstance(typed, str) else "")
    if teacher_pass is None:
        wait = math.ceil(gate.wait_seconds(who))
        _say("error", f"That is not the teacher key. The next try is compared in {wait} s.")
        return
    st.session_state[PASS_KEY] = teacher_pass
    _say("success", "Teacher controls unlocked for this session.")


def _lock(jm: JobManager) -> None:
    """End this session's rights."""
    jm.teacher.lock(st.session_state.pop(PASS_KEY, None))
    _say("success", "Locked: this session has no teacher rights any more.")


def _pause(jm: JobManager) -> None:
    """Pause or resume new submissions."""
    paused = st.session_state.get(PAUSED_KEY) is True
    try:
        jm.classroom.set_paused(current_pass(jm), paused)
    except Errors as exc:
        _say("error", str(exc))
        return
    _say("success", "New trainings are paused." if paused else "New trainings may start again.")


def _challenge_form(jm: JobManager, settings: ClassSettings) -> None:
    """The challenge now, a form to set one, and Clear."""
    current = settings.challenge
    st.markdown(f"**Challenge:** {current.describe() if current else 'none'}")
    with st.form("class_challenge", border=True):
        c1, c2, c3, c4 = st.columns(4)
        c1.number_input("Epochs", 1, EPOCHS_MAX, current.epochs if current else 3, key="ch_epochs")
        c2.number_input(
            "Training images (0: all)",
            0,
            60_000,
            (current.train_limit or 0) if current else 10_000,
            step=1_000,
            key="ch_images",
        )
        c3.number_input(
            "Batch size", 1, None, current.batch_size if current else 64, key="ch_batch"
        )
        c4.number_input(
            "Max parameters (0: no budget)",
            0,
            None,
            (current.max_params or 0) if current else 0,
            step=10_000,
            key="ch_params",
        )
        st.text_input(
            "Title", current.title if current else "", max_chars=TITLE_MAX, key="ch_title"
        )
        st.form_submit_button("Set challenge", on_click=_set_challenge, args=(jm,))
    st.button(
        "Clear challenge",
        key="class_clear_challenge",
        disabled=current is None,
        on_click=_clear_challenge,
        args=(jm,),
    )


def _set_challenge(jm: JobManager) -> None:
    """Set the challenge from the form (the engine checks the settings and the pass)."""
    state = st.session_state
    try:
        images, budget = int(state.get("ch_images", 0)), int(state.get("ch_params", 0))
        challenge = Challenge(
            epochs=int(state.get("ch_epochs", 0)),
            train_limit=images or None,
            batch_size=int(state.get("ch_batch", 0)),
            max_params=budget or None,
            title=str(state.get("ch_title", "")).strip(),
        )
        new = jm.classroom.set_challenge(current_pass(jm), challenge)
    except Errors as exc:
        _say("error", f"The challenge was not set: {exc}")
        return
    _say("success", f"Challenge set: {new.challenge.describe() if new.challenge else ''}")


def _clear_challenge(jm: JobManager) -> None:
    try:
        jm.classroom.set_challenge(current_pass(jm), None)
    except Errors as exc:
        _say("error", str(exc))
        return
    _say("success", "Challenge cleared: every finished run is ranked.")


def _listed(jm: JobManager, now: board.Board) -> tuple:
    """What the job and run controls list: the jobs and the board's runs. Not the jobs'
    states: a full rerun as a job starts could swallow a click on Stop made at that moment."""
    jobs = tuple(j.run_id for j in jm.queue())
    return jobs, now.signature


def refresh_if_changed(jm: JobManager, now: board.Board) -> None:
    """Called by the polling fragment: for an unlocked teacher, rerun the whole page when the
    jobs or runs the controls list differ from those drawn (the controls stay current)."""
    drawn = st.session_state.get(LISTED_KEY)
    if drawn is not None and current_pass(jm) is not None and drawn != _listed(jm, now):
        st.rerun(scope="app")


def _job_and_run_controls(jm: JobManager, now: board.Board) -> None:
    """Stop or withdraw a job, hide or show a run."""
    _said(LIVE_MESSAGE_KEY)
    st.session_state[LISTED_KEY] = _listed(jm, now)
    jobs = {j.run_id: j for j in jm.queue()}
    left, right = st.columns(2)
    with left:
        st.markdown("**Jobs**")
        if jobs:
            st.selectbox(
                "Job", list(jobs), format_func=lambda r: job_label(jobs[r]), key="class_job"
            )
            b1, b2 = st.columns(2)
            b1.button("Stop job", key="class_stop", on_click=_stop, args=(jm,))
            b2.button(
                "Withdraw (queued only)", key="class_withdraw", on_click=_withdraw, args=(jm,)
            )
        else:
            st.caption("No job is running or waiting.")
    with right:
        shown = {r.run_id: r for r in now.ranked + now.others}
        hidden = {r.run_id: r for r in now.hidden}
        st.markdown("**Runs on the board**")
        _run_choice("Run", shown, "class_hide_pick", "Hide from the board", jm, True)
        st.markdown("**Hidden runs**")
        _run_choice("Hidden run", hidden, "class_unhide_pick", "Show again", jm, False)


def _run_choice(
    label: str, rows: dict[str, BoardRow], key: str, action: str, jm: JobManager, hide: bool
) -> None:
    """A run chooser and its button (hide or show again)."""
    if not rows:
        st.caption("None.")
        return

    def name(run_id: str) -> str:
        row = rows[run_id]
        return f"{row.nickname} · {row.name} · {run_id}"

    st.selectbox(label, list(rows), format_func=name, key=key)
    st.button(action, key=f"{key}_go", on_click=_hide, args=(jm, key, hide))


def _hide(jm: JobManager, key: str, hidden: bool) -> None:
    """Hide the chosen run from the board, or show it again (it is never deleted)."""
    run_id = st.session_state.get(key)
    try:
        jm.classroom.set_hidden(current_pass(jm), run_id, hidden=hidden)
    except Errors as exc:
        _say("error", str(exc), LIVE_MESSAGE_KEY)
        return
    what = "hidden from the board" if hidden else "back on the board"
    _say("success", f"{run_id} is {what}.", LIVE_MESSAGE_KEY)


def _stop(jm: JobManager) -> None:
    """Stop the chosen job (running: it keeps its best weights; waiting: it never starts)."""
    run_id = st.session_state.get("class_job")
    try:
        teacher_pass = jm.teacher.check(current_pass(jm))
        stopped = isinstance(run_id, str) and jm.stop(session.owner(), run_id, teacher_pass)
    except Errors as exc:
        _say("error", str(exc), LIVE_MESSAGE_KEY)
        return
    text = f"Stopping {run_id}." if stopped else f"{run_id} is not running or waiting any more."
    _say("success" if stopped else "error", text, LIVE_MESSAGE_KEY)


def _withdraw(jm: JobManager) -> None:
    """Withdraw the chosen job when it is still waiting."""
    run_id = st.session_state.get("class_job")
    try:
        withdrawn = isinstance(run_id, str) and jm.withdraw(current_pass(jm), run_id)
    except Errors as exc:
        _say("error", str(exc), LIVE_MESSAGE_KEY)
        return
    text = f"{run_id} is withdrawn." if withdrawn else f"{run_id} is not waiting (Stop it instead)."
    _say("success" if withdrawn else "error", text, LIVE_MESSAGE_KEY)
