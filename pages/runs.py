"""Runs: the library of saved runs; choose the active run(s), rename, delete."""

import pandas as pd
import streamlit as st

from fmnist_viz.runs import ACTIVE, RunError, RunInfo, run_zip
from fmnist_viz.teaching import PAGE_INTROS
from ui.core import resources, session, warm_up
from ui.shell import ensure_shell

ensure_shell()


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
owner = session.owner()
st.title("Runs")
st.caption(PAGE_INTROS["runs"])

runs = store.list()
usable = [r for r in runs if r.damaged is None]
damaged = [r for r in runs if r.damaged is not None]
if not usable:
    st.info("No runs yet. Train one on the Train page, or with `python -m fmnist_viz train`.")

if usable:
    active = session.active_runs(store)
    by_id = {r.id: r for r in usable}
    st.markdown(f"Active now: **{', '.join(by_id[a].name for a in active) or '—'}**")
    st.dataframe(
        pd.DataFrame([_row(r) for r in usable]),
        hide_index=True,
        width="stretch",
        key="runs_table",
        column_config={
            "best val acc": st.column_config.NumberColumn(format="%.4f"),
            "test acc": st.column_config.NumberColumn(format="%.4f"),
            "s/epoch": st.column_config.NumberColumn(format="%.1f"),
        },
    )
    picked = st.multiselect(
        "Select runs",
        list(by_id),
        default=[i for i in st.session_state.get("runs_selected", active) if i in by_id],
        format_func=lambda run_id: f"{by_id[run_id].name} · {by_id[run_id].status} · {run_id}",
        key="runs_pick",
    )
    st.session_state["runs_selected"] = picked  # survives a relabel (rename) of the options
    chosen = [by_id[i] for i in picked]
    changeable = [r for r in chosen if _may_change(r, owner)]
    c1, c2 = st.columns(2)
    if c1.button("Make active", type="primary", disabled=not chosen, key="make_active"):
        session.set_active_runs([r.id for r in chosen])
        st.rerun()
    if c2.button(f"Delete {len(changeable)} run(s)…", disabled=not changeable, key="delete_ask"):
        st.session_state["delete_pending"] = [r.id for r in changeable]
    pending = [i for i in st.session_state.get("delete_pending", []) if i in by_id]
    if pending:
        names = ", ".join(by_id[i].name for i in pending)
        st.warning(f"Delete {names}? This removes the run folders for good.")
        y, n = st.columns(2)
        if y.button("Yes, delete", key="delete_confirm"):
            for run_id in pending:
                store.delete(run_id)
            st.session_state["delete_pending"] = []
            session.set_active_runs([a for a in active if a not in pending])
            st.rerun()
        if n.button("Cancel", key="delete_cancel"):
            st.session_state["delete_pending"] = []
            st.rerun()
    if len(changeable) == 1 and len(chosen) == 1:
        new = st.text_input("Rename the selected run", chosen[0].name, key="rename_to")
        if st.button("Save name", key="rename_save"):
            try:
                store.rename(chosen[0].id, new)
                st.rerun()
            except RunError as exc:
                st.error(str(exc))
    if len(chosen) == 1:
        try:
            archive = run_zip(store, chosen[0].id)
        except (RunError, OSError) as exc:
            st.caption(f"Cannot pack this run: {exc}")
        else:
            st.download_button(
                f"Download {chosen[0].name} (.zip: model, history, run.json)",
                archive,
                file_name=f"{chosen[0].id}.zip",
                mime="application/zip",
                key="run_zip",
                on_click="ignore",
            )
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

warm_up.warm_up()  # after the page is drawn: TensorFlow loads for the inside pages
