"""Self-check: one file, one dataset description or one folder, checked before publishing.

The one composition behind ``auditor check``, ``auditor ci`` and the web page (``auditor serve``):

* a **data file** (CSV, XLSX, JSON table) is read whole, its schema taken from ``--schema`` (a catalogue
  name ``scdl/subventions[@2.1.1]``, or a local Table Schema file), from the data package describing it, or
  guessed from its header (used when the guess is « certain » or « probable »; otherwise only reading is
  checked and the candidates are listed), then validated; a DECP JSON file is validated against the
  official JSON Schema;
* a **dataset description** (``datapackage.json``, or a ``*.dataset.yaml`` / ``metadata.yaml`` / ``.json``
  file holding title, description, licence, keywords...) goes through the dataset rules of the audit
  (licence, metadata, formats...), as the portal would show it;
* a **folder** is searched for data packages, dataset descriptions and data files (see
  :func:`discover`).

Findings are the audit's: the FILE-* rules turn each validation error into a finding with its row and
column; the dataset rules speak for descriptions. Nothing here writes outside the temporary files the
caller gives.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from ..auditing.filecheck import CheckOptions, CheckResult, FileChecker, default_cache_dir
from ..tabular.catalog import CatalogError
from ..tabular.report import TableError, TableReport

DATA_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xls", ".ods", ".json")
METADATA_NAMES = ("datapackage.json", "metadata.yaml", "metadata.yml", "metadata.json")
DESCRIPTION_SUFFIXES = (".dataset.yaml", ".dataset.yml", ".dataset.json")
SKIP_DIRS = {".git", ".hg", ".svn", ".tox", ".venv", "venv", "node_modules", "__pycache__", ".mypy_cache"}


class Checker(FileChecker):
    """Checks files, descriptions and folders with one schema catalogue and one rule set."""

    # -- a dataset description ------------------------------------------------------------------
    def check_description(self, path: str | Path, *, name: str | None = None) -> CheckResult:
        """Dataset rules on a data package or metadata file (see :mod:`auditor.selfcheck.describe`)."""
        from .describe import DescriptionError, dataset_findings, read_description

        path = Path(path)
        result = CheckResult(target=name or str(path), kind="dataset")
        try:
            dataset = read_description(path)
        except DescriptionError as exc:
            report = TableReport(stop_reason="unreadable", errors=[
                TableError(code="source-error", message={"fr": str(exc), "en": exc.en})])
            return self._finish(result, report)
        result.findings = dataset_findings(dataset, self.rules, target=result.target)
        return result

    # -- a ZIP archive ---------------------------------------------------------------------------
    def check_archive(self, path: str | Path, *, name: str | None = None, schema: str | dict | None = None,
                      work_dir: str | Path | None = None) -> list[CheckResult]:
        """Extract a ZIP archive safely (see :mod:`auditor.selfcheck.archive`, limits from the options) into a
        temporary folder under ``work_dir`` and check its content like a folder; targets are named
        ``archive.zip/member``. With ``schema``, every data file is validated against it. Raises
        :class:`~auditor.selfcheck.archive.ArchiveError` for a refused archive."""
        import tempfile

        from .archive import ArchiveLimits, extract_zip

        label = name or str(path)
        limits = ArchiveLimits(max_total=self.options.max_bytes)
        with tempfile.TemporaryDirectory(prefix="archive-", dir=work_dir) as tmp:
            root = Path(tmp).resolve()
            extract_zip(path, root, limits)
            if schema is None:
                results = self.check_tree(root)
            else:
                results = [self.check_file(item.path, name=item.path.relative_to(root).as_posix(),
                                           schema=schema) for item in discover(root) if item.kind == "data"]
        for r in results:
            r.target = f"{label}/{r.target}"
            for f in r.findings:
                for attr in ("distribution", "dataset"):
                    value = getattr(f, attr)
                    if value and not value.startswith(("http://", "https://", label + "/")):
                        setattr(f, attr, f"{label}/{value}")
        if not results:
            report = TableReport(stop_reason="unreadable", errors=[TableError(
                code="source-error", message={"fr": f"{Path(label).name} ne contient aucun fichier de données "
                                                    "(CSV, XLSX, JSON) ni description de jeu.",
                                              "en": f"{Path(label).name} holds no data file (CSV, XLSX, JSON) "
                                                    "nor dataset description."})])
            results = [self._finish(CheckResult(target=label, kind="table"), report)]
        return results

    # -- a folder (auditor ci) --------------------------------------------------------------------
    def check_tree(self, root: str | Path, *, schema_for=None) -> list[CheckResult]:
        """Every description and data file under ``root`` (see :func:`discover`), named relative to it.
        ``schema_for(item)``: the ``(schema, base, source)`` a data file is checked with, when the caller knows
        more declarations than data packages (``auditor ci``: metadata files, ``.auditor.toml``, ``--schema``);
        ``source`` names the declaration in the messages."""
        root = Path(root).resolve()  # discover() yields resolved paths: "." must name them relatively too
        out: list[CheckResult] = []
        for item in discover(root):
            rel = item.path.relative_to(root).as_posix() if item.path.is_relative_to(root) else str(item.path)
            if item.kind == "description":
                out.append(self.check_description(item.path, name=rel))
            else:
                schema, base, source = schema_for(item) if schema_for else (item.schema, item.base, "datapackage.json")
                out.append(self._check_declared(item.path, rel, schema, base, source))
        return out

    def check_package(self, path: str | Path, *, name: str | None = None) -> list[CheckResult]:
        """A data package or a metadata file (``metadata.yaml``...): its description through the dataset rules,
        then each local resource it lists against the schema the resource declares (a data package's resource
        declaring none: its schema guessed; a metadata file's resources that declare a schema), relative paths
        from the description's folder."""
        path = Path(path)
        label = name or str(path)
        out = [self.check_description(path, name=label)]
        folder = path.parent.resolve()
        prefix = Path(label).parent.as_posix()
        listed = _package_resources(path) if path.name == "datapackage.json" else _metadata_resources(path)
        for res_path, schema in listed:
            rel = res_path.relative_to(folder).as_posix()
            out.append(self._check_declared(res_path, rel if prefix == "." else f"{prefix}/{rel}", schema, folder,
                                            path.name))
        return out

    def _check_declared(self, path: Path, name: str, schema: str | dict | None, base: Path | None,
                        source: str = "la description du jeu") -> CheckResult:
        """A data file against the schema a description declares. A declared schema that is unknown or cannot
        be loaded raises :class:`SchemaUnavailable` naming the file and the declaration, so that the check
        fails loudly (exit 2) rather than pass a file nothing validated."""
        return self.check_file(path, name=name, schema=schema, base=base, source=source)


@dataclass
class Item:
    path: Path
    kind: str  # description | data
    schema: str | dict | None = None
    base: Path | None = None


def discover(root: Path) -> list[Item]:
    """Data packages (their resources with the schema they declare), dataset descriptions, and the other
    data files (schema guessed), in a stable order; version-control and virtualenv folders are skipped,
    symbolic links are not followed outside ``root``."""
    root = root.resolve()
    items: list[Item] = []
    described: set[Path] = set()
    files = sorted(_walk(root))
    for f in files:
        if f.name == "datapackage.json":
            items.append(Item(f, "description"))
            for path, schema in _package_resources(f):
                described.add(path)
                items.append(Item(path, "data", schema, f.parent))
        elif is_description(f):
            items.append(Item(f, "description"))
    for f in files:
        if f in described or is_description(f):
            continue
        if f.suffix.lower() in DATA_SUFFIXES and not _is_schema_file(f):
            items.append(Item(f, "data"))
    return items


def is_description(path: Path) -> bool:
    """A dataset description by its name: ``metadata.yaml``, ``*.dataset.yaml``, ``datapackage.json``..."""
    return path.name in METADATA_NAMES or path.name.endswith(DESCRIPTION_SUFFIXES)


def _walk(root: Path) -> Iterable[Path]:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.startswith("."))
        for n in filenames:
            p = Path(dirpath) / n
            if p.is_symlink() and not p.resolve().is_relative_to(root):
                continue
            yield p


