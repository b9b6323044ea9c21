"""Live views: which weights an inside page shows, the badge that says so, and the model at
those weights.

A running run is shown as it is now (its newest state, refreshed by a polling fragment as new
states are saved), a finished or stopped run with the weights it kept. A slider goes over the
saved states (0 = the random initial weights) and Play animates them. The page draws its
state-dependent part with `live_fragment(run, key, draw)`; widgets outside it (the image
picker, layer and channel choices kept in session state) stay as they are between refreshes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import streamlit as st

from fmnist_viz.inside import LayerOutput, Prober, model_at, snapshot_outputs
from fmnist_viz.runs import (
    ACTIVE,
    RunError,
    RunInfo,
    StateRef,
    badge,
    file_version,
    kernel_limits,
    kernel_snapshot,
)
from ui.core import resources, run_cache
from ui.live.job_progress import rerun_when_ended

NOW = -1  # slider value of the newest weights: live for a running run, the kept ones else
FULL_RERUN = "_live_full_rerun"
SLIDER_LABEL = "Weights: saved states from the random start to now"
POLL_SECONDS = 2.0  # new states come every quarter epoch: seconds apart at the least
PLAY_SECONDS = 0.8


@dataclass
class Shown:
    """The weights a page shows."""

    run: RunInfo
    state: StateRef | None  # a saved state; None: the run's newest or kept weights
    live: bool  # the newest state of a running run
    badge: str
    states: list[StateRef] = field(default_factory=list)
    fixed_scale: bool = True  # one colour scale for every state (playback)
    key: str = ""


@dataclass
class ModelAt:
    """A prober holding the shown weights; `full` when every layer's weights are the shown
    ones (else only the layers before Flatten are to be used)."""

    prober: Prober
    full: bool
    spec: dict
    key: str  # identifies the weights (cache keys of results computed from them)
    weights: dict[str, np.ndarray] | None = None  # the state's weights, when it is a state

    def layer_outputs(self, image: np.ndarray) -> list[LayerOutput]:
        """Every usable layer's output for one image (before Flatten only, unless full)."""
        if self.full:
            return self.prober.layer_outputs(image)
        return snapshot_outputs(self.spec, self.weights or {}, image)

    def kernels(self) -> dict[str, np.ndarray]:
        """The convolutional weights shown, keyed 'layer/weight'."""
        return dict(self.weights) if self.weights is not None else kernel_snapshot(self.prober)


def live_fragment(
    run: RunInfo, key: str, draw: Callable[[Shown, ModelAt], None], controls_below: bool = False
) -> None:
    """Draw the page's state-dependent part in a fragment that reruns by itself every second
    while the run trains, and every PLAY_SECONDS while a playback plays. `controls_below`
    puts the state slider under the drawing (the Lesson: the figure first on a screen)."""
    period = _period(run, key)
    st.session_state[f"_{key}_drawn_period"] = period  # what this full run gives the fragment
    # A refresh replaces every element in place; Streamlit would dim them while they are
    # being replaced (its "stale" look), which flickers at every refresh: not in live views.
    st.html(
        f"<style>.st-key-live_{key} [data-stale='true'], "
        f"[data-stale='true']:has(.st-key-live_{key}) "
        "{opacity: 1 !important; transition: none !important;}</style>"
    )
    st.fragment(_body, run_every=period)(run.id, key, draw, controls_below)


def _period(run: RunInfo, key: str) -> float | None:
    """The fragment's refresh period: playback frames, polling a training run, or none."""
    if st.session_state.get(f"{key}_play"):
        return PLAY_SECONDS
    return POLL_SECONDS if run.status in ACTIVE else None


