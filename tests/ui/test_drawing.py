"""Draw your own: synthetic strokes through the upload conversion (fmnist_viz.data.canvas), the
canvas unit (ui.drawing) with the component stubbed, and the picker's Draw mode on a real run,
with the component present, missing and broken.

The real component only loads inside a Streamlit server; tests/browser/test_drawing.py draws
on it with the mouse.
"""

from __future__ import annotations

import sys
import types
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageDraw
from streamlit.testing.v1 import AppTest

from fmnist_viz.data import ImageError, convert_drawing, convert_upload
from fmnist_viz.data.canvas import is_blank
from tests.apptest_support import app_env, open_page, texts
from tests.image_support import CENTRE, assert_fashion_mnist_like, centre_of_mass, encode
from ui.widgets import drawing

SIDE = drawing.CANVAS_PX
WHITE, BLACK, CLEAR = (255, 255, 255, 255), (0, 0, 0, 255), (0, 0, 0, 0)
MODULE = "streamlit_drawable_canvas"


def strokes(ink: tuple = WHITE, paper: tuple = BLACK, shift: int = 0) -> np.ndarray:
    """A canvas's RGBA pixels with a T-shirt drawn in thick strokes: shoulders, sleeves, a body
    and a filled disc (a print on the front); `shift` moves it right and down."""
    image = Image.new("RGBA", (SIDE, SIDE), paper)
    pen = ImageDraw.Draw(image)
    lines = [(70, 60, 210, 60), (70, 60, 30, 120), (210, 60, 250, 120)]  # shoulders, sleeves
    lines += [(90, 60, 90, 240), (190, 60, 190, 240), (90, 240, 190, 240)]  # body
    for x0, y0, x1, y1 in lines:
        pen.line((x0 + shift, y0 + shift, x1 + shift, y1 + shift), fill=ink, width=20)
    pen.ellipse((120 + shift, 120 + shift, 160 + shift, 160 + shift), fill=ink)
    return np.asarray(image).copy()


def corner_disc() -> np.ndarray:
    """A small white disc in the canvas's top-left corner, on black."""
    image = Image.new("RGBA", (SIDE, SIDE), BLACK)
    ImageDraw.Draw(image).ellipse((10, 10, 60, 60), fill=WHITE)
    return np.asarray(image).copy()


# ---------------------------------------------------------------- the conversion (engine)


@pytest.mark.parametrize(
    ("ink", "paper", "inverted"),
    [(WHITE, BLACK, False), (BLACK, (255, 255, 255, 255), True), (WHITE, CLEAR, False)],
    ids=["white-on-black", "black-on-white", "white-on-transparent"],
)
def test_strokes_convert_exactly_like_the_same_picture_uploaded(ink, paper, inverted) -> None:
    pixels = strokes(ink, paper)
    drawn = convert_drawing(pixels)
    uploaded = convert_upload(encode(Image.fromarray(pixels)))  # the upload path, as a PNG
    np.testing.assert_array_equal(drawn.array, uploaded.array)
    assert drawn.steps == uploaded.steps and drawn.format == uploaded.format == "PNG"
    assert drawn.inverted is uploaded.inverted is inverted
    assert drawn.original_size == (SIDE, SIDE) and drawn.preview.size == (SIDE, SIDE)
    assert_fashion_mnist_like(drawn)  # 28x28 float32 in [0, 1], light, centred, filling


def test_a_drawing_anywhere_on_the_canvas_is_centred() -> None:
    corner = convert_drawing(corner_disc()).array
    row, col = centre_of_mass(corner)
    assert abs(row - CENTRE) < 1 and abs(col - CENTRE) < 1
    moved = convert_drawing(strokes(shift=15)).array  # the same shirt elsewhere: the same input
    np.testing.assert_allclose(moved, convert_drawing(strokes()).array, atol=1e-6)


def test_a_blank_canvas_is_no_image() -> None:
    assert convert_drawing(None) is None
    for paper in (BLACK, CLEAR, (255, 255, 255, 255)):
        blank = np.asarray(Image.new("RGBA", (SIDE, SIDE), paper))
        assert is_blank(blank) and convert_drawing(blank) is None
    assert not is_blank(corner_disc())


