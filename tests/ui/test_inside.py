"""Page tests (streamlit.testing) for Feature maps, Kernels, ReLU and Dropout on real tiny runs.

Two runs are trained once per session on the bundled sample (Model 2 and Model 1, two epochs on
300 images): real weights, snapshots and predictions, in a few seconds.
"""

from __future__ import annotations

import functools
import io
import json
import re

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from fmnist_viz.data import ImageError, load_fashion_mnist
from fmnist_viz.inside import Prober, zero_shares
from fmnist_viz.jobs import JobManager
from fmnist_viz.models import build_model, normalize, preset
from fmnist_viz.runs import RunStore
from fmnist_viz.training import TrainConfig
from tests.apptest_support import APP, SAMPLE, app_env, open_page, texts
from tests.arch_support import TINY_SPEC
from tests.job_support import ScriptedExecutor
from tests.run_support import TINY, running_copy
from ui.core import resources
from ui.live import fragment
from ui.widgets import image_picker


@functools.cache
def sample_test_set() -> tuple[np.ndarray, np.ndarray]:
    """The bundled sample's test images (uint8) and labels, as the app loads them."""
    data = load_fashion_mnist(str(SAMPLE))
    return data.x_test, data.y_test


@pytest.fixture
def env(tiny_runs, monkeypatch: pytest.MonkeyPatch) -> tuple[RunStore, dict[str, str]]:
    """The tiny runs' store and the sample data; caches cleared so the app picks them up."""
    store, _ = tiny_runs
    with app_env(monkeypatch, store.root):
        yield tiny_runs


def _open(page: str, run_id: str | None = None, img: int | None = 0) -> AppTest:
    query = {"run": run_id} if run_id else {}
    if img is not None:
        query["img"] = str(img)
    return open_page(f"pages/{page}", **query)


def _charts(node) -> dict[str, dict]:
    """Plotly figures under a node, by the chart's key."""
    out = {}
    for chart in node.get("plotly_chart"):
        key = chart.proto.id.rsplit("-", 1)[-1]
        out[key] = json.loads(chart.proto.spec)
    return out


def _states_slider(at: AppTest):
    """The live views' slider over the saved states (its key changes as states arrive)."""
    return next(s for s in at.select_slider if s.label == fragment.SLIDER_LABEL)


def _title(figure: dict) -> str:
    return figure["layout"]["title"]["text"]


def _layers_before_flatten(store: RunStore, run_id: str) -> list[dict]:
    layers = normalize(store.load(run_id).meta["spec"])["layers"]
    return layers[: [lay["type"] for lay in layers].index("flatten")]


def _png() -> bytes:
    """A 60x40 picture: a dark T-shirt-like shape on a light background."""
    pixels = np.full((60, 40), 235, dtype=np.uint8)
    pixels[10:50, 12:28] = 30  # body
    pixels[10:22, 4:36] = 30  # sleeves
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="PNG")
    return buf.getvalue()


# ---------------------------------------------------------------- shared pieces


@pytest.mark.slow
def test_an_empty_store_says_where_to_get_a_run(tmp_path, monkeypatch) -> None:
    with app_env(monkeypatch, tmp_path / "runs"):
        for page in ("feature_maps.py", "kernels.py", "relu.py", "dropout.py", "evaluate.py"):
            at = _open(page)
            assert "No run to show yet: train one" in texts(at)
            links = {link.proto.page for link in at.get("page_link")}
            assert {"runs", "train"} <= links, links
            assert not at.get("plotly_chart")


