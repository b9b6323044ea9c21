"""The Embeddings page's settings: sample size and seed, k and the t-SNE perplexity, kept for
the session (outside the live fragment: changing one reruns the page)."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from fmnist_viz.seeing import (
    K_DEFAULT,
    K_MAX,
    K_MIN,
    N_DEFAULT,
    N_MAX,
    N_MIN,
    PERPLEXITY_DEFAULT,
    PERPLEXITY_MAX,
    PERPLEXITY_MIN,
    SEED_DEFAULT,
)


@dataclass(frozen=True)
class Settings:
    """What the user asked for: sample size and seed, k, perplexity."""

    n: int
    seed: int
    k: int
    perplexity: float


DEFAULTS = {
    "emb_n": N_DEFAULT,
    "emb_seed": SEED_DEFAULT,
    "emb_k": K_DEFAULT,
    "emb_perplexity": PERPLEXITY_DEFAULT,
}


def settings() -> Settings:
    """The sample and score settings (outside the live fragment: changing one reruns the page)."""
    for key, value in DEFAULTS.items():
        st.session_state.setdefault(key, value)
    keep = {"persist_state": "session"}
    with st.expander("Sample and settings", expanded=False):
        c1, c2, c3, c4 = st.columns(4)
        n = c1.number_input(
            f"Test images ({N_MIN:,} to {N_MAX:,})",
            N_MIN,
            N_MAX,
            step=100,
            key="emb_n",
            help="Drawn class by class, so each class keeps its share of the test set.",
            **keep,
        )
        seed = c2.number_input(
            "Seed",
            0,
            2**31 - 1,
            key="emb_seed",
            help="The same seed gives the same images and the same t-SNE picture.",
            **keep,
        )
        k = c3.number_input(
            f"k nearest neighbours ({K_MIN} to {K_MAX})", K_MIN, K_MAX, key="emb_k", **keep
        )
        perplexity = c4.slider(
            "t-SNE perplexity",
            PERPLEXITY_MIN,
            PERPLEXITY_MAX,
            step=5.0,
            key="emb_perplexity",
            help="About how many neighbours each point keeps close in the t-SNE picture.",
            **keep,
        )
    return Settings(int(n), int(seed), int(k), float(perplexity))
