"""Imports run one way: from the interfaces down to the model, in the layer order that the package docstring
(``auditor/__init__.py``) writes, and no two modules import each other, even through others.

Every import counts, including the ones inside functions (a lazy import is still a dependency: it only
moves the failure to run time); relative imports are resolved, and ``from package import name`` is an
import of the module ``package.name`` when there is one."""
from __future__ import annotations

import ast
import re
from functools import lru_cache
from pathlib import Path

import auditor

PACKAGE = Path(auditor.__file__).resolve().parent

# Cycles that remain, each with why and what removes it: none. A new cycle fails the test, and so does a listed
# one that is gone (remove it here).
CYCLE_EXCEPTIONS: set[frozenset[str]] = set()

# Imports that run up the layer order: none. (An entry is (importer, imported) with the reason beside it.)
UPWARD_EXCEPTIONS: set[tuple[str, str]] = set()


@lru_cache(maxsize=1)
def modules() -> dict[str, tuple[Path, bool]]:
    """Every module of the package: dotted name -> (file, is a package)."""
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        out[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return out


def _resolved(module: str, is_package: bool, node: ast.Import | ast.ImportFrom) -> list[str]:
    """The package modules an import statement of ``module`` imports (the nearest existing one)."""
    known = modules()
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        if node.level:
            base = module.split(".") if is_package else module.split(".")[:-1]
            base = base[:len(base) - node.level + 1]
            prefix = ".".join(base + ([node.module] if node.module else []))
        else:
            prefix = node.module or ""
        names = [f"{prefix}.{alias.name}" if f"{prefix}.{alias.name}" in known else prefix for alias in node.names]
    out = []
    for name in names:
        if name.split(".")[0] != "auditor":
            continue
        while name not in known and "." in name:
            name = name.rsplit(".", 1)[0]
        out.append(name)
    return out


@lru_cache(maxsize=1)
def imports() -> dict[str, set[str]]:
    """module -> the package modules it imports, anywhere in its file."""
    graph = {}
    for module, (path, is_package) in modules().items():
        tree = ast.parse(path.read_text("utf-8"), str(path))
        graph[module] = {target for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))
                         for target in _resolved(module, is_package, node) if target != module}
    return graph


def layers() -> list[tuple[str, list[str]]]:
    """The layers the package docstring lists, bottom first: (name, dotted module or package names)."""
    text = auditor.__doc__ or ""
    entries = re.findall(r"^(\d+)\. (\w+): ((?:.+\n)(?:   .+\n)*)", text, re.M)
    assert entries, "the package docstring lists no layers"
    assert [int(n) for n, _, _ in entries] == list(range(1, len(entries) + 1)), "layers are numbered 1, 2, 3..."
    return [(name, ["auditor." + m.strip() for m in body.replace("\n", " ").split(",") if m.strip()])
            for _, name, body in entries]


def layer_of(module: str, listed: list[tuple[str, list[str]]]) -> int | None:
    """The index of ``module``'s layer: the longest listed name that is the module or a package holding it;
    the package itself (``auditor``, its version only) is below every layer."""
    if module == "auditor":
        return -1
    best, found = -1, None
    for index, (_, names) in enumerate(listed):
        for name in names:
            if (module == name or module.startswith(name + ".")) and len(name) > best:
                best, found = len(name), index
    return found


def cycles() -> list[set[str]]:
    """The groups of modules that import each other, directly or through others (Tarjan's strongly connected
    components of more than one module)."""
    graph, index, low, stack, on_stack, out = imports(), {}, {}, [], set(), []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.add(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(group)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_the_import_reader_sees_function_level_and_relative_imports():
    graph = imports()
    # audit.py imports the score modules inside add_scores, relatively from its package
    assert {"auditor.auditing.scores.mqa", "auditor.auditing.scores.datagouv", "auditor.auditing.applicability"} <= graph["auditor.auditing.audit"]
    # ``from . import budgets`` in the tabular package is the module auditor.tabular.budgets
    assert "auditor.tabular.budgets" in graph["auditor.tabular.source"]
    # ``from ..describe import ...`` inside a function of ci/declared.py
    assert "auditor.selfcheck.describe" in graph["auditor.selfcheck.ci.declared"]


def test_no_import_cycle():
    found = {frozenset(c) for c in cycles()}
    new = [sorted(c) for c in found - CYCLE_EXCEPTIONS]
    assert not new, f"modules importing each other (move what they share below both): {new}"
    gone = [sorted(c) for c in CYCLE_EXCEPTIONS - found]
    assert not gone, f"these cycles are gone: remove them from CYCLE_EXCEPTIONS: {gone}"


def test_every_module_has_a_layer_and_every_listed_name_exists():
    listed = layers()
    known = modules()
    names = [n for _, ns in listed for n in ns]
    assert len(names) == len(set(names)), "a name is listed twice in the package docstring"
    assert not [n for n in names if n not in known], "the package docstring lists modules that do not exist"
    assert not [m for m in known if layer_of(m, listed) is None], (
        "modules in no layer of the package docstring: "
        f"{sorted(m for m in known if layer_of(m, listed) is None)}")


def test_imports_run_down_the_layers():
    listed = layers()
    upward = []
    for module, targets in imports().items():
        mine = layer_of(module, listed)
        for target in targets:
            theirs = layer_of(target, listed)
            if mine is not None and theirs is not None and theirs > mine and (module, target) not in UPWARD_EXCEPTIONS:
                upward.append(f"{module} ({listed[mine][0]}) imports {target} ({listed[theirs][0]})")
    assert not upward, "imports up the layer order of auditor/__init__.py:\n" + "\n".join(sorted(upward))
    listed_exceptions = [e for e in UPWARD_EXCEPTIONS if layer_of(e[1], listed) <= layer_of(e[0], listed)]
    assert not listed_exceptions, f"no longer upward: remove from UPWARD_EXCEPTIONS: {listed_exceptions}"
