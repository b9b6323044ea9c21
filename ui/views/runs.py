"""Runs: the library of saved runs; choose the active run(s), rename, delete."""

import pandas as pd
import streamlit as st

from fmnist_viz.runs import ACTIVE, RunError, RunInfo, RunStore, run_zip
from fmnist_viz.teaching import PAGE_INTROS
from ui.core import resources, session, warm_up
from ui.shell import ensure_shell


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


PENDING_KEY = "delete_pending"  # the runs a Delete click asks to confirm
RENAME_ERROR_KEY = "rename_error"  # why the last rename failed, shown once


def _ask_delete(run_ids: list[str]) -> None:
    """Delete (or Cancel) button callback: the runs waiting for a confirmation."""
    st.session_state[PENDING_KEY] = run_ids


def _delete(store: RunStore, run_ids: list[str]) -> None:
    """Confirm button callback: delete the runs; they are no longer active."""
    for run_id in run_ids:
        store.delete(run_id)
    st.session_state[PENDING_KEY] = []
    session.set_active_runs([a for a in session.active_runs(store) if a not in run_ids])


def _rename(store: RunStore, run_id: str) -> None:
    """Save-name button callback: rename the run to what the text field says."""
    try:
        store.rename(run_id, st.session_state["rename_to"])
    except RunError as exc:
        st.session_state[RENAME_ERROR_KEY] = str(exc)


def _may_change(r: RunInfo, owner: str) -> bool:
    """Active jobs belong to their session; finished runs to their creator or to everyone
    when made outside the app (CLI)."""
    if r.status in ACTIVE:
        return False
    return r.get("owner") in (None, owner)


def render() -> None:
    """Draw the Runs page."""
    ensure_shell()
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
        c1.button(
            "Make active",
            type="primary",
            disabled=not chosen,
            key="make_active",
            on_click=session.set_active_runs,
            args=([r.id for r in chosen],),
        )
        c2.button(
            f"Delete {len(changeable)} run(s)…",
            disabled=not changeable,
            key="delete_ask",
            on_click=_ask_delete,
            args=([r.id for r in changeable],),
        )
        pending = [i for i in st.session_state.get(PENDING_KEY, []) if i in by_id]
        if pending:
            names = ", ".join(by_id[i].name for i in pending)
            st.warning(f"Delete {names}? This removes the run folders for good.")
            y, n = st.columns(2)
            y.button("Yes, delete", key="delete_confirm", on_click=_delete, args=(store, pending))
            n.button("Cancel", key="delete_cancel", on_click=_ask_delete, args=([],))
        if len(changeable) == 1 and len(chosen) == 1:
            st.text_input("Rename the selected run", chosen[0].name, key="rename_to")
            st.button("Save name", key="rename_save", on_click=_rename, args=(store, chosen[0].id))
            if RENAME_ERROR_KEY in st.session_state:
                st.error(st.session_state.pop(RENAME_ERROR_KEY))
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
