"""The Lesson's image: a test picture of the class the teacher picks, or one the class draws."""

from __future__ import annotations

from typing import Any

import streamlit as st

from fmnist_viz import CLASS_NAMES
from fmnist_viz.data import FashionMNIST, examples_per_class
from ui.widgets.image_picker import PERSIST, drawn_pick, pick_test_image

CLASS_KEY = "lesson_class"
SOURCE_KEY = "lesson_source"
DRAW_KEY = "lesson_draw"
SOURCES = {"test": "A test picture", "draw": "Draw your own"}
DEFAULT_CLASS = 9  # an ankle boot: a clear outline with edges in every direction


def choose(data: FashionMNIST) -> dict[str, Any] | None:
    """The lesson's image as the image picker's dict (image, label, source); None while the
    canvas is empty (it says so)."""
    source = st.radio(
        "Image", list(SOURCES), format_func=SOURCES.get, key=SOURCE_KEY, horizontal=True, **PERSIST
    )
    return drawn_pick(DRAW_KEY) if source == "draw" else _test_picture(data)


def _test_picture(data: FashionMNIST) -> dict[str, Any] | None:
    """The first test picture of the chosen class (None, said, when there is no test image)."""
    by_class = {int(data.y_test[i]): i for i in examples_per_class(data.y_test)}
    if not by_class:
        st.info("The loaded test set has no images to show.")
        return None
    if st.session_state.get(CLASS_KEY) not in by_class:
        st.session_state[CLASS_KEY] = DEFAULT_CLASS if DEFAULT_CLASS in by_class else min(by_class)
    label = st.selectbox(
        "The first test picture of",
        list(by_class),
        format_func=lambda c: CLASS_NAMES[c],
        key=CLASS_KEY,
        **PERSIST,
    )
    return pick_test_image(data, by_class[label], CLASS_NAMES[label])
