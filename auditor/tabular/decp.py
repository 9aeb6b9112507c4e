"""DECP (données essentielles de la commande publique) JSON files validated against the official JSON Schemas.

The schemas are the catalogue's ``139bercy/format-commande-publique`` releases, fetched through
:class:`~auditor.tabular.catalog.SchemaCatalog` (cached for offline use). Two layouts exist:

* **1.x** (and the 2.0.0 release): ``{"marches": [contract, ...]}``, each contract a *marché* or a *contrat de
  concession* (the item schema is an ``anyOf``/``oneOf`` of the two);
* **2.0.1 onwards**: ``{"marches": {"marche": [...], "contrat-concession": [...]}}``.

Without a pinned version the version is read from the document: the layout of ``marches``, and for a list the
keys of its first contract (2.0 fields such as ``considerationsSociales`` or ``offresRecues`` mean 2.0.0);
the latest listed release of that family is used, and the choice is recorded in ``report.issues``. A document
holding a single contract (the 1.3.0 examples) is validated as one contract.

The file is streamed (``ijson``): each contract is built, validated and dropped, so memory does not grow with
the number of contracts. The rest of the document (its *skeleton*, with the contract lists emptied) is validated
at the end against the whole schema; the list keywords the emptied lists cannot show (``minItems``,
``maxItems``, ``uniqueItems``) are checked from counts and 64-bit hashes. A file over ``max_bytes`` is reported
(``too-large``), never read past the limit.

When a contract fits neither the *marché* nor the *concession* definition, the errors shown are those of the
definition it resembles most (most keys in common); the verdict stays the schema's own (``anyOf``: valid if any
definition fits; ``oneOf``: exactly one).

Every finding is a :class:`TableError` with code ``decp-error`` (a schema rule broken), ``json-error`` (not
JSON), ``encoding-error`` (not UTF-8), ``too-large``, ``schema-error`` (schema unavailable) or ``source-error``;
``field`` is the JSON path of the value (``marches[3].montant``, ``marches.marche[0].titulaires[1].id``),
``cell`` the value, and the French message names the path, the value and the rule. ``row`` and ``column`` are
None: a DECP file has no rows.

Where each piece lives: the validation run here (`validate_decp`); which release a file is read against in
`decp_version`; the schemas as the validator uses them in `decp_schema`; the streaming of the file in
`decp_stream`; the messages of findings in `decp_messages`.
"""
from __future__ import annotations

import ast
import hashlib
import json
import time
from array import array
from typing import Any

import ijson
from referencing.exceptions import Unresolvable

from . import budgets
from .catalog import CatalogError, ResolvedSchema, SchemaCatalog
from .decp_messages import json_path, to_table_errors
from .decp_schema import _LIST_KEYWORDS, _Checker, _SchemaProblem
from .decp_stream import LISTS, _Input, _opener, _Stream, _TooDeep, _TooLarge, _TooMany
from .decp_version import CONTRACT_KEYS, DECP_SCHEMA, checker_for, declared_release, detect_version
from .report import TableError, TableReport


def _issue(code: str, fr: str, en: str) -> dict[str, Any]:
    return {"code": code, "message": {"fr": fr, "en": en}}


