"""Tests for fmnist_viz.study.compare on four runs written to a temporary run store by hand."""

from __future__ import annotations

import io
import math

import pandas as pd
import pytest

from fmnist_viz.models import preset
from fmnist_viz.runs.store import HISTORY_FILE
from fmnist_viz.study import (
    STUDY_REFERENCE,
    group_bands,
    group_table,
    histories_csv,
    load_series,
    run_table,
    run_table_csv,
    study_bands,
    study_references,
    welch_between,
)
from fmnist_viz.study.compare import histories_long
from fmnist_viz.study.reference import study_runs
from fmnist_viz.training import TrainConfig
from tests.run_support import EXPECTED_ROWS, FIXTURE, GROUP_A, GROUP_B, add_run, fixture_config


@pytest.fixture
def series(compare_runs):
    """The fixture runs loaded for comparison."""
    store, ids = compare_runs
    loaded, messages = load_series(store, ids.values())
    assert messages == []
    return loaded


def test_four_runs_fall_into_two_groups(series) -> None:
    assert [s.name for s in series] == ["a1", "a2", "b1", "b2"]
    assert [s.group for s in series] == [GROUP_A, GROUP_A, GROUP_B, GROUP_B]
    assert len({s.key for s in series}) == 2
    assert [s.preset for s in series] == ["model1", "model1", "model2", "model2"]


def test_same_label_for_different_configs_is_made_unique(compare_runs) -> None:
    store, ids = compare_runs
    edited = preset("model1")
    edited["layers"][-2]["rate"] = 0.4  # still titled "Model 1", but not the preset
    rows = FIXTURE["a1"][4]
    other = add_run(store, "edited", edited, fixture_config("model1", 9), rows, "finished")
    loaded, _ = load_series(store, [ids["a1"], other])
    assert loaded[0].group == GROUP_A
    assert loaded[1].group.startswith(GROUP_A) and loaded[1].group != GROUP_A
    assert loaded[1].preset is None


# ---------------------------------------------------------------- loading


def test_damaged_missing_and_empty_runs_are_skipped_with_a_message(compare_runs) -> None:
    store, ids = compare_runs
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


def test_duplicate_ids_load_once(compare_runs) -> None:
    store, ids = compare_runs
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


def test_gap_falls_back_to_best_validation_without_a_test(compare_runs) -> None:
    store, ids = compare_runs
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
    for group, names in ((GROUP_A, ("a1", "a2")), (GROUP_B, ("b1", "b2"))):
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
        assert math.isnan(row["study_mean"])  # 3 epochs, a subset: not the study's protocol
    assert table.loc[GROUP_A, "test_std"] == pytest.approx(0.005 / math.sqrt(2))


def test_group_table_has_no_reference_for_custom_specs(compare_runs) -> None:
    store, _ = compare_runs
    custom = preset("model2")
    custom["layers"][0]["filters"] = 16
    run = add_run(store, "c", custom, fixture_config("model2", 1), FIXTURE["b1"][4], "finished")
    loaded, _ = load_series(store, [run])
    assert math.isnan(group_table(loaded)["study_mean"].iloc[0])
    assert study_references(loaded) == {}


FULL = "Full dataset from /data (60,000 train / 10,000 test images)"
SAMPLE_SOURCE = "Offline sample: 7,000 images (6,000 train / 1,000 test)"


def _protocol_runs(store, arch: str, data_source: str, **config) -> list[str]:
    """Two runs of a preset with the study's settings (or others), on the named data."""
    ids = []
    for seed in (1, 2):
        cfg = TrainConfig(seed=seed, **config)
        ids.append(
            add_run(store, f"{arch} {seed}", preset(arch), cfg, FIXTURE["a1"][4], "finished")
        )
        store.update(ids[-1], test_accuracy=0.9, data_source=data_source)
    return ids


def test_study_references_only_for_the_protocol_on_full_data(compare_runs) -> None:
    store, _ = compare_runs
    protocol = _protocol_runs(store, "model1", FULL) + _protocol_runs(store, "model2", FULL)
    loaded, _ = load_series(store, protocol)
    assert [s.study for s in loaded] == ["model1", "model1", "model2", "model2"]
    assert sorted(study_references(loaded).values()) == [0.91957, 0.92147]
    table = group_table(loaded).set_index("preset")
    assert table.loc["model1", "study_mean"] == STUDY_REFERENCE["model1"]
    bands = study_bands(loaded, "val_loss")
    assert list(bands) == ["Study Model 1", "Study Model 2"]
    epochs, mean, std, n = bands["Study Model 2"]
    logged = study_runs().query("model == 'model2'").pivot(index="run", columns="epoch")
    assert epochs.tolist() == list(range(1, 11)) and n.tolist() == [10] * 10
    assert mean == pytest.approx(logged["val_loss"].mean().to_numpy())
    assert std == pytest.approx(logged["val_loss"].std(ddof=1).to_numpy())
    assert study_bands(loaded, "loss") == {}  # the log has no training loss


@pytest.mark.parametrize(
    ("source", "config"),
    [
        (SAMPLE_SOURCE, {}),  # the offline sample
        (FULL, {"train_limit": 3000}),  # a subset
        (FULL, {"epochs": 3}),  # shorter
        (FULL, {"batch_size": 32}),  # other settings
        (None, {}),  # a run that never recorded its data
    ],
)
def test_no_study_lines_or_rows_off_protocol(compare_runs, source, config) -> None:
    store, _ = compare_runs
    loaded, _ = load_series(store, _protocol_runs(store, "model1", source, **config))
    assert loaded[0].study is None
    assert study_references(loaded) == {} and study_bands(loaded, "accuracy") == {}
    assert math.isnan(group_table(loaded)["study_mean"].iloc[0])


def test_a_group_mixing_protocol_and_other_data_gets_no_reference(compare_runs) -> None:
    store, _ = compare_runs
    ids = _protocol_runs(store, "model1", FULL)
    store.update(ids[1], data_source=SAMPLE_SOURCE)  # same layers and settings: one group
    loaded, _ = load_series(store, ids)
    assert len({s.group for s in loaded}) == 1
    assert study_references(loaded) == {}


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