def _body(
    run_id: str, key: str, draw: Callable[[Shown, ModelAt], None], controls_below: bool = False
) -> None:
    """The fragment: fresh run status, the state controls, then the page's drawing."""
    try:
        run = resources.store().load(run_id)
    except RunError as exc:
        st.error(f"This run cannot be shown any more: {exc}")
        return
    active = [run_id] if run.status in ACTIVE else []
    rerun_when_ended(f"_{key}_active", active, watched=[run_id])  # it ended: refresh the page
    # Play started or ended, or the run ended: the fragment needs another refresh period,
    # which only a rerun of the whole page gives it. Every run of the fragment asks again
    # until a full run has drawn it, so a rerun Streamlit drops under load cannot leave a
    # playback stuck on its first frame.
    wanted = _period(run, key)
    if st.session_state.pop(FULL_RERUN, False) or wanted != st.session_state.get(
        f"_{key}_drawn_period", wanted
    ):
        st.rerun()
    with st.container(key=f"live_{key}"):
        drawing = st.container() if controls_below else nullcontext()
        shown = _controls(run, key)
        with drawing, model_for(shown) as model:
            if model is not None:
                draw(shown, model)


def _options(run: RunInfo, states: list[StateRef]) -> list[int]:
    """Slider values: every saved state's step, then NOW when there are newest weights."""
    store = resources.store()
    has_now = (
        store.live(run.id) is not None
        if run.status in ACTIVE
        else run_cache.model_mtime(store, run.id) is not None
    )
    return [s.step for s in states] + ([NOW] if has_now else [])


def _controls(run: RunInfo, key: str) -> Shown:
    """Badge, slider over the saved states, Play, fixed colour scale; returns the choice.

    The choice lives in `{key}_pick`; the slider's own key carries the number of options, so
    a slider whose options grew (a new state arrived) is a new widget started from the choice.
    """
    states = resources.store().states(run.id)
    by_step = {s.step: s for s in states}
    options = _options(run, states)
    if not options:  # nothing saved yet: a training run says its first state is coming
        live = run.status in ACTIVE
        return Shown(run, None, live, badge(run, None, live), states, key=key)
    pick_key, slider_key = f"{key}_pick", f"{key}_state_{len(options)}"
    if st.session_state.get(pick_key) not in options:
        st.session_state[pick_key] = options[-1]
    if st.session_state.get(f"{key}_play"):
        _advance(pick_key, options, key)
    st.session_state[slider_key] = st.session_state[pick_key]
    live = run.status in ACTIVE

    def label(step: int) -> str:
        if step == NOW:
            return "now" if live else "kept weights"
        return by_step[step].label

    # one row: slider, Play, fixed colours and the badge saying which weights are shown
    left, middle, right, said = st.columns([4, 1.1, 1.7, 2.2], vertical_alignment="bottom")
    chosen = left.select_slider(
        SLIDER_LABEL,
        options,
        format_func=label,
        key=slider_key,
        disabled=len(options) < 2,
        on_change=_slid,
        args=(slider_key, pick_key),
    )
    middle.toggle("Play", key=f"{key}_play", on_change=_play_changed, args=(pick_key, options))
    fixed = right.checkbox(
        "Fixed colours",
        value=True,
        key=f"{key}_fixed",
        help="On: colours mean the same value in every frame, so a growing response shows. "
        "Off: each state uses its own range.",
    )
    state = None if chosen == NOW else by_step[chosen]
    position = None if state is None else state.position
    if state is None and live:
        now = resources.store().live(run.id)
        position = None if now is None else now.position
    text = badge(run, position, live and state is None)
    icon = ":material/sensors:" if live and state is None else None
    said.badge(text, icon=icon, color="blue")
    return Shown(run, state, live and state is None, text, states, fixed, key)


def _slid(slider_key: str, pick_key: str) -> None:
    """The user moved the slider: that is the choice now."""
    st.session_state[pick_key] = st.session_state[slider_key]


def _advance(pick_key: str, options: list[int], key: str) -> None:
    """One playback step: the next state (not on the run that started playing); at the end,
    stop playing (and stop polling)."""
    if st.session_state.pop(f"{key}_play_started", False):
        return  # show the first frame first
    position = options.index(st.session_state[pick_key])
    if position + 1 < len(options):
        st.session_state[pick_key] = options[position + 1]
    else:
        st.session_state[f"{key}_play"] = False
        st.session_state[FULL_RERUN] = True


