"""Per-session state: whose session this is, and the active runs (mirrored in the URL)."""

from __future__ import annotations

import streamlit as st

from fmnist_viz.runs import RunError, RunStore
from ui.core import identity

ACTIVE_KEY = "active_runs"
REFUSED_KEY = "refused_runs"  # runs a link named that cannot be shown, with the reason


def owner() -> str:
    """This browser's id; jobs belong to it (see `identity.py`)."""
    return identity.owner()


def _existing(store: RunStore, ids: list[str]) -> tuple[list[str], dict[str, str]]:
    """The usable runs among ids, and why each of the others is not usable."""
    out, refused = [], {}
    for run_id in ids:
        try:
            damaged = store.load(run_id).damaged
        except RunError as exc:
            damaged = str(exc)
        if damaged is None:
            out.append(run_id)
        else:
            refused[run_id] = damaged
    return out, refused


def active_runs(store: RunStore) -> list[str]:
    """The runs the visual pages show; first visit reads them from the URL (?run=...).

    Runs the link names that cannot be shown are kept with their reason (`refused_runs`)."""
    if ACTIVE_KEY not in st.session_state:
        runs, refused = _existing(store, st.query_params.get_all("run"))
        st.session_state[ACTIVE_KEY] = runs
        st.session_state[REFUSED_KEY] = refused
    runs, _ = _existing(store, st.session_state[ACTIVE_KEY])
    if runs != st.session_state[ACTIVE_KEY]:
        st.session_state[ACTIVE_KEY] = runs
    _sync_url("run", runs)
    return runs


def refused_runs() -> dict[str, str]:
    """Runs the opening link named that cannot be shown, and why (said once, then cleared)."""
    return st.session_state.pop(REFUSED_KEY, {})


def active_runs_now() -> list[str]:
    """The active runs as last set (no store check: for callbacks and fragments)."""
    return list(st.session_state.get(ACTIVE_KEY, []))


def set_active_runs(run_ids: list[str]) -> None:
    """Make these runs the active ones (the first is shown), in the URL too."""
    st.session_state[ACTIVE_KEY] = list(dict.fromkeys(run_ids))
    _sync_url("run", st.session_state[ACTIVE_KEY])


def _sync_url(key: str, values: list[str]) -> None:
    if st.query_params.get_all(key) != values:
        if values:
            st.query_params[key] = values
        else:
            st.query_params.pop(key, None)


def url_value(key: str, default: str = "") -> str:
    """A single query parameter (for selections that a link should reproduce)."""
    return st.query_params.get(key, default)


def set_url_value(key: str, value: str | int | None) -> None:
    if value is None or value == "":
        st.query_params.pop(key, None)
    elif st.query_params.get(key) != str(value):
        st.query_params[key] = str(value)
