"""Real-browser test of the Class page: a student names themself and starts a long run, a
teacher (another browser, the server started with FMNIST_TEACHER_KEY) opens the Class page,
unlocks it, sees the student's job in the queue and stops it.

Needs Debian's Chromium (/usr/bin/chromium) and the playwright package; skipped otherwise.
Screenshots at 1440×900 go to $FMNIST_SCREENSHOTS or a temp folder (printed).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from fmnist_viz.models import preset
from fmnist_viz.runs import RunStore
from fmnist_viz.training import TrainConfig
from tests.browser_support import CHROMIUM, CHROMIUM_ARGS, playwright_or_skip, serve_app
from tests.run_support import add_run, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.slow]
playwright_api = playwright_or_skip()

KEY = "owl-42-browser"
VIEWPORT = {"width": 1440, "height": 900}
HISTORY = [(1, 0.6, 0.85, 0.5, 0.84, 4.0), (2, 0.3, 0.94, 0.35, 0.89, 6.0)]
BOARD = (  # finished runs on the board: nickname, preset, test accuracy
    ("Ada", "model1", 0.912),
    ("Bo", "model2", 0.897),
    ("Cy", "original", 0.905),
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The app with a teacher key over a store with three finished runs."""
    runs = tmp_path_factory.mktemp("runs")
    store = RunStore(runs)
    for seed, (nickname, arch, acc) in enumerate(BOARD, start=1):
        config = TrainConfig(epochs=2, train_limit=300, seed=seed)
        run_id = add_run(store, f"{nickname}'s {arch}", preset(arch), config, HISTORY, "finished")
        store.update(run_id, test_accuracy=acc, nickname=nickname)
    with serve_app(runs, env={"FMNIST_TEACHER_KEY": KEY}) as url:
        yield url, runs


def _nav(page, title: str) -> None:
    """Switch page through the sidebar navigation (keeps the session)."""
    page.locator('[data-testid="stSidebarNav"] a', has_text=title).first.click()


def _queued(page, nickname: str) -> None:
    """Wait for the queue table's cell with this nickname (cells live in a hidden grid)."""
    queue = page.locator(".st-key-class_queue")
    queue.locator('[role="gridcell"]', has_text=nickname).first.wait_for(
        state="attached", timeout=30_000
    )


def _text(path: Path) -> str:
    """A file's text, '' while it does not exist."""
    return path.read_text() if path.exists() else ""


def _job_meta(runs: Path) -> dict | None:
    """run.json of the student's job (the one run with 200 epochs), once it exists."""
    for path in runs.glob("*/run.json"):
        meta = json.loads(path.read_text())
        if meta.get("config", {}).get("epochs") == 200:
            return meta
    return None


def test_a_teacher_stops_a_students_job_from_the_class_page(server, shots) -> None:
    url, runs = server
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        # the teacher opens the Class page and unlocks it before the class starts training
        teacher = browser.new_context(viewport=VIEWPORT).new_page()
        teacher.goto(f"{url}/class")
        teacher.get_by_text("Teacher controls").click()
        teacher.get_by_role("textbox", name="Teacher key").fill(KEY)
        teacher.get_by_role("button", name="Unlock").click()
        teacher.get_by_text("Pause new trainings").wait_for(timeout=30_000)
        teacher.get_by_text("No job is running or waiting.").wait_for(timeout=30_000)

        student = browser.new_context(viewport=VIEWPORT).new_page()
        student.goto(f"{url}/class")
        nickname = student.get_by_role("textbox", name="Nickname")
        nickname.wait_for(timeout=60_000)
        nickname.fill("Sam")
        nickname.press("Enter")
        wait_until(lambda: "Sam" in _text(runs / "nicknames.json"), 15, "the nickname saved")
        _nav(student, "Train")
        student.get_by_text("Start training").wait_for(timeout=30_000)
        student.get_by_text("Custom", exact=True).click()
        student.get_by_role("spinbutton", name="Epochs (custom)").fill("200")
        student.get_by_role("button", name="Start training").click()
        # the run folder is made first, then its owner and nickname are recorded
        meta = wait_until(
            lambda: (_job_meta(runs) or {}).get("owner") and _job_meta(runs),
            30,
            "the student's job",
        )
        assert meta["nickname"] == "Sam"
        _nav(student, "Class")  # the student watches the board (the Train page polls more)
        _queued(student, "Sam")

        # the teacher's page, not reloaded, shows the job in the queue, and offers to stop it
        _queued(teacher, "Sam")
        teacher.get_by_role("button", name="Stop job").wait_for(timeout=30_000)

        student.locator(".js-plotly-plot .scatterlayer .trace").first.wait_for(timeout=30_000)
        student.screenshot(path=shots / "class-1-student.png")
        teacher.screenshot(path=shots / "class-2-teacher-unlocked.png")
        teacher.get_by_role("button", name="Stop job").scroll_into_view_if_needed()
        teacher.screenshot(path=shots / "class-3-teacher-controls.png")

        teacher.get_by_role("button", name="Stop job").click()
        stopped = wait_until(
            lambda: (_job_meta(runs) or {}).get("status") == "stopped", 60, "the job stopped"
        )
        assert stopped
        teacher.get_by_text("Nothing is training or waiting").wait_for(timeout=30_000)
        teacher.screenshot(path=shots / "class-4-teacher-stopped.png")
        browser.close()
