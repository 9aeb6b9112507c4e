"""XLS workbooks (Excel 97-2003, BIFF): the first sheet, read with xlrd as frictionless 4 reads it for Validata.

Validata (validata-ui, frictionless 4's ``XlsParser``) opens an XLS file with ``xlrd.open_workbook(...,
formatting_info=True)`` and reads every row of the first sheet, ``sheet.nrows`` rows of ``sheet.ncols`` cells
(xlrd pads every row to the widest one; formatted empty cells and merged areas count, so a formatted but empty
row is a ``blank-row``). It has no ``preserve_formatting`` for XLS: cells are typed values, which we write as
text the way `auditor.tabular.xlsx.plain_text` writes them:

============  ==================================  ===============================================================
xlrd cell     Validata's value                    our text
============  ==================================  ===============================================================
text          the text                            the same
number        ``int`` when whole, else ``float``  ``24444``, ``33992.72``
date          ``xldate_as_datetime`` (always a    ``2015-06-04`` at midnight, else ``2017-12-06T20:35:09``
              datetime)                           (a date outside Python's range: the number)
boolean       ``True`` / ``False``                ``true`` / ``false``
error         xlrd's error code (``42``)          the error as Excel shows it (``#N/A``): a deliberate
                                                  difference, a formula error is not a number
empty         ``""``                              ``""``
============  ==================================  ===============================================================

The header is the sheet's first row, unless it holds fewer than two cells and a later row among the first 100
holds two or more (a title above the column names: see `workbook.header_position`; Validata takes the title as
the header). Row numbers are the sheet's.

Budgets: the file is read whole by xlrd (at most the caller's size limit, ``--max-mb``); xlrd is asked for
``ragged_rows`` so that its memory follows the cells the file holds, never the padding of a far cell (a merged
area or a formatted cell at IV65536 declares 16 million cells): the padding is added row by row as the rows are
read, one shared empty row standing for every row without a cell. Only the first sheet is loaded
(``on_demand``). The sheet's dimensions are checked against the format's limits and the cell budget before any
row is built, and when the header has two blank labels or more (the validation then stops at the header, as in
Validata), rows are read up to the last labelled column only. Any failure of xlrd on a damaged or hostile file
is a `ReadError` with a French message; xlrd's warnings go nowhere (never to the standard output).
"""

from __future__ import annotations

import io
import math
from typing import Any

from . import budgets
from .source import Dialect, ReadError, TableSource, _over_budget, _too_wide
from .workbook import (HEADER_SEARCH, check_header_text, empty_first_row, header_position, header_skipped,
                       workbook_corrupt)
from .xlsx import plain_text


def _corrupt(detail: str = "") -> ReadError:
    return ReadError("unreadable", f"Le classeur XLS est illisible ou corrompu{detail and ' (' + detail + ')'}. "
                     "Enregistrez-le de nouveau (ou publiez-le en CSV).",
                     f"The XLS workbook is unreadable or corrupt{detail and ' (' + detail + ')'}. Save it again "
                     "(or publish it as CSV).")


def number_text(value: float) -> str:
    """A number as frictionless types it (``int`` when whole), written plainly."""
    if isinstance(value, float) and math.isfinite(value) and value == value // 1:
        return str(int(value))
    return plain_text(value)


def _load(data: bytes):
    import xlrd

    log = io.StringIO()  # xlrd writes its warnings to a "logfile" (sys.stdout by default)
    try:
        try:
            book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=True, ragged_rows=True,
                                      logfile=log)
        except NotImplementedError:  # formatting information not supported for this file (as frictionless retries)
            book = xlrd.open_workbook(file_contents=data, formatting_info=False, on_demand=True, ragged_rows=True,
                                      logfile=log)
        if book.nsheets < 1:
            raise ReadError("unreadable", "Le classeur XLS ne contient aucune feuille.",
                            "The XLS workbook has no sheet.")
        sheet = book.sheet_by_index(0)
        book.release_resources()  # the file's bytes: the sheet is loaded
    except ReadError:
        raise
    except xlrd.XLRDError as exc:
        if "encrypted" in str(exc).lower():
            raise ReadError("unreadable", "Le classeur XLS est protégé par un mot de passe : il ne peut pas être "
                            "lu. Publiez-le sans protection.", "The XLS workbook is password-protected: it cannot "
                            "be read. Publish it without protection.") from exc
        raise _corrupt() from exc
    except Exception as exc:  # noqa: BLE001 - xlrd fails in many ways on a damaged file (struct, assertions...)
        raise _corrupt() from exc
    return book, sheet


