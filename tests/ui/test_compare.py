"""Page tests (streamlit.testing) for Compare and Evaluate on fixture runs with known numbers."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest
from scipy import stats as sp_stats
from streamlit.runtime.memory_media_file_storage import _calculate_file_id
from streamlit.testing.v1 import AppTest

from fmnist_viz.data import load_fashion_mnist
from fmnist_viz.models import preset
from fmnist_viz.runs import RunStore
from fmnist_viz.runs.recorder import write_test_results
from fmnist_viz.study import (
    STUDY_REFERENCE,
    histories_csv,
    load_series,
    run_table_csv,
    welch_t_test,
)
from fmnist_viz.study.reference import study_runs
from fmnist_viz.training import TrainConfig
from fmnist_viz.training.evaluation import evaluate_probabilities
from tests.apptest_support import SAMPLE, open_page, texts
from tests.run_support import add_run, wait_until

TINY = {
    "name": "tiny",
    "title": "Tiny",
    "layers": [
        {"type": "conv2d", "name": "conv1", "filters": 4, "kernel_size": 3},
        {"type": "maxpool2d", "name": "pool1", "pool_size": 2},
        {"type": "flatten", "name": "flatten"},
        {"type": "dense", "name": "output", "units": 10, "activation": "softmax"},
    ],
}
GROUP_1 = "Model 1 · 10 ep · bs 64 · adam 0.001"  # the study's protocol, full data
GROUP_2 = "Model 2 · 3 ep · bs 64 · adam 0.001"
GROUP_TINY = "Tiny · 1 ep · bs 64 · adam 0.001 · subset 200"
TESTS = {  # test accuracies of the finished runs, by group
    GROUP_1: [0.900, 0.910, 0.930],
    GROUP_2: [0.915, 0.925, 0.935],
    GROUP_TINY: [0.40],
}
FULL_DATA = "Full dataset from /data/fashion-mnist (60,000 train / 10,000 test images)"
HISTORY = [
    (1, 0.60, 0.80, 0.45, 0.84, 2),
    (2, 0.35, 0.88, 0.36, 0.87, 2),
    (3, 0.2, 0.92, 0.33, 0.89, 2),
]


def crafted_predictions(labels: np.ndarray, seed: int) -> np.ndarray:
    """Probabilities for the sample's test labels: about 20 % wrong, shirts often T-shirts."""
    rng = np.random.default_rng(seed)
    predicted = labels.copy()
    wrong = rng.random(labels.size) < 0.2
    predicted[wrong] = (labels[wrong] + rng.integers(1, 10, wrong.sum())) % 10
    shirts = (labels == 6) & (rng.random(labels.size) < 0.3)
    predicted[shirts] = 0
    confidence = rng.uniform(0.3, 0.95, labels.size)
    probs = np.repeat(((1 - confidence) / 9)[:, None], 10, axis=1)
    probs[np.arange(labels.size), predicted] = confidence
    return probs.astype(np.float32)


@pytest.fixture
def runs(env: RunStore) -> dict[str, str]:
    """Three Model 1 runs on the study's protocol and full data (only three epochs written),
    three 3-epoch Model 2 runs, one tiny run, one stopped run; predictions for two."""
    ids = {}
    for group, arch, epochs in ((GROUP_1, "model1", 10), (GROUP_2, "model2", 3)):
        for i, acc in enumerate(TESTS[group]):
            config = TrainConfig(epochs=epochs, seed=i + 1)
            name = f"{arch} seed {i + 1}"
            ids[name] = add_run(env, name, preset(arch), config, HISTORY, "finished")
            env.update(ids[name], test_accuracy=acc, data_source=FULL_DATA)
    tiny = TrainConfig(epochs=1, train_limit=200, seed=5)
    ids["tiny"] = add_run(env, "tiny seed 5", TINY, tiny, HISTORY[:1], "finished")
    env.update(ids["tiny"], test_accuracy=TESTS[GROUP_TINY][0])
    stopped = TrainConfig(epochs=3, seed=9)
    ids["stopped"] = add_run(env, "stopped run", preset("model2"), stopped, HISTORY[:2], "stopped")
    labels = load_fashion_mnist(SAMPLE).y_test
    for name, seed in (("model1 seed 1", 1), ("model2 seed 1", 2)):
        probs = crafted_predictions(labels, seed)
        test = evaluate_probabilities(probs, labels)
        write_test_results(env.path(ids[name]), test, probs, labels)
    return ids


def _app(page: str, run: str | None = None) -> AppTest:
    return open_page(page, **({"run": run} if run else {}))


def _array(value) -> np.ndarray:
    """A Plotly JSON array, plain or binary-encoded ({'dtype', 'bdata', 'shape'})."""
    if isinstance(value, dict) and "bdata" in value:
        raw = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        shape = value.get("shape")
        if isinstance(shape, str):
            shape = [int(n) for n in shape.split(",")]
        return raw.reshape(shape) if shape else raw
    return np.asarray(value)


