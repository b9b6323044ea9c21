"""The server's start-up hook: the warm-up (ui/core/warm_up.py) starts when the server process
starts, not when a first visitor's page has been drawn.

dashboard.py serves the app as an `st.App` with `lifespan` as its lifespan hook, which Streamlit
runs once per server process, after its runtime started and before it takes a first request.
The hook only starts a thread and returns, so the health check and a first page never wait for
it; the thread imports the app's modules (pandas, Plotly, the views) and starts the warm-up
(TensorFlow, a probe, the newest run's model). Never st.* from it. FMNIST_WARM_UP=0 switches it
off. This module imports nothing heavy itself: `streamlit run` imports it before serving.
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

THREAD = "fmnist-server-start"
SWITCH_S = 0.0005  # the interpreter's thread switch interval while the warm-up runs
WARM_UP_WAIT_S = 300  # the longest that interval stays shortened


def enabled() -> bool:
    """Is the warm-up switched on (FMNIST_WARM_UP is not 0)?"""
    return os.environ.get("FMNIST_WARM_UP", "1") != "0"


@asynccontextmanager
async def lifespan(app: Any) -> AsyncIterator[None]:
    """The `st.App` lifespan hook: start the warm-up thread, then serve at once."""
    if enabled():
        _settle_use_check()
        threading.Thread(target=_start, name=THREAD, daemon=True).start()
    yield


def _settle_use_check() -> None:
    """Streamlit checks once per process, at a first session's first element, whether it runs
    in a REPL: `inspect.stack()`, which looks each frame's module up among all of sys.modules.
    Once the warm-up has loaded TensorFlow's 3,600 modules that cost a cold link's first run
    2.5 s (measured under load); done here, with Streamlit's few hundred loaded, it costs
    milliseconds. The runtime exists by now, so it prints nothing."""
    from streamlit import delta_generator

    check = getattr(delta_generator, "_maybe_print_use_warning", None)  # private: may go
    with contextlib.suppress(Exception):  # a speed-up only: it must never stop the server
        if check is not None:
            check()


def _start() -> None:
    """The start-up thread: the warm-up's own thread first, then the page modules (a first
    session would otherwise import pandas, Plotly and every view in its first run).

    Meanwhile the interpreter switches threads every SWITCH_S instead of 5 ms: the server's
    event loop, which serves the browser's files and the pages' messages in many short
    steps, would otherwise wait up to 5 ms for the GIL at each step behind these imports
    (Home's first paint took 2 s longer with the warm-up running)."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_S)
    try:
        from ui.core import warm_up

        warm_up.warm_up()
        import ui.shell
        import ui.views  # noqa: F401  (imports every page's view)

        warm_up.wait_finished(WARM_UP_WAIT_S)
    finally:
        sys.setswitchinterval(interval)
        _freeze_heap()


def _freeze_heap() -> None:
    """Move every object alive now (TensorFlow's, Keras', Plotly's, the dataset's: 400,000
    of them) out of the garbage collector's reach for good (`gc.freeze`).

    Streamlit collects garbage in full after every script run, fragment runs included, twice
    (its post-run GC and Keras' `clear_session`, which it calls too): 0.3 s each over this
    heap on a quiet machine, with the GIL held, so four pages polling a training run every
    2 s left the event loop almost no time to serve files and messages (a page opened then
    took 40 s and more to draw). Over the objects created after this, a collection takes
    milliseconds. Garbage found now is collected first, so nothing is frozen that is not used.
    """
    gc.collect()
    gc.freeze()
