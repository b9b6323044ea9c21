"""The image that the inside-the-network pages probe, shared by all four of them.

A test image by number, a random one of a class, one the active run gets wrong, the user's
own picture, or a drawing (converted like a picture; the pages follow it stroke by stroke).
The choice lives in session state, so it follows the user from page to page, and a test
image's number is mirrored in the URL (?img=) so that a link reproduces the view.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

import numpy as np
import streamlit as st

from fmnist_viz import CLASS_NAMES
from fmnist_viz.data import PREVIEW_SIDE, FashionMNIST, ImageError, convert_upload
from fmnist_viz.figures import probability_bars
from fmnist_viz.inside import Prober
from fmnist_viz.training import misclassified
from ui.core import presenter, run_cache, session
from ui.widgets import drawing

MODES = {  # short: the choice fits one line beside the run chooser
    "index": "Number",
    "random": "Random",
    "wrong": "Mistake",
    "upload": "Upload",
    "draw": "Draw your own",
}
UPLOAD_TYPES = ["png", "jpg", "jpeg", "webp", "gif", "bmp"]
UPLOAD_KEY = "picker_uploaded"  # the last usable upload, kept across pages
DRAW_KEY = "picker_draw"  # the picker's canvas (its drawing is kept across pages)
SEED_KEY = "picker_seed"  # draws the random image of a class; only the button changes it
URL_KEY = "picker_url_img"  # the ?img= value the picker wrote last
PREVIEW_PX = 112
THUMB_PX = 84  # the thumbnail beside the controls: 3 screen pixels per image pixel
MAX_WRONG = 200
PERSIST: dict[str, Any] = {"persist_state": "session"}  # widget values survive page switches

Pick = dict[str, Any]


def pick_test_image(data: FashionMNIST, index: int, source: str) -> Pick:
    """A test image as the picker's plain dict."""
    image = data.x_test[index].astype(np.float32) / 255.0
    return {"image": image, "label": int(data.y_test[index]), "index": int(index), "source": source}


def _by_index(data: FashionMNIST, run_id: str) -> Pick:
    """A test image chosen by its number."""
    n = len(data.y_test)
    if st.session_state.get("picker_index", 0) >= n:
        st.session_state["picker_index"] = n - 1
    index = st.number_input(
        f"Test image number (0 to {n - 1:,})", 0, n - 1, step=1, key="picker_index", **PERSIST
    )
    return pick_test_image(data, int(index), f"test image #{index}")


def _reroll() -> None:
    """Draw a new seed for the random image."""
    st.session_state[SEED_KEY] = secrets.randbelow(2**31)


def _random_of_class(data: FashionMNIST, run_id: str) -> Pick | None:
    """A random test image of the chosen class; it only changes when the user asks."""
    left, right = st.columns([2, 1], vertical_alignment="bottom")
    cls = left.selectbox(
        "Class",
        range(len(CLASS_NAMES)),
        format_func=CLASS_NAMES.__getitem__,
        key="picker_class",
        **PERSIST,
    )
    if SEED_KEY not in st.session_state:
        _reroll()
    right.button("Another one", key="picker_reroll", on_click=_reroll, icon=":material/casino:")
    indices = np.flatnonzero(data.y_test == cls)
    if not indices.size:
        st.warning(f"The loaded test set has no {CLASS_NAMES[cls]}.")
        return None
    rng = np.random.default_rng(st.session_state[SEED_KEY])
    index = int(indices[rng.integers(indices.size)])
    return pick_test_image(data, index, f"a random {CLASS_NAMES[cls]}: test image #{index}")


def _wrong_label(row: dict[str, Any]) -> str:
    """One misclassified test image in words."""
    true, pred = CLASS_NAMES[row["true"]], CLASS_NAMES[row["predicted"]]
    return f"#{row['index']}: {true} taken for {pred} ({row['confidence']:.0%})"


def _wrong_one(data: FashionMNIST, run_id: str) -> Pick | None:
    """A test image the active run classifies wrongly, most confident mistakes first."""
    probs = run_cache.test_set_probabilities(run_id, data)
    if probs is None:
        st.info("This run has no model yet to score the test images with.")
        return None
    wrong = misclassified(probs, data.y_test, limit=None)
    if wrong.empty:
        st.success("The model gets every test image right: there is no mistake to show.")
        return None
    rows = {int(r["index"]): r for r in wrong.head(MAX_WRONG).to_dict("records")}
    if st.session_state.get("picker_wrong") not in rows:
        st.session_state["picker_wrong"] = next(iter(rows))
    index = st.selectbox(
        f"{len(wrong):,} of {len(data.y_test):,} test images are wrong; the "
        f"{len(rows)} most confident mistakes",
        list(rows),
        format_func=lambda i: _wrong_label(rows[i]),
        key="picker_wrong",
        **PERSIST,
    )
    return pick_test_image(data, index, f"misclassified test image #{index}")


