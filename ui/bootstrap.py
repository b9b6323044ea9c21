"""Make every page go through dashboard.py's `st.navigation`.

When a browser's very first request after the server starts is a page URL (e.g. /train),
Streamlit sees the pages/ folder and runs that page script on its own, in its legacy
multipage mode: no sidebar, no shared layout, and the mode then sticks for the server.
Each page calls `ensure_navigation()` first; it switches the server to `st.navigation`
and reruns, so the same URL opens through dashboard.py.
"""

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager


def ensure_navigation() -> None:
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
