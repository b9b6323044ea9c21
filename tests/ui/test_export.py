"""The Train page's export (Keras code, spec JSON) and import of an architecture, and the Runs
page's zip of a run, driven through streamlit.testing."""

from __future__ import annotations

import json

import pytest
from streamlit.runtime.memory_media_file_storage import _calculate_file_id

from fmnist_viz.models import preset, spec_json
from fmnist_viz.runs import RunStore, run_zip
from fmnist_viz.training import TrainConfig, keras_code
from tests.apptest_support import open_page, texts
from tests.run_support import FIXTURE, add_run

CUSTOM = {
    "name": "pupil net",
    "layers": [
        {"type": "conv2d", "filters": 6, "kernel_size": 5},
        {"type": "batchnorm"},
        {"type": "avgpool2d"},
        {"type": "dense", "units": 10, "activation": "softmax"},
    ],
}


def _download(at, key: str):
    return next(b for b in at.get("download_button") if b.proto.id.endswith(key))


def test_train_page_offers_the_presets_code_and_spec(env: RunStore) -> None:
    at = open_page("pages/train.py")
    at.radio(key="train_arch").set_value("model2").run()
    py, js = _download(at, "spec_dl_py"), _download(at, "spec_dl_json")
    assert py.proto.label == "Keras code (.py)" and js.proto.label == "Spec (.json)"
    # the files are served by URL, named by a hash of their bytes: compare that
    code = keras_code(preset("model2")).encode()
    assert py.proto.url.endswith(_calculate_file_id(code, "text/x-python", "model2.py") + ".py")
    spec = spec_json(preset("model2")).encode()
    json_id = _calculate_file_id(spec, "application/json", "model2.json")
    assert js.proto.url.endswith(json_id + ".json")


def test_importing_a_spec_fills_the_editor(env: RunStore) -> None:
    at = open_page("pages/train.py")
    upload = ("pupil.json", json.dumps(CUSTOM).encode(), "application/json")
    at.file_uploader(key="spec_upload").set_value(upload).run()
    assert not at.exception, at.exception
    assert at.radio(key="train_arch").value == "custom"
    layers = at.session_state["editor_layers"]
    assert [layer["type"] for layer in layers] == ["conv2d", "batchnorm", "avgpool2d", "dense"]
    assert layers[0]["filters"] == 6
    assert "Loaded pupil.json: 4 layers." in texts(at)


@pytest.mark.slow
def test_a_bad_spec_file_gets_the_validators_reason(env: RunStore) -> None:
    at = open_page("pages/train.py")
    bad = {"layers": [{"type": "conv2d", "filters": 0}]}
    upload = ("bad.json", json.dumps(bad).encode(), "application/json")
    at.file_uploader(key="spec_upload").set_value(upload).run()
    errors = [e.value for e in at.error]
    assert any(e.startswith("Layer 1 (conv1): filters must be between 1 and") for e in errors)
    assert at.radio(key="train_arch").value == "model1"  # nothing changed
    at.file_uploader(key="spec_upload").set_value(("x.json", b"{oops", "application/json")).run()
    assert any("Cannot read x.json: not valid JSON" in e.value for e in at.error)


def test_runs_page_zips_the_selected_run(env: RunStore) -> None:
    config = TrainConfig(epochs=3, seed=1)
    run_id = add_run(env, "a1", preset("model1"), config, FIXTURE["a1"][4], "finished")
    at = open_page("pages/runs.py")
    at.multiselect(key="runs_pick").set_value([run_id]).run()
    button = _download(at, "run_zip")
    expected = _calculate_file_id(run_zip(env, run_id), "application/zip", f"{run_id}.zip")
    assert button.proto.url.endswith(expected + ".zip")
    assert button.proto.label.startswith("Download a1 (.zip")
