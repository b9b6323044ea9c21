"""Tests for fmnist_viz.compare on four runs written to a temporary run store by hand."""

from __future__ import annotations

import io
import math
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fmnist_viz.architectures import preset
from fmnist_viz.compare import (
    config_key,
    confusion_from_predictions,
    group_bands,
    group_label,
    group_table,
    histories_csv,
    histories_long,
    load_series,
    misclassified,
    most_confused_pairs,
    normalize_rows,
    run_table,
    run_table_csv,
    study_references,
    welch_between,
)
from fmnist_viz.runs import (
    HISTORY_FILE,
    MODEL_FILE,
    RunStore,
    history_csv,
    write_bytes_atomic,
    write_test_results,
)
from fmnist_viz.stats import STUDY_REFERENCE
from fmnist_viz.training import EpochRecord, TrainConfig, evaluate_probabilities

GROUP_A = "Model 1 · 3 ep · bs 64 · adam 0.001"
GROUP_B = "Model 2 · 3 ep · bs 64 · adam 0.001 · subset 3,000"

# name: (preset, seed, status, test accuracy, history rows (epoch, loss, acc, val_loss, val_acc, s))
FIXTURE: dict[str, tuple[str, int, str, float, list[tuple[float, ...]]]] = {
    "a1": ("model1", 1, "finished", 0.885, [
        (1, 0.60, 0.80, 0.45, 0.84, 10), (2, 0.35, 0.88, 0.36, 0.87, 12),
        (3, 0.22, 0.92, 0.33, 0.89, 14),
    ]),
    "a2": ("model1", 2, "finished", 0.880, [
        (1, 0.55, 0.82, 0.42, 0.85, 11), (2, 0.30, 0.90, 0.34, 0.88, 11),
        (3, 0.20, 0.94, 0.35, 0.88, 14),
    ]),
    "b1": ("model2", 1, "finished", 0.82, [
        (1, 0.80, 0.70, 0.70, 0.75, 5), (2, 0.55, 0.80, 0.55, 0.80, 5),
        (3, 0.45, 0.85, 0.50, 0.83, 5),
    ]),
    "b2": ("model2", 2, "stopped", 0.80, [  # stopped by the user after two of three epochs
        (1, 0.78, 0.72, 0.68, 0.76, 6), (2, 0.52, 0.82, 0.54, 0.81, 4),
    ]),
}  # fmt: skip
# name: (test accuracy, best val accuracy, best epoch, final train accuracy, gap, s/epoch)
EXPECTED_ROWS = {
    "a1": (0.885, 0.89, 3, 0.92, 0.92 - 0.885, 12.0),
    "a2": (0.880, 0.88, 2, 0.94, 0.94 - 0.880, 12.0),
    "b1": (0.82, 0.83, 3, 0.85, 0.85 - 0.82, 5.0),
    "b2": (0.80, 0.81, 2, 0.82, 0.82 - 0.80, 5.0),
}
PREDICTED_RUN = "a1"
N_PREDICTIONS = 300


def fixture_config(arch: str, seed: int) -> TrainConfig:
    """The fixture's training settings: Model 1 on everything, Model 2 on a 3,000 subset."""
    return TrainConfig(epochs=3, seed=seed, train_limit=3000 if arch == "model2" else None)


def add_run(
    store: RunStore, name: str, spec: dict, config: TrainConfig, rows: list, status: str
) -> str:
    """Write a run folder in the store's real format: run.json, history.csv, summary fields."""
    info = store.create(spec, config, name=name, arch=spec["name"])
    history = [EpochRecord(int(r[0]), *map(float, r[1:])) for r in rows]
    write_bytes_atomic(info.path / HISTORY_FILE, history_csv(history).encode())
    (info.path / MODEL_FILE).write_bytes(b"never loaded by the comparison")
    best = min(history, key=lambda r: r.val_loss)
    store.update(
        info.id,
        status=status,
        seed=config.seed,
        epochs_done=history[-1].epoch,
        best_epoch=best.epoch,
        best_val_accuracy=best.val_accuracy,
        final_train_accuracy=history[-1].accuracy,
        seconds_per_epoch=sum(r.seconds for r in history) / len(history),
    )
    return info.id


