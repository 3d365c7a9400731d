"""The package's shape: layers that import only downwards, no cycles, small modules.

The layers are declared once, in the "Layers" table of docs/architecture.md; this
test reads that table, so the documentation and the check cannot drift apart. Every
module of src/clarion must appear there (by itself or through its package).

Imports are found with `ast`, including those inside functions (a function-level
import is still a dependency); imports under `if TYPE_CHECKING:` are left out,
since they exist only for the type checker and never run.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "clarion"
ARCHITECTURE = ROOT / "docs" / "architecture.md"

MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 80

# Modules and functions over the limits today, each with the reason it is still
# here. This list only shrinks: an entry that fits the limit again fails the test
# until it is removed, and nothing new may be added.
LONG_MODULES: dict[str, str] = {}
LONG_FUNCTIONS: dict[str, str] = {}

# Imports that still go up a layer, each with its reason. Only shrinks, like the
# lists above.
UPWARD_IMPORTS: dict[tuple[str, str], str] = {}
# Import cycles still there, each with its reason; only shrinks.
KNOWN_CYCLES: dict[tuple[str, ...], str] = {}


@dataclass(frozen=True)
class Module:
    name: str  # dotted, e.g. "clarion.derive.comms"
    path: Path
    is_package: bool


def _modules() -> dict[str, Module]:
    found: dict[str, Module] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts.pop()
        name = ".".join(parts)
        found[name] = Module(name, path, is_package)
    return found


MODULES = _modules()


def _owner(name: str) -> str:
    """The module that `import name` runs last (a name inside a module maps to it)."""
    while name not in MODULES:
        name = name.rpartition(".")[0]
    return name


def _runtime_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node except those under `if TYPE_CHECKING:`."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for other in node.orelse:
                yield other
                yield from _runtime_nodes(other)
            continue
        yield node
        yield from _runtime_nodes(node)


def _imports(module: Module) -> set[str]:
    """The Clarion modules `module` names in its (runtime) imports."""
    tree = ast.parse(module.path.read_text(encoding="utf-8"))
    package = module.name if module.is_package else module.name.rpartition(".")[0]
    targets: set[str] = set()
    for node in _runtime_nodes(tree):
        if isinstance(node, ast.Import):
            targets.update(a.name for a in node.names if a.name.split(".")[0] == "clarion")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                full = ".".join(base + ([node.module] if node.module else []))
            else:
                full = node.module or ""
            if full.split(".")[0] != "clarion":
                continue
            for alias in node.names:
                candidate = f"{full}.{alias.name}"
                targets.add(candidate if candidate in MODULES else full)
    return {_owner(target) for target in targets} - {module.name}


def _graph() -> dict[str, set[str]]:
    """Each module's imports, with the packages entered on the way.

    `from clarion.rules.duration import X` also runs `clarion/rules/__init__.py`,
    so it counts as an import of `clarion.rules` too, unless that package is one
    of the importer's own (already being imported) or its `__init__.py` imports
    nothing of Clarion (entering it runs nothing).
    """
    direct = {name: _imports(module) for name, module in MODULES.items()}
    graph: dict[str, set[str]] = {}
    for name, targets in direct.items():
        own = name.split(".")
        found = set(targets)
        for target in targets:
            parts = target.split(".")
            for depth in range(2, len(parts)):
                parent = ".".join(parts[:depth])
                if own[:depth] != parts[:depth] and direct[parent]:
                    found.add(parent)
        graph[name] = found - {name}
    return graph


GRAPH = _graph()


def _layers() -> list[tuple[str, list[str]]]:
    """The "Layers" table of docs/architecture.md: (layer, module prefixes), bottom first."""
    text = ARCHITECTURE.read_text(encoding="utf-8")
    section = text.split("## Layers", 1)[1].split("\n## ", 1)[0]
    layers: list[tuple[str, list[str]]] = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 2 or not cells[0] or cells[0] in {"layer", "---"}:
            continue
        if set(cells[0]) <= {"-", ":"}:
            continue
        names = re.findall(r"`([a-z_][a-z0-9_./]*)`", cells[1])
        layers.append((cells[0], [n.removesuffix(".py").replace("/", ".") for n in names]))
    return layers


LAYERS = _layers()


def _layer_of(name: str) -> int | None:
    """Index of the layer whose longest prefix matches `clarion.<...>`."""
    best: tuple[int, int] | None = None
    short = name.removeprefix("clarion").lstrip(".")
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if short == prefix or short.startswith(prefix + "."):
                if best is None or len(prefix) > best[1]:
                    best = (index, len(prefix))
    return None if best is None else best[0]


def _cycles() -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(GRAPH[v]):
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
                found.append(sorted(component))

    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    return found


def test_the_layers_table_is_read() -> None:
    names = [layer for layer, _ in LAYERS]
    assert len(names) >= 6, names
    assert all(prefixes for _, prefixes in LAYERS), LAYERS


def test_every_module_has_a_layer() -> None:
    unplaced = sorted(name for name in MODULES if name != "clarion" and _layer_of(name) is None)
    assert not unplaced, (
        f"add these modules to the Layers table of docs/architecture.md: {unplaced}"
    )


def test_no_import_cycles() -> None:
    cycles = {tuple(c) for c in _cycles()}
    assert sorted(cycles - KNOWN_CYCLES.keys()) == []
    assert sorted(KNOWN_CYCLES.keys() - cycles) == [], "gone: remove them from KNOWN_CYCLES"


def test_imports_go_down_the_layers_only() -> None:
    wrong = []
    for name, targets in sorted(GRAPH.items()):
        here = _layer_of(name)
        if here is None:
            continue
        for target in sorted(targets):
            there = _layer_of(target)
            if there is not None and there > here and (name, target) not in UPWARD_IMPORTS:
                wrong.append(f"{name} ({LAYERS[here][0]}) imports {target} ({LAYERS[there][0]})")
    assert wrong == []
    fixed = [pair for pair in UPWARD_IMPORTS if pair[1] not in GRAPH[pair[0]]]
    assert fixed == [], "these imports are gone: remove them from UPWARD_IMPORTS"


def test_the_import_walk_sees_function_level_imports() -> None:
    # The walk itself must find the imports it is meant to police: an import inside
    # a function body and a package entered on the way to a submodule.
    tree = ast.parse("def f():\n    from clarion.rules.duration import Duration\n")
    imports = [n for n in _runtime_nodes(tree) if isinstance(n, ast.ImportFrom)]
    assert [n.module for n in imports] == ["clarion.rules.duration"]
    guarded = ast.parse("if TYPE_CHECKING:\n    from clarion.config import SiteConfig\n")
    assert [n for n in _runtime_nodes(guarded) if isinstance(n, ast.ImportFrom)] == []
    assert "clarion.rules" in GRAPH["clarion.config.schema"]  # entered through rules.duration


def _relative(path: Path) -> str:
    return path.relative_to(PACKAGE).as_posix()


def _function_lengths() -> dict[str, int]:
    lengths: dict[str, int] = {}
    for module in MODULES.values():
        tree = ast.parse(module.path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                key = f"{_relative(module.path)}::{node.name}"
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                lengths[key] = max(length, lengths.get(key, 0))
    return lengths


def test_no_module_over_the_limit() -> None:
    lengths = {
        _relative(m.path): len(m.path.read_text(encoding="utf-8").splitlines())
        for m in MODULES.values()
    }
    over = {path for path, n in lengths.items() if n > MAX_MODULE_LINES}
    new = sorted(f"{p} ({lengths[p]} lines)" for p in over - LONG_MODULES.keys())
    assert new == [], f"modules over {MAX_MODULE_LINES} lines: split them"
    fixed = sorted(set(LONG_MODULES) - over)
    assert fixed == [], "these fit now: remove them from LONG_MODULES"


def test_no_function_over_the_limit() -> None:
    lengths = _function_lengths()
    over = {key for key, n in lengths.items() if n > MAX_FUNCTION_LINES}
    new = sorted(f"{k} ({lengths[k]} lines)" for k in over - LONG_FUNCTIONS.keys())
    assert new == [], f"functions over {MAX_FUNCTION_LINES} lines: split them"
    fixed = sorted(set(LONG_FUNCTIONS) - over)
    assert fixed == [], "these fit now: remove them from LONG_FUNCTIONS"


@pytest.mark.parametrize("allowed", [LONG_MODULES, LONG_FUNCTIONS, UPWARD_IMPORTS, KNOWN_CYCLES])
def test_every_exception_says_why(allowed: dict[object, str]) -> None:
    assert all(len(reason.split()) >= 3 for reason in allowed.values())
