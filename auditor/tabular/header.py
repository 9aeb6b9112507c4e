"""The header of a table against its schema, as Validata sees it (validata-semantics §3).

With Validata's ``schema_sync``, the validated columns are the FILE's labels in file order: each label, stripped,
takes the schema field of exactly that name, else becomes an untyped column with no check. Schema fields absent from
the file are not validated at all; a required one gives ``missing-required-header``. Duplicate labels (after
stripping) stop the validation with one ``general-error``. Structure warnings (missing optional / extra / disordered
columns) are computed on the raw labels and never make a file invalid.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import errors as msg
from .report import TableError
from .types import DEFAULT_MISSING, FieldSpec


@dataclass
class Header:
    raw: list[str]
    labels: list[str]  # stripped
    specs: list[FieldSpec]  # one per label
    in_schema: list[bool]
    errors: list[TableError] = field(default_factory=list)
    warnings: list[TableError] = field(default_factory=list)
    fatal: TableError | None = None

    def position(self, name: str) -> int | None:
        """1-based file position of the column named ``name`` (stripped label), None if absent."""
        try:
            return self.labels.index(name) + 1
        except ValueError:
            return None


def schema_fields(schema: dict[str, Any]) -> list[dict[str, Any]]:
    fields = schema.get("fields") if isinstance(schema, dict) else None
    return [f for f in fields if isinstance(f, dict)] if isinstance(fields, list) else []


def schema_missing_values(schema: dict[str, Any]) -> list:
    mv = schema.get("missingValues", DEFAULT_MISSING) if isinstance(schema, dict) else DEFAULT_MISSING
    return mv if isinstance(mv, list) else list(DEFAULT_MISSING)


def primary_key(schema: dict[str, Any]) -> list:
    """The ``primaryKey`` names as a list (a single name is a one-name key)."""
    pk = schema.get("primaryKey", []) if isinstance(schema, dict) else []
    return pk if isinstance(pk, list) else [pk]


def required_names(schema: dict[str, Any]) -> list[str]:
    out = []
    for f in schema_fields(schema):
        cons = f.get("constraints")
        if cons and isinstance(cons, dict) and cons.get("required", False) and isinstance(f.get("name"), str):
            out.append(f["name"])
    return out


def analyse(raw: list[str], schema: dict[str, Any], first_record: list[str] | None = None) -> Header:
    """Map the labels to the schema and list the header errors and structure warnings (computed by Validata on
    the file's first record, even when the header comes after a title line)."""
    raw = ["" if c is None else str(c) for c in raw]
    labels = [c.strip() for c in raw]
    fields = schema_fields(schema)
    missing = schema_missing_values(schema)
    by_name: dict[str, dict] = {}
    for f in fields:
        if isinstance(f.get("name"), str):
            by_name[f["name"]] = f  # frictionless builds a dict: the last field of a name wins
    specs, in_schema = [], []
    for label in labels:
        f = by_name.get(label)
        in_schema.append(f is not None)
        specs.append(FieldSpec(f, missing) if f is not None else FieldSpec({"name": label, "type": "any"}, missing))
    header = Header(raw, labels, specs, in_schema)
    header.warnings = structure_warnings(raw if first_record is None else [str(c) for c in first_record], schema)
    if len(set(labels)) != len(labels):
        dups = sorted({lab for lab in labels if labels.count(lab) > 1})
        shown = ", ".join(f"« {d} »" for d in dups)
        shown_en = ", ".join(f"'{d}'" for d in dups)
        header.fatal = TableError(
            "general-error",
            msg.table_message(f"Le fichier comporte plusieurs colonnes avec le même nom ({shown}) : il ne peut pas "
                              "être validé tant que chaque colonne n'a pas un nom unique.",
                              f"Several columns have the same name ({shown_en}): the file cannot be validated "
                              "until every column has a unique name."))
        return header
    for pos, label in enumerate(labels, start=1):
        if not label:
            header.errors.append(TableError("blank-label", msg.simple("blank-label", column=pos), column=pos))
        elif "\n" in label:
            header.errors.append(TableError("incorrect-label", msg.simple("incorrect-label", label, column=pos),
                                            column=pos, field=label, cell=label))
    for name in required_names(schema):
        if name not in labels:
            header.errors.append(TableError(
                "missing-required-header",
                msg.table_message(f"La colonne obligatoire « {name} » est manquante.",
                                  f"The required column '{name}' is missing."), field=name))
    return header


def synced_schema(header: Header, schema: dict[str, Any]) -> dict[str, Any]:
    """The schema frictionless validates after ``schema_sync``: one field per label, in file order."""
    fields = [spec.descriptor if known else {"name": label, "type": "any"}
              for label, spec, known in zip(header.labels, header.specs, header.in_schema)]
    return {**schema, "fields": fields}


def structure_warnings(raw: list[str], schema: dict[str, Any]) -> list[TableError]:
    """Validata's structure warnings, on the raw labels (not stripped)."""
    names = [f["name"] for f in schema_fields(schema) if isinstance(f.get("name"), str)]
    required = set(required_names(schema))
    out = []
    for name in names:
        if name not in raw and name not in required:
            out.append(TableError("missing-header-warn", msg.table_message(
                f"Ajoutez la colonne manquante « {name} ».", f"Add the missing column '{name}'."),
                level="warning", field=name))
    for pos, label in enumerate(raw, start=1):
        if label not in names:
            fr, en = (f"Retirez la colonne « {label} » non définie dans le schéma (colonne {pos}).",
                      f"Remove the column '{label}', which the schema does not define (column {pos}).") \
                if label.strip() else (f"Retirez la colonne sans en-tête (colonne {pos}) : souvent un séparateur "
                                       "en trop en fin de ligne.",
                                       f"Remove the column without a header (column {pos}): often an extra "
                                       "separator at the end of each line.")
            out.append(TableError("extra-header-warn", msg.table_message(fr, en), level="warning", column=pos,
                                  field=label or None))
    if set(raw) == set(names) and raw != names:
        out.append(TableError("disordered-header-warn", msg.table_message(
            "Réordonnez les colonnes du fichier pour respecter l'ordre du schéma : " + ", ".join(names) + ".",
            "Reorder the columns as in the schema: " + ", ".join(names) + "."), level="warning"))
    return out
