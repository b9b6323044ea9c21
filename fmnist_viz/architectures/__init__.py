"""Declarative CNN specs: the format and its limits (`spec`), the study's presets (`presets`),
validation with shapes and parameter counts in pure Python (`validation`), and the Keras build
(`build`). Everything public is importable from here.
"""

from fmnist_viz.architectures.build import build_model
from fmnist_viz.architectures.presets import PRESETS, preset
from fmnist_viz.architectures.spec import (
    ACTIVATIONS,
    DEFAULTS,
    FIELD_LIMITS,
    INT_FIELDS,
    LAYER_TYPES,
    MAX_LAYERS,
    MAX_PARAMS,
    MAX_WIDTH,
    NAME_PREFIX,
    PADDINGS,
    TYPE_LABELS,
    Issue,
    SpecError,
    load_spec,
    new_layer,
    next_layer_name,
    normalize,
    to_json,
)
from fmnist_viz.architectures.validation import (
    LayerRow,
    Summary,
    settings,
    summarize,
    with_auto_flatten,
)

__all__ = [
    "ACTIVATIONS",
    "DEFAULTS",
    "FIELD_LIMITS",
    "INT_FIELDS",
    "LAYER_TYPES",
    "MAX_LAYERS",
    "MAX_PARAMS",
    "MAX_WIDTH",
    "NAME_PREFIX",
    "PADDINGS",
    "PRESETS",
    "TYPE_LABELS",
    "Issue",
    "LayerRow",
    "SpecError",
    "Summary",
    "build_model",
    "load_spec",
    "new_layer",
    "next_layer_name",
    "normalize",
    "preset",
    "settings",
    "summarize",
    "to_json",
    "with_auto_flatten",
]
