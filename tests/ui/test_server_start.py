"""The warm-up starts with the server (#20): `streamlit run dashboard.py` finds dashboard.py's
`st.App`, whose lifespan hook starts the warm-up before any session ran a page; FMNIST_WARM_UP=0
switches it off. Checked in a fresh interpreter that does what `streamlit run` does: Streamlit's
own discovery names the app, the module is imported, and the ASGI lifespan is driven as uvicorn
drives it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from fmnist_viz.runs import RunStore, default_run
from tests.apptest_support import fresh_interpreter_report

SCRIPT = r"""
import asyncio, gc, importlib, json, sys, threading, time
from pathlib import Path
started = []
real_start = threading.Thread.start
def start(self):  # every thread started, and whether TensorFlow was imported by then
    started.append([self.name, "tensorflow" in sys.modules])
    return real_start(self)
threading.Thread.start = start
from streamlit.web.server.app_discovery import discover_asgi_app
script = Path(sys.argv[1])
found = discover_asgi_app(script)
module, name = found.import_string.split(":")
sys.path.insert(0, str(script.parent))  # as `streamlit run` does
app = getattr(importlib.import_module(module), name)
light = sorted(m for m in ("tensorflow", "pandas", "ui.core") if m in sys.modules)
from ui import startup
from ui.core import warm_up, run_cache
from fmnist_viz.runs import RunStore

async def serve():
    inbox, outbox = asyncio.Queue(), asyncio.Queue()
    await inbox.put({"type": "lifespan.startup"})
    scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
    task = asyncio.create_task(app(scope, inbox.get, outbox.put))
    answer = (await asyncio.wait_for(outbox.get(), 60))["type"]
    at_startup = [n for n, _ in started]
    deadline = time.time() + 120
    while startup.enabled() and warm_up.warm_up_seconds() is None and time.time() < deadline:
        await asyncio.sleep(0.1)
    for thread in threading.enumerate():  # the start-up thread ends after the warm-up
        if thread.name == startup.THREAD:
            thread.join(60)
    await inbox.put({"type": "lifespan.shutdown"})
    await asyncio.wait_for(task, 60)
    return answer, at_startup

answer, at_startup = asyncio.run(serve())
store = RunStore()
loads = []
real_load = RunStore.load_model
RunStore.load_model = lambda self, run_id: loads.append(run_id) or real_load(self, run_id)
run_id = sys.argv[2]
prober = run_cache.cached_prober(str(store.root), run_id, run_cache.model_mtime(store, run_id))
print(json.dumps({"app": found.import_string, "type": type(app).__name__, "light": light,
                  "answer": answer, "at_startup": at_startup, "started": started,
                  "warmed": warm_up.warm_up_seconds(), "loads": loads,
                  "frozen": gc.get_freeze_count(),
                  "tensorflow_now": "tensorflow" in sys.modules}))
"""


def start_server(runs: Path, run_id: str, warm_up: str) -> dict:
    """Run the script in a fresh interpreter over a copy of the tiny runs; its JSON report."""
    return fresh_interpreter_report(SCRIPT, runs, run_id, FMNIST_WARM_UP=warm_up)


@pytest.fixture
def runs(tiny_runs: tuple[RunStore, dict[str, str]], tmp_path: Path) -> tuple[Path, str]:
    """A copy of the tiny runs, and the run a new visitor's inside page shows first."""
    store, _ = tiny_runs
    root = tmp_path / "runs"
    shutil.copytree(store.root, root)
    newest = default_run([], [r for r in RunStore(root).list() if r.damaged is None])
    assert newest is not None
    return root, newest


@pytest.mark.slow
def test_the_warm_up_starts_with_the_server_before_any_session(runs: tuple[Path, str]) -> None:
    result = start_server(*runs, warm_up="1")
    assert result["app"] == "dashboard:app" and result["type"] == "App"
    assert result["light"] == [], "importing dashboard.py would delay the server's start"
    assert result["answer"] == "lifespan.startup.complete"
    assert "fmnist-server-start" in result["at_startup"]  # started by the hook itself
    assert not any(name.startswith("ScriptRunner") for name, _ in result["started"])
    assert ["fmnist-warm-up", False] in result["started"]
    assert result["warmed"] is not None and result["tensorflow_now"]
    assert result["loads"] == [], "the newest run's model was not in the shared cache"
    # TensorFlow's, Keras' and Plotly's objects are out of the per-run garbage collections
    assert result["frozen"] > 100_000


@pytest.mark.slow
def test_fmnist_warm_up_0_switches_the_server_start_warm_up_off(runs: tuple[Path, str]) -> None:
    result = start_server(*runs, warm_up="0")
    assert result["answer"] == "lifespan.startup.complete"
    names = [name for name, _ in result["started"]]
    assert "fmnist-server-start" not in names and "fmnist-warm-up" not in names
    assert result["warmed"] is None and result["frozen"] == 0
    assert result["loads"] == [runs[1]]  # loaded only when asked for


def test_the_server_watches_no_source_files() -> None:
    """A file watcher looks up every loaded module's path after each script run, on the event
    loop (TensorFlow's 3,600 modules, at every live page's poll): off in the app's config."""
    import tomllib

    from tests.apptest_support import ROOT

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["fileWatcherType"] == "none"
