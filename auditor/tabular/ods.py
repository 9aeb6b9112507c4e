"""ODS workbooks (OpenDocument spreadsheets, LibreOffice): the first sheet of ``content.xml``, streamed.

Cells are read as frictionless 4 types them for Validata (its ``OdsParser``, on ezodf): a text cell is its
paragraphs (``<text:p>``, the text shown, spans and links included, ``<text:s>`` as spaces, ``<text:tab>``,
``<text:line-break>``; comments left out) joined by line breaks; a number, percentage or currency cell is its
``office:value`` (``40000``, ``0.125``: the value, not the text shown, ``40 000,00 €``), written without ``.0``
when whole; a date its ``office:date-value`` (``2017-07-24``, or ``2017-07-24T10:30:00``); a boolean ``true`` or
``false``. Two deliberate differences: a time cell is written ``10:30:00`` (frictionless hands over the raw
``PT10H30M00S``, which no time field accepts), and a cell without a type, or whose value attribute is not a
number or date, is read from its text (frictionless fails there).

Where Validata's reading cannot be followed: ezodf expands a run of repeated rows or cells
(``table:number-rows-repeated``, ``table:number-columns-repeated``) only when it is shorter than 32; a longer run
becomes *one* row or cell. So Validata drops rows that LibreOffice wrote once with a repeat count (32 identical
rows or more), and reads the run of empty cells LibreOffice writes at the end of every row (1 024 or 16 384
columns declared) as one extra empty column, and the empty rows up to row 1 048 576 as one blank row; on a sheet
whose first row is empty it then fails (validata-ui reads ``None`` as the first label). We read what LibreOffice
shows: every repeated row and cell, expanded as it is read (one shared list for a run of blank rows, never a
million lists); the empty cells at the end of a row and the empty rows at the end of the sheet are not part of
the table (never materialised, whatever count they declare); a row shorter than the header is padded with empty
cells, an empty row between rows is a ``blank-row``. Row numbers are the sheet's; the header is the first row,
unless it holds fewer than two cells and a later row among the first 100 holds two or more (a title above the
column names, see `workbook.header_position`). Covered cells (under a merged cell) are empty, as in Validata.

Budgets, enforced while reading: ``content.xml`` is checked from the ZIP directory before it is read (declared
size, compression ratio, as an XLSX part: `workbook.zip_part_problem`), then streamed through expat in blocks
(no tree is built; a DOCTYPE or entity declaration is refused); a row's cells are kept as runs (a run of empty
cells is one count), a row holding a cell beyond column 16 384 is refused as it is read, and the rows repeated
past row 1 048 576 are refused before any is built. Parsing stops at the end of the first sheet.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections import deque
from typing import Iterator

from . import budgets
from .source import Dialect, ReadError, TableSource, _too_wide
from .workbook import (HEADER_SEARCH, check_header_text, empty_first_row, header_position, header_skipped,
                       workbook_corrupt, zip_part_problem)
from .xls import number_text
from .xlsx import plain_text

OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_SPREADSHEET = f"{OFFICE} spreadsheet"
_TABLE = f"{TABLE} table"
_ROW = f"{TABLE} table-row"
_CELLS = (f"{TABLE} table-cell", f"{TABLE} covered-table-cell")
_PARAGRAPHS = (f"{TEXT} p", f"{TEXT} h")
_ANNOTATION = f"{OFFICE} annotation"
_REPEAT_ROWS = f"{TABLE} number-rows-repeated"
_REPEAT_COLUMNS = f"{TABLE} number-columns-repeated"
_VALUE_TYPE = f"{OFFICE} value-type"
_VALUE_ATTRIBUTES = {"float": "value", "percentage": "value", "currency": "value", "date": "date-value",
                     "time": "time-value", "boolean": "boolean-value"}
_DURATION = re.compile(r"PT(\d+)H(\d+)M(\d+(?:\.\d+)?)S")
CHUNK = 1 << 16
SPACES_SLACK = 1 << 12  # spaces <text:s> may add beyond one per byte of XML parsed


def _corrupt(row: int | None = None) -> ReadError:
    return workbook_corrupt("ODS", row)


def _refused(fr: str, en: str) -> ReadError:
    return ReadError("unreadable", f"Le classeur ODS est refusé : {fr}. S'il est authentique, enregistrez-le de "
                     "nouveau (ou publiez-le en CSV).",
                     f"The ODS workbook is refused: {en}. If it is genuine, save it again (or publish it as CSV).")


def _content(zf: zipfile.ZipFile) -> zipfile.ZipInfo:
    """The ``content.xml`` entry, checked against the budgets."""
    infos = zf.infolist()
    if len(infos) > budgets.MAX_PARTS:
        raise _refused(f"il contient {budgets.fmt(len(infos))} parties (limite {budgets.fmt(budgets.MAX_PARTS)})",
                       f"it holds {budgets.fmt_en(len(infos))} parts (limit {budgets.fmt_en(budgets.MAX_PARTS)})")
    names = {i.filename: i for i in infos}
    manifest = names.get("META-INF/manifest.xml")
    if manifest is not None and 0 <= manifest.file_size <= 1 << 20:
        try:
            encrypted = b"encryption-data" in zf.read(manifest)
        except Exception:  # noqa: BLE001 - a damaged manifest: the content decides
            encrypted = False
        if encrypted:
            raise ReadError("unreadable", "Le classeur ODS est protégé par un mot de passe : il ne peut pas être lu. "
                            "Publiez-le sans protection.", "The ODS workbook is password-protected: it cannot be "
                            "read. Publish it without protection.")
    info = names.get("content.xml")
    if info is None:
        raise _corrupt()
    problem = zip_part_problem(info)
    if problem:
        raise _refused(*problem)
    return info


class _Sheet:
    """The rows of the first sheet, as they are parsed: ``(cells, repeat)`` where ``cells`` are the row's texts up
    to its last non-empty one (``[]`` for an empty row) and ``repeat`` its ``number-rows-repeated``."""

    def __init__(self):
        self.out: deque = deque()
        self.depth = 0  # elements open inside the first sheet (0: outside it)
        self.started = self.done = False
        self.in_spreadsheet = 0
        self.row: list | None = None  # runs [text, count] of the row being read
        self.row_repeat = 1
        self.width = 0  # columns of the row so far
        self.cell: dict | None = None  # the cell being read
        self.parts: list[str] = []  # its text so far
        self.skip = 0  # depth inside a comment or a nested table, whose text is not the cell's
        self.number = 0  # sheet rows parsed (for messages)
        self.spaces = 0  # spaces written by <text:s> elements so far
        self.parsed = lambda: 0  # bytes of XML parsed so far

    # -- expat handlers

    def start(self, tag: str, attrs: dict) -> None:
        if self.done:
            return
        if not self.started:
            if tag == _SPREADSHEET:
                self.in_spreadsheet += 1
            elif tag == _TABLE and self.in_spreadsheet:
                self.started, self.depth = True, 1
            return
        self.depth += 1
        if self.skip:
            self.skip += 1
            return
        cell = self.cell
        if cell is not None:
            if tag == _ANNOTATION or tag == _TABLE:
                self.skip = 1
            elif cell["open"]:  # inside one of the cell's paragraphs
                if tag == f"{TEXT} s":
                    spaces = _count(attrs.get(f"{TEXT} c"), 1, 1 << 16)
                    self.spaces += spaces
                    if self.spaces > self.parsed() + SPACES_SLACK:
                        raise _refused("ses espaces répétés (<text:s>) représentent plus de texte que le fichier "
                                       "n'en contient", "its repeated spaces (<text:s>) stand for more text than the "
                                       "file holds")
                    self.parts.append(" " * spaces)
                elif tag == f"{TEXT} tab":
                    self.parts.append("\t")
                elif tag == f"{TEXT} line-break":
                    self.parts.append("\n")
            elif tag in _PARAGRAPHS and self.depth == cell["level"] + 1:
                cell["open"] = True
                if cell["paragraphs"]:
                    self.parts.append("\n")
                cell["paragraphs"] += 1
            return
        if tag == _ROW and self.row is None:
            self.row, self.width = [], 0
            self.row_repeat = _count(attrs.get(_REPEAT_ROWS), 1, 1 << 40)
        elif tag in _CELLS and self.row is not None:
            self.cell = {"level": self.depth, "attrs": attrs, "paragraphs": 0, "open": False,
                         "repeat": _count(attrs.get(_REPEAT_COLUMNS), 1, 1 << 40)}
            self.parts = []

    def end(self, tag: str) -> None:
        if self.done or not self.started:
            if tag == _SPREADSHEET and self.in_spreadsheet:
                self.in_spreadsheet -= 1
            return
        self.depth -= 1
        if self.skip:
            self.skip -= 1
            return
        if self.depth == 0:
            self.done = True
            return
        cell = self.cell
        if cell is not None:
            if self.depth == cell["level"]:  # the end of a paragraph
                cell["open"] = False
            elif self.depth == cell["level"] - 1:
                self.cell = None
                self._add(_value(cell, "".join(self.parts)), cell["repeat"])
                self.parts = []
        elif tag == _ROW and self.row is not None:
            self._finish_row()

    def text(self, data: str) -> None:
        if self.cell is not None and self.cell["open"] and not self.skip:
            self.parts.append(data)

    # -- rows

    def _add(self, text: str, repeat: int) -> None:
        row = self.row
        if row and row[-1][0] == text:
            row[-1][1] += repeat
        else:
            row.append([text, repeat])
        self.width += repeat
        if text and self.width > budgets.MAX_COLUMNS:
            raise _too_wide(self.number + 1, self.width)

    def _finish_row(self) -> None:
        runs = self.row
        self.row = None
        while runs and not runs[-1][0]:
            runs.pop()
        cells: list[str] = []
        for text, count in runs:
            cells.extend([text] * count)  # within MAX_COLUMNS: checked as the cells came
        self.out.append((cells, self.row_repeat))
        self.number += self.row_repeat


def _count(value: str | None, default: int, cap: int) -> int:
    try:
        n = int(value) if value is not None else default
    except ValueError:
        return default
    return min(max(n, 1), cap)


def _value(cell: dict, text: str) -> str:
    """The text of a cell, typed as frictionless types it (see the module docstring)."""
    attrs = cell["attrs"]
    kind = attrs.get(_VALUE_TYPE)
    if kind not in _VALUE_ATTRIBUTES:
        return text  # a string, or no type
    value = attrs.get(f"{OFFICE} {_VALUE_ATTRIBUTES[kind]}")
    if value is None:
        return text
    if kind == "boolean":
        return "true" if value == "true" else "false"
    if kind == "date":
        try:
            return plain_text(dt.datetime.fromisoformat(value)) if len(value) > 10 else \
                dt.date.fromisoformat(value).isoformat()
        except ValueError:
            return text or value
    if kind == "time":
        m = _DURATION.fullmatch(value)
        if m and int(m.group(1)) < 24:
            seconds = m.group(3).split(".")[0].zfill(2)
            return f"{int(m.group(1)):02d}:{int(m.group(2)):02d}:{seconds}"
        return text or value
    try:
        return number_text(float(value))
    except ValueError:
        return text


def _specs(opener) -> Iterator[tuple[list[str], int]]:
    """The rows of the first sheet as `_Sheet` gives them, parsing ``content.xml`` a block at a time."""
    from xml.parsers import expat

    def refuse_dtd(*_args):
        raise _refused("il contient une déclaration DOCTYPE ou d'entité XML", "it holds an XML DOCTYPE or entity "
                       "declaration")

    with opener() as f:
        try:
            zf = zipfile.ZipFile(f)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
            raise _corrupt() from exc
        with zf:
            info = _content(zf)
            sheet = _Sheet()
            parser = expat.ParserCreate(namespace_separator=" ")
            parser.buffer_text = True
            parser.StartElementHandler = sheet.start
            parser.EndElementHandler = sheet.end
            parser.CharacterDataHandler = sheet.text
            parser.StartDoctypeDeclHandler = refuse_dtd
            parser.EntityDeclHandler = refuse_dtd
            sheet.parsed = lambda: parser.CurrentByteIndex
            try:
                with zf.open(info) as part:
                    while not sheet.done:
                        chunk = part.read(CHUNK)
                        parser.Parse(chunk, not chunk)
                        while sheet.out:
                            yield sheet.out.popleft()
                        if not chunk:
                            break
            except ReadError:
                raise
            except Exception as exc:  # noqa: BLE001 - invalid XML, a bad CRC, a truncated archive...
                raise _corrupt(sheet.number + 1 if sheet.number else None) from exc
            if not sheet.started:
                raise ReadError("unreadable", "Le classeur ODS ne contient aucune feuille.",
                                "The ODS workbook has no sheet.")


def _rows(opener) -> Iterator[tuple[int, list[str], int]]:
    """``(sheet row number, cells, repeat)`` of the rows, the blank rows at the end of the sheet left out; a run of
    blank rows is given once, with its count (``cells`` empty)."""
    number = 1
    blank_from, blanks = 0, 0  # blank rows not yet known to be inside the table
    for cells, repeat in _specs(opener):
        if not cells:
            if not blanks:
                blank_from = number
            blanks += repeat
        else:
            if blanks:
                yield blank_from, [], blanks
                blanks = 0
            yield number, cells, repeat
        number += repeat


def _too_long() -> ReadError:
    return ReadError("unreadable", f"La feuille dépasse {budgets.fmt(budgets.MAX_SHEET_ROWS)} lignes, la limite du "
                     "format : le classeur est mal formé, il n'est pas lu plus loin.",
                     f"The sheet exceeds {budgets.fmt_en(budgets.MAX_SHEET_ROWS)} rows, the limit of the format: "
                     "the workbook is malformed and is not read further.")


def open_ods(opener, size: int | None, name: str | None) -> TableSource:
    """The first sheet of an ODS workbook as a `TableSource` (see the module docstring)."""
    with opener() as f:
        try:
            with zipfile.ZipFile(f) as zf:
                content_size = max(_content(zf).file_size, 0)
        except ReadError:
            raise
        except Exception as exc:  # noqa: BLE001 - not a readable ZIP
            raise _corrupt() from exc
    counts: list[int] = []  # non-empty cells of the first rows, up to the header
    sample: dict[int, list[str]] = {}
    rows = _rows(opener)
    try:
        for number, cells, _repeat in rows:
            if number > HEADER_SEARCH:
                break
            counts += [0] * (number - 1 - len(counts)) + [sum(1 for c in cells if c)]
            sample[number] = cells
            if counts[-1] >= 2:
                break
    finally:
        rows.close()
    at = header_position(counts)
    header = sample.get(at + 1, [])
    if not any(h.strip() for h in header):
        raise empty_first_row()
    check_header_text(header, at + 1)
    width = len(header)

    def data_rows() -> Iterator[list[str]]:
        blank = [""] * width
        for number, cells, repeat in _rows(opener):
            last = number + repeat - 1
            if last <= at + 1:
                continue  # the header and the rows above it
            if last > budgets.MAX_SHEET_ROWS:
                raise _too_long()
            if number <= at + 1:  # a run that starts at the header: its rows after the header are data
                repeat = last - at - 1
            if not cells:
                row = blank
            else:
                row = cells + [""] * (width - len(cells)) if len(cells) < width else cells
            for _ in range(repeat):
                yield row

    source = TableSource(header=header, dialect=Dialect(format="ods", encoding="", delimiter=None, quotechar=None,
                                                        engine="expat"),
                         name=name, size=size, _rows=data_rows, width=width, cost_width=width, header_row=at + 1,
                         budget_bytes=max(content_size, size or 0), count_text=True)
    if at:
        source.issues.append(header_skipped(at))
    return source
