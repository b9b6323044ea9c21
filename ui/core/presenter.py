"""Presenter display: is it on for this session, and the page drawn for a projector when it is.

On with `?present=1` in the URL or the sidebar's toggle (which keeps the URL in step, so a
teacher can bookmark it). When on: larger text (CSS), the sidebar and settings expanders start
collapsed, and pages draw figures through `chart`, which restyles them with the engine's
`for_projector`.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
import streamlit as st

from fmnist_viz.figures import for_projector
from ui.core import session

KEY = "present"  # session state (the toggle's key) and the URL parameter
URL_ON = "1"
LABEL = "Presenter display"
HELP = (
    "Larger text and figures for a projector, settings folded away. "
    "A link with ?present=1 opens the app this way."
)
# Streamlit sizes its text in rem, so the root font size scales all of it (default 16 px):
# at least 22 px, and a share of the screen's width on a large one (28 px at 1920 px).
ROOT_FONT = "clamp(22px, 1.45vw, 30px)"
# Captions are drawn at 60 % opacity, which a washed-out projector turns into nothing; button
# labels wrap rather than end in "…" in the narrower columns the larger text leaves.
CSS = f"""<style>
html {{ font-size: {ROOT_FONT} !important; }}
[data-testid="stMainBlockContainer"] {{
    padding-top: 2.5rem; padding-left: 2rem; padding-right: 2rem; max-width: 100%;
}}
[data-testid="stCaptionContainer"] {{ font-size: 0.95rem; opacity: 0.9; }}
[data-testid="stWidgetLabel"] p, [data-testid="stExpander"] summary p,
[data-testid="stMetricLabel"] p, [data-testid="stPageLink"] p,
[data-testid="stTable"] th, [data-testid="stTable"] td {{ font-size: 1rem; }}
[data-testid^="stBaseButton"] [data-testid="stMarkdownContainer"],
[data-testid^="stBaseButton"] p {{ white-space: normal; text-overflow: clip; }}
</style>"""
TEXT_COLORS = {"light": "#1b1b1f", "dark": "#f4f4f6"}  # figure text, by the app's theme


def is_on() -> bool:
    """Is the presenter display on? The URL decides on a session's first run."""
    if KEY not in st.session_state:
        st.session_state[KEY] = st.query_params.get(KEY) == URL_ON
    return bool(st.session_state[KEY])


def sidebar_state() -> str:
    """`st.set_page_config`'s initial sidebar state: collapsed while presenting."""
    return "collapsed" if is_on() else "auto"


def expanded(default: bool = True) -> bool:
    """Whether a settings expander starts open: never while presenting, else `default`."""
    return default and not is_on()


def settings_box(label: str) -> Any:
    """A container for a page's settings: folded into a closed expander while presenting."""
    return st.expander(label, expanded=False) if is_on() else st.container()


def toggle() -> bool:
    """The sidebar's toggle, kept in step with `?present=1` (page changes clear the URL's
    parameters, so it is set again on every run); the larger text's CSS when on."""
    is_on()  # the URL sets the toggle's first value
    on = st.toggle(LABEL, key=KEY, help=HELP)
    session.set_url_value(KEY, URL_ON if on else None)
    if on:
        st.html(CSS)
    return on


def _text_color() -> str:
    """Figure text that contrasts with the app's background (light theme when unknown)."""
    return TEXT_COLORS.get(st.context.theme.type or "light", TEXT_COLORS["light"])


def chart(fig: go.Figure, *, key: str, where: Any = None, **kwargs: Any) -> Any:
    """`st.plotly_chart` (or `where.plotly_chart`), restyled for a projector when on; returns
    what `plotly_chart` returns (the selection state of a chart with `on_select`)."""
    target = st if where is None else where
    shown = for_projector(fig, _text_color()) if is_on() else fig
    return target.plotly_chart(shown, key=key, **kwargs)
