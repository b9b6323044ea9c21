"""Real-browser check of the Embeddings page on a tiny trained run: the scatter, a click on a
point (its image becomes the page's image), t-SNE with its cache, the per-epoch lines.

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

SCATTER = ".st-key-emb_scatter .js-plotly-plot"


@pytest.fixture(scope="module")
def server(tiny_runs) -> Iterator[tuple[str, str]]:
    """The app over the store of tiny runs."""
    store, ids = tiny_runs
    with serve_app(store.root) as url:
        yield url, ids["model2"]


def _title(page) -> str:
    return page.locator(f"{SCATTER} .gtitle").first.text_content() or ""


def _wait_title(page, text: str, timeout_ms: int = 60_000) -> None:
    """Wait until the scatter's title contains `text` (the chart is replaced, not appended)."""
    page.wait_for_function(
        """([sel, text]) => [...document.querySelectorAll(sel + ' .gtitle')]
            .some((e) => e.textContent.includes(text))""",
        arg=[SCATTER, text],
        timeout=timeout_ms,
    )


def test_embeddings_scatter_click_tsne_and_epochs(server) -> None:
    url, run_id = server
    shots = screenshot_folder()
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 3000})
        page.goto(f"{url}/embeddings?run={run_id}&img=0")
        _wait_title(page, "values per image → PCA")
        page.get_by_text("Sample and settings").click()
        size = page.get_by_role("spinbutton", name="Test images (100 to 5,000)")
        size.fill("300")
        size.press("Enter")
        _wait_title(page, "(300 test images")
        page.wait_for_timeout(500)
        page.screenshot(path=shots / "embeddings-1-pca.png")
        assert page.locator(f"{SCATTER} .scatterlayer .points path").count() >= 300
        assert "pixels: 784 values per image → PCA" in _title(page)

        # a click on a point: that test image becomes the page's image, shown beside the chart
        point = page.locator(f"{SCATTER} .scatterlayer .trace").nth(0).locator(".points path")
        index = page.evaluate(
            "(sel) => document.querySelector(sel).data[0].customdata[5][1]", SCATTER
        )
        point.nth(5).click(force=True)
        picker = page.get_by_role("spinbutton", name="Test image number (0 to 999)")
        playwright_api.expect(picker).to_have_value(str(index), timeout=30_000)
        beside = page.get_by_test_id("stImageCaption").filter(has_text=f"test image #{index}")
        beside.first.wait_for(timeout=30_000)  # the picture beside the chart
        page.get_by_text("True class:").first.wait_for(timeout=10_000)
        page.wait_for_timeout(500)
        page.screenshot(path=shots / "embeddings-2-clicked.png")

        page.get_by_text("t-SNE", exact=True).click()
        _wait_title(page, "→ t-SNE")
        assert page.locator('[data-testid="stProgress"]').count() == 0  # done: bar removed
        page.wait_for_timeout(500)
        page.screenshot(path=shots / "embeddings-3-tsne.png")
        page.get_by_text("PCA", exact=True).click()
        _wait_title(page, "→ PCA")
        page.get_by_text("t-SNE", exact=True).click()
        _wait_title(page, "→ t-SNE", timeout_ms=10_000)  # from the cache (see the page tests)
        assert page.locator('[data-testid="stProgress"]').count() == 0  # its bar replayed gone

        page.get_by_text("Separability at each of the 3 saved epochs").click()
        page.get_by_text("Separability at each saved epoch").first.wait_for(timeout=60_000)
        page.wait_for_timeout(500)
        page.screenshot(path=shots / "embeddings-4-epochs.png")
        page.locator(".st-key-emb_epoch_lines").screenshot(path=shots / "embeddings-5-lines.png")
        legend = page.locator(".js-plotly-plot .legendtext").all_text_contents()
        assert {"initial", "epoch 1", "epoch 2"} <= set(legend), legend
        assert not page.locator('[data-testid="stException"]').count()
        browser.close()
