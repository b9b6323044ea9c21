"""Retake the README's screenshots (docs/*.png) from real runs in a real browser.

    python scripts/screenshots.py [--runs-dir D] [--out docs]

Trains what it shows with the command line when the runs folder holds no such runs yet: one
Model 2 run (20,000 images, 3 epochs) for the inside pages and the Lesson, and three runs each
of Model 1 and Model 2 (10,000 images, 3 epochs) for Compare; then serves the app over the real
Fashion-MNIST (FMNIST_DATA_DIR must point at it) and takes each picture once the
page has drawn its charts. The Train picture starts a quick demo and is taken while it trains.
Needs Debian's Chromium (/usr/bin/chromium) and playwright; takes about 5 minutes here.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser_support import CHROMIUM, CHROMIUM_ARGS, serve_app  # noqa: E402

WIDE = {"width": 1440, "height": 900}  # a laptop
PROJECTOR = {"width": 1280, "height": 720}
TALL = {"width": 1440, "height": 1300}  # pages whose picture shows a form and its charts
SHOWCASE = "Model 2 (README)"
DRAWN_MS = 120_000  # the longest a page may take to draw its charts


def cli(runs_dir: Path, *args: str) -> str:
    """Run `python -m fmnist_viz` over the runs folder; its output (fails loudly)."""
    cmd = [sys.executable, "-m", "fmnist_viz", *args, "--runs-dir", str(runs_dir)]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args[:3])} failed:\n{done.stderr[-2000:]}")
    return done.stdout


def showcase_run(runs_dir: Path) -> str:
    """The id of the finished Model 2 run the inside pages show (trained when missing)."""
    for run_json in runs_dir.glob("*/run.json"):
        meta = json.loads(run_json.read_text())
        if meta.get("name") == SHOWCASE and meta.get("status") == "finished":
            return run_json.parent.name
    args = ("train", "--arch", "model2", "--name", SHOWCASE, "--epochs", "3", "--seed", "1")
    row = json.loads(cli(runs_dir, *args, "--train-limit", "20000", "--json"))
    return row["id"]


def compare_runs(runs_dir: Path) -> None:
    """Three short runs each of Model 1 and Model 2 (once per runs folder)."""
    names = [json.loads(p.read_text()).get("name") for p in runs_dir.glob("*/run.json")]
    if sum(name != SHOWCASE for name in names) >= 6:
        return
    args = ("reproduce", "--arch", "model1", "model2", "--runs", "3", "--epochs", "3")
    cli(runs_dir, *args, "--train-limit", "10000", "--seed", "7")


def drawn(page, charts: int = 1) -> None:
    """Wait until the page shows `charts` Plotly charts and no script run is going on."""
    page.locator(".js-plotly-plot").nth(charts - 1).wait_for(timeout=DRAWN_MS)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=stStatusWidgetRunningIcon]')",
        timeout=DRAWN_MS,
    )


def take(browser, url: str, viewport: dict, path: Path, charts: int = 1, full: bool = False):
    """Open url in a fresh context, wait for its charts, save the screenshot; the page."""
    page = browser.new_context(viewport=viewport).new_page()
    page.goto(url)
    drawn(page, charts)
    page.screenshot(path=path, full_page=full)
    print(f"saved {path}")
    return page


def train_live(browser, url: str, path: Path) -> None:
    """The Train page while a quick demo trains: progress and live curves."""
    page = browser.new_context(viewport=TALL).new_page()
    page.goto(f"{url}/train")
    page.get_by_text("Quick demo: 5,000 images").first.click()
    page.get_by_role("button", name="Start training").click()
    page.get_by_text("samples/s").first.wait_for(timeout=DRAWN_MS)
    page.wait_for_function(  # a curve with a few points, not just its first one
        """() => [...document.querySelectorAll('.js-plotly-plot')].some(p =>
            (p.data || []).some(t => (t.x || []).length >= 3))""",
        timeout=DRAWN_MS,
    )
    page.screenshot(path=path)
    print(f"saved {path}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs-dir", type=Path, help="runs to show (default: a temp folder)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs", help="where the PNGs go")
    args = parser.parse_args(argv)
    if not os.environ.get("FMNIST_DATA_DIR"):
        parser.error("set FMNIST_DATA_DIR to the real Fashion-MNIST files (the pictures show them)")
    runs_dir = args.runs_dir or Path(tempfile.mkdtemp(prefix="fmnist-shots-runs-"))
    args.out.mkdir(parents=True, exist_ok=True)
    run_id = showcase_run(runs_dir)
    compare_runs(runs_dir)
    from playwright.sync_api import sync_playwright

    data = {"FMNIST_DATA_DIR": os.environ["FMNIST_DATA_DIR"]}
    with serve_app(runs_dir, env=data) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        take(
            browser,
            f"{url}/feature_maps?run={run_id}&img=0",
            WIDE,
            args.out / "feature-maps.png",
            3,
        )
        take(
            browser,
            f"{url}/lesson?step=2&present=1&run={run_id}",
            PROJECTOR,
            args.out / "lesson-presenter.png",
        )
        take(browser, f"{url}/compare", TALL, args.out / "compare.png")
        take(browser, f"{url}/evaluate?run={run_id}", WIDE, args.out / "evaluate.png")
        train_live(browser, url, args.out / "train-live.png")
        browser.close()
    print(f"runs in {runs_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