def _figures(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def _title(fig: dict) -> str:
    return fig["layout"]["title"]["text"]


def _table(at: AppTest, column: str):
    return next(d.value for d in at.dataframe if column in d.value.columns)


# ---------------------------------------------------------------- Compare


def test_compare_tables_charts_welch_and_export(env: RunStore, runs: dict[str, str]) -> None:
    at = _app("pages/compare.py")
    finished = [i for name, i in runs.items() if name != "stopped"]
    assert sorted(at.multiselect(key="cmp_pick").value) == sorted(finished)  # default: finished

    groups = _table(at, "mean").set_index("configuration")
    for group, values in TESTS.items():
        row = groups.loc[group]
        assert row["runs"] == len(values) and row["n"] == len(values)
        assert row["mean"] == pytest.approx(np.mean(values))
        if len(values) > 1:
            assert row["std"] == pytest.approx(np.std(values, ddof=1))
        assert row["min"] == pytest.approx(min(values))
        assert row["max"] == pytest.approx(max(values))
    # the study's rows and lines: only for Model 1, whose runs are on its protocol
    assert groups.loc["Study Model 1 (mean of 10)", "mean"] == STUDY_REFERENCE["model1"]
    assert not any("Model 2" in g for g in groups.index if g.startswith("Study"))

    figures = _figures(at)
    assert len(figures) == 4
    accuracy = next(f for f in figures if _title(f).startswith("Accuracy per epoch"))
    lines = [s["y0"] for s in accuracy["layout"]["shapes"]]
    assert lines == pytest.approx([STUDY_REFERENCE["model1"]])
    assert any("Study Model 1" in a["text"] for a in accuracy["layout"]["annotations"])
    study = [t for t in accuracy["data"] if t["name"].startswith("Study")]
    assert {t["name"] for t in study} == {
        f"Study Model 1 (10 logged runs) · {split} {kind}"
        for split in ("training", "validation")
        for kind in ("± std", "(mean)")
    }
    val_mean = next(t for t in study if t["name"].endswith("validation (mean)"))
    logged = study_runs().query("model == 'model1'").groupby("epoch")["val_accuracy"].mean()
    assert _array(val_mean["y"]) == pytest.approx(logged.to_numpy())
    loss = next(f for f in figures if _title(f).startswith("Loss per epoch"))
    assert [t["name"] for t in loss["data"] if t["name"].startswith("Study")] == [
        "Study Model 1 (10 logged runs) · validation ± std",
        "Study Model 1 (10 logged runs) · validation (mean)",
    ]  # the log has no training loss
    assert any(_title(f).startswith("Generalisation gap") for f in figures)
    multiples = next(f for f in figures if "per group" in _title(f))
    assert len(multiples["layout"]["annotations"]) == 3  # one panel per configuration

    reading = welch_t_test(TESTS[GROUP_1], TESTS[GROUP_2]).reading(
        label_a="Model 1 · 10 ep", label_b="Model 2 · 3 ep"
    )
    assert reading in texts(at)
    p = sp_stats.ttest_ind(TESTS[GROUP_1], TESTS[GROUP_2], equal_var=False).pvalue
    assert f"p = {p:.3g}" in texts(at)

    series, _ = load_series(env, at.multiselect(key="cmp_pick").value)
    expected = {"runs.csv": run_table_csv(series), "histories.csv": histories_csv(series)}
    buttons = at.get("download_button")
    assert len(buttons) == 2
    for button, (file_name, text) in zip(buttons, expected.items(), strict=True):
        file_id = _calculate_file_id(text.encode(), "text/csv", file_name)
        assert button.proto.url.endswith(f"{file_id}.csv"), file_name
    assert "Model 1 · 10 ep" in expected["runs.csv"] and "0.93" in expected["runs.csv"]


@pytest.mark.slow
def test_compare_whole_group_and_individual_runs(env: RunStore, runs: dict[str, str]) -> None:
    at = _app("pages/compare.py")
    at.selectbox(key="cmp_group").set_value(GROUP_2)
    at.button(key="cmp_group_only").click().run()
    model2 = [runs[f"model2 seed {i}"] for i in (1, 2, 3)] + [runs["stopped"]]  # same config
    assert at.multiselect(key="cmp_pick").value == model2
    assert "Select runs of two configurations" in texts(at)
    row = _table(at, "mean").set_index("configuration").loc[GROUP_2]
    assert (row["runs"], row["n"]) == (4, 3)  # the stopped run has no test score
    at.selectbox(key="cmp_group").set_value(GROUP_1)
    at.button(key="cmp_group_add").click().run()
    assert len(at.multiselect(key="cmp_pick").value) == 7
    at.toggle(key="cmp_show_runs").set_value(True).run()
    accuracy = next(f for f in _figures(at) if _title(f).startswith("Accuracy per epoch"))
    run_lines = [t for t in accuracy["data"] if not t["name"].startswith(("Model", "Study"))]
    assert len(run_lines) == 14  # seven runs, training and validation each
    gap = next(f for f in _figures(at) if _title(f).startswith("Generalisation gap"))
    names = [f"{m} seed {i}" for m in ("model1", "model2") for i in (1, 2, 3)]
    ours = [t["name"] for t in gap["data"] if not t["name"].startswith("Study")]
    assert sorted(ours) == sorted([*names, "stopped run"])
    study = [t["name"] for t in gap["data"] if t["name"].startswith("Study")]
    assert study == [
        "Study Model 1 (10 logged runs) · gap ± std",
        "Study Model 1 (10 logged runs) · gap (mean)",
    ]  # Model 1's runs are on the study's protocol, Model 2's are not


@pytest.mark.slow
def test_repeat_queues_new_seeds_and_adds_them_when_done(
    env: RunStore, runs: dict[str, str]
) -> None:
    at = _app("pages/compare.py")
    at.selectbox(key="cmp_repeat_group").set_value(GROUP_TINY)
    at.number_input(key="cmp_repeat_n").set_value(2)
    at.button(key="cmp_repeat_go").click().run()
    assert not at.exception, at.exception
    new = [r for r in env.list() if r.id not in runs.values()]
    assert len(new) == 2
    assert sorted(r.get("config")["seed"] for r in new) == [6, 7]
    assert sorted(r.name for r in new) == ["tiny seed 6", "tiny seed 7"]
    for r in new:
        assert r.get("config")["train_limit"] == 200 and r.get("config")["epochs"] == 1
        assert r.get("owner") == at.session_state["owner"]
    assert "Queued 2 run(s) of " + GROUP_TINY in texts(at)
    jobs = [bar.proto.text for bar in at.get("progress")]  # the page's list of this session's jobs
    assert any(line.startswith("tiny seed 6: ") for line in jobs), jobs

    wait_until(
        lambda: all(env.load(r.id).status not in ("queued", "running") for r in new),
        90,
        "the repeats to end",
    )
    assert [env.load(r.id).status for r in new] == ["finished", "finished"]
    at.run()
    picked = at.multiselect(key="cmp_pick").value
    assert all(r.id in picked for r in new)  # joined the selection: their group was chosen
    assert _table(at, "mean").set_index("configuration").loc[GROUP_TINY, "runs"] == 3


# ---------------------------------------------------------------- Evaluate


def _numpy_confusion(store: RunStore, run_id: str) -> np.ndarray:
    probs, labels = store.predictions(run_id)
    matrix = np.zeros((10, 10), dtype=int)
    for t, p in zip(labels, probs.argmax(axis=1), strict=True):
        matrix[t, p] += 1
    return matrix


@pytest.mark.slow
def test_evaluate_confusion_matches_predictions(env: RunStore, runs: dict[str, str]) -> None:
    run_id = runs["model1 seed 1"]
    at = _app("pages/evaluate.py", run=run_id)  # the active run (from the URL) is the default
    assert at.selectbox(key="run_choice").value == run_id
    expected = _numpy_confusion(env, run_id)
    heatmap = next(f for f in _figures(at) if _title(f).endswith("confusion matrix"))
    np.testing.assert_array_equal(_array(heatmap["data"][0]["z"]), expected)
    accuracy = np.trace(expected) / expected.sum()
    assert f"{accuracy:.4f}" in [m.value for m in at.metric]

    at.toggle(key="eval_norm").set_value(True).run()
    heatmap = next(f for f in _figures(at) if "confusion matrix" in _title(f))
    shares = expected / expected.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(_array(heatmap["data"][0]["z"]), shares)

    other = runs["model2 seed 1"]
    at.selectbox(key="eval_run_b").set_value(other).run()
    heatmaps = [f for f in _figures(at) if "confusion matrix" in _title(f)]
    assert len(heatmaps) == 2
    bars = next(f for f in _figures(at) if _title(f) == "Test accuracy per class")
    assert [t["name"] for t in bars["data"]] == ["model1 seed 1", "model2 seed 1"]
    second = _numpy_confusion(env, other)
    per_class = np.diag(second) / second.sum(axis=1)
    np.testing.assert_allclose(_array(bars["data"][1]["y"]), per_class)


@pytest.mark.slow
def test_evaluate_gallery_filtered_to_a_pair(env: RunStore, runs: dict[str, str]) -> None:
    run_id = runs["model1 seed 1"]
    at = _app("pages/evaluate.py", run=run_id)
    pairs = _table(at, "share_of_true")
    assert (pairs["true"].iloc[0], pairs["predicted"].iloc[0]) == ("Shirt", "T-shirt/top")
    at.selectbox(key="eval_true").set_value(6)
    at.selectbox(key="eval_pred").set_value(0).run()
    probs, labels = env.predictions(run_id)
    predicted = probs.argmax(axis=1)
    pair = np.flatnonzero((labels == 6) & (predicted == 0))
    gallery = next(f for f in _figures(at) if _title(f).startswith("Misclassified"))
    shown = [int(t["name"].removeprefix("test image ")) for t in gallery["data"]]
    assert len(shown) == min(48, pair.size) and pair.size > 0
    assert set(shown) <= set(pair.tolist())
    titles = [a["text"] for a in gallery["layout"]["annotations"]]
    assert all(t.startswith("Shirt →<br>T-shirt/top") for t in titles)
    assert f"of {pair.size:,} matching mistakes" in texts(at)


def test_evaluate_says_a_stopped_run_has_no_predictions(
    env: RunStore, runs: dict[str, str]
) -> None:
    at = _app("pages/evaluate.py")
    at.selectbox(key="run_choice").set_value(runs["stopped"]).run()
    text = texts(at)
    assert "**stopped run** has no test predictions" in text
    assert "stopped before the end" in text
    assert not at.get("plotly_chart")
    assert at.selectbox(key="run_choice").value == runs["stopped"]  # another can still be picked


# ---------------------------------------------------------------- Sweep


def _sweep_widgets(at: AppTest, archs: list[str], sets: str, runs: int, epochs: int, subset: int):
    """Fill in the Sweep form and run the page."""
    at.multiselect(key="cmp_sweep_archs").set_value(archs)
    at.text_area(key="cmp_sweep_sets").set_value(sets)
    at.number_input(key="cmp_sweep_runs").set_value(runs)
    at.number_input(key="cmp_sweep_epochs").set_value(epochs)
    at.number_input(key="cmp_sweep_subset").set_value(subset).run()


@pytest.mark.slow
def test_sweep_form_refuses_a_bad_grid_with_the_reason(env: RunStore, runs: dict[str, str]) -> None:
    at = _app("pages/compare.py")
    assert "12 runs: 6 configuration(s) × seeds 1–2" in texts(at)  # the default: 2 models × 3
    at.text_area(key="cmp_sweep_sets").set_value("dropout2.rate=0.1").run()
    assert [e.value for e in at.error] == [
        "Cannot sweep: dropout2.rate: model1 has no layer 'dropout2' (its layers: conv1, pool1, "
        "conv2, pool2, flatten, dense1, dropout1, output)"
    ]
    assert at.button(key="cmp_sweep_go").disabled
    at.multiselect(key="cmp_sweep_archs").set_value(["model2"]).run()  # model2 has a dropout2
    assert not at.error and not at.button(key="cmp_sweep_go").disabled


@pytest.mark.slow
def test_sweep_queues_the_grid_and_its_runs_join_the_charts(
    env: RunStore, runs: dict[str, str]
) -> None:
    at = _app("pages/compare.py")
    _sweep_widgets(at, ["model1"], "dropout1.rate=0.2,0.4", runs=1, epochs=1, subset=200)
    assert "2 runs: 2 configuration(s) × seeds 1–1" in texts(at)
    at.button(key="cmp_sweep_go").click().run()
    assert not at.exception, at.exception
    new = [r for r in env.list() if r.id not in runs.values()]
    assert sorted(r.get("sweep")["configuration"] for r in new) == [
        "model1 · dropout1.rate=0.2",
        "model1 · dropout1.rate=0.4",
    ]
    assert {r.get("owner") for r in new} == {at.session_state["owner"]}
    assert {r.get("config")["seed"] for r in new} == {1}
    assert any(s.startswith("Queued sweep sweep-") for s in texts(at).splitlines())

    wait_until(
        lambda: all(env.load(r.id).status == "finished" for r in new), 120, "the sweep to end"
    )
    at.run()
    picked = at.multiselect(key="cmp_pick").value
    assert all(r.id in picked for r in new)  # followed: they joined the selection
    table = _table(at, "test_mean").set_index("configuration")
    for r in new:
        row = table.loc[r.get("sweep")["configuration"]]
        assert (row["runs"], row["finished"], row["test_n"]) == (1, 1, 1)
        assert row["test_mean"] == pytest.approx(env.load(r.id).get("test_accuracy"))
    # the same sweep again continues the seeds instead of repeating runs
    # the same sweep again (a new visit) continues the seeds instead of repeating runs
    again = _app("pages/compare.py")
    _sweep_widgets(again, ["model1"], "dropout1.rate=0.2,0.4", runs=1, epochs=1, subset=200)
    assert "2 runs: 2 configuration(s) × seeds 2–2" in texts(again)
