"""The Filters page's drawing: every filter of a conv layer (grown image and top test images),
then one filter in detail (kernel, grown image, top images, classes, its map on the image).

What is computed comes from `fmnist_viz.seeing.filter_cache`: the kept weights of a run that is not
training are searched over every test image once and saved in the run folder (read back on
any later visit, by anyone); the live weights of a training run and its saved states are
searched over the first STATE_IMAGES test images and kept in memory, keyed by the state's
file version. Work that runs shows a progress bar.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import streamlit as st

from fmnist_viz.data import FashionMNIST
from fmnist_viz.figures import (
    channel_detail,
    class_spread_figure,
    filter_grid,
    filter_slices,
    grown_figure,
    image_with_field,
    top_images_figure,
)
from fmnist_viz.inside import Field, conv_names, layer_fields
from fmnist_viz.runs import ACTIVE, conv_weights
from fmnist_viz.seeing import (
    BLOCK,
    KEEP,
    SHOWN,
    STATE_IMAGES,
    ActMax,
    MemoryCache,
    TopImages,
    act_max_key,
    activation_max,
    cached,
    class_spread,
    data_key,
    file_identity,
    flat_tone,
    load_act_max,
    load_top_images,
    save_act_max,
    save_top_images,
    spread_sentence,
    top_images,
    top_key,
)
from fmnist_viz.seeing import settings as act_max_settings
from ui.core import presenter
from ui.live import fragment
from ui.shell import ensure_shell
from ui.views import inside_page

NO_CONV = (
    "This model has no convolution layer, so it has no filters to show. The Filters page needs "
    "a run whose architecture has at least one Conv2D layer (all the presets do)."
)
COMPUTE_ERRORS = (ValueError, KeyError, RuntimeError)
WHERE = {
    "memory": "",
    "disk": "read from the run folder",
    "saved": "computed in {s:.1f} s and saved in the run folder",
    "computed": "computed in {s:.1f} s and kept in memory",
}


@st.cache_resource(show_spinner=False)
def memory() -> MemoryCache:
    """The server's memory cache of filter results (shared by every session, bounded)."""
    return MemoryCache()


@st.cache_resource(show_spinner=False, max_entries=4)
def _data_key(describe: str, n: int, _data: FashionMNIST) -> str:
    """The identity of the first n test images of the loaded data set (digest, once)."""
    return data_key(_data.x_test[:n], _data.y_test[:n])


class Searched:
    """What the page searches and where it may keep the results, for the weights shown."""

    def __init__(self, shown: fragment.Shown, model: fragment.ModelAt, data: FashionMNIST):
        kept = shown.state is None and not shown.live and shown.run.status not in ACTIVE
        n = len(data.y_test) if kept else min(STATE_IMAGES, len(data.y_test))
        self.images, self.labels = data.x_test[:n], data.y_test[:n]
        self.data = _data_key(data.describe(), n, data)
        model_file = file_identity(shown.run.model_path) if kept else None
        self.folder: Path | None = shown.run.path if model_file else None
        self.weights = f"{shown.run.id}:{model_file}" if model_file else model.key
        self.kept = kept

    def note(self) -> str:
        """Which images were searched, in words."""
        if self.kept:
            return f"all {len(self.labels):,} test images"
        return (
            f"the first {len(self.labels):,} test images (these weights change or are one of "
            "many saved states: a smaller search keeps the page quick)"
        )


def _with_progress(label: str, work: Callable[[Callable[[float], None]], Any]) -> Any:
    """Run work(progress) under a progress bar that is removed when it is done."""
    slot = st.empty()
    bar = slot.progress(0.0, text=label)
    shown = [0.0]

    def report(fraction: float) -> None:
        fraction = min(max(float(fraction), 0.0), 1.0)
        if fraction - shown[0] >= 0.02 or fraction >= 1.0:
            shown[0] = fraction
            bar.progress(fraction, text=f"{label} {fraction:.0%}")

    try:
        return work(report)
    finally:
        slot.empty()


def _where(source: str, seconds: float) -> str:
    """Where a result came from, in words ('' when it was in memory already)."""
    return WHERE[source].format(s=seconds)


