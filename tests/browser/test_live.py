"""Real-browser tests of the inside pages following a run: train the quick demo and watch its
feature maps change while it learns; a reload keeps the right to stop one's job and a shared
link does not hand it over; a run made by the CLI is shown with no click. Timings are printed
and saved (live.json in the screenshot folder), not asserted.

Needs Debian's Chromium (/usr/bin/chromium) and the playwright package; skipped otherwise.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

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

BADGE = re.compile(r"epoch (\d+\.\d\d) of (\d+) · training")
TIMINGS: dict[str, float] = {}


@pytest.fixture(scope="module")
def browser() -> Iterator:
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _page(browser):
    """A new browser context (its own cookies: another person) and page."""
    return browser.new_context(viewport={"width": 1400, "height": 1800}).new_page()


def _badge(page) -> str:
    """The text of the live badge of the page ('' while there is none)."""
    found = page.get_by_text(BADGE)
    return found.first.inner_text() if found.count() else ""


def _conv1(page) -> list:
    """The conv1 grid's heatmap values as drawn in the browser."""
    return page.evaluate(
        """() => {
            for (const plot of document.querySelectorAll('.js-plotly-plot')) {
                const title = plot.layout && plot.layout.title && plot.layout.title.text;
                if (title && title.includes('conv1 (Conv2D)')) return plot.data[0].z;
            }
            return null;
        }"""
    )


def _drawn(page) -> list:
    """Every chart's trace count and its container's opacity (blank or dimmed = flicker)."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(p => {
            const box = p.closest('[data-testid=stElementContainer]') || p;
            return [p._fullData ? p._fullData.length : 0, getComputedStyle(box).opacity];
        })"""
    )


def _start(page, url: str, length: str, epochs: int | None = None) -> None:
    """Start a Model 1 run of the given length on the Train page (`epochs` for "Custom")."""
    page.goto(f"{url}/train")
    page.get_by_text(length).first.click()
    if epochs is not None:
        page.get_by_label("Epochs (custom)").fill(str(epochs))
    page.get_by_role("button", name="Start training").click()
    page.get_by_text("Status:").first.wait_for(timeout=60_000)


def _stop_buttons(page) -> int:
    """How many Stop buttons the sidebar offers."""
    return page.locator('[data-testid="stSidebar"] button', has_text="Stop").count()


def _idle(page) -> bool:
    """True when no script run is going on (Streamlit's running indicator is gone)."""
    return page.locator('[data-testid="stStatusWidgetRunningIcon"]').count() == 0


def _press_play(page, playing: Callable[[], str]) -> None:
    """Press Play once the page is idle. A click that lands while the page is still being
    redrawn after the run ended can be lost by Streamlit (the fragment rerun it asks for is
    dropped by the full rerun in progress), as a person would see: press again then."""
    toggle = page.locator('[data-testid="stCheckbox"]', has_text="Play").locator("input").first
    for attempt in range(3):
        wait_until(lambda: _idle(page), 60, "the page to finish drawing")
        page.get_by_text("Play", exact=True).first.click()
        try:
            wait_until(lambda: toggle.is_checked() or playing(), 15, "Play to turn on")
            return
        except AssertionError:
            if attempt == 2:
                raise


