"""Stop is never lost (#19): ten runs stopped one after another from the sidebar while four
other sessions poll live views of the training run; every click stops its run. How long each
took (click → the server's STOP file → the run's "stopped"), against the 3 s the app aims
for, is printed and saved (stop.json in the screenshot folder), not asserted: on this 2-core
machine, with the browser, the server and a training on it, it was 2.1–3.5 s.

Needs Debian's Chromium (/usr/bin/chromium) and the playwright package; skipped otherwise.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from fmnist_viz.runs import STOP_FILE
from tests.browser_support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    playwright_or_skip,
    screenshot_folder,
    serve_app,
)
from tests.run_support import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.slow]
playwright_api = playwright_or_skip()

RUNS = 10
WATCHERS = 4
TARGET_S = 3.0  # what the app aims for (reported)
LOST_S = 30.0  # a click not honoured by then is lost


@pytest.fixture(scope="module")
def browser() -> Iterator:
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _page(browser):
    """A new browser context (its own cookies: another person) and page."""
    return browser.new_context(viewport={"width": 1440, "height": 900}).new_page()


def _status(run_json: Path) -> str:
    """The run's status as its run.json says now ('' while it cannot be read)."""
    try:
        return json.loads(run_json.read_text()).get("status", "")
    except (OSError, ValueError):
        return ""


def _start(page, url: str, name: str) -> None:
    """Start a long Model 1 run (200 epochs: it cannot end by itself during the test)."""
    page.goto(f"{url}/train")
    page.get_by_text("Custom").first.click()
    page.get_by_label("Epochs (custom)").fill("200")
    page.get_by_label("Run name").fill(name)
    page.get_by_role("button", name="Start training").click()


def _new_run(runs: Path, before: set[Path]) -> Path:
    """The run.json of the run that appeared after `before` was listed."""
    (run_json,) = wait_until(lambda: set(runs.glob("*/run.json")) - before, 60, "the new run")
    return run_json


def _stop_one(page, url: str, runs: Path, name: str, watchers: list) -> float:
    """Start a run, wait until it trains, click its Stop; seconds until run.json says stopped.
    The watchers open Feature maps on the training run first (they follow it live)."""
    before = set(runs.glob("*/run.json"))
    _start(page, url, name)
    run_json = _new_run(runs, before)
    wait_until(lambda: _status(run_json) == "running", 120, f"{name} to start")
    for watcher in watchers:  # all four at once: no waiting for one page before the next
        watcher.goto(f"{url}/feature_maps", wait_until="commit")
    for watcher in watchers:
        watcher.get_by_text("conv1 (Conv2D)").filter(visible=True).first.wait_for(timeout=120_000)
    stop = page.locator('[data-testid="stSidebar"] button', has_text=f"Stop {name}").first
    stop.wait_for(timeout=60_000)
    t0, wall = time.monotonic(), time.time()
    stop.click()
    try:
        wait_until(lambda: _status(run_json) == "stopped", LOST_S, f"{name} to stop")
    finally:
        seconds = round(time.monotonic() - t0, 2)
        asked = run_json.parent / STOP_FILE  # where the time went: the server, or the worker
        server = f"{asked.stat().st_mtime - wall:.2f} s" if asked.exists() else "not yet"
        print(f"{name}: stopped {seconds} s after the click (STOP file written: {server})")
    return seconds


def test_ten_stops_in_a_row_while_four_sessions_poll(tmp_path: Path, browser) -> None:
    runs = tmp_path / "runs"
    with serve_app(runs) as url:
        mine = _page(browser)
        watchers = [_page(browser) for _ in range(WATCHERS)]
        latencies = []
        for i in range(RUNS):
            # the watchers open the first run's maps and keep polling from there on
            opening = watchers if i == 0 else []
            latencies.append(_stop_one(mine, url, runs, f"stop me {i + 1}", opening))
            assert not mine.locator('[data-testid="stException"]').count()
        for watcher in watchers:
            assert not watcher.locator('[data-testid="stException"]').count()
    within = sum(s <= TARGET_S for s in latencies)
    print(json.dumps({"stop latencies (s)": latencies, f"within {TARGET_S:g} s": within}))
    (screenshot_folder() / "stop.json").write_text(json.dumps(latencies))
    assert len(latencies) == RUNS  # every click stopped its run
