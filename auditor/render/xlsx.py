"""XLSX export (openpyxl): sheets Communes, Constats (findings), Écarts (gaps), Portails, Producteurs
non attribués and Qualité data.gouv.fr (the nine criteria of every dataset).

Every text cell is written as a string (never a formula), after the same neutralisation as
the CSV export (formulas, control characters, bidirectional overrides), cut to the 32 767
characters Excel keeps; numbers stay numbers. Header row bold and frozen, with filters.
"""
from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from ..i18n import t
from .neutral import xlsx_cell
from .tables import table

SHEETS = (("communes", "sheet.name.communes"), ("findings", "sheet.name.findings"), ("gaps", "sheet.name.gaps"),
          ("portals", "sheet.name.portals"), ("unresolved", "sheet.name.unresolved"), ("quality", "sheet.name.quality"))


def render(report: dict[str, Any]) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for name, title in SHEETS:
        ws = wb.create_sheet(t(title, report["lang"]))
        header, rows = table(report, name)
        ws.append([xlsx_cell(h) for h in header])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append([None] * len(row))
            for col, value in enumerate(row, start=1):
                cell = ws.cell(row=ws.max_row, column=col)
                cell.value = value = xlsx_cell(value)
                if isinstance(value, str):
                    cell.data_type = "s"  # a string, whatever it looks like
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = ws.dimensions
        for col, label in enumerate(header, start=1):
            width = max([len(str(label))] + [len(str(r[col - 1])) for r in rows[:200] if r[col - 1] is not None])
            ws.column_dimensions[get_column_letter(col)].width = min(60, max(8, width + 2))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
