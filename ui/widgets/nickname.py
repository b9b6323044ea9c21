"""The nickname a browser goes by on the Class board (no accounts): a text input that saves the
cleaned nickname on change (the Class page; the Train page may show it too)."""

from __future__ import annotations

import streamlit as st

from fmnist_viz.jobs import NICKNAME_MAX, JobManager
from ui.core import session

KEY = "nickname"
LABEL = "Nickname"
HELP = (
    f"What the Class board shows next to your runs: letters, digits, spaces and - _ . ' "
    f"(at most {NICKNAME_MAX} characters). Runs you start from now on carry it."
)


def nickname_input(jm: JobManager, where: object = None) -> str:
    """Draw the input (in `where`, a container or column, when given); returns the nickname
    kept for this browser ('' when none)."""
    if KEY not in st.session_state:
        st.session_state[KEY] = jm.nickname(session.owner())
    target = st if where is None else where
    target.text_input(
        LABEL,
        key=KEY,
        max_chars=NICKNAME_MAX * 2,  # room for what cleaning drops; the kept one is shorter
        help=HELP,
        placeholder="e.g. Ada",
        on_change=_changed,
        args=(jm,),
    )
    return str(st.session_state[KEY])


def _changed(jm: JobManager) -> None:
    """Save the typed nickname, cleaned, and show the cleaned value in the input."""
    st.session_state[KEY] = jm.set_nickname(session.owner(), str(st.session_state[KEY]))
