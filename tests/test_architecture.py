"""core/ knows nothing of the front ends or the scheduler; the front ends never query."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

FORBIDDEN = ("slack_bolt", "slack_sdk", "slack", "textual", "apscheduler", "kambot", "tui")
CORE = Path(__file__).resolve().parent.parent / "core"
FRONT_ENDS = ("kambot", "tui")
STORAGE = ("sqlalchemy", "sqlmodel")


def _imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_core_source_imports_no_front_end() -> None:
    offenders = {
        str(path.relative_to(CORE.parent)): sorted(_imported_roots(path) & set(FORBIDDEN))
        for path in CORE.rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_front_ends_import_no_database_library() -> None:
    """kambot/ and tui/ render and dispatch; every query is core's (not even types come in:
    ``core.db`` names the ``Engine`` and ``Session`` an edge holds)."""
    root = CORE.parent
    offenders = {
        str(path.relative_to(root)): sorted(_imported_roots(path) & set(STORAGE))
        for front_end in FRONT_ENDS
        for path in (root / front_end).rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_import_finder_sees_imports_inside_functions_and_type_checking(
    tmp_path: Path,
) -> None:
    module = tmp_path / "sneaky.py"
    module.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from sqlmodel import Session\n"
        "def read():\n"
        "    import sqlalchemy.exc\n"
        "from . import sibling\n",
        encoding="utf-8",
    )
    assert _imported_roots(module) == {"typing", "sqlmodel", "sqlalchemy"}


def test_importing_all_of_core_loads_no_front_end() -> None:
    code = (
        "import importlib, pkgutil, sys, core\n"
        "for m in pkgutil.walk_packages(core.__path__, 'core.'):\n"
        "    if m.name.startswith('core.migrations'): continue\n"
        "    importlib.import_module(m.name)\n"
        f"bad = sorted(n for n in sys.modules if n.split('.')[0] in {FORBIDDEN!r})\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=CORE.parent,
    )
    assert result.stdout.strip() == ""


# --- no import cycles in core ----------------------------------------------------------


def _module_name(path: Path) -> str:
    parts = path.relative_to(CORE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _core_modules() -> dict[str, Path]:
    return {_module_name(p): p for p in CORE.rglob("*.py") if "migrations" not in p.parts}


def _core_imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """Every core module ``name`` imports, at the top or inside a function."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, *([node.module] if node.module else [])])
            named = {f"{base}.{a.name}" for a in node.names}
            found.update(named)
            if not named <= modules.keys():  # a name from the module itself, not a submodule
                found.add(base)
    return {m for m in found if m in modules and m != name}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one member (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in sorted(graph.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_core_has_no_import_cycles_between_modules_or_packages() -> None:
    modules = _core_modules()
    graph = {name: _core_imports(name, path, modules) for name, path in modules.items()}
    assert _cycles(graph) == []

    def area(module: str) -> str:  # core.checkins.derive -> core.checkins
        return ".".join(module.split(".")[:2])

    areas: dict[str, set[str]] = {}
    for name, imported in graph.items():
        areas.setdefault(area(name), set()).update(
            area(m) for m in imported if area(m) != area(name)
        )
    assert _cycles(areas) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_every_slash_subcommand_has_its_grammar_and_its_handler() -> None:
    """A subcommand is a grammar entry and a handler: one without the other is caught here."""
    from kambot.grammar import SPECS
    from kambot.subcommands import HANDLERS

    assert set(SPECS) == set(HANDLERS)
