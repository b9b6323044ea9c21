"""The Compare page's Sweep form: architectures × a grid of settings × seeds, queued through
the same engine as the CLI's `sweep` (plan_sweep, submit_sweep), and the table of a sweep."""

from __future__ import annotations

import streamlit as st

from fmnist_viz.jobs import ExecutorError, JobManager
from fmnist_viz.models import PRESETS, preset
from fmnist_viz.runs import RunError, RunStore
from fmnist_viz.study import (
    MAX_REPEATS,
    MAX_SWEEP_RUNS,
    TRAINING_KEYS,
    SweepError,
    SweepPoint,
    new_sweep_id,
    next_free_seed,
    parse_axes,
    plan_sweep,
    submit_sweep,
    sweep_ids,
    sweep_runs,
    sweep_table,
)
from fmnist_viz.training import (
    EPOCHS_MAX,
    PROTOCOL_TRAIN_SIZE,
    QUICK_DEMO_EPOCHS,
    QUICK_DEMO_TRAIN_LIMIT,
    ConfigError,
    TrainConfig,
)
from ui.core import session

FOLLOW_KEY = "cmp_follow"  # runs this session queued: they join the selection as they finish
SWEEP_KEY = "cmp_sweep_shown"
FLASH_KEY = "cmp_sweep_flash"
SETTINGS_HELP = (
    "One setting per line, KEY=VALUE1,VALUE2,… A training setting ("
    + ", ".join(TRAINING_KEYS)
    + ") or a layer's, LAYER.SETTING: dropout1.rate, conv1.filters, dense1.units, … "
    "Every combination is trained for each architecture."
)


def _plan(store: RunStore, memory_limit_mb: int) -> list[SweepPoint]:
    """The sweep the widgets describe (SweepError with the reason when it cannot run)."""
    archs = st.session_state.get("cmp_sweep_archs") or []
    lines = (st.session_state.get("cmp_sweep_sets") or "").splitlines()
    axes = parse_axes([line for line in lines if line.strip()])
    subset = int(st.session_state.get("cmp_sweep_subset") or 0)
    base = TrainConfig(
        epochs=int(st.session_state.get("cmp_sweep_epochs") or 1), train_limit=subset or None
    )
    runs = int(st.session_state.get("cmp_sweep_runs") or 1)
    specs = {key: preset(key) for key in archs}
    points = plan_sweep(specs, axes, base, runs, 1, memory_limit_mb)
    first = next_free_seed(store, points)
    return plan_sweep(specs, axes, base, runs, first, memory_limit_mb) if first != 1 else points


def _widgets() -> None:
    """The form's inputs (their values live in session state under stable keys)."""
    c1, c2 = st.columns([1, 2])
    c1.multiselect(
        "Architectures",
        list(PRESETS),
        default=["model1", "model2"],
        format_func=lambda k: PRESETS[k]["title"],
        key="cmp_sweep_archs",
    )
    c2.text_area(
        "Settings to vary",
        value="dropout1.rate=0.1,0.3,0.5",
        height=90,
        help=SETTINGS_HELP,
        key="cmp_sweep_sets",
    )
    c3, c4, c5 = st.columns(3)
    c3.number_input("Seeds per configuration", 1, MAX_REPEATS, 2, key="cmp_sweep_runs")
    c4.number_input("Epochs", 1, EPOCHS_MAX, QUICK_DEMO_EPOCHS, key="cmp_sweep_epochs")
    c5.number_input(
        f"Training images (0: all {PROTOCOL_TRAIN_SIZE:,})",
        0,
        PROTOCOL_TRAIN_SIZE,
        QUICK_DEMO_TRAIN_LIMIT,
        step=1000,
        key="cmp_sweep_subset",
    )


def sweep_form(jm: JobManager) -> None:
    """Inputs, what the sweep would queue (or why it cannot), and the Queue button."""
    _widgets()
    try:
        points = _plan(jm.store, jm.memory_limit_mb)
    except SweepError as exc:
        st.error(f"Cannot sweep: {exc}")
        points = []
    if points:
        configs = len({p.label for p in points})
        seeds = sorted({p.seed for p in points})
        st.caption(
            f"{len(points)} runs: {configs} configuration(s) × seeds {seeds[0]}–{seeds[-1]} "
            f"(the same seeds for every configuration; at most {MAX_SWEEP_RUNS} runs)."
        )
    if st.button("Queue sweep", key="cmp_sweep_go", type="primary", disabled=not points):
        sweep_id = new_sweep_id()
        try:
            submit_sweep(jm, session.owner(), points, sweep_id)
            problem = None
        except (ConfigError, RunError, ExecutorError) as exc:
            problem = str(exc)
        ids = [m["id"] for m in sweep_runs(jm.store, sweep_id)]  # also those queued before
        st.session_state[FOLLOW_KEY] = [*st.session_state.get(FOLLOW_KEY, []), *ids]
        st.session_state[SWEEP_KEY] = sweep_id
        if problem is not None:
            st.error(f"Queued {len(ids)} of {len(points)} runs, then could not go on: {problem}")
            return
        st.session_state[FLASH_KEY] = f"Queued sweep {sweep_id}: {len(ids)} runs."
        st.rerun()  # redraw the sidebar and the job list with the new jobs
    if FLASH_KEY in st.session_state:
        st.success(st.session_state.pop(FLASH_KEY))


def sweep_results(store: RunStore) -> None:
    """The table of one sweep of the store (this session's latest by default), with CSV."""
    ids = sweep_ids(store)
    if not ids:
        return
    shown = st.session_state.get(SWEEP_KEY)
    index = ids.index(shown) if shown in ids else 0
    sweep_id = st.selectbox("Sweep", ids, index=index, key="cmp_sweep_pick")
    table = sweep_table(sweep_runs(store, sweep_id))
    four = st.column_config.NumberColumn(format="%.4f")
    config = {c: four for c in ("test_mean", "test_std", "gap_mean", "gap_std")}
    st.dataframe(table, hide_index=True, column_config=config, key="cmp_sweep_table")
    st.caption(
        "Per configuration: its runs, how many finished, and over the runs with a test score "
        "(test_n) the mean ± sample std of the test accuracy and of final training − test "
        "accuracy (the gap). The table fills in as the runs finish."
    )
    st.download_button(
        "Sweep table (CSV)",
        table.to_csv(index=False),
        file_name=f"{sweep_id}.csv",
        mime="text/csv",
        key="cmp_sweep_csv",
        on_click="ignore",
    )


def followed() -> set[str]:
    """The runs this session queued from the sweep form."""
    return set(st.session_state.get(FOLLOW_KEY, []))
