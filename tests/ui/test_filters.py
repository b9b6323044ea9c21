"""Page tests (streamlit.testing) for Filters on a copy of the tiny trained runs: every part
drawn, the cache written once and read back, layer/block/filter choices, saved states and a
running run kept in memory, and clear messages for models it cannot show."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from fmnist_viz.data import load_fashion_mnist
from fmnist_viz.models import build_model
from fmnist_viz.runs import RunStore
from fmnist_viz.seeing import class_spread, load_top_images, spread_sentence
from fmnist_viz.seeing.filter_cache import CACHE_DIR, TOP_FILE
from tests.apptest_support import SAMPLE, app_env, open_page, texts
from tests.run_support import running_copy
from ui.live import fragment

SOFTMAX = {"type": "dense", "units": 10, "activation": "softmax"}
PARTS = {"fi_grid", "fi_kernel", "fi_grown", "fi_spread", "fi_map", "fi_where"}


def _charts(at: AppTest) -> dict[str, dict]:
    """Plotly figures of the page, by the chart's key."""
    return {c.proto.id.rsplit("-", 1)[-1]: json.loads(c.proto.spec) for c in at.get("plotly_chart")}


def _title(figure: dict) -> str:
    return figure["layout"]["title"]["text"]


def _states_slider(at: AppTest):
    """The live view's slider over the saved states."""
    return next(s for s in at.select_slider if s.label == fragment.SLIDER_LABEL)


