"""Per-run results the inside pages share, computed once and cached.

A Prober is cached per run id and model-file mtime (`cache_resource`: one compiled probe per
server, used under its own lock), so picking another image never reloads or rebuilds the
model, while a run that saves better weights is picked up on the next rerun. NumPy results
(test-set probabilities, ReLU statistics, snapshots) go through `cache_data`: each session gets
its own copy, so no session can change what another sees.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import streamlit as st

from fmnist_viz.data import FashionMNIST
from fmnist_viz.inside import Prober, ReluStats, relu_stats
from fmnist_viz.runs import MODEL_FILE, RunError, RunStore, StateError, read_state
from ui.core import resources

RELU_BATCH = 256  # test images the ReLU statistics are averaged over


def model_mtime(store: RunStore, run_id: str) -> float | None:
    """Modification time of the run's saved model, None when it has none yet."""
    try:
        return (store.path(run_id) / MODEL_FILE).stat().st_mtime
    except (OSError, RunError):
        return None


@st.cache_resource(show_spinner=False, max_entries=6)
def cached_prober(root: str, run_id: str, mtime: float) -> Prober:
    """Load the run's model once per (run, model file version) and build its prober."""
    return Prober(RunStore(root).load_model(run_id))


def prober(run_id: str) -> Prober | None:
    """The run's cached Prober, or None after a message saying why there is none."""
    store = resources.store()
    mtime = model_mtime(store, run_id)
    if mtime is None:
        st.warning(
            f"Run {run_id} has no saved model yet: it is saved after the first finished epoch. "
            "Wait for that, or pick another run on the Runs page."
        )
        return None
    try:
        return cached_prober(str(store.root), run_id, mtime)
    except RunError as exc:
        st.error(f"The model of this run cannot be used: {exc}")
        return None


@st.cache_data(show_spinner="Scoring the test images…", max_entries=6)
def _scored(root: str, run_id: str, mtime: float, data_key: str) -> np.ndarray:
    """Class probabilities of the loaded test set under the run's model."""
    return cached_prober(root, run_id, mtime).predict_batch(resources.dataset().x_test)


def test_set_probabilities(run_id: str, data: FashionMNIST) -> np.ndarray | None:
    """The run's probabilities for the loaded test images: the saved ones when they belong to
    this test set, else computed now (the run was scored on another copy of Fashion-MNIST)."""
    store = resources.store()
    mtime = model_mtime(store, run_id)
    if mtime is None:
        return None
    try:
        saved = store.predictions(run_id)
    except RunError:
        saved = None
    if saved is not None and np.array_equal(saved[1], data.y_test):
        return saved[0]
    return _scored(str(store.root), run_id, mtime, data.describe())


@st.cache_data(show_spinner="ReLU statistics over test images…", max_entries=6)
def _relu_stats(root: str, run_id: str, mtime: float, data_key: str) -> dict[str, ReluStats]:
    """ReLU statistics of the first RELU_BATCH test images under the run's model."""
    prober_ = cached_prober(root, run_id, mtime)
    return relu_stats(prober_, resources.dataset().x_test[:RELU_BATCH])


def relu_batch_stats(run_id: str, data: FashionMNIST) -> dict[str, ReluStats]:
    """Per ReLU conv layer: zero shares and dead filters over a batch of test images."""
    store = resources.store()
    mtime = model_mtime(store, run_id) or 0.0
    return _relu_stats(str(store.root), run_id, mtime, data.describe())


@st.cache_data(show_spinner="ReLU statistics over test images…", max_entries=32)
def _relu_at(weights_key: str, data_key: str, _prober: Prober) -> dict[str, ReluStats]:
    """ReLU statistics of the first RELU_BATCH test images under weights known by their key
    (the prober must hold those weights while this runs)."""
    return relu_stats(_prober, resources.dataset().x_test[:RELU_BATCH])


def relu_stats_at(weights_key: str, prober: Prober, data: FashionMNIST) -> dict[str, ReluStats]:
    """ReLU statistics under the weights a prober holds now, cached by their key."""
    return _relu_at(weights_key, data.describe(), prober)


@st.cache_data(show_spinner=False, max_entries=128)
def _state(path: str, version: tuple[int, int, int]) -> dict[str, np.ndarray]:
    """One saved state's weights, read once per file version."""
    try:
        return read_state(Path(path))
    except StateError as exc:
        raise RunError(str(exc)) from exc


def state_weights(path: Path) -> dict[str, np.ndarray]:
    """The weights of a state file (RunError when missing or damaged), read once per version
    (live.npz is replaced at every state: a new version, read again)."""
    try:
        st_ = path.stat()
    except OSError as exc:
        raise RunError(f"State {path.name} is missing") from exc
    return _state(str(path), (st_.st_ino, st_.st_mtime_ns, st_.st_size))
