"""Tests for fmnist_viz.runs.states and the model at a saved state: the maps of a played-back state
equal an independent NumPy forward pass of that state's saved weights."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from fmnist_viz.inside import model_at, snapshot_outputs  # noqa: E402
from fmnist_viz.models import build_model, preset  # noqa: E402
from fmnist_viz.runs import kernel_limits, read_state, weight_change  # noqa: E402
from fmnist_viz.runs.states import list_states, state_name  # noqa: E402
from tests.probe_support import TOL, reference  # noqa: E402


def _model_with(spec: dict, weights: dict[str, np.ndarray]):
    """A fresh Keras model of the spec holding a state's saved weights (float16 widened)."""
    model = build_model(spec)
    for layer in model.layers:
        names = [f"{layer.name}/{var.name}" for var in layer.weights]
        if names and all(n in weights for n in names):
            layer.set_weights([np.asarray(weights[n], dtype=np.float32) for n in names])
    return model


@pytest.mark.slow
def test_a_tiny_run_keeps_states_from_start_to_end(tiny_runs) -> None:
    store, ids = tiny_runs
    meta = store.load(ids["model2"]).meta
    states = store.states(ids["model2"])
    assert meta["steps_per_epoch"] == 5  # 300 images in batches of 64: a state every 2
    assert [s.step for s in states] == [0, 2, 4, 5, 7, 9, 10]
    assert [s.label for s in states][:3] == ["initial", "epoch 0.4", "epoch 0.8"]
    assert [s.position for s in states if s.full] == [0, 1, 2]
    assert states[-1].position == meta["config"]["epochs"]


def test_played_back_maps_equal_numpy_on_the_saved_weights(tiny_runs, probe_images) -> None:
    store, ids = tiny_runs
    spec = store.load(ids["model2"]).meta["spec"]
    states = store.states(ids["model2"])
    for state in (states[0], states[1], states[-1]):  # random start, mid-epoch, final
        weights = read_state(state.path)
        expected = reference(_model_with(spec, weights), spec, probe_images[3])
        got = snapshot_outputs(spec, weights, probe_images[3])
        assert [o.name for o in got] == ["conv1", "pool1", "conv2", "pool2", "dropout1"]
        for mine, (name, pre, out) in zip(got, expected, strict=False):
            np.testing.assert_allclose(mine.output, out, atol=TOL, err_msg=f"{state.label} {name}")
            if pre is not None:
                np.testing.assert_allclose(mine.pre_activation, pre, atol=TOL)


def test_a_full_state_predicts_like_numpy_on_its_saved_weights(tiny_runs, probe_images) -> None:
    store, ids = tiny_runs
    spec = store.load(ids["model1"]).meta["spec"]
    full = [s for s in store.states(ids["model1"]) if s.full]
    previous = None
    for state in full:
        weights = read_state(state.path)
        expected = reference(_model_with(spec, weights), spec, probe_images[0])[-1][2]
        with model_at(spec, weights) as prober:
            probabilities = prober.predict(probe_images[0])
        np.testing.assert_allclose(probabilities, expected, atol=TOL, err_msg=state.label)
        assert previous is None or not np.allclose(previous, probabilities)  # it learned
        previous = probabilities


def test_live_state_is_the_newest(tiny_runs) -> None:
    store, ids = tiny_runs
    live = store.live(ids["model1"])
    last = store.states(ids["model1"])[-1]
    assert (live.step, live.position, live.full) == (last.step, last.position, True)
    mine, theirs = read_state(live.path), read_state(last.path)
    assert set(mine) == set(theirs)
    for key in mine:
        np.testing.assert_array_equal(mine[key], theirs[key])


def test_a_mid_epoch_state_cannot_give_a_prediction(tiny_runs) -> None:
    store, ids = tiny_runs
    mid = next(s for s in store.states(ids["model2"]) if not s.full)
    spec = store.load(ids["model2"]).meta["spec"]
    with pytest.raises(ValueError, match="lacks dense1"), model_at(spec, read_state(mid.path)):
        pass


def test_older_runs_per_epoch_snapshots_are_read_as_states(tiny_runs, tmp_path: Path) -> None:
    store, ids = tiny_runs
    old = tmp_path / "old-run"
    shutil.copytree(store.path(ids["model2"]), old)
    (old / "snapshots").mkdir()
    for state in store.states(ids["model2"]):
        if state.full:
            epoch = round(state.position)
            conv = {k: v for k, v in read_state(state.path).items() if k.startswith("conv")}
            np.savez(old / "snapshots" / f"epoch_{epoch:03d}.npz", **conv)
    shutil.rmtree(old / "states")
    states = list_states(old, 5)
    assert [(s.position, s.full) for s in states] == [(0.0, False), (1.0, False), (2.0, False)]
    assert set(read_state(states[-1].path)) == {"conv1/kernel", "conv1/bias", "conv2/kernel",
                                                "conv2/bias"}  # fmt: skip


def test_state_names_sort_by_step() -> None:
    names = [state_name(s, full) for s, full in ((120, True), (9, False), (1000, False))]
    assert sorted(names) == [state_name(9, False), state_name(120, True), state_name(1000, False)]


def test_a_damaged_state_is_a_state_error(tmp_path: Path) -> None:
    from fmnist_viz.runs import StateError

    bad = tmp_path / state_name(3, False)
    bad.write_bytes(b"PK\x03\x04 cut")
    with pytest.raises(StateError, match="is damaged"):
        read_state(bad)


def test_state_model_is_built_once_per_spec(probe_images) -> None:
    spec = preset("model1")
    model = build_model(spec)
    weights = {f"{lay.name}/{v.name}": w for lay in model.layers
               for v, w in zip(lay.weights, lay.get_weights(), strict=True)}  # fmt: skip
    with model_at(spec, weights) as first:
        first.predict(probe_images[0])
    with model_at(spec, weights) as second:
        second.predict(probe_images[1])
    assert first is second and second.traces() == 1


def test_kernel_limits_are_the_largest_absolute_weight_over_all_states() -> None:
    rng = np.random.default_rng(0)
    states = [
        {"conv1/kernel": rng.normal(size=(3, 3, 1, 4)), "conv1/bias": rng.normal(size=4)},
        {"conv1/kernel": rng.normal(size=(3, 3, 1, 4)), "dense/kernel": rng.normal(size=(4, 2))},
    ]
    expected = max(np.abs(s["conv1/kernel"]).max() for s in states)  # NumPy reference
    assert kernel_limits(states) == {"conv1": pytest.approx(expected)}
    assert kernel_limits([]) == {}


def test_weight_change_is_the_mean_move_relative_to_the_mean_start() -> None:
    start = np.array([[1.0, -2.0], [0.5, 0.5]])
    moved = np.array([[1.5, -2.0], [0.0, 1.0]])
    expected = np.abs(moved - start).mean() / np.abs(start).mean()  # 0.375 / 1.0
    assert weight_change(moved, start) == pytest.approx(expected)
    assert weight_change(start, start) == 0.0
    assert weight_change(np.ones(3), np.zeros(3)) > 0  # from all-zero weights: no division by 0
