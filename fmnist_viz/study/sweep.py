"""Sweeps: a grid of layer and training settings × architectures × seeds, checked before any
run starts, queued on the job manager (whatever executor it uses), tabulated per configuration.

A setting is a training setting (`batch_size=32,64`) or a layer's (`dropout1.rate=0.1,0.3`,
`conv1.filters=16,32`). Every configuration of a sweep uses the same seeds, so configurations
differ only in what the sweep varies. The CLI's `sweep` and the Compare page's Sweep form both
go through `plan_sweep` and `submit_sweep`; their runs carry the sweep's id and settings in
run.json, from which `sweep_table` computes the results.
"""

from __future__ import annotations

import copy
import itertools
import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from fmnist_viz.jobs import QueueError
from fmnist_viz.models import DEFAULTS, INT_FIELDS, TYPE_LABELS, SpecError, check_spec
from fmnist_viz.runs import RunStore
from fmnist_viz.training import SEED_MAX, ConfigError, TrainConfig, check_training, is_int

if TYPE_CHECKING:
    import pandas as pd

    from fmnist_viz.jobs import JobManager

MAX_SWEEP_RUNS = 100  # runs one sweep may queue (architectures × grid × seeds)
MAX_VALUES = 20  # values of one setting
TRAINING_KEYS = ("epochs", "batch_size", "learning_rate", "optimizer", "momentum", "train_limit")
FLOAT_FIELDS = ("learning_rate", "momentum", "rate")
TABLE_COLUMNS = (
    "configuration",
    "arch",
    "runs",
    "finished",
    "test_n",
    "test_mean",
    "test_std",
    "gap_mean",
    "gap_std",
)


class SweepError(ValueError):
    """A sweep that cannot run; the message names the setting and the reason."""


@dataclass(frozen=True)
class Axis:
    """One swept setting and its values, e.g. dropout1.rate over (0.1, 0.3, 0.5)."""

    key: str
    values: tuple[Any, ...]


@dataclass(frozen=True)
class SweepPoint:
    """One run of a sweep: an architecture, the grid's settings for it, a seed."""

    arch: str
    settings: tuple[tuple[str, Any], ...]
    seed: int
    spec: dict[str, Any]
    config: TrainConfig

    @property
    def label(self) -> str:
        """The configuration, e.g. 'model1 · dropout1.rate=0.1 · batch_size=32'."""
        return " · ".join([self.arch, *(f"{k}={_show(v)}" for k, v in self.settings)])

    @property
    def name(self) -> str:
        """The run's display name: the configuration and the seed."""
        return f"{self.label.replace(' · ', ' ')} seed {self.seed}"


def _show(value: Any) -> str:
    """A setting's value as the user would type it."""
    return "none" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


# ---------------------------------------------------------------- parsing


def _number(key: str, text: str, kind: type) -> Any:
    """text as an int or float for the setting key; SweepError otherwise."""
    if key == "train_limit" and text.lower() in ("none", "all"):
        return None
    try:
        value = float(text) if kind is float else int(text)
    except ValueError:
        what = "a number" if kind is float else "a whole number"
        raise SweepError(f"{key}={text}: {text!r} is not {what}") from None
    if kind is float and not math.isfinite(value):
        raise SweepError(f"{key}={text}: {text!r} is not a finite number")
    return value


def _value_kind(key: str) -> type:
    """int, float or str: the type a setting's values take."""
    field = key.rsplit(".", 1)[-1]
    if field in FLOAT_FIELDS:
        return float
    if field in INT_FIELDS or field in ("epochs", "batch_size", "train_limit"):
        return int
    return str


def parse_axis(text: str) -> Axis:
    """'KEY=V1,V2,...' as an Axis (values typed by the setting); SweepError when malformed."""
    key, sep, values = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise SweepError(f"{text!r}: write a setting as KEY=VALUE1,VALUE2 (e.g. batch_size=32,64)")
    if key not in TRAINING_KEYS and "." not in key:
        raise SweepError(
            f"{key!r} is not a setting: use a training setting ({', '.join(TRAINING_KEYS)}) or "
            "LAYER.SETTING such as dropout1.rate or conv1.filters"
        )
    parts = [p.strip() for p in values.split(",")]
    if not parts or any(p == "" for p in parts):
        raise SweepError(f"{key}: give one or more values separated by commas, none empty")
    if len(parts) > MAX_VALUES:
        raise SweepError(f"{key}: {len(parts)} values; the limit is {MAX_VALUES}")
    kind = _value_kind(key)
    typed = tuple(p if kind is str else _number(key, p, kind) for p in parts)
    if len(set(typed)) != len(typed):
        raise SweepError(f"{key}: a value is listed twice")
    return Axis(key, typed)


