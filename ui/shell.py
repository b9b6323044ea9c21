"""The app's shell: navigation and the sidebar (the presenter toggle, active run(s) and this
session's training jobs), shared by dashboard.py and every page.

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

from fmnist_viz.jobs import JobManager
from fmnist_viz.runs import RunError, RunStore
from fmnist_viz.training import ConfigError
from ui.core import presenter, resources, session
from ui.live.job_progress import rerun_when_ended, show_job
from ui.widgets.run_chooser import shown_run_id

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
        ("pages/class.py", "Class", ":material/groups:"),
        ("pages/compare.py", "Compare", ":material/compare_arrows:"),
        ("pages/evaluate.py", "Evaluate", ":material/fact_check:"),
    ],
}
PAGES = [page for pages in SECTIONS.values() for page in pages]
# Streamlit leaves 6rem above a page's title; half of it gives the figures the room (#20)
COMPACT_CSS = "<style>[data-testid='stMainBlockContainer'] { padding-top: 3rem; }</style>"


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
    sidebar(jm)
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


def sidebar(jm: JobManager) -> None:
    """Draw the sidebar; its job list polls every second while a job is active."""
    with st.sidebar:
        st.html(COMPACT_CSS)  # before the presenter's CSS, which sets its own padding
        presenter.toggle()
        _active_runs(jm.store)
        jobs = jm.active_jobs(session.owner())
        st.fragment(_job_status, run_every=1.0 if jobs else None)(jm)
        for view in jobs:  # outside the fragment: a click reruns the whole page
            st.button(
                f"Stop {view.name}",
                key=f"sidebar_stop_{view.run_id}",
                on_click=_stop,
                args=(jm, view.run_id),
            )


def _stop(jm: JobManager, run_id: str) -> None:
    """Stop button callback: stop one of this session's jobs."""
    jm.stop(session.owner(), run_id)


def _active_runs(store: RunStore) -> None:
    """The active runs with their test accuracy or status (else the run the inside pages
    show by default)."""
    st.markdown("**Active run**")
    runs = session.active_runs(store)
    if not runs:
        shown = shown_run_id()
        if shown is None:
            st.caption("None yet: train one, or pick one on the Runs page.")
            return
        runs = [shown]
    for run_id in runs:
        try:
            info = store.load(run_id)
        except RunError:
            continue
        acc = info.get("test_accuracy")
        extra = f" · test acc {acc:.3f}" if isinstance(acc, float) else f" · {info.status}"
        st.caption(f"**{info.name}**{extra}")


def _show_finished(ended: set[str]) -> None:
    """A job of this session ended: its run becomes the active run (the newest one first)."""
    session.set_active_runs(sorted(ended, reverse=True) + session.active_runs_now())


def _job_status(jm: JobManager) -> None:
    """This session's active jobs with progress; the page reruns once when one ends."""
    active = jm.active_jobs(session.owner())
    rerun_when_ended("_sidebar_active", [j.run_id for j in active], on_end=_show_finished)
    if not active:
        return
    st.markdown("**Training**")
    for view in active:
        show_job(view)
