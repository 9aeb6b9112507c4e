"""The DECP JSON Schemas as the validator uses them: a release's documents registered with their references
resolved, the contract definitions inlined, and `_Checker`, which validates one contract (and the skeleton of the
document) and says which definition a contract that fits none resembles most."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import unquote, urlsplit

from jsonschema import validators
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT7

from .decp_messages import properties_of
from .decp_stream import LISTS

_LIST_KEYWORDS = ("minItems", "maxItems", "uniqueItems", "contains", "minContains", "maxContains")


class _SchemaProblem(Exception):
    def __init__(self, fr: str, en: str):
        super().__init__(fr)
        self.fr, self.en = fr, en


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


def layout_of(doc: Any) -> str | None:
    """``array`` (1.x, 2.0.0), ``object`` (2.0.1+) or None: where a schema expects its contracts."""
    m = properties_of(doc).get("marches")
    if not isinstance(m, dict):
        return None
    if m.get("type") == "object" or "marche" in properties_of(m) or "contrat-concession" in properties_of(m):
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
            node = self._deref(properties_of(self._deref(node)).get(key))
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
                                          frozenset(properties_of(self._deref(b)))))
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
