"""The Lesson's place: which step is shown (kept in session state and in the URL, ?step=3),
and the Back / Next buttons."""

from __future__ import annotations

import streamlit as st

from fmnist_viz.teaching import STEPS, step_number
from ui.core import session

KEY = "lesson_step"
URL_KEY = "step"


def current() -> int:
    """The step shown (1-based): a link's ?step= decides on the session's first visit (a
    teacher's link to a step); then Back and Next move it, and the URL follows."""
    if KEY not in st.session_state:
        st.session_state[KEY] = step_number(st.query_params.get(URL_KEY, 1))
    number = step_number(st.session_state[KEY])
    st.session_state[KEY] = number
    session.set_url_value(URL_KEY, number)
    return number


def _go(number: int) -> None:
    st.session_state[KEY] = number


def top(number: int) -> None:
    """The page's first row: its title, Back, how far along the lesson is, Next."""
    # the lesson fills a projected screen: less empty room above the first row
    st.html("<style>.stMainBlockContainer {padding-top: 3.5rem;}</style>")
    title, back, middle, forward = st.columns([2, 1, 4, 1], vertical_alignment="center")
    title.title("Lesson", anchor=False)
    back.button(
        "Back",
        key="lesson_back",
        icon=":material/arrow_back:",
        disabled=number <= 1,
        on_click=_go,
        args=(number - 1,),
        width="stretch",
    )
    middle.progress(number / len(STEPS), text=f"Step {number} of {len(STEPS)}")
    forward.button(
        "Next",
        key="lesson_next",
        icon=":material/arrow_forward:",
        type="primary",
        disabled=number >= len(STEPS),
        on_click=_go,
        args=(number + 1,),
        width="stretch",
    )