def test_a_page_opened_while_ones_job_waits_says_so_and_follows_it(tmp_path, monkeypatch) -> None:
    """A student opens Feature maps while their first job is still queued: the page says it
    will show the job (not "train one"), polls, and shows it once it runs."""
    executor = ScriptedExecutor(slots=0)  # nothing starts until the test says so
    monkeypatch.setattr(resources, "JobManager", functools.partial(JobManager, executor=executor))
    with app_env(monkeypatch, tmp_path / "runs"):
        jm = resources.job_manager()
        run_id = jm.submit("me", TINY_SPEC, TrainConfig(epochs=1, train_limit=256), name="mine")
        at = AppTest.from_file(APP, default_timeout=60)
        at.session_state["owner"] = "me"
        at.run()
        at.switch_page("pages/feature_maps.py").run()
        assert "mine is queued: this page shows it as soon as it starts" in texts(at)
        assert "No run to show yet" not in texts(at)
        assert not [s for s in at.selectbox if s.key == "run_choice"]
        jm.store.update(run_id, status="running")  # the worker took it
        at.run()  # what the polling fragment asks for once there is a run to show
        assert at.selectbox(key="run_choice").value == run_id
        assert "queued: this page shows it" not in texts(at)


@pytest.mark.slow
@pytest.mark.parametrize("page", ["feature_maps.py", "kernels.py", "relu.py", "dropout.py"])
def test_with_no_choice_the_newest_finished_run_is_shown(env, page: str) -> None:
    _, ids = env
    at = _open(page)  # no ?run=, nothing chosen: no click needed
    assert at.selectbox(key="run_choice").value == ids["model1"]  # trained last
    assert at.get("plotly_chart"), page
    assert "finished, test acc" in at.selectbox(key="run_choice").format_func(ids["model1"])


@pytest.mark.slow
def test_unusable_model_gives_a_message_not_a_traceback(env) -> None:
    store, _ = env
    info = store.create(preset("model1"), TINY, name="broken model", arch="model1")
    store.update(info.id, status="stopped")  # stopped before its first epoch: no model
    try:
        at = _open("feature_maps.py", info.id)
        assert at.selectbox(key="run_choice").value == info.id
        assert "has no saved model yet" in texts(at)
        (info.path / "model.keras").write_bytes(b"not a keras archive")
        at = _open("kernels.py", info.id)
        text = texts(at)
        assert f"Run {info.id} cannot be shown: model.keras is damaged" in text, text
        assert not at.exception
    finally:
        store.delete(info.id)


def test_read_upload_converts_a_png_and_rejects_bad_bytes() -> None:
    record = image_picker.read_upload("shirt.png", _png())
    image = record["image"]
    assert image.shape == (28, 28) and image.dtype == np.float32
    assert image.max() == pytest.approx(1.0) and image[0, 0] == 0.0  # light shirt on black
    assert any("Inverted" in step for step in record["steps"])
    assert record["thumb"].size == (40, 60)
    with pytest.raises(ImageError, match="not a picture we can read"):
        image_picker.read_upload("broken.png", b"definitely not a picture")


@pytest.mark.slow
def test_picker_upload_path_and_bad_file(env) -> None:
    _, ids = env
    at = _open("feature_maps.py", ids["model2"])
    at.radio(key="picker_mode").set_value("upload").run()
    assert "img" not in at.query_params  # not a test image: no number in the link
    at.file_uploader(key="picker_upload").set_value(("shirt.png", _png(), "image/png")).run()
    assert not at.exception, at.exception
    kept = at.session_state["picker_uploaded"]
    assert kept["name"] == "shirt.png" and kept["image"].shape == (28, 28)
    assert "Inverted it" in texts(at)  # the conversion steps are listed
    charts = _charts(at)
    assert "true" not in _title(charts["prediction_bars"])  # no label for an upload
    assert len([k for k in charts if k.startswith("fm_grid_")]) == 5

    at.file_uploader(key="picker_upload").set_value(("broken.png", b"garbage", "image/png")).run()
    assert not at.exception
    assert any("not a picture we can read" in e.value for e in at.error)
    assert "Still showing your previous picture, shirt.png." in texts(at)


