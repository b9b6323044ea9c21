"""Following jobs from a terminal through the run store: one line per finished epoch and per
ended run, plus a refreshing status line when stderr is a terminal. Used by the CLI's train,
reproduce and sweep, whichever executor trains the runs."""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from fmnist_viz.runs import ACTIVE, RunError, RunInfo, RunStore, planned_epochs, status_text

if TYPE_CHECKING:
    from fmnist_viz.jobs.manager import JobManager

POLL_S = 0.5


class JobWatch:
    """Prints what happened to a set of runs since the last poll."""

    def __init__(self, store: RunStore, run_ids: Sequence[str], stream: TextIO | None = None):
        self.store = store
        self.run_ids = list(run_ids)
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.epochs_seen = dict.fromkeys(self.run_ids, 0)
        self.ended: dict[str, str] = {}  # run id -> final status

    def _write(self, line: str) -> None:
        """One line (clearing a status line a terminal shows)."""
        self.stream.write(("\r\033[K" if self.tty else "") + line + "\n")
        self.stream.flush()

    def _epochs(self, run_id: str, info: RunInfo) -> None:
        """A line for every epoch that finished since the last poll."""
        try:
            history = self.store.history(run_id)
        except RunError:
            return
        planned = planned_epochs(info) or "?"
        for r in history[self.epochs_seen[run_id] :]:
            self._write(
                f"[{info.name}] epoch {r.epoch}/{planned}: loss {r.loss:.4f} acc {r.accuracy:.4f} "
                f"val_loss {r.val_loss:.4f} val_acc {r.val_accuracy:.4f} {r.seconds:.1f}s"
            )
        self.epochs_seen[run_id] = len(history)

    def poll(self) -> bool:
        """Print what is new; True once every run has ended."""
        running, queued = [], 0
        for run_id in self.run_ids:
            if run_id in self.ended:
                continue
            try:
                info = self.store.load(run_id)
            except RunError as exc:
                self.ended[run_id] = "gone"
                self._write(f"[{run_id}] cannot be read: {exc}")
                continue
            self._epochs(run_id, info)
            if info.status in ACTIVE:
                queued += info.status == "queued"
                if info.status == "running":
                    running.append(status_text(info, self.store.progress(run_id)))
                continue
            self.ended[run_id] = info.status
            error = (
                f": {info.get('error')}" if info.status != "finished" and info.get("error") else ""
            )
            self._write(f"[{info.name}] {status_text(info)}{error}")
        done = len(self.ended) == len(self.run_ids)
        if self.tty and not done:
            line = f"{len(self.ended)}/{len(self.run_ids)} ended, {queued} queued"
            line += "".join(f" | {r}" for r in running[:2])
            self.stream.write("\r\033[K" + line[:150])
            self.stream.flush()
        return done


def wait_for_jobs(
    jm: JobManager, owner: str, run_ids: Sequence[str], stream: TextIO | None = None
) -> dict[str, str]:
    """Print progress until every run has ended; returns run id -> final status.

    Ctrl-C stops the runs (a running one keeps its best weights) and waits for them to end;
    a second Ctrl-C leaves at once.
    """
    watch = JobWatch(jm.store, run_ids, stream)
    try:
        while not watch.poll():
            time.sleep(POLL_S)
    except KeyboardInterrupt:
        watch._write("stopping the runs (Ctrl-C again to leave now)")
        for run_id in run_ids:
            jm.stop(owner, run_id)
        while not watch.poll():
            time.sleep(POLL_S)
        raise
    return watch.ended
