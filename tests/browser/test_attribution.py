"""Real-browser check of the Attribution page on a tiny trained run: a link opens the four
methods over a test image, then two runs side by side.

Needs Debian's Chromium (/usr/bin/chromium) and the playwright package; skipped otherwise.
Screenshots go to $FMNIST_SCREENSHOTS or a temp folder (printed).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.browser_support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    playwright_or_skip,
    screenshot_folder,
    serve_app,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
playwright_api = playwright_or_skip()

PANEL_TITLES = ("Grad-CAM · conv2", "Saliency (gradient)", "SmoothGrad", "Occlusion")


@pytest.fixture(scope="module")
def server(tiny_runs) -> Iterator[tuple[str, str]]:
    """The app over the store of the tiny Model 2 and Model 1 runs."""
    store, ids = tiny_runs
    with serve_app(store.root) as url:
        yield url, ids["model2"]


def _wait_for_texts(page, selector: str, prefixes: list[str], timeout_ms: int = 60_000) -> None:
    """Wait until, for every prefix, some element matching the selector starts with it."""
    page.wait_for_function(
        """([selector, prefixes]) => {
            const texts = [...document.querySelectorAll(selector)].map((e) => e.textContent);
            return prefixes.every((p) => texts.some((t) => t.startsWith(p)));
        }""",
        arg=[selector, prefixes],
        timeout=timeout_ms,
    )


def _wait_until_drawn(page, n_heatmaps: int) -> None:
    """Wait until at least n heatmaps are drawn in the page's Plotly charts."""
    page.wait_for_function(
        "(n) => document.querySelectorAll('.js-plotly-plot .heatmaplayer .hm').length >= n",
        arg=n_heatmaps,
        timeout=30_000,
    )


def test_attribution_link_shows_the_four_methods_and_two_runs(server) -> None:
    url, run_id = server
    shots = screenshot_folder()
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 2700})
        page.goto(f"{url}/attribution?run={run_id}&img=0")
        _wait_for_texts(page, ".js-plotly-plot .annotation-text", list(PANEL_TITLES))
        _wait_until_drawn(page, 8)  # 4 panels × (gray image + overlay)
        page.screenshot(path=shots / "attribution-1-four-methods.png", full_page=True)
        bars = page.locator(".js-plotly-plot .colorbar")
        assert bars.count() >= 4  # one colour bar per method
        assert page.get_by_text("Explaining", exact=False).count() >= 1
        assert f"run={run_id}" in page.url and "img=0" in page.url

        page.get_by_text("Two runs side by side").click()
        page.wait_for_function(
            """() => [...document.querySelectorAll('.js-plotly-plot .gtitle')]
                .filter((e) => e.textContent.startsWith('Grad-CAM · conv2')).length >= 2""",
            timeout=30_000,
        )
        _wait_until_drawn(page, 4)
        page.screenshot(path=shots / "attribution-2-two-runs.png", full_page=True)
        assert page.get_by_text("tiny model1", exact=False).count() >= 1
        assert not page.locator('[data-testid="stException"]').count()
        browser.close()
