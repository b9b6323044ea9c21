"""The shape of one idea the app explains (shared by the teaching text modules)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Concept:
    """One idea the app explains: a title, a one-line summary, a short body and where to see it."""

    key: str
    title: str
    summary: str
    body: str
    see_it: str
