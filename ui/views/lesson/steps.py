"""What each of the Lesson's steps draws, in one table (`VIEWS`): the data, the views inside
the network (`inside`, steps 2 to 6) of the weights shown, the run's learning curves and the
study's verdict, and what each needs first (the data set, a run to look inside)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import streamlit as st

from fmnist_viz import CLASS_NAMES
from fmnist_viz.data import FashionMNIST
from fmnist_viz.figures import examples_by_class, fitting_figure, study_verdict_figure
from fmnist_viz.inside import LayerOutput
from fmnist_viz.runs import ACTIVE, RunError, RunInfo
from fmnist_viz.teaching import history_summary, study_verdict_summary
from ui.core import resources
from ui.live import fragment
from ui.live.job_progress import rerun_when_ended
from ui.views.lesson import inside
from ui.views.lesson.inside import figure


@dataclass(frozen=True)
class Given:
    """What a step is drawn from: the data set, the lesson's run and image (when it needs them)."""

    data: FashionMNIST | None = None
    run: RunInfo | None = None
    image: dict[str, Any] | None = None


InsideView = Callable[[fragment.ModelAt, list[LayerOutput], dict[str, Any]], None]


@dataclass(frozen=True)
class StepView:
    """How a step is drawn: what it needs ('nothing', 'data' or 'run': a run to look inside,
    which also needs the data) and the function that draws it from a `Given`."""

    needs: str
    draw: Callable[[Given], None]


def data_step(given: Given) -> None:
    """Step 1: three test images of each class."""
    data = given.data
    if data is None:
        return
    try:
        grid = examples_by_class(data.x_test, data.y_test, CLASS_NAMES)
    except ValueError as exc:  # a user's data folder without test images of a class
        st.info(f"The loaded test set cannot show examples of every class: {exc}")
        return
    figure(grid, "lesson_fig_data")
    st.caption(data.describe())


def verdict_step(_: Given) -> None:
    """Step 8: the study's logged runs of Model 1 and Model 2."""
    figure(study_verdict_figure(), "lesson_fig_verdict")
    st.caption(study_verdict_summary())


def fitting_step(given: Given) -> None:
    """Step 7: the run's learning curves, refreshed while it trains."""
    run = given.run
    if run is None:
        return
    active = run.status in ACTIVE
    st.fragment(_fitting, run_every=fragment.POLL_SECONDS if active else None)(run.id)


def inside_step(view: InsideView, key: str, first_conv: bool = False) -> Callable[[Given], None]:
    """A step drawn inside the network for the image, live from the run's weights shown; with
    first_conv, only for a model that starts with a convolution layer."""

    def draw(given: Given) -> None:
        run, image = given.run, given.image
        if run is None or image is None:
            return
        fragment.live_fragment(
            run,
            "lesson",
            lambda shown, model: _inside(view, first_conv, model, image),
            controls_below=True,
        )

    draw.__name__ = draw.__qualname__ = f"{key}_step"
    return draw


def _inside(
    view: InsideView, first_conv: bool, model: fragment.ModelAt, image: dict[str, Any]
) -> None:
    """One inside view of the weights shown."""
    outputs = model.layer_outputs(image["image"])
    if first_conv and (not outputs or outputs[0].type != "Conv2D"):
        st.info("This model does not start with a convolution layer: open the full page.")
        return
    view(model, outputs, image)


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


VIEWS: dict[str, StepView] = {  # by the key of fmnist_viz.teaching.STEPS
    "data": StepView("data", data_step),
    "kernel": StepView("run", inside_step(inside.kernel, "kernel", first_conv=True)),
    "feature_maps": StepView(
        "run", inside_step(inside.feature_maps, "feature_maps", first_conv=True)
    ),
    "relu": StepView("run", inside_step(inside.relu, "relu", first_conv=True)),
    "pooling": StepView("run", inside_step(inside.pooling, "pooling")),
    "dropout": StepView("run", inside_step(inside.dropout, "dropout")),
    "fitting": StepView("run", fitting_step),
    "verdict": StepView("nothing", verdict_step),
}
