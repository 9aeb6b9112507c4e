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
"""
from __future__ import annotations

import ast
import hashlib
import io
import json
import os
import re
import time
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator
from urllib.parse import unquote, urlsplit

import ijson
from jsonschema import validators
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT7

from . import budgets
from .catalog import CatalogError, ResolvedSchema, SchemaCatalog, version_key
from .report import TableError, TableReport

DECP_SCHEMA = "139bercy/format-commande-publique"
CHUNK = 1 << 16
# the contract lists that are streamed, as ijson prefixes, with the layout they belong to
LISTS = {"marches": "array", "marches.marche": "object", "marches.contrat-concession": "object"}
# keys only 2.0 contracts have (any 2.0.x release): one of them in the first contract of a list means 2.0.0
ERA2_KEYS = frozenset({
    "actesSousTraitance", "attributionAvance", "ccag", "considerationsEnvironnementales", "considerationsSociales",
    "idAccordCadre", "marcheInnovant", "modificationsActesSousTraitance", "offresRecues", "origineFrance",
    "origineUE", "sousTraitanceDeclaree", "tauxAvance", "typeGroupementOperateurs", "technique", "techniques",
    "modaliteExecution", "modalitesExecution", "typePrix", "typesPrix"})
CONTRACT_KEYS = frozenset({"acheteur", "autoriteConcedante", "titulaires", "concessionnaires"})
_LIST_KEYWORDS = ("minItems", "maxItems", "uniqueItems", "contains", "minContains", "maxContains")


class _TooLarge(Exception):
    pass


class _SchemaProblem(Exception):
    def __init__(self, fr: str, en: str):
        super().__init__(fr)
        self.fr, self.en = fr, en


# -- reading ------------------------------------------------------------------------------------

class _Input:
    """A binary reader for ijson: never reads unbounded, stops past ``limit`` bytes, drops a UTF-8 BOM."""

    def __init__(self, raw: Any, limit: int | None):
        self.raw, self.limit = raw, limit
        self.count = 0
        self.bom = False
        self._first = True

    def read(self, n: int = -1) -> bytes:
        if n == 0:  # ijson probes the stream type with read(0)
            return b""
        data = self.raw.read(n if n > 0 else CHUNK)
        if self._first:
            self._first = False
            if data.startswith(b"\xef\xbb\xbf"):
                data, self.bom = data[3:], True
                self.count += 3
        self.count += len(data)
        if self.limit is not None and self.count > self.limit:
            raise _TooLarge()
        return data


def _opener(source: Any) -> tuple[Callable[[], Any], int | None]:
    """How to open ``source`` (a context manager giving a binary reader) and its size when known."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        return (lambda: io.BytesIO(data)), len(data)
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        try:
            size = path.stat().st_size
        except OSError:
            size = None
        return (lambda: open(path, "rb")), size
    if hasattr(source, "read"):  # a binary file object, read from where it stands (not closed here)
        return (lambda: _Unclosed(source)), None
    raise TypeError(f"source DECP non prise en charge : {type(source).__name__}")


class _Unclosed:
    def __init__(self, f: Any):
        self.f = f

    def __enter__(self) -> Any:
        return self.f

    def __exit__(self, *exc: Any) -> None:
        pass


_STARTS = ("start_map", "start_array")
_ENDS = ("end_map", "end_array")


class _TooDeep(Exception):
    pass


class _TooMany(Exception):
    """One contract, or the document outside its contract lists, holds over `budgets.MAX_JSON_VALUES` values."""

    def __init__(self, where: str):
        super().__init__(where)
        self.where = where


