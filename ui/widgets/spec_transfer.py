"""The Train page's export and import of an architecture: runnable Keras code and spec JSON
out, a spec JSON file in (into the layer editor)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from fmnist_viz.models import SpecCheck, SpecError, import_spec, model_name, spec_json
from fmnist_viz.training import keras_code
from ui.widgets import layer_editor

UPLOAD_KEY = "spec_upload"
MESSAGE_KEY = "spec_upload_message"


def _imported() -> None:
    """Uploader callback: read the file into the layer editor, or keep the reason it failed."""
    upload = st.session_state.get(UPLOAD_KEY)
    if upload is None:
        return
    try:
        spec = import_spec(upload.getvalue(), where=f"Cannot read {upload.name}")
    except SpecError as exc:
        st.session_state[MESSAGE_KEY] = ("error", str(exc))
        return
    layer_editor.load(spec)
    st.session_state["train_arch"] = "custom"
    st.session_state["custom_name"] = spec["name"]
    count = len(spec["layers"])
    st.session_state[MESSAGE_KEY] = ("success", f"Loaded {upload.name}: {count} layers.")


def export_import(spec: dict[str, Any], summary: SpecCheck) -> None:
    """Download buttons for the shown architecture, and an uploader for a spec file."""
    with st.expander("Export or import this architecture"):
        if summary.ok:
            stem = model_name(spec.get("name", "custom"))
            row = st.container(horizontal=True)
            files = (
                ("Keras code (.py)", keras_code(spec), "py", "text/x-python"),
                ("Spec (.json)", spec_json(spec), "json", "application/json"),
            )
            for label, text, ext, mime in files:
                row.download_button(
                    label,
                    text,
                    file_name=f"{stem}.{ext}",
                    mime=mime,
                    key=f"spec_dl_{ext}",
                    on_click="ignore",
                )
            st.caption(
                "The script builds the same model with plain Keras 3 (`python "
                f"{stem}.py` prints its summary); the spec can be imported here or used with "
                f"`python -m fmnist_viz train --arch {stem}.json`."
            )
        else:
            st.caption("Fix the problems above to export this architecture.")
        st.file_uploader(
            "Import a spec (.json)", type=["json"], key=UPLOAD_KEY, on_change=_imported
        )
        if MESSAGE_KEY in st.session_state:
            kind, text = st.session_state.pop(MESSAGE_KEY)
            (st.error if kind == "error" else st.success)(text)
