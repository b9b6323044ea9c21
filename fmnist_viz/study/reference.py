"""The study's own 20 logged runs (`study_runs.csv` beside it): curves, bands and test scores.

The study trained Model 1 and Model 2 ten times each on the full data with its protocol; its
log prints every epoch's training accuracy, validation loss and validation accuracy, and the
test accuracy of 16 of the 20 runs. These are the reference our runs are compared with, but
only runs on the same protocol and the full data are comparable (`matches_protocol`).
"""

from __future__ import annotations

import functools
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from fmnist_viz.study.configurations import training_settings
from fmnist_viz.study.stats import mean_std_band
from fmnist_viz.training import TrainConfig

if TYPE_CHECKING:
    import pandas as pd

STUDY_CSV = Path(__file__).with_name("study_runs.csv")
STUDY_MODELS = ("model1", "model2")
STUDY_RUNS_PER_MODEL = 10
STUDY_EPOCHS = 10
LOGGED_METRICS = ("accuracy", "val_loss", "val_accuracy", "gap")  # gap: accuracy − val_accuracy
COLUMNS = ("model", "run", "epoch", "accuracy", "val_loss", "val_accuracy", "test_accuracy")
FULL_DATA_PREFIX = "Full dataset"  # how data.FashionMNIST.describe() names the full 70,000


class StudyLogError(ValueError):
    """The packaged study log is missing or not in the expected form."""


@functools.cache
def _frame() -> pd.DataFrame:
    """Read and check the study log once."""
    import pandas as pd  # loaded only when a table is made (the CLI starts light)

    try:
        frame = pd.read_csv(STUDY_CSV)
    except (OSError, ValueError) as exc:
        raise StudyLogError(f"Cannot read the study log {STUDY_CSV}: {exc}") from exc
    if tuple(frame.columns) != COLUMNS:
        raise StudyLogError(f"{STUDY_CSV} has columns {list(frame.columns)}, expected {COLUMNS}")
    counts = frame.groupby("model").size().to_dict()
    expected = {m: STUDY_RUNS_PER_MODEL * STUDY_EPOCHS for m in STUDY_MODELS}
    if counts != expected:
        raise StudyLogError(f"{STUDY_CSV} has {counts} epoch rows per model, expected {expected}")
    return frame


def study_runs() -> pd.DataFrame:
    """Every logged epoch of the study's 20 runs (a copy: one row per model, run and epoch)."""
    return _frame().copy()


def study_test_accuracies(model: str) -> tuple[float, ...]:
    """The test accuracies the log prints for a model's runs, in run order (7 and 9 of 10)."""
    frame = _frame()
    values = frame.loc[frame["model"] == model, "test_accuracy"].dropna()
    return tuple(float(v) for v in values)


def study_band(model: str, metric: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per epoch over the model's 10 logged runs: (epochs, mean, sample std, run count).

    metric is one of LOGGED_METRICS; ValueError for others (the log has no training loss).
    """
    if metric not in LOGGED_METRICS:
        raise ValueError(f"The study's log has no {metric!r}; it has {', '.join(LOGGED_METRICS)}")
    if model not in STUDY_MODELS:
        raise ValueError(f"The study logged {', '.join(STUDY_MODELS)}, not {model!r}")
    rows = _frame()[_frame()["model"] == model].sort_values(["run", "epoch"])
    values = rows["accuracy"] - rows["val_accuracy"] if metric == "gap" else rows[metric]
    grid = values.to_numpy(float).reshape(STUDY_RUNS_PER_MODEL, STUDY_EPOCHS)
    mean, std, n = mean_std_band(list(grid))
    return np.arange(1, STUDY_EPOCHS + 1), mean, std, n


def protocol_settings() -> dict[str, Any]:
    """The study's training settings in the form `configurations.training_settings` returns."""
    return training_settings({"config": TrainConfig().to_dict()})  # one rule for both


def matches_protocol(preset: str | None, settings: dict[str, Any], data_source: Any) -> bool:
    """True for a logged model's layers, the study's settings and the full dataset."""
    return (
        preset in STUDY_MODELS
        and settings == protocol_settings()
        and isinstance(data_source, str)
        and data_source.startswith(FULL_DATA_PREFIX)
    )


def logged_mean(model: str) -> float:
    """Mean of the test accuracies the log prints for a model (NaN for other models)."""
    values = study_test_accuracies(model) if model in STUDY_MODELS else ()
    return float(np.mean(values)) if values else math.nan
