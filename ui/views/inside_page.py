"""The common start of the inside pages that look at one image, kept short so that the page's
main figure starts on the first screen (issue #20): the title with a one-sentence intro and the
page's teaching notes one click away ("About this page"), then one compact row of the controls
that are set once (the run, the image and its thumbnail), folded away while presenting."""

from __future__ import annotations

from typing import Any

import streamlit as st

from fmnist_viz.data import FashionMNIST
from fmnist_viz.runs import RunInfo
from fmnist_viz.teaching import PAGE_INTROS
from ui.core import presenter, resources
from ui.widgets import image_picker, run_chooser
from ui.widgets.concepts import concept_notes

ABOUT = "About this page"
SETTINGS = "Run and image"  # the settings row's expander while presenting


def first_sentence(text: str) -> str:
    """The first sentence of a text (all of it when it has one)."""
    head, dot, rest = text.partition(". ")
    return f"{head}." if dot and rest else text


def header(title: str, intro: str, notes: tuple[str, ...]) -> None:
    """The title and the intro's first sentence; the whole intro and the notes in a popover."""
    text, about = st.columns([3.6, 1.2], vertical_alignment="center")
    with text:
        st.title(title, anchor=False)
        st.caption(first_sentence(PAGE_INTROS[intro]))
    with about.popover(ABOUT, icon=":material/menu_book:"):
        st.markdown(PAGE_INTROS[intro])
        concept_notes(notes, expanded=0)


def start(
    title: str, intro: str, notes: tuple[str, ...], need_image: bool = True
) -> tuple[RunInfo, FashionMNIST, dict[str, Any] | None]:
    """Draw the page's top and return (run, data, picked image); stops the page with a
    message when there is no run or no data (or no image, when the page needs one)."""
    header(title, intro, notes)
    with presenter.settings_box(SETTINGS):
        run_column, image_column, thumb_column = st.columns([2, 3, 1])
        with run_column:
            run = run_chooser.choose_run()
            data = resources.dataset_or_error() if run else None
        if run is None or data is None:
            st.stop()
        with image_column:
            picked = image_picker.pick_image(data, run.id)
        if picked is not None:
            with thumb_column:
                image_picker.thumbnail(picked)
    if picked is None and need_image:
        st.stop()
    return run, data, picked
