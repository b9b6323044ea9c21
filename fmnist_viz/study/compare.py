"""Repeated-run analysis: group runs by configuration, tabulate, test and band their curves.

Runs whose layers and training settings are equal (seed aside) form one configuration; its
runs are the repeats whose spread the tables, bands and Welch test describe. Test-set error
analysis of one run lives in `evaluation.py`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from fmnist_viz.models import PRESETS
from fmnist_viz.runs import RunError, RunStore
from fmnist_viz.study.configurations import config_key, group_label, preset_key, training_settings
from fmnist_viz.study.reference import (
    LOGGED_METRICS,
    STUDY_RUNS_PER_MODEL,
    matches_protocol,
    study_band,
)
from fmnist_viz.study.stats import (
    STUDY_REFERENCE,
    WelchResult,
    mean_std_band,
    sample_stats,
    welch_t_test,
)
from fmnist_viz.training import EpochRecord

if TYPE_CHECKING:
    import pandas as pd

CURVE_METRICS = ("loss", "accuracy", "val_loss", "val_accuracy")
METRICS = (*CURVE_METRICS, "gap")  # gap: training accuracy − validation accuracy per epoch
HISTORY_COLUMNS = (*CURVE_METRICS, "seconds")
RUN_COLUMNS = (
    "run_id",
    "run",
    "group",
    "status",
    "seed",
    "epochs",
    "test_accuracy",
    "best_val_accuracy",
    "best_epoch",
    "final_train_accuracy",
    "gap",
    "gap_basis",
    "params",
    "seconds_per_epoch",
)
GROUP_COLUMNS = (
    "group",
    "runs",
    "test_n",
    "test_mean",
    "test_std",
    "test_min",
    "test_max",
    "gap_mean",
    "gap_std",
    "gap_min",
    "gap_max",
    "preset",
    "study_mean",
)
LONG_COLUMNS = ("run_id", "run", "group", "epoch", "metric", "value")


# ---------------------------------------------------------------- one run as arrays


def _number(value: Any) -> float:
    """Return value as a float, NaN when it is missing or not a number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return math.nan
    return float(value)


def _whole(value: Any) -> int | None:
    """Return value when it is a whole number, else None."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@dataclass(frozen=True, eq=False)
class RunSeries:
    """One run's per-epoch history as arrays plus the numbers the comparison needs."""

    run_id: str
    name: str
    group: str
    key: str
    preset: str | None
    study: str | None  # the logged model it is comparable with (its protocol, full data)
    status: str
    seed: int | None
    params: int | None
    test_accuracy: float
    epoch: np.ndarray
    loss: np.ndarray
    accuracy: np.ndarray
    val_loss: np.ndarray
    val_accuracy: np.ndarray
    seconds: np.ndarray

    def values(self, metric: str) -> np.ndarray:
        """Return one per-epoch metric of METRICS ('gap' is accuracy − val_accuracy)."""
        if metric == "gap":
            return self.accuracy - self.val_accuracy
        if metric not in CURVE_METRICS:
            raise ValueError(f"Unknown metric {metric!r}; use one of {', '.join(METRICS)}")
        return getattr(self, metric)

    @property
    def best_index(self) -> int | None:
        """Return the position of the checkpointed epoch (lowest validation loss), if any."""
        if np.isnan(self.val_loss).all():
            return None
        return int(np.nanargmin(self.val_loss))

    @property
    def best_epoch(self) -> int | None:
        """Return the epoch whose weights the checkpoint kept."""
        i = self.best_index
        return None if i is None else int(self.epoch[i])

    @property
    def best_val_accuracy(self) -> float:
        """Return the validation accuracy at the checkpointed epoch."""
        i = self.best_index
        return math.nan if i is None else float(self.val_accuracy[i])

    @property
    def final_train_accuracy(self) -> float:
        """Return the training accuracy of the last completed epoch."""
        return float(self.accuracy[-1])

    @property
    def seconds_per_epoch(self) -> float:
        """Return the mean wall time of an epoch."""
        return float(np.mean(self.seconds))

    @property
    def gap_basis(self) -> str:
        """Return 'test' when the gap uses the test accuracy, 'val' when it falls back."""
        return "val" if math.isnan(self.test_accuracy) else "test"

    @property
    def gap(self) -> float:
        """Return final train accuracy − test accuracy (− best val accuracy without a test)."""
        other = self.best_val_accuracy if self.gap_basis == "val" else self.test_accuracy
        return self.final_train_accuracy - other


