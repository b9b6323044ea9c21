"""The fair queue: round robin between owners (browsers), and the limit of active jobs each.

The next job to start is the oldest waiting job of the owner who has waited longest since their
last start: owners who never started a job come first (the one with the oldest waiting job
first), then the others by how long ago their last job started. So a student's first run never
waits behind another student's second, whichever executor runs the jobs: the job manager keeps
this queue itself and hands a job to the executor only when it has a free slot.

Jobs of the CLI (owner `CLI_OWNER`) take part in the round robin but are never limited.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

CLI_OWNER = "cli"  # the owner of the jobs a CLI process queues (no browser is ever called so)
MAX_JOBS_PER_BROWSER_ENV = "FMNIST_MAX_JOBS_PER_BROWSER"
DEFAULT_MAX_JOBS_PER_BROWSER = 2  # queued + running jobs one browser may have


def max_jobs_per_owner(environ: dict[str, str] | None = None) -> int:
    """Active (queued + running) jobs one browser may have: FMNIST_MAX_JOBS_PER_BROWSER, a
    whole number from 1; anything else (unset, 0, 'two') gives the default, 2."""
    text = (os.environ if environ is None else environ).get(MAX_JOBS_PER_BROWSER_ENV, "")
    text = text.strip()
    if text.isdigit() and 0 < int(text) <= 10_000:
        return int(text)
    return DEFAULT_MAX_JOBS_PER_BROWSER


def is_limited(owner: str | None) -> bool:
    """True for a browser's jobs; the CLI's (and owner-less) jobs are not limited."""
    return owner is not None and owner != CLI_OWNER


def limit_problem(active: int, count: int, limit: int) -> str | None:
    """Why a browser with `active` jobs cannot queue `count` more under `limit`, or None."""
    if active + count <= limit:
        return None
    s = "" if limit == 1 else "s"
    if active == 0:
        return f"At most {limit} training{s} per browser can be queued or running at once"
    return (
        f"You have {active} training{'' if active == 1 else 's'} queued or running; at most "
        f"{limit} per browser: start another when one ends (or stop one)"
    )


@dataclass(frozen=True)
class Waiting:
    """One job waiting to start: its run, its owner and its place in the submit order."""

    run_id: str
    owner: str
    submitted: int  # a counter: smaller was submitted earlier


class FairQueue:
    """Per-owner FIFO lists served round robin (see the module docstring).

    Not thread-safe by itself: the job manager calls it under its lock. Time is a counter of
    submits and starts, so the order is deterministic."""

    def __init__(self) -> None:
        self._waiting: dict[str, deque[Waiting]] = {}
        self._last_start: dict[str, int] = {}  # owner -> tick of their latest start
        self._tick = 0

    def __len__(self) -> int:
        """Jobs waiting."""
        return sum(len(q) for q in self._waiting.values())

    def __contains__(self, run_id: object) -> bool:
        """True while the run waits in this queue."""
        return any(w.run_id == run_id for q in self._waiting.values() for w in q)

    def push(self, run_id: str, owner: str) -> Waiting:
        """Queue a job at the end of its owner's list."""
        self._tick += 1
        job = Waiting(run_id, owner, self._tick)
        self._waiting.setdefault(owner, deque()).append(job)
        return job

    def remove(self, run_id: str) -> Waiting | None:
        """Take a waiting job out (withdrawn); None when it is not waiting."""
        for owner, jobs in self._waiting.items():
            for job in jobs:
                if job.run_id == run_id:
                    jobs.remove(job)
                    if not jobs:
                        del self._waiting[owner]
                    return job
        return None

    def pop(self) -> Waiting | None:
        """The job to start now (recorded as its owner's latest start); None when empty."""
        owner = _next_owner(self._waiting, self._last_start)
        if owner is None:
            return None
        job = self._waiting[owner].popleft()
        if not self._waiting[owner]:
            del self._waiting[owner]
        self._tick += 1
        self._last_start[owner] = self._tick
        return job

    def order(self) -> list[Waiting]:
        """Every waiting job in the order they will start (the round robin played out)."""
        waiting = {o: deque(q) for o, q in self._waiting.items()}
        last = dict(self._last_start)
        tick, out = self._tick, []
        while (owner := _next_owner(waiting, last)) is not None:
            out.append(waiting[owner].popleft())
            if not waiting[owner]:
                del waiting[owner]
            tick += 1
            last[owner] = tick
        return out

    def owners_jobs(self, owner: str) -> list[str]:
        """The owner's waiting run ids, oldest first."""
        return [w.run_id for w in self._waiting.get(owner, ())]

    def run_ids(self) -> Iterable[str]:
        """Every waiting run id (in no particular order)."""
        return [w.run_id for q in self._waiting.values() for w in q]


def _next_owner(waiting: dict[str, deque[Waiting]], last_start: dict[str, int]) -> str | None:
    """The owner whose turn it is: never started first, then the longest since their start;
    ties by their oldest waiting job."""
    if not waiting:
        return None
    return min(waiting, key=lambda o: (last_start.get(o, 0), waiting[o][0].submitted))