def open_xls(opener, size: int | None, name: str | None) -> TableSource:
    """The first sheet of an XLS workbook as a `TableSource` (see the module docstring)."""
    import xlrd
    from xlrd.biffh import error_text_from_code

    with opener() as f:
        data = f.read()
    book, sheet = _load(data)
    del data
    nrows, ncols = sheet.nrows, sheet.ncols
    if ncols > budgets.MAX_SHEET_COLUMNS:
        raise _too_wide(None, ncols)
    if nrows > budgets.MAX_SHEET_ROWS:
        raise _over_budget(f"la feuille compte {budgets.fmt(nrows)} lignes", f"the sheet has "
                           f"{budgets.fmt_en(nrows)} rows", 1, "découpez le fichier", "split the file")
    max_cells = budgets.cell_budget(size)
    if nrows * ncols > max_cells:
        raise _over_budget(f"la feuille déclare {budgets.fmt(nrows * ncols)} cellules (lignes × colonnes, "
                           "cellules vides comprises)", f"the sheet declares {budgets.fmt_en(nrows * ncols)} cells "
                           "(rows × columns, empty cells included)", 1, "retirez les colonnes et les lignes vides, "
                           "ou découpez le fichier", "remove the empty columns and rows, or split the file")
    datemode = book.datemode

    def text(ctype: int, value: Any) -> str:
        if ctype == xlrd.XL_CELL_TEXT:
            return value
        if ctype == xlrd.XL_CELL_NUMBER:
            return number_text(value)
        if ctype == xlrd.XL_CELL_DATE:
            try:
                return plain_text(xlrd.xldate.xldate_as_datetime(value, datemode))
            except (ValueError, OverflowError, TypeError):
                return number_text(value)
        if ctype == xlrd.XL_CELL_BOOLEAN:
            return "true" if value else "false"
        if ctype == xlrd.XL_CELL_ERROR:
            return error_text_from_code.get(value, "#ERR")
        return "" if value is None else str(value)

    def cells(x: int, width: int | None = None) -> list[str]:
        n = min(sheet.row_len(x), width if width is not None else ncols)
        types, values = sheet.row_types(x, 0, n), sheet.row_values(x, 0, n)
        row = [text(t, v) for t, v in zip(types, values)]
        return row + [""] * ((width if width is not None else ncols) - n)

    try:
        counts = [sum(1 for v in sheet.row_values(x, 0, sheet.row_len(x)) if v != "")
                  for x in range(min(nrows, HEADER_SEARCH))]
        at = header_position(counts)
        header = cells(at) if nrows else []
    except Exception as exc:  # noqa: BLE001 - a value xlrd left in an unexpected shape
        raise _corrupt() from exc
    if not any(h.strip() for h in header):
        raise empty_first_row()
    check_header_text(header, at + 1)
    labelled = max(k for k, h in enumerate(header, start=1) if h.strip())
    clip = labelled if sum(1 for h in header if not h.strip()) >= 2 else None
    width = clip or ncols

    def rows():
        blank = [""] * width
        for x in range(at + 1, nrows):
            if sheet.row_len(x) == 0:
                yield blank  # one shared row: recognised as such when batches are built
                continue
            try:
                row = cells(x, width)
            except Exception as exc:  # noqa: BLE001
                raise workbook_corrupt("XLS", x + 1) from exc
            yield row if any(row) else blank

    source = TableSource(header=header, dialect=Dialect(format="xls", encoding="", delimiter=None, quotechar=None,
                                                        engine="xlrd"),
                         name=name, size=size, _rows=rows, width=width, cost_width=width, header_row=at + 1, count_text=True)
    if at:
        source.issues.append(header_skipped(at))
    return source
