"""Page tests (streamlit.testing) of the Lesson: every step with a trained run and with none,
?step= and ?present=1, Back / Next, and the quick demo it offers."""

from __future__ import annotations

import base64
import json
import sys
import types

import numpy as np
import pytest
from PIL import Image

from fmnist_viz.data import convert_upload
from fmnist_viz.figures.projector import BASE_FONT
from fmnist_viz.jobs.worker import execute_run
from fmnist_viz.models import preset
from fmnist_viz.runs import RunStore
from fmnist_viz.teaching import STEPS
from tests.apptest_support import SAMPLE, app_env, open_page, texts
from tests.image_support import encode
from tests.run_support import TINY, wait_until
from tests.ui.test_drawing import MODULE, FakeCanvas, strokes
from ui.views.lesson import inside, run_choice
from ui.widgets import drawing

FIGURES = {
    "data": "lesson_fig_data",
    "kernel": "lesson_fig_kernel",
    "feature_maps": "lesson_fig_maps",
    "relu": "lesson_fig_relu",
    "pooling": "lesson_fig_pool",
    "dropout": "lesson_fig_dropout",
    "fitting": "lesson_fig_fitting",
    "verdict": "lesson_fig_verdict",
}


@pytest.fixture
def trained(tiny_runs, monkeypatch):
    store, ids = tiny_runs
    with app_env(monkeypatch, store.root):
        yield store, ids


@pytest.fixture
def empty(tmp_path, monkeypatch):
    with app_env(monkeypatch, tmp_path / "runs"):
        yield RunStore(tmp_path / "runs")


def _charts(at) -> dict[str, dict]:
    return {c.proto.id.rsplit("-", 1)[-1]: json.loads(c.proto.spec) for c in at.get("plotly_chart")}


def _lesson(**query: str):
    return open_page("pages/lesson.py", **query)


@pytest.mark.parametrize("number", range(1, len(STEPS) + 1))
def test_every_step_renders_for_a_trained_run(trained, number: int) -> None:
    _, ids = trained
    at = _lesson(step=str(number), run=ids["model2"])
    step = STEPS[number - 1]
    assert at.subheader[0].value == f"{number}. {step.title}"
    assert set(_charts(at)) == {FIGURES[step.key]}  # one figure per step
    shown = texts(at)
    for sentence in step.sentences:
        assert sentence in shown
    assert at.query_params["step"] == str(number)
    assert not at.error


@pytest.mark.parametrize("number", range(1, len(STEPS) + 1))
def test_every_step_renders_with_no_run(empty, number: int) -> None:
    at = _lesson(step=str(number))
    step = STEPS[number - 1]
    assert at.subheader[0].value == f"{number}. {step.title}"
    demo = [b for b in at.button if b.key == "lesson_demo"]
    if step.needs_run:
        assert demo and not _charts(at)
        assert "there is none yet" in texts(at)
    else:
        assert not demo and set(_charts(at)) == {FIGURES[step.key]}


def test_kernel_step_writes_the_multiply_and_add_of_the_model(trained) -> None:
    _, ids = trained
    at = _lesson(step="2", run=ids["model1"])
    equation = next(m.value for m in at.markdown if "(bias)" in m.value)
    assert equation.count("×") == 9 or "over the edge" in texts(at)  # a 3×3 kernel
    at.slider(key="lesson_conv_row").set_value(0).run()
    at.slider(key="lesson_conv_col").set_value(0).run()
    equation = next(m.value for m in at.markdown if "(bias)" in m.value)
    assert equation.count("×") == 4  # the corner: only 2×2 of the window is on the image
    title = _charts(at)["lesson_fig_kernel"]["layout"]["title"]["text"]
    assert "row 0, column 0" in title


def test_next_and_back_move_the_step_and_the_url(trained) -> None:
    _, ids = trained
    at = _lesson(step="3", run=ids["model2"])
    at.button(key="lesson_next").click().run()
    assert at.subheader[0].value.startswith("4. ")
    assert at.query_params["step"] == "4"
    at.button(key="lesson_back").click().run()
    at.button(key="lesson_back").click().run()
    assert at.subheader[0].value.startswith("2. ")
    assert at.query_params["step"] == "2"


def test_a_bad_step_in_the_url_opens_the_first(empty) -> None:
    at = _lesson(step="12")
    assert at.subheader[0].value.startswith("1. ")
    assert at.button(key="lesson_back").disabled


