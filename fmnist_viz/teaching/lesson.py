"""The Lesson: eight steps through the study, each one idea, one figure and at most four short
sentences, in the order a teacher would take a class through them.

Only words and structure live here (what each step is called, says, needs and where to dig
deeper); the numbers come from the run the lesson shows (ui/lesson_steps.py draws them).
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_SENTENCES = 4


@dataclass(frozen=True)
class Step:
    """One step of the lesson."""

    key: str
    title: str
    sentences: tuple[str, ...]
    page: str  # the full page for deeper digging (a pages/ script)
    page_label: str  # "Page: what it adds" (the part after the colon is the link's tooltip)
    needs_run: bool  # drawn from a trained (or training) run's weights
    needs_image: bool = False  # an image through the network (the inside steps)


STEPS: tuple[Step, ...] = (
    Step(
        "data",
        "The data",
        (
            "Fashion-MNIST has 70,000 small grey pictures of clothes, 28 × 28 pixels each.",
            "There are ten classes, from T-shirts to ankle boots; each column shows three of one.",
            "The network sees only the pixel values, numbers from 0 (black) to 1 (white).",
            "It learns from 55,000 of them and is tested on 10,000 it has never seen.",
        ),
        "pages/home.py",
        "Home: the classes and where the data came from",
        False,
    ),
    Step(
        "kernel",
        "A kernel slides over the image",
        (
            "A kernel is a small grid of weights that the network learned.",
            "Laid on the image, each pixel under it is multiplied by its weight and the products "
            "are added up, plus a bias.",
            "That sum is one value of a feature map; sliding the kernel one pixel at a time "
            "gives the whole map.",
            "Move the window to see the numbers change.",
        ),
        "pages/kernels.py",
        "Kernels: every learned weight",
        True,
        True,
    ),
    Step(
        "feature_maps",
        "Feature maps of the first layer",
        (
            "The first layer has many kernels, and each one makes its own feature map.",
            "A map is bright where its kernel's pattern is in the image: an edge, an outline, a "
            "texture.",
            "Together these maps are the layer's output, the next layer's input.",
        ),
        "pages/feature_maps.py",
        "Feature maps: every layer, one channel enlarged, two runs side by side",
        True,
        True,
    ),
    Step(
        "relu",
        "ReLU keeps the positive part",
        (
            "After the multiply-and-add comes ReLU: every negative value becomes 0, the others "
            "stay.",
            "On the left the values before ReLU (blue negative, red positive), on the right after "
            "it (grey: set to 0).",
            "Zeroing the weak responses lets the network switch features on and off, which makes "
            "it more than one big multiplication.",
        ),
        "pages/relu.py",
        "ReLU: every layer, how much it zeroes, dead filters",
        True,
        True,
    ),
    Step(
        "pooling",
        "Max pooling shrinks the maps",
        (
            "Max pooling cuts each map into 2 × 2 blocks and keeps only the largest value of each.",
            "The map becomes half as wide and half as tall: a quarter of the numbers.",
            "The strongest response survives even if the pattern moves by a pixel.",
        ),
        "pages/feature_maps.py",
        "Feature maps: the pooling layers beside the conv layers",
        True,
        True,
    ),
    Step(
        "dropout",
        "Dropout switches units off while training",
        (
            "During training, dropout sets each unit to 0 with probability p, a new random choice "
            "for every batch.",
            "The survivors are multiplied by 1/(1 − p), so the layer's output keeps the same size "
            "on average.",
            "The network cannot rely on any single unit, which fights over-fitting.",
            "At test time dropout does nothing: the input passes unchanged.",
        ),
        "pages/dropout.py",
        "Dropout: every dropout layer, and many passes with dropout on",
        True,
        True,
    ),
    Step(
        "fitting",
        "Learning curves and over-fitting",
        (
            "Each epoch the network sees every training image once and is then checked on "
            "validation images it never learns from.",
            "Training accuracy keeps rising; validation accuracy levels off.",
            "The shaded gap between them is over-fitting: what it memorised rather than learned.",
            "The weights kept are those of the epoch with the lowest validation loss.",
        ),
        "pages/compare.py",
        "Compare: runs side by side, with the study's logged runs",
        True,
    ),
    Step(
        "verdict",
        "Model 1 against Model 2",
        (
            "The study trained Model 1 and Model 2 ten times each; the bands show the spread.",
            "Both reach about 92 % on the test images.",
            "Model 1 ends with a larger gap between training and validation: it over-fits more.",
            "Model 2 adds one dropout layer before Flatten, narrowing the gap while generalising "
            "at least as well.",
        ),
        "pages/compare.py",
        "Compare: train your own runs of both and lay them over the study's",
        False,
    ),
)


def step_number(value: object, default: int = 1) -> int:
    """A step number (1 to len(STEPS)) from a URL value; the default for anything else."""
    try:
        number = int(str(value))
    except ValueError:
        return default
    return number if 1 <= number <= len(STEPS) else default
