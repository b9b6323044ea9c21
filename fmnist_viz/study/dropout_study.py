"""The study's dropout question on the user's own runs: do runs that differ only in their
dropout layers over-fit differently (training − validation gap)?"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from fmnist_viz.models import normalize
from fmnist_viz.runs import RunStore
from fmnist_viz.study.compare import load_series
from fmnist_viz.study.configurations import LABEL_SEPARATOR, training_settings

if TYPE_CHECKING:
    import pandas as pd

STUDY_COLUMNS = (
    "model",
    "dropout",
    "final train acc",
    "final val acc",
    "train − val gap",
    "test acc",
    "runs",
)


def _layers(meta: dict[str, Any]) -> list[dict[str, Any]]:
    """The run's normalised layers (SpecError when its spec is not a spec)."""
    return normalize(meta["spec"])["layers"]


def core_signature(meta: dict[str, Any]) -> str | None:
    """The spec without its dropout layers and names, plus the training settings, as JSON
    (None for a run.json that holds no usable spec or settings)."""
    try:
        layers = [{k: v for k, v in lay.items() if k != "name"} for lay in _layers(meta)]
        settings = training_settings(meta)
    except (ValueError, KeyError, TypeError):  # SpecError is a ValueError
        return None
    core = [lay for lay in layers if lay["type"] != "dropout"]
    return json.dumps([core, settings], sort_keys=True)


def dropout_text(meta: dict[str, Any]) -> str:
    """Where a spec drops units, e.g. 'after pool2 (0.3), after dense1 (0.3)'."""
    layers = _layers(meta)
    spots = [
        f"after {layers[i - 1]['name'] if i else 'the input'} ({lay['rate']:g})"
        for i, lay in enumerate(layers)
        if lay["type"] == "dropout"
    ]
    return ", ".join(spots) or "none"


def study_table(store: RunStore, run_id: str) -> pd.DataFrame | None:
    """Finished runs that differ from this run's spec only by dropout, means per configuration.

    None when the store has no such variant (at least two different dropout placements).
    """
    import pandas as pd  # loaded only when a table is made (the CLI starts light)

    mine = store.load(run_id).meta
    core = core_signature(mine)
    if core is None:
        return None
    runs = [r for r in store.list() if r.status == "finished" and r.damaged is None]
    kin = [r for r in runs if core_signature(r.meta) == core]
    where = {r.id: dropout_text(r.meta) for r in kin}
    if len(set(where.values()) | {dropout_text(mine)}) < 2:
        return None
    series, _ = load_series(store, [r.id for r in kin])
    rows = [
        {
            "model": s.group.split(LABEL_SEPARATOR)[0],
            "dropout": where[s.run_id],
            "final train acc": s.final_train_accuracy,
            "final val acc": float(s.val_accuracy[-1]),
            "train − val gap": float(s.values("gap")[-1]),
            "test acc": s.test_accuracy,
        }
        for s in series
    ]
    if not rows:
        return None
    table = pd.DataFrame(rows).groupby(["model", "dropout"], sort=False)
    return table.mean().join(table.size().rename("runs")).reset_index()
