"""Tests for fmnist_viz.study.sweep: parsing settings, expanding and validating the grid, the run
markers a sweep writes, and its results table checked by hand."""

from __future__ import annotations

import math
from typing import Any

import pytest

from fmnist_viz.models import preset
from fmnist_viz.study import (
    MAX_SWEEP_RUNS,
    SweepError,
    parse_axes,
    plan_sweep,
    submit_sweep,
    sweep_table,
)
from fmnist_viz.study.sweep import Axis, parse_axis
from fmnist_viz.training import TrainConfig

SPECS = {"model1": preset("model1"), "model2": preset("model2")}


def test_values_take_the_settings_type() -> None:
    assert parse_axis("dropout1.rate=0.1, 0.3") == Axis("dropout1.rate", (0.1, 0.3))
    assert parse_axis("batch_size=32,64") == Axis("batch_size", (32, 64))
    assert parse_axis("learning_rate=1e-3,0.01") == Axis("learning_rate", (0.001, 0.01))
    assert parse_axis("conv1.padding=same,valid").values == ("same", "valid")
    assert parse_axis("train_limit=1000,none").values == (1000, None)
    assert isinstance(parse_axis("dropout1.rate=0").values[0], float)


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("batch_size", "write a setting as KEY=VALUE1,VALUE2"),
        ("=1,2", "write a setting as KEY=VALUE1,VALUE2"),
        ("batch_size=32,", "none empty"),
        ("batch_size=3.5", "'3.5' is not a whole number"),
        ("learning_rate=fast", "'fast' is not a number"),
        ("learning_rate=nan", "not a finite number"),
        ("batch_size=32,32", "listed twice"),
        ("colour=red", "'colour' is not a setting"),
        ("epochs=" + ",".join(str(i) for i in range(1, 30)), "the limit is 20"),
    ],
)
def test_malformed_settings(text: str, needle: str) -> None:
    with pytest.raises(SweepError, match=needle):
        parse_axis(text)


def test_a_key_set_twice() -> None:
    with pytest.raises(SweepError, match="batch_size set more than once"):
        parse_axes(["batch_size=32", "batch_size=64"])


def test_the_grid_is_archs_times_values_times_seeds() -> None:
    axes = parse_axes(["dropout1.rate=0.1,0.5", "batch_size=32,64"])
    base = TrainConfig(epochs=2, train_limit=500)
    points = plan_sweep(SPECS, axes, base, runs=3, first_seed=7, memory_limit_mb=4096)
    assert len(points) == 2 * 2 * 2 * 3
    labels = list(dict.fromkeys(p.label for p in points))
    assert labels[:2] == [
        "model1 · dropout1.rate=0.1 · batch_size=32",
        "model1 · dropout1.rate=0.1 · batch_size=64",
    ]
    assert labels[-1] == "model2 · dropout1.rate=0.5 · batch_size=64"
    for label in labels:  # every configuration: the same seeds
        assert [p.seed for p in points if p.label == label] == [7, 8, 9]
    p = next(p for p in points if p.label == "model2 · dropout1.rate=0.5 · batch_size=64")
    dropout = next(layer for layer in p.spec["layers"] if layer["name"] == "dropout1")
    assert dropout["rate"] == 0.5 and p.config.batch_size == 64 and p.config.seed == p.seed
    assert (p.config.epochs, p.config.train_limit) == (2, 500)  # the base settings stay
    assert p.spec["title"] == "Model 2 (dropout1.rate=0.5)"
    assert SPECS["model2"]["layers"][4]["rate"] == 0.3  # the source spec is untouched
    assert p.name == "model2 dropout1.rate=0.5 batch_size=64 seed 7"


def test_no_settings_is_repeats_of_each_arch() -> None:
    points = plan_sweep(SPECS, [], TrainConfig(), runs=2, first_seed=1)
    assert [(p.label, p.seed) for p in points] == [
        ("model1", 1), ("model1", 2), ("model2", 1), ("model2", 2)
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("sets", "needle"),
    [
        (["dropout2.rate=0.1"], "model1 has no layer 'dropout2'"),  # model2 has one, model1 not
        (["pool1.filters=3"], "a MaxPooling2D layer has no setting 'filters'"),
        (["conv1.filters=0"], "model1 · conv1.filters=0: .*filters must be between"),
        (["optimizer=adam,lion"], "optimizer must be one of"),
        (["dense1.units=4096", "batch_size=8192"], "memory|MB"),
    ],
)
def test_every_configuration_is_checked_before_anything_starts(sets, needle) -> None:
    with pytest.raises(SweepError, match=needle):
        plan_sweep(SPECS, parse_axes(sets), TrainConfig(), 1, 1, memory_limit_mb=1024)


