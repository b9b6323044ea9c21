"""Specs in and out of the app: a preset or a JSON file by name (the CLI's --arch), an
uploaded JSON text, and a spec written out as normalised JSON. Each is validated: a spec that
cannot be built is a SpecError with the validator's plain-language reasons."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fmnist_viz.models.presets import PRESETS, preset
from fmnist_viz.models.spec import (
    MAX_SPEC_BYTES,
    Issue,
    SpecError,
    normalize,
    parse_spec_json,
    size_issue,
    to_json,
)
from fmnist_viz.models.validation import validated_spec


def load_spec(arch: str) -> dict[str, Any]:
    """A preset by key, or a valid spec read from a JSON file path; SpecError otherwise."""
    if arch in PRESETS:
        return preset(arch)
    path = Path(arch)
    if not path.is_file():
        raise SpecError(
            [Issue("error", f"{arch!r} is neither a preset ({', '.join(PRESETS)}) nor a JSON file")]
        )
    where = f"Cannot read spec file {path}"
    try:
        size = path.stat().st_size
        if size > MAX_SPEC_BYTES:
            raise SpecError([size_issue(where, size)])
        data = parse_spec_json(path.read_bytes(), where)
    except OSError as exc:
        raise SpecError([Issue("error", f"Cannot read spec file {path}: {exc}")]) from exc
    spec = normalize(data)
    validated_spec(spec)
    return spec


def import_spec(data: str | bytes, where: str = "Cannot read the spec file") -> dict[str, Any]:
    """A spec from JSON text (an upload): normalised and validated; SpecError with the
    validator's plain-language reasons otherwise (size and layer count bounded first)."""
    spec = normalize(parse_spec_json(data, where))
    validated_spec(spec)
    return spec


def spec_json(spec: dict[str, Any]) -> str:
    """The spec, normalised (every setting written out), as JSON; SpecError when invalid."""
    validated_spec(spec)
    return to_json(normalize(spec))
