"""When will a queued job start? Estimates from the measured durations of finished runs, and
the words a student reads ("3rd in line, starts in about 40 s").

Pure functions over run.json data: a job's length is its epochs × the seconds per epoch of
finished runs of the same model and training size (scaled by images from the same model on
another size, else from any model), else a default per image.
"""

from __future__ import annotations

import heapq
import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from fmnist_viz.runs import RunInfo

FULL_TRAIN_IMAGES = 55_000  # the protocol's training images when a run has no train_limit
DEFAULT_SECONDS_PER_IMAGE = 300e-6  # before any run finished here (measured: 234 µs, Model 1)
MINUTES_ABOVE_S = 90  # "about 2 min" above this many seconds, seconds below


def _number(value: Any) -> float | None:
    """A finite positive number, else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) and value > 0 else None


def train_images(meta: dict[str, Any]) -> int:
    """The images one epoch of the run trains on (its train_limit, else the full split)."""
    limit = (meta.get("config") or {}).get("train_limit")
    usable = isinstance(limit, int) and not isinstance(limit, bool) and limit > 0
    return int(limit) if usable else FULL_TRAIN_IMAGES


def _epochs(meta: dict[str, Any]) -> int:
    """The epochs the run was set to train (1 when unreadable)."""
    epochs = (meta.get("config") or {}).get("epochs")
    return epochs if isinstance(epochs, int) and not isinstance(epochs, bool) and epochs > 0 else 1


class Durations:
    """Seconds per epoch measured on this server's finished runs, by model and size."""

    def __init__(self, runs: Iterable[RunInfo | dict[str, Any]]):
        self._by_size: dict[tuple[Any, int], list[float]] = {}
        self._per_image: dict[Any, list[float]] = {}
        self._all_per_image: list[float] = []
        for run in runs:
            meta = run.meta if isinstance(run, RunInfo) else run
            if isinstance(run, RunInfo) and run.damaged:
                continue
            seconds = _number(meta.get("seconds_per_epoch"))
            if meta.get("status") != "finished" or seconds is None:
                continue
            model, images = meta.get("params"), train_images(meta)
            self._by_size.setdefault((model, images), []).append(seconds)
            self._per_image.setdefault(model, []).append(seconds / images)
            self._all_per_image.append(seconds / images)

    def seconds_per_epoch(self, meta: dict[str, Any]) -> float:
        """The expected seconds of one epoch of this run."""
        model, images = meta.get("params"), train_images(meta)
        if (model, images) in self._by_size:
            return statistics.median(self._by_size[model, images])
        per_image = self._per_image.get(model) or self._all_per_image
        return images * (statistics.median(per_image) if per_image else DEFAULT_SECONDS_PER_IMAGE)

    def total(self, meta: dict[str, Any]) -> float:
        """The expected seconds of the whole run."""
        return _epochs(meta) * self.seconds_per_epoch(meta)

    def remaining(self, meta: dict[str, Any], progress: dict[str, Any] | None) -> float:
        """The expected seconds left of a running run (its own measured epochs when it has
        some, from its latest progress record)."""
        per_epoch = _number(meta.get("seconds_per_epoch")) or self.seconds_per_epoch(meta)
        done = 0.0
        try:
            steps = max(1, int(progress["steps_per_epoch"]))  # type: ignore[index]
            done = int(progress["epoch"]) - 1 + int(progress["batch"]) / steps  # type: ignore[index]
        except (KeyError, TypeError, ValueError):
            pass
        return max(0.0, (_epochs(meta) - done) * per_epoch)


def start_estimates(
    running_left: Sequence[float], waiting: Sequence[float], slots: int
) -> list[float]:
    """Seconds until each waiting job starts, in queue order: each starts when the first of
    `slots` trainings ends (running ones after their time left, then the waiting ones ahead)."""
    free = sorted(max(0.0, s) for s in running_left)[: max(1, slots)]
    free += [0.0] * (max(1, slots) - len(free))
    heapq.heapify(free)
    starts = []
    for seconds in waiting:
        start = heapq.heappop(free)
        starts.append(start)
        heapq.heappush(free, start + max(0.0, seconds))
    return starts


@dataclass(frozen=True)
class InFlight:
    """A job the executor holds: its run.json, whether it has yet to start, its progress."""

    run_id: str
    meta: dict[str, Any]
    starting: bool
    progress: dict[str, Any] | None = None


def queue_places(
    in_flight: Sequence[InFlight],
    waiting: Sequence[tuple[str, dict[str, Any]]],
    durations: Durations,
    slots: int,
) -> dict[str, tuple[int, float]]:
    """Place (1-based) and estimated seconds to start of every job not started yet: those
    the executor holds but has not started first (starting now), then the waiting ones in the
    queue's order (run id, run.json), each when a slot frees up."""
    left = [
        durations.total(j.meta) if j.starting else durations.remaining(j.meta, j.progress)
        for j in in_flight
    ]
    starts = start_estimates(left, [durations.total(m) for _, m in waiting], slots)
    places = {j.run_id: (i + 1, 0.0) for i, j in enumerate(j for j in in_flight if j.starting)}
    first = len(places)
    for i, ((run_id, _), start) in enumerate(zip(waiting, starts, strict=True)):
        places[run_id] = (first + i + 1, start)
    return places


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st, 102nd, 111th."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def about(seconds: float) -> str:
    """'about 40 s', 'about 5 s', 'about 2 min' (minutes above 90 s), 'under 5 s'."""
    if seconds < 5:
        return "under 5 s" if seconds > 0.5 else "now"
    if seconds <= MINUTES_ABOVE_S:
        step = 5 if seconds < 60 else 10
        return f"about {max(step, round(seconds / step) * step):.0f} s"
    return f"about {round(seconds / 60):.0f} min"


def place_text(position: int, seconds: float | None) -> str:
    """'next in line, starts now', '3rd in line, starts in about 40 s'; without an estimate
    just the place."""
    place = "next in line" if position <= 1 else f"{ordinal(position)} in line"
    if seconds is None:
        return place
    when = about(seconds)
    return f"{place}, starts {when}" if when == "now" else f"{place}, starts in {when}"
