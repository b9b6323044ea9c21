"""A run as one file: a zip of its model, history and run.json, to take it to another machine."""

from __future__ import annotations

import io
import zipfile

from fmnist_viz.runs.store import HISTORY_FILE, MODEL_FILE, RUN_FILE, RunError, RunStore

RUN_ZIP_FILES = (MODEL_FILE, HISTORY_FILE, RUN_FILE)


def run_zip(store: RunStore, run_id: str) -> bytes:
    """A zip of the run's model.keras, history.csv and run.json (those it has) in a folder
    named after the run; RunError when the run cannot be read or has none of them."""
    folder = store.path(run_id)
    store.load(run_id)  # RunError for a missing run
    buffer = io.BytesIO()
    found = 0
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in RUN_ZIP_FILES:
            path = folder / name
            if path.is_file():
                archive.write(path, f"{run_id}/{name}")
                found += 1
    if not found:
        raise RunError(f"Run {run_id} has none of {', '.join(RUN_ZIP_FILES)}")
    return buffer.getvalue()