def test_presenter_display_restyles_the_lesson(trained) -> None:
    _, ids = trained
    plain = _charts(_lesson(step="2", run=ids["model2"]))["lesson_fig_kernel"]
    at = _lesson(step="2", run=ids["model2"], present="1")
    big = _charts(at)["lesson_fig_kernel"]
    assert big["layout"]["font"]["size"] == BASE_FONT
    assert plain["layout"].get("font", {}).get("size") != BASE_FONT
    assert big["layout"]["height"] > plain["layout"]["height"]
    assert not at.expander[0].proto.expanded  # the run and image settings start collapsed


def test_the_quick_demo_trains_and_the_lesson_shows_it(empty) -> None:
    at = _lesson(step="3")
    at.button(key="lesson_demo").click().run()
    runs = empty.list()
    assert [r.name for r in runs] == [run_choice.DEMO_NAME]
    assert runs[0].meta["config"]["epochs"] == 3
    wait_until(lambda: empty.load(runs[0].id).status == "finished", 120, "the quick demo")
    at.run()
    assert "lesson_fig_maps" in _charts(at)


@pytest.fixture
def canvas(monkeypatch) -> FakeCanvas:
    """The canvas component replaced by a FakeCanvas (as in test_drawing)."""
    fake = FakeCanvas()
    module = types.ModuleType(MODULE)
    module.st_canvas = fake
    monkeypatch.setitem(sys.modules, MODULE, module)
    return fake


def test_the_class_draws_its_own_input(trained, canvas) -> None:
    _, ids = trained
    at = _lesson(step="2", run=ids["model2"])
    at.radio(key="lesson_source").set_value("draw").run()
    assert drawing.HINT in texts(at) and not _charts(at)  # an empty canvas: nothing to show
    canvas.draw(strokes())
    at.run()
    assert not at.exception, at.exception
    shown = _z(_charts(at)["lesson_fig_kernel"], 0)
    expected = convert_upload(encode(Image.fromarray(strokes()))).array
    np.testing.assert_allclose(shown, expected, atol=1e-6)  # the drawing is the model's input


def test_the_lesson_without_the_canvas_component(trained, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, MODULE, None)  # `import` raises ImportError
    _, ids = trained
    at = _lesson(step="2", run=ids["model2"])
    at.radio(key="lesson_source").set_value("draw").run()
    assert not at.exception and "Drawing needs the canvas component" in texts(at)
    at.radio(key="lesson_source").set_value("test").run()
    assert "lesson_fig_kernel" in _charts(at)


# ---------------------------------------------------------------- custom models and run states

ODD = {  # one tanh filter, stride 2, no padding; pooling with 'same' padding over 3×3
    "name": "odd",
    "layers": [
        {"type": "conv2d", "name": "c1", "filters": 1, "kernel_size": 3, "strides": 2,
         "padding": "valid", "activation": "tanh"},
        {"type": "maxpool2d", "name": "p1", "pool_size": 3, "padding": "same"},
        {"type": "dropout", "name": "d1", "rate": 0.2},
        {"type": "flatten", "name": "flat"},
        {"type": "dense", "name": "out", "units": 10, "activation": "softmax"},
    ],
}  # fmt: skip
NORM_FIRST = {
    "name": "norm_first",
    "layers": [
        {"type": "batchnorm", "name": "bn"},
        {"type": "conv2d", "name": "c1", "filters": 4},
        {"type": "avgpool2d", "name": "p1"},
        {"type": "dropout", "name": "d1", "rate": 0.3},
        {"type": "flatten", "name": "flat"},
        {"type": "dense", "name": "out", "units": 10, "activation": "softmax"},
    ],
}


@pytest.fixture(scope="module")
def custom_store(tmp_path_factory) -> tuple[RunStore, dict[str, str]]:
    """Tiny runs of two custom models that the presets' paths do not cover."""
    store = RunStore(tmp_path_factory.mktemp("custom-runs"))
    ids = {}
    for spec in (ODD, NORM_FIRST):
        info = store.create(spec, TINY, name=spec["name"], arch="custom")
        execute_run(store, info.id, data_dir=str(SAMPLE))
        ids[spec["name"]] = info.id
    return store, ids