def find_top_images(
    model: fragment.ModelAt, searched: Searched
) -> tuple[dict[str, TopImages], str]:
    """Every conv layer's top images for the weights shown (cached), and where they came
    from; a progress bar while they are computed."""
    key = top_key(searched.weights, searched.data, KEEP)
    folder = searched.folder
    n = len(searched.labels)
    start = time.perf_counter()
    tops, source = cached(
        memory(),
        key,
        (lambda: load_top_images(folder, key)) if folder else None,
        lambda: _with_progress(
            f"Searching {n:,} test images for every filter's strongest responses…",
            lambda progress: top_images(model.prober, searched.images, KEEP, progress),
        ),
        (lambda value: save_top_images(folder, key, value)) if folder else None,
    )
    return tops, _where(source, time.perf_counter() - start)


def grow(
    model: fragment.ModelAt, searched: Searched, layer: str, filters: tuple[int, ...]
) -> tuple[ActMax, str]:
    """The activation-maximisation images of some filters (cached), and where they came from;
    a progress bar while they are grown."""
    key = act_max_key(searched.weights, layer, filters, act_max_settings())
    folder = searched.folder
    start = time.perf_counter()
    grown, source = cached(
        memory(),
        key,
        (lambda: load_act_max(folder, key, layer, filters)) if folder else None,
        lambda: _with_progress(
            f"Growing an image for each of {len(filters)} filter(s) of {layer}…",
            lambda progress: activation_max(model.prober, layer, filters, progress=progress),
        ),
        (lambda value: save_act_max(folder, key, value)) if folder else None,
    )
    return grown, _where(source, time.perf_counter() - start)


def _block_of(f: int) -> int:
    """The first filter of the block holding filter f."""
    return f - f % BLOCK


def _block(first: int, filters: int) -> tuple[int, ...]:
    """The filters of the block starting at `first`."""
    return tuple(range(first, min(first + BLOCK, filters)))


def _grid_clicked() -> None:
    """A click on the grid: the clicked tile's filter is the one shown in detail."""
    event = st.session_state.get("fi_grid")
    points = (getattr(event, "selection", None) or {}).get("points") or []
    for point in points:
        custom = point.get("customdata")
        if custom is not None:
            st.session_state["fi_filter"] = int(custom[0] if isinstance(custom, list) else custom)
            return


def pick_layer(tops: dict[str, TopImages], fields: dict[str, Field]) -> str:
    """A select over the conv layers: number of filters and what each position sees."""
    names = list(tops)
    if st.session_state.get("fi_layer") not in names:
        st.session_state["fi_layer"] = names[0]

    def describe(name: str) -> str:
        size = fields[name].size
        count = tops[name].filters
        plural = "s" if count != 1 else ""
        return f"{name} · {count} filter{plural} · each sees {size[0]}×{size[1]} pixels"

    return st.selectbox("Conv layer", names, format_func=describe, key="fi_layer")


def grid_section(
    model: fragment.ModelAt, searched: Searched, top: TopImages, field: Field, where: Any = None
) -> ActMax | None:
    """Every filter of the layer (BLOCK at a time, the block chosen in `where`): grown image
    and top images."""
    count = top.filters
    firsts = list(range(0, count, BLOCK))
    if st.session_state.get("fi_block") not in firsts:
        st.session_state["fi_block"] = firsts[0]
    if len(firsts) > 1:
        (where or st).selectbox(
            f"Filters shown ({BLOCK} at a time)",
            firsts,
            format_func=lambda s: f"{s} to {min(s + BLOCK, count) - 1}",
            key="fi_block",
        )
    block = _block(st.session_state["fi_block"], count)
    grown: ActMax | None = None
    try:
        grown, where = grow(model, searched, top.layer, block)
    except COMPUTE_ERRORS as exc:
        st.error(f"The grown images of {top.layer} cannot be computed: {exc}")
        where = ""
    chosen = st.session_state.get("fi_filter", 0)
    figure = filter_grid(top, field, searched.images, searched.labels, block, grown, chosen=chosen)
    presenter.chart(figure, key="fi_grid", on_select=_grid_clicked, selection_mode="points")
    st.caption(
        f"Each tile is one filter. Left: an image grown from faint noise so that the filter "
        f"responds as much as it can. Right: the {SHOWN} test images where the filter's map "
        f"reaches its highest value, strongest first, the {field.size[0]}×{field.size[1]} "
        "pixels that position sees outlined. The label gives the most frequent class among "
        "them. Click an image to see that filter below."
        + (f" Grown images {where}." if where else "")
    )
    return grown


