"""CSV exports: one row per finding (or per commune, per gap...); formula injection neutralised.

Two dialects:

* ``tableur`` (the default), for spreadsheets: UTF-8 with a byte-order mark (so that Excel reads
  the accents), CRLF line ends; in French ``;`` between cells and the decimal comma
  (``MQA;335,26``), which French Excel and LibreOffice read as numbers (with a point they read
  text); in English ``,`` and the decimal point;
* ``machine``, for programs: RFC 4180 — ``,`` between cells, the decimal point, CRLF, UTF-8
  without a byte-order mark, whatever the language.
"""
from __future__ import annotations

import csv
import io
from typing import Any

from .tables import table

DIALECTS = ("tableur", "machine")


def render(report: dict[str, Any], name: str = "findings", dialect: str = "tableur") -> bytes:
    if dialect not in DIALECTS:
        raise ValueError(f"dialecte CSV inconnu : {dialect!r} (possibles : {', '.join(DIALECTS)})")
    header, rows = table(report, name)
    spreadsheet = dialect == "tableur"
    comma = spreadsheet and report["lang"] == "fr"  # the decimal comma, hence ";" between cells
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if comma else ",", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    writer.writerows([_cell(v, comma) for v in row] for row in rows)
    return (b"\xef\xbb\xbf" if spreadsheet else b"") + out.getvalue().encode("utf-8")


def _cell(value: Any, comma: bool) -> Any:
    if value is None:
        return ""
    if comma and isinstance(value, float):
        return repr(value).replace(".", ",")
    return value
