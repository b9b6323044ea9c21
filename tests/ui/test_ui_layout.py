"""The UI's layout: every file in pages/ is a few lines that call its view in ui/views/, and
ui/ reaches the engine only through a package's public API (`fmnist_viz.<package>`)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import fmnist_viz

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted((ROOT / "pages").glob("*.py"))
UI_FILES = sorted((ROOT / "ui").rglob("*.py"))
MAX_PAGE_LINES = 40


def _imports(path: Path) -> list[tuple[int, str, list[str]]]:
    """(line, module, names) of every import in a file, also inside functions."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append((node.lineno, node.module or "", [a.name for a in node.names]))
    return found


VIEW_NAMES = {"class": "classroom"}  # a page whose name Python keeps for itself


def test_there_is_a_view_for_every_page() -> None:
    assert len(PAGES) == 14


def page_problems(page: Path) -> list[str]:
    """What makes a page more than a call of its view: its length, any other import."""
    lines = page.read_text(encoding="utf-8").splitlines()
    problems = [f"{len(lines)} lines"] if len(lines) > MAX_PAGE_LINES else []
    imports = _imports(page)
    if not imports:
        problems.append("no import of its view")
    for line, module, names in imports:
        view = f"{module}.{names[0]}" if names else module
        name = VIEW_NAMES.get(page.stem, page.stem)
        if len(names) != 1 or view not in (f"ui.views.{name}", f"ui.views.{name}.page"):
            problems.append(f"line {line} imports {module} {names}, not only its view")
    return problems


def engine_reach(path: Path) -> list[str]:
    """The imports of the engine that go past a package's public API."""
    packages = {f"fmnist_viz.{name}" for name in fmnist_viz.LAYERS}
    wrong = []
    for line, module, names in _imports(path):
        if not module.startswith("fmnist_viz"):
            continue
        if module != "fmnist_viz" and module not in packages:
            wrong.append(f"line {line}: {module}")
            continue
        exported = set(getattr(__import__(module, fromlist=["*"]), "__all__", ()))
        if module in packages:
            wrong += [f"line {line}: {module}.{n} (not in its __all__)" for n in names
                      if n not in exported]  # fmt: skip
    return wrong


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_a_page_is_a_few_lines_that_call_its_view(page: Path) -> None:
    assert page_problems(page) == []


@pytest.mark.parametrize("path", UI_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_ui_reaches_the_engine_only_through_its_packages(path: Path) -> None:
    assert engine_reach(path) == []


def test_the_checks_catch_a_page_with_code_and_an_engine_internal(tmp_path: Path) -> None:
    fake = tmp_path / "relu.py"
    fake.write_text(
        "import streamlit as st\n"
        "from ui.views import relu\n"
        "def f():\n    from fmnist_viz.inside.relu import relu_stats\n"
        "from fmnist_viz.seeing import act_max\n" + "x = 1\n" * MAX_PAGE_LINES
    )
    assert len(page_problems(fake)) == 4  # length, streamlit, two engine imports
    assert len(engine_reach(fake)) == 2  # a module, a name not in seeing's __all__
