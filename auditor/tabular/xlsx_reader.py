"""The XLSX reader: the first sheet as frictionless 4 reads it with openpyxl for Validata, every row of the sheet's
declared dimension (formatted-but-empty rows included: Validata's ``blank-row``), nothing trimmed, each cell the text
Excel displays (`auditor.tabular.xlsx`). The workbook's parts are checked against the budgets before openpyxl opens
it (`auditor.tabular.workbook.check_parts`)."""
from __future__ import annotations

import weakref

from . import budgets
from .source import Dialect, ReadError, TableSource, _too_wide
from .workbook import check_parts, empty_first_row, workbook_corrupt
from .xlsx import displayed

def open_xlsx(opener, size, name) -> TableSource:
    """The first sheet, row by row, exactly as frictionless 4 reads it for Validata: openpyxl's read-only
    ``iter_rows()``, which yields every row of the sheet's declared dimension (``<dimension ref="A1:D9">``, which
    Excel and openpyxl extend to every cell that has a style, even without a value): rows 1 to its last row, each
    padded to its last column; a row inside it with no cell, or only formatted cells, is a row of empty cells
    (a ``blank-row`` for the validator), and rows or cells beyond it are not read. Row numbers are the sheet's.
    Without a dimension, each row has the cells up to its last one (missing cells are null) and the rows absent
    between two rows are empty. Nothing is trimmed: a padded header has blank labels, as in Validata.

    Bounded work for a dimension that reaches far (a formatted cell at XFD1048576): the gap rows openpyxl fills in
    are one shared object, recognised without reading its cells; and when the header has two blank labels or
    more, which stops the validation at the header (duplicate labels, as in Validata), the rows are read only up
    to the last labelled column, since nothing but their count is used then.

    Before openpyxl reads anything, the parts of the workbook are checked against the budgets (`workbook.check_parts`);
    while the rows are read, the sheet stays within the format's limits (1 048 576 rows, 16 384 columns)."""
    import openpyxl
    from openpyxl.cell.read_only import EMPTY_CELL

    def corrupt(row: int | None = None) -> ReadError:
        return workbook_corrupt("XLSX", row)

    sheet_bytes = check_parts(opener)

    def load():
        try:
            return openpyxl.load_workbook(opener(), read_only=True, data_only=True, keep_links=False)
        except Exception as exc:  # noqa: BLE001 - any failure means the workbook is unreadable
            raise corrupt() from exc

    def texts(row) -> list[str]:
        return ["" if c is EMPTY_CELL else displayed(c.value, getattr(c, "number_format", None)) for c in row]

    wb = load()
    try:
        first = next(wb.worksheets[0].iter_rows(max_row=1), None)
        if first is not None and len(first) > budgets.MAX_SHEET_COLUMNS:
            raise _too_wide(None, len(first))
        header = texts(first) if first else []
    except ReadError:
        wb.close()
        raise
    except Exception as exc:  # noqa: BLE001 - a broken sheet
        wb.close()
        raise corrupt() from exc
    # the workbook loaded for the header serves the first reading of the rows (loading parses every shared
    # string: loading twice doubled the time of a large workbook); closed when the source is dropped
    loaded = [wb]
    if not any(h.strip() for h in header):
        wb.close()
        raise empty_first_row()
    labelled = max(k for k, h in enumerate(header, start=1) if h.strip())
    clip = labelled if sum(1 for h in header if not h.strip()) >= 2 else None

    def rows():
        wb2 = loaded.pop() if loaded else load()
        number = 1
        try:
            gap = None  # the last row without any cell: openpyxl fills every unwritten row with one shared object
            blank: list[str] = []
            for row in wb2.worksheets[0].iter_rows(min_row=2, max_col=clip):
                number += 1
                if number > budgets.MAX_SHEET_ROWS:
                    raise ReadError("unreadable", f"La feuille dépasse {budgets.fmt(budgets.MAX_SHEET_ROWS)} lignes, "
                                    "la limite du format XLSX : le classeur est mal formé, il n'est pas lu plus loin.",
                                    f"The sheet exceeds {budgets.fmt_en(budgets.MAX_SHEET_ROWS)} rows, the limit of "
                                    "the XLSX format: the workbook is malformed and is not read further.")
                if row is not gap:
                    if len(row) > budgets.MAX_SHEET_COLUMNS:
                        raise _too_wide(number, len(row))
                    if not all(c is EMPTY_CELL for c in row):
                        yield texts(row)
                        continue
                    gap, blank = row, [""] * len(row)
                yield blank
        except ReadError:
            raise
        except Exception as exc:  # noqa: BLE001 - a sheet broken further down (invalid XML, bad values...)
            raise corrupt(number) from exc
        finally:
            wb2.close()

    source = TableSource(header=header, dialect=Dialect(format="xlsx", encoding="", delimiter=None, quotechar=None,
                                                        engine="openpyxl"),
                         name=name, size=size, _rows=rows, width=clip or len(header), cost_width=clip or len(header),
                         budget_bytes=max(sheet_bytes, size or 0), count_text=True)
    weakref.finalize(source, lambda: loaded and loaded.pop().close())
    return source

