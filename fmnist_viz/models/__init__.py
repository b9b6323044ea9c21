"""Declarative CNN specs: the format and its limits (`spec`), the study's presets (`presets`),
validation with shapes and parameter counts in pure Python (`validation`), a model in one line
(`notation`), the Keras build (`build`), and specs in and out: a preset or a JSON file by name,
an upload, normalised JSON (`spec_files`).
"""

from fmnist_viz.models.build import build_model, model_name
from fmnist_viz.models.notation import layer_token, one_line
from fmnist_viz.models.presets import PRESETS, preset
from fmnist_viz.models.spec import (
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
    new_layer,
    next_layer_name,
    normalize,
    to_json,
)
from fmnist_viz.models.spec_files import import_spec, load_spec, spec_json
from fmnist_viz.models.validation import (
    LayerRow,
    SpecCheck,
    check_spec,
    output_size,
    settings,
    validated_spec,
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
    "SpecCheck",
    "SpecError",
    "build_model",
    "check_spec",
    "import_spec",
    "layer_token",
    "load_spec",
    "model_name",
    "new_layer",
    "next_layer_name",
    "normalize",
    "one_line",
    "output_size",
    "preset",
    "settings",
    "spec_json",
    "to_json",
    "validated_spec",
    "with_auto_flatten",
]
