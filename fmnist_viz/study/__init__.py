"""Runs side by side: which runs are one configuration (`configurations`), runs grouped and
compared (`compare`), the written study's logged runs as the reference (`reference`), Welch's
test and bands (`stats`), more seeds of a configuration (`repeats`), grids of settings
(`sweep`), the dropout study (`dropout_study`), and the Class board (`board`).
"""

from fmnist_viz.study.board import (
    BOARD_COLUMNS,
    BoardRow,
    ReferencePoint,
    board_frame,
    board_row,
    board_rows,
    front_rows,
    pareto_front,
    plotted_rows,
    reference_points,
    split_by_challenge,
)
from fmnist_viz.study.compare import (
    RunSeries,
    finished_only,
    group_bands,
    group_names,
    group_table,
    histories_csv,
    load_series,
    run_table,
    run_table_csv,
    study_bands,
    study_references,
    welch_between,
)
from fmnist_viz.study.configurations import training_settings
from fmnist_viz.study.dropout_study import STUDY_COLUMNS, study_table
from fmnist_viz.study.reference import (
    STUDY_MODELS,
    logged_mean,
    matches_protocol,
    study_band,
    study_test_accuracies,
)
from fmnist_viz.study.repeats import MAX_REPEATS, queue_repeats
from fmnist_viz.study.stats import STUDY_REFERENCE, sample_stats, welch_t_test
from fmnist_viz.study.sweep import (
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

__all__ = [
    "BOARD_COLUMNS",
    "MAX_REPEATS",
    "MAX_SWEEP_RUNS",
    "STUDY_COLUMNS",
    "STUDY_MODELS",
    "STUDY_REFERENCE",
    "TRAINING_KEYS",
    "BoardRow",
    "ReferencePoint",
    "RunSeries",
    "SweepError",
    "SweepPoint",
    "board_frame",
    "board_row",
    "board_rows",
    "finished_only",
    "front_rows",
    "group_bands",
    "group_names",
    "group_table",
    "histories_csv",
    "load_series",
    "logged_mean",
    "matches_protocol",
    "new_sweep_id",
    "next_free_seed",
    "pareto_front",
    "parse_axes",
    "plan_sweep",
    "plotted_rows",
    "queue_repeats",
    "reference_points",
    "run_table",
    "run_table_csv",
    "sample_stats",
    "split_by_challenge",
    "study_band",
    "study_bands",
    "study_references",
    "study_table",
    "study_test_accuracies",
    "submit_sweep",
    "sweep_ids",
    "sweep_runs",
    "sweep_table",
    "training_settings",
    "welch_between",
    "welch_t_test",
]
