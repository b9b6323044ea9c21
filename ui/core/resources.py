"""Server-wide shared resources: the job manager, the run store, the dataset (read-only)."""

from __future__ import annotations

import os

import streamlit as st

from fmnist_viz.data import DataError, FashionMNIST, load_fashion_mnist
from fmnist_viz.jobs import JobManager
from fmnist_viz.runs import RunStore


@st.cache_resource(show_spinner=False)
def job_manager() -> JobManager:
    """One job manager per server; it also marks runs a dead server left 'running'."""
    return JobManager(RunStore(), data_dir=os.environ.get("FMNIST_DATA_DIR") or None)


def store() -> RunStore:
    """The run store every session shares."""
    return job_manager().store


@st.cache_resource(show_spinner=False)
def loaded_dataset() -> FashionMNIST:
    """The dataset, loaded once per server (no st.* here: the warm-up thread calls it too)."""
    return load_fashion_mnist()


def dataset() -> FashionMNIST:
    """The dataset, loaded once per server and shared read-only by every session (a spinner
    shows while a session waits for it)."""
    with st.spinner("Loading Fashion-MNIST…"):
        return loaded_dataset()


def dataset_or_error() -> FashionMNIST | None:
    """The dataset, or None after saying why there is none (a named folder that cannot be
    used, or every place the loader looked)."""
    try:
        return dataset()
    except DataError as exc:
        st.error(str(exc))
        return None