def fixture_predictions() -> tuple[np.ndarray, np.ndarray]:
    """Random but fixed test-set probabilities and labels."""
    rng = np.random.default_rng(7)
    labels = rng.integers(0, 10, N_PREDICTIONS)
    probs = rng.dirichlet(np.full(10, 0.5), N_PREDICTIONS).astype(np.float32)
    return probs, labels


def build_store(root: Path) -> tuple[RunStore, dict[str, str]]:
    """Write the four fixture runs (and predictions for one) and return store and ids by name."""
    store = RunStore(root)
    ids = {}
    for name, (arch, seed, status, test_accuracy, rows) in FIXTURE.items():
        config = fixture_config(arch, seed)
        ids[name] = add_run(store, name, preset(arch), config, rows, status)
        store.update(ids[name], test_accuracy=test_accuracy)
    probs, labels = fixture_predictions()
    write_test_results(
        store.path(ids[PREDICTED_RUN]), evaluate_probabilities(probs, labels), probs, labels
    )
    return store, ids


@pytest.fixture
def runs(tmp_path: Path) -> tuple[RunStore, dict[str, str]]:
    """The four fixture runs on disk."""
    return build_store(tmp_path / "runs")


@pytest.fixture
def series(runs):
    """The fixture runs loaded for comparison."""
    store, ids = runs
    loaded, messages = load_series(store, ids.values())
    assert messages == []
    return loaded


def _meta(arch: str = "model1", **config) -> dict:
    """A run.json-like dict for a preset and training settings."""
    return {"spec": preset(arch), "config": TrainConfig(**config).to_dict()}


# ---------------------------------------------------------------- configurations


def test_config_key_ignores_only_the_seed() -> None:
    base = config_key(_meta(seed=1))
    assert config_key(_meta(seed=2)) == base
    assert config_key(_meta(seed=None)) == base
    assert config_key(_meta(seed=1, epochs=11)) != base
    assert config_key(_meta(seed=1, learning_rate=0.01)) != base
    assert config_key(_meta("model2", seed=1)) != base


def test_config_key_compares_the_normalised_layers() -> None:
    renamed = preset("model1")
    renamed["layers"][0]["name"] = "first_conv"
    assert config_key({**_meta(), "spec": renamed}) != config_key(_meta())
    given = ("type", "name", "filters", "kernel_size", "units", "activation", "rate")
    sparse = [
        {k: v for k, v in layer.items() if k in given} for layer in preset("model1")["layers"]
    ]
    assert config_key({**_meta(), "spec": {"layers": sparse}}) == config_key(_meta())


def test_momentum_only_matters_for_sgd() -> None:
    assert config_key(_meta(momentum=0.5)) == config_key(_meta(momentum=0.9))
    sgd_a, sgd_b = _meta(optimizer="sgd", momentum=0.5), _meta(optimizer="sgd", momentum=0.9)
    assert config_key(sgd_a) != config_key(sgd_b)
    assert group_label(sgd_a) == "Model 1 · 10 ep · bs 64 · sgd 0.001 m 0.5"


def test_group_label_is_readable() -> None:
    assert group_label(_meta()) == "Model 1 · 10 ep · bs 64 · adam 0.001"
    assert group_label(_meta("model2", train_limit=3000)) == (
        "Model 2 · 10 ep · bs 64 · adam 0.001 · subset 3,000"
    )
    custom = {"spec": {"name": "mine", "layers": preset("model1")["layers"][:-2]}}
    assert group_label({**_meta(), **custom}).startswith("mine · ")


