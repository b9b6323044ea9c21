"""The Embeddings page's parts: its settings, the cached results per weights, and the views.

Results are cached by the key of the weights shown (`ModelAt.key`), the data, the sample size
and seed (and k, the stage and the perplexity where they matter): one pass of the sample
through the network gives every stage's PCA and separability score; t-SNE is computed per stage
on demand, with a progress bar created inside the cached function so that a cache hit replays
it already gone. The per-epoch scores are cached per saved state. Nothing is written to the run
store.

A click on a point makes that test image the page's image (the picker's, shared with the other
inside pages): the picture, its class and the prediction are shown beside the chart.
"""

from __future__ import annotations

import functools

import numpy as np
import streamlit as st

from fmnist_viz import CLASS_NAMES
from fmnist_viz.data import FashionMNIST
from fmnist_viz.figures import (
    Points,
    embedding_scatter,
    separability_by_epoch,
    separability_line,
    stage_overview,
)
from fmnist_viz.inside import Prober, model_at
from fmnist_viz.runs import RunError, file_version
from fmnist_viz.seeing import (
    PROJECTIONS,
    EmbeddedSample,
    Stage,
    chance_level,
    check_perplexity,
    embed_sample,
    epoch_states,
    representations,
    tsne,
)
from ui.core import presenter, resources, run_cache
from ui.live import fragment
from ui.live.fragment import FULL_RERUN, ModelAt, Shown
from ui.shell import ensure_shell
from ui.views import embeddings_settings, inside_page
from ui.views.embeddings_settings import Settings
from ui.widgets import image_picker

THUMB_PX = 196


# ---------------------------------------------------------------- cached results


@st.cache_data(show_spinner="Passing the sample through the network…", max_entries=8)
def _summary(
    weights_key: str, data_key: str, n: int, seed: int, k: int, full: bool, _prober: Prober
) -> EmbeddedSample:
    """The summary of the loaded test set under the weights named by `weights_key` (the
    prober must hold them while this runs)."""
    data = resources.dataset()
    return embed_sample(_prober, data.x_test, data.y_test, n, seed, k, full)


@st.cache_data(show_spinner=False, max_entries=32)
def _tsne(
    weights_key: str,
    data_key: str,
    indices: np.ndarray,
    stage: Stage,
    seed: int,
    perplexity: float,
    _prober: Prober,
) -> np.ndarray:
    """t-SNE of one stage for the sample, with a progress bar (made here, so that a cache hit
    replays it already emptied)."""
    bar = st.progress(0.0, text=f"t-SNE of {stage.label}: passing the images through…")
    reps = representations(
        _prober,
        resources.dataset().x_test[indices],
        [stage],
        progress=lambda s: bar.progress(0.1 * s, text=f"t-SNE of {stage.label}: representations"),
    )
    coords = tsne(
        reps[stage.name],
        seed=seed,
        perplexity=perplexity,
        progress=lambda s: bar.progress(0.1 + 0.9 * s, text=f"t-SNE of {stage.label}: {s:.0%}"),
    )
    bar.empty()
    return coords


@st.cache_data(show_spinner=False, max_entries=256)
def _state_scores(
    state_key: str, data_key: str, n: int, seed: int, k: int, full: bool, _prober: Prober
) -> dict[str, float]:
    """Every computable stage's score at one saved state (its weights in the prober)."""
    data = resources.dataset()
    return embed_sample(_prober, data.x_test, data.y_test, n, seed, k, full, with_pca=False).scores


def summary(model: ModelAt, data: FashionMNIST, chosen: Settings) -> EmbeddedSample | None:
    """The cached summary for the weights shown, or None after saying why there is none."""
    try:
        return _summary(
            model.key, data.describe(), chosen.n, chosen.seed, chosen.k, model.full, model.prober
        )
    except ValueError as exc:
        st.error(f"The embeddings cannot be computed for this run: {exc}")
        return None


# ---------------------------------------------------------------- views


def _pick_from_click(key: str) -> None:
    """Chart callback: the clicked point's test image becomes the page's image."""
    event = st.session_state.get(key)
    points = event.selection.points if event is not None else []
    custom = [p["customdata"] for p in points if p.get("customdata")]  # not the ring
    if not custom:
        return
    index = int(custom[0][1])
    st.session_state["picker_mode"] = "index"
    st.session_state["picker_index"] = index
    st.session_state[FULL_RERUN] = True  # the picker is outside the fragment: redraw it too


def _position(summary_: EmbeddedSample, picked: dict | None) -> int | None:
    """The picked test image's position in the sample, None when it is not in it."""
    return summary_.sample.position(picked.get("index")) if picked else None