def _arrays(history: list[EpochRecord]) -> dict[str, np.ndarray]:
    """Return the history's columns as float arrays (epoch as int)."""
    columns = {k: np.array([getattr(r, k) for r in history], dtype=float) for k in HISTORY_COLUMNS}
    return {"epoch": np.array([r.epoch for r in history], dtype=int), **columns}


def _read_series(store: RunStore, run_id: str) -> RunSeries:
    """Load one run; RunError/ValueError with the reason when it cannot be compared."""
    info = store.load(run_id)
    if info.damaged:
        raise RunError(info.damaged)
    history = store.history(run_id)
    if not history:
        raise RunError("no completed epoch yet")
    meta = info.meta
    seed = _whole(meta.get("seed"))  # the drawn seed is recorded here, the requested one in config
    if seed is None:
        seed = _whole((meta.get("config") or {}).get("seed"))
    preset = preset_key(meta)
    study = (
        preset
        if matches_protocol(preset, training_settings(meta), meta.get("data_source"))
        else None
    )
    return RunSeries(
        run_id=run_id,
        name=info.name,
        group=group_label(meta),
        key=config_key(meta),
        preset=preset,
        study=study,
        status=info.status,
        seed=seed,
        params=_whole(meta.get("params")),
        test_accuracy=_number(meta.get("test_accuracy")),
        **_arrays(history),
    )


def _unique_groups(series: list[RunSeries]) -> list[RunSeries]:
    """Give configurations that share a readable label distinct labels (suffix: key start)."""
    owner: dict[str, str] = {}
    out = []
    for s in series:
        label = s.group if owner.setdefault(s.group, s.key) == s.key else f"{s.group} [{s.key[:6]}]"
        out.append(replace(s, group=label))
    return out


def load_series(store: RunStore, run_ids: Iterable[str]) -> tuple[list[RunSeries], list[str]]:
    """Load runs for comparison; skipped runs (damaged, missing, no epoch) come back as messages."""
    series, messages = [], []
    for run_id in dict.fromkeys(run_ids):
        try:
            series.append(_read_series(store, run_id))
        except (ValueError, TypeError, KeyError) as exc:  # RunError and SpecError are ValueErrors
            messages.append(f"Skipped run {run_id}: {exc}")
    return _unique_groups(series), messages


def finished_only(series: Sequence[RunSeries]) -> list[RunSeries]:
    """Return the runs whose status is 'finished' (the ones that trained every epoch)."""
    return [s for s in series if s.status == "finished"]


def group_names(series: Sequence[RunSeries]) -> list[str]:
    """Return the group labels in order of first appearance."""
    return list(dict.fromkeys(s.group for s in series))


def _members(series: Sequence[RunSeries], group: str) -> list[RunSeries]:
    """Return the runs of one group; ValueError for an unknown group."""
    found = [s for s in series if s.group == group]
    if not found:
        raise ValueError(f"No runs in group {group!r}; groups: {', '.join(group_names(series))}")
    return found


# ---------------------------------------------------------------- tables


def run_table(series: Sequence[RunSeries]) -> pd.DataFrame:
    """Return one row per run: accuracies, best epoch, gap, parameters, speed, seed, status."""
    import pandas as pd  # loaded only when a table is made (the CLI starts light)

    rows = [
        {
            "run_id": s.run_id,
            "run": s.name,
            "group": s.group,
            "status": s.status,
            "seed": s.seed,
            "epochs": int(s.epoch[-1]),
            "test_accuracy": s.test_accuracy,
            "best_val_accuracy": s.best_val_accuracy,
            "best_epoch": s.best_epoch,
            "final_train_accuracy": s.final_train_accuracy,
            "gap": s.gap,
            "gap_basis": s.gap_basis,
            "params": s.params,
            "seconds_per_epoch": s.seconds_per_epoch,
        }
        for s in series
    ]
    frame = pd.DataFrame(rows, columns=list(RUN_COLUMNS))
    for column in ("seed", "best_epoch", "params"):
        frame[column] = frame[column].astype("Int64")
    return frame


def _study_model(members: Sequence[RunSeries]) -> str | None:
    """Return the logged model every run of a group is comparable with, else None."""
    models = {s.study for s in members}
    return models.pop() if len(models) == 1 else None


def _study_mean(key: str | None) -> float:
    """Return the study's reported mean test accuracy for a logged model, NaN for others."""
    return STUDY_REFERENCE.get(key, math.nan) if key is not None else math.nan


