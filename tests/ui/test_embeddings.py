"""Page tests (streamlit.testing) for Embeddings on the tiny trained runs (small samples).

The charts are checked against the engine run by hand on the same run: the sample, the
separability scores per stage and the PCA coordinates must be the ones the page shows.
"""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from fmnist_viz.data import load_fashion_mnist
from fmnist_viz.inside import Prober, model_at
from fmnist_viz.runs import RunStore, read_state
from fmnist_viz.seeing import choose_sample, knn_accuracy, pca, representations, stages, tsne
from fmnist_viz.seeing.embeddings import available
from tests.apptest_support import APP, SAMPLE, app_env, texts
from tests.run_support import running_copy
from ui.live import fragment
from ui.views import embeddings

N = 200
PAGE = "pages/embeddings.py"


@pytest.fixture
def env(tiny_runs, monkeypatch: pytest.MonkeyPatch):
    """The tiny runs' store and the sample data, fresh caches."""
    store, _ = tiny_runs
    with app_env(monkeypatch, store.root):
        yield tiny_runs


def _open(run_id: str, n: int = N, img: int | None = None, **state) -> AppTest:
    """The Embeddings page on a run, with a sample of n images (set before the page draws)."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["run"] = run_id
    if img is not None:
        at.query_params["img"] = str(img)
    at.run()
    at.session_state["emb_n"] = n
    for key, value in state.items():
        at.session_state[key] = value
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def _charts(at: AppTest) -> dict[str, dict]:
    return {c.proto.id.rsplit("-", 1)[-1]: json.loads(c.proto.spec) for c in at.get("plotly_chart")}


def values(v) -> np.ndarray:
    """A Plotly JSON array: a plain list, or a typed array {"dtype", "bdata"(, "shape")}."""
    if isinstance(v, dict) and "bdata" in v:
        flat = np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"]))
        shape = v.get("shape")
        return flat.reshape([int(d) for d in str(shape).split(",")]) if shape else flat
    return np.asarray(v, dtype=object if v and isinstance(v[0], list) else None)


def ys(trace: dict) -> list[float | None]:
    """A line trace's y values, None for a gap."""
    out = values(trace["y"]).tolist()
    return [None if v is None or v != v else float(v) for v in out]


def _scatter_points(figure: dict) -> tuple[np.ndarray, np.ndarray]:
    """(test index, x, y) rows of the class traces of a scatter, sorted by test index."""
    rows = []
    for trace in figure["data"]:
        if "customdata" not in trace:
            continue
        xs, ys = values(trace["x"]), values(trace["y"])
        for (_, index, *_), x, y in zip(trace["customdata"], xs, ys, strict=True):
            rows.append((int(index), float(x), float(y)))
    rows.sort()
    return np.array([r[0] for r in rows]), np.array([r[1:] for r in rows])


def _reference(prober: Prober, n: int, seed: int = 0, k: int = 10, full: bool = True):
    """The engine by hand: sample, representations, scores."""
    data = load_fashion_mnist(str(SAMPLE))
    all_stages = stages(prober)
    sample = choose_sample(data.y_test, n, seed, all_stages)
    shown = available(all_stages, full)
    reps = representations(prober, data.x_test[sample.indices].astype(np.float32) / 255, shown)
    scores = {s.label: knn_accuracy(reps[s.name], sample.labels, k) for s in shown}
    return sample, reps, scores, all_stages


def test_scores_and_pca_are_the_engines(env) -> None:
    store, ids = env
    at = _open(ids["model2"])
    charts = _charts(at)
    assert {"emb_scatter", "emb_line", "emb_overview"} <= set(charts)
    sample, reps, scores, _ = _reference(Prober(store.load_model(ids["model2"])), N)
    line = charts["emb_line"]["data"][0]
    assert line["x"] == ["pixels", "block 1 (pool1)", "block 2 (pool2)", "dense1", "output"]
    assert ys(line) == pytest.approx([scores[x] for x in line["x"]], abs=1e-9)
    indices, coords = _scatter_points(charts["emb_scatter"])
    assert np.array_equal(indices, sample.indices)  # the stratified sample, every point once
    expected = pca(reps["pixels"])[0]  # pixels PCA (sample order = sorted test index)
    assert np.allclose(coords, expected, atol=1e-4)
    title = charts["emb_scatter"]["layout"]["title"]["text"]
    assert "pixels: 784 values per image → PCA (200 test images" in title
    overview = charts["emb_overview"]
    assert len([a for a in overview["layout"]["annotations"] if "%" in a["text"]]) == 5
    assert not at.error


