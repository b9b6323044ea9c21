"""Real-browser check of the Evaluate page: a click on a cell of the confusion matrix filters the
gallery to that cell's mistakes (true → predicted), as the table of pairs does.

Needs Debian's Chromium (/usr/bin/chromium) and the playwright package; skipped otherwise.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from fmnist_viz import CLASS_NAMES
from fmnist_viz.training import confusion_from_predictions
from tests.browser_support import CHROMIUM, CHROMIUM_ARGS, playwright_or_skip, serve_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]
playwright_api = playwright_or_skip()

MATRIX = ".st-key-eval_confusion_0 .js-plotly-plot"


@pytest.fixture(scope="module")
def server(tiny_runs) -> Iterator[tuple[str, str, np.ndarray]]:
    """The app over the tiny runs, the Model 2 run's id and its confusion matrix."""
    store, ids = tiny_runs
    confusion = confusion_from_predictions(*store.predictions(ids["model2"]))
    with serve_app(store.root) as url:
        yield url, ids["model2"], confusion


def test_a_click_on_a_confusion_cell_shows_its_mistakes(server, shots) -> None:
    url, run_id, confusion = server
    mistakes = confusion - np.diag(np.diag(confusion))
    true, predicted = np.unravel_index(int(np.argmax(mistakes)), mistakes.shape)
    assert mistakes[true, predicted] > 0
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1400})
        page.goto(f"{url}/evaluate?run={run_id}")
        page.locator(f"{MATRIX} .nsewdrag").first.wait_for(timeout=60_000)
        page.locator(".st-key-eval_gallery .js-plotly-plot").first.wait_for(timeout=60_000)
        box = page.locator(f"{MATRIX} .nsewdrag").first.bounding_box()
        # rows are the true classes (top to bottom), columns the predicted ones
        x = box["x"] + (predicted + 0.5) * box["width"] / 10
        y = box["y"] + (true + 0.5) * box["height"] / 10
        page.mouse.click(x, y)
        wanted = [CLASS_NAMES[true], CLASS_NAMES[predicted]]
        page.wait_for_function(
            """([t, p]) => [['eval_true', t], ['eval_pred', p]].every(([key, name]) => {
                const box = document.querySelector(`.st-key-${key}`);
                const input = box?.querySelector('input');
                return box && (box.innerText.includes(name) || input?.value === name);
            })""",
            arg=wanted,
            timeout=30_000,
        )
        title = f"{CLASS_NAMES[true]} →"
        page.wait_for_function(  # the gallery holds only that cell's mistakes
            """(t) => { const tiles = [...document.querySelectorAll(
                    '.st-key-eval_gallery .annotation-text')];
                return tiles.length > 0 && tiles.every((e) => e.textContent.startsWith(t)); }""",
            arg=title,
            timeout=30_000,
        )
        page.screenshot(path=shots / "evaluate-cell-click.png", full_page=True)
        tiles = page.locator(".st-key-eval_gallery .annotation-text").all_text_contents()
        assert len(tiles) == min(int(mistakes[true, predicted]), 48)
        assert all(CLASS_NAMES[predicted] in t for t in tiles), tiles
        assert not page.locator('[data-testid="stException"]').count()
        browser.close()
