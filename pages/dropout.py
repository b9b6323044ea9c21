"""Dropout: each dropout layer in training and at inference, MC dropout, and the study's result."""

import json
import secrets

import numpy as np
import pandas as pd
import streamlit as st

from fmnist_viz import CLASS_NAMES
from fmnist_viz.architectures import normalize
from fmnist_viz.compare import load_series, training_settings
from fmnist_viz.figures.maps import dropout_triplet, probability_bars
from fmnist_viz.probes import Prober, dropout_view, mc_dropout
from fmnist_viz.runs import RunStore
from fmnist_viz.teaching import PAGE_INTROS
from ui import image_picker, models, resources
from ui.shell import ROOT, ensure_shell

ensure_shell()

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
    st.plotly_chart(fig, key=f"dropout_{name}")
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
    st.plotly_chart(probability_bars(mc.mean, image["label"], mc.std), key="mc_bars")
    top = int(np.argmax(mc.std))
    votes = np.bincount(mc.samples.argmax(axis=1), minlength=len(CLASS_NAMES))
    st.caption(
        f"Mean of {n} passes; the error bars are ± one standard deviation. The largest spread is "
        f"{mc.std[top]:.3f} ({CLASS_NAMES[top]}); {votes.max()} of {n} passes voted "
        f"{CLASS_NAMES[int(votes.argmax())]}. A wide spread means the model is unsure: "
        "different dropped units lead it to different answers."
    )


def _layers(meta: dict) -> list[dict]:
    return normalize(meta["spec"])["layers"]


def _core(meta: dict) -> str | None:
    """The spec without its dropout layers and names, plus the training settings, as JSON
    (None for a run.json that holds no usable spec or settings)."""
    try:
        layers = [{k: v for k, v in lay.items() if k != "name"} for lay in _layers(meta)]
        settings = training_settings(meta)
    except (ValueError, KeyError, TypeError):  # SpecError is a ValueError
        return None
    core = [lay for lay in layers if lay["type"] != "dropout"]
    return json.dumps([core, settings], sort_keys=True)


def dropout_text(meta: dict) -> str:
    """Where a spec drops units, e.g. 'after pool2 (0.3), after dense1 (0.3)'."""
    layers = _layers(meta)
    spots = [
        f"after {layers[i - 1]['name'] if i else 'the input'} ({lay['rate']:g})"
        for i, lay in enumerate(layers)
        if lay["type"] == "dropout"
    ]
    return ", ".join(spots) or "none"


def study_table(store: RunStore, run_id: str) -> pd.DataFrame | None:
    """Finished runs that differ from this run's spec only by dropout, gap per configuration."""
    mine = store.load(run_id).meta
    runs = [r for r in store.list() if r.status == "finished" and r.damaged is None]
    core = _core(mine)
    if core is None:
        return None
    kin = [r for r in runs if _core(r.meta) == core]
    if len({dropout_text(r.meta) for r in kin} | {dropout_text(mine)}) < 2:
        return None
    series, _ = load_series(store, [r.id for r in kin])
    where = {r.id: dropout_text(r.meta) for r in kin}
    rows = [
        {
            "model": s.group.split(" · ")[0],
            "dropout": where[s.run_id],
            "final train acc": s.final_train_accuracy,
            "final val acc": float(s.val_accuracy[-1]),
            "train − val gap": float(s.values("gap")[-1]),
            "test acc": s.test_accuracy,
        }
        for s in series
    ]
    if not rows:
        return None
    table = pd.DataFrame(rows).groupby(["model", "dropout"], sort=False)
    return table.mean().join(table.size().rename("runs")).reset_index()


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
    cols = ["final train acc", "final val acc", "train − val gap", "test acc"]
    return {c: st.column_config.NumberColumn(format="%.4f") for c in cols}


st.title("Dropout")
st.caption(PAGE_INTROS["dropout"])
run_id, data, prober, _ = image_picker.probe_setup(with_image=False)

rates = prober.dropout_rates()
image = None
if rates:
    top_left, top_right = st.columns(2)
    with top_left:
        image = image_picker.pick_image(data, run_id)
    if image is not None:
        with top_right:
            image_picker.prediction_panel(prober, image["image"], image["label"])
main, notes = st.columns([3, 1])
with notes:
    models.concept_notes(("dropout", "overfitting"))
with main:
    if not rates:
        st.info(
            "This model has no dropout layer. Model 2 drops 30 % of the units before Flatten "
            "and after the dense layer: train it and make it active to see dropout at work."
        )
        st.page_link("pages/train.py", label="Train Model 2", icon=":material/model_training:")
    if image is not None:
        if SEED_KEY not in st.session_state:
            st.session_state[SEED_KEY] = 0
        c1, c2 = st.columns([1, 3], vertical_alignment="bottom")
        seed = c1.number_input("Seed", 0, 99_999, key=SEED_KEY, persist_state="session")
        c2.button("Re-sample", on_click=resample, icon=":material/casino:", key="resample")
        for name, p in rates.items():
            layer_view(prober, image["image"], name, p, int(seed))
        st.subheader("MC dropout: many passes with dropout left on")
        mc_section(prober, image, int(seed))
    st.subheader("In the study: does dropout narrow the gap?")
    study_section(resources.store(), run_id)
