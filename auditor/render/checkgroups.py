"""A self-check result as a clerk reads it: errors grouped by column and kind, the file's first rows with the faulty
cells marked, the legal basis that fits the schema, and how far the content was validated.

:func:`summarise` adds to a check result (``CheckResult.to_dict()``), without changing what was there:

* ``groups``: one group per file, rule, column and kind of error (the empty cells of a required column apart
  from its other constraint errors), in the order a clerk fixes them (errors first, then the columns in the
  file's order); each with its count, its rows, a few examples (row, value, message without the location the
  report shows beside it), a title in plain words, what the column holds in the schema's own words, the fix that
  fits this kind of error (:mod:`auditor.tabular.fixes`) given once, and the error code as a secondary label;
* ``preview``: the first rows of the table (``auditor.tabular.preview``) and ``marks``, ``"row:column"`` → the
  groups of the errors in that cell (column ``0``: the whole row);
* ``basis``: the legal basis of the schema's format (:mod:`auditor.legal_bases`);
* ``validation``: ``complete`` (the content was validated against a schema), ``partial`` (a check the schema
  declares could not run), ``none`` (no schema, a schema the validator refuses, or a file not read): only a
  ``complete`` validation without errors is shown as compliant.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any

from ..legal_bases import basis_for
from ..tabular.errors import without_location
from ..tabular.fixes import expected_for, fix_for, title_for

EXAMPLES = 5  # examples kept per group
ROWS = 200  # rows listed per group (the count says how many there are)
UNUSABLE_SCHEMA = ("schema-error", "field-error")
PARTIAL = ("check-error",)


def summarise(result: dict[str, Any], table: dict[str, Any] | None = None) -> dict[str, Any]:
    """``result`` with ``groups``, ``preview``, ``basis`` and ``validation`` added (see the module docstring);
    ``table``: the preview of the file (:func:`auditor.tabular.preview.table_preview`), None when not read."""
    fields = (table or {}).get("fields") or {}
    header = (table or {}).get("header") or ((result.get("report") or {}).get("header")) or []
    result["groups"] = groups = group_findings(result["findings"], fields, header, result.get("target"),
                                               description=result.get("kind") == "dataset")
    result["preview"] = _preview(table, groups) if table else None
    result["basis"] = basis_for((result.get("schema") or {}).get("name")) if result.get("kind") in ("table", "decp") \
        else None
    result["validation"] = validation(result)
    return result


def validation(result: dict[str, Any]) -> str:
    """``complete``, ``partial`` or ``none`` (see the module docstring); a dataset description's rules always run."""
    if result.get("kind") == "dataset":
        return "complete"
    report = result.get("report") or {}
    codes = {e.get("code") for e in report.get("errors") or []}
    if result.get("kind") not in ("table", "decp") or not result.get("schema") or codes & set(UNUSABLE_SCHEMA) \
            or report.get("stop_reason") in ("too_large", "unreadable"):
        return "none"
    return "partial" if codes & set(PARTIAL) else "complete"


