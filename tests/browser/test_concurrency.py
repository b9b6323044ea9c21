"""Four browser sessions at once on one freshly started server, each opening Home, Runs and
Feature maps: no page shows an exception. Each page's time to its content and the server's
peak memory are printed and saved (concurrency.json in the screenshot folder), not asserted:
performance is measured, not tested.

Needs Debian's Chromium (/usr/bin/chromium) and the playwright package; skipped otherwise.
"""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from tests.browser_support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PeakRss,
    playwright_or_skip,
    screenshot_folder,
    serve_app,
)

SESSIONS = 4
PAGES = (  # (name, path, text that appears once the page has drawn its content)
    ("home", "/", "Where to start"),
    ("runs", "/runs", "Select runs"),
    ("feature_maps", "/feature_maps?run={run}&img={i}", "dropout1 (Dropout)"),
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
async_api = playwright_or_skip("async_api")


async def _session(browser, url: str, run_id: str, i: int) -> dict:
    """One user: the three pages in order; time to content and exceptions shown."""
    context = await browser.new_context(viewport={"width": 1400, "height": 1800})
    page = await context.new_page()
    seen: dict = {"seconds": {}, "exceptions": 0}
    for name, path, ready in PAGES:
        t0 = time.perf_counter()
        await page.goto(url + path.format(run=run_id, i=i))
        await page.get_by_text(ready).first.wait_for(timeout=180_000)
        seen["seconds"][name] = round(time.perf_counter() - t0, 2)
        seen["exceptions"] += await page.locator('[data-testid="stException"]').count()
    if name == "feature_maps":
        seen["charts"] = await page.locator(".js-plotly-plot").count()
    await context.close()
    return seen


async def _all_sessions(url: str, run_id: str) -> list[dict]:
    async with async_api.async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            return list(
                await asyncio.gather(*(_session(browser, url, run_id, i) for i in range(SESSIONS)))
            )
        finally:
            await browser.close()


def test_four_sessions_at_once(tiny_runs) -> None:
    store, ids = tiny_runs
    with serve_app(store.root) as server:
        idle = server.rss_mb()
        sampler = PeakRss(server)
        sampler.start()
        t0 = time.perf_counter()
        sessions = asyncio.run(_all_sessions(server, ids["model2"]))
        wall = time.perf_counter() - t0
        sampler.running = False
        sampler.join()
    report = {
        "sessions": sessions,
        "wall_seconds": round(wall, 1),
        "server_rss_mb": {"idle": round(idle), "peak": round(sampler.peak)},
    }
    print(json.dumps(report, indent=1))
    (screenshot_folder() / "concurrency.json").write_text(json.dumps(report, indent=1))
    for seen in sessions:
        assert seen["exceptions"] == 0, report
        assert seen["charts"] >= 4, report  # every session got its feature maps
