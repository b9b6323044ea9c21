"""The Class page, for the projector and for students: the scatter of the server's finished
runs and the queue side by side, the leaderboard below (the teacher's challenge ranked, the
other runs apart), refreshed by a polling fragment; the nickname; the teacher controls.

Pieces: `board` (rows, scatter, tables, opening a run), `queue` (everyone's jobs), `teacher`
(the key, the challenge, pause, hide, stop)."""

from __future__ import annotations

import streamlit as st

from fmnist_viz.jobs import PAUSED, ClassSettings, JobManager
from ui.core import resources, warm_up
from ui.shell import ensure_shell
from ui.views.classroom import board, queue, teacher
from ui.widgets import nickname

POLL_SECONDS = 2.5  # runs end minutes apart; progress bars move every poll
LIVE_KEY = "class_live"
INTRO = (
    "Everyone's finished runs on this server: test accuracy against parameters, the queue, "
    "and the leaderboard (click a column to sort, a row or a point to open the run)."
)
# A refresh replaces the board in place; Streamlit would dim it meanwhile (its "stale" look),
# a flicker at every poll: not here.
NO_DIMMING = (
    f"<style>.st-key-{LIVE_KEY} [data-stale='true'], [data-stale='true']:has(.st-key-{LIVE_KEY})"
    " {opacity: 1 !important; transition: none !important;}</style>"
)

__all__ = ["board", "queue", "render", "teacher"]


def render() -> None:
    """Draw the Class page."""
    ensure_shell()
    jm = resources.job_manager()
    st.title("Class")
    st.caption(INTRO)
    left, right = st.columns([1, 3], vertical_alignment="bottom")
    nickname.nickname_input(jm, where=left)
    right.caption("Your nickname names your runs on the board and in the queue.")
    st.html(NO_DIMMING)
    live, controls = st.container(), st.container()
    # the teacher controls sit outside the polling fragment: a click on a button inside one
    # can be lost when its timer's rerun comes first (seen in Chromium: the teacher's Stop job
    # did nothing). Drawn first (shown below), so the fragment compares what they list with
    # what is there now, and asks for a full rerun when the jobs or runs have changed.
    with controls:
        settings, _ = jm.classroom.read()
        teacher.panel(jm, settings, board.board(jm.store, settings))
    with live:
        st.fragment(_live, run_every=POLL_SECONDS)(jm)
    warm_up.warm_up()  # after the page is drawn: TensorFlow loads for the inside pages


def _banner(settings: ClassSettings, problem: str | None) -> None:
    """The challenge and whether submissions are paused."""
    if problem:
        st.warning(problem)
    if settings.paused:
        st.warning(f"{PAUSED}: new runs cannot start.", icon=":material/pause_circle:")
    if settings.challenge is not None:
        st.info(
            f"**Challenge:** {settings.challenge.describe()}. The leaderboard ranks only runs "
            "trained with exactly these settings.",
            icon=":material/flag:",
        )


def _live(jm: JobManager) -> None:
    """The polling part: banner, scatter, queue, tables (rebuilt when a run changed), and
    the teacher controls (their lists of jobs and runs follow the server)."""
    board.open_if_asked()
    settings, problem = jm.classroom.read()
    now = board.board(jm.store, settings)
    challenge = settings.challenge
    with st.container(key=LIVE_KEY):
        _banner(settings, problem)
        left, right = st.columns([3, 2], gap="large")
        with left:
            title = "The challenge's runs" if challenge else "Test accuracy against parameters"
            board.scatter(now.ranked, title, now.signature)
        with right:
            queue.show(jm.queue())
        st.subheader("Leaderboard: the challenge" if challenge else "Leaderboard")
        picked = None
        if now.ranked:
            picked = board.table(now.ranked, "class_board")
        else:
            st.info(_empty_text(challenge is not None))
        if now.others:
            st.subheader("Other runs (not the challenge)")
            st.caption("Finished runs trained with other settings than the challenge's.")
            picked = board.table(now.others, "class_others") or picked
        if now.ranked or now.others:
            board.open_button(picked, now.ranked + now.others, "class_open")
    teacher.refresh_if_changed(jm, now)


def _empty_text(challenge: bool) -> str:
    """What the board says before it has a run."""
    if challenge:
        return "No finished run matches the challenge yet: start one with its settings."
    return "No finished run yet: train one on the Train page, it appears here when it ends."