class _Run:
    def __init__(self, report: TableReport, catalog: SchemaCatalog | None, schema: Any, version: str | None,
                 name: str, limit_errors: int | None):
        self.report, self.catalog, self.version, self.name = report, catalog, version, name
        self.limit = limit_errors
        self.checker: _Checker | None = None
        self.resolved: ResolvedSchema | None = schema if isinstance(schema, ResolvedSchema) else None
        self.raw_schema = schema if isinstance(schema, dict) else None
        self.nerrors = 0
        self.hashes: dict[str, array] = {}
        self.stopped = False

    # -- schema -----------------------------------------------------------------------------
    def _catalog(self) -> SchemaCatalog:
        if self.catalog is None:
            self.catalog = SchemaCatalog()
        return self.catalog

    def prepare(self, shape: str | None, first: Any, list_path: str | None = None, declared: Any = None) -> None:
        """Choose the schema (given, pinned, declared by ``$schema`` or detected) on the first contract."""
        if self.checker is not None:
            return
        if self.raw_schema is not None:
            self.checker = _Checker(self.raw_schema)
            self.report.schema = {"name": None, "version": None, "url": None, "type": "jsonschema"}
        else:
            detected = False
            try:
                if self.resolved is None and self.version is None:
                    release = declared_release(self._catalog(), declared, self.name)
                    if release is not None:
                        self.version = release
                        self.report.issues.append(_issue(
                            "decp-version", f"Version {release} déclarée par la propriété « $schema » du document.",
                            f"Version {release} declared by the document's '$schema'."))
                if self.resolved is None and self.version is not None:
                    self.resolved = self._catalog().resolve(self.name, self.version)
                elif self.resolved is None:
                    self.resolved, self.checker, why = detect_version(self._catalog(), shape, first, list_path,
                                                                      self.name)
                    detected = True
                    self.report.issues.append(_issue("decp-version", why[0].upper() + why[1:] + ".",
                                                     "DECP version detected from the document: "
                                                     f"{self.resolved.version}."))
            except CatalogError as exc:
                raise _SchemaProblem(f"schéma DECP indisponible : {exc.message}",
                                     f"DECP schema unavailable: {exc.message}") from None
            self.report.schema = dict(self.resolved.to_dict(), detected=detected)
            if self.checker is None:
                self.checker = checker_for(self.resolved, self.catalog)
        if self.checker.layout is not None:
            self.report.schema["layout"] = self.checker.layout

    # -- findings ---------------------------------------------------------------------------
    def add(self, errors: list[TableError], *, first: bool = False) -> bool:
        """Record findings (``first``: before those already recorded); False once the error limit is reached."""
        kept = []
        for e in errors:
            if self.limit is not None and self.nerrors >= self.limit:
                self.stopped = True
                break
            kept.append(e)
            self.nerrors += 1
        if first:
            self.report.errors[:0] = kept
        else:
            self.report.errors += kept
        return len(kept) == len(errors)

    def item(self, list_path: str, index: int, item: Any, stream: _Stream) -> bool:
        if self.checker is None:
            root = stream.document
            self.prepare(stream.shape, item, list_path, root.get("$schema") if isinstance(root, dict) else None)
        rule = self.checker.rule(list_path)
        self.report.rows += 1
        self.report.rows_checked += 1
        prefix = tuple(list_path.split(".")) + (index,)
        out = []
        for err in self.checker.item_errors(rule, item):
            out += to_table_errors(err, prefix)
        if rule.array_node is not None and rule.array_node.get("uniqueItems") is True:
            digest = hashlib.blake2b(json.dumps(item, sort_keys=True, ensure_ascii=False).encode(),
                                     digest_size=8).digest()
            self.hashes.setdefault(list_path, array("Q")).append(int.from_bytes(digest, "little"))
        return self.add(out) if out else True

    def finish(self, stream: _Stream) -> None:
        doc = stream.document
        single = isinstance(doc, dict) and "marches" not in doc and "id" in doc and CONTRACT_KEYS & set(doc)
        if single:
            self.report.issues.append(_issue(
                "decp-single", "Le document est un contrat isolé, sans liste « marches » : il est validé comme "
                "un contrat.", "The document is a single contract without a 'marches' list: it is validated "
                "as one contract."))
            contract = {k: v for k, v in doc.items() if k != "$schema"}
            self.prepare(None, contract, None, doc.get("$schema"))
            self.report.rows = self.report.rows_checked = 1
            errs = []
            for err in self.checker.item_errors(self.checker.rule(None), contract):
                errs += to_table_errors(err)
            self.add(errs)
            return
        self.prepare(stream.shape or "missing", None, None, doc.get("$schema") if isinstance(doc, dict) else None)
        errs: list[TableError] = []
        streamed = {tuple(p.split(".")) for p in stream.streamed}
        for err in self.checker.validator.iter_errors(doc):
            if tuple(err.absolute_path) in streamed and err.validator in _LIST_KEYWORDS:
                continue
            errs += to_table_errors(err)
        for path in stream.streamed:
            errs += self._list_checks(path, stream.counts.get(path, 0))
        if self.checker.layout is not None and not (isinstance(doc, dict) and "marches" in doc):
            # some releases require nothing at the root: an empty object would pass, yet it is no DECP file
            errs.insert(0, TableError("decp-error", {
                "fr": "$ : le document ne contient pas de liste « marches » : ce n'est pas un fichier DECP "
                      "(format 1.x : {\"marches\": [...]} ; format 2.0 : {\"marches\": {\"marche\": [...], "
                      "\"contrat-concession\": [...]}}).",
                "en": "$: the document has no 'marches' list: it is not a DECP file."}, field="$"))
        self.add(errs, first=True)  # the document's own errors come before its contracts'

    def _list_checks(self, path: str, count: int) -> list[TableError]:
        node = self.checker.rule(path).array_node
        if node is None:
            return []
        where = json_path(path.split("."))
        out = []
        lo, hi = node.get("minItems"), node.get("maxItems")
        if isinstance(lo, int) and count < lo:
            out.append(TableError("decp-error", {
                "fr": f"{where} : la liste doit comporter au moins {lo} élément(s) (au lieu de {count}).",
                "en": f"{where}: the list must have at least {lo} item(s) (not {count})."}, field=where))
        if isinstance(hi, int) and count > hi:
            out.append(TableError("decp-error", {
                "fr": f"{where} : la liste ne doit pas comporter plus de {hi} élément(s) (au lieu de {count}).",
                "en": f"{where}: the list must have at most {hi} item(s) (not {count})."}, field=where))
        hashes = self.hashes.get(path)
        if hashes is not None and len(hashes) > 1:
            import numpy as np

            h = np.frombuffer(hashes, dtype=np.uint64)
            order = np.argsort(h, kind="stable")
            sh = h[order]
            dup = np.nonzero(sh[1:] == sh[:-1])[0]
            first_of: dict[int, int] = {}
            for i in dup:
                a, b = int(order[i]), int(order[i + 1])
                first = first_of.setdefault(int(sh[i]), a)
                out.append(TableError("decp-error", {
                    "fr": f"{where}[{b}] : ce contrat est identique à {where}[{first}] : chaque élément de la "
                          "liste doit être unique.",
                    "en": f"{where}[{b}]: this contract is identical to {where}[{first}]: list items must be "
                          "unique."}, field=f"{where}[{b}]"))
        return out


