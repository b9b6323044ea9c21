"""Nicknames: what a browser calls itself on the Class board (no accounts).

`clean_nickname` keeps letters (any script), digits, spaces and a few marks, collapses spaces
and cuts to 24 characters, so a nickname is safe in a table, a chart label or Markdown.
`Nicknames` keeps them per owner in `<runs folder>/nicknames.json` (written atomically), so a
browser keeps its nickname across reloads; the job manager records it in each run's run.json.
"""

from __future__ import annotations

import json
import re
import threading
import unicodedata
from pathlib import Path

from fmnist_viz.runs import file_version, write_bytes_atomic

NICKNAME_MAX = 24
NICKNAMES_FILE = "nicknames.json"
MAX_NICKNAMES = 10_000  # owners kept in nicknames.json
_ALLOWED_MARKS = set(" -_.'")


def clean_nickname(text: object) -> str:
    """A nickname safe to show anywhere: letters, digits, spaces and - _ . ' only (markup,
    control and invisible characters dropped), spaces collapsed, at most 24 characters;
    '' when nothing is left."""
    if not isinstance(text, str):
        return ""
    text = unicodedata.normalize("NFKC", text[: NICKNAME_MAX * 8])
    text = re.sub(r"<[^>]*>", " ", text)  # markup tags go whole
    kept = []
    for ch in text:
        if ch.isspace():
            kept.append(" ")
        elif ch in _ALLOWED_MARKS or unicodedata.category(ch)[0] in "LN":
            kept.append(ch)
    clean = re.sub(r" {2,}", " ", "".join(kept)).strip(" ._-'")
    return clean[:NICKNAME_MAX].rstrip(" ._-'")


class Nicknames:
    """The owners' nicknames of one runs folder."""

    def __init__(self, root: str | Path):
        self.path = Path(root) / NICKNAMES_FILE
        self._lock = threading.Lock()
        self._cache: tuple[str, dict[str, str]] | None = None

    def _all(self) -> dict[str, str]:
        """Every nickname (empty when the file is missing or damaged); never writes."""
        version = file_version(self.path)
        if self._cache is not None and self._cache[0] == version:
            return self._cache[1]
        try:
            data = json.loads(self.path.read_text("utf-8")) if self.path.is_file() else {}
        except (OSError, UnicodeDecodeError, ValueError, RecursionError):
            data = {}
        names = (
            {k: clean_nickname(v) for k, v in data.items() if isinstance(k, str)}
            if isinstance(data, dict)
            else {}
        )
        self._cache = (version, names)
        return names

    def get(self, owner: str) -> str:
        """The owner's nickname, '' when they have none."""
        return self._all().get(owner, "")

    def set(self, owner: str, text: str) -> str:
        """Give the owner a nickname (cleaned; '' clears it); returns the nickname kept."""
        clean = clean_nickname(text)
        with self._lock:
            names = dict(self._all())
            if clean:
                names[owner] = clean
            else:
                names.pop(owner, None)
            if len(names) > MAX_NICKNAMES:
                raise ValueError(f"at most {MAX_NICKNAMES:,} nicknames are kept")
            write_bytes_atomic(self.path, json.dumps(names, indent=1).encode())
        return clean
