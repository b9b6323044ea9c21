"""Feature maps: every conv and pool layer's channels for one image, enlarged and side by side,
live while the run trains and played back over its saved states."""

import streamlit as st

from fmnist_viz.figures import channel_detail, channel_grid, image_figure
from fmnist_viz.inside import LayerOutput, snapshot_outputs
from fmnist_viz.runs import RunError
from ui.core import presenter, resources, run_cache, session
from ui.live import fragment
from ui.shell import ensure_shell
from ui.views import inside_page
from ui.widgets import image_picker, run_chooser

MAP_KINDS = ("Conv2D", "MaxPooling2D", "AveragePooling2D")
HALF_WIDTH = 0.45  # a half-width column's plot is about this share of the width grids plan for
NOTES = {
    "Dropout": "At inference dropout passes its input on unchanged (see the Dropout page).",
    "BatchNormalization": "Batch normalisation rescales each channel with its learned statistics.",
}
CONV_ONLY_NOTE = (
    "This saved state keeps the convolution weights only (the dense layers are kept at epoch "
    "ends): it shows the maps, not a prediction."
)
Scales = dict[str, tuple[float, float]] | None


def grid(output: LayerOutput, key: str, scales: Scales) -> None:
    """One layer's channels as a grid titled with its name and type."""
    scale = (scales or {}).get(output.name)
    fig = channel_grid(output.output, f"{output.name} ({output.type})", scale=scale)
    presenter.chart(fig, key=key)


def half_grid(output: LayerOutput, key: str) -> None:
    """A layer's channel grid for a half-width column: short title, height cut to match."""
    fig = channel_grid(output.output, output.name)
    body = fig.layout.height - fig.layout.margin.t - fig.layout.margin.b
    fig.update_layout(height=int(body * HALF_WIDTH) + fig.layout.margin.t + fig.layout.margin.b)
    presenter.chart(fig, key=key)


def overview(maps: list[LayerOutput], scales: Scales) -> None:
    """Every image-shaped layer output, in order (what the squares are: under the first)."""
    same = " (the same in every saved state)" if scales else ""
    for i, out in enumerate(maps):
        grid(out, key=f"fm_grid_{out.name}", scales=scales)
        if i == 0:
            st.caption(
                f"Each small square is one channel (feature map); the colours share one scale "
                f"per layer{same}. Hover to read a value."
            )
        if out.type in NOTES:
            st.caption(NOTES[out.type])


def pick_layer(maps: list[LayerOutput], label: str, key: str, default: str = "") -> LayerOutput:
    """A selectbox over layer outputs by name (default: that name, else the first)."""
    by_name = {o.name: o for o in maps}
    if st.session_state.get(key) not in by_name:
        st.session_state[key] = default if default in by_name else next(iter(by_name))
    return by_name[st.selectbox(label, list(by_name), key=key, persist_state="session")]


def detail(maps: list[LayerOutput], image: dict, scales: Scales) -> None:
    """One channel of one layer enlarged beside the input image, at the same size."""
    c1, c2 = st.columns(2)
    with c1:
        out = pick_layer(maps, "Layer", "fm_layer")
    n = out.output.shape[2]
    if st.session_state.get("fm_channel", 0) >= n:
        st.session_state["fm_channel"] = 0
    channel = c2.number_input(f"Channel (0 to {n - 1})", 0, n - 1, step=1, key="fm_channel")
    input_figure = image_figure(image["image"], f"Input: {image['source']}")
    presenter.chart(input_figure.update_layout(height=480), key="fm_input", where=c1)
    scale = (scales or {}).get(out.name)
    figure = channel_detail(out.output, int(channel), out.name, scale=scale)
    presenter.chart(figure, key="fm_detail", where=c2)


