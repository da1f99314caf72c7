"""The layout holds: imports go one way (entry points -> wiring -> services -> ports <- adapters)
with no cycle, the shipped package imports nothing that is not shipped, modules and functions stay
small. Read from the source with `ast`, nothing imported; each failure lists its offenders.

A module may pass 500 lines when its docstring says why, on a line of its own that starts with
`Long because`."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from tests.support import ROOT

MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 80
LONG_BECAUSE = "Long because"
SHIPPED = "gluekb"
NOT_SHIPPED = ("gluekb_dev", "gpu_worker", "mcp_server")
# Import roots: the shared packages, then each Lambda function's folder (handler.py at its top).
PACKAGES = {"gluekb": ROOT / "layers/core"} | {name: ROOT for name in NOT_SHIPPED}
FUNCTIONS = sorted(p for p in (ROOT / "functions").iterdir() if (p / "handler.py").is_file())


@dataclass(frozen=True)
class Reference:
    """One name an import statement reaches, absolute: `from gluekb.x import y` is `gluekb.x.y`
    (the module y, or the module gluekb.x when y is a name defined there)."""

    dotted: str
    line: int
    type_only: bool  # under `if TYPE_CHECKING:`: never runs, so it cannot close a cycle


@dataclass(frozen=True)
class Module:
    name: str  # as imported: gluekb.services.sync.organization_sync
    path: Path
    scope: str  # "" for the shared packages; a function's folder for that function's modules

    @property
    def package(self) -> str:
        return self.name if self.path.name == "__init__.py" else self.name.rpartition(".")[0]

    @property
    def where(self) -> str:
        return str(self.path.relative_to(ROOT))

    def tree(self) -> ast.Module:
        return _parse(self.path)

    def references(self) -> list[Reference]:
        return list(_references(self.tree().body, self.package, type_only=False))


@cache
def _parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _absolute(node: ast.ImportFrom, package: str) -> str:
    if node.level == 0:
        return node.module or ""
    parts = package.split(".")
    base = parts[: len(parts) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _references(body: list[ast.stmt], package: str, *, type_only: bool) -> Iterator[Reference]:
    """Every import in `body`, at any depth (a function-level import still runs)."""
    for node in body:
        if isinstance(node, ast.Import):
            yield from (Reference(a.name, node.lineno, type_only) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, package)
            yield from (Reference(f"{base}.{a.name}", node.lineno, type_only) for a in node.names)
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            yield from _references(node.body, package, type_only=True)
            yield from _references(node.orelse, package, type_only=type_only)
        else:
            for block in ("body", "orelse", "finalbody", "handlers", "cases"):
                children = getattr(node, block, [])
                yield from _references(children, package, type_only=type_only)


def modules_in(import_root: Path, folder: Path, scope: str = "") -> list[Module]:
    found = []
    for path in sorted(folder.rglob("*.py")):
        parts = path.relative_to(import_root).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found.append(Module(name, path, scope))
    return found


def project_modules() -> list[Module]:
    shared = [m for name, root in PACKAGES.items() for m in modules_in(root, root / name)]
    own = [m for f in FUNCTIONS for m in modules_in(f, f, str(f.relative_to(ROOT)))]
    return shared + own


class ImportGraph:
    """Module -> the modules its imports run, resolved to the longest module name that exists
    (a function's own modules first, then the shared packages)."""

    def __init__(self, modules: list[Module], *, with_type_only: bool = False) -> None:
        self.known = {(m.scope, m.name): m for m in modules}
        self.edges: dict[Module, dict[Module, int]] = {}
        for module in modules:
            targets = self.edges.setdefault(module, {})
            for ref in module.references():
                target = self.resolve(ref.dotted, module.scope)
                if target and target != module and (with_type_only or not ref.type_only):
                    targets.setdefault(target, ref.line)

    def resolve(self, dotted: str, scope: str) -> Module | None:
        parts = dotted.split(".")
        for end in range(len(parts), 0, -1):
            name = ".".join(parts[:end])
            for where in (scope, ""):
                if (where, name) in self.known:
                    return self.known[(where, name)]
        return None

    def cycles(self) -> list[list[Module]]:
        """The strongly connected components of more than one module (Tarjan)."""
        index: dict[Module, int] = {}
        low: dict[Module, int] = {}
        stack: list[Module] = []
        found: list[list[Module]] = []

        def visit(v: Module) -> None:
            index[v] = low[v] = len(index)
            stack.append(v)
            for w in self.edges[v]:
                if w not in index:
                    visit(w)
                    low[v] = min(low[v], low[w])
                elif w in stack:
                    low[v] = min(low[v], index[w])
            if low[v] == index[v]:
                component = stack[stack.index(v) :]
                del stack[stack.index(v) :]
                if len(component) > 1:
                    found.append(sorted(component, key=lambda m: m.name))

        for module in self.edges:
            if module not in index:
                visit(module)
        return found

    def describe(self, component: list[Module]) -> str:
        inside = set(component)
        return "\n".join(
            f"  {a.name} -> {b.name}  ({a.where}:{line})"
            for a in component
            for b, line in sorted(self.edges[a].items(), key=lambda item: item[0].name)
            if b in inside
        )


def within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def forbidden_imports(modules: list[Module], importer: str, imported: tuple[str, ...]) -> list[str]:
    """`path:line name` for every import (TYPE_CHECKING ones too) from a module in `importer` of
    anything in `imported`."""
    return [
        f"{m.where}:{ref.line} imports {ref.dotted}"
        for m in modules
        if not m.scope and within(m.name, importer)
        for ref in m.references()
        if any(within(ref.dotted, target) for target in imported)
    ]


def long_reason(module: Module) -> bool:
    docstring = ast.get_docstring(module.tree()) or ""
    return any(line.strip().startswith(LONG_BECAUSE) for line in docstring.splitlines())


Function = ast.FunctionDef | ast.AsyncFunctionDef


def functions_of(tree: ast.AST, prefix: str = "") -> Iterator[tuple[str, Function]]:
    """(qualified name, node) of every function and method, nested ones included."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            name = f"{prefix}{node.name}"
            if not isinstance(node, ast.ClassDef):
                yield name, node
            yield from functions_of(node, f"{name}.")
        else:
            yield from functions_of(node, prefix)


def span(node: Function) -> int:
    """Lines from `def` to the last line of the body, docstring included."""
    return (node.end_lineno or node.lineno) - node.lineno + 1


@pytest.fixture(scope="module")
def modules() -> list[Module]:
    return project_modules()


@pytest.fixture(scope="module")
def graph(modules: list[Module]) -> ImportGraph:
    return ImportGraph(modules)


# ---------------------------------------------------------------------------- the checker itself
def test_the_walk_finds_every_package_and_their_imports(
    modules: list[Module], graph: ImportGraph
) -> None:
    names = {m.name for m in modules if not m.scope}
    assert {"gluekb.wiring", "gluekb.services", "gluekb_dev", "gpu_worker", "mcp_server"} <= names
    assert {m.scope for m in modules if m.name == "handler"} == {
        str(f.relative_to(ROOT)) for f in FUNCTIONS
    }
    wiring = graph.known[("", "gluekb.wiring.sync")]
    assert any(within(t.name, "gluekb.services") for t in graph.edges[wiring])


def test_a_cycle_is_found_unless_it_closes_only_under_type_checking(tmp_path: Path) -> None:
    # Given a package whose modules import each other, one of them only for the type checker
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("")
    (package / "a.py").write_text("from .sub import b\nfrom .sub import e\n")
    (package / "sub" / "b.py").write_text("def f():\n    from pkg import c\n")
    (package / "c.py").write_text("from pkg.a import name\n")
    (package / "d.py").write_text("from pkg.a import x\n")
    (package / "sub" / "e.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..d import y\n"
    )
    modules = modules_in(tmp_path, package)

    # When the import graph is read
    cycles = ImportGraph(modules).cycles()
    with_type_only = ImportGraph(modules, with_type_only=True).cycles()

    # Then the runtime cycle a -> sub.b -> c -> a is found; a -> sub.e -> d -> a only with
    # the TYPE_CHECKING import counted
    assert [[m.name for m in c] for c in cycles] == [["pkg.a", "pkg.c", "pkg.sub.b"]]
    assert [[m.name for m in c] for c in with_type_only] == [
        ["pkg.a", "pkg.c", "pkg.d", "pkg.sub.b", "pkg.sub.e"]
    ]


# ---------------------------------------------------------------------------- imports
def test_no_import_cycle(graph: ImportGraph) -> None:
    cycles = graph.cycles()
    assert not cycles, "import cycles (TYPE_CHECKING imports left out):\n" + "\n\n".join(
        graph.describe(c) for c in cycles
    )


def test_the_shipped_package_imports_nothing_that_is_not_shipped(modules: list[Module]) -> None:
    offenders = forbidden_imports(modules, SHIPPED, NOT_SHIPPED)
    assert not offenders, (
        f"{SHIPPED} is the Lambda layer; {', '.join(NOT_SHIPPED)} are not in it:\n  "
        + "\n  ".join(offenders)
    )


@pytest.mark.parametrize(
    ("importer", "imported"),
    [
        # The composition root builds services from settings: services are handed what they use.
        ("gluekb.services", ("gluekb.wiring", "gluekb.settings")),
        # Adapters are the edges: they implement ports and know nothing of the logic.
        ("gluekb.adapters", ("gluekb.services", "gluekb.wiring")),
        # Ports are Protocols over models.
        ("gluekb.ports", ("gluekb.services", "gluekb.adapters", "gluekb.wiring")),
        ("gluekb.models", ("gluekb.ports", "gluekb.services", "gluekb.adapters", "gluekb.wiring")),
    ],
)
def test_imports_go_one_way(
    modules: list[Module], importer: str, imported: tuple[str, ...]
) -> None:
    offenders = forbidden_imports(modules, importer, imported)
    assert not offenders, f"{importer} must not import {', '.join(imported)}:\n  " + "\n  ".join(
        offenders
    )


# ---------------------------------------------------------------------------- sizes
def test_modules_stay_under_the_limit_or_say_why(modules: list[Module]) -> None:
    sizes = {m: len(m.path.read_text().splitlines()) for m in modules}
    unexplained = [m for m, n in sizes.items() if n > MAX_MODULE_LINES and not long_reason(m)]
    stale = [m for m, n in sizes.items() if n <= MAX_MODULE_LINES and long_reason(m)]
    assert not unexplained, (
        f"modules over {MAX_MODULE_LINES} lines: split them, or say why in the module docstring "
        f"on a line starting {LONG_BECAUSE!r}:\n  "
        + "\n  ".join(f"{m.where}: {sizes[m]} lines" for m in unexplained)
    )
    assert not stale, (
        f"no longer over {MAX_MODULE_LINES} lines: drop the {LONG_BECAUSE!r} line:\n  "
        + "\n  ".join(f"{m.where}: {sizes[m]} lines" for m in stale)
    )


def test_no_function_is_longer_than_the_limit(modules: list[Module]) -> None:
    offenders = sorted(
        (span(node), f"{m.where}:{node.lineno} {name}")
        for m in modules
        for name, node in functions_of(m.tree())
        if span(node) > MAX_FUNCTION_LINES
    )
    assert not offenders, (
        f"functions over {MAX_FUNCTION_LINES} lines, split them:\n  "
        + "\n  ".join(f"{where}: {n} lines" for n, where in reversed(offenders))
    )
