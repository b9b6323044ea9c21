"""Page tests (streamlit.testing) for Attribution on the tiny trained runs: the four maps are the
engine's for the chosen image, class and settings; two runs side by side; a live run; a saved
state without the dense weights; a model without conv layers; a model whose gradients are 0."""

from __future__ import annotations

import base64
import functools
import io
import json

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from fmnist_viz.data import load_fashion_mnist
from fmnist_viz.inside import Prober
from fmnist_viz.models import build_model, preset
from fmnist_viz.runs import RunStore
from fmnist_viz.seeing import attribution as attr
from tests.apptest_support import SAMPLE, app_env, open_page, texts
from tests.run_support import TINY, running_copy
from ui.live import fragment
from ui.widgets import image_picker

PAGE = "pages/attribution.py"


@functools.cache
def _test_image(index: int) -> np.ndarray:
    """A test image of the bundled sample as the app scales it."""
    return load_fashion_mnist(str(SAMPLE)).x_test[index].astype(np.float32) / 255


@pytest.fixture
def env(tiny_runs, monkeypatch: pytest.MonkeyPatch) -> tuple[RunStore, dict[str, str]]:
    """The tiny runs' store and the sample data; caches cleared so the app picks them up."""
    store, _ = tiny_runs
    with app_env(monkeypatch, store.root):
        yield tiny_runs


def _open(run_id: str, img: int = 0) -> AppTest:
    return open_page(PAGE, run=run_id, img=str(img))


def _charts(node) -> dict[str, dict]:
    """Plotly figures under a node, by the chart's key."""
    return {
        c.proto.id.rsplit("-", 1)[-1]: json.loads(c.proto.spec) for c in node.get("plotly_chart")
    }


def _array(value) -> np.ndarray:
    """A figure JSON's array: a plain list, or Plotly's typed array (dtype, base64 bytes)."""
    if isinstance(value, dict):
        flat = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        shape = value.get("shape")
        if isinstance(shape, str):
            shape = [int(n) for n in shape.split(",")]
        return flat.reshape(shape).astype(np.float32) if shape else flat.astype(np.float32)
    return np.asarray(value, dtype=np.float32)


def _maps(figure: dict) -> list[np.ndarray]:
    """The overlay maps of a figure (every second trace is the gray image)."""
    return [_array(t["z"]) for t in figure["data"][1::2]]


def _titles(figure: dict) -> list[str]:
    return [a["text"] for a in figure["layout"].get("annotations", [])]


def _dense_only_run(store: RunStore, name: str, weights_fn=None) -> str:
    """A stopped run of a spec (model saved) for the bad-input tests."""
    spec = {
        "name": name,
        "layers": [
            {"type": "flatten", "name": "flatten"},
            {"type": "dense", "name": "dense1", "units": 16},
            {"type": "dense", "name": "output", "units": 10, "activation": "softmax"},
        ],
    }
    info = store.create(spec, TINY, name=name, arch="custom")
    build_model(spec).save(info.path / "model.keras")
    store.update(info.id, status="stopped")
    return info.id


def test_the_four_maps_are_the_engines_for_the_image(env) -> None:
    store, ids = env
    at = _open(ids["model2"], img=3)
    charts = _charts(at)
    assert {"attr_panel", "attr_pred"} <= set(charts)
    panel = charts["attr_panel"]
    assert panel["layout"]["title"]["text"] == "Input: test image #3"
    prober = Prober(store.load_model(ids["model2"]))
    image = _test_image(3)
    expected = [attr.attribute(prober, image, m) for m in attr.ATTRIBUTION_METHODS]  # the defaults
    for got, want in zip(_maps(panel), expected, strict=True):
        scale = max(float(np.abs(want.map).max()), 1e-9)
        np.testing.assert_allclose(got, want.map, atol=1e-4 * scale, err_msg=want.method)
    titles = _titles(panel)
    assert titles[0].startswith("Grad-CAM · conv2: max") and titles[3].startswith("Occlusion:")
    text = texts(at)
    cls = expected[0].target
    assert f"Explaining **{attr.CLASS_NAMES[cls]}** (p = {expected[0].probability:.1%})" in text
    assert "pre-softmax logit" in text and "black (0, the background)" in text
    assert "Grad-CAM" in [e.label for e in at.expander]  # the teaching notes
    assert not at.exception


@pytest.mark.slow
def test_class_layer_and_occlusion_settings_change_the_maps(env) -> None:
    store, ids = env
    at = _open(ids["model2"], img=1)
    at.selectbox(key="attr_class").set_value(3)
    at.selectbox(key="attr_layer").set_value("conv1")
    at.selectbox(key="attr_patch").set_value(6)
    at.select_slider(key="attr_stride").set_value(3)
    at.radio(key="attr_fill").set_value("mean").run()
    assert not at.exception
    panel = _charts(at)["attr_panel"]
    prober = Prober(store.load_model(ids["model2"]))
    image = _test_image(1)
    cam = attr.grad_cam(prober, image, 3, "conv1")
    occ = attr.occlusion(prober, image, 3, patch=6, stride=3, fill="mean")
    maps = _maps(panel)
    np.testing.assert_allclose(maps[0], cam.map, atol=1e-4 * max(cam.map.max(), 1e-9))
    np.testing.assert_allclose(maps[3], occ.map, atol=1e-5)
    assert _titles(panel)[0].startswith("Grad-CAM · conv1")
    assert "Explaining **Dress**" in texts(at) and "the image's mean" in texts(at)

    at.selectbox(key="attr_patch").set_value(2).run()  # stride 3 no longer fits a 2×2 patch
    assert at.select_slider(key="attr_stride").value == 2
    assert at.select_slider(key="attr_stride").options == ["1", "2"]
    assert not at.exception


