"""What a run is doing, in words, and which run a page shows when the user chose none.

Pure functions over run.json data and the latest progress, shared by the run chooser on every
inside page, the badges on live views and the CLI.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from fmnist_viz.runs.store import ACTIVE, RunInfo

USABLE = ("finished", "stopped", "running")  # statuses whose runs can have a model to show


def trained_epochs(progress: dict[str, Any] | None) -> float | None:
    """Epochs trained so far from a progress record, e.g. 3.5 halfway through the fourth."""
    if not progress:
        return None
    try:
        epoch, batch = int(progress["epoch"]), int(progress["batch"])
        steps = max(1, int(progress["steps_per_epoch"]))
    except (KeyError, TypeError, ValueError):
        return None
    return epoch - 1 + batch / steps


def planned_epochs(info: RunInfo) -> int | None:
    """The number of epochs the run was set to train."""
    epochs = (info.get("config") or {}).get("epochs")
    return epochs if isinstance(epochs, int) and not isinstance(epochs, bool) else None


def status_text(info: RunInfo, progress: dict[str, Any] | None = None) -> str:
    """'training, epoch 3.5 of 10', 'finished, test acc 0.918', 'stopped after 2 epochs', ..."""
    status = info.status
    planned = planned_epochs(info)
    of = f" of {planned}" if planned else ""
    if status == "running":
        done = trained_epochs(progress)
        return "training, starting" if done is None else f"training, epoch {done:.1f}{of}"
    if status == "finished":
        acc = info.get("test_accuracy")
        return f"finished, test acc {acc:.3f}" if _finite(acc) else "finished"
    if status == "stopped":
        return f"stopped after {info.get('epochs_done') or 0}{of} epochs"
    return status


def badge(info: RunInfo, position: float | None, live: bool) -> str:
    """The line on a view saying which weights it shows.

    'epoch 2.50 of 10 · training' for a running run's newest state, 'final (best epoch 7)' for
    a run's kept weights, 'epoch 1.25 of 3' for a saved state being played back.
    """
    planned = planned_epochs(info)
    of = f" of {planned}" if planned else ""
    if position is None:
        best = info.get("best_epoch")
        return f"final (best epoch {best})" if best else "final"
    where = "initial weights" if position == 0 else f"epoch {position:.2f}{of}"
    return f"{where} · training" if live and info.status in ACTIVE else where


def default_run(session_jobs: Sequence[RunInfo], runs: Sequence[RunInfo]) -> str | None:
    """The run a page shows when the user has chosen none: this session's running job (the
    newest), else its latest job that has something to show, else the newest finished run in
    the store, else the newest run with something to show."""
    jobs = list(reversed(session_jobs))  # newest first
    running = [j for j in jobs if j.status == "running"]
    if running:
        return running[0].id
    shown = [j for j in jobs if j.status in USABLE]
    if shown:
        return shown[0].id
    finished = [r for r in runs if r.status == "finished"]
    if finished:
        return finished[0].id
    usable = [r for r in runs if r.status in USABLE]
    return usable[0].id if usable else None


def _finite(value: Any) -> bool:
    """A finite number (not a bool)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