def versus_run(run_id: str, maps: list[LayerOutput], image: dict, model) -> None:
    """The same image through another run, one chosen layer and the prediction each."""
    store = resources.store()
    active = session.active_runs(store)
    others = [r for r in active if r != run_id]
    others += [r.id for r in store.list() if r.status == "finished" and r.id not in active]
    others = [r for r in others if r != run_id and run_cache.model_mtime(store, r) is not None]
    if not others:
        st.info("There is no other run with a saved model yet: train another one to compare.")
        return
    other = st.selectbox("Other run", others, format_func=run_chooser.run_name, key="fm_other")
    other_prober = run_cache.prober(other)
    if other_prober is None:
        return
    other_maps = [o for o in other_prober.layer_outputs(image["image"]) if o.is_map]
    sides = ((run_id, model.prober if model.full else None, maps, "a"),)
    sides += ((other, other_prober, other_maps, "b"),)
    name = ""
    for col, (rid, pr, outs, side) in zip(st.columns(2), sides, strict=True):
        with col:
            st.markdown(f"**{run_chooser.run_name(rid)}**")
            name = pick_layer(outs, "Layer", f"fm_side_layer_{side}", name).name
            half_grid(next(o for o in outs if o.name == name), key=f"fm_side_{side}")
            if pr is not None:
                image_picker.prediction_panel(pr, image["image"], image["label"], f"fm_pred_{side}")


def versus_states(shown: fragment.Shown, image: dict) -> None:
    """The same image through this run's convolutional part at two saved states."""
    states = shown.states
    if len(states) < 2:
        st.info("This run has fewer than two saved states: nothing to compare yet.")
        return
    by_step = {s.step: s for s in states}
    steps = list(by_step)
    value = st.session_state.get("fm_states")
    if not isinstance(value, tuple | list) or not all(v in by_step for v in value):
        st.session_state["fm_states"] = (steps[0], steps[-1])
    chosen = st.select_slider(
        "States to compare", steps, format_func=lambda s: by_step[s].label, key="fm_states"
    )
    spec = shown.run.meta["spec"]
    try:
        pairs = [
            (by_step[s], snapshot_outputs(spec, run_cache.state_weights(by_step[s].path), image))
            for s in chosen
        ]
    except (RunError, ValueError) as exc:
        st.error(f"The saved states of this run cannot be shown: {exc}")
        return
    names = [o.name for o in pairs[0][1] if o.type in MAP_KINDS]
    if st.session_state.get("fm_state_layer") not in names:
        st.session_state["fm_state_layer"] = names[0]
    name = st.selectbox("Layer", names, key="fm_state_layer", persist_state="session")
    for col, (ref, outs), side in zip(st.columns(2), pairs, "ab", strict=True):
        with col:
            start = " (random start)" if ref.step == 0 else ""
            st.markdown(f"**{ref.label.capitalize()}**{start}")
            half_grid(next(o for o in outs if o.name == name), key=f"fm_state_{side}")


def draw(shown: fragment.Shown, model: fragment.ModelAt, image: dict) -> None:
    """Everything that depends on the weights shown: prediction, maps, comparisons."""
    maps = [o for o in model.layer_outputs(image["image"]) if o.is_map]
    scales = fragment.map_scales(shown, image["image"]) if shown.state is not None else None
    main, side = st.columns([3, 1])  # the maps first, the prediction small beside them
    with side:
        if model.full:
            image_picker.prediction_panel(model.prober, image["image"], image["label"])
        else:
            st.caption(CONV_ONLY_NOTE)
    with main:
        views(shown, model, image, maps, scales)


def views(
    shown: fragment.Shown, model: fragment.ModelAt, image: dict, maps: list, scales: Scales
) -> None:
    """The three views of the maps, as tabs."""
    t_all, t_one, t_side = st.tabs(["All layers", "One channel enlarged", "Side by side"])
    with t_all:
        overview(maps, scales)
    with t_one:
        detail(maps, image, scales)
    with t_side:
        how = st.radio(
            "Compare with",
            ["another run", "this run at two saved states"],
            horizontal=True,
            key="fm_compare",
            persist_state="session",
        )
        if how == "another run":
            versus_run(shown.run.id, maps, image, model)
        else:
            versus_states(shown, image["image"])


def render() -> None:
    """Draw the Feature maps page."""
    ensure_shell()
    run, _, picked = inside_page.start(
        "Feature maps", "feature_maps", ("feature_map", "kernel", "padding", "max_pooling")
    )
    fragment.live_fragment(run, "fm", lambda shown, model: draw(shown, model, picked))
