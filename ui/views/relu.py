"""ReLU: each conv layer's responses before and after max(0, x), and how much of them it zeroes."""

import streamlit as st

from fmnist_viz.figures import relu_pair, relu_share_bars
from fmnist_viz.inside import LayerOutput, ReluStats, telling_channel, zero_shares
from ui.core import presenter, run_cache
from ui.live import fragment
from ui.shell import ensure_shell
from ui.views import inside_page


def dead_text(stats: ReluStats, n_images: int) -> str:
    """The layer's dead filters in words."""
    dead = stats.dead_filters
    if not dead.size:
        return f"No dead filter: every filter fires somewhere on at least one of {n_images} images."
    listed = ", ".join(f"#{int(i)}" for i in dead)
    return (
        f"Dead filters (0 everywhere on all {n_images} images, so they pass nothing on): {listed}."
    )


def layer_section(out: LayerOutput, stats: ReluStats, image_share: float, n_images: int) -> None:
    """One conv layer: a channel before and after ReLU, its zero shares and dead filters."""
    h, w, n = out.output.shape
    head, pick = st.columns([3, 2], vertical_alignment="bottom")
    head.subheader(f"{out.name}: {n} channels of {h}×{w}", anchor=False)
    key = f"relu_channel_{out.name}"
    if st.session_state.get(key, -1) not in range(n):
        st.session_state[key] = telling_channel(out.pre_activation)
    channel = pick.slider(f"Channel of {out.name}", 0, n - 1, key=key, persist_state="session")
    presenter.chart(relu_pair(out.pre_activation, out.output, channel), key=f"relu_{out.name}")
    c1, c2, c3 = st.columns(3)
    c1.metric("Zeroed, this image", f"{image_share:.1%}")
    c2.metric(f"Zeroed, average of {n_images} test images", f"{stats.batch_zero_share:.1%}")
    c3.metric("Dead filters", f"{stats.dead_filters.size} of {n}")
    st.caption(dead_text(stats, n_images))


def draw(shown: fragment.Shown, model: fragment.ModelAt, image: dict, data) -> None:
    """The ReLU views of the weights shown."""
    outputs = model.layer_outputs(image["image"])
    shares = zero_shares(outputs)
    relu_layers = [o for o in outputs if o.name in shares]
    if not relu_layers:
        st.info("No convolution layer of this model uses ReLU, so there is nothing to show here.")
        return
    stats = run_cache.relu_stats_at(model.key, model.prober, data)
    n_images = int(next(iter(stats.values())).zero_share.size)
    for i, out in enumerate(relu_layers):
        layer_section(out, stats[out.name], shares[out.name], n_images)
        if i == 0:  # the first pair is the page's main figure: what it shows, under it
            st.caption(
                "Left: the convolution's raw response (conv + bias), red above 0 and blue "
                "below; right: after ReLU, where every negative value became 0 (grey)."
            )
    st.subheader("How much ReLU zeroes, layer by layer", anchor=False)
    presenter.chart(relu_share_bars(stats, shares), key="relu_shares")


def render() -> None:
    """Draw the ReLU page."""
    ensure_shell()
    run, data, picked = inside_page.start("ReLU", "relu", ("relu", "feature_map"))
    fragment.live_fragment(run, "relu", lambda shown, model: draw(shown, model, picked, data))
