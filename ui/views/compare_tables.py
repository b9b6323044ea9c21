"""The Compare page's tables: one row per run, per configuration, Welch's t-test between two
configurations, and the CSV downloads."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd
import streamlit as st

from fmnist_viz.study import (
    STUDY_RUNS_PER_MODEL,
    RunSeries,
    group_names,
    group_table,
    histories_csv,
    label_difference,
    run_table,
    run_table_csv,
    study_references,
    welch_between,
)

FOUR = st.column_config.NumberColumn(format="%.4f")


RUN_VIEW = {  # the long configuration label last: the numbers stay in view on narrow screens
    "run": "run",
    "status": "status",
    "seed": "seed",
    "test_accuracy": "test acc",
    "best_val_accuracy": "best val acc",
    "best_epoch": "best epoch",
    "final_train_accuracy": "final train acc",
    "gap": "gap",
    "gap_basis": "gap vs",
    "params": "params",
    "seconds_per_epoch": "s/epoch",
    "group": "configuration",
}
GROUP_VIEW = {
    "group": "configuration",
    "runs": "runs",
    "test_n": "n",
    "test_mean": "mean",
    "test_std": "std",
    "test_min": "min",
    "test_max": "max",
    "gap_mean": "gap mean",
    "gap_std": "gap std",
}


def run_table_view(series: Sequence[RunSeries]) -> None:
    """One row per run: test, best validation and final training accuracy, gap, size, speed."""
    table = run_table(series)[list(RUN_VIEW)].rename(columns=RUN_VIEW)
    if (table["gap vs"] == "test").all():
        table = table.drop(columns="gap vs")
    config = {c: FOUR for c in ("test acc", "best val acc", "final train acc", "gap")}
    config["params"] = st.column_config.NumberColumn(format="localized")
    config["s/epoch"] = st.column_config.NumberColumn(format="%.1f")
    st.dataframe(table, hide_index=True, column_config=config, key="cmp_run_table")
    st.caption(
        "gap = final training accuracy − test accuracy (− best validation accuracy for runs "
        "without a test score: 'gap vs' val). Best epoch: the lowest validation loss, whose "
        "weights are kept and tested."
    )


def group_frame(series: Sequence[RunSeries]) -> pd.DataFrame:
    """Return test-accuracy statistics per configuration plus the study's reported means."""
    table = group_table(series)[list(GROUP_VIEW)].rename(columns=GROUP_VIEW)
    rows = [
        {
            "configuration": label,
            "runs": STUDY_RUNS_PER_MODEL,
            "n": STUDY_RUNS_PER_MODEL,
            "mean": value,
        }
        for label, value in study_references(series).items()
    ]
    return pd.concat([table, pd.DataFrame(rows, columns=table.columns)], ignore_index=True)


def group_table_view(series: Sequence[RunSeries]) -> None:
    """Draw the per-configuration table of test accuracies."""
    frame = group_frame(series)
    config = {c: FOUR for c in ("mean", "std", "min", "max", "gap mean", "gap std")}
    st.dataframe(
        frame, hide_index=True, column_config=config, key="cmp_group_table", placeholder="–"
    )
    st.caption(
        "Test accuracy per configuration over its runs with a test score (n); std is the sample "
        "standard deviation. 'Study' rows are the means the study reports for "
        f"{STUDY_RUNS_PER_MODEL} runs each."
    )


def welch_view(series: Sequence[RunSeries]) -> None:
    """Welch's t-test of the test accuracies of two chosen configurations, read aloud."""
    groups = group_names(series)
    if len(groups) < 2:
        st.caption("Select runs of two configurations to test whether their means differ.")
        return
    c1, c2 = st.columns(2)
    a = c1.selectbox("Configuration A", groups, index=0, key="cmp_welch_a")
    b = c2.selectbox("Configuration B", groups, index=1, key="cmp_welch_b")
    if a == b:
        st.info("Choose two different configurations.")
        return
    result = welch_between(series, a, b)
    label_a, label_b, shared = label_difference(a, b)
    st.markdown(result.reading(label_a=label_a, label_b=label_b))
    detail = (
        f"Mean test accuracy {label_a} {result.mean_a:.4f} (n = {result.n_a}), "
        f"{label_b} {result.mean_b:.4f} (n = {result.n_b})"
    )
    if not math.isnan(result.p):
        detail += f"; Welch's t = {result.t:.2f}, df = {result.df:.1f}, p = {result.p:.3g}"
    st.caption(detail + (f". Both: {shared}." if shared else "."))


def downloads(series: Sequence[RunSeries]) -> None:
    """CSV downloads of the run table and of every run's per-epoch history."""
    row = st.container(horizontal=True)
    row.download_button(
        "Run table (CSV)",
        run_table_csv(series),
        file_name="runs.csv",
        mime="text/csv",
        key="cmp_dl_runs",
        on_click="ignore",
    )
    row.download_button(
        "Histories (CSV)",
        histories_csv(series),
        file_name="histories.csv",
        mime="text/csv",
        key="cmp_dl_histories",
        on_click="ignore",
    )
