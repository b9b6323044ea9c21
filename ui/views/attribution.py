"""The Attribution page's pieces: the class and settings widgets (limits read from the engine),
results cached per weights, image, method and settings, and the other runs to compare with."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import streamlit as st

from fmnist_viz import CLASS_NAMES
from fmnist_viz.figures import attribution_figure, methods_panel, shared_scale
from fmnist_viz.inside import LOGIT, Prober, conv_layers
from fmnist_viz.inside import class_score as score_of
from fmnist_viz.seeing import (
    ATTRIBUTION_METHODS,
    DEFAULT_PATCH,
    DEFAULT_STRIDE,
    FILLS,
    METHOD_TITLES,
    PATCH_SIZES,
    SMOOTHGRAD_MAX_NOISE,
    SMOOTHGRAD_MAX_SAMPLES,
    SMOOTHGRAD_NOISE,
    SMOOTHGRAD_SAMPLES,
    Attribution,
    attribute,
)
from ui.core import presenter, resources, run_cache, session
from ui.live import fragment
from ui.shell import ensure_shell
from ui.views import inside_page
from ui.widgets import image_picker, run_chooser

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


VIEWS = {"four": "The four methods", "runs": "Two runs side by side"}
NEEDS_FULL = (
    "This saved state keeps the convolution weights only (the dense layers are kept at epoch "
    "ends), and every attribution method needs the class score, so the whole model. Move the "
    "slider to an epoch end, to the kept weights, or to “now” while the run trains."
)
NO_CONV = (
    "This model has no convolution layer, so there is no Grad-CAM (it weights a conv layer's "
    "maps). Saliency, SmoothGrad and occlusion work on any model: they are shown below."
)
LEGEND = (
    "Colours fade to clear where a method finds nothing, so the image shows through. Grad-CAM, "
    "saliency and SmoothGrad: the darker red, the more. Occlusion: red where covering the "
    "patch lowers the class's probability, blue where it raises it. Each panel has its own "
    "colour bar and units; hover to read a pixel's value."
)


def score_text(score: str, fill: str) -> str:
    """What the methods measure here, in words."""
    what = (
        "the class's pre-softmax logit (the last Dense layer without its softmax), so they do "
        "not vanish when the model is sure"
        if score == LOGIT
        else "the class's log-probability (this model's last layer is not a softmax Dense "
        "layer), so they shrink to nothing when the model is sure"
    )
    return (
        f"Gradients (Grad-CAM, saliency, SmoothGrad) are taken of {what}; occlusion measures "
        f"the class's probability, with patches filled with {FILLS[fill]}. Grad-CAM is "
        "upsampled to 28×28 bilinearly. Everything runs at inference: dropout is off."
    )


def explained(target: int, probs: np.ndarray) -> str:
    """Which class is explained, with the model's own prediction when it differs."""
    pred = int(np.argmax(probs))
    text = f"Explaining **{CLASS_NAMES[target]}** (p = {probs[target]:.1%})"
    if target == pred:
        return f"{text}, the model's prediction."
    return f"{text}; the model predicts {CLASS_NAMES[pred]} ({probs[pred]:.1%})."


def show_notes(results: list[Attribution]) -> None:
    """Each result's notes: a warning when its map is empty, else a caption."""
    for res in results:
        for note in res.notes:
            if res.empty:
                st.warning(f"{res.title}: {note}")
            else:
                st.caption(f"{res.title}: {note}")


def four_methods(
    key: str, prober: Prober, image: dict, target: int | None, chosen: Settings
) -> None:
    """The four methods over the image in one panel, with their notes."""
    results = all_methods(key, prober, image["image"], target, chosen)
    if chosen.layer is None:
        st.info(NO_CONV)
    cols = 2 if len(results) == 4 else len(results)
    figure = methods_panel(image["image"], results, title=f"Input: {image['source']}", cols=cols)
    presenter.chart(figure, key="attr_panel")
    st.caption(LEGEND)
    show_notes(results)


