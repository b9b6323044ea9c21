"""The Lesson's figures, one per step, drawn from the run the lesson shows (live while it
trains, through `live_view`), and the quick demo offered when there is no run yet."""

from __future__ import annotations

from typing import Any

import numpy as np
import streamlit as st

from fmnist_viz import CLASS_NAMES
from fmnist_viz.architectures import preset
from fmnist_viz.chart_text import history_summary, study_verdict_summary
from fmnist_viz.config import QUICK_DEMO_EPOCHS, QUICK_DEMO_TRAIN_LIMIT, ConfigError, TrainConfig
from fmnist_viz.data import FashionMNIST
from fmnist_viz.dropout import dropout_view
from fmnist_viz.executors import ExecutorError
from fmnist_viz.figures.dropout import dropout_triplet
from fmnist_viz.figures.lesson import (
    conv_step_figure,
    examples_by_class,
    fitting_figure,
    pool_step_figure,
    study_verdict_figure,
)
from fmnist_viz.figures.maps import channel_grid
from fmnist_viz.figures.relu import relu_pair
from fmnist_viz.lesson import Step
from fmnist_viz.probes import LayerOutput
from fmnist_viz.relu import telling_channel
from fmnist_viz.store import ACTIVE, RunError, RunInfo
from fmnist_viz.worked_examples import (
    conv_equation,
    conv_step,
    pool_equation,
    pool_step,
    strongest,
)
from ui import live_view, presenter, resources, state

POOL_TYPES = ("MaxPooling2D", "AveragePooling2D")
FILTER_KEY = "lesson_filter"
SEED_KEY = "lesson_dropout_seed"
DEMO_NAME = "Quick demo (lesson)"
DROPOUT_CHANNELS = 16  # of a dropout layer's maps, shown as two rows of eight
DROPOUT_HEIGHT = 360
MAP_COLUMNS = 16  # two rows for 32 filters: the whole layer on one projected screen


def figure(fig: Any, key: str) -> None:
    """Every lesson figure goes through here: projector styling when presenting."""
    presenter.chart(fig, key=key)


def data_step(data: FashionMNIST) -> None:
    """Step 1: three test images of each class."""
    figure(examples_by_class(data.x_test, data.y_test, CLASS_NAMES), "lesson_fig_data")
    st.caption(data.describe())


def verdict_step() -> None:
    """Step 8: the study's logged runs of Model 1 and Model 2."""
    figure(study_verdict_figure(), "lesson_fig_verdict")
    st.caption(study_verdict_summary())


def offer_quick_demo() -> None:
    """No run yet: a button that trains the quick demo; the lesson continues with it."""
    st.info(
        "This step looks inside a trained network, and there is none yet. The quick demo "
        f"trains Model 1 on {QUICK_DEMO_TRAIN_LIMIT:,} images for {QUICK_DEMO_EPOCHS} epochs; "
        "the lesson shows it as it learns."
    )
    if not st.button("Train the quick demo", key="lesson_demo", type="primary"):
        return
    config = TrainConfig(epochs=QUICK_DEMO_EPOCHS, train_limit=QUICK_DEMO_TRAIN_LIMIT)
    jm = resources.job_manager()
    try:
        run_id = jm.submit(state.owner(), preset("model1"), config, name=DEMO_NAME, arch="model1")
    except (ConfigError, RunError, ExecutorError) as exc:
        st.error(f"Cannot start the quick demo: {exc}")
        return
    state.set_active_runs([run_id, *state.active_runs_now()])
    st.rerun()


def run_step(step: Step, run: RunInfo, image: dict[str, Any]) -> None:
    """Steps 2 to 7: the run's weights shown live (or its curves, for step 7)."""
    if step.key == "fitting":
        active = run.status in ACTIVE
        st.fragment(_fitting, run_every=live_view.POLL_SECONDS if active else None)(run.id)
        return
    live_view.live_fragment(
        run, "lesson", lambda shown, model: _inside(step.key, model, image), controls_below=True
    )


