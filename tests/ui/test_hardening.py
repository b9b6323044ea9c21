"""Page tests (streamlit.testing) on a damaged store: every page renders, damaged runs are
listed with their reason and never shown as if they were healthy."""

from __future__ import annotations

import pytest

from fmnist_viz.runs import RunStore
from tests.apptest_support import open_page, texts
from tests.run_support import damaged_runs

PAGES = ("home", "train", "runs", "feature_maps", "kernels", "relu", "dropout", "compare")
PAGES += ("evaluate", "attribution", "filters", "embeddings", "lesson")


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_over_damaged_runs(env: RunStore, page: str) -> None:
    damaged_runs(env)
    at = open_page(f"pages/{page}.py")  # open_page asserts there is no exception
    assert not at.exception


@pytest.mark.slow
def test_runs_page_lists_each_damaged_run_with_its_reason(env: RunStore) -> None:
    reasons = damaged_runs(env)
    at = open_page("pages/runs.py")
    table = at.dataframe[-1].value  # the damaged runs' table
    listed = dict(zip(table["folder"], table["problem"], strict=True))
    assert set(listed) == set(reasons)
    for run_id, reason in reasons.items():
        assert reason in listed[run_id]
    assert "No runs yet" in texts(at)  # none of them is offered as a usable run


@pytest.mark.slow
def test_a_link_to_a_damaged_run_says_why_it_is_not_shown(env: RunStore) -> None:
    reasons = damaged_runs(env)
    run_id, reason = next((r, why) for r, why in reasons.items() if "accuracy" in why)
    at = open_page("pages/feature_maps.py", run=run_id)
    assert f"Run {run_id} cannot be shown: run.json: {reason}" in texts(at)


def test_a_lesson_link_to_a_damaged_run_says_why(env: RunStore) -> None:
    reasons = damaged_runs(env)
    run_id, reason = next((r, why) for r, why in reasons.items() if "accuracy" in why)
    at = open_page("pages/lesson.py", run=run_id, step="3")
    assert f"Run {run_id} cannot be shown: run.json: {reason}" in texts(at)
    assert [b for b in at.button if b.key == "lesson_demo"]  # and the lesson can go on