class _Stream:
    """ijson events → the contracts of the watched lists one by one, and the rest of the document (skeleton).

    The events come from ijson's prefix-less parser: the position of an event is kept as a list of keys (and
    ``item`` for array members) and compared as a tuple, and only where it matters (the top three levels): ijson's
    own prefixes are strings rebuilt at every level, whose memory grows with the square of the depth (40 KB of
    ``[`` took 1 GB). Nesting deeper than `budgets.MAX_DEPTH` levels stops the reading (`_TooDeep`)."""

    def __init__(self, reader: _Input, watch: frozenset[str]):
        self.events = ijson.basic_parse(reader, use_float=True)
        self.watch = frozenset(tuple(p.split(".")) for p in watch)
        self.skeleton = ijson.ObjectBuilder()
        self.root_type: str | None = None
        self.shape: str | None = None  # what "marches" holds: array | object | string | number | ... | None
        self.counts: dict[str, int] = {}
        self.streamed: list[str] = []  # watched lists met, in document order

    def items(self) -> Iterator[tuple[str, int, Any]]:
        current: tuple | None = None  # the watched list being streamed
        current_name = ""
        builder: ijson.ObjectBuilder | None = None
        depth = 0  # inside the item being built
        path: list[Any] = []
        limit = budgets.MAX_DEPTH
        built = outside = 0  # values of the item being built, of the skeleton
        marches = ("marches",)
        for event, value in self.events:
            # the position of the event, as ijson's prefix (the containing value's path)
            if event == "map_key":
                where = tuple(path[:-1]) if len(path) <= 4 else None
                path[-1] = value
            elif event in _STARTS:
                where = tuple(path) if len(path) <= 3 else None
                path.append(None if event == "start_map" else "item")
                if len(path) > limit:
                    raise _TooDeep()
            elif event in _ENDS:
                path.pop()
                where = tuple(path) if len(path) <= 3 else None
            else:
                where = tuple(path) if len(path) <= 3 else None
            if builder is not None:
                builder.event(event, value)
                built += 1
                if built > budgets.MAX_JSON_VALUES:
                    raise _TooMany(f"{json_path(current_name.split('.'))}[{self.counts[current_name]}]")
                if event in _STARTS:
                    depth += 1
                elif event in _ENDS:
                    depth -= 1
                    if depth == 0:
                        index = self.counts[current_name]
                        self.counts[current_name] = index + 1
                        item, builder = builder.value, None
                        yield current_name, index, item
                continue
            if self.root_type is None:
                self.root_type = {"start_map": "object", "start_array": "array"}.get(event, event)
            if current is not None and where is not None and len(where) == len(current) + 1 \
                    and where[-1] == "item" and where[:-1] == current:
                if event in _STARTS:
                    builder, depth, built = ijson.ObjectBuilder(), 1, 1
                    builder.event(event, value)
                    continue
                if event != "end_array":  # a scalar where a contract is expected
                    index = self.counts[current_name]
                    self.counts[current_name] = index + 1
                    yield current_name, index, value
                    continue
            if where == marches and event != "map_key" and self.root_type == "object" and self.shape is None:
                self.shape = {"start_map": "object", "start_array": "array"}.get(event, event)
            if event == "start_array" and where in self.watch and current is None \
                    and LISTS[".".join(where)] == self.shape and ".".join(where) not in self.counts:
                current, current_name = where, ".".join(where)
                self.counts[current_name] = 0
                self.streamed.append(current_name)
            elif event == "end_array" and current is not None and where == current:
                current = None
            self.skeleton.event(event, value)
            outside += 1
            if outside > budgets.MAX_JSON_VALUES:
                raise _TooMany("$")

    @property
    def document(self) -> Any:
        return getattr(self.skeleton, "value", None)


# -- schema -------------------------------------------------------------------------------------

def _resource(doc: Any) -> Resource:
    return Resource.from_contents(doc, default_specification=DRAFT7)


def _doc_id(doc: Any) -> str | None:
    if isinstance(doc, dict):
        ident = doc.get("$id") or doc.get("id")
        if isinstance(ident, str) and "://" in ident:
            return ident.split("#", 1)[0]
    return None


