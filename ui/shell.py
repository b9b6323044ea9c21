"""The app's shell: navigation and sidebar, shared by dashboard.py and every page.

When a browser's very first request after the server starts is a page URL (e.g. /train),
Streamlit sees the pages/ folder and runs that page script on its own, in its legacy
multipage mode (streamlit.testing does the same on every run). Pages therefore call
`ensure_shell()` first: when dashboard.py did not route them, it sets up the same navigation
and sidebar itself (which also switches the server to `st.navigation`).
"""

import threading
from pathlib import Path

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from fmnist_viz.training import ConfigError
from ui import presenter, resources, sidebar

_routed = threading.local()  # each session's script runs in its own thread
_switched = False  # has a page started outside dashboard.py in this process yet?

ROOT = Path(__file__).resolve().parents[1]
# (script, title, icon), by navigation section; the first page is the default one
SECTIONS: dict[str, list[tuple[str, str, str]]] = {
    "Start": [
        ("pages/home.py", "Home", ":material/home:"),
        ("pages/lesson.py", "Lesson", ":material/school:"),
        ("pages/train.py", "Train", ":material/model_training:"),
        ("pages/runs.py", "Runs", ":material/folder_open:"),
    ],
    "Inside the network": [
        ("pages/feature_maps.py", "Feature maps", ":material/grid_view:"),
        ("pages/kernels.py", "Kernels", ":material/apps:"),
        ("pages/relu.py", "ReLU", ":material/show_chart:"),
        ("pages/dropout.py", "Dropout", ":material/blur_on:"),
        ("pages/attribution.py", "Attribution", ":material/center_focus_strong:"),
        ("pages/filters.py", "Filters", ":material/image_search:"),
        ("pages/embeddings.py", "Embeddings", ":material/scatter_plot:"),
    ],
    "Runs side by side": [
        ("pages/compare.py", "Compare", ":material/compare_arrows:"),
        ("pages/evaluate.py", "Evaluate", ":material/fact_check:"),
    ],
}
PAGES = [page for pages in SECTIONS.values() for page in pages]


def setup() -> StreamlitPage:
    """Page config, navigation and sidebar; returns the page the URL asks for."""
    st.set_page_config(
        page_title="Fashion-MNIST CNN Explorer",
        page_icon="👟",
        layout="wide",
        initial_sidebar_state=presenter.sidebar_state(),
    )
    sections = {
        section: [
            st.Page(path, title=title, icon=icon, default=path == PAGES[0][0])
            for path, title, icon in pages
            if (ROOT / path).exists()  # pages arrive one by one while the app is built
        ]
        for section, pages in SECTIONS.items()
    }
    page = st.navigation(sections, expanded=True)  # every page in view, none behind "more"
    try:
        jm = resources.job_manager()
    except ConfigError as exc:  # a server setting such as FMNIST_MEMORY_LIMIT_MB is wrong
        st.error(f"The server is not set up right: {exc}")
        st.stop()
    sidebar.render(jm)
    return page


def run_page(page: StreamlitPage) -> None:
    """Run the selected page, marking it as routed through the navigation."""
    _routed.active = True
    try:
        page.run()
    finally:
        _routed.active = False


def ensure_shell() -> None:
    """Called first by each page: set up the shell when dashboard.py did not.

    The first time, it also reruns so that widget ids come from the routed page from the
    start (a click on a widget drawn in legacy mode would be lost); streamlit.testing, which
    is in legacy mode on every run, then keeps drawing the shell inline.
    """
    global _switched
    if getattr(_routed, "active", False):
        return
    setup()
    if not _switched:
        _switched = True
        st.rerun()
