"""The first rows of a table as read, for the report's preview (the faulty cells are marked by the report).

:func:`table_preview` reads the first batch of a `TableSource` again (after its validation: the source restarts
from the top, in the encoding the validation settled on) and keeps its first ``rows`` rows, each cell as text
(``None``: the row has no such cell) and cut at `CELL_CHARS` characters; it also keeps, for each column the schema
declares, what a report needs to explain an error in plain words: the field's type, format, constraints,
description and example. Reading problems are the validation's business: a preview that cannot be read is None.
"""
from __future__ import annotations

from typing import Any

PREVIEW_ROWS = 15
CELL_CHARS = 80
MAX_COLUMNS = 1000
FIELD_KEYS = ("name", "title", "type", "format", "description", "example", "constraints", "trueValues",
              "falseValues")


def table_preview(source, document: dict[str, Any] | None = None, rows: int = PREVIEW_ROWS) -> dict[str, Any] | None:
    """``{"header", "first_row", "rows", "fields"}`` for ``source`` (see the module docstring); None for a table
    wider than `MAX_COLUMNS` (no page shows it, and its first batch alone is large)."""
    if len(source.header) > MAX_COLUMNS or source.width > MAX_COLUMNS:
        return None
    out: list[list[str | None]] = []
    first_row = source.header_row + 1
    try:
        batches = source.batches()
        try:
            for batch in batches:
                if not out:
                    first_row = batch.first_row
                columns = [c.to_pylist() for c in batch.record.slice(0, rows - len(out)).columns]
                for i in range(len(columns[0]) if columns else 0):
                    out.append([_cell(col[i]) for col in columns])
                if len(out) >= rows:
                    break
        finally:
            batches.close()
    except Exception:  # noqa: BLE001 - the validation reported why the file cannot be read; no preview then
        return None
    used = max([len(source.header)] + [k + 1 for r in out for k, v in enumerate(r) if v is not None])
    out = [r[:used] for r in out]  # columns beyond the header that no previewed row fills are left out
    return {"header": [str(h) for h in source.header], "first_row": first_row, "rows": out,
            "fields": _fields(document)}


def _cell(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text if len(text) <= CELL_CHARS else text[:CELL_CHARS - 1] + "…"


def _fields(document: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    fields = document.get("fields") if isinstance(document, dict) else None
    out: dict[str, dict[str, Any]] = {}
    for f in fields if isinstance(fields, list) else []:
        if isinstance(f, dict) and isinstance(f.get("name"), str):
            out[f["name"]] = {k: f[k] for k in FIELD_KEYS if k in f}
    return out
