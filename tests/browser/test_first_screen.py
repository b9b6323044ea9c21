"""Real-browser check that every page's main figure starts on the first screen (issue #20).

At 1440×900 and 1280×720, each page is opened on a finished tiny run (Model 2: it has dropout)
and the page's main figure (one selector per page, in PAGES) must start above the bottom of
the viewport with part of it in view, without scrolling. The tops are printed (and saved as
first-screen.json beside the screenshots of every page at both sizes).

Needs Debian's Chromium (/usr/bin/chromium) and the playwright package; skipped otherwise.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.browser_support import CHROMIUM, CHROMIUM_ARGS, playwright_or_skip, serve_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]
playwright_api = playwright_or_skip()

SIZES = ((1440, 900), (1280, 720))
# page (its URL path), the selector of its main figure
PAGES: dict[str, str] = {
    "home": ".st-key-home_examples .js-plotly-plot",
    "lesson": "[class*='st-key-lesson_fig'] .js-plotly-plot",
    "train": "[data-testid='stDataFrame']",  # the layers of the model to train
    "runs": "[data-testid='stDataFrame']",  # the table of runs
    "compare": ".js-plotly-plot",
    "evaluate": ".st-key-eval_confusion_0 .js-plotly-plot",
    "kernels": ".st-key-k_kernels_conv1 .js-plotly-plot",
    "feature_maps": ".st-key-fm_grid_conv1 .js-plotly-plot",
    "relu": ".st-key-relu_conv1 .js-plotly-plot",
    "dropout": "[class*='st-key-dropout_drop'] .js-plotly-plot",
    "attribution": ".st-key-attr_panel .js-plotly-plot",
    "filters": ".st-key-fi_grid .js-plotly-plot",
    "embeddings": ".st-key-emb_scatter .js-plotly-plot",
    "class": ".st-key-class_scatter .js-plotly-plot",
}
# the app has finished running its script (no "Running…" status, no spinner left)
SETTLED = """() => !document.querySelector('[data-testid="stStatusWidget"]')
    && !document.querySelector('[data-testid="stSpinner"]')"""
# the main figure fits its container again after a resize (a Plotly chart redraws on a timer)
REDRAWN = """(el) => { const svg = el.querySelector('.main-svg');
    return !svg || svg.clientWidth <= el.clientWidth + 2; }"""
# every picture on the page has arrived (the screenshot shows them)
IMAGES_LOADED = "() => [...document.images].every((i) => i.complete && i.naturalWidth > 0)"
TOPS: dict[str, dict[str, float]] = {}


@pytest.fixture(scope="module")
def server(tiny_runs) -> Iterator[tuple[str, str]]:
    """The app over the store of tiny runs, and the Model 2 run's id."""
    store, ids = tiny_runs
    with serve_app(store.root) as url:
        yield url, ids["model2"]


@pytest.fixture(scope="module")
def browser(shots) -> Iterator[object]:
    """One Chromium for the module; the measured tops are written when it closes."""
    with playwright_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()
    (shots / "first-screen.json").write_text(json.dumps(TOPS, indent=1))
    print(json.dumps(TOPS, indent=1))


@pytest.fixture(scope="module")
def page(browser) -> Iterator[object]:
    """One tab for the module; each test sets its size."""
    context = browser.new_context(viewport=dict(zip(("width", "height"), SIZES[0], strict=True)))
    tab = context.new_page()
    yield tab
    context.close()


def _measure(page, name: str, shots) -> tuple[float, float]:
    """The main figure's top and bottom at the tab's size now (a screenshot saved)."""
    width, height = page.viewport_size["width"], page.viewport_size["height"]
    page.wait_for_function(f"() => window.innerWidth === {width}", polling="raf")
    figure = page.locator(PAGES[name]).first
    page.wait_for_function(REDRAWN, arg=figure.element_handle(), polling=100, timeout=10_000)
    page.wait_for_function(IMAGES_LOADED, polling=100, timeout=10_000)
    box = figure.bounding_box()
    assert box is not None, name
    page.screenshot(path=shots / f"first-screen-{width}x{height}-{name}.png")
    TOPS.setdefault(name, {})[f"{width}x{height}"] = round(box["y"])
    return box["y"], box["y"] + box["height"]


@pytest.mark.parametrize("name", list(PAGES))
def test_main_figure_starts_on_the_first_screen(server, page, name, shots) -> None:
    """Each page is loaded once, measured at the larger size, then at the smaller one."""
    url, run_id = server
    page.set_viewport_size(dict(zip(("width", "height"), SIZES[0], strict=True)))
    path = "" if name == "home" else name
    page.goto(f"{url}/{path}?run={run_id}")
    figure = page.locator(PAGES[name]).first
    figure.wait_for(state="visible", timeout=60_000)
    page.wait_for_function(SETTLED, timeout=60_000, polling=200)
    figure.wait_for(state="visible", timeout=30_000)  # still there once the page settled
    assert not page.locator('[data-testid="stException"]').count(), name
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        top, bottom = _measure(page, name, shots)
        assert top < height - 40, f"{name} at {width}×{height}: the figure starts at {top:.0f} px"
        assert bottom > 0 and top >= 0, (name, top, bottom)
