"""Fixtures shared by the test modules."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fmnist_viz.runs import RunStore
from tests.apptest_support import app_env


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunStore]:
    """A fresh run store for the app, with the bundled sample as its data."""
    with app_env(monkeypatch, tmp_path / "runs"):
        yield RunStore(tmp_path / "runs")
