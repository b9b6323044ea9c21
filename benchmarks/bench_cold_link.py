"""A shared link to an inside page on a fresh server (#20): how long from navigation to its first
chart, when the link is opened 8 s after the server process started; and on a warm server.

Each server is a real `python -m streamlit run dashboard.py` on a free loopback port over a run
store with one tiny finished run (trained once at the start, 2 epochs on 300 sample images).
Measured, each in a fresh Chromium:

- cold: --servers fresh servers; 8 s (--after) after each process started, /feature_maps is
  opened and timed from navigation to the first `.js-plotly-plot` visible;
- warm: one more server, the link opened once, then --servers more times (a new browser
  context, i.e. a new session, each time);
- health: the process start → the first answer of /_stcore/health, on every server;
- home: --servers more fresh servers, Home opened as soon as the health endpoint answers (while
  any warm-up runs) and timed to its "Where to start" heading.

Prints one line per server (with the machine's 1-minute load average: the figures scale with
it), then a table of medians. It ends by itself.
`--app DIR` serves another checkout's dashboard.py (e.g. `git archive f0d5cef | tar -x -C D`).

    python benchmarks/bench_cold_link.py [--servers 3] [--after 8] [--app DIR] [--data-dir D]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.apptest_support import SAMPLE  # noqa: E402
from tests.browser_support import CHROMIUM, CHROMIUM_ARGS, free_port  # noqa: E402

LINK = "/feature_maps"
CHART = ".js-plotly-plot"
HOME_READY = "text=Where to start"
TIMEOUT_S = 90


def tiny_run_store() -> Path:
    """A run store with one tiny finished Model 2 run, trained here with the engine."""
    from fmnist_viz.jobs.worker import execute_run
    from fmnist_viz.models import preset
    from fmnist_viz.runs import RunStore
    from tests.run_support import TINY

    root = Path(tempfile.mkdtemp(prefix="bench-cold-link-")) / "runs"
    store = RunStore(root)
    info = store.create(preset("model2"), TINY, name="tiny model2", arch="model2")
    meta = execute_run(store, info.id, data_dir=str(SAMPLE))
    if meta.get("status") != "finished":
        raise SystemExit(f"the tiny run did not finish: {meta.get('status')}")
    return root


class Server:
    """One `streamlit run` process; `t0` is when it was started (perf_counter)."""

    def __init__(self, app: Path, runs: Path, env: dict[str, str]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        cmd = [sys.executable, "-m", "streamlit", "run", "dashboard.py"]
        cmd += ["--server.port", str(self.port), "--server.address", "127.0.0.1"]
        cmd += ["--server.headless", "true", "--browser.gatherUsageStats", "false"]
        env = {**os.environ, "FMNIST_RUNS_DIR": str(runs), "FMNIST_OFFLINE": "1", **env}
        self.t0 = time.perf_counter()
        self.proc = subprocess.Popen(
            cmd, cwd=app, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )

    def health_seconds(self) -> float:
        """Seconds from the process start to the health endpoint's first answer."""
        deadline = self.t0 + TIMEOUT_S
        while time.perf_counter() < deadline and self.proc.poll() is None:
            try:
                with urllib.request.urlopen(self.url + "/_stcore/health", timeout=1) as r:
                    if r.status == 200:
                        return time.perf_counter() - self.t0
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the server never answered its health check")

    def tensorflow_loaded(self) -> bool:
        """Is TensorFlow's library mapped into the server process now?"""
        with open(f"/proc/{self.proc.pid}/maps") as fh:
            return "libtensorflow" in fh.read()

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


def open_timed(browser, url: str, ready: str) -> float:
    """Seconds from navigation (in a new context: a new session) to `ready` visible."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    try:
        page = context.new_page()
        t0 = time.perf_counter()
        page.goto(url, wait_until="commit", timeout=TIMEOUT_S * 1000)
        page.locator(ready).first.wait_for(state="visible", timeout=TIMEOUT_S * 1000)
        return time.perf_counter() - t0
    finally:
        context.close()


def wait_until(moment: float) -> None:
    """Wait until perf_counter() reaches `moment` (the benchmark's fixed delay)."""
    while (left := moment - time.perf_counter()) > 0:
        time.sleep(min(left, 0.05))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--servers", type=int, default=3, help="fresh servers per measurement")
    parser.add_argument("--after", type=float, default=8.0, help="seconds before the cold link")
    parser.add_argument("--app", type=Path, default=ROOT, help="folder holding dashboard.py")
    parser.add_argument("--data-dir", default=os.environ.get("FMNIST_DATA_DIR") or str(SAMPLE))
    parser.add_argument("--env", action="append", default=[], help="KEY=VALUE for the servers")
    args = parser.parse_args()
    env = {"FMNIST_DATA_DIR": args.data_dir, **dict(e.split("=", 1) for e in args.env)}
    print(f"app {args.app.resolve()}, data {args.data_dir}, extra env {args.env or 'none'}")
    runs = tiny_run_store()
    from playwright.sync_api import sync_playwright

    rows: dict[str, list[float]] = {"health": [], "home": [], "cold": [], "warm": []}
    with sync_playwright() as p:
        for kind in ["cold"] * args.servers + ["home"] * args.servers + ["warm"]:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            server = Server(args.app, runs, env)
            try:
                health = server.health_seconds()
                rows["health"].append(health)
                note = f"{kind:<5} health {health:5.2f} s"
                if kind == "home":
                    rows["home"].append(open_timed(browser, server.url, HOME_READY))
                    note += f", Home ready {rows['home'][-1]:5.2f} s after navigation"
                else:
                    wait_until(server.t0 + args.after)
                    tf = "loaded" if server.tensorflow_loaded() else "not loaded"
                    first = open_timed(browser, server.url + LINK, CHART)
                    note += f", TensorFlow {tf} at {args.after:g} s, link {first:5.2f} s"
                    if kind == "cold":
                        rows["cold"].append(first)
                    else:
                        rows["warm"] = [
                            open_timed(browser, server.url + LINK, CHART)
                            for _ in range(args.servers)
                        ]
                        note += ", again " + ", ".join(f"{s:.2f}" for s in rows["warm"]) + " s"
                print(f"{note} (load average {os.getloadavg()[0]:.1f})", flush=True)
            finally:
                server.stop()
                browser.close()
    print(f"\n{'measurement':<52} {'median s':>9} {'all s':>24}")
    labels = {
        "cold": f"cold link {LINK} at {args.after:g} s → first chart",
        "warm": f"warm server, {LINK} again → first chart",
        "health": "process start → /_stcore/health answers",
        "home": "fresh server, Home at health → 'Where to start'",
    }
    for key, label in labels.items():
        values = rows[key]
        listed = ", ".join(f"{v:.2f}" for v in values)
        print(f"{label:<52} {statistics.median(values):9.2f} {listed:>24}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