@pytest.mark.slow
def test_picker_random_class_is_stable_until_rerolled(env) -> None:
    _, ids = env
    at = _open("relu.py", ids["model2"])
    at.radio(key="picker_mode").set_value("random").run()
    at.selectbox(key="picker_class").set_value(3).run()
    first = int(at.query_params["img"])
    labels = sample_test_set()[1]
    assert labels[first] == 3
    at.run()
    assert int(at.query_params["img"]) == first  # a rerun keeps the same image
    seen = set()
    for _ in range(4):
        at.button(key="picker_reroll").click().run()
        seen.add(int(at.query_params["img"]))
    assert seen - {first} and all(labels[i] == 3 for i in seen)


@pytest.mark.slow
def test_picker_follows_an_img_link_from_another_page(env) -> None:
    _, ids = env
    at = _open("kernels.py", ids["model2"])
    at.switch_page("pages/feature_maps.py").run()
    at.radio(key="picker_mode").set_value("random").run()
    chosen = at.query_params["img"]
    at.run()
    assert at.query_params["img"] == chosen and at.radio(key="picker_mode").value == "random"
    other = "7" if chosen != "7" else "8"
    at.query_params["img"] = other  # e.g. Evaluate's "Open in Feature maps"
    at.run()
    assert at.radio(key="picker_mode").value == "index"
    assert at.number_input(key="picker_index").value == int(other)
    assert _title(_charts(at)["fm_input"]) == f"Input: test image #{other}"


@pytest.mark.slow
def test_picker_wrong_ones_are_misclassified(env) -> None:
    store, ids = env
    at = _open("feature_maps.py", ids["model2"])
    at.radio(key="picker_mode").set_value("wrong").run()
    probs, labels = store.predictions(ids["model2"])
    options = [int(o.split(":")[0].lstrip("#")) for o in at.selectbox(key="picker_wrong").options]
    assert options and all(probs[i].argmax() != labels[i] for i in options)
    index = int(at.query_params["img"])
    assert probs[index].argmax() != labels[index]
    assert "(wrong)" in _title(_charts(at)["prediction_bars"])


# ---------------------------------------------------------------- feature maps


@pytest.mark.slow
def test_feature_maps_overview_has_every_conv_and_pool_layer(env) -> None:
    store, ids = env
    at = _open("feature_maps.py", ids["model2"], img=5)
    assert at.number_input(key="picker_index").value == 5  # the link chose the image
    layers = _layers_before_flatten(store, ids["model2"])
    overview = _charts(at.tabs[0])
    assert [k.removeprefix("fm_grid_") for k in overview] == [lay["name"] for lay in layers]
    titles = " ".join(_title(f) for f in overview.values())
    for name in ("conv1", "pool1", "conv2", "pool2"):
        assert name in titles
    assert "28×28×32" in titles and "7×7×64" in titles
    conv_pool = [lay["name"] for lay in layers if lay["type"] in ("conv2d", "maxpool2d")]
    assert len([k for k in overview if k.removeprefix("fm_grid_") in conv_pool]) == 4
    assert "true: " in _title(_charts(at)["prediction_bars"])


@pytest.mark.slow
def test_feature_maps_detail_and_side_by_side(env) -> None:
    _, ids = env
    at = _open("feature_maps.py", ids["model2"])
    at.selectbox(key="fm_layer").set_value("conv2").run()
    at.number_input(key="fm_channel").set_value(5).run()
    assert _title(_charts(at)["fm_detail"]).startswith("conv2 · channel 5 of 64")

    at.selectbox(key="fm_side_layer_a").set_value("pool2").run()
    charts = _charts(at.tabs[2])
    assert "pool2" in _title(charts["fm_side_a"])
    assert {"fm_side_b", "fm_pred_a", "fm_pred_b"} <= set(charts)
    assert at.selectbox(key="fm_other").value == ids["model1"]

    at.radio(key="fm_compare").set_value("this run at two saved states").run()
    assert at.select_slider(key="fm_states").value == (0, 10)  # the first and the last state
    assert "**Initial** (random start)" in texts(at) and "**Epoch 2**" in texts(at)
    charts = _charts(at.tabs[2])
    first, last = _title(charts["fm_state_a"]), _title(charts["fm_state_b"])
    assert first.startswith("conv1 · 28×28×32") and last.startswith("conv1 · 28×28×32")
    assert first != last  # other weights, other value range
    at.selectbox(key="fm_state_layer").set_value("pool2").run()
    assert _title(_charts(at.tabs[2])["fm_state_b"]).startswith("pool2 · 7×7×64")