def validate_decp(source: Any, catalog: SchemaCatalog | None = None, *, schema: ResolvedSchema | dict | None = None,
                  version: str | None = None, max_bytes: int | None = None, limit_errors: int | None = None,
                  name: str = DECP_SCHEMA) -> TableReport:
    """Validate a DECP JSON file (path, bytes or binary file object) against the official JSON Schema.

    ``schema``: an already resolved schema (or a raw JSON Schema dict) to use as is; ``version``: a release of
    ``name`` to pin (``"1.5.0"``); neither: the version is read from the document. ``catalog``: where schemas
    come from (default: schema.data.gouv.fr). ``max_bytes``: larger files are reported, not read past the limit.
    ``limit_errors``: stop after that many findings (``stop_reason`` ``error_limit``)."""
    t0 = time.perf_counter()
    report = TableReport(dialect={"format": "json", "encoding": "utf-8"})
    try:
        opener, size = _opener(source)
    except TypeError as exc:
        report.stop_reason = "unreadable"
        report.errors.append(TableError("source-error", {"fr": str(exc), "en": "unsupported DECP source"}))
        return report
    if max_bytes is not None and size is not None and size > max_bytes:
        report.stop_reason = "too_large"
        report.errors.append(TableError("too-large", {
            "fr": f"Le fichier pèse {size} octets, au-delà de la limite de {max_bytes} octets : il n'a pas été lu.",
            "en": f"The file is {size} bytes, over the {max_bytes}-byte limit: it was not read."}))
        return report
    run = _Run(report, catalog, schema, version, name, limit_errors)
    watch = frozenset(LISTS)
    if schema is not None:  # a given schema may not be a DECP one: stream only the lists it describes
        try:
            run.prepare(None, None)
        except _SchemaProblem as exc:
            return _fail(report, "schema-error", exc.fr, exc.en, t0)
        watch = frozenset(p for p in LISTS if run.checker.rule(p).validator is not None)
    reader = None
    try:
        with opener() as raw:
            reader = _Input(raw, max_bytes)
            stream = _Stream(reader, watch)
            for list_path, index, item in stream.items():
                if not run.item(list_path, index, item, stream):
                    break
            else:
                run.finish(stream)
            report.dialect["bom"] = reader.bom
    except _TooLarge:
        report.stop_reason = "too_large"
        report.errors.append(TableError("too-large", {
            "fr": f"Le fichier dépasse la limite de {max_bytes} octets : sa lecture a été arrêtée à la limite "
                  f"(après {report.rows} contrat(s)).",
            "en": f"The file exceeds the {max_bytes}-byte limit: reading stopped there (after {report.rows} "
                  "contract(s))."}))
    except ijson.JSONError as exc:
        _json_error(report, exc, empty=reader is not None and reader.count - 3 * reader.bom == 0)
    except _TooDeep:
        report.stop_reason = "unreadable"
        after = f" (après {report.rows} contrat(s) lu(s))" if report.rows else ""
        report.errors.append(TableError("json-error", {
            "fr": f"Le fichier est imbriqué sur plus de {budgets.MAX_DEPTH} niveaux (listes ou objets les uns dans les "
                  f"autres){after} : ce n'est pas un fichier DECP, sa lecture a été arrêtée.",
            "en": f"The file is nested over {budgets.MAX_DEPTH} levels deep (lists or objects inside one another): "
                  "it is not a DECP file and reading stopped."}))
    except _TooMany as exc:
        report.stop_reason = "unreadable"
        outside = exc.where == "$"
        what_fr = "hors des listes de contrats, le document" if outside else f"le contrat {exc.where}"
        what_en = "outside its contract lists, the document" if outside else f"contract {exc.where}"
        fix_fr = "les contrats doivent être dans la liste « marches »" if outside else "un contrat n'en compte que " \
            "quelques centaines"
        fix_en = "contracts belong in the 'marches' list" if outside else "a contract holds a few hundred at most"
        report.errors.append(TableError("json-error", {
            "fr": f"Lecture arrêtée : {what_fr} contient plus de {budgets.fmt(budgets.MAX_JSON_VALUES)} valeurs, la "
                  f"limite de lecture d'un fichier DECP ({fix_fr}).",
            "en": f"Reading stopped: {what_en} holds over {budgets.fmt_en(budgets.MAX_JSON_VALUES)} values, the "
                  f"reading limit of a DECP file ({fix_en})."}, field=exc.where))
    except UnicodeDecodeError:  # yajl decodes "\udcff" into bytes that are no UTF-8
        report.stop_reason = "unreadable"
        after = f" (après {report.rows} contrat(s) lu(s))" if report.rows else ""
        report.errors.append(TableError("encoding-error", {
            "fr": f"Le fichier contient un caractère invalide{after} : une moitié de paire UTF-16 isolée écrite "
                  "\\uXXXX (comme \\udcff), qu'aucun texte UTF-8 ne peut contenir. Corrigez ou retirez-la.",
            "en": "The file holds an invalid character: a lone UTF-16 surrogate written \\uXXXX (such as \\udcff), "
                  "which no UTF-8 text can hold. Fix or remove it."}))
    except _SchemaProblem as exc:
        return _fail(report, "schema-error", exc.fr, exc.en, t0)
    except (Unresolvable, RecursionError) as exc:
        return _fail(report, "schema-error", f"Le schéma fait référence à un document introuvable ou en boucle : "
                     f"{exc}.", f"The schema refers to a missing or recursive document: {exc}.", t0)
    except OSError as exc:
        return _fail(report, "source-error", f"Le fichier ne peut pas être lu : {exc}.",
                     f"The file cannot be read: {exc}.", t0)
    if run.stopped:
        report.stop_reason = "error_limit"
    if run.catalog is not None:
        for note in run.catalog.notes:
            report.issues.append(_issue("catalog-note", note[0].upper() + note[1:] + ".", note))
    report.seconds = time.perf_counter() - t0
    return report