def _play_changed(pick_key: str, options: list[int]) -> None:
    """Play pressed: start from the first state when at the end; the fragment's period
    changes, which needs a rerun of the whole page."""
    key = pick_key.removesuffix("_pick")
    if st.session_state.get(f"{key}_play"):
        if st.session_state[pick_key] == options[-1]:
            st.session_state[pick_key] = options[0]
        st.session_state[f"{key}_play_started"] = True
    st.session_state[FULL_RERUN] = True


@contextmanager
def model_for(shown: Shown) -> Iterator[ModelAt | None]:
    """The model at the shown weights (None after saying why there is none)."""
    run, store = shown.run, resources.store()
    spec = run.meta["spec"]
    if shown.state is not None:
        try:
            weights = run_cache.state_weights(shown.state.path)
        except RunError as exc:
            st.error(str(exc))
            yield None
            return
        with model_at(spec, weights, full=shown.state.full) as prober:
            yield ModelAt(prober, shown.state.full, spec, file_version(shown.state.path), weights)
        return
    if shown.live:
        now = store.live(run.id)
        if now is not None:
            try:
                weights = run_cache.state_weights(now.path)
            except RunError:
                weights = None  # replaced while being read: the next refresh shows it
            if weights is not None:
                with model_at(spec, weights, full=True) as prober:
                    yield ModelAt(prober, True, spec, file_version(now.path), weights)
                return
        st.info("The first state is saved as training starts: it appears here in a moment.")
        yield None
        return
    prober = run_cache.prober(run.id)
    key = f"{run.id}:kept:{run_cache.model_mtime(store, run.id)}"
    yield None if prober is None else ModelAt(prober, True, spec, key)


def image_key(image: np.ndarray) -> str:
    """A short digest of an image (cache keys of per-image results)."""
    return hashlib.sha1(np.ascontiguousarray(image).tobytes()).hexdigest()[:16]


def map_scales(shown: Shown, image: np.ndarray) -> dict[str, tuple[float, float]] | None:
    """One colour range per layer over every saved state (and the newest weights) for this
    image, when the fixed scale is on and there is more than one state; else None."""
    if not shown.fixed_scale or len(shown.states) < 2:
        return None
    paths = tuple(str(s.path) for s in shown.states)
    return _map_scales(json.dumps(shown.run.meta["spec"]), paths, image)


@st.cache_data(show_spinner="Colour scales over the saved states…", max_entries=32)
def _map_scales(
    spec_json: str, paths: tuple[str, ...], image: np.ndarray
) -> dict[str, tuple[float, float]]:
    """Per map layer, the smallest and largest value over the states."""
    spec = json.loads(spec_json)
    low: dict[str, float] = {}
    high: dict[str, float] = {}
    for path in paths:
        try:
            outputs = snapshot_outputs(spec, run_cache.state_weights(Path(path)), image)
        except (RunError, ValueError):
            continue  # a damaged state is left out of the scale
        for out in outputs:
            if out.is_map:
                low[out.name] = min(low.get(out.name, np.inf), float(out.output.min()))
                high[out.name] = max(high.get(out.name, -np.inf), float(out.output.max()))
    return {name: (low[name], high[name]) for name in low}


def playback_limits(shown: Shown) -> dict[str, float] | None:
    """Per conv layer, the largest |weight| over every saved state (the fixed colour range of
    a kernel playback), when the fixed scale is on; else None."""
    if not shown.fixed_scale or len(shown.states) < 2:
        return None
    return _kernel_limits(tuple(str(s.path) for s in shown.states))


@st.cache_data(show_spinner=False, max_entries=32)
def _kernel_limits(paths: tuple[str, ...]) -> dict[str, float]:
    """Largest |kernel weight| per conv layer over the states that can be read."""
    return kernel_limits(_readable(paths))


def _readable(paths: tuple[str, ...]) -> Iterator[dict[str, np.ndarray]]:
    """The weights of each state file that can be read (a damaged one is skipped)."""
    for path in paths:
        try:
            yield run_cache.state_weights(Path(path))
        except RunError:
            continue
