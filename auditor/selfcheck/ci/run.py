"""One run of ``auditor ci``: a folder of a dataset repository (or one file of it) checked, every data file
against the schema it declares (:mod:`auditor.selfcheck.ci.declared`), a file that looks like a catalogue table without
fitting it failed (:mod:`auditor.selfcheck.ci.lookalike`), and the repository root found for the outputs that name files
(:mod:`auditor.selfcheck.ci.repository`)."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ...auditing.checks.fichier_conforme import FileTarget
from ...auditing.rules import evaluate_files
from ...auditing.filecheck import CheckResult, file_context
from ..selfcheck import Checker, Item, discover, is_description
from ...tabular.catalog import CatalogError
from .declared import (Declaration, Mapping, command_line, description_schemas, find_config,
                       read_config)
from .lookalike import closest, mismatch_error
from .repository import Locator, repository_root


@dataclass
class Run:
    folder: Path  # the checked folder (a single file's folder); targets are named relative to it
    root: Path  # the repository root
    results: list[CheckResult] = field(default_factory=list)
    unused: list[str] = field(default_factory=list)  # `.auditor.toml` / --schema patterns that matched no file

    def locator(self) -> Locator:
        return Locator(self.root, self.folder, [r.target for r in self.results])


def check_repository(checker: Checker, target: Path, *, schemas: list[str] | None = None,
                     root: Path | None = None) -> Run:
    """Check ``target`` (a folder, or one file) with ``checker``. ``schemas``: the ``--schema`` values;
    ``root``: the repository root when given. Raises :class:`DeclarationError` (a malformed declaration),
    and the catalogue's errors for a schema given for a single file that cannot be had."""
    target = Path(target).resolve()
    single = target.is_file()
    here = target.parent if single else target
    run = Run(folder=here, root=repository_root(here, root))
    if single and target.is_relative_to(run.root):  # a single file: declared anywhere in its repository
        run.folder = run.root
    folder = run.folder
    bare, cli = command_line(schemas, single=single, folder=folder, cwd=Path.cwd())
    config_path = find_config(here, run.root)
    config = read_config(config_path, _label(config_path, run.root)) if config_path else None
    items = discover(folder)
    described: dict[Path, Declaration] = {}
    for item in items:
        if item.kind == "description" and item.path.name != "datapackage.json":
            for path, declaration in description_schemas(item.path, _label(item.path, folder)).items():
                described.setdefault(path, declaration)
    sources: dict[Path, str] = {}

    def schema_for(item: Item) -> tuple[str | dict | None, Path | None, str]:
        found = (Declaration(bare, Path.cwd(), "--schema") if bare and single else None) or cli.match(item.path)
        if found is None and item.schema is not None:
            found = Declaration(item.schema, item.base or folder, _label(item.base / "datapackage.json", folder)
                                if item.base else "datapackage.json")
        found = found or described.get(item.path) or (config.match(item.path) if config else None)
        if found is None:
            return None, item.base, ""
        sources[item.path] = found.source
        return found.schema, found.base, found.source

    if single:
        run.results = [_check_one(checker, target, folder, items, schema_for)]
    else:
        run.results = checker.check_tree(folder, schema_for=schema_for)
    for r in run.results:
        source = sources.get((folder / r.target).resolve())
        if source and r.schema:
            r.notes.insert(0, f"Schéma déclaré dans {source}.")
        _fail_lookalike(checker, r)
    run.unused = [f"{m.source} : « {p} »" for m in (cli, config) if isinstance(m, Mapping) for p in m.unused()]
    return run


def _check_one(checker: Checker, path: Path, folder: Path, items: list[Item], schema_for) -> CheckResult:
    name = path.relative_to(folder).as_posix()
    if is_description(path):
        return checker.check_description(path, name=name)
    item = next((i for i in items if i.path == path), None) or Item(path, "data", base=folder)
    schema, base, source = schema_for(item)
    return checker.check_file(path, name=name, schema=schema, base=base,
                              source=None if source == "--schema" else source)


def _fail_lookalike(checker: Checker, result: CheckResult) -> None:
    """Add the FILE-03 finding to a data file checked without a schema whose header looks like a catalogue
    table (see :mod:`auditor.selfcheck.ci.lookalike`)."""
    report = result.report or {}
    if (result.kind != "table" or result.schema is not None or not checker.options.guess
            or report.get("stop_reason") in ("unreadable", "too_large") or not report.get("header")):
        return
    try:
        guesses = closest(report["header"], checker.catalog)
        latest = checker.catalog.get(guesses[0].name).latest if guesses else None
    except CatalogError:
        return
    if not guesses:
        return
    error = mismatch_error(guesses, latest).to_dict()
    report.setdefault("errors", []).append(error)
    report["valid"] = False
    found = evaluate_files(checker.rules, [FileTarget(location=result.target, report={"errors": [error]})],
                           file_context("each"))
    result.findings += [f for f in found if f.location.get("code") == error["code"]]


def _label(path: Path, base: Path) -> str:
    rel = os.path.relpath(path, base)
    return path.as_posix() if rel.startswith("..") else Path(rel).as_posix()