def test_watch_the_quick_demo_learn_from_the_inside(tmp_path: Path, browser, shots) -> None:
    with serve_app(tmp_path / "runs") as url:
        page = _page(browser)
        _start(page, url, "Quick demo: 5,000 images")
        t0 = time.monotonic()
        page.goto(f"{url}/feature_maps")  # a reload: a new session of the same browser
        page.get_by_text("conv1 (Conv2D)").first.wait_for(timeout=60_000)
        TIMINGS["feature maps of a running run"] = round(time.monotonic() - t0, 2)
        first = wait_until(lambda: _badge(page), 60, "the live badge")
        values = _conv1(page)
        page.screenshot(path=shots / "live-1-training.png", full_page=True)
        later = wait_until(lambda: (b := _badge(page)) and b != first and b, 60, "a newer state")
        assert float(BADGE.search(later)[1]) > float(BADGE.search(first)[1])
        wait_until(lambda: _conv1(page) != values, 10, "the maps of the newer state")
        page.screenshot(path=shots / "live-2-later.png", full_page=True)
        for _ in range(12):  # while it refreshes: no chart goes blank, nothing is dimmed
            assert all(traces > 0 and float(opacity) == 1 for traces, opacity in _drawn(page))
            page.wait_for_timeout(250)
        # the end of the run: the page turns to the kept weights by itself
        page.get_by_text(re.compile(r"final \(best epoch \d\)")).first.wait_for(timeout=120_000)
        page.get_by_text("conv1 (Conv2D)").first.wait_for(timeout=30_000)
        assert page.get_by_text("finished, test acc").count()
        page.screenshot(path=shots / "live-3-finished.png", full_page=True)
        # the sidebar follows: the job is over, no Stop is offered (its own refresh reruns the
        # page once more; a click on Play during that rerun could be lost, so wait for it)
        wait_until(lambda: _stop_buttons(page) == 0, 60, "the sidebar to see the job ended")
        # playback: the slider goes back to the random start
        frame = re.compile(r"^(initial weights|epoch \d\.\d\d of 3)$")

        def frame_text() -> str:
            found = page.get_by_text(frame)
            return found.first.inner_text() if found.count() else ""

        _press_play(page, frame_text)
        try:
            first_frame = wait_until(frame_text, 60, "a playback frame")
        except AssertionError:
            page.screenshot(path=shots / "live-fail-playback.png", full_page=True)
            raise
        wait_until(lambda: (f := frame_text()) and f != first_frame, 30, "the next frame")
        assert not page.locator('[data-testid="stException"]').count()


def test_a_reload_keeps_stop_and_a_shared_link_does_not(tmp_path: Path, browser, shots) -> None:
    with serve_app(tmp_path / "runs") as url:
        mine = _page(browser)
        # 200 epochs: it cannot end before Stop, even on a loaded machine (the bundled sample's
        # 10-epoch study protocol once finished before the click, so nothing was left to stop)
        _start(mine, url, "Custom", epochs=200)
        mine.reload()
        mine.get_by_role("button", name="Stop Model 1").wait_for(timeout=30_000)  # still mine
        mine.goto(f"{url}/feature_maps")
        mine.get_by_text("conv1 (Conv2D)").first.wait_for(timeout=60_000)
        link = mine.url
        assert "run=" in link
        theirs = _page(browser)  # another person opening the shared link
        theirs.goto(link)
        theirs.get_by_text("conv1 (Conv2D)").first.wait_for(timeout=60_000)
        wait_until(lambda: _badge(theirs), 60, "the live badge for the visitor")
        assert _stop_buttons(theirs) == 0
        theirs.screenshot(path=shots / "live-4-visitor.png", full_page=True)
        assert _stop_buttons(mine) == 1
        run_json = next((tmp_path / "runs").glob("*/run.json"))
        assert json.loads(run_json.read_text())["status"] == "running"
        mine.get_by_role("button", name="Stop Model 1").click()
        wait_until(lambda: json.loads(run_json.read_text())["status"] == "stopped", 60, "stop")


def test_a_cli_run_is_shown_on_every_inside_page_with_no_click(
    tmp_path: Path, browser, shots
) -> None:
    from tests.cli.test_cli import cli

    runs = tmp_path / "runs"
    args = ["--arch", "model2", "--epochs", "2", "--train-limit", "600", "--seed", "5"]
    assert cli(runs, "train", *args).returncode == 0
    with serve_app(runs) as url:
        page = _page(browser)
        page.goto(url)
        page.get_by_text("Where to start").wait_for(timeout=60_000)
        page.wait_for_timeout(4000)  # a person reads Home while TensorFlow warms up
        t0 = time.monotonic()
        page.locator('[data-testid="stSidebarNav"] a', has_text="Feature maps").first.click()
        page.locator(".js-plotly-plot").nth(3).wait_for(timeout=60_000)
        TIMINGS["first inside page after Home, fresh server"] = round(time.monotonic() - t0, 2)
        for title, ready in [
            ("Kernels", "conv1: 32 filters"),
            ("ReLU", "Zeroed, this image"),
            ("Dropout", "kept units"),
            ("Evaluate", "test accuracy"),
        ]:
            page.locator('[data-testid="stSidebarNav"] a', has_text=title).first.click()
            page.get_by_text(ready).first.wait_for(timeout=60_000)
            page.locator(".js-plotly-plot").first.wait_for(timeout=30_000)
            assert not page.locator('[data-testid="stException"]').count(), title
        page.screenshot(path=shots / "live-5-cli-run-evaluate.png", full_page=True)
    print(json.dumps(TIMINGS))
    (screenshot_folder() / "live.json").write_text(json.dumps(TIMINGS, indent=1))
