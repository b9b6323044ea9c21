"""Estimated start times: durations measured on finished runs, the queue played out over the
slots, and the words ("3rd in line, starts in about 40 s")."""

from __future__ import annotations

import pytest

from fmnist_viz.jobs import Durations, ordinal, place_text, start_estimates
from fmnist_viz.jobs.eta import DEFAULT_SECONDS_PER_IMAGE, InFlight, about, queue_places


def _run(params: int, limit: int | None, seconds: float | None, status: str = "finished"):
    """A run.json with what the estimates read."""
    return {
        "status": status,
        "params": params,
        "config": {"epochs": 3, "train_limit": limit},
        "seconds_per_epoch": seconds,
    }


def test_ordinals() -> None:
    words = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th", 11: "11th", 12: "12th", 13: "13th"}
    words |= {21: "21st", 22: "22nd", 23: "23rd", 101: "101st", 111: "111th", 112: "112th"}
    assert {n: ordinal(n) for n in words} == words


def test_place_text() -> None:
    assert place_text(3, 40) == "3rd in line, starts in about 40 s"
    assert place_text(1, 0) == "next in line, starts now"
    assert place_text(2, 3) == "2nd in line, starts in under 5 s"
    assert place_text(12, 61) == "12th in line, starts in about 60 s"
    assert place_text(21, 150) == "21st in line, starts in about 2 min"
    assert place_text(4, None) == "4th in line"
    assert about(42) == "about 40 s" and about(88) == "about 90 s" and about(91) == "about 2 min"
    assert about(7) == "about 5 s" and about(13) == "about 15 s" and about(3600) == "about 60 min"


def test_durations_from_similar_runs_then_scaled_then_default() -> None:
    runs = [
        _run(1000, 10_000, 10.0),
        _run(1000, 10_000, 12.0),
        _run(1000, 10_000, 99.0, status="failed"),  # not measured
        _run(5000, 20_000, 40.0),
        _run(7000, None, None),  # no measurement
    ]
    d = Durations(runs)
    assert d.seconds_per_epoch(_run(1000, 10_000, None)) == pytest.approx(11.0)
    assert d.total(_run(1000, 10_000, None)) == pytest.approx(33.0)
    # same model, other size: its per-image time
    assert d.seconds_per_epoch(_run(1000, 5_000, None)) == pytest.approx(5.5)
    # another model: the median per-image time of every measured run (1.0, 1.2, 2.0 ms)
    assert d.seconds_per_epoch(_run(9, 1_000, None)) == pytest.approx(1.2)
    empty = Durations([])
    assert empty.seconds_per_epoch(_run(9, None, None)) == pytest.approx(
        55_000 * DEFAULT_SECONDS_PER_IMAGE
    )


def test_remaining_of_a_running_job() -> None:
    d = Durations([_run(1000, 10_000, 10.0)])
    meta = _run(1000, 10_000, None)
    halfway = {"epoch": 2, "batch": 50, "steps_per_epoch": 100}  # 1.5 of 3 epochs done
    assert d.remaining(meta, halfway) == pytest.approx(15.0)
    assert d.remaining({**meta, "seconds_per_epoch": 20.0}, halfway) == pytest.approx(30.0)
    assert d.remaining(meta, None) == pytest.approx(30.0)
    assert d.remaining(meta, {"epoch": "x"}) == pytest.approx(30.0)


def test_start_estimates_over_slots() -> None:
    # one slot, a running job with 10 s left, then jobs of 30 s each
    assert start_estimates([10], [30, 30, 30], 1) == [10, 40, 70]
    # two slots: the second is free now
    assert start_estimates([10], [30, 30, 30], 2) == [0, 10, 30]
    assert start_estimates([], [5], 1) == [0]


def test_queue_places_count_starting_jobs_first() -> None:
    d = Durations([_run(1000, 10_000, 10.0)])
    meta = _run(1000, 10_000, None)  # 30 s each
    running = InFlight("r", meta, False, {"epoch": 3, "batch": 0, "steps_per_epoch": 10})
    starting = InFlight("s", meta, True)
    places = queue_places([running, starting], [("w1", meta), ("w2", meta)], d, 2)
    assert places["s"] == (1, 0.0)
    assert places["w1"] == (2, pytest.approx(10.0))  # when the running one ends
    assert places["w2"] == (3, pytest.approx(30.0))  # when the starting one ends
    assert "r" not in places
