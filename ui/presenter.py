"""Presenter display: is it on for this session, and figures drawn for a projector when it is.

On with `?present=1` in the URL or the sidebar's toggle (which keeps the URL in step, so a
teacher can bookmark it). Pages draw figures through `chart`, which restyles them with the
engine's `for_projector` when the display is on.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
import streamlit as st

from fmnist_viz.figures.projector import for_projector

KEY = "present"  # session state (the toggle's key) and the URL parameter
URL_ON = "1"


def is_on() -> bool:
    """Is the presenter display on? The URL decides on a session's first run."""
    if KEY not in st.session_state:
        st.session_state[KEY] = st.query_params.get(KEY) == URL_ON
    return bool(st.session_state[KEY])


def chart(fig: go.Figure, *, key: str, where: Any = None, **kwargs: Any) -> Any:
    """`st.plotly_chart` (or `where.plotly_chart`), restyled for a projector when on."""
    target = st if where is None else where
    shown = for_projector(fig) if is_on() else fig
    return target.plotly_chart(shown, key=key, **kwargs)