def _group_row(group: str, members: list[RunSeries]) -> dict[str, Any]:
    """Return one group's test-accuracy and gap statistics over its runs with a test score."""
    tested = [s for s in members if s.gap_basis == "test"]
    test = sample_stats([s.test_accuracy for s in tested])
    gap = sample_stats([s.gap for s in tested])
    key = members[0].preset
    return {
        "group": group,
        "runs": len(members),
        "test_n": test.n,
        "test_mean": test.mean,
        "test_std": test.std,
        "test_min": test.min,
        "test_max": test.max,
        "gap_mean": gap.mean,
        "gap_std": gap.std,
        "gap_min": gap.min,
        "gap_max": gap.max,
        "preset": key,
        "study_mean": _study_mean(_study_model(members)),
    }


def group_table(series: Sequence[RunSeries]) -> pd.DataFrame:
    """Return per group: test accuracy and final-train − test gap statistics, study reference."""
    import pandas as pd  # loaded only when a table is made (the CLI starts light)

    rows = [_group_row(g, _members(series, g)) for g in group_names(series)]
    return pd.DataFrame(rows, columns=list(GROUP_COLUMNS))


def _study_models(series: Sequence[RunSeries]) -> list[str]:
    """Return the logged models of the groups whose every run is on the study's protocol."""
    found = (_study_model(_members(series, g)) for g in group_names(series))
    return [k for k in dict.fromkeys(found) if k is not None]


def study_references(series: Sequence[RunSeries]) -> dict[str, float]:
    """Return the study's mean test accuracy per comparable group's model, by line label.

    Only groups run on the study's protocol with the full data get one: for a subset, fewer
    epochs or other settings the study's numbers are not a reference.
    """
    return {
        f"Study {PRESETS[k]['title']} (mean of {STUDY_RUNS_PER_MODEL})": STUDY_REFERENCE[k]
        for k in _study_models(series)
        if k in STUDY_REFERENCE
    }


def study_bands(
    series: Sequence[RunSeries], metric: str
) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """Return the study's per-epoch mean ± std of a metric over its 10 logged runs, per
    comparable group's model, by label (empty for metrics the log lacks, e.g. training loss)."""
    if metric not in LOGGED_METRICS:
        return {}
    return {f"Study {PRESETS[k]['title']}": study_band(k, metric) for k in _study_models(series)}


def welch_between(series: Sequence[RunSeries], group_a: str, group_b: str) -> WelchResult:
    """Return Welch's t-test of the test accuracies of two groups."""
    a = [s.test_accuracy for s in _members(series, group_a)]
    b = [s.test_accuracy for s in _members(series, group_b)]
    return welch_t_test(a, b)


def histories_long(series: Sequence[RunSeries]) -> pd.DataFrame:
    """Return every run's history in tidy form: run_id, run, group, epoch, metric, value."""
    import pandas as pd  # loaded only when a table is made (the CLI starts light)

    rows = [
        (s.run_id, s.name, s.group, int(e), metric, float(v))
        for s in series
        for metric in HISTORY_COLUMNS
        for e, v in zip(s.epoch, getattr(s, metric), strict=True)
    ]
    return pd.DataFrame(rows, columns=list(LONG_COLUMNS))


def run_table_csv(series: Sequence[RunSeries]) -> str:
    """Return the run table as CSV text (for a download button)."""
    return run_table(series).to_csv(index=False)


def histories_csv(series: Sequence[RunSeries]) -> str:
    """Return the tidy histories as CSV text (for a download button)."""
    return histories_long(series).to_csv(index=False)


# ---------------------------------------------------------------- curve bands


def _on_epoch_grid(s: RunSeries, metric: str, epochs: np.ndarray) -> np.ndarray:
    """Return a run's metric placed on an epoch grid, NaN where it has no value."""
    out = np.full(epochs.size, np.nan)
    out[np.searchsorted(epochs, s.epoch)] = s.values(metric)
    return out


def group_bands(
    series: Sequence[RunSeries], metric: str
) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """Return per group (epochs, mean, sample std, run count) of a metric, runs aligned by epoch."""
    out = {}
    for group in group_names(series):
        members = _members(series, group)
        epochs = np.unique(np.concatenate([s.epoch for s in members]))
        mean, std, n = mean_std_band([_on_epoch_grid(s, metric, epochs) for s in members])
        out[group] = (epochs, mean, std, n)
    return out