def _external_refs(node: Any, out: set[str]) -> set[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and "://" in ref:
            out.add(ref.split("#", 1)[0])
        for v in node.values():
            _external_refs(v, out)
    elif isinstance(node, list):
        for v in node:
            _external_refs(v, out)
    return out


def _props(node: Any) -> dict[str, Any]:
    p = node.get("properties") if isinstance(node, dict) else None
    return p if isinstance(p, dict) else {}


def layout_of(doc: Any) -> str | None:
    """``array`` (1.x, 2.0.0), ``object`` (2.0.1+) or None: where a schema expects its contracts."""
    m = _props(doc).get("marches")
    if not isinstance(m, dict):
        return None
    if m.get("type") == "object" or "marche" in _props(m) or "contrat-concession" in _props(m):
        return "object"
    if m.get("type") == "array" or "items" in m:
        return "array"
    return None


# drafts where a "$ref" replaces its whole object (siblings ignored): references can be inlined
_INLINABLE = (validators.Draft3Validator, validators.Draft4Validator, validators.Draft6Validator,
              validators.Draft7Validator)
_ANNOTATIONS = frozenset({"title", "description", "definitions", "$comment", "examples", "default"})


def _inline(node: Any, resolver: Any, memo: dict[int, Any], stack: set[int]) -> Any:
    """The schema with every ``$ref`` replaced by its target (shared, not copied) and annotations dropped:
    the same verdicts, about twice as fast (jsonschema no longer resolves references on each contract).
    Raises RecursionError on a recursive schema."""
    if not isinstance(node, dict):
        return node
    if isinstance(node.get("$ref"), str):
        target = resolver.lookup(node["$ref"])
        key = id(target.contents)
        if key in stack:
            raise RecursionError("recursive schema")
        if key not in memo:
            stack.add(key)
            memo[key] = _inline(target.contents, target.resolver, memo, stack)
            stack.discard(key)
        return memo[key]
    out = {}
    for k, v in node.items():
        if k in _ANNOTATIONS:
            continue
        if k in ("properties", "patternProperties") and isinstance(v, dict):
            out[k] = {p: _inline(x, resolver, memo, stack) for p, x in v.items()}
        elif k in ("anyOf", "oneOf", "allOf") or k == "items" and isinstance(v, list):
            out[k] = [_inline(x, resolver, memo, stack) for x in v] if isinstance(v, list) else v
        elif k in ("items", "additionalProperties", "additionalItems", "not", "contains", "propertyNames",
                   "if", "then", "else"):
            out[k] = _inline(v, resolver, memo, stack)
        else:
            out[k] = v
    return out


@dataclass
class _ItemRule:
    """How one watched list's contracts are checked."""

    validator: Any  # validates the item schema node as a whole (None: no schema for this list)
    comb: str | None = None  # anyOf | oneOf when the node chooses between definitions
    branches: list[tuple[Any, frozenset[str]]] = field(default_factory=list)  # (validator, property names)
    rest: Any = None  # the node's other keywords, when it has a combinator
    array_node: dict[str, Any] | None = None  # the list's own schema (minItems, uniqueItems...)


class _Checker:
    """A DECP schema made ready: validator, registry of the documents it refers to, per-list item rules."""

    def __init__(self, document: Any, *, siblings: Callable[[str], Any] | None = None):
        if not isinstance(document, dict):
            raise _SchemaProblem("le document du schéma n'est pas un objet JSON Schema.",
                                 "the schema document is not a JSON Schema object.")
        root = document
        if layout_of(root) is None and siblings is not None:  # 1.3.0: the catalogue names a contract schema
            package = siblings("paquet.json")
            if layout_of(package) is not None:
                root = package
        self.root = root
        registry = Registry()
        known = {}
        for doc in (document, root):
            if _doc_id(doc):
                known[_doc_id(doc)] = doc
        for uri in sorted(_external_refs(root, set())):
            if uri in known or siblings is None:
                continue
            doc = siblings(unquote(urlsplit(uri).path.rsplit("/", 1)[-1]))
            if isinstance(doc, dict):
                known[uri] = doc
                if _doc_id(doc):
                    known.setdefault(_doc_id(doc), doc)
        for uri, doc in known.items():
            registry = registry.with_resource(uri, _resource(doc))
        self.registry = registry
        cls = validators.validator_for(root, default=validators.Draft7Validator)
        try:
            cls.check_schema(root)
        except Exception as exc:  # noqa: BLE001 (any schema defect is reported, never raised)
            raise _SchemaProblem(f"le schéma est invalide : {getattr(exc, 'message', exc)}",
                                 f"the schema is invalid: {getattr(exc, 'message', exc)}") from None
        self.resolver = registry.resolver(base_uri=_doc_id(root) or "")
        if cls in _INLINABLE:
            try:
                flat = _inline(root, self.resolver, {}, set())
                if not _external_refs(flat, set()) and '"$ref"' not in json.dumps(flat):
                    root = self.root = flat
            except (Unresolvable, RecursionError, TypeError, ValueError):
                pass  # recursive or odd schema: validated as written
        self.validator = cls(root, registry=registry, format_checker=cls.FORMAT_CHECKER)
        self.layout = layout_of(root)
        self._rules: dict[str, _ItemRule] = {}

    # -- schema walking ---------------------------------------------------------------------
    def _deref(self, node: Any) -> Any:
        for _ in range(10):
            if not (isinstance(node, dict) and isinstance(node.get("$ref"), str)):
                return node
            try:
                node = self.resolver.lookup(node["$ref"]).contents
            except Unresolvable:
                return node
        return node

    def _array_node(self, list_path: str) -> dict[str, Any] | None:
        node = self.root
        for key in list_path.split("."):
            node = self._deref(_props(self._deref(node)).get(key))
            if not isinstance(node, dict):
                return None
        return node if node.get("type") == "array" or "items" in node else None

    def _branches_of(self, node: Any) -> list[Any]:
        """The contract definitions a node allows, as written (``$ref`` kept: they resolve where they are)."""
        target = self._deref(node)
        if not isinstance(target, dict):
            return []
        for comb in ("anyOf", "oneOf"):
            if target is node and isinstance(node.get(comb), list):
                return [b for sub in node[comb] for b in self._branches_of(sub)]
        return [node]

    def rule(self, list_path: str | None) -> _ItemRule:
        """The item rule of a watched list (None: a document that is a single contract)."""
        key = list_path or ""
        if key in self._rules:
            return self._rules[key]
        array_node = self._array_node(list_path) if list_path else None
        node = array_node.get("items") if array_node is not None else None
        if not isinstance(node, dict):  # the document does not follow the schema's layout: any contract fits
            branches = []
            for path in LISTS:
                an = self._array_node(path)
                if an is not None and isinstance(an.get("items"), dict):
                    branches += [b for b in self._branches_of(an["items"]) if b not in branches]
            node = {"anyOf": branches} if branches else None
            array_node = None
        if node is None:
            rule = _ItemRule(validator=None)
        else:
            rule = _ItemRule(validator=self.validator.evolve(schema=node), array_node=array_node)
            comb = "anyOf" if isinstance(node.get("anyOf"), list) else "oneOf" \
                if isinstance(node.get("oneOf"), list) else None
            if comb is not None:
                rule.comb = comb
                rule.rest = self.validator.evolve(schema={k: v for k, v in node.items() if k != comb})
                for b in node[comb]:
                    rule.branches.append((self.validator.evolve(schema=b),
                                          frozenset(_props(self._deref(b)))))
        self._rules[key] = rule
        return rule

    def item_errors(self, rule: _ItemRule, item: Any) -> list[ValidationError]:
        """Errors of one contract, those of the definition it resembles most when it fits none."""
        if rule.validator is None:
            return []
        if rule.comb is None or not rule.branches:
            return list(rule.validator.iter_errors(item))
        out = list(rule.rest.iter_errors(item))
        keys = set(item) if isinstance(item, dict) else set()
        order = sorted(range(len(rule.branches)), key=lambda i: -len(keys & rule.branches[i][1]))
        best = list(rule.branches[order[0]][0].iter_errors(item))
        valid = (1 if not best else 0) + sum(1 for i in order[1:] if rule.branches[i][0].is_valid(item))
        if rule.comb == "anyOf" and valid >= 1 or rule.comb == "oneOf" and valid == 1:
            return out
        if not best:  # oneOf with several definitions fitting
            return out + [ValidationError("is valid under each of the given schemas", validator="oneOf",
                                          validator_value=None, instance=item, schema={})]
        return out + best


# -- messages -----------------------------------------------------------------------------------

_IDENT = re.compile(r"^[A-Za-z_$][\w$-]*$")
_TYPES_FR = {"string": "une chaîne de caractères", "integer": "un nombre entier", "number": "un nombre",
             "boolean": "un booléen (true ou false)", "object": "un objet", "array": "une liste",
             "null": "null"}
_TYPES_EN = {"string": "a string", "integer": "an integer", "number": "a number", "boolean": "a boolean",
             "object": "an object", "array": "a list", "null": "null"}
_FORMATS_FR = {"date": "date (aaaa-mm-jj)", "date-time": "date et heure (aaaa-mm-jjThh:mm:ss)",
               "email": "adresse électronique", "uri": "adresse web (URI)", "time": "heure (hh:mm:ss)"}


def json_path(parts: Any) -> str:
    """``["marches", 3, "montant"]`` → ``marches[3].montant``; the root is ``$``."""
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        elif _IDENT.match(str(p)):
            out += ("." if out else "") + str(p)
        else:
            out += "[" + json.dumps(str(p), ensure_ascii=False) + "]"
    return out or "$"


def _show(value: Any, limit: int = 120) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _list_fr(values: Any, n: int = 12) -> str:
    values = [_show(v, 60) for v in (values or [])]
    return ", ".join(f"« {v} »" for v in values[:n]) + (" …" if len(values) > n else "")


# keyword → French explanation; {v}: the value, {want}: the keyword's value, {n}: the value's length
_RULES_FR = {
    "const": "la valeur « {v} » n'est pas autorisée : la valeur attendue est « {want} ».",
    "pattern": "la valeur « {v} » ne respecte pas le format attendu (expression régulière {want}).",
    "exclusiveMinimum": "la valeur « {v} » doit être strictement supérieure à {want}.",
    "exclusiveMaximum": "la valeur « {v} » doit être strictement inférieure à {want}.",
    "multipleOf": "la valeur « {v} » doit être un multiple de {want}.",
    "minLength": "le texte « {v} » doit comporter au moins {want} caractère(s) (au lieu de {n}).",
    "maxLength": "le texte « {v} » ne doit pas comporter plus de {want} caractère(s) (au lieu de {n}).",
    "minItems": "la liste doit comporter au moins {want} élément(s) (au lieu de {n}).",
    "maxItems": "la liste ne doit pas comporter plus de {want} élément(s) (au lieu de {n}).",
    "uniqueItems": "la liste contient des éléments en double : chaque élément doit être unique.",
    "minProperties": "l'objet doit comporter au moins {want} propriété(s).",
    "maxProperties": "l'objet ne doit pas comporter plus de {want} propriété(s).",
    "not": "la valeur « {v} » correspond à une forme interdite par le schéma.",
}


def _rule_fr(err: ValidationError) -> str:
    """What the value breaks, in French (without the path)."""
    k, want, v = err.validator, err.validator_value, err.instance
    sv = _show(v)
    if k in _RULES_FR:
        n = len(v) if isinstance(v, (str, list)) else "?"
        return _RULES_FR[k].format(v=sv, want=_show(want) if k == "const" else want, n=n)
    if k == "type":
        types = want if isinstance(want, list) else [want]
        value = "la valeur" if isinstance(v, (dict, list)) else f"la valeur « {sv} »"  # the path shows a structure
        return (f"{value} est {_TYPES_FR[_kind(v)]} alors qu'elle doit être "
                + " ou ".join(_TYPES_FR.get(t, str(t)) for t in types) + ".")
    if k == "enum":
        if len(want or []) == 1:
            return f"la valeur « {sv} » n'est pas autorisée : l'unique valeur autorisée est {_list_fr(want)}."
        return f"la valeur « {sv} » n'est pas autorisée : les valeurs autorisées sont {_list_fr(want)}."
    if k == "format":
        return f"la valeur « {sv} » n'est pas au format {_FORMATS_FR.get(want, want)}."
    if k in ("minimum", "maximum"):
        strict = err.schema.get("exclusiveMinimum" if k == "minimum" else "exclusiveMaximum") is True
        word = ("strictement supérieure à" if strict else "supérieure ou égale à") if k == "minimum" \
            else ("strictement inférieure à" if strict else "inférieure ou égale à")
        return f"la valeur « {sv} » doit être {word} {want}."
    if k in ("anyOf", "oneOf"):
        if k == "oneOf" and not err.context:
            return "la valeur correspond à plusieurs des formes admises alors qu'une seule est autorisée."
        text = "la valeur ne correspond à aucune des formes admises par le schéma"
        if err.context:
            sub = best_match(err.context)
            where = json_path(sub.relative_path) if sub.relative_path else "ici"
            return f"{text} (notamment, {where} : {_explain(sub)})."
        return text + "."
    if k in ("dependencies", "dependentRequired"):
        return f"une propriété présente en exige d'autres ({err.message})."
    return f"la valeur « {sv} » ne respecte pas la règle « {k} » du schéma ({err.message})."


def _required_name(err: ValidationError) -> str | None:
    m = re.match(r"^(.*) is a required property$", err.message or "")
    if m:
        try:
            return str(ast.literal_eval(m.group(1)))
        except (ValueError, SyntaxError):
            pass
    missing = [p for p in (err.validator_value or []) if isinstance(err.instance, dict) and p not in err.instance]
    return missing[0] if missing else None


def _extra_names(err: ValidationError) -> list[str]:
    inst = err.instance if isinstance(err.instance, dict) else {}
    props = _props(err.schema)
    patterns = [re.compile(p) for p in (err.schema.get("patternProperties") or {})]
    return [k for k in inst if k not in props and not any(p.search(k) for p in patterns)]


def to_table_errors(err: ValidationError, prefix: tuple = ()) -> list[TableError]:
    """One jsonschema error as findings (one per missing or unexpected property)."""
    parts = tuple(prefix) + tuple(err.absolute_path)
    path = json_path(parts)
    if err.validator == "required":
        name = _required_name(err)
        where = json_path(parts + (name,)) if name is not None else path
        return [TableError("decp-error", {
            "fr": f"{path} : la propriété obligatoire « {name} » est absente.",
            "en": f"{path}: the required property '{name}' is missing."}, field=where)]
    if err.validator == "additionalProperties" and err.validator_value is False:
        out = []
        for n in _extra_names(err) or [None]:
            value = err.instance.get(n) if n is not None else None
            shown = f" (valeur « {_show(value)} »)" if n is not None and not isinstance(value, (dict, list)) else ""
            out.append(TableError("decp-error", {
                "fr": f"{path} : la propriété « {n} »{shown} n'est pas prévue par le schéma.",
                "en": f"{path}: the property '{n}' is not allowed by the schema."},
                field=json_path(parts + (n,)) if n is not None else path,
                cell=None if n is None or isinstance(value, (dict, list)) else _show(value)))
        return out
    cell = None if isinstance(err.instance, (dict, list)) else _show(err.instance)  # the path locates those
    return [TableError("decp-error", {"fr": f"{path} : {_rule_fr(err)}", "en": f"{path}: {err.message}"},
                       field=path, cell=cell)]


def _explain(err: ValidationError) -> str:
    """The French explanation of an error nested in an ``anyOf``/``oneOf`` (without its path)."""
    if err.validator == "required":
        return f"la propriété obligatoire « {_required_name(err)} » est absente"
    if err.validator == "additionalProperties" and err.validator_value is False:
        return "propriété(s) non prévue(s) par le schéma : " + ", ".join(f"« {n} »" for n in _extra_names(err))
    return _rule_fr(err).rstrip(".")


# -- detection ----------------------------------------------------------------------------------

def looks_like_decp(source: Any) -> bool:
    """Whether a file (path or bytes) looks like a DECP JSON document, from its first 64 KiB."""
    try:
        opener, _ = _opener(source)
        with opener() as f:
            head = f.read(CHUNK)
    except (OSError, TypeError):
        return False
    text = head.decode("utf-8", errors="ignore").lstrip("\ufeff \t\r\n")
    if not text.startswith("{"):
        return False
    if re.search(r'"marches"\s*:\s*[\[{]', text):
        return True
    return "format-commande-publique" in text[:2000] and bool(re.search(r'"(acheteur|autoriteConcedante)"', text))


def _era(item: Any) -> int:
    return 2 if isinstance(item, dict) and ERA2_KEYS & set(item) else 1


def _major(name: str) -> int:
    nums = version_key(name)[0]
    return nums[0] if nums else 0


def _siblings(catalog: SchemaCatalog | None, resolved: ResolvedSchema) -> Callable[[str], Any] | None:
    if catalog is None:
        return None
    return lambda filename: catalog.sibling(resolved, filename)


def checker_for(resolved: ResolvedSchema, catalog: SchemaCatalog | None = None) -> _Checker:
    """A resolved DECP schema made ready to validate (its sibling documents fetched through ``catalog``)."""
    return _Checker(resolved.document, siblings=_siblings(catalog, resolved))


_DECLARED = re.compile(r"/schemas/(?P<name>[^/]+/[^/]+)/(?P<version>[^/]+)/[^/]+$")


def declared_release(catalog: SchemaCatalog, declared: Any, name: str = DECP_SCHEMA) -> str | None:
    """The release named by a document's ``$schema`` (``https://schema.data.gouv.fr/schemas/139bercy/
    format-commande-publique/1.5.0/marches.json``), when it is one of the catalogue's; else None."""
    m = _DECLARED.search(urlsplit(declared).path) if isinstance(declared, str) else None
    if not m or m.group("name").lower() != name.lower() or m.group("version") == "latest":
        return None
    try:
        return catalog.version_of(catalog.get(name), m.group("version")).name
    except CatalogError:
        return None


def detect_version(catalog: SchemaCatalog, shape: str | None, first: Any, list_path: str | None = None,
                   name: str = DECP_SCHEMA) -> tuple[ResolvedSchema, _Checker, str]:
    """The release a document follows, from what ``marches`` holds (``shape``: array | object; None for a
    document that is a single contract) and its first contract ``first`` (found in ``list_path``).

    Candidates are the listed releases of the same layout (and, for a list, of the same era: 2.0 fields in the
    first contract mean 2.0.0), newest first; the first one the first contract fits is chosen, else the newest.
    Returns the resolved schema, its checker and the French reason."""
    info = catalog.get(name)
    releases = [v for v in reversed(info.versions) if v.listed and not v.prerelease] or list(reversed(info.versions))
    era = _era(first)
    cands: list[tuple[ResolvedSchema, _Checker]] = []
    for v in releases:
        if shape != "object" and _major(v.name) != era:
            continue
        r = catalog.resolve(info.name, v.name)
        try:
            checker = checker_for(r, catalog)
        except _SchemaProblem:
            continue
        if shape is None or checker.layout == shape:  # None: a single contract fits any layout
            cands.append((r, checker))
    if shape == "object":
        what = "« marches » contient les listes « marche » et « contrat-concession » (format 2.0)"
    elif shape == "array":
        what = "« marches » est une liste de contrats " + ("aux champs du format 2.0" if era == 2 else "(format 1.x)")
    else:
        what = f"un seul contrat, sans liste « marches » (format {'2.0' if era == 2 else '1.x'})"
    if not cands:
        r = catalog.resolve(info.name)
        return r, checker_for(r, catalog), (f"format DECP non reconnu dans le document : dernière version "
                                            f"publiée ({r.version}) utilisée")
    if first is not None and len(cands) > 1:
        for r, checker in cands:
            if not checker.item_errors(checker.rule(list_path), first):
                return r, checker, f"version {r.version} déduite du document : {what}, premier contrat conforme"
        r, checker = cands[0]
        return r, checker, (f"version {r.version} déduite du document : {what} ; le premier contrat ne suit "
                            "exactement aucune version, la plus récente est utilisée")
    r, checker = cands[0]
    return r, checker, f"version {r.version} déduite du document : {what}"


# -- validation ---------------------------------------------------------------------------------

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