@pytest.fixture
def env(tiny_runs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A copy of the tiny runs' store (the page writes its cache into run folders), without
    the caches that pages served on the shared runs by other tests may have written."""
    store, ids = tiny_runs
    root = tmp_path / "runs"
    shutil.copytree(store.root, root, ignore=shutil.ignore_patterns(CACHE_DIR))
    with app_env(monkeypatch, root):
        yield RunStore(root), ids


def _open(run_id: str, img: int = 0) -> AppTest:
    return open_page("pages/filters.py", run=run_id, img=str(img))


def _files(store: RunStore, run_id: str) -> list[str]:
    folder = store.path(run_id) / CACHE_DIR
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


@pytest.mark.slow
def test_every_part_is_drawn_and_the_second_visit_reads_the_run_folder(env) -> None:
    store, ids = env
    run_id = ids["model2"]
    at = _open(run_id)
    charts = _charts(at)
    assert set(charts) >= PARTS, set(charts)
    text = texts(at)
    assert "Searched all 1,000 test images; computed in" in text
    assert "saved in the run folder" in text
    assert _title(charts["fi_grid"]).startswith("conv1: filters 0 to 31 of 32")
    assert _files(store, run_id) == ["actmax_conv1_0_32.npz", TOP_FILE]
    saved = load_top_images(store.path(run_id), _saved_key(store, run_id))["conv1"]
    labels = load_fashion_mnist(str(SAMPLE)).y_test
    assert spread_sentence(class_spread(saved, 0, labels), 0) in text
    if saved.fires(0):
        assert _title(charts["fi_top"]).startswith("conv1 filter 0: its top")
    before = {p: p.stat().st_mtime_ns for p in (store.path(run_id) / CACHE_DIR).iterdir()}

    st.cache_resource.clear()  # a new server: nothing in memory
    at = _open(run_id, img=3)
    text = texts(at)
    assert "read from the run folder" in text and "computed in" not in text
    assert set(_charts(at)) >= PARTS
    after = {p: p.stat().st_mtime_ns for p in (store.path(run_id) / CACHE_DIR).iterdir()}
    assert after == before  # read, not written again


def _saved_key(store: RunStore, run_id: str) -> str:
    """The key inside the saved top images file."""
    with np.load(store.path(run_id) / CACHE_DIR / TOP_FILE) as npz:
        return str(npz["key"])


@pytest.mark.slow
def test_layer_block_and_filter_choices(env) -> None:
    _, ids = env
    at = _open(ids["model2"])
    at.selectbox(key="fi_layer").set_value("conv2").run()
    assert not at.exception, at.exception
    assert _title(_charts(at)["fi_grid"]).startswith("conv2: filters 0 to 31 of 64")
    at.selectbox(key="fi_block").set_value(32).run()
    assert _title(_charts(at)["fi_grid"]).startswith("conv2: filters 32 to 63 of 64")
    at.number_input(key="fi_filter").set_value(40).run()
    charts = _charts(at)
    assert "Filter 40 " in texts(at)
    assert _title(charts["fi_kernel"]).startswith("Filter 40: 32 input slices")
    assert _title(charts["fi_grown"]).startswith("conv2 filter 40 grown from noise")
    assert "channel 40 of 64" in _title(charts["fi_map"])
    at.selectbox(key="fi_layer").set_value("conv1").run()  # 40 is too big for conv1: reset
    assert at.number_input(key="fi_filter").value == 0
    assert _title(_charts(at)["fi_grid"]).startswith("conv1: filters 0 to 31 of 32")


@pytest.mark.slow
def test_a_saved_state_is_searched_in_memory_only(env) -> None:
    store, ids = env
    run_id = ids["model2"]
    at = _open(run_id)
    written = _files(store, run_id)
    _states_slider(at).set_value(0).run()  # the random start
    assert not at.exception, at.exception
    text = texts(at)
    assert "Searched the first 1,000 test images (these weights change" in text
    assert "kept in memory" in text
    assert _files(store, run_id) == written  # nothing on disk for a state
    assert set(_charts(at)) >= PARTS


@pytest.mark.slow
def test_a_running_run_is_shown_as_it_is_now(env) -> None:
    store, ids = env
    with running_copy(
        store, ids["model2"], store.root, "20990101-000000-live-filters-0001"
    ) as run_id:
        at = _open(run_id)
        assert "training" in texts(at) and "kept in memory" in texts(at)
        assert set(_charts(at)) >= PARTS
        assert _files(store, run_id) == []  # a training run's folder gets no cache


def _run_with(store: RunStore, spec: dict, name: str) -> str:
    """A stopped run holding a saved (untrained) model of the spec."""
    from fmnist_viz.training import TrainConfig

    info = store.create(spec, TrainConfig(epochs=1), name=name, arch="custom")
    build_model(spec).save(info.path / "model.keras")
    store.update(info.id, status="stopped")
    return info.id


def test_a_model_without_conv_layers_says_so(env) -> None:
    store, _ = env
    run_id = _run_with(store, {"name": "dense", "layers": [{"type": "flatten"}, SOFTMAX]}, "flat")
    at = _open(run_id)
    assert "This model has no convolution layer, so it has no filters to show" in texts(at)
    assert not {"fi_grid", "fi_top"} & set(_charts(at))


@pytest.mark.slow
def test_a_layer_with_one_filter_is_shown_without_a_chooser(env) -> None:
    store, _ = env
    spec = {"name": "one", "layers": [{"type": "conv2d", "filters": 1, "kernel_size": 3}, SOFTMAX]}
    run_id = _run_with(store, spec, "one filter")
    at = _open(run_id)
    assert "conv1 has a single filter, filter 0: this is it." in texts(at)
    assert not [n for n in at.number_input if n.key == "fi_filter"]
    charts = _charts(at)
    assert {"fi_grid", "fi_kernel", "fi_grown", "fi_spread"} <= set(charts)
    assert _title(charts["fi_grid"]).startswith("conv1: filters 0 to 0 of 1")


@pytest.mark.slow
def test_a_run_folder_that_cannot_be_written_keeps_results_in_memory(env) -> None:
    store, ids = env
    run_id = ids["model1"]
    (store.path(run_id) / CACHE_DIR).write_bytes(b"not a folder")
    at = _open(run_id)
    text = texts(at)
    assert "kept in memory" in text and "saved in the run folder" not in text
    assert set(_charts(at)) >= PARTS
    assert (store.path(run_id) / CACHE_DIR).read_bytes() == b"not a folder"
