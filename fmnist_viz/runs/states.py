"""The states a run saves while it learns: where they are, what each holds, how to read them.

A state is the network's weights at one moment: before training (position 0), every K
batches within an epoch (K = a quarter epoch unless the run says otherwise) and at every
epoch end; its position is the epochs trained so far (2.25 = a quarter into the third). Each
state is one file written atomically, `states/step_NNNNNNN.npz` (N = batches trained), with
the convolutional part in float32. States at epoch ends (and before training) also keep the
other weights in float16 and are named `step_NNNNNNN.full.npz`: those give the prediction too.
`live.npz` holds the newest state with every weight and is replaced at each state, so a page
can show the model as it is now. Runs from before states existed have per-epoch
`snapshots/epoch_NNN.npz` files (the convolutional part), read here as states.

What a state holds is a flat dict of arrays keyed 'layer/weight'. Its convolutional part (every
conv layer's kernel and bias, every BatchNorm layer's weights and statistics) is kept exactly,
in float32: it is small, and it is all the feature maps and kernels up to Flatten need. The
other layers' weights (Dense above all) are kept in float16 where a state keeps them: enough for
the class probabilities, at half the disk.

Measured on this machine (see the closing notes): a study-protocol run of Model 1 keeps 41
states (11 full), a quick demo 13 (4 full).
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

STATE_DIR = "states"
LEGACY_DIR = "snapshots"
LIVE_FILE = "live.npz"
STEP_KEY = "__step__"
STEPS_KEY = "__steps_per_epoch__"
EPOCHS_KEY = "__epochs__"
_STATE_RE = re.compile(r"step_(\d{7,})(\.full)?\.npz")
_LEGACY_RE = re.compile(r"epoch_(\d{3,})\.npz")
_NPZ_ERRORS = (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, zlib.error)


class StateError(ValueError):
    """A state that is missing or cannot be read."""


@dataclass(frozen=True)
class StateRef:
    """One saved state of a run."""

    step: int  # batches trained
    position: float  # epochs trained
    full: bool  # holds every weight (the prediction can be computed)
    path: Path

    @property
    def label(self) -> str:
        """'epoch 2.25', or 'initial' for the untrained network."""
        return "initial" if self.step == 0 else f"epoch {self.position:.2f}".rstrip("0").rstrip(".")


def state_name(step: int, full: bool) -> str:
    """The file name of a state."""
    return f"step_{step:07d}{'.full' if full else ''}.npz"


def encode_state(
    conv: dict[str, np.ndarray],
    other: dict[str, np.ndarray] | None,
    step: int,
    steps_per_epoch: int,
    epochs: int,
    compress: bool = False,
) -> bytes:
    """The bytes of a state file (.npz; `compress` for the ones kept for good: 7 % smaller)."""
    arrays = {**conv, **(other or {})}
    arrays[STEP_KEY] = np.int64(step)
    arrays[STEPS_KEY] = np.int64(steps_per_epoch)
    arrays[EPOCHS_KEY] = np.int64(epochs)
    buf = io.BytesIO()
    (np.savez_compressed if compress else np.savez)(buf, **arrays)
    return buf.getvalue()


def list_states(run_folder: Path, steps_per_epoch: int | None) -> list[StateRef]:
    """Every saved state of a run, by position (a run without states: its legacy per-epoch
    snapshots, when it has them)."""
    steps = max(1, int(steps_per_epoch or 1))
    found: dict[int, StateRef] = {}
    folder = run_folder / STATE_DIR
    if folder.is_dir():
        for path in folder.iterdir():
            match = _STATE_RE.fullmatch(path.name)
            if match:
                step = int(match.group(1))
                full = bool(match.group(2))
                if step not in found or full:
                    found[step] = StateRef(step, step / steps, full, path)
    if not found and (run_folder / LEGACY_DIR).is_dir():
        for path in (run_folder / LEGACY_DIR).iterdir():
            match = _LEGACY_RE.fullmatch(path.name)
            if match:
                epoch = int(match.group(1))
                found[epoch * steps] = StateRef(epoch * steps, float(epoch), False, path)
    return [found[s] for s in sorted(found)]


def live_state(run_folder: Path) -> Path | None:
    """The run's newest full state (`live.npz`), when it has one."""
    path = run_folder / LIVE_FILE
    return path if path.is_file() else None