def image_panel(summary_: EmbeddedSample, picked: dict | None, data: FashionMNIST) -> None:
    """The page's image beside the chart: the picture, its class and the prediction."""
    position = _position(summary_, picked)
    if position is None:
        what = "an upload" if picked and picked.get("index") is None else "not in the sample"
        st.caption(
            f"Click a point to see its image here (the image picked above is {what})."
            if picked
            else "Click a point to see its image here."
        )
        return
    index = int(summary_.sample.indices[position])
    image = data.x_test[index].astype(np.float32) / 255.0
    st.image(image_picker.enlarged(image, THUMB_PX), caption=f"test image #{index}")
    label = int(summary_.sample.labels[position])
    st.markdown(f"**True class:** {CLASS_NAMES[label]}")
    if summary_.predicted is None or summary_.confidence is None:
        st.caption("No prediction at this saved state (it keeps the convolutional part only).")
        return
    guess, conf = int(summary_.predicted[position]), float(summary_.confidence[position])
    verdict = "right" if guess == label else "wrong"
    st.markdown(f"**Predicted:** {CLASS_NAMES[guess]} ({conf:.0%}, {verdict})")
    st.caption("It is the page's image now: the other inside pages show it too.")


def _points(summary_: EmbeddedSample, coords: np.ndarray) -> Points:
    """The sample's points at some coordinates."""
    sample = summary_.sample
    return Points(coords, sample.labels, sample.indices, summary_.predicted, summary_.confidence)


def _projection(
    summary_: EmbeddedSample,
    stage: Stage,
    method: str,
    shown: Shown,
    model: ModelAt,
    chosen: Settings,
) -> tuple[np.ndarray, tuple[str, str], bool] | None:
    """Coordinates of the chosen stage, axis titles, whether ticks mean something."""
    if method == "PCA":
        coords, explained = summary_.pca[stage.name]
        titles = tuple(f"PC {i + 1} ({e:.0%} of the variance)" for i, e in enumerate(explained))
        return coords, (titles[0], titles[1]), True
    if shown.live:
        st.info(
            "t-SNE takes seconds per stage, and the weights change every quarter epoch while the "
            "run trains: it is computed for saved states and for finished runs. Move the slider "
            "to a saved state, or look at PCA, which follows the training live."
        )
        return None
    try:
        check_perplexity(chosen.perplexity, len(summary_.sample.indices))
    except ValueError as exc:
        st.warning(f"{exc}: take more test images or a lower perplexity (Sample and settings).")
        return None
    data_key = resources.dataset().describe()
    args = (summary_.sample.indices, stage, chosen.seed, chosen.perplexity)
    coords = _tsne(model.key, data_key, *args, model.prober)
    return coords, ("t-SNE 1", "t-SNE 2"), False


def main_view(
    summary_: EmbeddedSample,
    shown: Shown,
    model: ModelAt,
    chosen: Settings,
    picked: dict | None,
    data: FashionMNIST,
) -> Stage:
    """Stage and method choice, the big scatter with the image beside it; returns the stage."""
    by_name = {s.name: s for s in summary_.shown}
    if st.session_state.get("emb_stage") not in by_name:
        st.session_state["emb_stage"] = summary_.shown[0].name
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    name = left.select_slider(
        "Stage", list(by_name), format_func=lambda s: by_name[s].label, key="emb_stage"
    )
    method = right.radio("Projection", PROJECTIONS, horizontal=True, key="emb_method")
    stage = by_name[name]
    chart, side = st.columns([3, 1])
    with chart:
        projected = _projection(summary_, stage, method, shown, model, chosen)
        if projected is not None:
            coords, titles, ticks = projected
            score = summary_.scores[stage.name]
            title = (
                f"{stage.label}: {stage.features:,} values per image → {method} "
                f"({len(coords):,} test images; {chosen.k}-NN accuracy {score:.0%})"
            )
            figure = embedding_scatter(
                _points(summary_, coords), title, titles, _position(summary_, picked), ticks
            )
            presenter.chart(
                figure,
                key="emb_scatter",
                on_select=functools.partial(_pick_from_click, "emb_scatter"),
                selection_mode="points",
            )
            st.caption(
                "Colour: true class; × : an image the network gets wrong. Hover for the class "
                "and the prediction; click a point to see its picture."
                + (
                    " In t-SNE only the neighbourhoods mean something, not the distances "
                    "between clusters nor their sizes."
                    if method != "PCA"
                    else ""
                )
            )
    with side:
        image_panel(summary_, picked, data)
    return stage


