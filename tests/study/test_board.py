"""The Class board: rows from real run folders, the challenge split, hidden runs out, the
Pareto front against a brute-force reference, the study's reference points, the table."""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import pytest

from fmnist_viz.jobs import Challenge, ClassSettings
from fmnist_viz.models import preset
from fmnist_viz.runs import RunStore
from fmnist_viz.study import (
    BOARD_COLUMNS,
    board_frame,
    board_rows,
    front_rows,
    pareto_front,
    reference_points,
    split_by_challenge,
)
from fmnist_viz.study.reference import study_test_accuracies
from fmnist_viz.training import TrainConfig
from tests.run_support import add_run

CHALLENGE = Challenge(epochs=1, train_limit=1000)
ON = TrainConfig(epochs=1, train_limit=1000, seed=1)
OFF = TrainConfig(epochs=1, train_limit=2000, seed=1)


def _run(store: RunStore, name: str, arch: str, config: TrainConfig, test: float, train: float,
         nickname: str = "", status: str = "finished") -> str:  # fmt: skip
    run_id = add_run(store, name, preset(arch), config, [(1, 0.5, train, 0.5, 0.8, 7.0)], status)
    store.update(run_id, test_accuracy=test, nickname=nickname)
    return run_id


@pytest.fixture
def store(tmp_path: Path) -> tuple[RunStore, dict[str, str]]:
    store = RunStore(tmp_path)
    ids = {
        "ada": _run(store, "ada's", "model2", ON, 0.90, 0.95, "Ada"),
        "bo": _run(store, "bo's", "original", ON, 0.88, 0.90, "Bo"),
        "cy": _run(store, "cy's", "model1", OFF, 0.91, 0.99, "Cy"),
        "anon": _run(store, "anon", "model1", ON, 0.85, 0.86),
        "stopped": _run(store, "stopped", "model1", ON, 0.99, 0.99, "Eve", status="stopped"),
    }
    return store, ids


def test_rows_of_finished_runs(store) -> None:
    runs, ids = store
    rows = board_rows(runs.list())
    assert [r.run_id for r in rows] == [ids[k] for k in ("cy", "ada", "bo", "anon")]
    ada = next(r for r in rows if r.run_id == ids["ada"])
    assert ada.nickname == "Ada" and ada.name == "ada-s"  # run names are sanitised
    assert ada.architecture == "C32k3-P2-C64k2-P2-D0.3-F256-D0.3"
    assert ada.params == 814_218
    assert ada.gap == pytest.approx(0.05) and ada.seconds_per_epoch == 7.0
    assert ada.matches is None and not ada.hidden  # no challenge set
    assert next(r for r in rows if r.run_id == ids["anon"]).nickname == "anonymous"


def test_the_challenge_ranks_only_matching_runs_and_hidden_ones_are_out(store) -> None:
    runs, ids = store
    settings = ClassSettings(challenge=CHALLENGE, hidden=frozenset({ids["bo"]}))
    rows = board_rows(runs.list(), settings)
    assert next(r for r in rows if r.run_id == ids["bo"]).hidden  # still listed, flagged
    ranked, others = split_by_challenge(rows)
    assert [r.run_id for r in ranked] == [ids["ada"], ids["anon"]]
    assert [r.run_id for r in others] == [ids["cy"]]
    budget = ClassSettings(challenge=Challenge(epochs=1, train_limit=1000, max_params=500_000))
    ranked, others = split_by_challenge(board_rows(runs.list(), budget))
    assert [r.run_id for r in ranked] == [ids["bo"]]  # the Original fits the budget
    no_challenge = split_by_challenge(board_rows(runs.list()))
    assert len(no_challenge[0]) == 4 and no_challenge[1] == []


def _brute_force_front(points: list[tuple[float, float]]) -> set[int]:
    def beats(q, p):
        return q[0] <= p[0] and q[1] >= p[1] and q != p

    return {i for i, p in enumerate(points) if not any(beats(q, p) for q in points)}


def test_pareto_front_against_brute_force() -> None:
    rng = random.Random(19)
    for _ in range(300):
        n = rng.randint(0, 12)
        points = [(float(rng.choice([1e3, 1e4, 5e4, 1e5, 8e5])), rng.choice([0.8, 0.85, 0.9, 0.92]))
                  for _ in range(n)]  # fmt: skip
        front = pareto_front(points)
        assert set(front) == _brute_force_front(points), points
        assert [points[i][0] for i in front] == sorted(points[i][0] for i in front)


def test_pareto_front_small_cases() -> None:
    assert pareto_front([]) == []
    assert pareto_front([(10, 0.9), (5, 0.8), (20, 0.85), (5, 0.8)]) == [1, 3, 0]
    for a, b in itertools.permutations([(1, 0.5), (2, 0.6)]):
        assert len(pareto_front([a, b])) == 2


def test_front_rows_and_references(store) -> None:
    runs, ids = store
    front = front_rows(board_rows(runs.list()))
    # the Original is smallest; Model 1 (cy, 0.91) beats Model 2 (ada, 0.90) at the same size
    assert [r.run_id for r in front] == [ids["bo"], ids["cy"]]
    refs = {r.key: r for r in reference_points()}
    assert set(refs) == {"model1", "model2"}
    assert refs["model1"].params == refs["model2"].params == 814_218  # SEED.md
    logged = study_test_accuracies("model2")
    assert refs["model2"].accuracy == pytest.approx(sum(logged) / len(logged))
    assert refs["model1"].title == "Model 1 (study)"


def test_board_frame(store) -> None:
    runs, ids = store
    rows = board_rows(runs.list())
    frame = board_frame(rows)
    assert tuple(frame.columns) == BOARD_COLUMNS
    assert list(frame.index) == [r.run_id for r in rows]
    assert frame.loc[ids["ada"], "Architecture"] == "C32k3-P2-C64k2-P2-D0.3-F256-D0.3"
    assert frame.loc[ids["ada"], "Test accuracy"] == 0.90
    assert board_frame([]).empty