def group_findings(findings: list[dict[str, Any]], fields: dict[str, dict[str, Any]], header: list[str],
                   target: str | None = None, description: bool = False) -> list[dict[str, Any]]:
    """The groups of ``findings`` (dicts of a check result), in reading order; ``description``: the findings of a
    dataset description (its reading errors get no spreadsheet advice)."""
    keyed: dict[tuple, list[int]] = defaultdict(list)
    for i, f in enumerate(findings):
        loc = f.get("location") or {}
        code = loc.get("code")
        kind = code
        if code == "constraint-error" and loc.get("cell") in (None, ""):
            kind = "required"
        if code and loc.get("row") is None and loc.get("field"):  # a header error: one group for all its columns
            keyed[(f.get("target") or target, f["rule"], f["severity"], None, None, code, kind)].append(i)
            continue
        keyed[(f.get("target") or target, f["rule"], f["severity"], loc.get("field"), loc.get("column"), code,
               kind)].append(i)
    out = []
    for (tgt, rule, severity, field, column, code, kind), idx in keyed.items():
        items = [findings[i] for i in idx]
        descriptor = fields.get(field) if field else None
        first = items[0]
        if code:
            title = title_for(code, kind, descriptor)
            fix = fix_for(code, kind, descriptor, first.get("fix"), description)
        else:  # a finding of a dataset rule, or a file rule without error code: the rule speaks
            title, fix = dict(first.get("title") or {}), dict(first.get("fix") or {})
        rows = sorted({(f.get("location") or {}).get("row") for f in items} - {None})
        named = [] if field else [x for x in dict.fromkeys((f.get("location") or {}).get("field") for f in items)
                                  if x is not None]  # the columns of a header error's group
        out.append({
            "target": tgt, "rule": rule, "severity": severity, "code": code, "kind": kind,
            "field": field, "column": column or _position(field, header),
            "count": len(items), "rows": rows[:ROWS], "fields": named[:ROWS], "title": title,
            "expected": expected_for(descriptor) if code not in (None, "missing-header-warn") else None,
            "fix": fix, "examples": _examples(items), "findings": idx,
        })
    rank = {"error": 0, "warning": 1}
    out.sort(key=lambda g: (rank.get(g["severity"], 2), g["target"] or "", g["column"] or 0, g["rule"],
                            g["code"] or "", g["kind"] or ""))
    return out


def _position(field: str | None, header: list[str]) -> int | None:
    if field and field in header:
        return header.index(field) + 1
    return None


def _examples(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Up to `EXAMPLES` findings with different values (the same wrong SIRET on 20 rows is one example; the
    rows list says where else it is)."""
    seen: set = set()
    chosen: list[dict[str, Any]] = []
    for f in items:
        value = (f.get("location") or {}).get("cell")
        if value in seen:
            continue
        seen.add(value)
        chosen.append(f)
        if len(chosen) >= EXAMPLES:
            break
    return [_example(f) for f in chosen]


def unlocated(f: dict[str, Any], lang: str) -> str:
    """A finding's detail in ``lang`` (else French) without the row and column a report shows beside it."""
    loc = f.get("location") or {}
    detail = f.get("detail") or {}
    text = detail.get(lang) or detail.get("fr") or ""
    return without_location(text, loc.get("row"), loc.get("column"), loc.get("field"), lang)


def _example(f: dict[str, Any]) -> dict[str, Any]:
    loc = f.get("location") or {}
    message = {lang: unlocated(f, lang) for lang in (f.get("detail") or {})}
    return {"row": loc.get("row"), "column": loc.get("column"), "cell": loc.get("cell"), "message": message}


def _preview(table: dict[str, Any], groups: list[dict[str, Any]]) -> dict[str, Any]:
    rows = table.get("rows") or []
    first = table.get("first_row") or 2
    last = first + len(rows) - 1
    marks: dict[str, list[int]] = defaultdict(list)
    for g_index, g in enumerate(groups):
        for row in g["rows"]:
            if first <= row <= last:
                key = f"{row}:{g['column'] or 0}"
                if g_index not in marks[key]:
                    marks[key].append(g_index)
    return {"header": list(table.get("header") or []), "first_row": first, "rows": rows, "marks": dict(marks)}


def combine(items: list[dict[str, Any]]) -> dict[str, Any]:
    """``groups``, ``basis`` and ``validation`` of an archive whose items (summarised results) are listed in one
    result with their findings one after the other: the groups' finding indices follow."""
    groups: list[dict[str, Any]] = []
    offset = 0
    for r in items:
        for g in r.get("groups") or []:
            groups.append(dict(g, findings=[i + offset for i in g["findings"]]))
        offset += len(r["findings"])
    bases = {(r.get("basis") or {}).get("fr") for r in items}
    states = [r.get("validation") or "none" for r in items]
    state = "none" if not states or "none" in states else "partial" if "partial" in states else "complete"
    return {"groups": groups, "basis": items[0].get("basis") if len(bases) == 1 and items else None,
            "validation": state, "preview": None}
