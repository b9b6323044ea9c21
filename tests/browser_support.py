"""Shared plumbing for the real-browser tests: a `streamlit run` server and Chromium settings.

Needs Debian's Chromium (/usr/bin/chromium) and the playwright package; the test modules skip
with a reason otherwise.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

import pytest

from tests.apptest_support import ROOT, SAMPLE

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server(str):
    """The app's URL (a str), with the server process's pid."""

    pid: int

    def rss_mb(self) -> float:
        """The server process's resident memory now, in MB."""
        with open(f"/proc/{self.pid}/status") as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith("VmRSS")) / 1024


class PeakRss(threading.Thread):
    """Samples a server's resident memory every 0.2 s while it runs; keeps the peak (MB).
    Stop it with `running = False` and `join()`."""

    def __init__(self, server: Server) -> None:
        super().__init__(daemon=True)
        self.server, self.peak, self.running = server, 0.0, True

    def run(self) -> None:
        while self.running:
            self.peak = max(self.peak, self.server.rss_mb())
            time.sleep(0.2)


@contextmanager
def serve_app(
    runs_dir: Path, timeout: float = 60, env: dict[str, str] | None = None
) -> Iterator[Server]:
    """`streamlit run dashboard.py` on a free port over a run store and the bundled sample
    (`env`: more environment variables, e.g. FMNIST_TEACHER_KEY); yields its URL (with the
    process id, for memory readings)."""
    port = free_port()
    env = {
        **os.environ,
        "FMNIST_RUNS_DIR": str(runs_dir),
        "FMNIST_DATA_DIR": str(SAMPLE),
        "FMNIST_OFFLINE": "1",
        **(env or {}),
    }
    cmd = [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.port", str(port)]
    cmd += ["--server.headless", "true", "--browser.gatherUsageStats", "false"]
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.time() + timeout
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.time() > deadline or proc.poll() is not None:
                    raise RuntimeError("streamlit did not start") from None
                time.sleep(0.3)
        server = Server(f"http://127.0.0.1:{port}")
        server.pid = proc.pid
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def screenshot_folder() -> Path:
    """$FMNIST_SCREENSHOTS, or a new temp folder (printed so a person can look)."""
    folder = Path(os.environ.get("FMNIST_SCREENSHOTS") or tempfile.mkdtemp(prefix="fmnist-shots-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"screenshots in {folder}")
    return folder


def playwright_or_skip(api: str = "sync_api") -> ModuleType:
    """Playwright's sync (or async) API; skips the calling test module when playwright or
    Debian's Chromium is missing. Call it at module level."""
    module = pytest.importorskip(f"playwright.{api}", reason="playwright not installed")
    if not os.path.exists(CHROMIUM):
        pytest.skip("Chromium not installed (apt-get install chromium)", allow_module_level=True)
    return module
