"""Repeating a configuration: more runs of the same layers and settings with new seeds.

The seeds continue after the largest one the configuration has used (requested or drawn), so
repeats never duplicate a run and a group's seeds stay readable (1000, 1001, 1002, ...).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from fmnist_viz.jobs import QueueError
from fmnist_viz.runs import RunError, RunInfo, RunStore
from fmnist_viz.study.configurations import config_key
from fmnist_viz.training import TrainConfig, is_int

if TYPE_CHECKING:
    from fmnist_viz.jobs import JobManager

MAX_REPEATS = 10  # runs queued by one request


def seeds_used(store: RunStore, key: str) -> list[int]:
    """Every seed (requested or drawn) of the store's runs with this configuration key."""
    return run_seeds(store.list(), key)


def run_seeds(runs: Iterable[RunInfo], key: str) -> list[int]:
    """Every seed (requested or drawn) of the runs with this configuration key."""
    seeds = []
    for run in runs:
        try:
            if run.damaged is None and config_key(run.meta) == key:
                seeds += [run.get("seed"), (run.get("config") or {}).get("seed")]
        except (ValueError, TypeError, KeyError, AttributeError):
            continue
    return [s for s in seeds if is_int(s)]


def next_seeds(store: RunStore, key: str, n: int) -> list[int]:
    """n seeds after the largest one the configuration has used (1, 2, ... when none)."""
    start = max(seeds_used(store, key), default=0) + 1
    return list(range(start, start + n))


def base_name(name: str) -> str:
    """A run name without its trailing 'seed N'."""
    return re.sub(r"\s*seed \d+$", "", name).strip() or "run"


def queue_repeats(jm: JobManager, owner: str, run_id: str, n: int) -> list[str]:
    """Queue n more runs of run_id's configuration for owner; returns the new run ids.

    RunError when the template run cannot be read, ConfigError for settings that no longer
    validate, ValueError for n outside 1..MAX_REPEATS, QueueError (before any is queued) when
    the owner may not queue n more.
    """
    if not is_int(n) or not 1 <= n <= MAX_REPEATS:
        raise ValueError(f"Repeat 1 to {MAX_REPEATS} runs at a time")
    problem = jm.submit_problem(owner, n)
    if problem:
        raise QueueError(problem)
    info = jm.store.load(run_id)
    if info.damaged:
        raise RunError(f"Run {run_id} is damaged: {info.damaged}")
    template = info.meta
    key = config_key(template)
    base = base_name(str(template.get("name") or "run"))
    arch = str(template.get("arch") or "")
    ids = []
    for seed in next_seeds(jm.store, key, n):
        config = TrainConfig.from_dict({**template["config"], "seed": seed})
        ids.append(
            jm.submit(owner, template["spec"], config, name=f"{base} seed {seed}", arch=arch)
        )
    return ids
