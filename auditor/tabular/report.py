"""Validation report of one table: `TableReport` and its `TableError` entries (JSON-able).

A report always says how far the validation went: ``rows`` data rows were read, ``rows_checked`` of them were
checked, and ``stop_reason`` tells why it stopped (``complete``, ``error_limit`` when the optional error limit was
reached, ``too_large`` when the file exceeded the size limit and was not read, ``unreadable`` when it is not a
table or breaks off). There is no silent row cap. A schema Validata rejects gives one ``schema-error`` /
``field-error``, ``rows`` 0 and ``stop_reason`` ``complete``. Errors beyond the detail budget of the validator are
counted by code in ``omitted`` (and in ``counts``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

STOP_REASONS = ("complete", "error_limit", "too_large", "unreadable")


@dataclass
class TableError:
    """One finding: an error (the file does not follow its schema) or a warning (structure advice)."""

    code: str
    message: dict[str, str]
    level: str = "error"
    row: int | None = None
    column: int | None = None
    field: str | None = None
    cell: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "level": self.level,
            "row": self.row,
            "column": self.column,
            "field": self.field,
            "cell": self.cell,
            "message": dict(self.message),
        }


@dataclass
class TableReport:
    """Everything known about one validated table."""

    rows: int = 0
    rows_checked: int = 0
    stop_reason: str = "complete"
    header: list[str] = field(default_factory=list)
    dialect: dict[str, Any] = field(default_factory=dict)
    schema: dict[str, Any] = field(default_factory=dict)
    errors: list[TableError] = field(default_factory=list)
    issues: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    omitted: dict[str, int] = field(default_factory=dict)  # errors counted by code but not detailed

    @property
    def counts(self) -> dict[str, int]:
        """Number of findings by code (errors and warnings), the omitted ones included."""
        counts = Counter(e.code for e in self.errors)
        counts.update(self.omitted)
        return dict(sorted(counts.items()))

    @property
    def valid(self) -> bool:
        """True when the whole table was read and no error-level finding was made."""
        if self.stop_reason in ("too_large", "unreadable"):
            return False
        return not self.omitted and not any(e.level == "error" for e in self.errors)

    def to_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "rows": self.rows,
            "rows_checked": self.rows_checked,
            "stop_reason": self.stop_reason,
            "header": list(self.header),
            "dialect": dict(self.dialect),
            "schema": dict(self.schema),
            "counts": self.counts,
            "errors": [e.to_dict() for e in self.errors],
            "issues": [dict(i) for i in self.issues],
            "omitted": dict(self.omitted),
            "seconds": round(self.seconds, 3),
        }