def _fitting(run_id: str) -> None:
    """The run's accuracy per epoch, training against validation (refreshes while it trains)."""
    store = resources.store()
    try:
        run, history = store.load(run_id), store.history(run_id)
    except RunError as exc:
        st.error(f"This run cannot be shown: {exc}")
        return
    epochs = int(run.meta.get("config", {}).get("epochs") or 1)
    figure(fitting_figure(history, epochs), "lesson_fig_fitting")
    st.caption(history_summary(history))


def _inside(key: str, model: live_view.ModelAt, image: dict[str, Any]) -> None:
    """The step's view of the weights shown."""
    outputs = model.layer_outputs(image["image"])
    first = outputs[0] if outputs else None
    if first is None or first.type != "Conv2D":
        st.info("This model does not start with a convolution layer: open the full page.")
        return
    draw = {
        "kernel": _kernel,
        "feature_maps": _feature_maps,
        "relu": _relu,
        "pooling": _pooling,
        "dropout": _dropout,
    }[key]
    draw(model, outputs, image)


def _filter(first: LayerOutput, where: Any = st) -> int:
    """The filter the lesson follows (a slider; first: the one with the most for ReLU to do)."""
    n = first.output.shape[2]
    if st.session_state.get(FILTER_KEY, -1) not in range(n):
        before = first.pre_activation if first.pre_activation is not None else first.output
        st.session_state[FILTER_KEY] = telling_channel(before)
    return int(where.slider(f"Filter of {first.name}", 0, n - 1, key=FILTER_KEY))


def _layer_spec(model: live_view.ModelAt, name: str) -> dict[str, Any]:
    """The spec entry of a layer (its padding, strides, pool size)."""
    return next((lay for lay in model.spec.get("layers", []) if lay.get("name") == name), {})


def _position(
    key: str, shape: tuple[int, int], default: tuple[int, int], columns: list[Any]
) -> tuple[int, int]:
    """Row and column sliders for a worked example's position (in two of the columns)."""
    out = []
    for column, axis, size, start in zip(columns, ("row", "col"), shape, default, strict=True):
        widget = f"{key}_{axis}"
        if st.session_state.get(widget, -1) not in range(size):
            st.session_state[widget] = start
        label = "Output row" if axis == "row" else "Output column"
        out.append(int(column.slider(label, 0, size - 1, key=widget)))
    return out[0], out[1]


def _kernel(model: live_view.ModelAt, outputs: list[LayerOutput], image: dict[str, Any]) -> None:
    """Step 2: one output value of the first conv layer, multiply-and-add in numbers."""
    first = outputs[0]
    box, columns = st.container(), st.columns(3)  # the figure above its sliders
    f = _filter(first, columns[0])
    response = first.output[:, :, f]
    row, col = _position("lesson_conv", response.shape, strongest(response), columns[1:])
    weights = model.kernels()
    spec = _layer_spec(model, first.name)
    step = conv_step(
        image["image"],
        weights[f"{first.name}/kernel"],
        weights.get(f"{first.name}/bias", np.zeros(first.output.shape[2])),
        filter_index=f,
        row=row,
        col=col,
        stride=int(spec.get("strides") or 1),
        padding=spec.get("padding", "same"),
    )
    with box:
        figure(conv_step_figure(image["image"], step, response), "lesson_fig_kernel")
        st.markdown(f"`{conv_equation(step)}`")
        if not step.inside.all():
            st.caption("Part of the window hangs over the edge: those pixels count as 0.")


def _feature_maps(model: live_view.ModelAt, outputs: list[LayerOutput], image: dict) -> None:
    """Step 3: every channel of the first conv layer."""
    first = outputs[0]
    maps = channel_grid(first.output, f"{first.name}: one map per filter", cols=MAP_COLUMNS)
    figure(maps, "lesson_fig_maps")
    lit = np.mean(first.output.max(axis=(0, 1)) > 0)
    st.caption(
        f"{first.output.shape[2]} maps of {first.output.shape[0]}×{first.output.shape[1]}; "
        f"{lit:.0%} of the filters respond somewhere on this {image['source']}."
    )


