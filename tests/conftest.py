"""Fixtures shared by the test modules (builders live in the *_support modules)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from fmnist_viz.runs import RunStore
from tests.apptest_support import app_env
from tests.job_support import HandClock
from tests.run_support import build_compare_store, train_tiny_runs


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunStore]:
    """A fresh run store for the app, with the bundled sample as its data."""
    with app_env(monkeypatch, tmp_path / "runs"):
        yield RunStore(tmp_path / "runs")


@pytest.fixture(scope="session")
def tiny_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[RunStore, dict[str, str]]:
    """Two real runs trained once per session (Model 2 and Model 1, 2 epochs on 300 sample
    images): store and run ids by preset. Tests must not change them."""
    return train_tiny_runs(tmp_path_factory.mktemp("tiny-runs") / "runs")


@pytest.fixture(scope="session")
def ray_cluster() -> Iterator[Any]:
    """One local Ray cluster of 2 CPUs for the whole session (starting one costs seconds)."""
    import ray

    root = str(Path(__file__).resolve().parents[1])  # workers import fmnist_viz from here
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        log_to_driver=False,
        runtime_env={"env_vars": {"PYTHONPATH": root}},
    )
    yield ray
    ray.shutdown()


@pytest.fixture(scope="session")
def shots() -> Path:
    """The folder the browser tests save their screenshots in (printed)."""
    from tests.browser_support import screenshot_folder

    return screenshot_folder()


@pytest.fixture
def compare_runs(tmp_path: Path) -> tuple[RunStore, dict[str, str]]:
    """The four hand-written comparison runs on disk: store and run ids by fixture name."""
    return build_compare_store(tmp_path / "runs")


# ---------------------------------------------------------------- probe material (keras, lazily)


@pytest.fixture(scope="session")
def probe_images() -> np.ndarray:
    """Eight real Fashion-MNIST test images from the bundled sample, float (8, 28, 28, 1)."""
    from fmnist_viz.data.loading import SAMPLE_DIR, load_dir
    from fmnist_viz.training import scale_images

    return scale_images(load_dir(SAMPLE_DIR)[2][:8])


@pytest.fixture(scope="session")
def model2(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Model 2 with random weights, saved and loaded back (as the app gets it from a run)."""
    import keras

    from fmnist_viz.models import preset
    from tests.probe_support import built

    path = tmp_path_factory.mktemp("model2") / "model.keras"
    built(preset("model2"), 1).save(path)
    return keras.saving.load_model(path, compile=False)


@pytest.fixture(scope="session")
def model2_prober(model2: Any) -> Any:
    """The Prober of `model2` (built and traced once per session)."""
    from fmnist_viz.inside import Prober

    return Prober(model2)


@pytest.fixture(scope="session")
def custom_model() -> Any:
    """The model of probe_support.CUSTOM: every layer kind, odd shapes, BatchNorm."""
    from tests.probe_support import CUSTOM, built

    return built(CUSTOM, 2)


@pytest.fixture(scope="session")
def custom_prober(custom_model: Any) -> Any:
    """The Prober of `custom_model`."""
    from fmnist_viz.inside import Prober

    return Prober(custom_model)


@pytest.fixture
def clock() -> HandClock:
    """A clock the test moves by hand (`clock.now += 5`)."""
    return HandClock()


# ---------------------------------------------------------------- two test processes (xdist)

BROWSER_TESTS = "tests/browser/"


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Files go to the two test processes one at a time (as `--dist loadfile`), except the
    browser tests, which all go to one process, one after another: each runs a server,
    Chromium and often a training, and the ones that measure times under load (Stop under
    load, concurrency) should not share the 2 cores with another browser test."""
    from xdist.scheduler import LoadFileScheduling

    class BrowserTestsTogether(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return BROWSER_TESTS if path.startswith(BROWSER_TESTS) else path

    return BrowserTestsTogether(config, log)
