"""What a configuration is: runs whose layers and training settings are equal, seed aside.

Its key groups repeated runs (Compare, Repeat, sweeps), its label names it for people, and the
preset it matches (if any) says which of the study's models it is.
"""

from __future__ import annotations

import functools
import hashlib
import json
from typing import Any

from fmnist_viz.models import PRESETS, normalize, preset
from fmnist_viz.training import PRECISION_LABELS, PROTOCOL_VAL_SIZE, TrainConfig

LABEL_SEPARATOR = " · "  # between the parts of a configuration label


def _canonical(value: Any) -> str:
    """Serialise JSON data in one stable form (sorted keys, no spaces)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _layers(meta: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the normalised layer list of a run's spec (SpecError when it is not a spec)."""
    return normalize(meta.get("spec"))["layers"]


def training_settings(meta: dict[str, Any]) -> dict[str, Any]:
    """Return the run's training config, defaults filled, without seed (momentum only for sgd)."""
    raw = meta.get("config")
    if not isinstance(raw, dict):
        raise ValueError("run.json has no training config object")
    config = TrainConfig.from_dict(raw).to_dict()
    config.pop("seed")
    config.pop("state_every")  # how often states are saved does not change the training
    config.pop("steps_per_call")  # nor how many batches run per call (bit for bit)
    if config["precision"] == "float32":
        config.pop("precision")  # the default: keys and settings as before the fast mode
    if config["optimizer"] != "sgd":
        config.pop("momentum")
    return config


@functools.cache
def _preset_signatures() -> dict[str, str]:
    """Return the canonical layer list of every preset, by preset key."""
    return {key: _canonical(preset(key)["layers"]) for key in PRESETS}


def preset_key(meta: dict[str, Any]) -> str | None:
    """Return the key of the preset whose normalised layers equal the run's, or None."""
    signature = _canonical(_layers(meta))
    return next((k for k, s in _preset_signatures().items() if s == signature), None)


def config_key(meta: dict[str, Any]) -> str:
    """Return a short stable key shared by runs with equal layers and settings, seed aside."""
    blob = _canonical({"layers": _layers(meta), "training": training_settings(meta)})
    return hashlib.sha1(blob.encode()).hexdigest()[:12]


def _model_title(meta: dict[str, Any]) -> str:
    """Return the preset's title for a preset spec, else the spec's own title or name."""
    key = preset_key(meta)
    if key is not None:
        return str(PRESETS[key]["title"])
    spec = meta.get("spec") or {}
    return str(spec.get("title") or spec.get("name") or meta.get("arch") or "custom")


def _optimizer_text(config: dict[str, Any]) -> str:
    """Return e.g. 'adam 0.001' or 'sgd 0.01 m 0.9'."""
    text = f"{config['optimizer']} {config['learning_rate']:g}"
    return f"{text} m {config['momentum']:g}" if "momentum" in config else text


def group_label(meta: dict[str, Any]) -> str:
    """Return a readable configuration label, e.g. 'Model 1 · 10 ep · bs 64 · adam 0.001'."""
    config = training_settings(meta)
    parts = [
        _model_title(meta),
        f"{config['epochs']} ep",
        f"bs {config['batch_size']}",
        _optimizer_text(config),
    ]
    if config["train_limit"] is not None:
        parts.append(f"subset {config['train_limit']:,}")
    if config["val_size"] != PROTOCOL_VAL_SIZE:
        parts.append(f"val {config['val_size']:,}")
    if "precision" in config:
        parts.append(PRECISION_LABELS.get(config["precision"], str(config["precision"])))
    return LABEL_SEPARATOR.join(parts)


def label_difference(a: str, b: str) -> tuple[str, str, str]:
    """Return the parts in which two configuration labels differ (each label whole when the
    two share every part), and the parts they share: ('Model 1', 'Model 2', '10 ep · bs 64')."""
    parts_a, parts_b = a.split(LABEL_SEPARATOR), b.split(LABEL_SEPARATOR)
    shared = [p for p in parts_a if p in parts_b]
    only_a = LABEL_SEPARATOR.join(p for p in parts_a if p not in shared) or a
    only_b = LABEL_SEPARATOR.join(p for p in parts_b if p not in shared) or b
    return only_a, only_b, LABEL_SEPARATOR.join(shared)