def test_four_runs_fall_into_two_groups(series) -> None:
    assert [s.name for s in series] == ["a1", "a2", "b1", "b2"]
    assert [s.group for s in series] == [GROUP_A, GROUP_A, GROUP_B, GROUP_B]
    assert len({s.key for s in series}) == 2
    assert [s.preset for s in series] == ["model1", "model1", "model2", "model2"]


def test_same_label_for_different_configs_is_made_unique(runs) -> None:
    store, ids = runs
    edited = preset("model1")
    edited["layers"][-2]["rate"] = 0.4  # still titled "Model 1", but not the preset
    rows = FIXTURE["a1"][4]
    other = add_run(store, "edited", edited, fixture_config("model1", 9), rows, "finished")
    loaded, _ = load_series(store, [ids["a1"], other])
    assert loaded[0].group == GROUP_A
    assert loaded[1].group.startswith(GROUP_A) and loaded[1].group != GROUP_A
    assert loaded[1].preset is None


# ---------------------------------------------------------------- loading


def test_damaged_missing_and_empty_runs_are_skipped_with_a_message(runs) -> None:
    store, ids = runs
    rows = FIXTURE["a1"][4]
    broken = add_run(
        store, "broken", preset("model1"), fixture_config("model1", 5), rows, "finished"
    )
    (store.path(broken) / HISTORY_FILE).write_text("epoch,loss\n1,abc\n", encoding="utf-8")
    empty = store.create(preset("model1"), fixture_config("model1", 6), name="queued").id
    loaded, messages = load_series(store, [ids["a1"], broken, "no-such-run", empty, ids["b1"]])
    assert [s.name for s in loaded] == ["a1", "b1"]
    assert len(messages) == 3
    assert broken in messages[0] and "history.csv" in messages[0]
    assert "no-such-run" in messages[1]
    assert empty in messages[2] and "no completed epoch" in messages[2]


def test_duplicate_ids_load_once(runs) -> None:
    store, ids = runs
    loaded, _ = load_series(store, [ids["a1"], ids["a1"]])
    assert len(loaded) == 1


# ---------------------------------------------------------------- tables


def test_run_table_matches_the_fixture(series) -> None:
    table = run_table(series).set_index("run")
    for name, (test, best_val, best_epoch, train, gap, seconds) in EXPECTED_ROWS.items():
        row = table.loc[name]
        assert row["test_accuracy"] == pytest.approx(test)
        assert row["best_val_accuracy"] == pytest.approx(best_val)
        assert row["best_epoch"] == best_epoch
        assert row["final_train_accuracy"] == pytest.approx(train)
        assert row["gap"] == pytest.approx(gap)
        assert row["gap_basis"] == "test"
        assert row["seconds_per_epoch"] == pytest.approx(seconds)
        assert row["seed"] == FIXTURE[name][1]
        assert row["status"] == FIXTURE[name][2]
        assert row["epochs"] == len(FIXTURE[name][4])
    assert table.loc["a1", "params"] == 814_218


def test_gap_falls_back_to_best_validation_without_a_test(runs) -> None:
    store, ids = runs
    store.update(ids["a2"], test_accuracy=None, status="running")
    loaded, _ = load_series(store, [ids["a2"]])
    row = run_table(loaded).iloc[0]
    assert math.isnan(row["test_accuracy"])
    assert row["gap_basis"] == "val"
    assert row["gap"] == pytest.approx(0.94 - 0.88)


def _sample_std(values: list[float]) -> float:
    """Plain-Python sample standard deviation."""
    mean = sum(values) / len(values)
    return math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))


