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
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

from .checks.base import CheckContext
from .checks.fichier_conforme import FileTarget
from .model import Finding
from .rules import Rule, evaluate_files, load_rules
from .tabular.catalog import SITE, CatalogError, CatalogUnavailable, ResolvedSchema, SchemaCatalog, SchemaNotFound
from .tabular.report import TableError, TableReport

DEFAULT_MAX_BYTES = 500 * 1024 * 1024
USABLE_GUESS = ("certain", "probable")
DATA_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xls", ".ods", ".json")
METADATA_NAMES = ("datapackage.json", "metadata.yaml", "metadata.yml", "metadata.json")
DESCRIPTION_SUFFIXES = (".dataset.yaml", ".dataset.yml", ".dataset.json")
SKIP_DIRS = {".git", ".hg", ".svn", ".tox", ".venv", "venv", "node_modules", "__pycache__", ".mypy_cache"}


def default_cache_dir() -> Path:
    """Where schema documents are cached: ``$AUDITOR_CACHE``, else ``$XDG_CACHE_HOME/auditor``."""
    if os.environ.get("AUDITOR_CACHE"):
        return Path(os.environ["AUDITOR_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "auditor"


@dataclass
class CheckOptions:
    schema_base: str = SITE  # schema.data.gouv.fr, a mirror, or a local folder
    cache_dir: Path | None = None  # None: default_cache_dir()
    max_bytes: int = DEFAULT_MAX_BYTES  # a larger file is reported, not read
    guess: bool = True  # propose a schema from the header when none is given
    rules: list[Rule] | None = None  # None: the shipped catalogue
    local_schemas: bool = True  # a schema may name a local file (never for the web service's visitors)
    snapshot: bool = True  # offline, fall back on the catalogue snapshot shipped with auditor


HOW_TO_FIX = ("Vérifiez la connexion au réseau, ou indiquez où trouver les schémas avec --schemas : l'adresse d'un "
              "miroir de schema.data.gouv.fr ou un dossier de schémas.")


class SchemaUnavailable(CatalogError):
    """A file needs a schema (declared, given or guessed) that cannot be had: it cannot be validated, and the
    check stops rather than call it readable (``auditor check`` exits 2). ``message``: one French sentence
    naming the file, what was missing and how to fix it."""


@dataclass
class CheckResult:
    """What one checked item gave: its schema (declared, pinned or guessed), the validation report and
    the findings."""

    target: str
    kind: str  # table | decp | dataset | error
    findings: list[Finding] = field(default_factory=list)
    schema: dict[str, Any] | None = None
    candidates: list[dict[str, Any]] = field(default_factory=list)
    report: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)
    table: dict[str, Any] | None = None  # the file's first rows and its schema's fields (auditor.tabular.preview)

    @property
    def valid(self) -> bool:
        return not any(f.severity == "error" and not f.waived for f in self.findings)

    def to_dict(self) -> dict[str, Any]:
        """The result, with what a clerk reads first added (:func:`auditor.render.checkgroups.summarise`)."""
        from .render.checkgroups import summarise

        return summarise({"target": self.target, "kind": self.kind, "valid": self.valid, "schema": self.schema,
                          "candidates": self.candidates, "notes": list(self.notes), "report": self.report,
                          "findings": [_finding_dict(f) for f in self.findings]}, self.table)


class Checker:
    """Checks files, descriptions and folders with one schema catalogue and one rule set."""

    def __init__(self, options: CheckOptions | None = None, catalog: SchemaCatalog | None = None):
        self.options = options or CheckOptions()
        self._catalog = catalog
        rules = self.options.rules if self.options.rules is not None else load_rules()
        self.rules = rules
        self._notes_shown = 0

    @property
    def catalog(self) -> SchemaCatalog:
        if self._catalog is None:
            cache = self.options.cache_dir or default_cache_dir()
            from .http import HttpClient, HttpConfig

            from .tabular.snapshot import default_snapshot

            self._catalog = SchemaCatalog(self.options.schema_base,
                                          HttpClient(HttpConfig(cache_dir=str(cache / "http"), retries=2)),
                                          snapshot=default_snapshot() if self.options.snapshot else None)
        return self._catalog

    # -- one data file ------------------------------------------------------------------------
    def check_file(self, path: str | Path, *, name: str | None = None, schema: str | dict | None = None,
                   base: Path | None = None, source: str | None = None) -> CheckResult:
        """Validate one data file. ``schema``: a reference as people write it (see :meth:`_schema`; a local
        path relative to ``base``), an inline Table Schema, or None (declared nowhere: guessed). ``source``:
        where the schema was declared, for the messages (« datapackage.json »). A schema that cannot be had,
        given or guessed, raises :class:`SchemaUnavailable`; an unknown one :class:`SchemaNotFound`."""
        path = Path(path)
        target = name or str(path)
        result = CheckResult(target=target, kind="table")
        from .tabular import decp

        if schema is None and decp.looks_like_decp(path):
            result.kind = "decp"
            report = decp.validate_decp(path, self.catalog, max_bytes=self.options.max_bytes)
            if report.schema.get("name"):
                result.schema = dict(report.schema, guessed=bool(report.schema.get("detected")))
                if report.schema.get("detected"):
                    result.schema["confidence"] = {"fr": "version déduite du document",
                                                   "en": "version detected from the document"}
            result.notes += [i["message"]["fr"] for i in report.issues if i.get("code") == "decp-version"]
            return self._finish(result, report)
        resolved = None
        if schema is not None:
            resolved = self._declared(schema, base, target, source)
            if resolved.type == "jsonschema":
                result.kind = "decp"
                result.schema = resolved.to_dict()
                report = decp.validate_decp(path, self.catalog, max_bytes=self.options.max_bytes,
                                            schema=resolved)
                return self._finish(result, report)
        from .tabular.reader import ReadError, open_table
        from .tabular.validate import read_failure

        try:
            source = open_table(path, max_bytes=self.options.max_bytes)
        except ReadError as exc:
            return self._finish(result, read_failure(exc))
        if resolved is None and self.options.guess:
            resolved = self._guess(source.header, result)
        elif resolved is not None:
            result.schema = dict(resolved.to_dict(), guessed=False)
        document = _table_schema(resolved, source.header, self.catalog) if resolved else None
        if document is None:
            report = read_only(source)
        else:
            from .tabular.validate import validate

            report = validate(source, document, schema_info=resolved.to_dict())
        from .tabular.preview import table_preview

        result.table = table_preview(source, document)
        return self._finish(result, report)

    def _declared(self, schema: str | dict, base: Path | None, target: str, source: str | None) -> ResolvedSchema:
        """The schema given for ``target``; :class:`SchemaUnavailable` (a French sentence naming the file, the
        schema and the fix) when it cannot be loaded, :class:`SchemaNotFound` as it is when it was given on
        the command line (``source`` None), else made a :class:`SchemaUnavailable` naming the declaration."""
        label = schema if isinstance(schema, str) else "(schéma en ligne)"
        where = f" déclaré par {source}" if source else ""
        try:
            return self._schema(schema, base)
        except SchemaNotFound as exc:
            if source is None:
                raise
            raise SchemaUnavailable(
                f"{target} : le schéma « {label} »{where} est inconnu. {exc.message} Corrigez la déclaration : le "
                "nom et la version d'un schéma publié (ex. scdl/subventions@2.1.1), son adresse sur "
                "schema.data.gouv.fr, ou le chemin d'un fichier de schéma.") from None
        except CatalogUnavailable as exc:
            raise SchemaUnavailable(f"{target} : le schéma « {label} »{where} n'a pas pu être chargé ({exc.message}) :"
                                    f" le fichier n'est pas validé. {HOW_TO_FIX}") from None
        except CatalogError as exc:
            raise SchemaUnavailable(f"{target} : le schéma « {label} »{where} est inutilisable ({exc.message}) : le "
                                    "fichier n'est pas validé.") from None

    def _schema(self, schema: str | dict, base: Path | None) -> ResolvedSchema:
        """An inline Table Schema, or a reference as people write it (a name, a schema.data.gouv.fr or
        repository address, a local file relative to ``base``): see
        :meth:`~auditor.tabular.catalog.SchemaCatalog.resolve_reference`."""
        if isinstance(schema, dict):
            return ResolvedSchema(name=schema.get("name") or "schéma local", version=str(schema.get("version") or ""),
                                  type="tableschema", url="", document=schema)
        return self.catalog.resolve_reference(schema, base, local=self.options.local_schemas)

    def _guess(self, header: list[str], result: CheckResult) -> ResolvedSchema | None:
        """The schema the header matches well enough, or None; the catalogue unavailable is
        :class:`SchemaUnavailable` (without it no one can say which schema the file must follow)."""
        from .tabular.guess import guess_schema

        try:
            guesses = guess_schema(header, self.catalog)
        except CatalogError as exc:
            raise SchemaUnavailable(
                f"{result.target} : le catalogue des schémas n'a pas pu être lu ({exc.message}), on ne peut donc "
                f"pas savoir à quel schéma ce fichier doit se conformer et il n'est pas validé. {HOW_TO_FIX}") from None
        result.candidates = [g.to_dict() for g in guesses]
        best = guesses[0] if guesses else None
        if best is None or best.confidence not in USABLE_GUESS:
            result.notes.append("Aucun schéma ne correspond à ces colonnes avec assez de certitude : seule la "
                                "lecture du fichier a été vérifiée. Précisez le schéma avec --schema.")
            if note := self.catalog.unindexed_note():
                result.notes.append(note[:1].upper() + note[1:] + ".")
            return None
        try:
            resolved = self.catalog.resolve(best.name, best.version)
        except CatalogUnavailable as exc:
            raise SchemaUnavailable(
                f"{result.target} ressemble à un fichier {best.name}@{best.version}, mais ce schéma n'a pas pu être "
                f"chargé ({exc.message}) : le fichier n'est pas validé. {HOW_TO_FIX}") from None
        result.schema = dict(resolved.to_dict(), guessed=True, confidence={"fr": best.confidence,
                             "en": best.confidence_en}, score=round(best.score, 4))
        return resolved

    def _finish(self, result: CheckResult, report: TableReport) -> CheckResult:
        if self._catalog is not None:  # the catalogue's remarks (snapshot or cached copy used) shown once
            fresh = self._catalog.notes[self._notes_shown:]
            self._notes_shown = len(self._catalog.notes)
            result.notes += [n[:1].upper() + n[1:] + "." for n in fresh]
        result.report = report.to_dict()
        target = FileTarget(location=result.target, report=result.report)
        result.findings = evaluate_files(self.rules, [target], file_context("each"))
        return result

    # -- a dataset description ------------------------------------------------------------------
    def check_description(self, path: str | Path, *, name: str | None = None) -> CheckResult:
        """Dataset rules on a data package or metadata file (see :mod:`auditor.describe`)."""
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
        """Extract a ZIP archive safely (see :mod:`auditor.archive`, limits from the options) into a
        temporary folder under ``work_dir`` and check its content like a folder; targets are named
        ``archive.zip/member``. With ``schema``, every data file is validated against it. Raises
        :class:`~auditor.archive.ArchiveError` for a refused archive."""
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


def _table_schema(resolved: ResolvedSchema, header: list[str], catalog: SchemaCatalog) -> dict | None:
    """The Table Schema to validate against: the document itself, or for a data package (IRVE) the table
    whose fields best match the header."""
    doc = resolved.document
    if resolved.type != "datapackage":
        return doc if isinstance(doc, dict) else None
    labels = {h.strip() for h in header}
    best, best_score = None, -1
    for res in resolved.resources:
        fields = {f.get("name") for f in (res.document or {}).get("fields", []) if isinstance(f, dict)}
        score = len(fields & labels)
        if res.document and score > best_score:
            best, best_score = res.document, score
    return best


def read_only(source) -> TableReport:
    """A report for a file with no schema: the whole file is read (row count, reading problems), started
    again in the fallback encoding when a UTF-8 file turns out not to be, as the validator does."""
    from .tabular.reader import EncodingRestart, ReadError

    for _attempt in range(3):
        report = TableReport(header=list(source.header))
        try:
            for batch in source.batches():
                report.rows += batch.record.num_rows
        except EncodingRestart:
            continue
        except ReadError as exc:
            report.stop_reason = "unreadable"
            report.errors.append(TableError(code="source-error", message=dict(exc.message)))
        except Exception as exc:  # noqa: BLE001 - any reading failure is a finding, never a crash
            report.stop_reason = "unreadable"
            report.errors.append(TableError(code="source-error", message={
                "fr": f"Lecture interrompue à la ligne {report.rows + 2} : {exc}",
                "en": f"Reading stopped at row {report.rows + 2}: {exc}"}))
        break
    report.dialect = source.dialect.to_dict()
    report.rows_checked = report.rows
    report.issues = list(source.issues)
    return report


def file_context(detail: str) -> CheckContext:
    """The context of file rules outside an audit: no territory, ``detail`` each | grouped."""
    return CheckContext(as_of=datetime.now(timezone.utc), registry=None, catalogue=None,  # type: ignore[arg-type]
                        applicability={}, communes={}, extra={"file_detail": detail})


def _finding_dict(f: Finding) -> dict[str, Any]:
    return {"rule": f.rule, "severity": f.severity, "title": f.title, "detail": f.detail, "fix": f.fix,
            "basis": f.basis, "location": f.location, "target": f.distribution or f.dataset,
            "fingerprint": f.fingerprint}


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
    expanded safely next to ``path`` (raising :class:`~auditor.archive.ArchiveError` when refused) and
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
    from .render.checkgroups import combine

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
