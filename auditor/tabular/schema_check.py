"""Self-check of a Table Schema before any row is read, as frictionless 4.38 does it for Validata.

Validata refuses to read a file when the schema itself has a metadata error: the report then holds exactly one
error, the FIRST one found, in this order (validata-semantics §2):

1. the Table Schema profile (JSON Schema draft 4: ``fields`` a required array, ``missingValues`` strings,
   ``primaryKey`` a name or a list of names...) → ``schema-error``;
2. for each field in order: the field profile (an object of a known type, a known format for its type,
   constraint values of the right JSON type...) → ``field-error``, then every constraint its type does not
   support (``unique`` is always allowed) → ``field-error`` ``constraint "pattern" is not supported by type
   "year"``;
3. examples: when the LAST field has an ``example`` (a frictionless 4.38 quirk), every field's example (None
   when absent) read like a cell (missing values, type, format, constraints) → ``schema-error``
   ``example value for field "X" is not valid``; when it has none, no example is checked;
4. primary and foreign keys naming unknown fields → ``schema-error``.

`schema_problems(schema)` lists them all (code, note) in that order; the validator reports the first.
Our one addition, listed last: a ``pattern`` that Python cannot compile is a ``field-error`` (frictionless
crashes on the first row instead).
"""

from __future__ import annotations

import json

from functools import lru_cache
from typing import Any

from .header import primary_key, schema_missing_values
from .types import TYPE_CONSTRAINTS, FieldSpec

_STR = {"type": "string"}
_BOOL = {"type": "boolean"}
_INT = {"type": "integer"}


def _enum(*item_types: str) -> dict[str, Any]:
    arrays = [{"type": "array", "minItems": 1, "uniqueItems": True, "items": {"type": t}} for t in item_types]
    return arrays[0] if len(arrays) == 1 else {"oneOf": arrays}


def _bound(*json_types: str) -> dict[str, Any]:
    return {"type": json_types[0]} if len(json_types) == 1 else {"oneOf": [{"type": t} for t in json_types]}


# type -> (name-only requirement?, allowed formats or None for any, extra properties, constraint value types)
_TEXT_RANGE = {"enum": _enum("string"), "minimum": _bound("string"), "maximum": _bound("string")}
_FIELD_TYPES: dict[str, tuple[bool, list[str] | None, dict, dict]] = {
    "string": (True, ["default", "email", "uri", "binary", "uuid"], {},
               {"pattern": _STR, "enum": _enum("string"), "minLength": _INT, "maxLength": _INT}),
    "number": (True, ["default"], {"bareNumber": _BOOL, "decimalChar": _STR, "groupChar": _STR},
               {"enum": _enum("string", "number"), "minimum": _bound("string", "number"),
                "maximum": _bound("string", "number")}),
    "integer": (False, ["default"], {"bareNumber": _BOOL},
                {"enum": _enum("string", "integer"), "minimum": _bound("string", "integer"),
                 "maximum": _bound("string", "integer")}),
    "date": (False, None, {}, _TEXT_RANGE),
    "time": (False, None, {}, _TEXT_RANGE),
    "datetime": (False, None, {}, _TEXT_RANGE),
    "year": (False, ["default"], {}, {"enum": _enum("string", "integer"), "minimum": _bound("string", "integer"),
                                      "maximum": _bound("string", "integer")}),
    "yearmonth": (False, ["default"], {}, _TEXT_RANGE),
    "boolean": (False, ["default"], {"trueValues": {"type": "array", "minItems": 1, "items": _STR},
                                     "falseValues": {"type": "array", "minItems": 1, "items": _STR}},
                {"enum": _enum("boolean")}),
    "object": (False, ["default"], {}, {"enum": _enum("string", "object"), "minLength": _INT, "maxLength": _INT}),
    "geopoint": (False, ["default", "array", "object"], {}, {"enum": _enum("string", "array", "object")}),
    "geojson": (False, ["default", "topojson"], {}, {"enum": _enum("string", "object"), "minLength": _INT,
                                                     "maxLength": _INT}),
    "array": (False, ["default"], {}, {"enum": _enum("string", "array"), "minLength": _INT, "maxLength": _INT}),
    "duration": (False, ["default"], {}, _TEXT_RANGE),
    "any": (False, None, {}, {"enum": {"type": "array", "minItems": 1, "uniqueItems": True}}),
}


def _field_branch(ftype: str) -> dict[str, Any]:
    name_only, formats, extra, cons = _FIELD_TYPES[ftype]
    cons_props = {"required": _BOOL, "unique": _BOOL, **cons}
    if ftype == "boolean":
        cons_props.pop("unique")
    props: dict[str, Any] = {"name": _STR, "title": _STR, "description": _STR, "type": {"enum": [ftype]},
                             "constraints": {"type": "object", "properties": cons_props}, "rdfType": _STR, **extra}
    if ftype != "any":
        props["format"] = {"enum": formats} if formats else {}
    return {"type": "object", "required": ["name"] if name_only else ["name", "type"], "properties": props}


