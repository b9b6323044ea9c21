"""The teaching notes shown beside the inside views (texts from `fmnist_viz.teaching.texts`)."""

from __future__ import annotations

import streamlit as st

from fmnist_viz.teaching import CONCEPTS
from ui.core import presenter


def concept_notes(keys: tuple[str, ...], expanded: int = 1) -> None:
    """The teaching text for these concepts, the first `expanded` of them open (none while
    presenting: the figures get the room)."""
    for i, key in enumerate(keys):
        concept = CONCEPTS[key]
        with st.expander(concept.title, expanded=presenter.expanded(i < expanded)):
            st.markdown(f"**{concept.summary}**\n\n{concept.body}")
