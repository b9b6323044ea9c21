"""Real-browser check of Draw your own: strokes drawn with the mouse on the canvas component
reach the model (the picker's preview and the prediction follow them), the drawing comes back
on another page, and Clear empties it.

Needs Debian's Chromium (/usr/bin/chromium), the playwright package and
streamlit-drawable-canvas; skipped otherwise. Screenshots go to $FMNIST_SCREENSHOTS or a temp
folder (printed).
"""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Iterator

import pytest

from tests.browser_support import CHROMIUM, CHROMIUM_ARGS, playwright_or_skip, serve_app
from ui.widgets import drawing

pytestmark = [pytest.mark.browser, pytest.mark.slow]
playwright_api = playwright_or_skip()
if importlib.util.find_spec("streamlit_drawable_canvas") is None:  # it imports only in a server
    pytest.skip("streamlit-drawable-canvas not installed", allow_module_level=True)

PREVIEW = "what the model sees: 28×28"


@pytest.fixture(scope="module")
def server(tiny_runs) -> Iterator[tuple[str, str]]:
    """The app over a store holding a tiny Model 2 run."""
    store, ids = tiny_runs
    with serve_app(store.root) as url:
        yield url, ids["model2"]


def _stroke(page, points: list[tuple[float, float]]) -> None:
    """One mouse stroke through points given as fractions of the canvas (found afresh: the
    page may have moved it)."""
    box = page.locator("canvas.upper-canvas").first.bounding_box()
    xy = [(box["x"] + fx * box["width"], box["y"] + fy * box["height"]) for fx, fy in points]
    page.mouse.move(*xy[0])
    page.mouse.down()
    for x, y in xy[1:]:
        page.mouse.move(x, y, steps=8)
    page.mouse.up()


def _has_ink(page) -> bool:
    """Whether the canvas shows white ink (its layers sit in a shadow root, which Playwright's
    locators pierce and document.querySelector does not)."""
    return page.locator("canvas.lower-canvas").evaluate_all(
        """(layers) => layers.some((c) => {
            const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            for (let i = 0; i < px.length; i += 4) if (px[i] > 200) return true;
            return false;
        })"""
    )


def _wait_for_ink(page, wanted: bool, timeout_s: float = 30) -> None:
    """Wait until the canvas shows ink (or none)."""
    deadline = time.monotonic() + timeout_s
    while _has_ink(page) != wanted:
        assert time.monotonic() < deadline, f"the canvas still {'lacks' if wanted else 'has'} ink"
        page.wait_for_timeout(250)


def _preview_src(page) -> str:
    """The address of the picker's enlarged 28x28 preview of the drawing."""
    figure = page.locator('[data-testid="stImage"]').filter(has_text=PREVIEW).first
    return figure.locator("img").get_attribute("src")


def test_strokes_reach_the_model_follow_the_user_and_clear(server, shots) -> None:
    url, run_id = server
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1800})
        page.goto(f"{url}/feature_maps?run={run_id}")
        page.get_by_text("Draw your own").first.click()
        page.locator("canvas.upper-canvas").first.wait_for(timeout=60_000)
        page.get_by_text(drawing.HINT[:40]).first.wait_for(timeout=30_000)
        assert page.locator("canvas.lower-canvas").count() and not _has_ink(page)  # empty

        _stroke(page, [(0.25, 0.2), (0.75, 0.2), (0.75, 0.85), (0.25, 0.85), (0.25, 0.2)])
        page.get_by_text(PREVIEW).first.wait_for(timeout=60_000)
        page.get_by_text("image: your drawing").first.wait_for(timeout=60_000)
        page.get_by_text("dropout1 (Dropout)").first.wait_for(timeout=60_000)  # the maps
        assert _has_ink(page)
        page.screenshot(path=shots / "drawing-1-first-stroke.png", full_page=True)
        first = _preview_src(page)

        _stroke(page, [(0.1, 0.3), (0.9, 0.3)])  # sleeves: the model's input follows
        page.wait_for_function(
            """([text, src]) => [...document.querySelectorAll('[data-testid="stImage"]')]
                .some((f) => f.textContent.includes(text) && f.querySelector('img').src !== src)""",
            arg=[PREVIEW, first],
            timeout=60_000,
        )
        page.screenshot(path=shots / "drawing-2-second-stroke.png", full_page=True)

        page.get_by_role("link", name="ReLU").first.click()  # the drawing comes along
        page.get_by_text("image: your drawing").first.wait_for(timeout=60_000)
        _wait_for_ink(page, True)  # redrawn on the new page's canvas
        page.screenshot(path=shots / "drawing-3-other-page.png", full_page=True)

        page.get_by_role("button", name="Clear").first.click()
        page.get_by_text(drawing.HINT[:40]).first.wait_for(timeout=60_000)
        _wait_for_ink(page, False)
        assert page.get_by_text("image: your drawing").count() == 0
        page.screenshot(path=shots / "drawing-4-cleared.png", full_page=True)
        browser.close()