def test_stage_slider_and_tsne_with_a_click_pick(env, monkeypatch) -> None:
    _, ids = env
    calls = []

    def counted(*args, **kwargs):
        calls.append(kwargs.get("perplexity"))
        return tsne(*args, **kwargs)

    monkeypatch.setattr(embeddings, "tsne", counted)
    at = _open(ids["model1"], img=3)
    at.select_slider(key="emb_stage").set_value("output").run()
    at.radio(key="emb_method").set_value("t-SNE").run()
    assert not at.exception, at.exception
    at.radio(key="emb_method").set_value("PCA").run()
    at.radio(key="emb_method").set_value("t-SNE").run()
    assert calls == [30.0]  # computed once, then from the cache
    assert not at.get("progress")  # its bar is gone, also when replayed
    charts = _charts(at)
    title = charts["emb_scatter"]["layout"]["title"]["text"]
    assert title.startswith("output: 10 values per image → t-SNE (200 test images")
    indices, coords = _scatter_points(charts["emb_scatter"])
    assert len(indices) == N and np.isfinite(coords).all() and coords.std(axis=0).min() > 0.1
    # the page's image (test image 3) is shown beside the chart when it is in the sample
    sample = choose_sample(load_fashion_mnist(str(SAMPLE)).y_test, N, 0, [])
    in_sample = 3 in set(sample.indices.tolist())
    assert ("**True class:**" in texts(at)) == in_sample
    assert ("not in the sample" in texts(at)) != in_sample
    picked = int(sample.indices[7])  # pick a sampled image as a click on its point would
    at.session_state["picker_index"] = picked
    at.run()
    text = texts(at)
    assert "**True class:**" in text and "**Predicted:**" in text
    ring = [t for t in _charts(at)["emb_scatter"]["data"] if t.get("name") == "selected"]
    assert len(ring) == 1
    line = _charts(at)["emb_line"]
    assert line["data"][1]["x"] == ["output"]  # the chosen stage is ringed on the line


def test_bigger_than_the_test_set_and_a_conv_only_state(env) -> None:
    store, ids = env
    at = _open(ids["model2"], n=5000, emb_k=5)
    assert "The test set has only 1,000 images: all of them are used." in texts(at)
    assert _charts(at)["emb_scatter"]["layout"]["title"]["text"].count("1,000 test images") == 1
    slider = next(s for s in at.select_slider if s.label == fragment.SLIDER_LABEL)
    conv_only = next(s for s in store.states(ids["model2"]) if not s.full)
    slider.set_value(conv_only.step).run()
    assert not at.exception, at.exception
    text = texts(at)
    assert "keeps the convolution weights only" in text and "dense1, output cannot be shown" in text
    line = _charts(at)["emb_line"]["data"][0]
    assert ys(line)[3:] == [None, None] and all(0 < y <= 1 for y in ys(line)[:3])
    assert at.select_slider(key="emb_stage").options == [
        "pixels",
        "block 1 (pool1)",
        "block 2 (pool2)",
    ]


def test_too_few_images_for_the_perplexity_is_said(env) -> None:
    _, ids = env
    at = _open(ids["model1"], n=100, emb_perplexity=50.0, emb_method="t-SNE")
    assert "t-SNE with perplexity 50 needs more than 150 points" in texts(at)
    assert "lower perplexity" in texts(at)
    assert "emb_scatter" not in _charts(at) and "emb_line" in _charts(at)


def test_separability_at_every_saved_epoch(env) -> None:
    store, ids = env
    at = _open(ids["model2"], emb_epochs=True)
    assert not at.exception, at.exception
    figure = _charts(at)["emb_epoch_lines"]
    epoch_states = [s for s in store.states(ids["model2"]) if s.full]
    assert [t["name"] for t in figure["data"]] == [s.label for s in epoch_states]
    spec = store.load(ids["model2"]).meta["spec"]
    first = epoch_states[0]  # the random start: scores by hand at its weights
    with model_at(spec, read_state(first.path), full=True) as prober:
        _, _, scores, _ = _reference(prober, N)
    assert ys(figure["data"][0]) == pytest.approx(list(scores.values()), abs=1e-9)
    assert figure["data"][-1]["line"]["width"] < 4  # kept weights shown: no state is thicker


@pytest.fixture
def running(tiny_runs, tmp_path, monkeypatch):
    """A copy of the tiny Model 2 run in a store of its own, made to look half-trained and
    still running (by this process), live.npz holding epoch 1's weights."""
    store, ids = tiny_runs
    root = tmp_path / "runs"
    root.mkdir()
    run_id = "20990101-000000-live-emb-0001"
    with running_copy(store, ids["model2"], root, run_id), app_env(monkeypatch, root):
        yield RunStore(root), run_id


def test_a_running_run_shows_its_live_weights(running) -> None:
    store, run_id = running
    at = _open(run_id)
    assert "training" in texts(at)
    spec = store.load(run_id).meta["spec"]
    with model_at(spec, read_state(store.path(run_id) / "live.npz")) as prober:
        _, _, scores, _ = _reference(prober, N)
    line = _charts(at)["emb_line"]["data"][0]
    assert ys(line) == pytest.approx(list(scores.values()), abs=1e-9)
    at.radio(key="emb_method").set_value("t-SNE").run()
    assert "computed for saved states and for finished runs" in texts(at)
    assert "emb_scatter" not in _charts(at) and not at.exception