def scores_view(summary_: EmbeddedSample, chosen: Settings, stage: Stage) -> None:
    """The separability line from pixels to output (the stages these weights lack left out)."""
    labels = [s.label for s in summary_.stages]
    scores = [summary_.scores.get(s.name) for s in summary_.stages]
    selected = [s.name for s in summary_.stages].index(stage.name)
    chance = chance_level(summary_.sample.labels)
    presenter.chart(separability_line(labels, scores, chance, chosen.k, selected), key="emb_line")
    st.caption(
        f"For each of the {len(summary_.sample.labels):,} images: do most of its {chosen.k} "
        "nearest other images (Euclidean distance in that stage's full representation, values "
        f"as the network has them) have its class? Chance: {chance:.0%}."
    )


def overview(summary_: EmbeddedSample) -> None:
    """Every computable stage's PCA side by side."""
    panels = [
        (f"{s.label}: {summary_.scores[s.name]:.0%}", _points(summary_, summary_.pca[s.name][0]))
        for s in summary_.shown
    ]
    presenter.chart(stage_overview(panels, "Every stage at a glance (PCA)"), key="emb_overview")


def epochs_view(
    shown: Shown, data: FashionMNIST, chosen: Settings, summary_: EmbeddedSample
) -> None:
    """The separability line at every saved epoch. Drawn last: it sets other weights into the
    spec's shared model, which a saved state's ModelAt uses too."""
    states = epoch_states(shown.states)
    if len(states) < 2:
        st.caption("Separability over the epochs appears once the run has saved two epochs.")
        return
    on = st.toggle(
        f"Separability at each of the {len(states)} saved epochs",
        key="emb_epochs",
        help="Passes the sample through the network at each saved epoch (once; then cached).",
    )
    if not on:
        return
    spec = shown.run.meta["spec"]
    rows = []
    bar = st.progress(0.0, text="Scores at each saved epoch…")
    for i, ref in enumerate(states):
        try:
            weights = run_cache.state_weights(ref.path)
            with model_at(spec, weights, full=ref.full) as prober:
                key = file_version(ref.path)
                args = (data.describe(), chosen.n, chosen.seed, chosen.k, ref.full)
                scores = _state_scores(key, *args, prober)
        except (RunError, ValueError) as exc:
            st.warning(f"The state at {ref.label} cannot be used: {exc}")
            continue
        rows.append((ref.label, ref.position, [scores.get(s.name) for s in summary_.stages]))
        bar.progress((i + 1) / len(states), text=f"Scores at each saved epoch: {ref.label}")
    bar.empty()
    if not rows:
        return
    current = shown.state.label if shown.state is not None else None
    labels = [s.label for s in summary_.stages]
    chance = chance_level(summary_.sample.labels)
    figure = separability_by_epoch(labels, rows, chance, chosen.k, current)
    presenter.chart(figure, key="emb_epoch_lines")
    if any(None in scores for _, _, scores in rows):
        st.caption("A gap: that state kept only the convolutional part, not the dense layers.")


def notes(summary_: EmbeddedSample, full: bool) -> None:
    """What the numbers rest on, and what is missing at these weights."""
    if summary_.sample.note:
        st.info(summary_.sample.note)
    if not any(s.kind == "block" for s in summary_.stages):
        st.info("This model has no convolution layer: its stages are pixels, dense and output.")
    missing = [s.label for s in summary_.stages if s not in summary_.shown]
    if missing and not full:
        st.info(
            "This saved state keeps the convolution weights only (the dense layers are kept at "
            f"epoch ends): {', '.join(missing)} cannot be shown at it."
        )


def draw(
    shown: Shown, model: ModelAt, chosen: Settings, picked: dict | None, data: FashionMNIST
) -> None:
    """Everything that depends on the weights shown."""
    summary_ = summary(model, data, chosen)
    if summary_ is None:
        return
    stage = main_view(summary_, shown, model, chosen, picked, data)
    notes(summary_, model.full)  # what the numbers rest on: under the scatter
    scores_view(summary_, chosen, stage)
    overview(summary_)
    epochs_view(shown, data, chosen, summary_)


def render() -> None:
    """Draw the Embeddings page."""
    ensure_shell()
    run, data, picked = inside_page.start(
        "Embeddings", "embeddings", ("embedding", "separability"), need_image=False
    )
    area = st.container()  # the scatter first; the sample settings below it, read first
    chosen = embeddings_settings.settings()
    with area:
        fragment.live_fragment(
            run, "emb", lambda shown, model: draw(shown, model, chosen, picked, data)
        )
