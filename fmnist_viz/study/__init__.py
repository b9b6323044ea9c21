"""Runs side by side: which runs are one configuration (`configurations`), runs grouped and
compared (`compare`), the written study's logged runs as the reference (`reference`), Welch's
test and bands (`stats`), more seeds of a configuration (`repeats`), grids of settings
(`sweep`), and the dropout study (`dropout_study`).
"""

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
from fmnist_viz.study.configurations import LABEL_SEPARATOR, label_difference, training_settings
from fmnist_viz.study.dropout_study import STUDY_COLUMNS, study_table
from fmnist_viz.study.reference import (
    STUDY_MODELS,
    STUDY_RUNS_PER_MODEL,
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
    "LABEL_SEPARATOR",
    "MAX_REPEATS",
    "MAX_SWEEP_RUNS",
    "STUDY_COLUMNS",
    "STUDY_MODELS",
    "STUDY_REFERENCE",
    "STUDY_RUNS_PER_MODEL",
    "TRAINING_KEYS",
    "RunSeries",
    "SweepError",
    "SweepPoint",
    "finished_only",
    "group_bands",
    "group_names",
    "group_table",
    "histories_csv",
    "label_difference",
    "load_series",
    "logged_mean",
    "matches_protocol",
    "new_sweep_id",
    "next_free_seed",
    "parse_axes",
    "plan_sweep",
    "queue_repeats",
    "run_table",
    "run_table_csv",
    "sample_stats",
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
