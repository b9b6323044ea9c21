"""The fair queue on its own: round robin between owners, the issue's scenario, the order it
predicts, and the limit per browser read from the environment."""

from __future__ import annotations

import pytest

from fmnist_viz.jobs import (
    CLI_OWNER,
    DEFAULT_MAX_JOBS_PER_BROWSER,
    FairQueue,
    is_limited,
    max_jobs_per_owner,
)
from fmnist_viz.jobs.queue import limit_problem


def _drain(queue: FairQueue) -> list[str]:
    """Pop every job; their run ids in start order."""
    out = []
    while (job := queue.pop()) is not None:
        out.append(job.run_id)
    return out


def test_round_robin_between_three_owners() -> None:
    q = FairQueue()
    for owner, n in (("a", 3), ("b", 2), ("c", 1)):
        for i in range(n):
            q.push(f"{owner}{i + 1}", owner)
    predicted = [w.run_id for w in q.order()]
    assert predicted == ["a1", "b1", "c1", "a2", "b2", "a3"]
    assert len(q) == 6 and "b2" in q
    assert _drain(q) == predicted  # the prediction is what happens
    assert len(q) == 0 and q.pop() is None


def test_the_issues_scenario_six_runs_then_two_browsers() -> None:
    """One browser queues 6 runs (its first starts); the next two browsers' single runs are
    2nd and 3rd to start, not 7th and 8th."""
    q = FairQueue()
    for i in range(6):
        q.push(f"greedy{i + 1}", "greedy")
    assert q.pop().run_id == "greedy1"  # a free worker takes it at once
    q.push("bob1", "bob")
    q.push("carol1", "carol")
    assert [w.run_id for w in q.order()][:3] == ["bob1", "carol1", "greedy2"]
    assert _drain(q) == ["bob1", "carol1", "greedy2", "greedy3", "greedy4", "greedy5", "greedy6"]


def test_a_first_run_never_waits_behind_a_second() -> None:
    q = FairQueue()
    q.push("a1", "a")
    q.push("a2", "a")
    assert q.pop().run_id == "a1"
    q.push("b1", "b")  # b arrives after a's second run was queued
    assert q.pop().run_id == "b1"
    # a has waited longest since its last start: a comes next even though b queued more
    q.push("b2", "b")
    assert _drain(q) == ["a2", "b2"]


def test_the_owner_who_waited_longest_since_a_start_goes_first() -> None:
    q = FairQueue()
    for run, owner in (("a1", "a"), ("b1", "b"), ("c1", "c")):
        q.push(run, owner)
    assert _drain(q) == ["a1", "b1", "c1"]
    for run, owner in (("c2", "c"), ("b2", "b"), ("a2", "a")):  # queued in reverse
        q.push(run, owner)
    assert _drain(q) == ["a2", "b2", "c2"]  # a started longest ago


def test_remove_withdraws_a_waiting_job() -> None:
    q = FairQueue()
    for run, owner in (("a1", "a"), ("a2", "a"), ("b1", "b")):
        q.push(run, owner)
    assert q.remove("a1").owner == "a"
    assert q.remove("a1") is None and "a1" not in q
    assert q.owners_jobs("a") == ["a2"]
    assert _drain(q) == ["a2", "b1"]


def test_limit_from_the_environment() -> None:
    assert max_jobs_per_owner({}) == DEFAULT_MAX_JOBS_PER_BROWSER == 2
    assert max_jobs_per_owner({"FMNIST_MAX_JOBS_PER_BROWSER": " 5 "}) == 5
    for bad in ("0", "-1", "two", "", "1e3", "99999999"):
        assert max_jobs_per_owner({"FMNIST_MAX_JOBS_PER_BROWSER": bad}) == 2, bad


def test_cli_jobs_are_not_limited_and_the_limit_says_why() -> None:
    assert not is_limited(CLI_OWNER) and not is_limited(None) and is_limited("browser-ab12")
    assert limit_problem(1, 1, 2) is None
    assert limit_problem(2, 1, 2) == (
        "You have 2 trainings queued or running; at most 2 per browser: start another when "
        "one ends (or stop one)"
    )
    assert (
        limit_problem(0, 3, 2) == "At most 2 trainings per browser can be queued or running at once"
    )


@pytest.mark.parametrize("owners", [1, 4])
def test_order_is_deterministic_for_ties(owners: int) -> None:
    q = FairQueue()
    for i in range(owners):
        q.push(f"o{i}", f"owner{i}")
    assert [w.run_id for w in q.order()] == [f"o{i}" for i in range(owners)]
