"""Dropout: each dropout layer in training and at inference, MC dropout, and the study's result."""

import secrets

import numpy as np
import streamlit as st

from fmnist_viz import CLASS_NAMES
from fmnist_viz.figures import dropout_triplet, probability_bars
from fmnist_viz.inside import Prober, dropout_view, mc_dropout, showable_layers
from fmnist_viz.runs import RunStore
from fmnist_viz.study import STUDY_COLUMNS, study_table
from ui.core import presenter, resources
from ui.live import fragment
from ui.shell import ROOT, ensure_shell
from ui.views import inside_page
from ui.widgets import image_picker

SEED_KEY = "dropout_seed"


def resample() -> None:
    """A new random seed: a new dropout mask and new MC passes."""
    st.session_state[SEED_KEY] = secrets.randbelow(100_000)


def layer_view(prober: Prober, image: np.ndarray, name: str, p: float, seed: int) -> None:
    """One dropout layer on the image: input, inference, training output and mask."""
    view = dropout_view(prober, image, name, seed)
    before = prober.layer_names[prober.layer_names.index(name) - 1]
    st.markdown(f"#### {name}, after {before}")
    fig = dropout_triplet(view.input, view.inference, view.training, view.mask, p)
    presenter.chart(fig, key=f"dropout_{name}")
    kept = view.mask & (view.input != 0)
    ratio = float(np.median(view.training[kept] / view.input[kept])) if kept.any() else np.nan
    same = "identical to" if np.array_equal(view.inference, view.input) else "different from"
    st.markdown(
        f"p = {p:g}: in training the survivors are scaled by 1/(1−{p:g}) = "
        f"**{1 / (1 - p):.4f}** (measured here: training output ÷ input on the kept units = "
        f"{ratio:.4f}); {view.mask.mean():.1%} of the {view.mask.size:,} units were kept this "
        f"time. The inference output is {same} the input."
    )


def mc_section(prober: Prober, image: dict, seed: int) -> None:
    """N stochastic passes with dropout on: mean and spread of the class probabilities."""
    n = st.slider("Passes with dropout on", 10, 200, 50, step=10, key="mc_passes", width=400)
    mc = mc_dropout(prober, image["image"], n, seed)
    presenter.chart(probability_bars(mc.mean, image["label"], mc.std), key="mc_bars")
    top = int(np.argmax(mc.std))
    votes = np.bincount(mc.samples.argmax(axis=1), minlength=len(CLASS_NAMES))
    st.caption(
        f"Mean of {n} passes; the error bars are ± one standard deviation. The largest spread is "
        f"{mc.std[top]:.3f} ({CLASS_NAMES[top]}); {votes.max()} of {n} passes voted "
        f"{CLASS_NAMES[int(votes.argmax())]}. A wide spread means the model is unsure: "
        "different dropped units lead it to different answers."
    )


def study_section(store: RunStore, run_id: str) -> None:
    """The active run's configuration beside its dropout variants: the over-fitting gap."""
    table = study_table(store, run_id)
    if table is None:
        st.caption(
            "No finished run in the store differs from this one only by its dropout layers "
            "(with the same training settings). Train Model 1 and Model 2 alike to compare."
        )
        return
    st.dataframe(table, hide_index=True, key="dropout_study", column_config=_formats())
    st.caption(
        "Means per configuration. The study found Model 1's training accuracy well above its "
        "validation accuracy; Model 2's extra dropout before Flatten narrowed that gap."
    )
    if (ROOT / "pages" / "compare.py").exists():
        st.page_link("pages/compare.py", label="Compare", icon=":material/compare_arrows:")


def _formats() -> dict:
    """Four decimals for the accuracy columns of the study table."""
    cols = [c for c in STUDY_COLUMNS if "acc" in c or "gap" in c]
    return {c: st.column_config.NumberColumn(format="%.4f") for c in cols}


def draw(shown: fragment.Shown, model: fragment.ModelAt, image: dict | None) -> None:
    """The dropout views of the weights shown."""
    prober = model.prober
    rates = prober.dropout_rates()
    if not rates:
        st.info(
            "This model has no dropout layer. Model 2 drops 30 % of the units before Flatten "
            "and after the dense layer: train it and make it active to see dropout at work."
        )
        st.page_link("pages/train.py", label="Train Model 2", icon=":material/model_training:")
        return
    if image is None:
        return
    usable = showable_layers(prober, model.full)
    main, side = st.columns([3, 1])  # the layers first; the prediction and seed beside them
    with side:
        if model.full:
            image_picker.prediction_panel(
                prober, image["image"], image["label"], key="dropout_pred"
            )
        seed = seed_choice()
    with main:
        for name, p in usable.items():
            layer_view(prober, image["image"], name, p, seed)
    if not model.full:
        st.caption(
            "This saved state keeps the convolution weights only: the dropout layers after "
            "Flatten and MC dropout need every weight (kept at epoch ends and now)."
        )
        return
    st.subheader("MC dropout: many passes with dropout left on")
    mc_section(prober, image, seed)


def seed_choice() -> int:
    """The seed of the masks and MC passes, and a button for a new one."""
    if SEED_KEY not in st.session_state:
        st.session_state[SEED_KEY] = 0
    c1, c2 = st.columns([1, 1], vertical_alignment="bottom")
    seed = c1.number_input("Seed", 0, 99_999, key=SEED_KEY, persist_state="session")
    c2.button("Re-sample", on_click=resample, icon=":material/casino:", key="resample")
    return int(seed)


def render() -> None:
    """Draw the Dropout page."""
    ensure_shell()
    run, _, picked = inside_page.start(
        "Dropout", "dropout", ("dropout", "overfitting"), need_image=False
    )
    fragment.live_fragment(run, "drop", lambda shown, model: draw(shown, model, picked))
    st.subheader("In the study: does dropout narrow the gap?")
    study_section(resources.store(), run.id)
