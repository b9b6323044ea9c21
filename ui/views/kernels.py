"""Kernels: the weights of every conv layer, live while the run trains, over its saved states."""

import numpy as np
import streamlit as st

from fmnist_viz.figures import (
    deep_kernel_grid,
    filter_slices,
    first_layer_kernels,
    kernel_evolution,
    vector_bar,
    weight_histogram,
)
from fmnist_viz.runs import RunError, conv_weights, weight_change
from ui.core import presenter, run_cache
from ui.live import fragment
from ui.shell import ensure_shell
from ui.views import inside_page
from ui.widgets import run_chooser

VIEWS = {"grid": "filters × input channels", "slices": "all input slices of one filter"}
MAX_FRAMES = 60  # frames of the in-browser animation


def kernel_view(name: str, kernel: np.ndarray, bias: np.ndarray, limit: float | None) -> None:
    """The layer's kernels: every filter for one input channel, else a grid or one filter."""
    n_in, n_f = kernel.shape[2], kernel.shape[3]
    if n_in == 1:
        presenter.chart(first_layer_kernels(kernel, bias, limit), key=f"k_kernels_{name}")
        st.caption("Red = positive weight, blue = negative; the label gives each filter's bias.")
        return
    view = st.radio(
        "Show", list(VIEWS), format_func=VIEWS.get, horizontal=True, key=f"k_view_{name}"
    )
    if view == "grid":
        presenter.chart(deep_kernel_grid(kernel, limit=limit), key=f"k_grid_{name}")
        st.caption(
            "Each row is one filter, each column the slice it applies to one input channel; "
            "the filter's output is the sum over all its slices plus its bias."
        )
        return
    f = st.number_input(f"Filter (0 to {n_f - 1})", 0, n_f - 1, step=1, key=f"k_filter_{name}")
    presenter.chart(filter_slices(kernel, int(f)), key=f"k_slices_{name}")
    st.caption(f"Bias of filter {f}: {float(bias[int(f)]):+.4f}")


def layer_section(name: str, kernel: np.ndarray, bias: np.ndarray, limit: float | None) -> None:
    """One conv layer: kernels, weight histogram and bias values."""
    k, _, n_in, n_f = kernel.shape
    st.subheader(f"{name}: {n_f} filters of {k}×{k} over {n_in} input channel(s)")
    kernel_view(name, kernel, bias, limit)
    hist, biases = st.tabs([f"{name} weight histogram", f"{name} bias values"])
    presenter.chart(weight_histogram(kernel, bias, name), key=f"k_hist_{name}", where=hist)
    presenter.chart(vector_bar(bias, f"{name} biases"), key=f"k_bias_{name}", where=biases)


def change_since_start(shown: fragment.Shown, name: str, kernel: np.ndarray) -> None:
    """How far the layer's weights moved from the random start (state 0), in words."""
    start = next((s for s in shown.states if s.step == 0), None)
    if start is None:
        return
    try:
        initial = conv_weights(run_cache.state_weights(start.path))[name][0]
    except (RunError, KeyError):
        return
    change = weight_change(kernel, initial)
    st.markdown(
        f"{name}'s weights moved by **{change:.0%}** of their initial size on average since the "
        f"random start (mean |w − w₀| / mean |w₀|); largest weight {np.abs(kernel).max():.3f}."
    )


def evolution(shown: fragment.Shown, first: str) -> None:
    """The first conv layer's kernels in every saved state as one animation (in the browser)."""
    if len(shown.states) < 2:
        return
    states = shown.states
    if len(states) > MAX_FRAMES:  # evenly spaced, the first and the last always in
        picks = np.linspace(0, len(states) - 1, MAX_FRAMES).round().astype(int)
        states = [states[i] for i in sorted(set(picks))]
    with st.expander(f"{first} over {len(states)} saved states, as one animation"):
        try:
            kernels = {
                round(s.position, 3): conv_weights(run_cache.state_weights(s.path))[first][0]
                for s in states
            }
            presenter.chart(kernel_evolution(kernels), key="k_evolution")
        except (RunError, KeyError, ValueError) as exc:
            st.error(f"The saved states of this run cannot be shown: {exc}")


def draw(shown: fragment.Shown, model: fragment.ModelAt) -> None:
    """The kernels of the weights shown, and how they moved since the random start."""
    weights = conv_weights(model.kernels())
    if not weights:
        st.info("This model has no convolution layer, so it has no kernels to show.")
        return
    limits = fragment.playback_limits(shown) if shown.state is not None else None
    first, (kernel, _) = next(iter(weights.items()))
    same = " (the same in every saved state)" if limits else " per figure"
    for i, (name, (layer_kernel, bias)) in enumerate(weights.items()):
        layer_section(name, layer_kernel, bias, (limits or {}).get(name))
        if i == 0:  # the first layer's kernels are the page's main figure: the words under it
            st.caption(f"Colours are centred at 0 with a symmetric range{same}.")
            change_since_start(shown, first, kernel)
    evolution(shown, first)


def render() -> None:
    """Draw the Kernels page."""
    ensure_shell()
    inside_page.header("Kernels", "kernels", ("kernel", "feature_map", "padding"))
    with presenter.settings_box("Run"), st.columns([2, 4])[0]:
        run = run_chooser.choose_run()
    if run is None:
        st.stop()
    fragment.live_fragment(run, "k", draw)
