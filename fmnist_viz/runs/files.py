"""The text formats of a run folder: history.csv (one row per finished epoch) and
batches.csv (one row per batch, appended while the run trains, read incrementally)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from fmnist_viz.training import HISTORY_FIELDS, EpochRecord

BATCHES_FILE = "batches.csv"
BATCHES_HEADER = "epoch,batch,loss,accuracy\n"


class RunFileError(ValueError):
    """A run file that cannot be parsed."""


def read_history(path: Path) -> list[EpochRecord]:
    """Parse history.csv; RunFileError on a damaged file."""
    try:
        rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
        return [
            EpochRecord(int(r["epoch"]), *(float(r[k]) for k in HISTORY_FIELDS[1:])) for r in rows
        ]
    except (OSError, KeyError, ValueError, TypeError, UnicodeDecodeError) as exc:
        raise RunFileError(f"{path.name} is damaged: {exc}") from exc


def history_csv(history: list[EpochRecord]) -> str:
    """history.csv's text for these epochs."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(HISTORY_FIELDS)
    for r in history:
        writer.writerow([r.epoch, *(f"{getattr(r, k):.6g}" for k in HISTORY_FIELDS[1:])])
    return buf.getvalue()


def parse_batch_lines(lines: list[str]) -> list[tuple[int, int, float, float]]:
    """Parse batches.csv data lines (no header); malformed lines are skipped."""
    out = []
    for line in lines:
        parts = line.split(",")
        if len(parts) != 4:
            continue
        try:
            out.append((int(parts[0]), int(parts[1]), float(parts[2]), float(parts[3])))
        except ValueError:
            continue
    return out


class BatchTail:
    """Incremental reader of a run's batches.csv: each call returns only the new rows."""

    def __init__(self, run_folder: Path):
        self.path: Path = run_folder / BATCHES_FILE
        self.offset = 0
        self.rows: list[tuple[int, int, float, float]] = []

    def read(self) -> list[tuple[int, int, float, float]]:
        """All rows so far (reads only what was appended since the last call)."""
        try:
            with open(self.path, "rb") as fh:
                fh.seek(self.offset)
                chunk = fh.read()
        except OSError:
            return self.rows
        end = chunk.rfind(b"\n") + 1  # leave a torn last line for the next read
        if end:
            lines = chunk[:end].decode("utf-8", errors="replace").splitlines()
            self.rows.extend(parse_batch_lines(lines[0 if self.offset else 1 :]))
            self.offset += end
        return self.rows
