"""The Class board's scatter: one point per run with its run id, a log axis, the front, and the
study's models labelled."""

from __future__ import annotations

from fmnist_viz.figures import accuracy_vs_params
from fmnist_viz.study import BoardRow, ReferencePoint


def _row(run_id: str, params: int | None, acc: float | None) -> BoardRow:
    return BoardRow(run_id, "Ada", run_id, "C8k3-P2", params, acc, 0.01, 3.0, None, False)


ROWS = [_row("a", 1_000, 0.80), _row("b", 50_000, 0.90), _row("c", 40_000, 0.85)]
REFS = [
    ReferencePoint("model1", "Model 1 (study)", 814_218, 0.919),
    ReferencePoint("model2", "Model 2 (study)", 814_218, 0.922),
]


def test_points_front_and_references() -> None:
    rows = [*ROWS, _row("no accuracy", 10, None), _row("no params", None, 0.5)]
    fig = accuracy_vs_params(rows, [ROWS[1], ROWS[0]], REFS)
    runs, front, *refs = fig.data
    assert list(runs.customdata) == ["a", "b", "c"]  # unplottable rows left out
    assert list(runs.x) == [1_000, 50_000, 40_000] and list(runs.y) == [0.80, 0.90, 0.85]
    assert list(front.customdata) == ["a", "b"]  # drawn by parameters
    assert front.line.shape == "hv"
    assert [r.text[0] for r in refs] == ["Model 1 (study)", "Model 2 (study)"]
    assert refs[0].textposition != refs[1].textposition  # same size: labels do not overlap
    assert fig.layout.xaxis.type == "log"
    fig.to_json()  # serialisable


def test_without_a_front_or_references() -> None:
    fig = accuracy_vs_params(ROWS)
    assert len(fig.data) == 1
    assert len(accuracy_vs_params([]).data) == 1