def _package_resources(package: Path) -> list[tuple[Path, str | dict | None]]:
    try:
        doc = json.loads(package.read_text("utf-8"))
    except (OSError, ValueError):
        return []
    out = []
    for res in doc.get("resources") or [] if isinstance(doc, dict) else []:
        if not isinstance(res, dict) or not isinstance(res.get("path"), str):
            continue
        path = (package.parent / res["path"]).resolve()
        if not path.is_relative_to(package.parent.resolve()) or not path.is_file():
            continue
        schema = res.get("schema")
        out.append((path, schema if isinstance(schema, (str, dict)) else None))
    return out


def _metadata_resources(description: Path) -> list[tuple[Path, str | dict | None]]:
    """The local resources of a metadata file that declare a schema, inside its folder."""
    from .ci.declared import description_schemas

    folder = description.parent.resolve()
    return [(p, d.schema) for p, d in description_schemas(description, description.name).items()
            if p.is_relative_to(folder) and p.is_file()]


def _is_schema_file(f: Path) -> bool:
    if f.suffix.lower() != ".json" or f.stat().st_size > 2_000_000:
        return False
    try:
        doc = json.loads(f.read_text("utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(doc, dict):
        return False
    tool = doc.get("tool")
    ours = tool == "auditor" or (isinstance(tool, dict) and tool.get("name") == "auditor")  # a baseline, a report
    return ours or "fields" in doc or "$schema" in doc or "resources" in doc


# -- the web service ---------------------------------------------------------------------------------
_CHECKERS: dict[tuple, Checker] = {}


def _service_checker(options) -> Checker:
    """One checker (and so one schema catalogue, loaded once) per service configuration."""
    cache = Path(options.cache_dir or default_cache_dir())
    key = (options.schema_base, cache, options.max_upload)
    if key not in _CHECKERS:
        _CHECKERS[key] = Checker(CheckOptions(schema_base=options.schema_base, cache_dir=cache,
                                              max_bytes=options.max_upload, local_schemas=False))
    return _CHECKERS[key]


def check_for_service(path: Path, name: str, schema: str | None, lang: str, options) -> dict[str, Any]:
    """What the web page and the JSON API show for one uploaded or fetched file. A ZIP archive is
    expanded safely next to ``path`` (raising :class:`~auditor.selfcheck.archive.ArchiveError` when refused) and
    its items are summed up in one result whose ``results`` lists each of them."""
    from .archive import is_archive

    checker = _service_checker(options)
    if not is_archive(path, name=name):
        return checker.check_file(path, name=name, schema=schema).to_dict()
    items = [r.to_dict() for r in checker.check_archive(path, name=name, schema=schema, work_dir=path.parent)]
    schemas = {(r["schema"] or {}).get("name") for r in items}
    listed = ", ".join(r["target"] for r in items)
    note = (f"{len(items)} élément(s) vérifié(s) dans l'archive : {listed}" if lang == "fr"
            else f"{len(items)} item(s) checked in the archive: {listed}")
    from ..render.checkgroups import combine

    return {"target": name, "kind": "archive", "valid": all(r["valid"] for r in items),
            "schema": items[0]["schema"] if len(schemas) == 1 else None, "candidates": [], "notes": [note],
            "report": None, "findings": [f for r in items for f in r["findings"]], "results": items,
            **combine(items)}


def schema_choices(options) -> list[dict[str, Any]]:
    """The table schemas a visitor may pick, with their versions (empty when the catalogue is down)."""
    try:
        infos = _service_checker(options).catalog.schemas()
    except CatalogError:
        return []
    return [{"name": i.name, "title": i.title, "latest": i.latest,
             "versions": [v.name for v in i.versions if v.listed]}
            for i in infos if i.type in ("tableschema", "datapackage", "jsonschema")]
