"""The package's shape: layers that import only downward, no import circles,
and the environment read in one place. Imports inside functions count too:
a lazy import is still a dependency."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "inspect_cli"


def _modules() -> dict[str, tuple[Path, bool]]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        out[".".join(parts)] = (path, is_package)
    return out


MODULES = _modules()


def _imports(module: str) -> set[str]:
    """The inspect_cli modules `module` imports (a name imported from a package
    counts as the submodule when there is one)."""
    path, is_package = MODULES[module]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("inspect_cli"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            if target.startswith("inspect_cli"):
                for alias in node.names:
                    sub = f"{target}.{alias.name}"
                    found.add(sub if sub in MODULES else target)
    found.discard(module)
    return found


GRAPH = {module: _imports(module) for module in MODULES}


def _cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in GRAPH[v]:
            if w not in GRAPH:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for module in sorted(GRAPH):
        if module not in index:
            visit(module)
    return out


def test_no_import_circles() -> None:
    assert _cycles() == []


def test_the_cycle_finder_finds_a_circle() -> None:
    GRAPH["inspect_cli.errors"].add("inspect_cli.storage")
    try:
        assert ["inspect_cli.errors", "inspect_cli.storage"] in _cycles()
    finally:
        GRAPH["inspect_cli.errors"].discard("inspect_cli.storage")


TASK_API = ("inspect_cli.dataset", "inspect_cli.model", "inspect_cli.solver", "inspect_cli.scorer")
# layer -> what it must never import (prefixes)
FORBIDDEN = {
    "inspect_cli.errors": ("inspect_cli.",),
    "inspect_cli._secrets": ("inspect_cli.",),
    "inspect_cli._console": (
        "inspect_cli.storage",
        "inspect_cli.settings",
        "inspect_cli.log",
        "inspect_cli._engine",
        "inspect_cli.cli",
        "inspect_cli.view",
        *TASK_API,
    ),
    "inspect_cli.storage": ("inspect_cli.log", "inspect_cli.settings", "inspect_cli._engine", "inspect_cli.cli"),
    "inspect_cli.settings": ("inspect_cli.log", "inspect_cli._engine", "inspect_cli.cli", *TASK_API),
    "inspect_cli.log": ("inspect_cli._engine", "inspect_cli.cli", "inspect_cli.view", *TASK_API),
    **{api: ("inspect_cli._engine", "inspect_cli.cli", "inspect_cli.view") for api in TASK_API},
    "inspect_cli._engine": ("inspect_cli.cli", "inspect_cli.view"),
    "inspect_cli.view": ("inspect_cli._engine", "inspect_cli.cli", *TASK_API),
}


def _layer(module: str) -> str | None:
    return next((layer for layer in FORBIDDEN if module == layer or module.startswith(layer + ".")), None)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_go_down_the_layers(module: str) -> None:
    layer = _layer(module)
    if layer is None:
        return
    allowed_errors = {"inspect_cli.errors", "inspect_cli._secrets"} - {layer}
    bad = sorted(
        target
        for target in GRAPH[module]
        if target not in allowed_errors
        and _layer(target) != layer
        and any(target == f or target.startswith(f) for f in FORBIDDEN[layer])
    )
    assert bad == [], f"{module} imports {bad}"


def test_only_the_cli_imports_the_cli() -> None:
    users = sorted(m for m, targets in GRAPH.items() if any(t.startswith("inspect_cli.cli") for t in targets))
    assert all(m.startswith("inspect_cli.cli") or m == "inspect_cli.__main__" for m in users), users


def _environment_reads(path: Path) -> list[int]:
    lines = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv", "environb"):
            lines.append(node.lineno)
    return lines


@pytest.mark.parametrize("module", sorted(MODULES))
def test_only_settings_reads_the_environment(module: str) -> None:
    if module == "inspect_cli.settings":
        assert _environment_reads(MODULES[module][0])  # the check sees what it looks for
        return
    assert _environment_reads(MODULES[module][0]) == [], f"{module} reads os.environ: ask inspect_cli.settings"
