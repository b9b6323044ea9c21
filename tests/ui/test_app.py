"""Page tests (streamlit.testing): Home, Train (start, finish, stop, bad layer), Runs."""

from __future__ import annotations

import sys

import pytest
from streamlit.testing.v1 import AppTest

from fmnist_viz.models import preset
from fmnist_viz.runs import RunStore
from fmnist_viz.runs.files import history_csv
from fmnist_viz.training import EpochRecord, TrainConfig
from tests.apptest_support import SAMPLE, open_page, texts
from tests.run_support import wait_until, write_stand_in_model


def _app(page: str | None = None) -> AppTest:
    return open_page(page)


def _poll(at: AppTest, store: RunStore, run_id: str, until: set[str], timeout=120) -> None:
    """Wait until the run's status is one of `until`, then rerun like the polling fragment."""
    wait_until(lambda: store.load(run_id).status in until, timeout, f"status in {until}")
    at.run()  # what the polling fragment would draw next


def test_home_shows_dataset_source(env: RunStore) -> None:
    at = _app()
    text = texts(at)
    assert "Dataset from" in text or "Offline sample" in text
    assert str(SAMPLE) in text
    assert "Runs saved" in [m.label for m in at.metric]


def _start_tiny(at: AppTest, epochs: int = 1, subset: int = 300) -> None:
    at.radio(key="train_length").set_value("custom")
    at.number_input(key="train_epochs").set_value(epochs)
    at.number_input(key="train_subset").set_value(subset)
    at.number_input(key="train_seed").set_value(7)
    at.text_input(key="train_name").set_value("tiny test")
    at.button[[b.label for b in at.button].index("Start training")].click().run()
    assert not at.exception, at.exception


@pytest.mark.slow
def test_train_runs_a_job_and_shows_the_result(env: RunStore) -> None:
    at = _app("pages/train.py")
    _start_tiny(at)
    runs = env.list()
    assert len(runs) == 1 and runs[0].name == "tiny test"
    assert runs[0].get("config")["train_limit"] == 300
    run_id = runs[0].id
    assert at.session_state["train_run"] == run_id
    assert any("tiny test" in s.value for s in at.subheader)
    assert "Status: **" in texts(at)
    _poll(at, env, run_id, {"finished", "failed"})
    text = texts(at)
    assert "Finished: test accuracy" in text, text
    assert env.load(run_id).status == "finished"
    assert len(at.get("plotly_chart")) >= 1
    assert at.session_state["active_runs"] == [run_id]  # active since it started: no click
    assert at.query_params["run"] in (run_id, [run_id])  # a link reproduces the view
    at.session_state["active_runs"] = []  # another page made no run active
    at.run()
    at.button(key="panel_activate").click().run()  # acts in its callback
    assert at.session_state["active_runs"] == [run_id]
    assert "This run is the active run" in texts(at)


@pytest.mark.slow
def test_stop_ends_the_job_as_stopped(env: RunStore) -> None:
    at = _app("pages/train.py")
    _start_tiny(at, epochs=40, subset=0)
    run_id = env.list()[0].id
    wait_until(lambda: env.progress(run_id), 90, "the job's first progress")
    at.run()
    assert "Stop" in [b.label for b in at.button]
    at.button[[b.label for b in at.button].index("Stop")].click().run()
    _poll(at, env, run_id, {"stopped"}, timeout=30)
    assert env.load(run_id).status == "stopped"
    assert "Stopped after" in texts(at)


@pytest.mark.slow
def test_the_sidebars_stop_button_stops_the_job_on_its_click(env: RunStore) -> None:
    at = _app("pages/train.py")
    _start_tiny(at, epochs=40, subset=0)
    run_id = env.list()[0].id
    wait_until(lambda: env.progress(run_id), 90, "the job's first progress")
    at.run()
    at.button(key=f"sidebar_stop_{run_id}").click().run()  # acts in its callback
    _poll(at, env, run_id, {"stopped"}, timeout=30)
    assert env.load(run_id).status == "stopped"


