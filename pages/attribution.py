"""Attribution: where in the image the prediction comes from. Grad-CAM, saliency, SmoothGrad and
occlusion for one image and class, overlaid on the image; two runs side by side."""

import numpy as np
import streamlit as st

from fmnist_viz import CLASS_NAMES
from fmnist_viz.figures import attribution_figure, map_range, methods_panel
from fmnist_viz.inside import LOGIT, Prober, conv_layers
from fmnist_viz.inside import class_score as score_of
from fmnist_viz.seeing import ATTRIBUTION_METHODS, FILLS, METHOD_TITLES, Attribution
from ui.core import presenter, run_cache
from ui.live import fragment
from ui.shell import ensure_shell
from ui.views import attribution, inside_page
from ui.views.attribution import Settings
from ui.widgets import image_picker, run_chooser

ensure_shell()

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
    results = attribution.all_methods(key, prober, image["image"], target, chosen)
    if chosen.layer is None:
        st.info(NO_CONV)
    st.caption(LEGEND)
    cols = 2 if len(results) == 4 else len(results)
    figure = methods_panel(image["image"], results, title=f"Input: {image['source']}", cols=cols)
    presenter.chart(figure, key="attr_panel")
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
    return attribution.result(
        weights_key, prober, ctx["image"], method, ctx["target"], ctx["settings"], layer
    )


def versus_run(run_id: str, model: fragment.ModelAt, ctx: dict) -> None:
    """The same image, class and method through another run, side by side."""
    others = attribution.other_runs(run_id)
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
    sides += [(other, other_prober, attribution.kept_key(other), "b", "its kept weights")]
    results = [side(pr, k, method, layer, ctx) for _, pr, k, _, _ in sides]
    shared = None
    if method == "occlusion" and all(results):
        both = np.concatenate([r.map.ravel() for r in results])
        shared = map_range(both, signed=True)
    for col, (rid, pr, _, name, weights), res in zip(st.columns(2), sides, results, strict=True):
        with col:
            st.markdown(f"**{run_chooser.run_name(rid)}** ({weights})")
            if res is None:
                continue
            figure = attribution_figure(ctx["image"], res, scale=shared, height=440)
            presenter.chart(figure, key=f"attr_side_{name}")
            show_notes([res])
            image_picker.prediction_panel(
                pr, ctx["image"], ctx["label"], f"attr_pred_{name}", narrow=True
            )
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
    left, right = st.columns([2, 3])
    with left:
        image_picker.prediction_panel(prober, image["image"], image["label"], key="attr_pred")
    with right:
        target = attribution.class_choice()
        with presenter.settings_box("Method settings"):
            chosen = attribution.settings(conv_layers(prober))
    shown_class = int(np.argmax(probs)) if target is None else target
    st.markdown(explained(shown_class, probs))
    st.caption(score_text(score_of(prober), chosen.fill))
    ctx = {"image": image["image"], "label": image["label"], "target": target, "settings": chosen}
    view = st.radio(
        "Show",
        list(VIEWS),
        format_func=VIEWS.get,
        horizontal=True,
        key="attr_view",
        persist_state="session",
    )
    if view == "four":  # only the view shown is computed (a live run refreshes it often)
        four_methods(model.key, prober, image, target, chosen)
    else:
        versus_run(shown.run.id, model, ctx)


run, data, picked = inside_page.start(
    "Attribution", "attribution", ("grad_cam", "saliency", "occlusion")
)
fragment.live_fragment(run, "attr", lambda shown, model: draw(shown, model, picked))