@lru_cache(maxsize=1)
def table_schema_profile() -> dict[str, Any]:
    """The Table Schema profile (the rules frictionless 4.38 checks), written as a JSON Schema."""
    fk_ref_list = {"type": "object", "required": ["resource", "fields"],
                   "properties": {"resource": _STR, "fields": {"type": "array", "items": _STR, "minItems": 1,
                                                               "uniqueItems": True}}}
    fk_ref_str = {"type": "object", "required": ["resource", "fields"],
                  "properties": {"resource": _STR, "fields": _STR}}
    return {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "type": "object",
        "required": ["fields"],
        "properties": {
            "fields": {"type": "array"},  # each field is checked on its own (field profile below)
            "primaryKey": {"oneOf": [{"type": "array", "minItems": 1, "uniqueItems": True, "items": _STR}, _STR]},
            "foreignKeys": {"type": "array", "minItems": 1, "items": {
                "type": "object", "required": ["fields", "reference"],
                "oneOf": [{"properties": {"fields": {"type": "array", "items": _STR}, "reference": fk_ref_list}},
                          {"properties": {"fields": _STR, "reference": fk_ref_str}}]}},
            "missingValues": {"type": "array", "items": _STR},
        },
    }


@lru_cache(maxsize=1)
def field_profile() -> dict[str, Any]:
    """The profile of one field: an object matching one of the type branches."""
    return {"$schema": "http://json-schema.org/draft-04/schema#", "type": "object",
            "anyOf": [_field_branch(t) for t in _FIELD_TYPES]}


def _profile_problems(document: Any, profile: dict[str, Any], code: str) -> list[tuple[str, str]]:
    import jsonschema

    validator = jsonschema.Draft4Validator(profile)
    out = []
    for err in validator.iter_errors(document):
        if "is valid under each of" in err.message:
            continue
        where = "/".join(map(str, err.path))
        at = "/".join(map(str, err.schema_path))
        out.append((code, f'"{err.message}" at "{where}" in metadata and at "{at}" in profile'))
    return out


def schema_problems(schema: Any) -> list[tuple[str, str]]:
    """Every metadata problem of ``schema`` as (code, English note), in frictionless' order."""
    problems = _profile_problems(schema, table_schema_profile(), "schema-error")
    if not isinstance(schema, dict):
        return problems or [("schema-error", "the schema is not a JSON object")]
    fields = schema.get("fields") if isinstance(schema.get("fields"), list) else []
    missing = schema_missing_values(schema)
    specs = [FieldSpec(f if isinstance(f, dict) else {"name": f"field{k + 1}", "type": "any"}, missing)
             for k, f in enumerate(fields)]
    valid: set[str] = set()  # descriptors found valid but for their name (a wide header's synced fields): once
    for spec in specs:
        key = None
        if isinstance(spec.descriptor.get("name"), str):
            try:
                key = json.dumps({k: v for k, v in spec.descriptor.items() if k != "name"}, sort_keys=True)
            except (TypeError, ValueError):
                key = None
        if key is not None and key in valid:
            continue
        found = _profile_problems(spec.descriptor, field_profile(), "field-error")
        if not found and key is not None:
            valid.add(key)
        problems.extend(found)
        supported = set(TYPE_CONSTRAINTS[spec.type]) | {"unique"}
        declared = spec.descriptor.get("type", "any")
        for name in spec.constraints:
            if name not in supported:
                problems.append(("field-error", f'constraint "{name}" is not supported by type "{declared}"'))
    # frictionless 4.38 selects the fields to check with ``[f for f in fields if "example" in field]``, where
    # ``field`` is the LAST field of the schema: either every field is checked (its example, None when it has
    # none, so a required field without example fails) or none is.
    check_examples = bool(specs) and "example" in specs[-1].descriptor
    for spec in specs if check_examples else []:
        _, failed = spec.read_cell(spec.descriptor.get("example"))
        if failed:
            problems.append(("schema-error", f'example value for field "{spec.name}" is not valid'))
    names = [spec.name for spec in specs]
    pk = primary_key(schema)
    for name in pk:
        if name not in names:
            problems.append(("schema-error", f'primary key "{pk}" does not match the fields "{names}"'))
    fks = schema.get("foreignKeys", [])
    for fk in fks if isinstance(fks, list) else []:
        if not isinstance(fk, dict):
            continue
        fk_fields = fk.get("fields", [])
        fk_fields = fk_fields if isinstance(fk_fields, list) else [fk_fields]
        ref = fk.get("reference") if isinstance(fk.get("reference"), dict) else {}
        ref_fields = ref.get("fields", [])
        ref_fields = ref_fields if isinstance(ref_fields, list) else [ref_fields]
        for name in fk_fields:
            if name not in names:
                problems.append(("schema-error", f'foreign key "{fk}" does not match the fields "{names}"'))
        if len(fk_fields) != len(ref_fields):
            problems.append(("schema-error", f'foreign key fields "{fk_fields}" does not match the reference '
                                             f'fields "{ref_fields}"'))
    for spec in specs:
        if "pattern" in spec.unusable:
            problems.append(("field-error", f'constraint "pattern" of field "{spec.name}" is not a valid regular '
                                            "expression"))
    return problems


def blocking_problem(schema: Any) -> tuple[str, str] | None:
    """The problem Validata reports alone (no row read), or None when the schema passes its self-check."""
    problems = schema_problems(schema)
    return problems[0] if problems else None
