"""Conventions of the engine package that a reader relies on: every module says what it is,
every public function, class and method has a docstring, and nothing in it imports Streamlit."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ENGINE = Path(__file__).resolve().parents[1] / "fmnist_viz"
MODULES = sorted(p for p in ENGINE.rglob("*.py"))


def _public(name: str) -> bool:
    return not name.startswith("_")


def _missing_docstrings(tree: ast.Module) -> list[str]:
    """Public functions, classes and methods (of public classes) without a docstring."""
    missing = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            if _public(node.name) and ast.get_docstring(node) is None:
                missing.append(node.name)
            if isinstance(node, ast.ClassDef) and _public(node.name):
                for item in node.body:
                    is_function = isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
                    if is_function and _public(item.name) and ast.get_docstring(item) is None:
                        missing.append(f"{node.name}.{item.name}")
    return missing


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ENGINE)))
def test_module_has_docstrings(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    if path.name != "__main__.py":
        assert ast.get_docstring(tree), f"{path.name} has no module docstring"
    assert _missing_docstrings(tree) == []


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ENGINE)))
def test_engine_never_imports_streamlit(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert "streamlit" not in imported and "ui" not in imported
