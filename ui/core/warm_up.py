"""Warming the server up: the dataset loaded, TensorFlow imported and a probe compiled in the
background, once per server, and the model a new visitor's inside page shows first loaded into
the shared cache. It starts when the server process starts (ui/startup.py); pages also call it
after they are drawn, a no-op once it started (it covers servers without that hook, such as
streamlit.testing's)."""

from __future__ import annotations

import contextlib
import os
import threading
import time

import numpy as np

from fmnist_viz.data import DataError
from fmnist_viz.inside import LayerOutput
from ui.core import resources, run_cache

_warm_lock = threading.Lock()
_finished = threading.Event()
_warm: dict[str, float] = {}  # when the warm-up started and finished (seconds since epoch)


def warm_up() -> None:
    """Import TensorFlow and compile a small probe in the background, once per server.

    The first inside page would otherwise spend seconds importing TensorFlow. The server's
    start-up hook calls this; pages call it at their end, after they have been drawn, so it
    never delays a first paint. Set FMNIST_WARM_UP=0 to switch it off.
    """
    if os.environ.get("FMNIST_WARM_UP", "1") == "0":
        return
    with _warm_lock:
        if "started" in _warm:
            return
        _warm["started"] = time.time()
    threading.Thread(target=_warm_tensorflow, name="fmnist-warm-up", daemon=True).start()


def _warm_tensorflow() -> None:
    """The warm-up thread: the dataset, TensorFlow and Keras, the newest run's model loaded and
    probed (else a fresh Model 1 built and probed), one figure of each kind the inside pages
    draw, serialised (Plotly validates lazily) — never st.*."""
    with contextlib.suppress(DataError):  # the pages say where the loader looked
        resources.loaded_dataset()
    from fmnist_viz.figures import channel_detail, channel_grid, image_figure, probability_bars

    image = np.zeros((28, 28), dtype=np.float32)
    outputs = _prefetch_newest_run(image)
    if outputs is None:  # no run to show yet: a fresh model warms TensorFlow up instead
        from fmnist_viz.inside import Prober
        from fmnist_viz.models import build_model, preset

        outputs = Prober(build_model(preset("model1"))).layer_outputs(image)
    maps = next(o.output for o in outputs if o.is_map)
    figures = [channel_grid(maps, "warm-up"), channel_detail(maps, 0), image_figure(image)]
    figures.append(probability_bars(outputs[-1].output, 0))
    for figure in figures:
        figure.to_json()
    _warm["finished"] = time.time()
    _finished.set()


def _prefetch_newest_run(image: np.ndarray) -> list[LayerOutput] | None:
    """Load and trace the model a new visitor's inside page shows first (the newest finished
    run) into the shared prober cache, so that page does not wait for it; its outputs for
    `image` (None when there is no such run, or it cannot be used)."""
    from fmnist_viz.runs import default_run

    store = resources.job_manager().store
    run_id = default_run([], [r for r in store.list() if r.damaged is None])
    mtime = run_cache.model_mtime(store, run_id) if run_id else None
    if run_id is None or mtime is None:
        return None
    try:
        outputs = run_cache.cached_prober(str(store.root), run_id, mtime).layer_outputs(image)
    except Exception:  # the page will say what is wrong with this run
        return None
    return outputs if any(o.is_map for o in outputs) else None


def wait_finished(timeout: float) -> bool:
    """Wait until the warm-up has finished (False when it has not after `timeout` seconds)."""
    return _finished.wait(timeout)


def warm_up_seconds() -> float | None:
    """How long the warm-up took (None until it has finished)."""
    if "finished" not in _warm:
        return None
    return _warm["finished"] - _warm["started"]
