"""The Class board: the server's finished runs side by side, ranked on the teacher's challenge.

Pure functions over run.json data (`RunInfo`s from the store) and the class settings: one row
per finished run (nickname, run name, the architecture in one line, parameters, test accuracy,
train − test gap, seconds per epoch), the runs that match the challenge apart from the others,
the Pareto front of accuracy against parameters, and the study's Model 1 and Model 2 as
reference points (their logged test accuracies, parameters counted without TensorFlow).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fmnist_viz.jobs import ClassSettings
from fmnist_viz.models import SpecError, check_spec, one_line, preset
from fmnist_viz.runs import RunInfo
from fmnist_viz.study.reference import STUDY_MODELS, logged_mean

if TYPE_CHECKING:
    import pandas as pd

BOARD_COLUMNS = (
    "Nickname",
    "Run",
    "Architecture",
    "Parameters",
    "Test accuracy",
    "Train − test gap",
    "Seconds per epoch",
)  # the board table's columns, in order

NO_NICKNAME = "anonymous"
REFERENCE_TITLES = {"model1": "Model 1 (study)", "model2": "Model 2 (study)"}


@dataclass(frozen=True)
class BoardRow:
    """One finished run on the board."""

    run_id: str
    nickname: str
    name: str
    architecture: str  # one line, e.g. C32k3-P2-C64k2-P2-D0.3-F256-D0.3
    params: int | None
    test_accuracy: float | None
    gap: float | None  # final training accuracy − test accuracy
    seconds_per_epoch: float | None
    matches: bool | None  # trained on the challenge's settings (None: no challenge set)
    hidden: bool  # hidden from the board by the teacher


@dataclass(frozen=True)
class ReferencePoint:
    """A labelled point of the scatter: one of the study's models."""

    key: str
    title: str
    params: int
    accuracy: float


def _finite(value: Any) -> float | None:
    """A finite number as float, else None."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def _params(meta: dict[str, Any]) -> int | None:
    """The run's parameter count (run.json's, else counted from its spec)."""
    params = meta.get("params")
    if isinstance(params, int) and not isinstance(params, bool) and params >= 0:
        return params
    try:
        return check_spec(meta["spec"]).total_params
    except (KeyError, SpecError, TypeError, ValueError):
        return None


def board_row(info: RunInfo, settings: ClassSettings | None = None) -> BoardRow:
    """One run as a board row."""
    meta = info.meta
    test = _finite(meta.get("test_accuracy"))
    train = _finite(meta.get("final_train_accuracy"))
    challenge = settings.challenge if settings else None
    return BoardRow(
        run_id=info.id,
        nickname=str(meta.get("nickname") or "") or NO_NICKNAME,
        name=info.name,
        architecture=one_line(meta.get("spec")),
        params=_params(meta),
        test_accuracy=test,
        gap=train - test if train is not None and test is not None else None,
        seconds_per_epoch=_finite(meta.get("seconds_per_epoch")),
        matches=None if challenge is None else challenge.matches(meta),
        hidden=bool(settings and info.id in settings.hidden),
    )


def board_rows(runs: Iterable[RunInfo], settings: ClassSettings | None = None) -> list[BoardRow]:
    """A row per finished, undamaged run (hidden ones too, flagged: a teacher may show them
    again), best test accuracy first, then fewer parameters."""
    rows = [board_row(r, settings) for r in runs if not r.damaged and r.status == "finished"]
    return sorted(rows, key=_rank_key)


def _rank_key(row: BoardRow) -> tuple[float, float, str]:
    """Best test accuracy first, then fewer parameters, then the run id."""
    acc = row.test_accuracy if row.test_accuracy is not None else -1.0
    params = row.params if row.params is not None else math.inf
    return (-acc, params, row.run_id)


def split_by_challenge(rows: Sequence[BoardRow]) -> tuple[list[BoardRow], list[BoardRow]]:
    """(ranked, others) among the visible rows: ranked are the runs that match the challenge
    (every visible run when none is set), others the rest; both keep the board's order."""
    visible = [r for r in rows if not r.hidden]
    ranked = [r for r in visible if r.matches is not False]
    return ranked, [r for r in visible if r.matches is False]


def pareto_front(points: Sequence[tuple[float, float]]) -> list[int]:
    """Indices of the (parameters, accuracy) points no other point beats: none has as few or
    fewer parameters and as high or higher accuracy, better in one. By parameters, ascending."""
    order = sorted(range(len(points)), key=lambda i: (points[i][0], -points[i][1]))
    front: list[int] = []
    best = -math.inf
    for i in order:
        params, acc = points[i]
        same_as_last = front and points[front[-1]] == (params, acc)
        if acc > best or same_as_last:
            front.append(i)
            best = max(best, acc)
    return front


def front_rows(rows: Sequence[BoardRow]) -> list[BoardRow]:
    """The rows on the Pareto front of test accuracy against parameters."""
    plotted = plotted_rows(rows)
    points = [(float(r.params), float(r.test_accuracy)) for r in plotted]  # type: ignore[arg-type]
    return [plotted[i] for i in pareto_front(points)]


def plotted_rows(rows: Sequence[BoardRow]) -> list[BoardRow]:
    """The rows the scatter can draw: a test accuracy and a positive parameter count."""
    return [r for r in rows if r.test_accuracy is not None and r.params]


def reference_points() -> list[ReferencePoint]:
    """The study's Model 1 and Model 2: the mean of their logged test accuracies, and their
    parameters counted from the presets (pure Python)."""
    return [
        ReferencePoint(m, REFERENCE_TITLES[m], check_spec(preset(m)).total_params, logged_mean(m))
        for m in STUDY_MODELS
    ]


def board_frame(rows: Sequence[BoardRow]) -> pd.DataFrame:
    """The board table (BOARD_COLUMNS, indexed by run id) for a sortable table widget."""
    import pandas as pd  # loaded only when a table is made (the CLI starts light)

    records = [
        (r.nickname, r.name, r.architecture, r.params, r.test_accuracy, r.gap, r.seconds_per_epoch)
        for r in rows
    ]
    frame = pd.DataFrame(records, columns=list(BOARD_COLUMNS))
    frame.index = pd.Index([r.run_id for r in rows], name="run id")
    return frame
