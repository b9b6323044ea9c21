"""The Lesson's steps: eight, short, each with a page to dig deeper; step numbers from URLs."""

from __future__ import annotations

import re

import pytest

from fmnist_viz.teaching import STEPS, step_number
from fmnist_viz.teaching.lesson import MAX_SENTENCES
from tests.apptest_support import ROOT

ORDER = ("data", "kernel", "feature_maps", "relu", "pooling", "dropout", "fitting", "verdict")


def test_the_steps_follow_the_study_in_order() -> None:
    assert tuple(s.key for s in STEPS) == ORDER
    assert [s.needs_run for s in STEPS] == [False, *[True] * 6, False]


@pytest.mark.parametrize("step", STEPS, ids=lambda s: s.key)
def test_each_step_is_short_and_links_an_existing_page(step) -> None:
    assert 1 <= len(step.sentences) <= MAX_SENTENCES
    for sentence in step.sentences:
        assert len(re.findall(r"[.!?](?:\s|$)", sentence)) == 1, sentence  # one sentence each
        assert len(sentence.split()) <= 30, sentence
    assert (ROOT / step.page).exists()


@pytest.mark.parametrize(
    ("value", "expected"), [("3", 3), ("8", 8), ("1", 1), ("0", 1), ("9", 1), ("x", 1), (None, 1)]
)
def test_step_number_from_a_url_value(value, expected) -> None:
    assert step_number(value) == expected
