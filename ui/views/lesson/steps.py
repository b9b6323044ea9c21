"""The Lesson's steps without a network to look inside (the data, the study's verdict), the
learning curves of the lesson's run, and the dispatch of the inside steps (`lesson_inside`)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from fmnist_viz import CLASS_NAMES
from fmnist_viz.data import FashionMNIST
from fmnist_viz.figures import examples_by_class, fitting_figure, study_verdict_figure
from fmnist_viz.runs import ACTIVE, RunError, RunInfo
from fmnist_viz.teaching import Step, history_summary, study_verdict_summary
from ui.core import resources
from ui.live import fragment
from ui.live.job_progress import rerun_when_ended
from ui.views.lesson import inside
from ui.views.lesson.inside import figure


def data_step(data: FashionMNIST) -> None:
    """Step 1: three test images of each class."""
    try:
        grid = examples_by_class(data.x_test, data.y_test, CLASS_NAMES)
    except ValueError as exc:  # a user's data folder without test images of a class
        st.info(f"The loaded test set cannot show examples of every class: {exc}")
        return
    figure(grid, "lesson_fig_data")
    st.caption(data.describe())


def verdict_step() -> None:
    """Step 8: the study's logged runs of Model 1 and Model 2."""
    figure(study_verdict_figure(), "lesson_fig_verdict")
    st.caption(study_verdict_summary())


def run_step(step: Step, run: RunInfo, image: dict[str, Any] | None) -> None:
    """Steps 2 to 7: the run's weights shown live (its curves for step 7)."""
    if step.key == "fitting":
        active = run.status in ACTIVE
        st.fragment(_fitting, run_every=fragment.POLL_SECONDS if active else None)(run.id)
        return
    if image is None:
        return
    fragment.live_fragment(
        run,
        "lesson",
        lambda shown, model: inside.draw(step.key, model, image),
        controls_below=True,
    )


def _fitting(run_id: str) -> None:
    """The run's accuracy per epoch, training against validation; refreshes while the run
    trains, and the page once when it ends (the refreshing stops)."""
    store = resources.store()
    try:
        run, history = store.load(run_id), store.history(run_id)
    except RunError as exc:
        st.error(f"This run cannot be shown: {exc}")
        return
    active = [run_id] if run.status in ACTIVE else []
    rerun_when_ended("_lesson_fitting_active", active, watched=[run_id])
    epochs = int(run.meta.get("config", {}).get("epochs") or 1)
    figure(fitting_figure(history, epochs), "lesson_fig_fitting")
    st.caption(history_summary(history))
