"""Shared helpers for the streamlit.testing page tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from ui import shell

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "dashboard.py")
SAMPLE = ROOT / "fmnist_viz" / "data" / "sample"


@contextmanager
def app_env(monkeypatch: pytest.MonkeyPatch, runs_dir: Path) -> Iterator[None]:
    """Point the app at a run store and the bundled sample; fresh caches; jobs shut down after."""
    monkeypatch.setenv("FMNIST_RUNS_DIR", str(runs_dir))
    monkeypatch.setenv("FMNIST_DATA_DIR", str(SAMPLE))
    monkeypatch.setenv("FMNIST_OFFLINE", "1")
    monkeypatch.setenv("FMNIST_WARM_UP", "0")  # no background thread racing the page tests
    # streamlit.testing runs page scripts in legacy mode on every run: draw the shell inline
    # each time (no one-off rerun), so widget ids stay the same from run to run
    monkeypatch.setattr(shell, "_switched", True)
    st.cache_resource.clear()
    try:
        yield
    finally:
        from ui.core import resources

        resources.job_manager().shutdown(wait=True)
        st.cache_resource.clear()


def open_page(page: str | None = None, **query: str) -> AppTest:
    """Run the app (with URL query parameters), then switch to a page; no exception allowed."""
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    if page:
        at.switch_page(page).run()
        assert not at.exception, at.exception
    return at


def texts(at: AppTest) -> str:
    """All markdown, captions, alerts and subheaders of the page, as one string."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    for kind in (at.success, at.info, at.warning, at.error, at.subheader):
        parts += [e.value for e in kind]
    return "\n".join(str(p) for p in parts)


def fresh_interpreter_report(
    script: str, runs_dir: Path, *args: str, timeout: float = 240, **env: str
) -> dict:
    """Run `script` (given dashboard.py's path and `args`) in a fresh Python over a run store
    and the bundled sample, with more environment variables in `env`; the JSON object on its
    last printed line (what the script reports)."""
    import json
    import os
    import subprocess
    import sys

    environ = {
        **os.environ,
        "FMNIST_RUNS_DIR": str(runs_dir),
        "FMNIST_DATA_DIR": str(SAMPLE),
        "FMNIST_OFFLINE": "1",
        "PYTHONPATH": str(ROOT),
        **env,
    }
    out = subprocess.run(
        [sys.executable, "-c", script, str(ROOT / "dashboard.py"), *args],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])
