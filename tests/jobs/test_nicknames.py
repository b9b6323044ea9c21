"""Nicknames: cleaned to be safe anywhere, at most 24 characters, kept per owner on disk."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fmnist_viz.jobs import NICKNAME_MAX, Nicknames, clean_nickname


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("Ada", "Ada"),
        ("  Ada   Lovelace  ", "Ada Lovelace"),
        ("<b>Ann</b>", "Ann"),
        ("<script>alert(1)</script>", "alert1"),
        ("[link](http://x)", "linkhttpx"),
        ("**bold** `code` | pipe", "bold code pipe"),
        ("tab\there\nnew", "tab here new"),
        ("zero\u200bwidth\u202eflip", "zerowidthflip"),
        ("Zoë 李雷", "Zoë 李雷"),
        ("ＡＢＣ", "ABC"),  # full-width letters become plain ones
        ("O'Neil-Smith_2", "O'Neil-Smith_2"),
        ("...", ""),
        ("", ""),
        (None, ""),
        ("x" * 100, "x" * NICKNAME_MAX),
        ("a" * 23 + " b", "a" * 23),  # no trailing space after the cut
    ],
)
def test_clean_nickname(typed, kept: str) -> None:
    assert clean_nickname(typed) == kept
    assert len(clean_nickname(typed)) <= NICKNAME_MAX


def test_nicknames_are_kept_per_owner_on_disk(tmp_path: Path) -> None:
    names = Nicknames(tmp_path)
    assert names.get("browser-a") == ""
    assert names.set("browser-a", " <i>Ada</i> ") == "Ada"
    names.set("browser-b", "Bo")
    again = Nicknames(tmp_path)  # a reload, or another session of the server
    assert again.get("browser-a") == "Ada" and again.get("browser-b") == "Bo"
    assert again.set("browser-a", "") == ""
    assert Nicknames(tmp_path).get("browser-a") == ""
    assert json.loads((tmp_path / "nicknames.json").read_text()) == {"browser-b": "Bo"}


def test_a_damaged_file_reads_as_no_nicknames(tmp_path: Path) -> None:
    (tmp_path / "nicknames.json").write_text("{not json")
    names = Nicknames(tmp_path)
    assert names.get("x") == ""
    assert (tmp_path / "nicknames.json").read_text() == "{not json"  # reading never writes
    (tmp_path / "nicknames.json").write_text(json.dumps({"x": "<b>Eve</b>", "y": 3}))
    assert Nicknames(tmp_path).get("x") == "Eve"  # cleaned again when read
