"""Tests of study.dropout_study: runs that differ only by dropout, and their gap table."""

from __future__ import annotations

from pathlib import Path

import pytest

from fmnist_viz.models import preset
from fmnist_viz.runs import RunStore
from fmnist_viz.study import study_table
from fmnist_viz.study.dropout_study import core_signature, dropout_text
from fmnist_viz.training import TrainConfig
from tests.run_support import add_run

M1 = [(1, 0.60, 0.80, 0.45, 0.84, 1.0), (2, 0.30, 0.95, 0.40, 0.86, 1.0)]  # gap 0.09
M1B = [(1, 0.60, 0.80, 0.45, 0.84, 1.0), (2, 0.30, 0.93, 0.40, 0.88, 1.0)]  # gap 0.05
M2 = [(1, 0.70, 0.78, 0.48, 0.83, 1.0), (2, 0.40, 0.90, 0.42, 0.88, 1.0)]  # gap 0.02
CONFIG = TrainConfig(epochs=2, seed=1)


@pytest.fixture
def store(tmp_path: Path) -> tuple[RunStore, dict[str, str]]:
    """Model 1 twice, Model 2 once (same settings), Model 2 with other settings, the Original."""
    store = RunStore(tmp_path / "runs")
    ids = {
        "m1a": add_run(store, "m1a", preset("model1"), CONFIG, M1, "finished"),
        "m1b": add_run(store, "m1b", preset("model1"), CONFIG, M1B, "finished"),
        "m2": add_run(store, "m2", preset("model2"), CONFIG, M2, "finished"),
        "m2-long": add_run(
            store, "m2 long", preset("model2"), TrainConfig(epochs=3, seed=1), M2, "finished"
        ),
        "orig": add_run(store, "orig", preset("original"), CONFIG, M1, "finished"),
    }
    for run_id, acc in zip(ids.values(), (0.90, 0.91, 0.92, 0.93, 0.89), strict=True):
        store.update(run_id, test_accuracy=acc)
    return store, ids


def test_model1_and_model2_differ_only_by_dropout(store) -> None:
    runs, ids = store
    meta = {k: runs.load(i).meta for k, i in ids.items()}
    assert core_signature(meta["m1a"]) == core_signature(meta["m2"])
    assert core_signature(meta["m1a"]) != core_signature(meta["m2-long"])  # other settings
    assert core_signature(meta["m1a"]) != core_signature(meta["orig"])  # other layers
    assert core_signature({"spec": "garbage", "config": {}}) is None


def test_dropout_text_names_where_units_are_dropped(store) -> None:
    runs, ids = store
    assert dropout_text(runs.load(ids["m1a"]).meta) == "after dense1 (0.3)"
    assert dropout_text(runs.load(ids["m2"]).meta) == "after pool2 (0.3), after dense1 (0.3)"


def test_study_table_means_per_configuration(store) -> None:
    runs, ids = store
    table = study_table(runs, ids["m2"]).set_index("dropout")
    assert sorted(table.index) == ["after dense1 (0.3)", "after pool2 (0.3), after dense1 (0.3)"]
    m1 = table.loc["after dense1 (0.3)"]
    assert m1["runs"] == 2
    assert m1["final train acc"] == pytest.approx((0.95 + 0.93) / 2)
    assert m1["train − val gap"] == pytest.approx(((0.95 - 0.86) + (0.93 - 0.88)) / 2)
    assert m1["test acc"] == pytest.approx(0.905)
    m2 = table.loc["after pool2 (0.3), after dense1 (0.3)"]
    assert m2["runs"] == 1 and m2["train − val gap"] == pytest.approx(0.02)


def test_no_table_without_a_dropout_variant(store) -> None:
    runs, ids = store
    assert study_table(runs, ids["orig"]) is None  # no other run shares its core
    assert study_table(runs, ids["m2-long"]) is None  # only itself with these settings
