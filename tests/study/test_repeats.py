"""Tests for fmnist_viz.study.repeats: the next seeds of a configuration and the runs queued."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from fmnist_viz.models import preset
from fmnist_viz.runs import RunStore
from fmnist_viz.study import MAX_REPEATS, queue_repeats
from fmnist_viz.study.configurations import config_key
from fmnist_viz.study.repeats import base_name, next_seeds, seeds_used
from fmnist_viz.training import TrainConfig
from tests.run_support import add_run

ROWS = [(1, 0.6, 0.8, 0.5, 0.82, 1.0)]


@dataclass
class RecordingJobs:
    """Stands in for the JobManager: keeps what would be submitted, creates the run folder."""

    store: RunStore
    submitted: list[dict[str, Any]] = field(default_factory=list)

    def submit(self, owner: str, spec: dict, config: TrainConfig, name: str = "", arch: str = ""):
        config.check()
        self.submitted.append({"owner": owner, "config": config, "name": name, "arch": arch})
        return self.store.create(spec, config, name=name, arch=arch).id

    def submit_problem(self, owner: str, count: int = 1) -> str | None:
        """No limit here (the queue's limit is tested in tests/jobs/test_fair_dispatch.py)."""
        return None


@pytest.fixture
def store(tmp_path: Path) -> RunStore:
    """Model 1 (3 epochs) seeds 4 and 9, Model 2 seed 20, and a Model 1 run with other settings."""
    store = RunStore(tmp_path / "runs")
    for seed in (4, 9):
        add_run(store, f"m1 seed {seed}", preset("model1"), TrainConfig(epochs=3, seed=seed), ROWS,
                "finished")  # fmt: skip
    add_run(store, "m2", preset("model2"), TrainConfig(epochs=3, seed=20), ROWS, "finished")
    add_run(store, "m1 long", preset("model1"), TrainConfig(epochs=5, seed=50), ROWS, "finished")
    return store


def _key(store: RunStore, name: str) -> str:
    return config_key(next(r for r in store.list() if r.name == name).meta)


def test_seeds_used_are_those_of_the_configuration_only(store: RunStore) -> None:
    assert sorted(seeds_used(store, _key(store, "m1 seed 4"))) == [4, 4, 9, 9]
    assert next_seeds(store, _key(store, "m1 seed 4"), 3) == [10, 11, 12]
    assert next_seeds(store, _key(store, "m2"), 1) == [21]
    assert next_seeds(store, "no-such-configuration", 2) == [1, 2]


def test_a_drawn_seed_counts_and_bad_seeds_are_ignored(store: RunStore) -> None:
    drawn = add_run(store, "drawn", preset("model1"), TrainConfig(epochs=3), ROWS, "finished")
    store.update(drawn, seed=77)  # a run without a requested seed records the one it drew
    odd = add_run(store, "odd", preset("model1"), TrainConfig(epochs=3, seed=5), ROWS, "finished")
    store.update(odd, seed="not a number")
    assert next_seeds(store, _key(store, "m1 seed 4"), 1) == [78]


@pytest.mark.parametrize(
    ("name", "base"),
    [("Model 1 seed 12", "Model 1"), ("tiny", "tiny"), ("seed 3", "run"), ("a seed b", "a seed b")],
)
def test_base_name(name: str, base: str) -> None:
    assert base_name(name) == base


def test_queue_repeats_submits_the_same_configuration_with_new_seeds(store: RunStore) -> None:
    jobs = RecordingJobs(store)
    template = next(r for r in store.list() if r.name == "m1 seed 9")
    ids = queue_repeats(jobs, "alice", template.id, 2)
    assert [s["config"].seed for s in jobs.submitted] == [10, 11]
    assert [s["name"] for s in jobs.submitted] == ["m1 seed 10", "m1 seed 11"]
    assert {s["owner"] for s in jobs.submitted} == {"alice"}
    for run_id in ids:
        assert config_key(store.load(run_id).meta) == config_key(template.meta)
    assert next_seeds(store, config_key(template.meta), 1) == [12]  # the new ones count too


@pytest.mark.parametrize("n", [0, MAX_REPEATS + 1, 2.5])
def test_queue_repeats_refuses_a_bad_count(store: RunStore, n: Any) -> None:
    jobs = RecordingJobs(store)
    with pytest.raises(ValueError, match="Repeat 1 to"):
        queue_repeats(jobs, "alice", store.list()[0].id, n)
    assert jobs.submitted == []
