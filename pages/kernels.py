"""Kernels: the learned weights of every conv layer, and how the first layer's change per epoch."""

import numpy as np
import streamlit as st

from fmnist_viz.figures.kernels import (
    deep_kernel_grid,
    filter_slices,
    first_layer_kernels,
    kernel_evolution,
    weight_histogram,
)
from fmnist_viz.figures.maps import vector_bar
from fmnist_viz.snapshots import conv_weights, kernel_snapshot
from fmnist_viz.store import RunError
from fmnist_viz.teaching import PAGE_INTROS
from ui import active_run, resources, run_cache
from ui.concepts import concept_notes
from ui.shell import ensure_shell

ensure_shell()

VIEWS = {"grid": "filters × input channels", "slices": "all input slices of one filter"}


def kernel_view(name: str, kernel: np.ndarray, bias: np.ndarray) -> None:
    """The layer's kernels: every filter for one input channel, else a grid or one filter."""
    n_in, n_f = kernel.shape[2], kernel.shape[3]
    if n_in == 1:
        st.plotly_chart(first_layer_kernels(kernel, bias), key=f"k_kernels_{name}")
        st.caption("Red = positive weight, blue = negative; the label gives each filter's bias.")
        return
    view = st.radio(
        "Show", list(VIEWS), format_func=VIEWS.get, horizontal=True, key=f"k_view_{name}"
    )
    if view == "grid":
        st.plotly_chart(deep_kernel_grid(kernel), key=f"k_grid_{name}")
        st.caption(
            "Each row is one filter, each column the slice it applies to one input channel; "
            "the filter's output is the sum over all its slices plus its bias."
        )
        return
    f = st.number_input(f"Filter (0 to {n_f - 1})", 0, n_f - 1, step=1, key=f"k_filter_{name}")
    st.plotly_chart(filter_slices(kernel, int(f)), key=f"k_slices_{name}")
    st.caption(f"Bias of filter {f}: {float(bias[int(f)]):+.4f}")


def layer_section(name: str, kernel: np.ndarray, bias: np.ndarray) -> None:
    """One conv layer: kernels, weight histogram and bias values."""
    k, _, n_in, n_f = kernel.shape
    st.subheader(f"{name}: {n_f} filters of {k}×{k} over {n_in} input channel(s)")
    kernel_view(name, kernel, bias)
    hist, biases = st.tabs([f"{name} weight histogram", f"{name} bias values"])
    hist.plotly_chart(weight_histogram(kernel, bias, name), key=f"k_hist_{name}")
    biases.plotly_chart(vector_bar(bias, f"{name} biases"), key=f"k_bias_{name}")


def evolution(run_id: str, first: str) -> None:
    """The first conv layer's kernels at a chosen saved epoch (slider), and as an animation."""
    store = resources.store()
    epochs = store.snapshot_epochs(run_id)
    if not epochs:
        st.info("This run saved no per-epoch snapshots.")
        return
    epoch = st.select_slider(
        "Epoch (0 = initial, before any training)",
        epochs,
        value=epochs[-1],
        format_func=lambda e: "0 (initial)" if e == 0 else str(e),
        key="k_epoch",
    )
    try:
        kernel, bias = conv_weights(run_cache.snapshot(run_id, epoch))[first]
        initial = conv_weights(run_cache.snapshot(run_id, epochs[0]))[first][0]
    except (RunError, KeyError) as exc:
        st.error(f"The saved snapshots of this run cannot be shown: {exc}")
        return
    if kernel.shape[2] != 1:
        st.plotly_chart(deep_kernel_grid(kernel), key="k_epoch_kernels")
        return
    change = float(np.mean(np.abs(kernel - initial)) / max(np.mean(np.abs(initial)), 1e-12))
    st.markdown(
        f"Epoch **{epoch}**: weights changed by **{change:.0%}** of their initial size on "
        f"average (mean |w − w₀| / mean |w₀|); largest weight {np.abs(kernel).max():.3f}."
    )
    st.plotly_chart(first_layer_kernels(kernel, bias), key="k_epoch_kernels")
    with st.expander("All epochs as one animation (shared colour scale)"):
        try:
            kernels = {e: conv_weights(run_cache.snapshot(run_id, e))[first][0] for e in epochs}
        except (RunError, KeyError) as exc:
            st.error(f"The saved snapshots of this run cannot be shown: {exc}")
            return
        st.plotly_chart(kernel_evolution(kernels), key="k_evolution")


st.title("Kernels")
st.caption(PAGE_INTROS["kernels"])
run_id = active_run.require_active_run()
prober = run_cache.prober(run_id) if run_id else None
if prober is None:
    st.stop()

weights = conv_weights(kernel_snapshot(prober))
if not weights:
    st.info("This model has no convolution layer, so it has no kernels to show.")
    st.stop()
info = resources.store().load(run_id)
main, notes = st.columns([4, 1])
with notes:
    concept_notes(("kernel", "feature_map", "padding"))
with main:
    best = info.get("best_epoch")
    st.markdown(
        f"**{info.name}** · the saved weights"
        + (f" (best validation loss, epoch {best})" if best else "")
        + ". Colours are centred at 0 with a symmetric range per figure."
    )
    for name, (kernel, bias) in weights.items():
        layer_section(name, kernel, bias)
    first = next(iter(weights))
    st.subheader(f"Evolution: {first} over the epochs")
    evolution(run_id, first)
