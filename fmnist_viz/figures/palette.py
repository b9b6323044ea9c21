"""The colours every figure uses, chosen to stay apart for colour-blind readers.

Runs (Compare's groups, the Class board, the live curves): Okabe & Ito's palette (2008), made for
deuteranopia, protanopia and tritanopia, ordered so the first colours are the strongest on a
white page (yellow last). Classes (Embeddings, Evaluate): the ten Fashion-MNIST classes need
ten colours, two more than Okabe–Ito has, so two dark ones are added (a plum and a dark red).
tests/figures/test_palette.py simulates the three kinds of colour blindness (Machado et al.,
2009) and checks the smallest CIEDE2000 difference between any two classes under each.
"""

from __future__ import annotations

BLUE = "#0072B2"
VERMILLION = "#D55E00"
BLUISH_GREEN = "#009E73"
ORANGE = "#E69F00"
REDDISH_PURPLE = "#CC79A7"
SKY_BLUE = "#56B4E9"
YELLOW = "#F0E442"
BLACK = "#000000"

RUN_COLORS: tuple[str, ...] = (
    BLUE,
    VERMILLION,
    BLUISH_GREEN,
    ORANGE,
    REDDISH_PURPLE,
    SKY_BLUE,
    BLACK,
    YELLOW,
)  # Okabe–Ito, strongest on white first

CLASS_COLORS: tuple[str, ...] = (
    BLUE,  # T-shirt/top
    ORANGE,  # Trouser
    BLUISH_GREEN,  # Pullover
    VERMILLION,  # Dress
    SKY_BLUE,  # Coat
    REDDISH_PURPLE,  # Sandal
    YELLOW,  # Shirt
    BLACK,  # Sneaker
    "#664455",  # Bag: plum
    "#880000",  # Ankle boot: dark red
)

# roles: one colour per meaning, the same on every page
TRAIN_COLOR = BLUE  # training curves
VAL_COLOR = VERMILLION  # validation curves
PRED_COLOR = BLUE  # the predicted class's bar
OTHER_COLOR = "#A6CEE3"  # the other classes' bars: a light blue, one family with PRED_COLOR
TRUE_COLOR = BLUISH_GREEN  # the true class's outline and label
STUDY_COLORS = ("#3A3A3A", "#9B9B9B")  # the study's logged runs: dark and light grey per model
HIDDEN = "rgba(0,0,0,0)"  # a line that must not show (a band's edges)


def run_color(index: int) -> str:
    """The colour of the `index`-th run or group (cycling after eight)."""
    return RUN_COLORS[index % len(RUN_COLORS)]


def class_color(label: int) -> str:
    """The colour of a class (0–9)."""
    return CLASS_COLORS[int(label) % len(CLASS_COLORS)]
