"""The file checker: one data file read, its schema taken (given, declared or guessed from its header),
validated, and turned into findings by the FILE-* rules.

Shared by the audit's file stage (:mod:`auditor.auditing.validation`, every file a portal serves) and the self-check
(:mod:`auditor.selfcheck.selfcheck`, which adds dataset descriptions, archives and folders on top of it): it lives
below both, in the auditing stage.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .checks.base import CheckContext
from .checks.fichier_conforme import FileTarget
from ..model import Finding
from .rules import Rule, evaluate_files, load_rules
from ..tabular.catalog import SITE, CatalogError, CatalogUnavailable, ResolvedSchema, SchemaCatalog, SchemaNotFound
from ..tabular.field_index import unindexed_note
from ..tabular.report import TableError, TableReport

DEFAULT_MAX_BYTES = 500 * 1024 * 1024
USABLE_GUESS = ("certain", "probable")


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
        from ..render.checkgroups import summarise

        return summarise({"target": self.target, "kind": self.kind, "valid": self.valid, "schema": self.schema,
                          "candidates": self.candidates, "notes": list(self.notes), "report": self.report,
                          "findings": [_finding_dict(f) for f in self.findings]}, self.table)


class FileChecker:
    """Checks data files with one schema catalogue and one rule set."""

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
            from ..crawling.http import HttpClient, HttpConfig

            from ..tabular.snapshot_file import default_snapshot

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
        from ..tabular import decp
        from ..tabular.decp_version import looks_like_decp

        if schema is None and looks_like_decp(path):
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
        from ..tabular.reader import open_table
        from ..tabular.source import ReadError
        from ..tabular.validate import read_failure

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
            from ..tabular.validate import validate

            report = validate(source, document, schema_info=resolved.to_dict())
        from ..tabular.preview import table_preview

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
        from ..tabular.guess import guess_schema

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
            if note := unindexed_note(self.catalog):
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
    from ..tabular.source import EncodingRestart, ReadError

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