def test_group_table_by_hand(series) -> None:
    table = group_table(series).set_index("group")
    for group, names, key in ((GROUP_A, ("a1", "a2"), "model1"), (GROUP_B, ("b1", "b2"), "model2")):
        tests = [EXPECTED_ROWS[n][0] for n in names]
        gaps = [EXPECTED_ROWS[n][4] for n in names]
        row = table.loc[group]
        assert row["runs"] == 2 and row["test_n"] == 2
        assert row["test_mean"] == pytest.approx(sum(tests) / 2)
        assert row["test_std"] == pytest.approx(_sample_std(tests))
        assert row["test_min"] == pytest.approx(min(tests))
        assert row["test_max"] == pytest.approx(max(tests))
        assert row["gap_mean"] == pytest.approx(sum(gaps) / 2)
        assert row["gap_std"] == pytest.approx(_sample_std(gaps))
        assert row["study_mean"] == STUDY_REFERENCE[key]
    assert table.loc[GROUP_A, "test_std"] == pytest.approx(0.005 / math.sqrt(2))


def test_group_table_has_no_reference_for_custom_specs(runs) -> None:
    store, _ = runs
    custom = preset("model2")
    custom["layers"][0]["filters"] = 16
    run = add_run(store, "c", custom, fixture_config("model2", 1), FIXTURE["b1"][4], "finished")
    loaded, _ = load_series(store, [run])
    assert math.isnan(group_table(loaded)["study_mean"].iloc[0])
    assert study_references(loaded) == {}


def test_study_references_for_the_presets(series) -> None:
    refs = study_references(series)
    assert sorted(refs.values()) == [0.91957, 0.92147]
    assert any("Model 1" in label for label in refs)


def test_welch_between_groups(series) -> None:
    a, b = [0.885, 0.880], [0.82, 0.80]
    result = welch_between(series, GROUP_A, GROUP_B)
    se = math.sqrt(_sample_std(a) ** 2 / 2 + _sample_std(b) ** 2 / 2)
    assert result.t == pytest.approx((sum(a) / 2 - sum(b) / 2) / se)
    assert (result.n_a, result.n_b) == (2, 2)
    with pytest.raises(ValueError, match="No runs in group"):
        welch_between(series, GROUP_A, "Model 3")


# ---------------------------------------------------------------- histories and export


def test_histories_long_is_tidy(series) -> None:
    long = histories_long(series)
    assert list(long.columns) == ["run_id", "run", "group", "epoch", "metric", "value"]
    assert len(long) == 5 * sum(len(f[4]) for f in FIXTURE.values())
    pick = long[(long["run"] == "b2") & (long["metric"] == "val_accuracy")]
    assert pick["epoch"].tolist() == [1, 2]
    assert pick["value"].tolist() == pytest.approx([0.76, 0.81])


def test_csv_exports_round_trip(series) -> None:
    table = pd.read_csv(io.StringIO(run_table_csv(series)))
    pd.testing.assert_frame_equal(table, run_table(series), check_dtype=False)
    long = pd.read_csv(io.StringIO(histories_csv(series)))
    pd.testing.assert_frame_equal(long, histories_long(series), check_dtype=False)


# ---------------------------------------------------------------- bands


def test_bands_by_hand_with_a_stopped_run(series) -> None:
    bands = group_bands(series, "accuracy")
    assert list(bands) == [GROUP_A, GROUP_B]
    epochs, mean, std, n = bands[GROUP_B]
    assert epochs.tolist() == [1, 2, 3]
    assert mean == pytest.approx([0.71, 0.81, 0.85])
    assert std == pytest.approx([_sample_std([0.70, 0.72]), _sample_std([0.80, 0.82]), 0.0])
    assert n.tolist() == [2, 2, 1]
    _, mean_a, std_a, _ = bands[GROUP_A]
    assert (mean_a + std_a)[2] == pytest.approx(0.93 + _sample_std([0.92, 0.94]))


def test_gap_band_is_the_mean_of_train_minus_val(series) -> None:
    _, mean, _, n = group_bands(series, "gap")[GROUP_A]
    assert mean == pytest.approx([(-0.04 - 0.03) / 2, (0.01 + 0.02) / 2, (0.03 + 0.06) / 2])
    assert n.tolist() == [2, 2, 2]
    with pytest.raises(ValueError, match="Unknown metric"):
        group_bands(series, "precision")