def test_ray_asked_for_without_ray_says_so_and_starts_nothing(
    env: RunStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FMNIST_EXECUTOR", "ray")
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray raises ImportError
    at = _app("pages/train.py")
    _start_tiny(at)
    assert [e.value for e in at.error] == [
        "Cannot start: Ray is not installed: pip install ray (or run on the local executor, "
        "the default)"
    ]
    assert env.list() == []


def test_invalid_custom_layer_shows_message_and_starts_nothing(env: RunStore) -> None:
    at = _app("pages/train.py")
    at.radio(key="train_arch").set_value("custom").run()
    uid = at.session_state["editor_layers"][0]["_uid"]  # conv1 of the Model 1 starting point
    at.selectbox(key=f"le_{uid}_padding").set_value("valid")
    at.number_input(key=f"le_{uid}_kernel_size").set_value(28).run()
    text = texts(at)
    assert "larger than the incoming 1x1 map" in text, text
    start = next(b for b in at.button if b.label == "Start training")
    assert start.disabled
    assert "Fix the problems above" in text
    assert env.list() == []


def test_editing_a_preset_copy_keeps_its_layers(env: RunStore) -> None:
    at = _app("pages/train.py")
    at.radio(key="train_arch").set_value("model2").run()
    at.button[[b.label for b in at.button].index("Edit a copy of this model")].click().run()
    assert at.radio(key="train_arch").value == "custom"
    names = [layer["name"] for layer in at.session_state["editor_layers"]]
    assert names == [
        "conv1",
        "pool1",
        "conv2",
        "pool2",
        "dropout1",
        "flatten",
        "dense1",
        "dropout2",
        "output",
    ]
    table = at.dataframe[0].value
    assert int(table["parameters"].sum()) == 814_218


@pytest.mark.slow
def test_runs_page_lists_renames_and_deletes(env: RunStore) -> None:
    info = env.create(preset("model1"), TrainConfig(epochs=1), name="first", arch="model1")
    write_stand_in_model(info.path / "model.keras")
    (info.path / "history.csv").write_text(history_csv([EpochRecord(1, 0.5, 0.8, 0.4, 0.85, 3.0)]))
    env.update(info.id, status="finished", test_accuracy=0.84, best_val_accuracy=0.85)
    (env.root / "broken-run").mkdir()
    (env.root / "broken-run" / "run.json").write_text("{not json")

    at = _app("pages/runs.py")
    table = at.dataframe[0].value
    assert list(table["name"]) == ["first"]
    assert table["test acc"][0] == pytest.approx(0.84)
    damaged = at.dataframe[1].value
    assert list(damaged["folder"]) == ["broken-run"] and "damaged" in damaged["problem"][0]

    at.multiselect(key="runs_pick").set_value([info.id]).run()
    at.text_input(key="rename_to").set_value("renamed").run()
    at.button(key="rename_save").click().run()
    assert env.load(info.id).name == "renamed"
    assert list(at.dataframe[0].value["name"]) == ["renamed"]

    at.multiselect(key="runs_pick").set_value([info.id]).run()
    at.button(key="make_active").click().run()
    assert at.session_state["active_runs"] == [info.id]

    at.button(key="delete_ask").click().run()  # the buttons act in callbacks: no click lost
    assert info.path.exists()  # nothing deleted before the confirmation
    at.button(key="delete_cancel").click().run()
    assert info.path.exists() and not [b for b in at.button if b.key == "delete_confirm"]
    at.button(key="delete_ask").click().run()
    at.button(key="delete_confirm").click().run()
    assert not info.path.exists()
    assert at.session_state["active_runs"] == []
    assert not at.exception


def test_editor_shows_each_error_on_its_own_row() -> None:
    from fmnist_viz.models import check_spec
    from ui.widgets.layer_editor import row_problems

    layers = [
        {"type": "conv2d", "name": "a"},
        {"type": "dense", "name": "a", "units": 8},  # a Flatten is inserted before it
        {"type": "dropout", "rate": 3},
        {"type": "dense", "units": 10, "activation": "softmax"},
        *[{"type": "dropout", "rate": 0.1} for _ in range(40)],  # too many layers, last not Dense
    ]
    by_row, general = row_problems(check_spec({"layers": layers}), len(layers))
    assert "used twice" in by_row[1][0]
    assert by_row[2][0].startswith("Layer 3 (dropout1)")
    assert general == ["The model has 45 layers; the limit is 40"]
