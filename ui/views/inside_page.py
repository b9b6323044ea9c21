"""The common start of the inside pages that look at one image: title, run chooser, data, the
image picker beside the page's teaching notes (folded away while presenting)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from fmnist_viz.data import FashionMNIST
from fmnist_viz.runs import RunInfo
from fmnist_viz.teaching import PAGE_INTROS
from ui.core import presenter, resources
from ui.widgets import image_picker, run_chooser
from ui.widgets.concepts import concept_notes


def start(
    title: str, intro: str, notes: tuple[str, ...], need_image: bool = True
) -> tuple[RunInfo, FashionMNIST, dict[str, Any] | None]:
    """Draw the page's top and return (run, data, picked image); stops the page with a
    message when there is no run or no data (or no image, when the page needs one)."""
    st.title(title)
    st.caption(PAGE_INTROS[intro])
    run = run_chooser.choose_run()
    data = resources.dataset_or_error() if run else None
    if run is None or data is None:
        st.stop()
    with presenter.settings_box("Image and notes"):
        top_left, top_right = st.columns([3, 2])
        with top_left:
            picked = image_picker.pick_image(data, run.id)
        with top_right:
            concept_notes(notes, expanded=0)
    if picked is None and need_image:
        st.stop()
    st.markdown(f"**{run.name}**" + (f" · image: {picked['source']}" if picked else ""))
    return run, data, picked
