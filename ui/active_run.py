"""The run the inside pages show: the session's first active run, with its display name."""

from __future__ import annotations

import streamlit as st

from fmnist_viz.store import RunError
from ui import resources, state


def require_active_run() -> str | None:
    """The first active run id, or None after saying how to get one (and why a run the
    link names cannot be shown)."""
    runs = state.active_runs(resources.store())
    for run_id, reason in state.refused_runs().items():
        st.error(f"Run {run_id} cannot be shown: {reason}")
    if runs:
        return runs[0]
    st.info("No active run: pick one on the Runs page or train one")
    st.page_link("pages/runs.py", label="Pick a saved run", icon=":material/folder_open:")
    st.page_link("pages/train.py", label="Train a model", icon=":material/model_training:")
    return None


def run_name(run_id: str) -> str:
    """The display name of a run (its id when it cannot be read)."""
    try:
        return resources.store().load(run_id).name
    except RunError:
        return run_id
