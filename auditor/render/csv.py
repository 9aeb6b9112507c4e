"""CSV exports for spreadsheets: UTF-8 with a byte-order mark, ``;`` between cells, CRLF
line ends; one row per finding (or per commune, or per gap); formula injection neutralised."""
from __future__ import annotations

import csv
import io
from typing import Any

from .tables import table


def render(report: dict[str, Any], name: str = "findings") -> bytes:
    header, rows = table(report, name)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    writer.writerows(["" if v is None else v for v in row] for row in rows)
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")
