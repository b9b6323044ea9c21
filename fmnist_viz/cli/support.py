"""What every command of the CLI shares: the usage error, argument types and output helpers."""

from __future__ import annotations

import argparse
import json
import math
from typing import Any, NoReturn


class UsageError(Exception):
    """A user mistake: printed as one line, exit code 2."""


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are UsageErrors (one line, exit 2)."""

    def error(self, message: str) -> NoReturn:
        """Raise the parse error as a UsageError instead of printing usage and exiting."""
        raise UsageError(message)


def whole(text: str) -> int:
    """An argument that must be a whole number (its range is checked by TrainConfig)."""
    try:
        return int(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from exc


def positive(text: str) -> int:
    """A count that must be at least 1."""
    value = whole(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def number(text: str) -> float:
    """An argument that must be a number (its range is checked by TrainConfig)."""
    try:
        return float(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from exc


def finite(value: Any) -> float | None:
    """A finite number as float, else None."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def fmt(value: Any, digits: int = 4) -> str:
    """A number with fixed decimals, '-' for anything that is not a finite number."""
    value = finite(value)
    return "-" if value is None else f"{value:.{digits}f}"


def json_safe(data: Any) -> Any:
    """Data with every NaN or infinity replaced by None (JSON has neither)."""
    if isinstance(data, float) and not math.isfinite(data):
        return None
    if isinstance(data, dict):
        return {str(k): json_safe(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [json_safe(v) for v in data]
    return data


def print_json(data: Any) -> None:
    """Print valid JSON (no NaN), indented."""
    print(json.dumps(json_safe(data), indent=2, default=str, allow_nan=False))


def run_row(meta: dict[str, Any]) -> dict[str, Any]:
    """One run as a row of the output (numbers that are not finite numbers become None)."""
    test, train_acc = finite(meta.get("test_accuracy")), finite(meta.get("final_train_accuracy"))
    gap = train_acc - test if test is not None and train_acc is not None else None
    return {
        "id": meta["id"],
        "name": meta.get("name"),
        "arch": meta.get("arch"),
        "status": meta.get("status"),
        "seed": meta.get("seed"),
        "epochs_done": meta.get("epochs_done") or 0,
        "test_accuracy": test,
        "best_val_accuracy": meta.get("best_val_accuracy"),
        "best_epoch": meta.get("best_epoch"),
        "final_train_accuracy": train_acc,
        "train_test_gap": gap,
        "seconds_per_epoch": meta.get("seconds_per_epoch"),
        "data_source": meta.get("data_source"),
        "created": meta.get("created"),
        "error": meta.get("error") if meta.get("status") != "finished" else None,
    }


def wall_time(seconds: float, runs: int) -> dict[str, float]:
    """The wall time of a batch of runs and how many runs that makes per hour."""
    return {"wall_seconds": seconds, "runs_per_hour": runs * 3600 / max(seconds, 1e-9)}


def wall_line(seconds: float, runs: int) -> str:
    """E.g. 'wall time 49.8 min (2,988 s) for 20 runs: 24.1 runs per hour'."""
    per_hour = wall_time(seconds, runs)["runs_per_hour"]
    s = "" if runs == 1 else "s"
    return (
        f"wall time {seconds / 60:.1f} min ({seconds:,.0f} s) for {runs} run{s}: "
        f"{per_hour:.1f} runs per hour"
    )
