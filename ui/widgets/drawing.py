"""Draw your own: a canvas whose strokes become the model's input, converted like an upload.

The canvas is the streamlit-drawable-canvas component (maintained, best effort). Without it, or
when it fails to load, a caption says how to get it and `draw_image` returns None, so the page
around it keeps working. The last drawing is kept in session state and redrawn when the canvas
comes back (another page, another picker mode); Clear forgets it and starts a fresh canvas.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import streamlit as st

from fmnist_viz.data import ConvertedImage, ImageError, convert_drawing

CANVAS_PX = 280  # ten screen pixels per pixel of the 28x28 input
STROKE, BACKGROUND = "#ffffff", "#000000"  # light on black, as Fashion-MNIST shows clothes
BRUSHES = {"thin": 10, "medium": 20, "thick": 36}
INSTALL = "pip install 'streamlit-drawable-canvas[image]'"
HINT = (
    "Draw one piece of clothing in white on the black square. It becomes a 28 × 28 picture "
    "the way an uploaded one does (cropped, centred, light on black like Fashion-MNIST's), and "
    "the prediction follows each stroke."
)


def canvas_component() -> Callable[..., Any] | None:
    """The canvas component's `st_canvas`, or None (with a caption saying why) when it is not
    installed or cannot start."""
    try:
        module = importlib.import_module("streamlit_drawable_canvas")
        return module.st_canvas
    except ImportError:
        st.caption(f"Drawing needs the canvas component: `{INSTALL}`, then reload the page.")
    except Exception as exc:  # best effort: a component that breaks must not break the page
        st.caption(f"The drawing canvas could not start ({exc}). Try `{INSTALL} --upgrade`.")
    return None


def _keys(key: str) -> tuple[str, str, str]:
    """Session keys of one canvas: its Clear count, the kept drawing, the drawing it opened on."""
    return f"{key}_clears", f"{key}_kept", f"{key}_opened_on"


def clear(key: str) -> None:
    """Forget the drawing and open a fresh, empty canvas (a new widget key)."""
    clears, kept, opened_on = _keys(key)
    st.session_state[clears] = st.session_state.get(clears, 0) + 1
    st.session_state.pop(kept, None)
    st.session_state.pop(opened_on, None)


def _opening_drawing(key: str, canvas_key: str) -> dict[str, Any] | None:
    """What the canvas starts with: the kept drawing when the canvas is new on the page
    (fixed while it stays, so the canvas is not reloaded and keeps its undo history)."""
    _, kept, opened_on = _keys(key)
    if canvas_key not in st.session_state:
        st.session_state[opened_on] = st.session_state.get(kept, {}).get("json")
    return st.session_state.get(opened_on)


def _read(result: Any, key: str) -> ConvertedImage | None:
    """The canvas's picture converted (and kept); the kept one while the canvas has sent
    nothing yet; None when it is blank or unusable."""
    _, kept, _ = _keys(key)
    pixels = result.image_data
    if pixels is None:
        return st.session_state.get(kept, {}).get("converted")
    try:
        converted = convert_drawing(pixels)
    except ImageError as exc:
        st.error(f"The drawing cannot be used: {exc}")
        return None
    if converted is None:
        st.session_state.pop(kept, None)
    else:
        st.session_state[kept] = {"json": result.json_data, "converted": converted}
    return converted


def draw_image(key: str) -> ConvertedImage | None:
    """A drawing canvas with a brush size and a Clear button; return the drawing converted like
    an upload (`.array` is the model's 28x28 float32 input in [0, 1]), or None when nothing is
    drawn yet (with a hint) or the canvas component is missing (with a caption).

    Each stroke reruns the script, so what is drawn from the result follows the drawing.
    `key` names this canvas: two places with different keys keep different drawings.
    """
    canvas = canvas_component()
    if canvas is None:
        return None
    clears, _, _ = _keys(key)
    canvas_key = f"{key}_canvas_{st.session_state.get(clears, 0)}"
    opening = _opening_drawing(key, canvas_key)
    size = st.session_state.get(f"{key}_brush", "medium")  # the slider sits under the canvas
    result = canvas(
        stroke_width=BRUSHES[size],
        stroke_color=STROKE,
        background_color=BACKGROUND,
        width=CANVAS_PX,
        height=CANVAS_PX,
        drawing_mode="freedraw",
        initial_drawing=opening,
        return_image_data=True,
        key=canvas_key,
    )
    brush, erase = st.columns([3, 1], vertical_alignment="bottom")
    brush.select_slider("Brush", list(BRUSHES), value="medium", key=f"{key}_brush")
    erase.button("Clear", key=f"{key}_clear", on_click=clear, args=(key,), icon=":material/delete:")
    converted = _read(result, key)
    if converted is None:
        st.caption(HINT)
    return converted