def _fail(report: TableReport, code: str, fr: str, en: str, t0: float) -> TableReport:
    report.stop_reason = "unreadable"
    report.errors.append(TableError(code, {"fr": fr[0].upper() + fr[1:], "en": en[0].upper() + en[1:]}))
    report.seconds = time.perf_counter() - t0
    return report


def _json_error(report: TableReport, exc: Exception, empty: bool = False) -> None:
    text = str(exc)
    if text.startswith(("b'", 'b"')):
        try:
            text = ast.literal_eval(text).decode("utf-8", "replace")
        except (ValueError, SyntaxError):
            pass
    lines = [ln for ln in text.splitlines() if ln.strip()]
    excerpt = lines[1].strip()[:80] if len(lines) > 1 and "(right here)" not in lines[1] else ""
    near = f" Près de : « {excerpt} »." if excerpt else ""
    after = f" (après {report.rows} contrat(s) lu(s))" if report.rows else ""
    report.stop_reason = "unreadable"
    if empty:
        report.errors.append(TableError("json-error", {"fr": "Le fichier est vide.", "en": "The file is empty."}))
        return
    if "UTF8" in text or "UTF-8" in text:
        report.errors.append(TableError("encoding-error", {
            "fr": f"Le fichier n'est pas encodé en UTF-8, comme l'exige le format JSON{after} : enregistrez-le "
                  f"en UTF-8.{near}",
            "en": f"The file is not UTF-8 encoded, as JSON requires{after}."}))
        return
    if "premature EOF" in text:
        why = "le fichier s'arrête avant la fin du document (fichier tronqué ?)"
    elif "trailing garbage" in text:
        why = "du texte suit la fin du document JSON"
    elif "overflow" in text:
        why = "un nombre est trop grand"
    else:
        why = "caractère ou mot inattendu (virgule en trop, guillemet manquant, NaN...)"
    report.errors.append(TableError("json-error", {
        "fr": f"Le fichier n'est pas un JSON valide{after} : {why}.{near}",
        "en": f"The file is not valid JSON{after}: {lines[0].strip() if lines else text}."}))