def detail_section(
    model: fragment.ModelAt,
    searched: Searched,
    top: TopImages,
    field: Field,
    image: dict[str, Any],
) -> None:
    """One filter: what it fires on, its kernel, grown image, top images and its map."""
    count = top.filters
    st.subheader("One filter")
    if count == 1:
        st.session_state["fi_filter"] = 0
        st.info(f"{top.layer} has a single filter, filter 0: this is it.")
        f = 0
    else:
        if not 0 <= int(st.session_state.get("fi_filter", 0)) < count:
            st.session_state["fi_filter"] = 0
        f = int(st.number_input(f"Filter (0 to {count - 1})", 0, count - 1, key="fi_filter"))
    counts = class_spread(top, f, searched.labels)
    st.markdown(f"**{spread_sentence(counts, f)}**")
    left, right = st.columns(2)
    with left:
        kernel, bias = conv_weights(model.kernels())[top.layer]
        figure = filter_slices(kernel, f)
        presenter.chart(
            figure.update_layout(height=min(figure.layout.height, 420)), key="fi_kernel"
        )
        st.caption(f"Bias of filter {f}: {float(bias[f]):+.4f}")
    with right:
        try:
            grown, _ = grow(model, searched, top.layer, _block(_block_of(f), count))
            presenter.chart(grown_figure(grown, f), key="fi_grown")
            tone = flat_tone(grown.image_of(f))
            if tone:
                total = float(kernel[..., f].sum())
                extra = f" Its weights add up to {total:+.3f}." if kernel.shape[2] == 1 else ""
                st.caption(
                    f"Flat {tone}: no pattern excites filter {f} more than an even {tone} "
                    f"image, so it measures overall brightness more than shape.{extra}"
                )
        except COMPUTE_ERRORS as exc:
            st.error(f"The grown image of filter {f} cannot be computed: {exc}")
    if top.fires(f):
        figure = top_images_figure(top, f, field, searched.images, searched.labels)
        presenter.chart(figure, key="fi_top")
    else:
        st.info(
            f"Filter {f} never fires on {searched.note()}: its output is 0 on every one of them "
            "(a dead filter), so it has no top images."
        )
    left, right = st.columns(2)
    with left:
        presenter.chart(class_spread_figure(counts, f), key="fi_spread")
    with right:
        current_map(model, top.layer, f, field, image)


def current_map(
    model: fragment.ModelAt, layer: str, f: int, field: Field, image: dict[str, Any]
) -> None:
    """Filter f's feature map on the current image, and the patch where it fires most."""
    outputs = {o.name: o for o in model.layer_outputs(image["image"])}
    output = outputs[layer].output
    plane = output[:, :, f]
    row, col = np.unravel_index(int(np.argmax(plane)), plane.shape)
    fires = float(plane[row, col]) > 0
    box = field.box(int(row), int(col)) if fires else None
    title = (
        f"Where filter {f} fires most on {image['source']} ({float(plane[row, col]):.3g})"
        if fires
        else f"Filter {f} does not fire on {image['source']}"
    )
    tabs = st.tabs(["Its map on the current image", "Where it fires most"])
    presenter.chart(channel_detail(output, f, layer), key="fi_map", where=tabs[0])
    presenter.chart(image_with_field(image["image"], box, title), key="fi_where", where=tabs[1])


def draw(
    shown: fragment.Shown,
    model: fragment.ModelAt,
    data: FashionMNIST,
    image: dict[str, Any],
) -> None:
    """The Filters page for the weights shown."""
    if not conv_names(model.prober):
        st.info(NO_CONV)
        return
    searched = Searched(shown, model, data)
    try:
        tops, where = find_top_images(model, searched)
    except COMPUTE_ERRORS as exc:
        st.error(f"The top images of this model cannot be computed: {exc}")
        return
    fields = layer_fields(model.prober.layers)
    layer_column, block_column = st.columns(2)  # the layer and the block: one row
    with layer_column:
        layer = pick_layer(tops, fields)
    top, field = tops[layer], fields[layer]
    grid_section(model, searched, top, field, block_column)
    st.caption(
        f"Searched {searched.note()}" + (f"; {where}" if where else "") + ". A filter's "
        "response to an image is the highest value of its feature map, over all positions."
    )
    detail_section(model, searched, top, field, image)


def render() -> None:
    """Draw the Filters page."""
    ensure_shell()
    run, data, picked = inside_page.start(
        "Filters", "filters", ("top_images", "activation_max", "kernel")
    )
    fragment.live_fragment(run, "fi", lambda shown, model: draw(shown, model, data, picked))
