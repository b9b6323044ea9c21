"""What a session sees of one job: its status, its place in the queue and when it should start,
its progress, and who submitted it (by nickname)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fmnist_viz.jobs.eta import place_text
from fmnist_viz.runs import ACTIVE


@dataclass(frozen=True)
class JobView:
    """What a session sees of one job."""

    run_id: str
    name: str
    status: str  # queued, running, finished, stopped, failed, interrupted
    queue_position: int | None  # 1-based while waiting
    progress: dict[str, Any] | None  # the latest batch progress of a running job
    error: str | None
    meta: dict[str, Any]
    nickname: str = ""  # the owner's nickname when the job was submitted
    starts_in: float | None = None  # estimated seconds until a queued job starts

    @property
    def active(self) -> bool:
        """True while the job is queued or running."""
        return self.status in ACTIVE

    def place(self) -> str:
        """'3rd in line, starts in about 40 s' for a queued job, '' otherwise."""
        if self.status != "queued" or self.queue_position is None:
            return ""
        return place_text(self.queue_position, self.starts_in)
