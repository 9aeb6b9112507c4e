"""The messages of DECP findings: a JSON Schema error as `TableError` rows with the JSON path of the value, the
value and, in French, the rule it breaks."""
from __future__ import annotations

import ast
import json
import re
from typing import Any

from jsonschema.exceptions import ValidationError, best_match

from .report import TableError

def properties_of(node: Any) -> dict[str, Any]:
    """The ``properties`` of a JSON Schema node ({} when it has none)."""
    p = node.get("properties") if isinstance(node, dict) else None
    return p if isinstance(p, dict) else {}


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
    props = properties_of(err.schema)
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