def parse_axes(texts: Sequence[str]) -> list[Axis]:
    """Several '--set' texts; SweepError for a malformed one or a key set twice."""
    axes = [parse_axis(t) for t in texts]
    keys = [a.key for a in axes]
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    if repeated:
        raise SweepError(f"{', '.join(repeated)} set more than once: list all values in one")
    return axes


# ---------------------------------------------------------------- applying settings


def _apply_layer(spec: dict[str, Any], key: str, value: Any) -> None:
    """Set LAYER.FIELD in the spec (in place); SweepError for an unknown layer or field."""
    layer_name, _, field = key.partition(".")
    layers = {layer["name"]: layer for layer in spec["layers"]}
    layer = layers.get(layer_name)
    if layer is None:
        raise SweepError(
            f"{key}: {spec.get('name', 'the model')} has no layer {layer_name!r} "
            f"(its layers: {', '.join(layers)})"
        )
    allowed = tuple(DEFAULTS[layer["type"]])
    if field not in allowed:
        kind = TYPE_LABELS[layer["type"]]
        offer = ", ".join(f"{layer_name}.{f}" for f in allowed) or "none"
        raise SweepError(f"{key}: a {kind} layer has no setting {field!r} (it has: {offer})")
    layer[field] = value


def apply_settings(
    arch: str, spec: dict[str, Any], config: TrainConfig, settings: Sequence[tuple[str, Any]]
) -> tuple[dict[str, Any], TrainConfig]:
    """The spec and training settings with the sweep's settings applied and validated;
    SweepError naming the configuration and the first problem."""
    spec = copy.deepcopy(spec)
    training = {k: v for k, v in settings if k in TRAINING_KEYS}
    where = " · ".join([arch, *(f"{k}={_show(v)}" for k, v in settings)])
    for key, value in settings:
        if key not in TRAINING_KEYS:
            _apply_layer(spec, key, value)
    changed = [f"{k}={_show(v)}" for k, v in settings if k not in TRAINING_KEYS]
    if changed:
        spec["title"] = f"{spec.get('title') or spec.get('name') or arch} ({', '.join(changed)})"
    summary = check_spec(spec)
    if not summary.ok:
        errors = "; ".join(i.message for i in summary.issues if i.level == "error")
        raise SweepError(f"{where}: {errors}")
    try:
        config = replace(config, **training).check()
    except ConfigError as exc:
        raise SweepError(f"{where}: {exc}") from None
    return spec, config


# ---------------------------------------------------------------- planning and submitting


def grid_size(n_archs: int, axes: Sequence[Axis], runs: int) -> int:
    """Runs a sweep would queue."""
    return n_archs * math.prod(len(a.values) for a in axes) * runs


def plan_sweep(
    specs: dict[str, dict[str, Any]],
    axes: Sequence[Axis],
    base: TrainConfig,
    runs: int,
    first_seed: int,
    memory_limit_mb: int | None = None,
) -> list[SweepPoint]:
    """Every run of the sweep (architecture × grid × seeds first_seed, first_seed + 1, ...),
    each spec, setting and memory estimate checked before anything starts; SweepError for the
    first problem (nothing is created)."""
    if not specs:
        raise SweepError("Choose at least one architecture")
    if not is_int(runs) or runs < 1:
        raise SweepError("runs per configuration must be a whole number of at least 1")
    total = grid_size(len(specs), axes, runs)
    if total > MAX_SWEEP_RUNS:
        raise SweepError(
            f"The sweep would queue {total} runs; the limit is {MAX_SWEEP_RUNS}. "
            "Use fewer values, architectures or runs."
        )
    if not is_int(first_seed) or not 0 <= first_seed <= SEED_MAX - runs + 1:
        raise SweepError(f"seed must be a whole number from 0 to {SEED_MAX - runs + 1}")
    points = []
    grids = list(itertools.product(*(a.values for a in axes)))
    for arch, spec in specs.items():
        for values in grids:
            settings = tuple(zip((a.key for a in axes), values, strict=True))
            new_spec, config = apply_settings(arch, spec, base, settings)
            try:
                check_training(new_spec, config.batch_size, memory_limit_mb, config.precision)
            except (ConfigError, SpecError) as exc:
                label = " · ".join([arch, *(f"{k}={_show(v)}" for k, v in settings)])
                raise SweepError(f"{label}: {exc}") from None
            points += [
                SweepPoint(arch, settings, s, new_spec, replace(config, seed=s))
                for s in range(first_seed, first_seed + runs)
            ]
    return points


