"""The custom-architecture editor: add, remove, move and edit layers; returns a plain spec."""

from __future__ import annotations

import uuid
from typing import Any

import pandas as pd
import streamlit as st

from fmnist_viz.models import (
    ACTIVATIONS,
    FIELD_LIMITS,
    LAYER_TYPES,
    PADDINGS,
    TYPE_LABELS,
    SpecCheck,
    check_spec,
    new_layer,
    normalize,
    preset,
)

KEY = "editor_layers"
# Which settings each layer type shows, with (label, widget kind, options); numeric ranges are
# the engine's FIELD_LIMITS
FIELDS: dict[str, list[tuple[str, str, str, Any]]] = {
    "conv2d": [
        ("filters", "Filters", "int", FIELD_LIMITS["filters"]),
        ("kernel_size", "Kernel", "int", FIELD_LIMITS["kernel_size"]),
        ("strides", "Stride", "int", FIELD_LIMITS["strides"]),
        ("padding", "Padding", "select", PADDINGS),
        ("activation", "Activation", "select", ACTIVATIONS),
    ],
    "maxpool2d": [
        ("pool_size", "Pool size", "int", FIELD_LIMITS["pool_size"]),
        ("padding", "Padding", "select", PADDINGS),
    ],
    "avgpool2d": [
        ("pool_size", "Pool size", "int", FIELD_LIMITS["pool_size"]),
        ("padding", "Padding", "select", PADDINGS),
    ],
    "dropout": [("rate", "Rate", "float", FIELD_LIMITS["rate"])],
    "batchnorm": [],
    "flatten": [],
    "dense": [
        ("units", "Units", "int", FIELD_LIMITS["units"]),
        ("activation", "Activation", "select", ACTIVATIONS),
    ],
}


def load(spec: dict[str, Any]) -> None:
    """Put a copy of a spec's layers into the editor (e.g. 'edit this preset')."""
    layers = normalize(spec)["layers"]
    st.session_state[KEY] = [{**layer, "_uid": uuid.uuid4().hex[:8]} for layer in layers]


def layers() -> list[dict[str, Any]]:
    """The editor's layers (each with an `_uid` for stable widget keys); Model 1 at first."""
    if KEY not in st.session_state:
        load(preset("model1"))
    return st.session_state[KEY]


def spec(name: str = "custom") -> dict[str, Any]:
    """The editor's current layers as a spec (without editor bookkeeping)."""
    return {
        "name": name,
        "layers": [{k: v for k, v in layer.items() if k != "_uid"} for layer in layers()],
    }


def _move(index: int, step: int) -> None:
    """Button callback: swap a layer with its neighbour."""
    items = layers()
    j = index + step
    if 0 <= j < len(items):
        items[index], items[j] = items[j], items[index]


def _remove(index: int) -> None:
    """Button callback: remove a layer."""
    layers().pop(index)


def _add() -> None:
    """Button callback: insert a new layer of the chosen type at the chosen position."""
    kind = st.session_state.get("editor_add_type", "conv2d")
    items = layers()
    new = {**new_layer(kind, {layer["name"] for layer in items}), "_uid": uuid.uuid4().hex[:8]}
    position = st.session_state.get("editor_add_pos", len(items))
    items.insert(min(int(position), len(items)), new)


def _sync(layer: dict[str, Any], field: str, key: str) -> None:
    """Widget callback: copy a widget's value into its layer."""
    layer[field] = st.session_state[key]


def _field(layer: dict[str, Any], field: str, label: str, kind: str, opts: Any) -> None:
    """One setting's widget (number or select), bound to the layer."""
    key = f"le_{layer['_uid']}_{field}"
    value = layer.get(field)
    args = {"key": key, "on_change": _sync, "args": (layer, field, key)}
    if kind == "int":
        lo, hi = opts
        st.number_input(label, lo, hi, int(value) if isinstance(value, int) else lo, 1, **args)
    elif kind == "float":
        lo, hi = opts
        v = float(value) if isinstance(value, int | float) else 0.3
        st.number_input(label, lo, hi, v, 0.05, format="%.2f", **args)
    else:
        st.selectbox(label, opts, index=opts.index(value) if value in opts else 0, **args)


def _row(
    index: int, layer: dict[str, Any], count: int, problems: list[str], out: str | None
) -> None:
    """One layer: name, settings, move/remove buttons, its output shape and its problems."""
    with st.container(border=True):
        head, fields, buttons = st.columns([2.2, 6, 1.6], vertical_alignment="bottom")
        key = f"le_{layer['_uid']}_name"
        head.text_input(
            TYPE_LABELS[layer["type"]],
            layer["name"],
            key=key,
            on_change=_sync,
            args=(layer, "name", key),
        )
        spec_fields = FIELDS[layer["type"]]
        if spec_fields:
            cols = fields.columns(len(spec_fields))
            for col, (field, label, kind, opts) in zip(cols, spec_fields, strict=True):
                with col:
                    _field(layer, field, label, kind, opts)
        b1, b2, b3 = buttons.columns(3)
        uid = layer["_uid"]
        b1.button("↑", key=f"le_{uid}_up", on_click=_move, args=(index, -1), disabled=index == 0)
        last = index == count - 1
        b2.button("↓", key=f"le_{uid}_dn", on_click=_move, args=(index, 1), disabled=last)
        b3.button("✕", key=f"le_{uid}_rm", on_click=_remove, args=(index,), help="Remove layer")
        if out:
            st.caption(out)
        for message in problems:
            st.error(message)


def row_problems(summary: SpecCheck, count: int) -> tuple[dict[int, list[str]], list[str]]:
    """The summary's errors by the editor row they belong to, and those about the whole model."""
    by_row: dict[int, list[str]] = {}
    general = []
    for issue in summary.errors:
        if issue.layer is not None and 0 <= issue.layer < count:
            by_row.setdefault(issue.layer, []).append(issue.message)
        else:
            general.append(issue.message)
    return by_row, general


def editor() -> SpecCheck:
    """Draw the editor; returns the validated summary of what it holds."""
    items = layers()
    summary = check_spec(spec())
    by_layer, general = row_problems(summary, len(items))
    shapes = {
        r.name: f"→ output {' × '.join(map(str, r.output_shape))} · {r.params:,} parameters"
        for r in summary.rows
    }
    for i, layer in enumerate(items):
        _row(i, layer, len(items), by_layer.get(i, []), shapes.get(layer["name"]))
    add_type, add_pos, add_btn = st.columns([3, 3, 2], vertical_alignment="bottom")
    add_type.selectbox("New layer", LAYER_TYPES, format_func=TYPE_LABELS.get, key="editor_add_type")
    add_pos.number_input("at position", 0, len(items), len(items), key="editor_add_pos")
    add_btn.button("Add layer", on_click=_add, width="stretch")
    for message in general:
        st.error(message)
    return summary


def summary_table(summary: SpecCheck) -> pd.DataFrame:
    """Per-layer output shape and parameters, for display."""
    rows = [
        {
            "layer": r.name,
            "type": r.type,
            "output shape": " × ".join(str(d) for d in r.output_shape),
            "parameters": r.params,
            "settings": r.settings,
        }
        for r in summary.rows
    ]
    return pd.DataFrame(rows)
