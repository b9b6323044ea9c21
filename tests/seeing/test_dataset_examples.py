"""Top-activating images: equal to a brute-force NumPy argsort over every image's maxima (from
the probe's own layer outputs), across chunk boundaries; class spread and its sentence."""

from __future__ import annotations

import numpy as np
import pytest

from fmnist_viz import CLASS_NAMES
from fmnist_viz.inside import Prober, conv_names
from fmnist_viz.seeing import SHOWN, TopImages, class_spread, spread_sentence, top_images
from fmnist_viz.seeing import dataset_examples as top_module
from tests.apptest_support import SAMPLE
from tests.probe_support import built

N_IMAGES = 300
SOFTMAX = {"type": "dense", "units": 10, "activation": "softmax"}


@pytest.fixture(scope="module")
def images() -> tuple[np.ndarray, np.ndarray]:
    """Real test images (uint8) and labels from the bundled sample."""
    from fmnist_viz.data.loading import load_dir

    _, _, x, y = load_dir(SAMPLE)
    return x[:N_IMAGES], y[:N_IMAGES]


def _brute_force(prober: Prober, x: np.ndarray) -> dict[str, np.ndarray]:
    """Every image's largest output per filter (n, f) and the whole maps, per conv layer."""
    names = conv_names(prober)
    maxima: dict[str, list] = {n: [] for n in names}
    maps: dict[str, list] = {n: [] for n in names}
    for outputs in prober.chunked_outputs(x, names):
        for name, out in outputs.items():
            maxima[name].append(out.max(axis=(1, 2)))
            maps[name].append(out)
    return {n: (np.concatenate(maxima[n]), np.concatenate(maps[n])) for n in names}


def test_top_images_equal_a_brute_force_argsort(model2_prober, images, monkeypatch) -> None:
    x, _ = images
    monkeypatch.setattr(top_module, "CHUNK", 64)  # five chunks: the running merge is used
    seen: list[float] = []
    got = top_images(model2_prober, x, keep=20, progress=seen.append)
    assert list(got) == ["conv1", "conv2"]
    assert seen == sorted(seen) and len(seen) == 6 and seen[-1] == 1.0  # 5 chunks, then 1
    reference = _brute_force(model2_prober, x)
    for name, (maxima, maps) in reference.items():
        top = got[name]
        assert top.n_images == N_IMAGES and top.map_size == maps.shape[1:3]
        expected = np.argsort(-maxima, axis=0, kind="stable")[:20].T  # (filters, 20)
        np.testing.assert_array_equal(top.indices, expected)
        np.testing.assert_allclose(top.values, np.take_along_axis(maxima.T, expected, 1), atol=1e-5)
        # the position named holds the image's largest value of that filter's map
        assert top.positions.shape == (top.filters, SHOWN, 2)
        f = np.arange(top.filters)[:, None]
        shown = top.indices[:, :SHOWN]
        at = maps[shown, top.positions[..., 0], top.positions[..., 1], f]
        np.testing.assert_allclose(at, top.values[:, :SHOWN], atol=1e-5)


def test_keep_is_cut_to_the_images_and_one_filter_works(images) -> None:
    x, _ = images
    spec = {"name": "one", "layers": [{"type": "conv2d", "filters": 1, "kernel_size": 3}, SOFTMAX]}
    prober = Prober(built(spec, 4))
    got = top_images(prober, x[:5], keep=100)["conv1"]
    assert got.values.shape == (1, 5) and got.filters == 1
    maxima = _brute_force(prober, x[:5])["conv1"][0]
    np.testing.assert_array_equal(got.indices[0], np.argsort(-maxima[:, 0], kind="stable"))


def test_a_model_without_conv_layers_has_no_top_images(images) -> None:
    spec = {"name": "dense", "layers": [{"type": "flatten"}, SOFTMAX]}
    assert top_images(Prober(built(spec, 5)), images[0][:4]) == {}


def _top(values: list[float], indices: list[int]) -> TopImages:
    """One filter's top images, by hand."""
    v = np.array([values], dtype=np.float32)
    i = np.array([indices], dtype=np.int32)
    return TopImages("conv", v, i, np.zeros((*v.shape, 2), np.int16), (28, 28), 10)


def test_class_spread_counts_only_the_images_that_fire() -> None:
    labels = np.array([5, 5, 7, 0, 5, 3, 3, 3, 9, 1])
    top = _top([3.0, 2.0, 1.5, 1.0, 0.0], [0, 2, 1, 5, 9])
    counts = class_spread(top, 0, labels)
    expected = np.bincount([5, 7, 5, 3], minlength=10)  # image 9 (value 0) does not count
    np.testing.assert_array_equal(counts, expected)
    first_two = np.eye(10, dtype=int)[[5, 7]].sum(axis=0)  # images 0 and 2
    np.testing.assert_array_equal(class_spread(top, 0, labels, k=2), first_two)
    assert top.fires(0) and not _top([0.0, 0.0], [0, 1]).fires(0)


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ({5: 9}, "Filter 3 fires only on Sandal of its top 9 images."),
        ({5: 7, 7: 3}, "Filter 3 fires mostly on Sandal (70%) of its top 10 images."),
        ({5: 4, 7: 4, 9: 2}, "Filter 3 fires mostly on Sandal (40%) and Sneaker (40%) of its "
                             "top 10 images."),
        ({0: 3, 2: 2, 4: 2, 6: 2, 8: 1}, "Filter 3 fires on many classes: the most frequent "
                                         "of its top 10 images are T-shirt/top (30%), Pullover "
                                         "(20%), Coat (20%)."),
        ({}, "Filter 3 does not fire on any of the test images searched (a dead filter)."),
    ],
)  # fmt: skip
def test_spread_sentence(counts: dict[int, int], expected: str) -> None:
    array = np.zeros(len(CLASS_NAMES), int)
    for c, n in counts.items():
        array[c] = n
    assert spread_sentence(array, 3) == expected
