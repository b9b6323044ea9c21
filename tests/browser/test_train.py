"""Real-browser test of the main flow: train, watch the curve, switch pages, stop, find the run.

Needs Debian's Chromium (/usr/bin/chromium) and the playwright package; skipped otherwise.
Screenshots of every step go to $FMNIST_SCREENSHOTS or a temp folder (printed).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser_support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    playwright_or_skip,
    serve_app,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
playwright_api = playwright_or_skip()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The app over an empty run store."""
    runs = tmp_path_factory.mktemp("runs")
    with serve_app(runs) as url:
        yield url, runs


def _nav(page, title: str) -> None:
    """Switch page through the sidebar navigation (keeps the session, unlike page.goto)."""
    page.locator('[data-testid="stSidebarNav"] a', has_text=title).first.click()
    page.wait_for_timeout(1500)


def _cell(page, text: str) -> None:
    """Wait for a dataframe cell with this text (cells live in an accessible hidden grid)."""
    page.locator('[data-testid="stDataFrame"]').first.wait_for(timeout=10_000)
    cell = page.locator('[role="gridcell"]', has_text=text).first
    cell.wait_for(state="attached", timeout=10_000)


def _run_meta(runs: Path) -> dict:
    folders = [p for p in runs.iterdir() if (p / "run.json").exists()]
    assert len(folders) == 1, folders
    return json.loads((folders[0] / "run.json").read_text())


def test_train_watch_switch_stop_and_find(server, shots) -> None:
    url, runs = server
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1800})
        page.goto(f"{url}/train")
        page.get_by_text("Start training").wait_for(timeout=30_000)
        page.screenshot(path=shots / "1-train-page.png", full_page=True)

        page.get_by_role("button", name="Start training").click()
        # the live panel: progress first, then a curve with plotted lines
        page.get_by_text("samples/s").first.wait_for(timeout=60_000)
        page.locator(".js-plotly-plot .scatterlayer .trace").first.wait_for(timeout=30_000)
        page.wait_for_timeout(1500)
        page.screenshot(path=shots / "2-training-live.png", full_page=True)
        assert _run_meta(runs)["status"] == "running"

        _nav(page, "Runs")
        _cell(page, "running")
        page.screenshot(path=shots / "3-runs-while-training.png", full_page=True)

        _nav(page, "Train")
        # the Train panel's own Stop: the sidebar's "Stop Model 1" and its samples/s show on
        # every page, so waiting for them could click Stop before the switch to Train is drawn
        # (that click's rerun then keeps the Runs page, and "Stopped after" never shows)
        stop = page.get_by_role("button", name="Stop", exact=True)
        stop.wait_for(timeout=15_000)
        epoch_before = _run_meta(runs).get("epochs_done", 0)
        stop.click()
        page.get_by_text("Stopped after").wait_for(timeout=30_000)
        page.screenshot(path=shots / "4-stopped.png", full_page=True)
        meta = _run_meta(runs)
        assert meta["status"] == "stopped"
        assert meta.get("epochs_done", 0) >= epoch_before
        if meta.get("epochs_done", 0) >= 1:
            assert (runs / meta["id"] / "model.keras").exists()

        # the run became the active run when it started: no click needed
        page.get_by_text("This run is the active run").wait_for(timeout=10_000)
        sidebar = page.locator('[data-testid="stSidebar"]')
        assert "Model 1" in sidebar.inner_text()
        assert f"run={meta['id']}" in page.url  # a link reproduces the view

        _nav(page, "Runs")
        _cell(page, "stopped")
        page.screenshot(path=shots / "5-runs-after.png", full_page=True)
        browser.close()
