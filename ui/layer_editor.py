"""The custom-architecture editor: add, remove, move and edit layers; returns a plain spec."""

from __future__ import annotations

import uuid
from typing import Any

import pandas as pd
import streamlit as st

from fmnist_viz.architectures import (
    ACTIVATIONS,
    DEFAULTS,
    LAYER_TYPES,
    PADDINGS,
    TYPE_LABELS,
    Summary,
    normalize,
    summarize,
)

KEY = "editor_layers"
# Which settings each layer type shows, with (label, widget kind, options)
FIELDS: dict[str, list[tuple[str, str, str, Any]]] = {
    "conv2d": [
        ("filters", "Filters", "int", (1, 4096)),
        ("kernel_size", "Kernel", "int", (1, 28)),
        ("strides", "Stride", "int", (1, 28)),
        ("padding", "Padding", "select", PADDINGS),
        ("activation", "Activation", "select", ACTIVATIONS),
    ],
    "maxpool2d": [
        ("pool_size", "Pool size", "int", (1, 28)),
        ("padding", "Padding", "select", PADDINGS),
    ],
    "avgpool2d": [
        ("pool_size", "Pool size", "int", (1, 28)),
        ("padding", "Padding", "select", PADDINGS),
    ],
    "dropout": [("rate", "Rate", "float", (0.0, 0.99))],
    "batchnorm": [],
    "flatten": [],
    "dense": [
        ("units", "Units", "int", (1, 4096)),
        ("activation", "Activation", "select", ACTIVATIONS),
    ],
}


def load(spec: dict[str, Any]) -> None:
    """Put a copy of a spec's layers into the editor (e.g. 'edit this preset')."""
    layers = normalize(spec)["layers"]
    st.session_state[KEY] = [{**layer, "_uid": uuid.uuid4().hex[:8]} for layer in layers]


def layers() -> list[dict[str, Any]]:
    if KEY not in st.session_state:
        from fmnist_viz.architectures import preset

        load(preset("model1"))
    return st.session_state[KEY]


def spec(name: str = "custom") -> dict[str, Any]:
    """The editor's current layers as a spec (without editor bookkeeping)."""
    return {
        "name": name,
        "layers": [{k: v for k, v in layer.items() if k != "_uid"} for layer in layers()],
    }


def _move(index: int, step: int) -> None:
    items = layers()
    j = index + step
    if 0 <= j < len(items):
        items[index], items[j] = items[j], items[index]


def _remove(index: int) -> None:
    layers().pop(index)


def _add() -> None:
    kind = st.session_state.get("editor_add_type", "conv2d")
    items = layers()
    taken = {layer["name"] for layer in items}
    n = 1
    prefix = {"conv2d": "conv", "dense": "dense", "dropout": "dropout"}.get(kind, kind)
    while f"{prefix}{n}" in taken:
        n += 1
    new = {"type": kind, **DEFAULTS[kind], "name": f"{prefix}{n}", "_uid": uuid.uuid4().hex[:8]}
    position = st.session_state.get("editor_add_pos", len(items))
    items.insert(min(int(position), len(items)), new)


def _sync(layer: dict[str, Any], field: str, key: str) -> None:
    layer[field] = st.session_state[key]


def _field(layer: dict[str, Any], field: str, label: str, kind: str, opts: Any) -> None:
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


def editor() -> Summary:
    """Draw the editor; returns the validated summary of what it holds."""
    items = layers()
    summary = summarize(spec())
    by_layer: dict[str, list[str]] = {}
    general = []
    for issue in summary.errors:
        name = _issue_layer_name(issue.message, items)
        (by_layer.setdefault(name, []) if name else general).append(issue.message)
    shapes = {
        r.name: f"→ output {' × '.join(map(str, r.output_shape))} · {r.params:,} parameters"
        for r in summary.rows
    }
    for i, layer in enumerate(items):
        _row(i, layer, len(items), by_layer.get(layer["name"], []), shapes.get(layer["name"]))
    add_type, add_pos, add_btn = st.columns([3, 3, 2], vertical_alignment="bottom")
    add_type.selectbox("New layer", LAYER_TYPES, format_func=TYPE_LABELS.get, key="editor_add_type")
    add_pos.number_input("at position", 0, len(items), len(items), key="editor_add_pos")
    add_btn.button("Add layer", on_click=_add, width="stretch")
    for message in general:
        st.error(message)
    return summary


def _issue_layer_name(message: str, items: list[dict[str, Any]]) -> str | None:
    for layer in items:
        if f"({layer['name']})" in message:
            return layer["name"]
    return None


def summary_table(summary: Summary) -> pd.DataFrame:
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