# ---------------------------------------------------------------- test-set errors


def test_confusion_from_saved_predictions(runs) -> None:
    store, ids = runs
    probs, labels = store.predictions(ids[PREDICTED_RUN])
    confusion = confusion_from_predictions(probs, labels)
    counted = Counter(zip(labels.tolist(), probs.argmax(axis=1).tolist(), strict=True))
    expected = np.zeros((10, 10), dtype=int)
    for (t, p), count in counted.items():
        expected[t, p] = count
    np.testing.assert_array_equal(confusion, expected)
    assert confusion.sum() == N_PREDICTIONS
    shares = normalize_rows(confusion)
    assert shares.sum(axis=1) == pytest.approx(np.ones(10))


def test_normalize_rows_leaves_empty_rows_at_zero() -> None:
    matrix = np.zeros((10, 10))
    matrix[0, :2] = [3, 1]
    shares = normalize_rows(matrix)
    assert shares[0, :2].tolist() == [0.75, 0.25]
    assert shares[1:].sum() == 0


def test_bad_predictions_are_refused() -> None:
    with pytest.raises(ValueError):
        confusion_from_predictions(np.ones((3, 9)), np.zeros(3))
    with pytest.raises(ValueError):
        confusion_from_predictions(np.ones((3, 10)), np.array([0, 1, 10]))


def test_most_confused_pairs_on_a_crafted_matrix() -> None:
    matrix = np.diag(np.full(10, 50))
    matrix[6, 6], matrix[6, 0] = 70, 30  # shirt read as T-shirt: 30 of 100
    matrix[4, 4], matrix[4, 2] = 30, 30  # coat read as pullover: 30 of 60 (same count, more share)
    matrix[9, 7] = 12
    matrix[0, 6] = 5
    pairs = most_confused_pairs(matrix, k=3)
    assert [(p.true, p.predicted, p.count) for p in pairs] == [(4, 2, 30), (6, 0, 30), (9, 7, 12)]
    assert pairs[0].share_of_true == pytest.approx(0.5)
    assert pairs[1].share_of_true == pytest.approx(0.3)
    assert len(most_confused_pairs(matrix, k=10)) == 4  # zero cells never appear


def _crafted_predictions() -> tuple[np.ndarray, np.ndarray]:
    """Six predictions with known classes and confidences (index 2 is correct)."""
    labels = np.array([6, 6, 6, 0, 2, 4])
    predicted = [0, 0, 6, 6, 4, 2]
    confidence = [0.7, 0.9, 0.8, 0.6, 0.5, 0.95]
    probs = np.array([[(1 - c) / 9] * 10 for c in confidence])
    for i, (p, c) in enumerate(zip(predicted, confidence, strict=True)):
        probs[i, p] = c
    return probs, labels


def test_misclassified_sorted_by_confidence() -> None:
    probs, labels = _crafted_predictions()
    rows = misclassified(probs, labels)
    assert list(rows.columns) == ["index", "true", "predicted", "confidence"]
    assert rows["index"].tolist() == [5, 1, 0, 3, 4]
    assert rows["confidence"].tolist() == pytest.approx([0.95, 0.9, 0.7, 0.6, 0.5])
    assert misclassified(probs, labels, limit=2)["index"].tolist() == [5, 1]


def test_misclassified_filters_by_class_pair() -> None:
    probs, labels = _crafted_predictions()
    rows = misclassified(probs, labels, true_class=6, predicted_class=0)
    assert rows["index"].tolist() == [1, 0]
    assert set(rows["true"]) == {6} and set(rows["predicted"]) == {0}
    assert misclassified(probs, labels, true_class=6)["index"].tolist() == [1, 0]
    assert misclassified(probs, labels, predicted_class=6)["index"].tolist() == [3]
    assert misclassified(probs, labels, true_class=1).empty
