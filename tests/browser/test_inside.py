"""Real-browser check of the Feature maps page on a tiny trained run (a link opens the view).

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
    serve_app,
)

LAYERS = ("conv1", "pool1", "conv2", "pool2")

pytestmark = [pytest.mark.browser, pytest.mark.slow]
playwright_api = playwright_or_skip()


@pytest.fixture(scope="module")
def server(tiny_runs) -> Iterator[tuple[str, str]]:
    """The app over a store holding a tiny Model 2 run."""
    store, ids = tiny_runs
    with serve_app(store.root) as url:
        yield url, ids["model2"]


def _titles(page) -> list[str]:
    """The titles of the Plotly charts drawn so far."""
    return page.locator(".js-plotly-plot .gtitle").all_text_contents()


def _wait_for_titles(page, prefix: str, at_least: int, timeout_ms: int = 30_000) -> None:
    """Wait until at least `at_least` chart titles start with `prefix` (the two columns draw
    one after the other, so the second may arrive a moment after the first)."""
    page.wait_for_function(
        """([prefix, n]) => [...document.querySelectorAll('.js-plotly-plot .gtitle')]
            .filter((e) => e.textContent.startsWith(prefix)).length >= n""",
        arg=[prefix, at_least],
        timeout=timeout_ms,
    )


def test_feature_maps_link_renders_every_layer(server, shots) -> None:
    url, run_id = server
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 2600})
        page.goto(f"{url}/feature_maps?run={run_id}&img=0")
        page.get_by_text("dropout1 (Dropout)").first.wait_for(timeout=60_000)
        page.wait_for_timeout(1000)
        page.screenshot(path=shots / "inside-1-feature-maps.png", full_page=True)
        titles = " ".join(_titles(page))
        for name in LAYERS:
            assert f"{name} (" in titles, titles
        assert page.locator(".js-plotly-plot").count() >= 4
        assert page.locator(".js-plotly-plot .heatmaplayer .hm").count() >= 5
        assert "tiny model2" in page.locator('[data-testid="stSidebar"]').inner_text()
        assert f"run={run_id}" in page.url and "img=0" in page.url

        page.get_by_role("tab", name="One channel enlarged").click()
        page.get_by_text("channel 0 of 32").first.wait_for(timeout=15_000)
        page.wait_for_timeout(800)
        page.screenshot(path=shots / "inside-2-channel.png", full_page=True)

        page.get_by_role("tab", name="Side by side").click()
        page.get_by_text("this run at two saved states").click()
        # The column headings of the state comparison ("Initial (random start)", "Epoch 2");
        # until they show, the previous comparison (another run) is still on screen.
        page.get_by_text("(random start)").first.wait_for(timeout=30_000)
        page.get_by_text("Epoch 2", exact=True).first.wait_for(timeout=30_000)
        _wait_for_titles(page, "conv1 · 28×28×32", at_least=2)
        page.screenshot(path=shots / "inside-3-epochs.png", full_page=True)
        assert sum(t.startswith("conv1 · 28×28×32") for t in _titles(page)) >= 2, _titles(page)
        assert not page.locator('[data-testid="stException"]').count()
        browser.close()