# ---------------------------------------------------------------- kernels


@pytest.mark.slow
def test_kernels_every_conv_layer_and_one_slider_step_per_state(env) -> None:
    store, ids = env
    run_id = ids["model2"]
    at = _open("kernels.py", run_id)
    charts = _charts(at)
    assert {"k_kernels_conv1", "k_hist_conv1", "k_bias_conv1", "k_grid_conv2"} <= set(charts)
    assert "32 filters of 3×3" in _title(charts["k_kernels_conv1"])
    heatmap = charts["k_kernels_conv1"]["data"][0]
    assert heatmap["zmid"] == 0 and heatmap["zmin"] == -heatmap["zmax"]
    assert "texttemplate" in heatmap  # 3x3 values are written in the cells

    states = store.states(run_id)
    slider = _states_slider(at)
    assert len(slider.options) == len(states) + 1  # every state, then the kept weights
    assert f"final (best epoch {store.load(run_id).get('best_epoch')})" in texts(at)  # badge
    limit = max(np.abs(store.state(s)["conv1/kernel"]).max() for s in states)
    at.checkbox(key="k_fixed").uncheck().run()
    for state in states:
        _states_slider(at).set_value(state.step).run()
        kernel = store.state(state)["conv1/kernel"]
        title = _title(_charts(at)["k_kernels_conv1"])
        assert f"±{np.abs(kernel).max():.3g}" in title, (state.label, title)
    at.checkbox(key="k_fixed").check().run()
    for state in (states[0], states[-1]):  # one colour range for every state
        _states_slider(at).set_value(state.step).run()
        assert f"±{limit:.3g}" in _title(_charts(at)["k_kernels_conv1"])

    at.radio(key="k_view_conv2").set_value("slices").run()
    at.number_input(key="k_filter_conv2").set_value(7).run()
    assert _title(_charts(at)["k_slices_conv2"]).startswith("Filter 7: 32 input slices of 2×2")


# ---------------------------------------------------------------- relu


@pytest.mark.slow
def test_relu_pairs_and_zero_shares_match_the_model(env) -> None:
    store, ids = env
    run_id = ids["model2"]
    at = _open("relu.py", run_id, img=3)
    charts = _charts(at)
    assert {"relu_conv1", "relu_conv2", "relu_shares"} <= set(charts)
    prober = Prober(store.load_model(run_id))
    image = sample_test_set()[0][3].astype(np.float32) / 255
    shares = zero_shares(prober.layer_outputs(image))
    values = {m.label: m.value for m in at.metric}
    assert values["Zeroed, this image"] == f"{shares['conv2']:.1%}"  # the last layer's metric
    assert "Zeroed, average of 256 test images" in values
    assert "dead filter" in texts(at).lower()
    at.slider(key="relu_channel_conv1").set_value(4).run()
    assert _title(_charts(at)["relu_conv1"]).startswith("ReLU on channel 4:")


# ---------------------------------------------------------------- dropout