def read_state(path: Path) -> dict[str, np.ndarray]:
    """The weights of a state file, keyed 'layer/weight' (bookkeeping keys removed)."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            return {k: npz[k] for k in npz.files if not k.startswith("__")}
    except FileNotFoundError as exc:
        raise StateError(f"State {path.name} is missing") from exc
    except _NPZ_ERRORS as exc:
        raise StateError(f"State {path.name} is damaged: {exc or type(exc).__name__}") from exc


def state_step(path: Path) -> tuple[int, int]:
    """(step, steps per epoch) recorded in a state file (live.npz included)."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            return int(npz[STEP_KEY]), int(npz[STEPS_KEY])
    except FileNotFoundError as exc:
        raise StateError(f"State {path.name} is missing") from exc
    except _NPZ_ERRORS as exc:
        raise StateError(f"State {path.name} is damaged: {exc or type(exc).__name__}") from exc


CONV_TYPES = ("Conv2D", "BatchNormalization")


def _layer_weights(layer: Any) -> dict[str, np.ndarray]:
    """A layer's weights keyed 'layer/variable'."""
    values = layer.get_weights()
    return {f"{layer.name}/{var.name}": v for var, v in zip(layer.weights, values, strict=True)}


def kernel_snapshot(model: Any) -> dict[str, np.ndarray]:
    """Kernels and biases of every conv layer (and BN weights), keyed 'layer/weight', float32.

    Takes anything with a `layers` list: a Keras model or a Prober over one.
    """
    out: dict[str, np.ndarray] = {}
    for layer in model.layers:
        if type(layer).__name__ in CONV_TYPES:
            out.update(_layer_weights(layer))
    return out


def other_weights(model: Any) -> dict[str, np.ndarray]:
    """Every weight outside the convolutional part (Dense layers), keyed 'layer/weight', float16."""
    out: dict[str, np.ndarray] = {}
    for layer in model.layers:
        if type(layer).__name__ not in CONV_TYPES:
            out.update({k: v.astype(np.float16) for k, v in _layer_weights(layer).items()})
    return out


def conv_weights(snapshot: dict[str, np.ndarray]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Kernel (k, k, in, filters) and bias of every conv layer in a snapshot, in order."""
    out = {}
    for key, kernel in snapshot.items():
        layer, _, weight = key.rpartition("/")
        if weight == "kernel" and np.ndim(kernel) == 4:
            bias = snapshot.get(f"{layer}/bias")
            if bias is None:
                bias = np.zeros(kernel.shape[-1], dtype=kernel.dtype)
            out[layer] = (kernel, bias)
    return out


def kernel_limits(snapshots: Iterable[dict[str, np.ndarray]]) -> dict[str, float]:
    """Per conv layer, the largest |kernel weight| over several states' weights (the fixed
    colour range of a kernel playback); a layer missing from a state is skipped there."""
    limits: dict[str, float] = {}
    for snapshot in snapshots:
        for layer, (kernel, _) in conv_weights(snapshot).items():
            limits[layer] = max(limits.get(layer, 0.0), float(np.abs(kernel).max()))
    return limits


def weight_change(weights: np.ndarray, initial: np.ndarray) -> float:
    """How far weights moved from their initial values, relative to their initial size:
    mean |w − w₀| / mean |w₀| (0 when they did not move)."""
    now, start = np.asarray(weights, np.float64), np.asarray(initial, np.float64)
    return float(np.mean(np.abs(now - start)) / max(np.mean(np.abs(start)), 1e-12))
