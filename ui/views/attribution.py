"""The Attribution page's pieces: the class and settings widgets (limits read from the engine),
results cached per weights, image, method and settings, and the other runs to compare with."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import streamlit as st

from fmnist_viz import CLASS_NAMES
from fmnist_viz.inside import Prober
from fmnist_viz.seeing import (
    ATTRIBUTION_METHODS,
    DEFAULT_PATCH,
    DEFAULT_STRIDE,
    FILLS,
    PATCH_SIZES,
    SMOOTHGRAD_MAX_NOISE,
    SMOOTHGRAD_MAX_SAMPLES,
    SMOOTHGRAD_NOISE,
    SMOOTHGRAD_SAMPLES,
    Attribution,
    attribute,
)
from ui.core import resources, run_cache, session
from ui.live import fragment

PREDICTED = -1  # the class choice meaning "whatever the model predicts"
PERSIST = {"persist_state": "session"}


@dataclass(frozen=True)
class Settings:
    """The chosen settings of the four methods."""

    layer: str | None
    samples: int
    noise: float
    patch: int
    stride: int
    fill: str


def class_choice() -> int | None:
    """The class to explain: None for the predicted one (the default), else its index."""
    options = [PREDICTED, *range(len(CLASS_NAMES))]
    if st.session_state.get("attr_class") not in options:
        st.session_state["attr_class"] = PREDICTED
    chosen = st.selectbox(
        "Explain the class",
        options,
        format_func=lambda c: "the predicted class" if c == PREDICTED else CLASS_NAMES[c],
        key="attr_class",
        help="Every method explains one class score. By default the one the model predicts; "
        "pick another to see what speaks for (or against) it.",
        **PERSIST,
    )
    return None if chosen == PREDICTED else int(chosen)


def _keep(key: str, options: list, default: object) -> None:
    """Reset a widget's kept value when it is no longer one of its options."""
    if st.session_state.get(key) not in options:
        st.session_state[key] = default


def settings(conv_names: list[str]) -> Settings:
    """The methods' settings in two rows: Grad-CAM layer, SmoothGrad samples and noise;
    occlusion patch, stride and fill."""
    top = st.columns(3)
    layer = None
    if conv_names:
        _keep("attr_layer", conv_names, conv_names[-1])
        layer = top[0].selectbox("Grad-CAM layer", conv_names, key="attr_layer", **PERSIST)
    else:
        top[0].caption("Grad-CAM: this model has no convolution layer.")
    samples = top[1].slider(
        "SmoothGrad samples",
        1,
        SMOOTHGRAD_MAX_SAMPLES,
        SMOOTHGRAD_SAMPLES,
        key="attr_samples",
        help="Noisy copies of the image whose gradients are averaged (one batched call).",
        **PERSIST,
    )
    noise = top[2].slider(
        "SmoothGrad noise σ",
        0.0,
        SMOOTHGRAD_MAX_NOISE,
        SMOOTHGRAD_NOISE,
        step=0.05,
        key="attr_noise",
        help="Standard deviation of the Gaussian noise, as a share of the pixel range 0–1.",
        **PERSIST,
    )
    bottom = st.columns(3)
    _keep("attr_patch", list(PATCH_SIZES), DEFAULT_PATCH)
    patch = bottom[0].selectbox(
        "Occlusion patch (pixels)",
        PATCH_SIZES,
        format_func=lambda p: f"{p}×{p}",
        key="attr_patch",
        **PERSIST,
    )
    strides = list(range(1, patch + 1))
    _keep("attr_stride", strides, min(DEFAULT_STRIDE, patch))
    stride = bottom[1].select_slider("Occlusion stride", strides, key="attr_stride", **PERSIST)
    fill = bottom[2].radio(
        "Patch filled with",
        list(FILLS),
        format_func=FILLS.get,
        key="attr_fill",
        horizontal=True,
        **PERSIST,
    )
    return Settings(layer, int(samples), float(noise), int(patch), int(stride), str(fill))


@st.cache_data(show_spinner=False, max_entries=128)
def _computed(
    weights_key: str,
    image_key: str,
    method: str,
    target: int,
    options: tuple,
    _prober: Prober,
    _image: np.ndarray,
) -> Attribution:
    """One method's result for weights and an image known by their keys (the prober must hold
    those weights while this runs)."""
    return attribute(
        _prober, _image, method, None if target == PREDICTED else target, **dict(options)
    )


def result(
    weights_key: str,
    prober: Prober,
    image: np.ndarray,
    method: str,
    target: int | None,
    chosen: Settings,
    layer: str | None = None,
) -> Attribution:
    """A method's result under the weights the prober holds now, cached by their key (Grad-CAM
    on `layer` when given, else the chosen one)."""
    options = {k: v for k, v in asdict(chosen).items() if k != "layer"}
    if method == "grad_cam":
        options["layer"] = layer or chosen.layer
    key = fragment.image_key(image)
    target_key = PREDICTED if target is None else int(target)
    return _computed(
        weights_key, key, method, target_key, tuple(sorted(options.items())), prober, image
    )


def all_methods(
    weights_key: str, prober: Prober, image: np.ndarray, target: int | None, chosen: Settings
) -> list[Attribution]:
    """Every method's result (Grad-CAM only when the model has a conv layer)."""
    methods = [m for m in ATTRIBUTION_METHODS if m != "grad_cam" or chosen.layer is not None]
    return [result(weights_key, prober, image, m, target, chosen) for m in methods]


def other_runs(run_id: str) -> list[str]:
    """Runs with a saved model other than this one: the active ones first, then finished ones."""
    store = resources.store()
    active = session.active_runs(store)
    others = [r for r in active if r != run_id]
    others += [r.id for r in store.list() if r.status == "finished" and r.id not in active]
    return [r for r in others if r != run_id and run_cache.model_mtime(store, r) is not None]


def kept_key(run_id: str) -> str:
    """The cache key of a run's kept weights (its model file's version)."""
    return f"{run_id}:kept:{run_cache.model_mtime(resources.store(), run_id)}"