@pytest.fixture
def custom(custom_store, monkeypatch):
    store, ids = custom_store
    with app_env(monkeypatch, store.root):
        yield store, ids


def _z(figure: dict, trace: int) -> np.ndarray:
    z = figure["data"][trace]["z"]
    if isinstance(z, dict):  # Plotly's typed-array form
        shape = [int(n) for n in str(z["shape"]).split(",")]
        return np.frombuffer(base64.b64decode(z["bdata"]), z["dtype"]).reshape(shape)
    return np.asarray(z, dtype=float)


def _equation(at) -> str:
    return next(m.value for m in at.markdown if "(bias)" in m.value or ") = " in m.value)


def test_a_one_filter_tanh_model_with_strides_is_written_out(custom) -> None:
    _, ids = custom
    at = _lesson(step="2", run=ids["odd"])
    assert not at.exception and not at.error
    assert inside.FILTER_KEY not in [s.key for s in at.slider]  # one filter: no slider
    figure = _charts(at)["lesson_fig_kernel"]
    feature_map = _z(figure, 3)
    assert feature_map.shape == (13, 13)  # (28 − 3) // 2 + 1
    row = at.slider(key="lesson_conv_row").value
    col = at.slider(key="lesson_conv_col").value
    value = float(_equation(at).rsplit("→ tanh → ", 1)[1].strip("`"))
    assert value == pytest.approx(float(feature_map[row, col]), abs=1e-3)
    at = _lesson(step="5", run=ids["odd"])
    assert "lesson_fig_pool" in _charts(at) and not at.error
    block = _z(_charts(at)["lesson_fig_pool"], 1)
    assert block.shape == (3, 3)


def test_a_model_starting_with_batch_norm_keeps_pooling_and_dropout(custom) -> None:
    _, ids = custom
    for number in (2, 3, 4):
        at = _lesson(step=str(number), run=ids["norm_first"])
        assert not at.exception and not _charts(at)
        assert "does not start with a convolution layer" in texts(at)
    at = _lesson(step="5", run=ids["norm_first"])
    assert "lesson_fig_pool" in _charts(at)
    assert _equation(at).startswith("`mean(")  # average pooling
    assert any(s.label == "Channel of c1" for s in at.slider)
    at = _lesson(step="6", run=ids["norm_first"])
    assert "lesson_fig_dropout" in _charts(at)


def test_the_equation_is_the_outlined_feature_map_value(trained) -> None:
    _, ids = trained
    at = _lesson(step="2", run=ids["model1"])
    figure = _charts(at)["lesson_fig_kernel"]
    row = at.slider(key="lesson_conv_row").value
    col = at.slider(key="lesson_conv_col").value
    value = float(_equation(at).rsplit("→ relu → ", 1)[1].strip("`"))
    assert value == pytest.approx(float(_z(figure, 3)[row, col]), abs=1e-3)
    cell = figure["layout"]["shapes"][-1]
    assert (cell["x0"], cell["y0"]) == (col - 0.5, row - 0.5)


def test_the_followed_filter_is_kept_from_step_to_step(trained) -> None:
    _, ids = trained
    at = _lesson(step="2", run=ids["model2"])
    at.slider(key=inside.FILTER_KEY).set_value(5).run()
    at.button(key="lesson_next").click().run()  # step 3 has no filter slider
    at.button(key="lesson_next").click().run()
    assert at.subheader[0].value.startswith("4. ")
    assert at.slider(key=inside.FILTER_KEY).value == 5
    title = _charts(at)["lesson_fig_relu"]["layout"]["title"]["text"]
    assert title.startswith("ReLU on channel 5")


def test_a_queued_run_is_waited_for(empty) -> None:
    info = empty.create(preset("model1"), TINY, name="waiting", arch="model1")
    at = _lesson(step="3", run=info.id)
    assert "**waiting** is queued" in texts(at)
    assert not _charts(at) and not [b for b in at.button if b.key == "lesson_demo"]


def test_a_failed_run_says_why_and_offers_the_demo_again(empty) -> None:
    info = empty.create(preset("model1"), TINY, name="broken", arch="model1")
    empty.update(info.id, status="failed", error="out of memory")
    at = _lesson(step="3", run=info.id)
    assert "The run **broken** failed: out of memory" in texts(at)
    assert [b for b in at.button if b.key == "lesson_demo"]
