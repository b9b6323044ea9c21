"""The folders are the architecture: every import of the engine and the UI, at module level or
inside a function, goes down the layer order written in `fmnist_viz.LAYERS` (and `ui.LAYERS`),
across packages only through a package's `__init__`, and never round in a circle."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

import fmnist_viz
import ui

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Module:
    """One module of the project: its dotted name, its file, and whether it is a package."""

    name: str
    path: Path
    is_package: bool


def _modules(top: str) -> dict[str, Module]:
    out = {}
    for path in sorted((ROOT / top).rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        out[".".join(parts)] = Module(".".join(parts), path, is_package)
    return out


MODULES = {**_modules("fmnist_viz"), **_modules("ui")}


def _exports(module: Module) -> set[str]:
    """The names a package's __init__ lists in __all__ (empty for a module)."""
    if not module.is_package:
        return set()
    for node in ast.parse(module.path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            return set(ast.literal_eval(node.value))
    return set()


EXPORTS = {name: _exports(module) for name, module in MODULES.items()}


def imported_names(module: Module) -> list[tuple[int, str]]:
    """(line, dotted name) of every import in the module, also inside functions and under
    TYPE_CHECKING. `from a import b` is a.b when b is a module that a's __all__ does not name
    (the package's API wins where a function is named like its module), else a."""
    tree = ast.parse(module.path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                here = module.name.split(".")
                here = here if module.is_package else here[:-1]
                here = here[: len(here) - (node.level - 1)]
                base = ".".join([*here, base] if base else here)
            for alias in node.names:
                named = alias.name in EXPORTS.get(base, set())
                found.append((node.lineno, base if named else f"{base}.{alias.name}"))
    return found


def project_target(name: str) -> str | None:
    """The project module an imported name belongs to (longest match), None outside it."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def edges() -> dict[str, set[tuple[int, str]]]:
    """Every module's imports of other project modules, with the line of each."""
    out: dict[str, set[tuple[int, str]]] = {name: set() for name in MODULES}
    for name, module in MODULES.items():
        for line, imported in imported_names(module):
            target = project_target(imported)
            if target and target != name and not _is_own_parent(name, target):
                out[name].add((line, target))
    return out


def _is_own_parent(name: str, target: str) -> bool:
    """`from fmnist_viz.runs import store` inside fmnist_viz.runs.* names its own package's
    submodule: counted as that submodule (project_target finds it), never as the package."""
    return name.startswith(target + ".") and MODULES[target].is_package


EDGES = edges()


def engine_layer(name: str) -> int:
    """0 for the engine's root, 1.. for its packages in fmnist_viz.LAYERS, above them __main__."""
    parts = name.split(".")
    if parts == ["fmnist_viz"]:
        return 0
    if parts[1] == "__main__":
        return len(fmnist_viz.LAYERS) + 1
    return 1 + fmnist_viz.LAYERS.index(parts[1])


def ui_layer(name: str) -> int:
    """The UI's layers start above the whole engine, in ui.LAYERS order (ui/__init__ lowest)."""
    base = len(fmnist_viz.LAYERS) + 2
    parts = name.split(".")
    if parts == ["ui"]:
        return base
    return base + 1 + ui.LAYERS.index(parts[1])


def layer(name: str) -> int:
    """A module's layer; every import must go to the same layer or one below."""
    return engine_layer(name) if name.startswith("fmnist_viz") else ui_layer(name)


def package(name: str) -> str:
    """The concept package a module belongs to ('fmnist_viz.runs', 'ui.views', ...)."""
    return ".".join(name.split(".")[:2])


def test_every_package_is_in_the_layer_order() -> None:
    engine = {p.name for p in (ROOT / "fmnist_viz").iterdir() if (p / "__init__.py").is_file()}
    assert engine == set(fmnist_viz.LAYERS)
    shells = {p.name for p in (ROOT / "ui").iterdir() if (p / "__init__.py").is_file()}
    loose = {p.stem for p in (ROOT / "ui").glob("*.py") if p.stem != "__init__"}
    assert shells | loose == set(ui.LAYERS)


def test_the_order_is_written_in_the_package_docstrings() -> None:
    """The docstrings list the layers bottom up, in the order the test enforces."""
    for top, order in ((fmnist_viz, fmnist_viz.LAYERS), (ui, ui.LAYERS)):
        doc = top.__doc__ or ""
        positions = [doc.find(f"\n    {name} ") for name in order]
        assert -1 not in positions, f"{top.__name__}'s docstring lacks a layer of {order}"
        assert positions == sorted(positions), f"{top.__name__}'s docstring is out of order"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_imports_go_down_the_layers(name: str) -> None:
    upward = [
        f"line {line}: {target}"
        for line, target in sorted(EDGES[name])
        if layer(target) > layer(name)
    ]
    assert upward == [], f"{name} imports a higher layer"


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n.count(".") >= 2))
def test_other_packages_are_imported_through_their_init(name: str) -> None:
    """A module of a concept package reaches another package only through its public API, and
    its own package's modules directly (never through its own __init__)."""
    own = package(name)
    wrong = []
    for line, target in sorted(EDGES[name]):
        if target == own:
            wrong.append(f"line {line}: its own package {target} (import the module)")
        elif package(target) != own and target.count(".") >= 2 and target.startswith("fmnist"):
            wrong.append(f"line {line}: {target} (import it from {package(target)})")
    assert wrong == []


def test_no_import_circle() -> None:
    """Tarjan's strongly connected components over all imports: every one is a single module."""
    graph = {name: {t for _, t in targets} for name, targets in EDGES.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    assert circles == []


@pytest.mark.parametrize(
    "name", sorted(n for n, m in MODULES.items() if m.is_package and n.count(".") == 1)
)
def test_each_package_names_its_public_api(name: str) -> None:
    """An __init__ with a docstring and an __all__ of the names it imports, each one real."""
    module = MODULES[name]
    tree = ast.parse(module.path.read_text(encoding="utf-8"))
    assert ast.get_docstring(tree), f"{name} says nothing about itself"
    imported = {
        alias.asname or alias.name
        for node in tree.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    exported = next(
        (
            ast.literal_eval(node.value)
            for node in tree.body
            if isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets)
        ),
        None,
    )
    assert exported is not None, f"{name} has no __all__"
    assert sorted(exported) == sorted(imported)


def test_a_circle_or_an_upward_import_is_caught(tmp_path: Path) -> None:
    """The checks above see imports inside functions: a made-up module proves it."""
    fake = tmp_path / "m.py"
    fake.write_text("def f():\n    from fmnist_viz.cli import main\n")
    module = Module("fmnist_viz.data.m", fake, False)
    targets = {project_target(n) for _, n in imported_names(module)}
    assert "fmnist_viz.cli" in targets
    assert layer("fmnist_viz.cli") > layer("fmnist_viz.data.loading")
