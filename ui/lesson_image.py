"""The Lesson's image: a test picture of the class the teacher picks, or one the class draws."""

from __future__ import annotations

from typing import Any

import numpy as np
import streamlit as st

from fmnist_viz import CLASS_NAMES
from fmnist_viz.data import FashionMNIST, examples_per_class
from ui import drawing

CLASS_KEY = "lesson_class"
SOURCE_KEY = "lesson_source"
DRAW_KEY = "lesson_draw"
SOURCES = {"test": "A test picture", "draw": "Draw your own"}
DEFAULT_CLASS = 9  # an ankle boot: a clear outline with edges in every direction


def choose(data: FashionMNIST) -> dict[str, Any] | None:
    """The lesson's image as the image picker's dict (image, label, source); None while the
    canvas is empty (it says so)."""
    source = st.radio(
        "Image", list(SOURCES), format_func=SOURCES.get, key=SOURCE_KEY, horizontal=True
    )
    if source == "draw":
        converted = drawing.draw_image(DRAW_KEY)
        if converted is None:
            return None
        return {"image": converted.array, "label": None, "source": "your drawing"}
    return _test_picture(data)


def _test_picture(data: FashionMNIST) -> dict[str, Any]:
    """The first test picture of the chosen class."""
    firsts = examples_per_class(data.y_test)
    by_class = {int(data.y_test[i]): i for i in firsts}
    if st.session_state.get(CLASS_KEY) not in by_class:
        st.session_state[CLASS_KEY] = DEFAULT_CLASS if DEFAULT_CLASS in by_class else min(by_class)
    label = st.selectbox(
        "The first test picture of",
        list(by_class),
        format_func=lambda c: CLASS_NAMES[c],
        key=CLASS_KEY,
    )
    index = by_class[label]
    image = data.x_test[index].astype(np.float32) / 255.0
    return {"image": image, "label": int(label), "index": index, "source": CLASS_NAMES[label]}
