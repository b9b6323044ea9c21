"""Runs: the library of saved runs; choose the active run(s), rename, delete."""

import pandas as pd
import streamlit as st

from fmnist_viz.runs import ACTIVE, RunError, RunInfo
from fmnist_viz.teaching import PAGE_INTROS
from ui import resources, state
from ui.bootstrap import ensure_navigation

ensure_navigation()


def _row(r: RunInfo) -> dict:
    return {
        "name": r.name,
        "architecture": r.get("arch", "?"),
        "status": r.status,
        "epochs done": r.get("epochs_done", 0),
        "best val acc": r.get("best_val_accuracy"),
        "test acc": r.get("test_accuracy"),
        "s/epoch": r.get("seconds_per_epoch"),
        "created": r.get("created", ""),
        "id": r.id,
    }


def _may_change(r: RunInfo, owner: str) -> bool:
    """Active jobs belong to their session; finished runs to their creator or to everyone
    when made outside the app (CLI)."""
    if r.status in ACTIVE:
        return False
    return r.get("owner") in (None, owner)


store = resources.store()
owner = state.owner()
st.title("Runs")
st.caption(PAGE_INTROS["runs"])

runs = store.list()
usable = [r for r in runs if r.damaged is None]
damaged = [r for r in runs if r.damaged is not None]
if not usable:
    st.info("No runs yet. Train one on the Train page, or with `python -m fmnist_viz train`.")

if usable:
    table = pd.DataFrame([_row(r) for r in usable])
    active = state.active_runs(store)
    st.markdown(f"Active now: **{', '.join(r.name for r in usable if r.id in active) or '—'}**")
    picked = st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="multi-row",
        key="runs_table",
        column_config={
            "best val acc": st.column_config.NumberColumn(format="%.4f"),
            "test acc": st.column_config.NumberColumn(format="%.4f"),
            "s/epoch": st.column_config.NumberColumn(format="%.1f"),
        },
    )
    chosen = [usable[i] for i in picked.selection.rows]
    if chosen:
        st.markdown(f"Selected: {', '.join(r.name for r in chosen)}")
        c1, c2, c3 = st.columns(3)
        if c1.button("Make active", type="primary"):
            state.set_active_runs([r.id for r in chosen])
            st.rerun()
        changeable = [r for r in chosen if _may_change(r, owner)]
        if len(chosen) == 1 and changeable:
            with c2.popover("Rename"):
                new = st.text_input("New name", chosen[0].name, key="rename_to")
                if st.button("Save name"):
                    try:
                        store.rename(chosen[0].id, new)
                        st.rerun()
                    except RunError as exc:
                        st.error(str(exc))
        if changeable:
            with c3.popover(f"Delete {len(changeable)}"):
                st.warning("This deletes the run folders for good.")
                if st.button("Yes, delete", key="confirm_delete"):
                    for r in changeable:
                        store.delete(r.id)
                    gone = {r.id for r in changeable}
                    state.set_active_runs([a for a in active if a not in gone])
                    st.rerun()
        if len(changeable) < len(chosen):
            st.caption("Runs still training, or made in another session, cannot be changed here.")

if damaged:
    st.subheader("Damaged runs")
    st.dataframe(
        pd.DataFrame([{"folder": r.id, "problem": r.damaged} for r in damaged]),
        hide_index=True,
        width="stretch",
    )
    st.caption("These folders are missing files or have unreadable ones; they are left as is.")