def side(
    prober: Prober, weights_key: str, method: str, layer: str | None, ctx: dict
) -> Attribution | None:
    """One run's result for the side-by-side view (None after saying why there is none)."""
    names = conv_layers(prober)
    if method == "grad_cam":
        if not names:
            st.info("This model has no convolution layer: no Grad-CAM.")
            return None
        layer = layer if layer in names else names[-1]
    return result(weights_key, prober, ctx["image"], method, ctx["target"], ctx["settings"], layer)


def versus_run(run_id: str, model: fragment.ModelAt, ctx: dict) -> None:
    """The same image, class and method through another run, side by side."""
    others = other_runs(run_id)
    if not others:
        st.info("There is no other run with a saved model yet: train another one to compare.")
        return
    left, right = st.columns(2)
    other = left.selectbox("Other run", others, format_func=run_chooser.run_name, key="attr_other")
    method = right.radio(
        "Method",
        list(ATTRIBUTION_METHODS),
        format_func=METHOD_TITLES.get,
        horizontal=True,
        key="attr_side_method",
        persist_state="session",
    )
    other_prober = run_cache.prober(other)
    if other_prober is None:
        return
    layer = ctx["settings"].layer
    sides = [(run_id, model.prober, model.key, "a", "the weights shown above")]
    sides += [(other, other_prober, kept_key(other), "b", "its kept weights")]
    results = [side(pr, k, method, layer, ctx) for _, pr, k, _, _ in sides]
    shared = shared_scale(method, [r.map for r in results]) if all(results) else None
    for col, (rid, pr, _, name, weights), res in zip(st.columns(2), sides, results, strict=True):
        with col:
            st.markdown(f"**{run_chooser.run_name(rid)}** ({weights})")
            if res is None:
                continue
            figure = attribution_figure(ctx["image"], res, scale=shared, height=440)
            presenter.chart(figure, key=f"attr_side_{name}")
            show_notes([res])
            image_picker.prediction_panel(pr, ctx["image"], ctx["label"], f"attr_pred_{name}")
    if method == "occlusion":
        st.caption("Both occlusion maps share one colour scale: both are drops in probability.")
    else:
        st.caption(
            "Each side has its own colour scale: the two models' scores are on their own scales."
        )
    if ctx["target"] is None:
        st.caption("Each run explains its own predicted class; pick a class above to fix one.")


def draw(shown: fragment.Shown, model: fragment.ModelAt, image: dict) -> None:
    """Everything that depends on the weights shown: prediction, class, settings, maps."""
    if not model.full:
        st.info(NEEDS_FULL)
        return
    prober = model.prober
    probs = prober.predict(image["image"])
    main, side = st.columns([3, 1])  # the maps first; the class and prediction beside them
    below = st.container()  # what the scores are and the settings, drawn first: read above
    with side:
        view = st.radio(
            "Show",
            list(VIEWS),
            format_func=VIEWS.get,
            key="attr_view",
            persist_state="session",
        )
        target = class_choice()
        image_picker.prediction_panel(prober, image["image"], image["label"], key="attr_pred")
    shown_class = int(np.argmax(probs)) if target is None else target
    with below:
        st.markdown(explained(shown_class, probs))
        with st.expander("Method settings", expanded=False):
            chosen = settings(conv_layers(prober))
        st.caption(score_text(score_of(prober), chosen.fill))
    ctx = {"image": image["image"], "label": image["label"], "target": target, "settings": chosen}
    with main:
        if view == "four":  # only the view shown is computed (a live run refreshes it often)
            four_methods(model.key, prober, image, target, chosen)
        else:
            versus_run(shown.run.id, model, ctx)


def render() -> None:
    """Draw the Attribution page."""
    ensure_shell()
    run, _, picked = inside_page.start(
        "Attribution", "attribution", ("grad_cam", "saliency", "occlusion")
    )
    fragment.live_fragment(run, "attr", lambda shown, model: draw(shown, model, picked))