def read_upload(name: str, data: bytes) -> dict[str, Any]:
    """Convert an uploaded picture (ImageError when unusable) into the record the picker keeps."""
    converted = convert_upload(data)  # decoded once; the preview comes from the same decode
    return {
        "name": name,
        "image": converted.array,
        "thumb": converted.preview,
        "caption": f"original: {converted.original_size[0]}×{converted.original_size[1]} "
        f"{converted.format}",
        "steps": converted.steps,
    }


def _upload(data: FashionMNIST, run_id: str) -> Pick | None:
    """The user's own picture, converted to a Fashion-MNIST-style 28x28 image."""
    file = st.file_uploader(
        "A photo or drawing of one piece of clothing (PNG, JPEG, WebP, GIF or BMP)",
        type=UPLOAD_TYPES,
        key="picker_upload",
    )
    kept = st.session_state.get(UPLOAD_KEY)
    if file is not None and (kept is None or kept.get("file_id") != file.file_id):
        try:
            kept = st.session_state[UPLOAD_KEY] = {
                **read_upload(file.name, file.getvalue()),
                "file_id": file.file_id,
            }
        except ImageError as exc:
            st.error(f"{file.name}: {exc}")
            if kept is not None:
                st.caption(f"Still showing your previous picture, {kept['name']}.")
    if kept is None:
        return None
    if file is None:
        st.caption(f"Showing your picture {kept['name']}; upload another one to replace it.")
    left, right = st.columns(2)
    left.image(kept["thumb"], caption=kept["caption"])
    right.image(enlarged(kept["image"], PREVIEW_SIDE), caption="converted: 28×28, light on black")
    with st.expander("How it was converted"):
        st.markdown("\n".join(f"{i}. {step}" for i, step in enumerate(kept["steps"], 1)))
    return {"image": kept["image"], "label": None, "index": None, "source": kept["name"]}


def drawn_pick(key: str) -> Pick | None:
    """A canvas (named by `key`) and its drawing as a pick, converted like an uploaded
    picture; None until something is drawn."""
    converted = drawing.draw_image(key)
    if converted is None:
        return None
    return {"image": converted.array, "label": None, "index": None, "source": "your drawing"}


def _draw(data: FashionMNIST, run_id: str) -> Pick | None:
    """The picker's own canvas."""
    return drawn_pick(DRAW_KEY)


HANDLERS: dict[str, Callable[[FashionMNIST, str], Pick | None]] = {
    "index": _by_index,
    "random": _random_of_class,
    "wrong": _wrong_one,
    "upload": _upload,
    "draw": _draw,
}


def enlarged(image: np.ndarray, px: int = PREVIEW_PX) -> np.ndarray:
    """A 28x28 image scaled up by whole pixels (crisp, not blurred by the browser)."""
    factor = max(1, px // image.shape[0])
    return np.clip(np.kron(image, np.ones((factor, factor), dtype=np.float32)), 0.0, 1.0)


def _follow_url(n_test: int) -> None:
    """A link or another page that sets ?img=N (other than the picker's own last value) opens
    that test image."""
    url = session.url_value("img")
    if url.isdigit() and int(url) < n_test and url != st.session_state.get(URL_KEY):
        st.session_state["picker_mode"] = "index"
        st.session_state["picker_index"] = int(url)


def thumbnail(pick: Pick) -> None:
    """The picked image as the model gets it, small and enlarged by whole pixels, and where
    it comes from (beside the controls: it takes no height of its own)."""
    seen = "what the model sees: 28×28" if pick["index"] is None else None  # not a test image
    st.image(enlarged(pick["image"], THUMB_PX), caption=seen)
    st.caption(f"image: {pick['source']}")


def pick_image(data: FashionMNIST, run_id: str) -> Pick | None:
    """Draw the picker (the source, then its control: one compact block, the image itself is
    shown by the page beside its figures); return {"image", "label", "index", "source"} or
    None when none is usable."""
    _follow_url(len(data.y_test))
    mode = st.radio(
        "Image",
        list(MODES),
        format_func=MODES.get,
        horizontal=True,
        key="picker_mode",
        **PERSIST,
    )
    pick = HANDLERS[mode](data, run_id)
    index = None if pick is None else pick["index"]
    st.session_state[URL_KEY] = "" if index is None else str(index)
    session.set_url_value("img", index)
    return pick


def prediction_panel(
    prober: Prober, image: np.ndarray, label: int | None, key: str = "prediction_bars"
) -> None:
    """The model's class probabilities for the image (the compact chart every page shows
    beside its figure), the true label marked when known."""
    presenter.chart(probability_bars(prober.predict(image), label), key=key)
