"""Feature maps: every conv and pool layer's channels for one image, enlarged and side by side."""

import streamlit as st

from fmnist_viz.figures.maps import channel_detail, channel_grid, image_figure
from fmnist_viz.probes import LayerOutput, Prober
from fmnist_viz.snapshots import snapshot_outputs
from fmnist_viz.store import RunError
from fmnist_viz.teaching import PAGE_INTROS
from ui import active_run, image_picker, resources, run_cache, state
from ui.concepts import concept_notes
from ui.shell import ensure_shell

ensure_shell()

SNAPSHOT_KINDS = ("Conv2D", "MaxPooling2D", "AveragePooling2D")
HALF_WIDTH = 0.45  # a half-width column's plot is about this share of the width grids plan for
NOTES = {
    "Dropout": "At inference dropout passes its input on unchanged (see the Dropout page).",
    "BatchNormalization": "Batch normalisation rescales each channel with its learned statistics.",
}
SNAPSHOT_NOTE = (
    "The per-epoch snapshots hold the convolution weights only (kernels and biases), not the "
    "dense layers: at past epochs only the convolution and pooling maps can be computed, and "
    "there is no prediction. Epoch 0 is the untrained network."
)


def grid(output: LayerOutput, key: str) -> None:
    """One layer's channels as a grid titled with its name and type."""
    st.plotly_chart(channel_grid(output.output, f"{output.name} ({output.type})"), key=key)


def half_grid(output: LayerOutput, key: str) -> None:
    """A layer's channel grid for a half-width column: short title, height cut to match."""
    fig = channel_grid(output.output, output.name)
    body = fig.layout.height - fig.layout.margin.t - fig.layout.margin.b
    fig.update_layout(height=int(body * HALF_WIDTH) + fig.layout.margin.t + fig.layout.margin.b)
    st.plotly_chart(fig, key=key)


def overview(maps: list[LayerOutput]) -> None:
    """Every image-shaped layer output, in order."""
    st.caption(
        "Each small square is one channel (feature map); the colours share one scale per layer. "
        "Hover to read a value."
    )
    for out in maps:
        grid(out, key=f"fm_grid_{out.name}")
        if out.type in NOTES:
            st.caption(NOTES[out.type])


def pick_layer(maps: list[LayerOutput], label: str, key: str, default: str = "") -> LayerOutput:
    """A selectbox over layer outputs by name (default: that name, else the first)."""
    by_name = {o.name: o for o in maps}
    if st.session_state.get(key) not in by_name:
        st.session_state[key] = default if default in by_name else next(iter(by_name))
    return by_name[st.selectbox(label, list(by_name), key=key, persist_state="session")]


def detail(maps: list[LayerOutput], image: dict) -> None:
    """One channel of one layer enlarged beside the input image, at the same size."""
    c1, c2 = st.columns(2)
    with c1:
        out = pick_layer(maps, "Layer", "fm_layer")
    n = out.output.shape[2]
    if st.session_state.get("fm_channel", 0) >= n:
        st.session_state["fm_channel"] = 0
    channel = c2.number_input(f"Channel (0 to {n - 1})", 0, n - 1, step=1, key="fm_channel")
    input_figure = image_figure(image["image"], f"Input: {image['source']}")
    c1.plotly_chart(input_figure.update_layout(height=480), key="fm_input")
    c2.plotly_chart(channel_detail(out.output, int(channel), out.name), key="fm_detail")


def versus_run(run_id: str, maps: list[LayerOutput], image: dict, prober: Prober) -> None:
    """The same image through another run, one chosen layer and the prediction each."""
    store = resources.store()
    active = state.active_runs(store)
    others = [r for r in active if r != run_id]
    others += [r.id for r in store.list() if r.status == "finished" and r.id not in active]
    others = [r for r in others if r != run_id and run_cache.model_mtime(store, r) is not None]
    if not others:
        st.info("There is no other run with a saved model yet: train another one to compare.")
        return
    other = st.selectbox("Other run", others, format_func=active_run.run_name, key="fm_other")
    other_prober = run_cache.prober(other)
    if other_prober is None:
        return
    other_maps = [o for o in other_prober.layer_outputs(image["image"]) if o.is_map]
    sides = ((run_id, prober, maps, "a"), (other, other_prober, other_maps, "b"))
    name = ""
    for col, (rid, pr, outs, side) in zip(st.columns(2), sides, strict=True):
        with col:
            st.markdown(f"**{active_run.run_name(rid)}**")
            name = pick_layer(outs, "Layer", f"fm_side_layer_{side}", name).name
            out = next(o for o in outs if o.name == name)
            half_grid(out, key=f"fm_side_{side}")
            image_picker.prediction_panel(
                pr, image["image"], image["label"], f"fm_pred_{side}", narrow=True
            )


def versus_epochs(run_id: str, image: dict) -> None:
    """The same image through this run's conv part at two saved epochs."""
    store = resources.store()
    epochs = store.snapshot_epochs(run_id)
    if len(epochs) < 2:
        st.info("This run saved fewer than two per-epoch snapshots: nothing to compare yet.")
        return
    st.info(SNAPSHOT_NOTE)
    chosen = st.select_slider(
        "Epochs to compare",
        epochs,
        value=(epochs[0], epochs[-1]),
        format_func=lambda e: "0 (initial)" if e == 0 else str(e),
        key="fm_epochs",
    )
    spec = store.load(run_id).meta["spec"]
    try:
        pairs = [
            (e, snapshot_outputs(spec, run_cache.snapshot(run_id, e), image["image"]))
            for e in chosen
        ]
    except (RunError, ValueError) as exc:
        st.error(f"The saved snapshots of this run cannot be shown: {exc}")
        return
    names = [o.name for o in pairs[0][1] if o.type in SNAPSHOT_KINDS]
    if st.session_state.get("fm_epoch_layer") not in names:
        st.session_state["fm_epoch_layer"] = names[0]
    name = st.selectbox("Layer", names, key="fm_epoch_layer", persist_state="session")
    for col, (epoch, outs), side in zip(st.columns(2), pairs, "ab", strict=True):
        with col:
            st.markdown(f"**Epoch {epoch}**" + (" (before training)" if epoch == 0 else ""))
            out = next(o for o in outs if o.name == name)
            half_grid(out, key=f"fm_epoch_{side}")


st.title("Feature maps")
st.caption(PAGE_INTROS["feature_maps"])
run_id, data, prober, image = image_picker.probe_setup()

maps = [o for o in prober.layer_outputs(image["image"]) if o.is_map]
main, notes = st.columns([3, 1])
with notes:
    concept_notes(("feature_map", "kernel", "padding", "max_pooling"))
with main:
    st.markdown(f"**{active_run.run_name(run_id)}** · image: {image['source']}")
    t_all, t_one, t_side = st.tabs(["All layers", "One channel enlarged", "Side by side"])
    with t_all:
        overview(maps)
    with t_one:
        detail(maps, image)
    with t_side:
        how = st.radio(
            "Compare with",
            ["another run", "this run at two epochs"],
            horizontal=True,
            key="fm_compare",
            persist_state="session",
        )
        if how == "another run":
            versus_run(run_id, maps, image, prober)
        else:
            versus_epochs(run_id, image)
