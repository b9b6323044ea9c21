"""The Class page's board: the scatter of test accuracy against parameters, the leaderboard
table (the challenge's runs ranked, the others apart) and opening a run's Feature maps.

The board is drawn from the store's rows, which are rebuilt only when a run.json or the class
settings changed: a poll costs one stat per run folder (`store_signature`), and the rows of one
signature are built once per server (`cache_data`: each session gets its own copy).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass

import streamlit as st

from fmnist_viz.figures import accuracy_vs_params
from fmnist_viz.jobs import ClassSettings
from fmnist_viz.runs import RUN_FILE, RunStore
from fmnist_viz.study import (
    BoardRow,
    board_frame,
    board_rows,
    front_rows,
    reference_points,
    split_by_challenge,
)
from ui.core import presenter, session

FEATURE_MAPS = "pages/feature_maps.py"
OPEN_KEY = "_class_open"  # a run a click asked to open (set by callbacks, read by the page)
SCATTER_KEY = "class_scatter"
FIGURE_KEY = "_class_figure"  # (board signature, title) and the scatter built for it
UIREVISION = "class-board"  # zoom and legend choices survive a refresh
COLUMNS = {
    "Parameters": st.column_config.NumberColumn(format="localized"),
    "Test accuracy": st.column_config.NumberColumn(format="%.4f"),
    "Train − test gap": st.column_config.NumberColumn(format="%.4f"),
    "Seconds per epoch": st.column_config.NumberColumn(format="%.1f"),
}


@dataclass(frozen=True)
class Board:
    """What the page draws of the store: the ranked rows, the others, the hidden ones."""

    ranked: list[BoardRow]
    others: list[BoardRow]
    hidden: list[BoardRow]
    signature: str


def store_signature(store: RunStore) -> tuple[tuple[str, int, int, int], ...]:
    """Every run folder's run.json version (inode, time, size): it changes when any run is
    written (all writes are atomic renames), at one stat per folder."""
    versions = []
    try:
        entries = list(os.scandir(store.root))
    except OSError:
        return ()
    for entry in entries:
        if entry.name.startswith(".") or not entry.is_dir():
            continue
        try:
            st_ = os.stat(os.path.join(entry.path, RUN_FILE))
        except OSError:
            continue
        versions.append((entry.name, st_.st_ino, st_.st_mtime_ns, st_.st_size))
    return tuple(sorted(versions))


@st.cache_data(show_spinner=False, max_entries=8)
def _rows(root: str, signature: tuple, settings_json: str) -> list[BoardRow]:
    """The board's rows for one version of the store and the class settings."""
    settings = ClassSettings.from_dict(json.loads(settings_json))
    return board_rows(RunStore(root).list(), settings)


def board(store: RunStore, settings: ClassSettings) -> Board:
    """The board now (rows rebuilt only when a run or the settings changed)."""
    settings_json = json.dumps(settings.to_dict(), sort_keys=True)
    signature = store_signature(store)
    rows = _rows(str(store.root), signature, settings_json)
    ranked, others = split_by_challenge(rows)
    digest = hashlib.sha1(repr((signature, settings_json)).encode()).hexdigest()[:12]
    return Board(ranked, others, [r for r in rows if r.hidden], digest)


def scatter(rows: list[BoardRow], title: str, signature: str) -> None:
    """Test accuracy against parameters; a click on a run's point opens its Feature maps. The
    figure is built again only when the board changed (a poll re-sends the same one)."""
    kept = st.session_state.get(FIGURE_KEY)
    if kept is not None and kept[0] == (signature, title):
        fig = kept[1]
    else:
        fig = accuracy_vs_params(rows, front_rows(rows), reference_points(), title=title)
        fig.update_layout(uirevision=UIREVISION, clickmode="event+select")
        st.session_state[FIGURE_KEY] = ((signature, title), fig)
    presenter.chart(
        fig,
        key=SCATTER_KEY,
        on_select=_point_clicked,
        selection_mode="points",
        config={"displaylogo": False},
    )


def _point_clicked() -> None:
    """A point was clicked: open its run (the study's reference points have no run)."""
    state = st.session_state.get(SCATTER_KEY) or {}
    points = (state.get("selection") or {}).get("points") or []
    for point in points:
        run_id = point.get("customdata")
        if isinstance(run_id, list):
            run_id = run_id[0] if run_id else None
        if isinstance(run_id, str) and run_id:
            st.session_state[OPEN_KEY] = run_id
            return


def table(rows: list[BoardRow], key: str) -> str | None:
    """A sortable board table; returns the run id of the selected row, if any. The key holds
    the rows' order, so a selection never points at another run after a refresh."""
    frame = board_frame(rows)
    order = hashlib.sha1("|".join(frame.index).encode()).hexdigest()[:10]
    event = st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        column_config=COLUMNS,
        key=f"{key}_{order}",
        on_select="rerun",
        selection_mode="single-row",
    )
    picked = event.selection.rows if event is not None else []
    if picked and 0 <= picked[0] < len(frame):
        return str(frame.index[picked[0]])
    return None


def open_button(run_id: str | None, rows: list[BoardRow], key: str) -> None:
    """'Open its feature maps' for the selected run."""
    if run_id is None:
        st.caption("Select a row (or click a point above) to open that run's feature maps.")
        return
    name = next((r.name for r in rows if r.run_id == run_id), run_id)
    st.button(
        f"Open its feature maps: {name}",
        key=key,
        icon=":material/grid_view:",
        on_click=_ask_open,
        args=(run_id,),
    )


def _ask_open(run_id: str) -> None:
    """The Open button was clicked (the page switches on its next run)."""
    st.session_state[OPEN_KEY] = run_id


def open_if_asked() -> None:
    """Switch to Feature maps when a click asked for a run: it becomes the active run."""
    run_id = st.session_state.pop(OPEN_KEY, None)
    if run_id:
        session.set_active_runs([run_id, *session.active_runs_now()])
        st.switch_page(FEATURE_MAPS, query_params={"run": run_id})
