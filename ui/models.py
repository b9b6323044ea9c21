"""Shared by the inside-the-network pages: the active run's cached prober, batch statistics of
its model, and the teaching notes shown beside the views.

A Prober is cached per run id and model-file mtime, so picking another image never reloads or
rebuilds the model, while a run that saves better weights is picked up on the next rerun.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from fmnist_viz.data import FashionMNIST
from fmnist_viz.probes import Prober, ReluStats, prober_for
from fmnist_viz.runs import MODEL_FILE, RunError, RunStore
from fmnist_viz.teaching import CONCEPTS
from ui import resources, state

RELU_BATCH = 256  # test images the ReLU statistics are averaged over


def require_active_run() -> str | None:
    """The first active run id, or None after saying how to get one."""
    runs = state.active_runs(resources.store())
    if runs:
        return runs[0]
    st.info("No active run: pick one on the Runs page or train one")
    st.page_link("pages/runs.py", label="Pick a saved run", icon=":material/folder_open:")
    st.page_link("pages/train.py", label="Train a model", icon=":material/model_training:")
    return None


def model_mtime(store: RunStore, run_id: str) -> float | None:
    """Modification time of the run's saved model, None when it has none yet."""
    try:
        return (store.path(run_id) / MODEL_FILE).stat().st_mtime
    except (OSError, RunError):
        return None


@st.cache_resource(show_spinner="Loading the model…", max_entries=6)
def _cached_prober(root: str, run_id: str, mtime: float) -> Prober:
    """Load the run's model once per (run, model file version) and build its prober."""
    return prober_for(RunStore(root).load_model(run_id))


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
        return _cached_prober(str(store.root), run_id, mtime)
    except RunError as exc:
        st.error(f"The model of this run cannot be used: {exc}")
        return None


def run_name(run_id: str) -> str:
    """The display name of a run (its id when it cannot be read)."""
    try:
        return resources.store().load(run_id).name
    except RunError:
        return run_id


@st.cache_resource(show_spinner="Scoring the test images…", max_entries=6)
def _scored(root: str, run_id: str, mtime: float, data_key: str) -> np.ndarray:
    """Class probabilities of the loaded test set under the run's model."""
    model = _cached_prober(root, run_id, mtime)
    return model.predict_batch(resources.dataset().x_test)


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


@st.cache_resource(show_spinner="ReLU statistics over test images…", max_entries=6)
def _relu_stats(root: str, run_id: str, mtime: float, data_key: str) -> dict[str, ReluStats]:
    """ReLU statistics of the first RELU_BATCH test images under the run's model."""
    model = _cached_prober(root, run_id, mtime)
    return model.relu_stats(resources.dataset().x_test[:RELU_BATCH])


def relu_batch_stats(run_id: str, data: FashionMNIST) -> dict[str, ReluStats]:
    """Per ReLU conv layer: zero shares and dead filters over a batch of test images."""
    store = resources.store()
    mtime = model_mtime(store, run_id) or 0.0
    return _relu_stats(str(store.root), run_id, mtime, data.describe())


def concept_notes(keys: tuple[str, ...], expanded: int = 1) -> None:
    """The teaching text for these concepts, the first `expanded` of them open."""
    for i, key in enumerate(keys):
        concept = CONCEPTS[key]
        with st.expander(concept.title, expanded=i < expanded):
            st.markdown(f"**{concept.summary}**\n\n{concept.body}")
