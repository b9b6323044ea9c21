"""The Lesson's views inside the network (steps 2 to 6): one kernel's multiply-and-add, the
first layer's maps, ReLU, one pooling block and dropout, for the weights `live_view` shows.

Each view draws its figure above its sliders; the filter, positions and channel persist for
the session, so a teacher's choice follows from step to step.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import streamlit as st

from fmnist_viz.figures import (
    channel_grid,
    conv_step_figure,
    dropout_triplet,
    pool_step_figure,
    relu_pair,
)
from fmnist_viz.inside import (
    LayerOutput,
    conv_equation,
    conv_step,
    dropout_view,
    on_the_object,
    pool_equation,
    pool_step,
    showable_layers,
    strongest,
    telling_channel,
)
from ui.core import presenter
from ui.live import fragment

POOL_TYPES = ("MaxPooling2D", "AveragePooling2D")
FILTER_KEY = "lesson_filter"
CHANNEL_KEY = "lesson_pool_channel"
SEED_KEY = "lesson_dropout_seed"
PERSIST: dict[str, Any] = {"persist_state": "session"}  # kept on the steps that do not draw it
DROPOUT_CHANNELS = 16  # of a dropout layer's maps, shown as two rows of eight
DROPOUT_HEIGHT = 360
MAP_COLUMNS = 16  # two rows for 32 filters: the whole layer on one projected screen
NEEDS_FIRST_CONV = ("kernel", "feature_maps", "relu")


def figure(fig: Any, key: str) -> None:
    """Every lesson figure goes through here: projector styling when presenting."""
    presenter.chart(fig, key=key)


def draw(key: str, model: fragment.ModelAt, image: dict[str, Any]) -> None:
    """The step's view of the weights shown."""
    outputs = model.layer_outputs(image["image"])
    if key in NEEDS_FIRST_CONV and (not outputs or outputs[0].type != "Conv2D"):
        st.info("This model does not start with a convolution layer: open the full page.")
        return
    views = {
        "kernel": _kernel,
        "feature_maps": _feature_maps,
        "relu": _relu,
        "pooling": _pooling,
        "dropout": _dropout,
    }
    views[key](model, outputs, image)


def _choice(label: str, n: int, key: str, default: int, where: Any) -> int:
    """A slider over 0 … n−1 kept for the session (nothing to choose when n is 1)."""
    if st.session_state.get(key, -1) not in range(n):
        st.session_state[key] = min(max(default, 0), n - 1)
    if n == 1:
        return 0
    return int(where.slider(label, 0, n - 1, key=key, **PERSIST))


def _filter(first: LayerOutput, where: Any) -> int:
    """The filter the lesson follows (first: the one with the most for ReLU to do)."""
    before = first.pre_activation if first.pre_activation is not None else first.output
    n = first.output.shape[2]
    default = telling_channel(before) if FILTER_KEY not in st.session_state else 0
    return _choice(f"Filter of {first.name}", n, FILTER_KEY, default, where)


def _position(
    key: str, shape: tuple[int, int], default: tuple[int, int], columns: list[Any]
) -> tuple[int, int]:
    """Row and column sliders for a worked example's position (in two of the columns)."""
    row = _choice("Output row", shape[0], f"{key}_row", default[0], columns[0])
    col = _choice("Output column", shape[1], f"{key}_col", default[1], columns[1])
    return row, col


def _one(value: Any) -> int:
    """A Keras layer's per-axis setting (strides=(2, 2)) as one number."""
    return int(value[0] if isinstance(value, tuple | list) else value)


def _kernel(model: fragment.ModelAt, outputs: list[LayerOutput], image: dict[str, Any]) -> None:
    """Step 2: one output value of the first conv layer, multiply-and-add in numbers."""
    first = outputs[0]
    box, columns = st.container(), st.columns(3)  # the figure above its sliders
    f = _filter(first, columns[0])
    response = first.output[:, :, f]
    start = strongest(on_the_object(response, image["image"]))
    row, col = _position("lesson_conv", response.shape, start, columns[1:])
    layer = model.prober.layer(first.name)
    weights = model.kernels()
    bias = weights.get(f"{first.name}/bias", np.zeros(first.output.shape[2]))
    try:
        step = conv_step(
            image["image"],
            weights[f"{first.name}/kernel"],
            bias,
            filter_index=f,
            row=row,
            col=col,
            stride=_one(layer.strides),
            padding=layer.padding,
            activation=first.activation or "linear",
        )
    except (KeyError, ValueError) as exc:  # a layer the worked example cannot write out
        st.info(f"{first.name} cannot be written out as a multiply-and-add here: {exc}")
        return
    with box:
        figure(conv_step_figure(image["image"], step, response), "lesson_fig_kernel")
        st.markdown(f"`{conv_equation(step)}`")
        if not step.inside.all():
            st.caption("Part of the window hangs over the edge: those pixels count as 0.")


