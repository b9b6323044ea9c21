"""The palette stays readable for colour-blind readers: checked by simulation, with numbers.

Threshold: a CIEDE2000 difference of 10. About 1 is the smallest difference a person sees on
two large side-by-side patches; categorical marks (small scatter points, thin lines, a legend
swatch away from the data) need far more to be told apart at a glance: Plotly's T10, which the
Embeddings page used, falls to about 1.2 under deuteranopia (two classes look the same), while
the palette below keeps every pair above 10 under all three simulations.
"""

from __future__ import annotations

import numpy as np
import plotly.colors as pc
import pytest

from fmnist_viz import NUM_CLASSES
from fmnist_viz.figures import CLASS_COLORS, RUN_COLORS, class_color, run_color
from tests.colour_vision_support import (
    MACHADO,
    VISIONS,
    ciede2000,
    linear_to_lab,
    simulate,
    smallest_difference,
)

THRESHOLD = 10.0

# Sharma, Wu & Dalal (2005), Table 1: CIELAB pairs and their CIEDE2000 difference
SHARMA_PAIRS = [
    ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
    ((50.0, 3.1571, -77.2803), (50.0, 0.0, -82.7485), 2.8615),
    ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
    ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
    ((50.0, 2.5, 0.0), (61.0, -5.0, 29.0), 22.8977),
    ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
    ((2.0776, 0.0795, -1.1350), (0.9033, -0.0636, -0.5514), 0.9082),
]


@pytest.mark.parametrize(("lab1", "lab2", "expected"), SHARMA_PAIRS)
def test_ciede2000_matches_the_published_pairs(lab1, lab2, expected) -> None:
    assert ciede2000(np.array(lab1), np.array(lab2)) == pytest.approx(expected, abs=1e-4)


def test_the_simulation_keeps_white_and_greys() -> None:
    for matrix in MACHADO.values():
        assert matrix.sum(axis=1) == pytest.approx(np.ones(3), abs=1e-5)  # white stays white
    assert linear_to_lab(simulate("#FFFFFF", "normal")) == pytest.approx([100, 0, 0], abs=0.01)
    for vision in VISIONS:
        grey = simulate("#777777", vision)
        assert np.ptp(grey) < 1e-4  # a grey is seen as the same grey


def test_red_and_green_merge_under_deuteranopia_the_simulation_works() -> None:
    """The check can fail: a pair a deuteranope confuses comes out close."""
    pair = ("#D62728", "#2CA02C")  # Plotly's red and green
    normal = smallest_difference(pair, "normal")[0]
    assert normal > 30 and smallest_difference(pair, "deuteranopia")[0] < normal / 2


@pytest.mark.parametrize("vision", VISIONS)
def test_every_two_classes_stay_apart(vision: str) -> None:
    """Smallest CIEDE2000 difference between two classes: normal 21.7, deuteranopia 11.6,
    protanopia 12.2, tritanopia 10.9 (Plotly's T10: 18.1, 1.2, 1.4, 7.0)."""
    assert len(CLASS_COLORS) == NUM_CLASSES == len(set(CLASS_COLORS))
    difference, first, second = smallest_difference(CLASS_COLORS, vision)
    assert difference > THRESHOLD, (vision, first, second, round(difference, 1))


@pytest.mark.parametrize("vision", VISIONS)
def test_every_two_run_colours_stay_apart(vision: str) -> None:
    difference, first, second = smallest_difference(RUN_COLORS, vision)
    assert difference > THRESHOLD, (vision, first, second, round(difference, 1))


def test_the_old_class_colours_would_fail() -> None:
    """The threshold separates: T10 (the old class colours) is under it for deuteranopia."""
    assert smallest_difference(tuple(pc.qualitative.T10), "deuteranopia")[0] < THRESHOLD


def test_colours_cycle_by_index() -> None:
    assert [class_color(i) for i in range(NUM_CLASSES)] == list(CLASS_COLORS)
    assert run_color(len(RUN_COLORS)) == run_color(0) == RUN_COLORS[0]