def test_size_and_seed_limits() -> None:
    axes = [Axis("batch_size", tuple(range(1, 11)))]
    with pytest.raises(SweepError, match=f"would queue 200 runs; the limit is {MAX_SWEEP_RUNS}"):
        plan_sweep(SPECS, axes, TrainConfig(), runs=10, first_seed=1)
    with pytest.raises(SweepError, match="seed must be"):
        plan_sweep(SPECS, [], TrainConfig(), runs=2, first_seed=2**31 - 1)
    with pytest.raises(SweepError, match="at least one architecture"):
        plan_sweep({}, [], TrainConfig(), runs=1, first_seed=1)


class _Recorder:
    """Stands in for the job manager: records what submit_sweep queues."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def submit(self, owner, spec, config, name="", arch="", extra=None) -> str:
        self.calls.append({"owner": owner, "spec": spec, "config": config, "name": name,
                           "arch": arch, "extra": extra})  # fmt: skip
        return f"run{len(self.calls)}"

    def submit_problem(self, owner: str, count: int = 1) -> str | None:
        """No limit here (the queue's limit is tested in tests/jobs/test_fair_dispatch.py)."""
        return None


def test_submit_marks_every_run_with_the_sweep() -> None:
    points = plan_sweep(SPECS, parse_axes(["dropout1.rate=0.2,0.4"]), TrainConfig(), 1, 5)
    jm = _Recorder()
    sweep_id, ids = submit_sweep(jm, "me", points)  # type: ignore[arg-type]
    assert ids == ["run1", "run2", "run3", "run4"] and sweep_id.startswith("sweep-")
    first = jm.calls[0]
    assert first["owner"] == "me" and first["arch"] == "model1"
    assert first["extra"] == {
        "sweep": {
            "id": sweep_id,
            "configuration": "model1 · dropout1.rate=0.2",
            "settings": {"dropout1.rate": 0.2},
        }
    }
    assert [c["config"].seed for c in jm.calls] == [5, 5, 5, 5]


def _meta(config: str, settings: dict, status: str, test: float | None, train: float) -> dict:
    marker = {"id": "s", "configuration": config, "settings": settings}
    return {"arch": config.split(" ")[0], "sweep": marker, "status": status,
            "test_accuracy": test, "final_train_accuracy": train}  # fmt: skip


def test_table_by_hand() -> None:
    a, b = "model1 · dropout1.rate=0.1", "model1 · dropout1.rate=0.5"
    metas = [
        _meta(a, {"dropout1.rate": 0.1}, "finished", 0.90, 0.95),
        _meta(a, {"dropout1.rate": 0.1}, "finished", 0.92, 0.96),
        _meta(b, {"dropout1.rate": 0.5}, "finished", 0.91, 0.93),
        _meta(b, {"dropout1.rate": 0.5}, "failed", None, math.nan),
    ]
    table = sweep_table(metas).set_index("configuration")
    assert list(table.columns) == [
        "arch", "dropout1.rate", "runs", "finished", "test_n", "test_mean", "test_std",
        "gap_mean", "gap_std",
    ]  # fmt: skip
    row = table.loc[a]
    assert (row["runs"], row["finished"], row["test_n"]) == (2, 2, 2)
    assert row["test_mean"] == pytest.approx(0.91)
    assert row["test_std"] == pytest.approx(math.sqrt(2 * 0.01**2))
    assert row["gap_mean"] == pytest.approx(((0.95 - 0.90) + (0.96 - 0.92)) / 2)
    row = table.loc[b]
    assert (row["runs"], row["finished"], row["test_n"]) == (2, 1, 1)
    assert row["test_mean"] == pytest.approx(0.91) and math.isnan(row["test_std"])
    assert row["dropout1.rate"] == 0.5


def test_malformed_sweep_markers_are_skipped(tmp_path) -> None:
    from fmnist_viz.runs import RunStore
    from fmnist_viz.study import sweep_ids, sweep_runs

    store = RunStore(tmp_path)
    good, bad = (store.create(preset("model1"), TrainConfig(), name=n).id for n in ("ok", "bad"))
    store.update(good, sweep={"id": "s1", "configuration": "model1", "settings": {}})
    store.update(bad, sweep={"id": "s1", "settings": "not an object"})
    assert [m["id"] for m in sweep_runs(store, "s1")] == [good]
    assert sweep_ids(store) == ["s1"]
    assert sweep_table(sweep_runs(store, "s1"))["runs"].tolist() == [1]
