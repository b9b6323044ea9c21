"""Real-browser check of the Filters page on a copy of the tiny trained Model 2 run: the grid
is drawn (bitmap, outlines, labels), and clicking a tile's image shows that filter in detail.

Needs Debian's Chromium (/usr/bin/chromium) and the playwright package; skipped otherwise.
Screenshots go to $FMNIST_SCREENSHOTS or a temp folder (printed).
"""

from __future__ import annotations

import shutil
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

GRID = "conv1: filters 0 to 31 of 32"
CLICKED = 5

# Where on the screen a grid point of filter `f` is: the grid's figure, its point trace (1),
# the first point carrying that filter, through the axes' data-to-pixel functions.
POINT_JS = """([prefix, f]) => {
    const gd = [...document.querySelectorAll('.js-plotly-plot')].find(
        (g) => (g.layout?.title?.text || '').includes(prefix));
    if (!gd) return null;
    const trace = gd._fullData[1];
    const i = trace.customdata.findIndex((c) => Number(c) === f);
    const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
    const box = gd.getBoundingClientRect();
    return {x: box.left + xa._offset + xa.l2p(trace.x[i]),
            y: box.top + ya._offset + ya.l2p(trace.y[i])};
}"""


@pytest.fixture(scope="module")
def server(tiny_runs, tmp_path_factory) -> Iterator[tuple[str, str]]:
    """The app over a copy of the tiny runs (the page writes its cache into the run folder)."""
    store, ids = tiny_runs
    root = tmp_path_factory.mktemp("filters-browser") / "runs"
    shutil.copytree(store.root, root)
    with serve_app(root) as url:
        yield url, ids["model2"]


def test_filter_grid_renders_and_a_click_picks_a_filter(server) -> None:
    url, run_id = server
    shots = screenshot_folder()
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 3000})
        page.goto(f"{url}/filters?run={run_id}&img=0")
        page.get_by_text(GRID).first.wait_for(timeout=90_000)
        page.get_by_text("One filter", exact=True).first.wait_for(timeout=30_000)
        page.wait_for_function(
            "() => document.querySelectorAll('.js-plotly-plot').length >= 6", timeout=30_000
        )
        page.wait_for_timeout(1000)
        page.screenshot(path=shots / "filters-1-grid.png", full_page=True)
        grid = page.locator(".js-plotly-plot").filter(has_text=GRID).first
        assert grid.locator("image").count() == 1  # the bitmap of all tiles
        assert grid.locator(".shapelayer path").count() >= 32 * 5  # outlined patches
        assert "#0 · " in grid.inner_text() and "#31 · " in grid.inner_text()
        assert page.get_by_label("Filter (0 to 31)").input_value() == "0"

        point = page.evaluate(POINT_JS, [GRID, CLICKED])
        assert point is not None
        page.mouse.click(point["x"], point["y"])
        page.wait_for_function(
            "(f) => [...document.querySelectorAll('input')].some("
            "(i) => i.getAttribute('aria-label') === 'Filter (0 to 31)' && i.value === String(f))",
            arg=CLICKED,
            timeout=30_000,
        )
        page.get_by_text(f"conv1 filter {CLICKED}: its top").first.wait_for(timeout=30_000)
        page.get_by_text(f"Filter {CLICKED} fires").first.wait_for(timeout=30_000)
        page.wait_for_timeout(1000)
        page.get_by_text("One filter", exact=True).first.scroll_into_view_if_needed()
        page.screenshot(path=shots / "filters-2-clicked-filter.png", full_page=True)
        assert not page.locator('[data-testid="stException"]').count()
        browser.close()
