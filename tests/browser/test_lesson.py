"""Real-browser check of the Lesson in presenter mode on a projector-sized screen: the step's
figure is drawn large, Next moves on and the URL follows; screenshots at 1280×720 and
1920×1080 (in $FMNIST_SCREENSHOTS, or a temp folder)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fmnist_viz.teaching import STEPS
from tests.browser_support import CHROMIUM, CHROMIUM_ARGS, playwright_or_skip, serve_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]
playwright_api = playwright_or_skip()

TITLE_FONT = ".js-plotly-plot .gtitle"


@pytest.fixture(scope="module")
def server(tiny_runs) -> Iterator[tuple[str, str]]:
    store, ids = tiny_runs
    with serve_app(store.root) as url:
        yield url, ids["model2"]


def _figure_title(page, prefix: str) -> str:
    """Wait for a figure whose title starts with prefix; its text."""
    page.wait_for_function(
        """(prefix) => [...document.querySelectorAll('.js-plotly-plot .gtitle')]
            .some((e) => e.textContent.startsWith(prefix))""",
        arg=prefix,
        timeout=60_000,
    )
    return page.locator(TITLE_FONT).first.text_content()


def test_the_lesson_in_presenter_mode_on_a_projector(server, shots) -> None:
    url, run_id = server
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.goto(f"{url}/lesson?step=2&present=1&run={run_id}")
        title = _figure_title(page, "Filter")
        assert "pixels × weights + bias" in title
        page.wait_for_timeout(1000)  # the figure's fonts settle
        page.screenshot(path=shots / "lesson-present-1280-step2.png")
        size = page.locator(TITLE_FONT).first.evaluate(
            "e => parseFloat(getComputedStyle(e).fontSize)"
        )
        assert size >= 20  # the projector's title size (Plotly's default is 17)
        box = page.locator(".js-plotly-plot").first.bounding_box()
        assert box["y"] + box["height"] * 0.5 < 720  # the figure is on the first screen
        sidebar = page.locator('[data-testid="stSidebar"]')
        assert sidebar.get_attribute("data-collapsed") == "true"  # settings out of the way

        page.get_by_role("button", name="Next").click()
        _figure_title(page, "conv1: one map per filter")
        page.get_by_text(f"3. {STEPS[2].title}").wait_for(timeout=30_000)
        assert "step=3" in page.url and "present=1" in page.url
        page.screenshot(path=shots / "lesson-present-1280-step3.png")

        page.set_viewport_size({"width": 1920, "height": 1080})
        page.goto(f"{url}/lesson?step=8&present=1")
        _figure_title(page, "The study")
        page.wait_for_timeout(1000)
        page.screenshot(path=shots / "lesson-present-1920-step8.png")
        browser.close()