def test_pixels_that_are_not_a_picture_are_refused_clearly() -> None:
    with pytest.raises(ImageError, match=r"shape \(280, 280, 2\).*height × width × 4"):
        convert_drawing(np.arange(SIDE * SIDE * 2, dtype=np.uint8).reshape(SIDE, SIDE, 2))
    with pytest.raises(ImageError, match="float64 pixels; expected 8-bit"):
        convert_drawing(strokes().astype(np.float64))
    with pytest.raises(ImageError, match="more than 50 times longer"):
        convert_drawing(strokes()[55:60])  # a 280 × 5 strip of the shoulders


# ---------------------------------------------------------------- the canvas, stubbed


class FakeCanvas:
    """Stands in for `st_canvas`: returns what the test drew on the canvas with the latest
    key (a new key is a new, empty canvas, as in the browser) and records each call."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.drawn: dict[str, np.ndarray] = {}

    def draw(self, pixels: np.ndarray) -> None:
        """The user draws: the canvas on screen now holds these pixels."""
        self.drawn[self.calls[-1]["key"]] = pixels

    def forget(self) -> None:
        """The canvas is mounted afresh (another page): it has sent nothing yet."""
        self.drawn.clear()

    def __call__(self, **kwargs: Any) -> SimpleNamespace:
        self.calls.append(kwargs)
        pixels = self.drawn.get(kwargs["key"])
        json = None if pixels is None else {"objects": [{"type": "path", "n": int(pixels.sum())}]}
        return SimpleNamespace(image_data=pixels, json_data=json)


@pytest.fixture
def canvas(monkeypatch: pytest.MonkeyPatch) -> FakeCanvas:
    """The canvas component replaced by a FakeCanvas for this test."""
    fake = FakeCanvas()
    module = types.ModuleType(MODULE)
    module.st_canvas = fake
    monkeypatch.setitem(sys.modules, MODULE, module)
    return fake


def _lesson_like() -> None:
    """A page that uses the canvas on its own, as the Lesson does."""
    import streamlit as st

    from ui.widgets import drawing

    converted = drawing.draw_image("lesson_draw")
    st.write("no drawing" if converted is None else f"drawn, sum {converted.array.sum():.4f}")


def _written(at: AppTest) -> str:
    return at.markdown[-1].value


@pytest.mark.slow
def test_draw_image_follows_strokes_clears_and_restores(canvas: FakeCanvas) -> None:
    at = AppTest.from_function(_lesson_like).run()
    assert not at.exception and _written(at) == "no drawing"
    assert drawing.HINT in texts(at)  # an empty canvas: a hint, not an error
    first = canvas.calls[-1]
    assert first["key"] == "lesson_draw_canvas_0" and first["return_image_data"] is True
    assert (first["stroke_color"], first["background_color"]) == (drawing.STROKE, "#000000")

    canvas.draw(strokes())
    at.run()
    expected = convert_upload(encode(Image.fromarray(strokes()))).array
    assert _written(at) == f"drawn, sum {expected.sum():.4f}"
    assert drawing.HINT not in texts(at)

    canvas.draw(corner_disc())  # the next stroke: the result follows it
    at.run()
    assert _written(at) == f"drawn, sum {convert_drawing(corner_disc()).array.sum():.4f}"

    kept = canvas.calls[-1]
    canvas.forget()  # back from another page: the canvas opens on the kept drawing
    at.run()
    assert canvas.calls[-1]["initial_drawing"] == at.session_state["lesson_draw_kept"]["json"]
    assert canvas.calls[-1]["key"] == kept["key"]
    assert _written(at).startswith("drawn")  # and the page still has it before a new stroke

    at.button(key="lesson_draw_clear").click().run()
    assert canvas.calls[-1]["key"] == "lesson_draw_canvas_1"  # a fresh canvas
    assert canvas.calls[-1]["initial_drawing"] is None
    assert _written(at) == "no drawing" and drawing.HINT in texts(at)


@pytest.mark.slow
def test_brush_sizes_reach_the_canvas(canvas: FakeCanvas) -> None:
    at = AppTest.from_function(_lesson_like).run()
    assert canvas.calls[-1]["stroke_width"] == drawing.BRUSHES["medium"]
    at.select_slider(key="lesson_draw_brush").set_value("thick").run()
    assert canvas.calls[-1]["stroke_width"] == drawing.BRUSHES["thick"]


@pytest.mark.slow
def test_a_blank_canvas_after_strokes_forgets_the_drawing(canvas: FakeCanvas) -> None:
    at = AppTest.from_function(_lesson_like).run()
    canvas.draw(strokes())
    at.run()
    canvas.draw(np.asarray(Image.new("RGBA", (SIDE, SIDE), BLACK)))  # undone to nothing
    at.run()
    assert _written(at) == "no drawing" and "lesson_draw_kept" not in at.session_state


@pytest.mark.parametrize("broken", ["missing", "broken"])
def test_without_the_component_the_caption_says_how_to_get_it(monkeypatch, broken) -> None:
    # missing: `import` raises ImportError; broken: it imports but has no st_canvas
    monkeypatch.setitem(
        sys.modules, MODULE, None if broken == "missing" else types.ModuleType(MODULE)
    )
    at = AppTest.from_function(_lesson_like).run()
    assert not at.exception and _written(at) == "no drawing"
    caption = texts(at)
    assert "pip install 'streamlit-drawable-canvas[image]'" in caption
    assert ("Drawing needs the canvas component" in caption) == (broken == "missing")
    assert ("could not start" in caption) == (broken == "broken")
    assert not at.button  # no Clear for a canvas that is not there


# ---------------------------------------------------------------- the picker's Draw mode


@pytest.fixture
def run_env(tiny_runs, monkeypatch: pytest.MonkeyPatch) -> str:
    """The app over the tiny runs; the Model 2 run's id."""
    store, ids = tiny_runs
    with app_env(monkeypatch, store.root):
        yield ids["model2"]