@pytest.mark.slow
def test_an_uploaded_picture_is_explained(env) -> None:
    store, ids = env
    pixels = np.full((60, 40), 235, dtype=np.uint8)
    pixels[10:50, 12:28] = 30  # a dark T-shirt-like shape on a light background
    pixels[10:22, 4:36] = 30
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="PNG")
    at = _open(ids["model2"])
    at.radio(key="picker_mode").set_value("upload").run()
    at.file_uploader(key="picker_upload").set_value(("shirt.png", buf.getvalue(), "image/png"))
    at.run()
    assert not at.exception
    panel = _charts(at)["attr_panel"]
    assert panel["layout"]["title"]["text"] == "Input: shirt.png"
    image = image_picker.read_upload("shirt.png", buf.getvalue())["image"]
    prober = Prober(store.load_model(ids["model2"]))
    expected = attr.occlusion(prober, image)
    np.testing.assert_allclose(_maps(panel)[3], expected.map, atol=1e-5)
    np.testing.assert_array_equal(_array(panel["data"][0]["z"]), image)  # the upload underneath


@pytest.mark.slow
def test_two_runs_side_by_side(env) -> None:
    store, ids = env
    at = _open(ids["model2"], img=4)
    assert "attr_side_a" not in _charts(at)  # computed only when shown
    at.radio(key="attr_view").set_value("runs").run()
    assert at.selectbox(key="attr_other").value == ids["model1"]
    assert "attr_panel" not in _charts(at)
    charts = _charts(at)
    assert {"attr_side_a", "attr_side_b", "attr_pred_a", "attr_pred_b"} <= set(charts)
    assert charts["attr_side_a"]["layout"]["title"]["text"].startswith("Grad-CAM · conv2")
    at.radio(key="attr_side_method").set_value("occlusion").run()
    charts = _charts(at)
    a, b = charts["attr_side_a"]["data"][1], charts["attr_side_b"]["data"][1]
    assert (a["zmin"], a["zmax"]) == (b["zmin"], b["zmax"])  # one scale: both are drops in p
    other = Prober(store.load_model(ids["model1"]))
    expected = attr.occlusion(other, _test_image(4))  # model 1's own predicted class
    np.testing.assert_allclose(_array(b["z"]), expected.map, atol=1e-5)
    assert "share one colour scale" in texts(at)
    assert "Each run explains its own predicted class" in texts(at)


@pytest.mark.slow
def test_a_model_without_conv_layers_has_no_grad_cam_but_the_rest(env) -> None:
    store, _ = env
    run_id = _dense_only_run(store, "dense only")
    try:
        at = _open(run_id)
        assert not at.exception
        assert "This model has no convolution layer, so there is no Grad-CAM" in texts(at)
        panel = _charts(at)["attr_panel"]
        assert len(panel["data"]) == 6  # saliency, SmoothGrad, occlusion over the image
        assert _titles(panel)[0].startswith("Saliency")
        assert not [s for s in at.selectbox if s.key == "attr_layer"]
        at.radio(key="attr_view").set_value("runs").run()
        assert at.radio(key="attr_side_method").value == "grad_cam"  # the first method
        assert "This model has no convolution layer: no Grad-CAM." in texts(at)
        assert "attr_side_b" in _charts(at)  # the other run has one
        assert not at.exception
    finally:
        store.delete(run_id)


def test_zero_gradients_give_a_clear_message(env) -> None:
    store, _ = env
    spec = preset("model1")
    info = store.create(spec, TINY, name="dead relus", arch="model1")
    model = build_model(spec)
    for name in ("conv1", "conv2"):
        kernel, bias = model.get_layer(name).get_weights()
        model.get_layer(name).set_weights([kernel, np.full_like(bias, -1e3)])  # every ReLU at 0
    model.save(info.path / "model.keras")
    store.update(info.id, status="stopped")
    try:
        at = _open(info.id)
        assert not at.exception
        warnings = [w.value for w in at.warning]
        assert any(w.startswith("Saliency (gradient): All gradients are zero") for w in warnings)
        assert any(w.startswith("SmoothGrad: All gradients are zero") for w in warnings)
        assert any(w.startswith("Grad-CAM: All gradients are zero") for w in warnings)
        assert any(w.startswith("Occlusion: No 4×4 patch changes") for w in warnings)
        titles = _titles(_charts(at)["attr_panel"])
        assert titles[1].endswith("0 everywhere") and titles[3].endswith("no patch changes p")
    finally:
        store.delete(info.id)


@pytest.fixture
def running(env):
    """A copy of the tiny Model 2 run made to look still running (by this process), with
    states up to the end of epoch 1 and live.npz holding epoch 1's weights."""
    store, ids = env
    run_id = "20990101-000000-live-attribution-0001"
    with running_copy(store, ids["model2"], store.root, run_id) as rid:
        yield store, rid


@pytest.mark.slow
def test_a_live_run_is_explained_with_its_newest_weights(running) -> None:
    from fmnist_viz.inside import model_at
    from fmnist_viz.runs import read_state

    store, run_id = running
    at = _open(run_id, img=2)
    assert "epoch 1.00 of 2 · training" in texts(at)
    spec = store.load(run_id).meta["spec"]
    with model_at(spec, read_state(store.path(run_id) / "live.npz")) as prober:
        expected = attr.occlusion(prober, _test_image(2))
    np.testing.assert_allclose(_maps(_charts(at)["attr_panel"])[3], expected.map, atol=1e-5)

    slider = next(s for s in at.select_slider if s.label == fragment.SLIDER_LABEL)
    slider.set_value(2).run()  # a mid-epoch state: convolution weights only
    assert "every attribution method needs the class score" in texts(at)
    assert "attr_panel" not in _charts(at)
    assert not at.exception
