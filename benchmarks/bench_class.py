"""A class on one server (#19): N browser sessions (default 20) arrive within 20 s; each opens
Home → Lesson step 2 → Train (nickname, the class challenge, Start) → Feature maps of its own run
→ Compare → Class. Loopback only; it ends by itself once every run has ended (or --timeout).

Prints, measured in this one run: p50/p95 time from navigation to each page's content (its first
chart where it has charts), the server's peak RSS, the time until every run ended, the largest
wait of a student's first run (Start click → training), exceptions shown, each student's queue
places, and whether any student's first run started after another student's second.

    python benchmarks/bench_class.py [--students 20] [--arrive-within 20] [--data-dir D]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fmnist_viz.jobs import Challenge, Classroom, TeacherGate  # noqa: E402
from tests.browser_support import CHROMIUM, CHROMIUM_ARGS, PeakRss, serve_app  # noqa: E402

TEACHER_KEY = "bench-teacher-key"
CHALLENGE = Challenge(epochs=3, train_limit=5000, title="3 epochs on 5,000 images")
CONTENT = '.js-plotly-plot, [data-testid="stAlert"]'  # its first chart, or what it says instead
PAGES = (  # (name, path, what shows once the page has drawn its content)
    ("home", "/", "text=Where to start"),
    ("lesson", "/lesson?step=2", CONTENT),  # no run yet: it offers the quick demo
    ("train", "/train", "text=Start training"),
    ("feature_maps", "/feature_maps", CONTENT),
    ("compare", "/compare", CONTENT),
    ("class", "/class", ".js-plotly-plot"),
)
TIMEOUT_MS = 120_000


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile of values (share in 0–1)."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))]


async def _open(page, url: str, name: str, path: str, ready: str, seen: dict) -> None:
    """Navigate and wait for the page's content; record the seconds and exceptions shown."""
    t0 = time.perf_counter()
    await page.goto(url + path, wait_until="commit", timeout=TIMEOUT_MS)
    await page.locator(ready).first.wait_for(timeout=TIMEOUT_MS)
    seen["seconds"][name] = round(time.perf_counter() - t0, 2)
    seen["exceptions"] += await page.locator('[data-testid="stException"]').count()


async def _student(browser, url: str, index: int, delay: float) -> dict:
    """One student's visit; returns its timings, exceptions and queue places seen."""
    await asyncio.sleep(delay)
    context = await browser.new_context(viewport={"width": 1440, "height": 900})
    page = await context.new_page()
    seen: dict = {"student": f"student {index + 1:02d}", "seconds": {}, "exceptions": 0}
    try:
        await _visit(page, url, seen)
    except Exception as exc:  # a page that never came: counted, the others go on
        seen["failed"] = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
    await context.close()
    return seen


async def _visit(page, url: str, seen: dict) -> None:
    """The pages in order; on Train: the nickname, the challenge, Start."""
    for name, path, ready in PAGES:
        await _open(page, url, name, path, ready, seen)
        if name == "train":
            await page.get_by_role("textbox", name="Nickname").fill(seen["student"])
            await page.get_by_role("textbox", name="Nickname").press("Enter")
            await page.get_by_role("button", name="Use the class challenge").click()
            seen["start_clicked"] = time.time()
            await page.get_by_role("button", name="Start training").click()
            place = page.get_by_text("in line")
            try:
                await place.first.wait_for(timeout=10_000)
                seen["place"] = await place.first.inner_text()
            except Exception:  # started at once (no place shown) or already running
                seen["place"] = "started at once"


async def _class(url: str, students: int, within: float) -> list[dict]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            gaps = [within * i / max(1, students - 1) for i in range(students)]
            return list(
                await asyncio.gather(*(_student(browser, url, i, g) for i, g in enumerate(gaps)))
            )
        finally:
            await browser.close()


def _runs(runs_dir: Path) -> list[dict]:
    """Every run.json of the store."""
    return [json.loads(p.read_text()) for p in sorted(runs_dir.glob("*/run.json"))]


def _when(text: str | None) -> float | None:
    """An ISO time stamp as seconds since the epoch."""
    return datetime.fromisoformat(text).timestamp() if text else None


def _fairness(runs: list[dict]) -> dict:
    """Start order by student (nickname): which of its runs each start was (1st, 2nd, ...), and
    whether a student's first run started after another student's second."""
    started = sorted((r for r in runs if r.get("started")), key=lambda r: _when(r["started"]))
    count: dict[str, int] = {}
    ranks = []
    for run in started:
        who = run.get("nickname", "")
        count[who] = count.get(who, 0) + 1
        ranks.append(count[who])
    late = any(first == 1 for i, rank in enumerate(ranks) if rank >= 2 for first in ranks[i:])
    return {"start_order_ranks": ranks, "a_first_run_started_after_a_second": late}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=20)
    parser.add_argument("--arrive-within", type=float, default=20.0, help="seconds")
    parser.add_argument("--data-dir", help="Fashion-MNIST folder (default: the bundled sample)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds for every run")
    args = parser.parse_args()
    runs_dir = Path(tempfile.mkdtemp(prefix="bench-class-")) / "runs"
    runs_dir.mkdir(parents=True)
    env = {"FMNIST_TEACHER_KEY": TEACHER_KEY}
    if args.data_dir:
        env["FMNIST_DATA_DIR"] = args.data_dir
    with serve_app(runs_dir, env=env) as server:
        gate = TeacherGate(TEACHER_KEY)  # the teacher sets the challenge (class.json)
        Classroom(runs_dir, gate).set_challenge(gate.unlock("bench", TEACHER_KEY), CHALLENGE)
        sampler = PeakRss(server)
        sampler.start()
        t0 = time.time()
        sessions = asyncio.run(_class(server, args.students, args.arrive_within))
        pages_done = time.time() - t0
        deadline = time.time() + args.timeout
        while time.time() < deadline:
            runs = _runs(runs_dir)
            if len(runs) >= args.students and all(
                r.get("status") not in ("queued", "running") for r in runs
            ):
                break
            time.sleep(1)
        all_ended = time.time() - t0
        sampler.running = False
        sampler.join()
    runs = _runs(runs_dir)
    first_waits = []
    for seen in sessions:
        mine = [r for r in runs if r.get("nickname") == seen["student"] and r.get("started")]
        if mine:
            first_waits.append(min(_when(r["started"]) for r in mine) - seen["start_clicked"])
    by_page = {
        name: [s["seconds"][name] for s in sessions if name in s["seconds"]] for name, *_ in PAGES
    }
    report = {
        "students": args.students,
        "pages": {
            n: {"p50": statistics.median(v), "p95": percentile(v, 0.95)}
            for n, v in by_page.items()
            if v
        },
        "server_peak_rss_mb": round(sampler.peak),
        "pages_done_s": round(pages_done, 1),
        "every_run_ended_s": round(all_ended, 1),
        "runs": {s: sum(r.get("status") == s for r in runs) for s in ("finished", "failed")},
        "largest_first_run_wait_s": round(max(first_waits), 1) if first_waits else None,
        "exceptions": sum(s["exceptions"] for s in sessions),
        "sessions_failed": {s["student"]: s["failed"] for s in sessions if "failed" in s},
        "places": {s["student"]: s.get("place") for s in sessions},
        **_fairness(runs),
    }
    print(json.dumps(report, indent=1))
    return 0 if report["exceptions"] == 0 and not report["sessions_failed"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