def _relu(model: live_view.ModelAt, outputs: list[LayerOutput], image: dict) -> None:
    """Step 4: the followed filter before and after ReLU."""
    first = outputs[0]
    if first.pre_activation is None or first.activation != "relu":
        st.info(f"{first.name} does not use ReLU: open the full page for this model.")
        return
    box = st.container()  # the figure above its slider
    f = _filter(first, st.columns(3)[0])
    with box:
        figure(relu_pair(first.pre_activation, first.output, f), "lesson_fig_relu")
        zeroed = float(np.mean(first.output == 0))
        n = first.output.shape[2]
        st.caption(f"Over all {n} filters, ReLU set {zeroed:.0%} of the values to 0.")


def _pooling(model: live_view.ModelAt, outputs: list[LayerOutput], image: dict) -> None:
    """Step 5: one pooling output of the followed filter, block and maximum in numbers."""
    index = next((i for i, o in enumerate(outputs) if o.type in POOL_TYPES), None)
    if index is None or index == 0 or not outputs[index - 1].is_map:
        st.info("This model has no pooling layer after a map: open the full page.")
        return
    pool, before = outputs[index], outputs[index - 1].output
    box, columns = st.container(), st.columns(3)
    f = min(_filter(outputs[0], columns[0]), before.shape[2] - 1)
    spec = _layer_spec(model, pool.name)
    size = int(spec.get("pool_size") or 2)
    stride = int(spec.get("strides") or size)
    r, c = strongest(before[:, :, f])
    shape = pool.output.shape[:2]
    start = (min(r // stride, shape[0] - 1), min(c // stride, shape[1] - 1))
    row, col = _position("lesson_pool", shape, start, columns[1:])
    step = pool_step(
        before,
        channel=f,
        row=row,
        col=col,
        pool_size=size,
        stride=stride,
        padding=spec.get("padding", "valid"),
        kind="max" if pool.type == "MaxPooling2D" else "average",
    )
    with box:
        figure(pool_step_figure(before[:, :, f], pool.output[:, :, f], step), "lesson_fig_pool")
        st.markdown(f"`{pool_equation(step)}`")


def _dropout(model: live_view.ModelAt, outputs: list[LayerOutput], image: dict) -> None:
    """Step 6: the first dropout layer's mask and scaling on this image."""
    prober = model.prober
    kinds = [type(layer).__name__ for layer in prober.layers]
    flatten = kinds.index("Flatten") if "Flatten" in kinds else len(kinds)
    rates = {
        n: p
        for n, p in prober.dropout_rates().items()
        if model.full or prober.layer_names.index(n) < flatten
    }
    if not rates:
        st.info(
            "This model (or this saved state, which keeps the convolution weights only) has no "
            "dropout layer to show: pick the newest weights, or train Model 2."
        )
        return
    name, p = next(iter(rates.items()))
    seed = int(st.session_state.setdefault(SEED_KEY, 0))
    view = dropout_view(prober, image["image"], name, seed)
    shown = [_first_channels(a) for a in view]  # a few large tiles read better projected
    fig = dropout_triplet(*shown, p).update_layout(height=DROPOUT_HEIGHT)
    figure(fig, "lesson_fig_dropout")
    st.button("New random mask", key="lesson_remask", on_click=_remask, icon=":material/casino:")
    more = (
        f" (the first {DROPOUT_CHANNELS} of {view.input.shape[2]} channels are drawn)"
        if view.input.ndim == 3 and view.input.shape[2] > DROPOUT_CHANNELS
        else ""
    )
    st.caption(
        f"{name}, p = {p:g}{more}: {view.mask.mean():.0%} of {view.mask.size:,} units kept this "
        "time; "
        f"the survivors are multiplied by 1/(1 − {p:g}) = {1 / (1 - p):.3f}."
    )


def _first_channels(values: np.ndarray) -> np.ndarray:
    """The first DROPOUT_CHANNELS channels of a map (a vector as it is)."""
    return values[:, :, :DROPOUT_CHANNELS] if values.ndim == 3 else values


def _remask() -> None:
    st.session_state[SEED_KEY] = int(st.session_state.get(SEED_KEY, 0)) + 1