@pytest.mark.slow
def test_dropout_scale_mc_spread_and_study_table(env) -> None:
    _, ids = env
    at = _open("dropout.py", ids["model2"])
    text = texts(at)
    assert "1/(1−0.3) = **1.4286**" in text
    assert text.count("kept units = 1.4286") == 2  # measured on both dropout layers
    assert {"dropout_dropout1", "dropout_dropout2", "mc_bars"} <= set(_charts(at))
    spread = float(re.search(r"largest spread is ([0-9.]+)", text).group(1))
    assert spread > 0

    mask_before = _charts(at)["dropout_dropout1"]["data"][3]["z"]
    at.number_input(key="dropout_seed").set_value(1).run()
    assert _charts(at)["dropout_dropout1"]["data"][3]["z"] != mask_before
    at.number_input(key="dropout_seed").set_value(0).run()
    assert _charts(at)["dropout_dropout1"]["data"][3]["z"] == mask_before  # reproducible

    (frame,) = at.dataframe
    table = frame.value
    assert set(table["model"]) == {"Model 1", "Model 2"}
    assert "after pool2 (0.3), after dense1 (0.3)" in set(table["dropout"])
    assert np.isfinite(table["train − val gap"]).all()


def test_dropout_page_without_dropout_suggests_model2(env) -> None:
    store, _ = env
    spec = preset("model1")
    spec["layers"] = [lay for lay in spec["layers"] if lay["type"] != "dropout"]
    info = store.create(spec, TINY, name="no dropout", arch="custom")
    try:
        build_model(spec).save(info.path / "model.keras")
        store.update(info.id, status="stopped")
        at = _open("dropout.py", info.id)
        assert "This model has no dropout layer" in texts(at)
        assert "Model 2" in texts(at)
        assert not _charts(at)
    finally:
        store.delete(info.id)


# ---------------------------------------------------------------- live views


@pytest.fixture
def running(env):
    """A copy of the tiny Model 2 run made to look still running (by this process): states up
    to the end of epoch 1, live.npz holding epoch 1's weights."""
    store, ids = env
    with running_copy(store, ids["model2"], store.root, "20990101-000000-live-run-0001") as rid:
        yield store, rid


def test_a_running_run_is_shown_as_it_is_now(running) -> None:
    from fmnist_viz.inside import model_at
    from fmnist_viz.runs import read_state

    store, run_id = running
    at = _open("feature_maps.py", run_id, img=2)
    assert "epoch 1.00 of 2 · training" in texts(at)  # the badge
    slider = _states_slider(at)
    assert slider.value == -1 and len(slider.options) == 5  # 4 states so far, then "now"
    assert at.selectbox(key="run_choice").format_func(run_id) == "live run · training"
    assert "Showing **live run**: training, epoch 2.0 of 2" in texts(at)  # from its progress
    image = sample_test_set()[0][2].astype(np.float32) / 255
    spec = store.load(run_id).meta["spec"]
    with model_at(spec, read_state(store.path(run_id) / "live.npz")) as prober:
        expected = prober.predict(image)
    title = _title(_charts(at)["prediction_bars"])
    top = int(np.argmax(expected))
    assert f"({expected[top]:.1%})" in title  # the live weights' prediction, not the final one


@pytest.mark.slow
def test_playback_shows_a_mid_epoch_state_without_a_prediction(running) -> None:
    _, run_id = running
    at = _open("feature_maps.py", run_id, img=2)
    _states_slider(at).set_value(2).run()
    assert "epoch 0.40 of 2" in texts(at) and "keeps the convolution weights only" in texts(at)
    charts = _charts(at)
    assert "prediction_bars" not in charts
    assert {f"fm_grid_{n}" for n in ("conv1", "pool1", "conv2", "pool2")} <= set(charts)


def test_a_run_that_just_started_says_its_first_state_is_coming(env) -> None:
    store, ids = env
    with running_copy(store, ids["model1"], store.root, "20990101-000000-started-0000") as rid:
        for path in (store.path(rid) / "states").glob("*.npz"):
            path.unlink()  # started a moment ago: nothing saved yet
        (store.path(rid) / "live.npz").unlink()
        (store.path(rid) / "model.keras").unlink()
        at = _open("feature_maps.py", rid)
        text = texts(at)
        assert "The first state is saved as training starts" in text
        assert "has no saved model yet" not in text and not at.exception