def next_free_seed(store: RunStore, points: Sequence[SweepPoint]) -> int:
    """The seed after the largest one any of the points' configurations has used in the store
    (1 when none): a sweep repeated from the app adds runs instead of duplicating them."""
    from fmnist_viz.study.configurations import config_key
    from fmnist_viz.study.repeats import run_seeds

    keys = {config_key({"spec": p.spec, "config": p.config.to_dict()}) for p in points}
    runs = store.list()
    used = [seed for key in keys for seed in run_seeds(runs, key)]
    return max(used, default=0) + 1


def new_sweep_id() -> str:
    """A readable unique sweep id, e.g. 'sweep-20261126-0812-3fa2'."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
    return f"sweep-{stamp}-{uuid.uuid4().hex[:4]}"


def submit_sweep(
    jm: JobManager, owner: str, points: Sequence[SweepPoint], sweep_id: str | None = None
) -> tuple[str, list[str]]:
    """Queue every run of a planned sweep for owner; returns (sweep id, run ids).
    QueueError before any run is queued when the owner may not queue them all."""
    problem = jm.submit_problem(owner, len(points))
    if problem:
        raise QueueError(problem)
    sweep_id = sweep_id or new_sweep_id()
    ids = []
    for p in points:
        marker = {"id": sweep_id, "configuration": p.label, "settings": dict(p.settings)}
        ids.append(
            jm.submit(owner, p.spec, p.config, name=p.name, arch=p.arch, extra={"sweep": marker})
        )
    return sweep_id, ids


# ---------------------------------------------------------------- results


def _finite(value: Any) -> float:
    """A finite number as float, NaN otherwise."""
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    return float(value) if ok else math.nan


def sweep_runs(store: RunStore, sweep_id: str) -> list[dict[str, Any]]:
    """run.json of every readable run of a sweep, oldest first."""
    found = []
    for run in reversed(store.list()):
        marker = run.get("sweep") if run.damaged is None else None
        if _well_formed(marker) and marker["id"] == sweep_id:
            found.append(run.meta)
    return found


def _well_formed(marker: Any) -> bool:
    """A run.json sweep marker with an id, a configuration label and a settings object."""
    return (
        isinstance(marker, dict)
        and isinstance(marker.get("id"), str)
        and isinstance(marker.get("configuration"), str)
        and isinstance(marker.get("settings"), dict)
    )


def sweep_ids(store: RunStore) -> list[str]:
    """The ids of the sweeps whose runs are in the store, newest first."""
    found = []
    for run in store.list():  # newest first
        marker = run.get("sweep") if run.damaged is None else None
        if _well_formed(marker):
            found.append(marker["id"])
    return list(dict.fromkeys(found))


def sweep_table(metas: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """Per configuration of a sweep: runs, finished runs, test accuracy mean ± std (n runs
    with a test score) and the final-train − test gap; one column per swept setting."""
    import pandas as pd  # loaded only when a table is made (the CLI starts light)

    from fmnist_viz.study.stats import sample_stats

    groups: dict[str, list[dict[str, Any]]] = {}
    for meta in metas:
        groups.setdefault(meta["sweep"]["configuration"], []).append(meta)
    keys = list(dict.fromkeys(k for m in metas for k in m["sweep"]["settings"]))
    rows = []
    for label, members in groups.items():
        tests = [_finite(m.get("test_accuracy")) for m in members]
        gaps = [
            _finite(m.get("final_train_accuracy")) - t for m, t in zip(members, tests, strict=True)
        ]
        acc, gap = sample_stats(tests), sample_stats(gaps)
        settings = members[0]["sweep"]["settings"]
        rows.append(
            {
                "configuration": label,
                "arch": members[0].get("arch"),
                **{k: settings.get(k) for k in keys},
                "runs": len(members),
                "finished": sum(m.get("status") == "finished" for m in members),
                "test_n": acc.n,
                "test_mean": acc.mean,
                "test_std": acc.std,
                "gap_mean": gap.mean,
                "gap_std": gap.std,
            }
        )
    columns = [*TABLE_COLUMNS[:2], *keys, *TABLE_COLUMNS[2:]]
    return pd.DataFrame(rows, columns=columns)