def _feature_maps(model: fragment.ModelAt, outputs: list[LayerOutput], image: dict) -> None:
    """Step 3: every channel of the first conv layer."""
    first = outputs[0]
    maps = channel_grid(first.output, f"{first.name}: one map per filter", cols=MAP_COLUMNS)
    figure(maps, "lesson_fig_maps")
    lit = np.mean(first.output.max(axis=(0, 1)) > 0)
    st.caption(
        f"{first.output.shape[2]} maps of {first.output.shape[0]}×{first.output.shape[1]}; "
        f"{lit:.0%} of the filters respond somewhere on this {image['source']}."
    )


def _relu(model: fragment.ModelAt, outputs: list[LayerOutput], image: dict) -> None:
    """Step 4: the followed filter before and after ReLU."""
    first = outputs[0]
    if first.pre_activation is None or first.activation != "relu":
        st.info(f"{first.name} does not use ReLU: open the ReLU page for this model.")
        return
    box = st.container()  # the figure above its slider
    f = _filter(first, st.columns(3)[0])
    with box:
        figure(relu_pair(first.pre_activation, first.output, f), "lesson_fig_relu")
        zeroed = float(np.mean(first.output == 0))
        n = first.output.shape[2]
        st.caption(f"Over all {n} filters, ReLU set {zeroed:.0%} of the values to 0.")


def _pooling(model: fragment.ModelAt, outputs: list[LayerOutput], image: dict) -> None:
    """Step 5: one output of the first pooling layer, its block and maximum in numbers."""
    index = next((i for i, o in enumerate(outputs) if o.type in POOL_TYPES), None)
    if index is None or index == 0 or not outputs[index - 1].is_map:
        st.info("This model has no pooling layer after a map: open the full page.")
        return
    pool, source = outputs[index], outputs[index - 1]
    before = source.output
    box, columns = st.container(), st.columns(3)
    followed = st.session_state.get(FILTER_KEY, int(np.argmax(before.max(axis=(0, 1)))))
    channel = _choice(
        f"Channel of {source.name}", before.shape[2], CHANNEL_KEY, followed, columns[0]
    )
    layer = model.prober.layer(pool.name)
    size, stride = _one(layer.pool_size), _one(layer.strides)
    r, c = strongest(before[:, :, channel])
    shape = pool.output.shape[:2]
    start = (min(r // stride, shape[0] - 1), min(c // stride, shape[1] - 1))
    row, col = _position("lesson_pool", shape, start, columns[1:])
    try:
        step = pool_step(
            before,
            channel=channel,
            row=row,
            col=col,
            pool_size=size,
            stride=stride,
            padding=layer.padding,
            kind="max" if pool.type == "MaxPooling2D" else "average",
        )
    except ValueError as exc:
        st.info(f"{pool.name} cannot be written out here: {exc}")
        return
    with box:
        after = pool.output[:, :, channel]
        figure(pool_step_figure(before[:, :, channel], after, step), "lesson_fig_pool")
        st.markdown(f"`{pool_equation(step)}`")


def _dropout(model: fragment.ModelAt, outputs: list[LayerOutput], image: dict) -> None:
    """Step 6: the first dropout layer's mask and scaling on this image."""
    rates = showable_layers(model.prober, model.full)
    if not rates:
        st.info(
            "This model (or this saved state, which keeps the convolution weights only) has no "
            "dropout layer to show: pick the newest weights, or train Model 2."
        )
        return
    name, p = next(iter(rates.items()))
    seed = int(st.session_state.setdefault(SEED_KEY, 0))
    view = dropout_view(model.prober, image["image"], name, seed)
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
        f"{name}, p = {p:g}{more}: {view.mask.mean():.0%} of {view.mask.size:,} units kept "
        f"this time; the survivors are multiplied by 1/(1 − {p:g}) = {1 / (1 - p):.3f}."
    )


def _first_channels(values: np.ndarray) -> np.ndarray:
    """The first DROPOUT_CHANNELS channels of a map (a vector as it is)."""
    return values[:, :, :DROPOUT_CHANNELS] if values.ndim == 3 else values


def _remask() -> None:
    st.session_state[SEED_KEY] = int(st.session_state.get(SEED_KEY, 0)) + 1