def _draw_mode(run_id: str, page: str = "feature_maps.py") -> AppTest:
    at = open_page(f"pages/{page}", run=run_id)
    at.radio(key="picker_mode").set_value("draw").run()
    assert not at.exception, at.exception
    return at


def _chart_keys(at: AppTest) -> list[str]:
    return [chart.proto.id.rsplit("-", 1)[-1] for chart in at.get("plotly_chart")]


@pytest.mark.slow
def test_picker_draw_mode_predicts_from_the_drawing(run_env, canvas: FakeCanvas) -> None:
    at = _draw_mode(run_env)
    assert drawing.HINT in texts(at) and "prediction_bars" not in _chart_keys(at)
    assert "img" not in at.query_params

    canvas.draw(strokes())
    at.run()
    assert not at.exception, at.exception
    assert "image: your drawing" in texts(at)
    assert "prediction_bars" in _chart_keys(at)
    assert len([k for k in _chart_keys(at) if k.startswith("fm_grid_")]) == 5
    kept = at.session_state["picker_draw_kept"]["converted"].array
    np.testing.assert_array_equal(kept, convert_upload(encode(Image.fromarray(strokes()))).array)
    assert "what the model sees: 28×28" in [c for image in at.get("image") for c in image.captions]

    at.switch_page("pages/relu.py").run()  # the drawing follows the user to another page
    assert not at.exception, at.exception
    assert "image: your drawing" in texts(at)

    at.button(key="picker_draw_clear").click().run()
    assert "image: your drawing" not in texts(at) and drawing.HINT in texts(at)


@pytest.mark.slow
def test_picker_draw_mode_without_the_component_still_renders(run_env, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, MODULE, None)  # `import` raises ImportError
    at = _draw_mode(run_env)
    assert at.title[0].value == "Feature maps"
    assert "Drawing needs the canvas component" in texts(at)
    assert at.radio(key="picker_mode").value == "draw"
    at.radio(key="picker_mode").set_value("index").run()  # the other modes are unaffected
    assert not at.exception and "prediction_bars" in _chart_keys(at)
