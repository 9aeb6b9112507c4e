"""Streaming reader of the tables communes publish: CSV (any usual dialect), XLSX and JSON arrays.

`open_table(source)` sniffs the file (empty? binary? an HTML page? XLSX? JSON?), its encoding (UTF-8 with or
without BOM, else Windows-1252 read leniently, recorded as an issue; a UTF-8 BOM is dropped on every path, even in
front of Windows-1252 text, see `TableSource.bom_mismatch`) and, for CSV, its dialect exactly as
frictionless does it (``csv.Sniffer`` on the first 100 lines, delimiters ``, TAB ; |``). It reads the header and
returns a `TableSource` whose `batches()` yields `Batch` pairs ``(first_row, record)``: the row number of the first
row and a ``pyarrow.RecordBatch`` of string columns in file order, in bounded memory (blocks of ``block_size``
bytes).

Row numbers are frictionless' ``rowPosition``: the header is row 1, the first data row is row 2, a quoted
multi-line record counts once. Rows whose cell count differs from the file's usual width (ragged rows) are not
dropped: pyarrow hands them to an invalid-row handler, they are re-parsed with the ``csv`` module and put back at
their place; a missing cell is a null (a cell that is there is never null, empty or not), cells beyond the batch
width widen it (the other rows get nulls there). An empty line reads as a row of empty cells (pyarrow)
where Validata sees a row of no cell: both are a blank row whenever "" is a missing value (always in practice).

XLSX: the first sheet as frictionless 4 reads it with openpyxl (see `_open_xlsx`): every row of the sheet's
declared dimension, formatted-but-empty rows included (Validata's ``blank-row``), nothing trimmed.

Problems that prevent reading raise `ReadError` (code ``unreadable`` or ``too_large``) with a French message.

Reading budgets (`auditor.tabular.budgets`), enforced as the file is read: at most 16 384 cells in a row (the
header's too), 20 million rows, and a number of cells (rows × columns, the cells filled in included) that grows
with the file's size; batches are sized in cells, so a wide table is read a few rows at a time, and a row far wider
than its table keeps its extra cells beside its batch (`Batch.overflow`) instead of widening every row. A record
longer than pyarrow's block (a cell of several megabytes) is read by the csv module from there on. An XLSX
workbook's parts are checked before openpyxl opens it (sizes, compression ratio, tags per row). Beyond a budget,
or on any failure of an underlying parser, reading stops with a `ReadError` naming the row; the rows read before
stay reported.
"""

from __future__ import annotations

import codecs
import csv
import functools
import io
import json
import os
import re
import weakref
from collections import Counter, deque
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterator, NamedTuple

import pyarrow as pa
import pyarrow.csv as pacsv

from . import budgets
from .xlsx import displayed, plain_text

SNIFF_LINES = 100  # frictionless' INFER_DIALECT_VOLUME
HEAD_BYTES = 1 << 16
DEFAULT_BLOCK = 1 << 19  # bytes pyarrow parses at a time: its memory use grows ~35x this
BATCH_ROWS = 1 << 15  # rows handed to the validator at a time (fewer, larger batches: less per-batch overhead)
LENIENT_CP1252 = "auditor-cp1252"

csv.field_size_limit(budgets.MAX_FIELD_BYTES)


def _quiet_unraisable(hook):
    """pyarrow decodes a ragged row as UTF-8 before handing it to our invalid-row handler; on a file that is not
    UTF-8 after all, that fails inside pyarrow's callback, which Python reports as "Exception ignored" with a
    traceback on stderr (the reading then stops and `TableSource._arrow_batches` starts again in Windows-1252).
    This drops that one report; every other goes to ``hook``."""
    def quiet(unraisable):
        if isinstance(unraisable.exc_value, UnicodeDecodeError) and \
                getattr(unraisable.object, "__qualname__", "").startswith("TableSource._arrow_batches"):
            return
        hook(unraisable)
    quiet.auditor_quiet = True
    return quiet


@functools.cache
def _memory_pool() -> None:
    """pyarrow's default allocator (mimalloc) keeps freed pages: reading a file in blocks then costs ~60 MB more
    resident memory than with jemalloc, which returns them. Use jemalloc where pyarrow ships it, unless the
    user chose a pool (ARROW_DEFAULT_MEMORY_POOL). A process-wide switch: done once, when a table is first
    opened (`open_table`), not when the module is imported. Installs `_quiet_unraisable` likewise."""
    import sys

    if not getattr(sys.unraisablehook, "auditor_quiet", False):
        sys.unraisablehook = _quiet_unraisable(sys.unraisablehook)
    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        return
    try:
        pa.set_memory_pool(pa.jemalloc_memory_pool())
    except (NotImplementedError, pa.ArrowNotImplementedError, AttributeError):
        pass


class ReadError(Exception):
    """The source cannot be read as a table: ``code`` is ``unreadable`` or ``too_large``. ``internal``: raised in
    place of an unexpected failure of a parser (the fuzz suite counts those as crashes)."""

    def __init__(self, code: str, fr: str, en: str, *, internal: bool = False):
        super().__init__(en)
        self.code = code
        self.message = {"fr": fr, "en": en}
        self.internal = internal


class EncodingRestart(Exception):
    """Raised by `TableSource.batches` when a UTF-8 file turns out not to be UTF-8 after its first blocks:
    the source has switched to its fallback encoding and the caller must start reading again."""


# ----------------------------------------------------------------------------------------------- lenient cp1252


def _lenient_table() -> str:
    chars = []
    for b in range(256):
        try:
            chars.append(bytes([b]).decode("cp1252"))
        except UnicodeDecodeError:
            chars.append(chr(b))  # the five bytes cp1252 leaves undefined read as Latin-1
    return "".join(chars)


_TABLE = _lenient_table()
_ENCODE_TABLE = codecs.charmap_build(_TABLE)


class _LenientDecoder(codecs.IncrementalDecoder):
    def decode(self, input, final=False):  # noqa: A002 - codecs API
        return codecs.charmap_decode(input, self.errors, _TABLE)[0]


class _LenientEncoder(codecs.IncrementalEncoder):
    def encode(self, input, final=False):  # noqa: A002 - codecs API
        return codecs.charmap_encode(input, self.errors, _ENCODE_TABLE)[0]


def _search(name: str):
    if name.replace("_", "-") != LENIENT_CP1252:
        return None
    return codecs.CodecInfo(
        name=LENIENT_CP1252,
        encode=lambda s, errors="strict": codecs.charmap_encode(s, errors, _ENCODE_TABLE),
        decode=lambda b, errors="strict": codecs.charmap_decode(b, errors, _TABLE),
        incrementalencoder=_LenientEncoder,
        incrementaldecoder=_LenientDecoder,
    )


codecs.register(_search)


# ----------------------------------------------------------------------------------------------- data classes


@dataclass
class Dialect:
    """How the table was read."""

    format: str = "csv"
    encoding: str = "utf-8"
    bom: bool = False
    delimiter: str | None = ","
    quotechar: str | None = '"'
    doublequote: bool = True
    escapechar: str | None = None
    skipinitialspace: bool = False
    engine: str = "pyarrow"

    def to_dict(self) -> dict[str, Any]:
        """As reported: the lenient internal codec is shown by its public name."""
        d = asdict(self)
        if d["encoding"] == LENIENT_CP1252:
            d["encoding"] = "windows-1252"
        return d


class Batch(NamedTuple):
    """Data rows read together: the row number of the first one and their cells (null = no such cell).

    ``overflow`` holds the cells of rows far wider than the table (more than `budgets.WIDEN_SLACK` cells beyond
    its usual width and its header), beyond the record's columns: ``{row index in the batch: [cells]}``, the
    first one at column ``record.num_columns + 1``. They are extra cells for the validator, kept aside so that
    one wide row does not widen every row of its batch."""

    first_row: int
    record: pa.RecordBatch
    overflow: dict[int, list[str]] | None = None


@dataclass
class TableSource:
    """A table ready to be streamed: header, dialect, issues met while opening, and `batches()`."""

    header: list[str]
    dialect: Dialect
    issues: list[dict[str, Any]] = field(default_factory=list)
    name: str | None = None
    size: int | None = None
    _open: Callable[[], BinaryIO] | None = None
    _rows: Callable[[], Iterator[list[Any]]] | None = None
    width: int = 0
    block_size: int = DEFAULT_BLOCK
    batch_rows: int = BATCH_ROWS
    prefetch: bool = True
    header_row: int = 1  # record number of the header (data rows follow it)
    first_record: list[str] | None = None  # the file's first record (Validata's structure warnings read it)
    rows_read: int = 0
    cost_width: int = 0  # columns a row costs once validated (the header's, when it is wider than the rows)
    budget_bytes: int | None = None  # what the cell budget is proportional to (None: the file's size)
    count_text: bool = False  # rows may repeat one text many times (workbooks): batches are bounded in characters

    @property
    def bom_mismatch(self) -> bool:
        """The file starts with a UTF-8 byte order mark but is not UTF-8 (it is read as Windows-1252, BOM
        dropped). Validata trusts the BOM, cannot decode the file and reports an encoding error."""
        return self.dialect.bom and self.dialect.encoding == LENIENT_CP1252

    def batches(self) -> Iterator[Batch]:
        """Yield the data rows in bounded batches (see the module docstring), within the reading budgets
        (`auditor.tabular.budgets`): past them, or on any failure of the underlying parser, a `ReadError` says
        where reading stopped; the batches yielded before stay valid."""
        self.rows_read = 0
        if self.dialect.format != "csv":
            gen = _list_batches(self._rows(), self, self.header_row + 1)
        elif self.dialect.engine == "pyarrow":
            gen = _prefetch(self._arrow_batches()) if self.prefetch else self._arrow_batches()
        else:
            gen = self._python_batches()
        max_cells = budgets.cell_budget(self.budget_bytes if self.budget_bytes is not None else self.size)
        width = max(self.cost_width, self.width, 1)
        cells = 0
        try:
            for batch in gen:
                n = batch.record.num_rows
                cells += n * max(width, batch.record.num_columns) + sum(map(len, (batch.overflow or {}).values()))
                if self.rows_read + n > budgets.MAX_ROWS:
                    raise _over_budget(
                        f"le tableau dépasse {budgets.fmt(budgets.MAX_ROWS)} lignes",
                        f"the table exceeds {budgets.fmt_en(budgets.MAX_ROWS)} rows", self.header_row + self.rows_read + 1,
                        "découpez le fichier (par année, par exemple)", "split the file (by year, for instance)")
                if cells > max_cells:
                    raise _over_budget(
                        f"le tableau dépasse {budgets.fmt(max_cells)} cellules (lignes × colonnes, cellules vides "
                        "comprises)", f"the table exceeds {budgets.fmt_en(max_cells)} cells (rows × columns, empty "
                        "cells included)", batch.first_row, "retirez les colonnes et les lignes vides, ou découpez "
                        "le fichier", "remove the empty columns and rows, or split the file")
                self.rows_read += n
                yield batch
        except (ReadError, EncodingRestart):
            raise
        except Exception as exc:  # noqa: BLE001 - a parser failing on hostile input is a reading problem, never a crash
            row = self.header_row + self.rows_read + 1
            raise ReadError("unreadable", f"Le fichier ne peut pas être lu au-delà de la ligne {row - 1} ({exc}).",
                            f"The file cannot be read past row {row - 1} ({exc}).", internal=True) from exc
        finally:
            gen.close()

    # -- CSV, pyarrow engine

    def _arrow_batches(self) -> Iterator[Batch]:
        d = self.dialect
        invalid: deque = deque()

        def handler(row):
            invalid.append((row.number, row.text))
            return "skip"

        width = max(self.width, 1)
        names = [f"c{i}" for i in range(width)]
        read = pacsv.ReadOptions(block_size=budgets.arrow_block(width, self.block_size), use_threads=False,
                                 column_names=names, skip_rows_after_names=self.header_row,
                                 encoding=_arrow_encoding(d.encoding))
        parse = pacsv.ParseOptions(delimiter=d.delimiter, quote_char=d.quotechar or False,
                                   double_quote=d.doublequote, escape_char=d.escapechar or False,
                                   newlines_in_values=True, ignore_empty_lines=False, invalid_row_handler=handler)
        convert = pacsv.ConvertOptions(column_types={n: pa.string() for n in names}, strings_can_be_null=False,
                                       quoted_strings_can_be_null=False)
        packer = _Packer(self)
        next_row = self.header_row + 1
        resume = None
        stream = self._open()
        try:
            if d.bom:  # a UTF-8 BOM, whatever the encoding the file is finally read in
                stream.read(len(codecs.BOM_UTF8))
            try:
                reader = pacsv.open_csv(stream, read_options=read, parse_options=parse, convert_options=convert)
                for rb in reader:
                    next_row = self._place(rb, invalid, next_row, packer)
                    yield from packer.ready()
                next_row = self._place(None, invalid, next_row, packer)
            except pa.ArrowInvalid as exc:
                text = str(exc)
                if "straddl" in text:  # a record longer than pyarrow's block (a large cell): the csv module
                    next_row = self._place(None, invalid, next_row, packer)  # reads the rest, row by row
                    resume = next_row
                elif d.encoding in ("utf-8", "utf-8-sig") and ("UTF8" in text or "UTF-8" in text or "utf-8" in text
                                                               or ("Expected" in text and "columns, got" in text)):
                    # (the last: a ragged row our handler never saw, pyarrow failing to decode it as UTF-8)
                    self._fallback_encoding()
                    raise EncodingRestart() from exc
                else:
                    raise ReadError("unreadable", f"Le fichier CSV ne peut pas être lu jusqu'au bout ({text}).",
                                    f"The CSV file cannot be read to its end ({text}).") from exc
        finally:
            stream.close()
        if resume is not None:
            yield from self._python_rows(packer, resume)
        else:
            yield from packer.finish()

    def _place(self, rb, invalid: deque, next_row: int, packer: "_Packer") -> int:
        """Hand the rows of ``rb`` and the ragged rows pyarrow skipped to ``packer``, in record order; returns
        the number of the next row."""
        n = rb.num_rows if rb is not None else 0
        pos = 0
        while True:
            if invalid and (invalid[0][0] is None or invalid[0][0] <= next_row):
                _, text = invalid.popleft()
                packer.add_row(next_row, self._parse_text(text))
                next_row += 1
                continue
            if pos >= n:
                break
            k = n - pos
            if invalid:
                k = min(k, invalid[0][0] - next_row)
            packer.add_record(next_row, rb.slice(pos, k))
            pos += k
            next_row += k
        return next_row

    def _parse_text(self, text: str) -> list[str]:
        rows = list(csv.reader(io.StringIO(text, newline=""), **self._csv_kwargs()))
        return rows[0] if rows else []

    def _named(self, arrays) -> pa.RecordBatch:
        names = [self.header[i] if i < len(self.header) else f"#{i + 1}" for i in range(len(arrays))]
        return pa.RecordBatch.from_arrays(list(arrays), names=names)

    # -- CSV, python engine (dialects pyarrow does not read the way the csv module does)

    def _csv_kwargs(self) -> dict[str, Any]:
        d = self.dialect
        kwargs: dict[str, Any] = {"delimiter": d.delimiter, "doublequote": d.doublequote,
                                  "skipinitialspace": d.skipinitialspace}
        if d.quotechar:
            kwargs["quotechar"] = d.quotechar
        else:
            kwargs["quoting"] = csv.QUOTE_NONE
        if d.escapechar:
            kwargs["escapechar"] = d.escapechar
        return kwargs

    def _python_batches(self) -> Iterator[Batch]:
        yield from self._python_rows(_Packer(self), self.header_row + 1)

    def _python_rows(self, packer: "_Packer", next_row: int) -> Iterator[Batch]:
        """The data rows from ``next_row`` on, read by the csv module (the rows before it are skipped)."""
        counted = _Counted(iter(()), next_row)
        stream = self._open()
        try:
            if self.dialect.bom:  # a UTF-8 BOM, whatever the encoding the file is finally read in
                stream.read(len(codecs.BOM_UTF8))
            text = io.TextIOWrapper(stream, encoding=self.dialect.encoding, newline="")
            rows = csv.reader(text, **self._csv_kwargs())
            for _ in range(next_row - 1):  # the header, the lines above it and the rows already read
                next(rows, None)
            counted = _Counted(rows, next_row)
            yield from _list_batches(counted, self, next_row, packer)
        except UnicodeDecodeError as exc:
            next_row = counted.next_row
            if self.dialect.encoding in ("utf-8", "utf-8-sig"):
                self._fallback_encoding()
                raise EncodingRestart() from exc
            name = Dialect(encoding=self.dialect.encoding).to_dict()["encoding"].upper()
            raise ReadError("unreadable", f"Le fichier n'est pas un texte {name} valide à partir de la ligne "
                            f"{next_row} (fichier tronqué ou mal enregistré ?) : {exc.reason}. Enregistrez-le de "
                            "nouveau, de préférence en UTF-8.",
                            f"The file is not valid {name} text from row {next_row} on (truncated or badly saved?): "
                            f"{exc.reason}. Save it again, preferably as UTF-8.") from exc
        except csv.Error as exc:
            next_row = counted.next_row
            raise ReadError("unreadable", f"Le fichier CSV ne peut pas être lu au-delà de la ligne {next_row - 1} "
                            f"({exc}).", f"The CSV file cannot be read past row {next_row - 1} ({exc}).") from exc
        finally:
            stream.close()

    def _fallback_encoding(self) -> None:
        """The file is not UTF-8 after all: read it, header included, as Windows-1252 (as Validata decodes a file
        that is not UTF-8 as a whole)."""
        self.dialect.encoding = LENIENT_CP1252
        self.issues.append(_encoding_issue())
        with self._open() as f:
            head = f.read(HEAD_BYTES)
        text = _strip_bom(head, self.dialect.bom).decode(LENIENT_CP1252)
        records = list(csv.reader(io.StringIO(text, newline=""), **self._csv_kwargs()))
        if len(records) >= self.header_row:
            self.header = [str(c) for c in records[self.header_row - 1]]
            self.first_record = [str(c) for c in records[0]]


def _over_budget(what_fr: str, what_en: str, row: int, fix_fr: str, fix_en: str) -> ReadError:
    return ReadError("unreadable", f"Lecture arrêtée à la ligne {row} : {what_fr}, la limite de lecture d'un fichier. "
                     f"{fix_fr[0].upper()}{fix_fr[1:]}.",
                     f"Reading stopped at row {row}: {what_en}, the reading limit of a file. "
                     f"{fix_en[0].upper()}{fix_en[1:]}.")


def _too_wide(row: int | None, cells: int) -> ReadError:
    where_fr = f"la ligne {row}" if row is not None else "l'en-tête"
    where_en = f"row {row}" if row is not None else "the header"
    return ReadError("unreadable", f"{where_fr[0].upper()}{where_fr[1:]} compte {budgets.fmt(cells)} cellules, au-delà "
                     f"de la limite de {budgets.fmt(budgets.MAX_COLUMNS)} colonnes par ligne : le fichier n'est pas lu "
                     "plus loin. Vérifiez le séparateur de colonnes et retirez les séparateurs en trop.",
                     f"{where_en[0].upper()}{where_en[1:]} has {budgets.fmt_en(cells)} cells, over the limit of "
                     f"{budgets.fmt_en(budgets.MAX_COLUMNS)} columns per row: the file is not read further. Check the "
                     "column separator and remove the extra separators.")


def _bad_character(first: int, last: int) -> ReadError:
    where_fr = f"La ligne {first} contient" if first == last else f"Une des lignes {first} à {last} contient"
    where_en = f"Row {first} holds" if first == last else f"One of rows {first} to {last} holds"
    return ReadError("unreadable", f"{where_fr} un caractère invalide (une moitié de paire UTF-16 isolée, comme "
                     "\\udcff) : aucun texte UTF-8 ne peut le contenir. Corrigez ou retirez-le ; la lecture s'arrête là.",
                     f"{where_en} an invalid character (a lone UTF-16 surrogate, such as \\udcff): no UTF-8 text can "
                     "hold it. Fix or remove it; reading stops there.")


HEADER_SEARCH = 100  # rows of a workbook searched for its header when the first one is a title


def header_position(counts: list[int]) -> int:
    """Where the header of a sheet is (0-based), from the count of non-empty cells of its first rows: the first
    row, unless it holds fewer than two cells (empty, or a title) and a later row among the first 100 holds two or
    more, which is then the header. Validata always reads the first row (frictionless pads the rows of a workbook
    to one width, so its search for the header, by width, stops at the first): where that row holds two cells or
    more, which is the case of every table it reads correctly, the header is the same."""
    if not counts or counts[0] >= 2:
        return 0
    return next((k for k, n in enumerate(counts[:HEADER_SEARCH]) if n >= 2), 0)


def header_skipped(at: int) -> dict[str, Any]:
    """The issue of a sheet whose header is not its first row (`header_position`)."""
    return {"code": "header-not-first", "message": {
        "fr": f"Les {at} première(s) ligne(s) de la feuille ne sont pas l'en-tête (titre, lignes vides ?) : "
              f"l'en-tête lu est la ligne {at + 1}. Retirez ce qui précède l'en-tête : Validata lit la première "
              "ligne comme en-tête.",
        "en": f"The first {at} row(s) of the sheet are not the header (title, empty rows?): the header read is row "
              f"{at + 1}. Remove what comes before the header: Validata reads the first row as the header."}}


class _Packer:
    """Rows gathered into batches of bounded size: at most ``source.batch_rows`` rows and
    `budgets.CELLS_PER_BATCH` cells (rows × the table's width, its header's when wider), so that memory follows
    the cells of a batch, never the widest row of a file.

    Rows come as pyarrow record batches of the table's width (`add_record`) or as lists of cells (`add_row`: the
    ragged rows of pyarrow, the csv module's rows, XLSX and JSON rows). A row wider than the table widens its batch
    by up to `budgets.WIDEN_SLACK` columns; its cells beyond go to `Batch.overflow`. A row of more than
    `budgets.MAX_COLUMNS` cells is refused (`ReadError`)."""

    def __init__(self, source: TableSource):
        self.source = source
        self.base = max(source.width, 1)
        cost = max(source.cost_width, self.base)
        self.cap = cost + budgets.WIDEN_SLACK
        self.cost = cost
        self.max_rows = budgets.batch_rows(cost, source.batch_rows)
        self.out: deque = deque()
        self.count_text = source.count_text
        self.text_budget = budgets.text_budget(source.budget_bytes if source.budget_bytes is not None else source.size)
        self.text_total = 0
        self.last: list | None = None  # the last row measured, and its characters (a repeated row is measured once)
        self.last_chars = 0
        self._reset()

    def _reset(self) -> None:
        self.segments: list[Any] = []  # RecordBatch, or list of rows (lists of cells)
        self.first: int | None = None
        self.rows = 0
        self.width = self.base
        self.overflow: dict[int, list[str]] = {}
        self.extra = 0
        self.chars = 0

    def _room(self, rows: int, width: int, extra: int) -> bool:
        w = max(self.width, width)
        return self.rows + rows <= self.max_rows and \
            (self.rows + rows) * max(w, self.cost) + self.extra + extra <= budgets.CELLS_PER_BATCH

    def add_record(self, first: int, rb: pa.RecordBatch) -> None:
        while rb.num_rows:
            if self.rows and not self._room(1, rb.num_columns, 0):
                self._flush()
            room = max(1, min(self.max_rows - self.rows, budgets.CELLS_PER_BATCH // max(self.cost, self.width)
                              - self.rows))
            part = rb.slice(0, room) if room < rb.num_rows else rb
            if self.first is None:
                self.first = first
            self.segments.append(part)
            self.rows += part.num_rows
            first += part.num_rows
            rb = rb.slice(part.num_rows)
            if self.rows >= self.max_rows:
                self._flush()

    def add_row(self, row: int, cells: list) -> None:
        if self.count_text and (cells is not self.last or self.last_chars) and not self._count_text(row, cells):
            return  # (a row repeated without text, the gap rows of a sheet, costs nothing)
        n = len(cells)
        if n > self.width or not self.rows or not isinstance(self.segments[-1], list):
            self._add_row_slow(row, cells, n)
            return
        self.segments[-1].append(cells)  # the common case: a row no wider than its batch
        self.rows += 1
        if self.rows >= self.max_rows:
            self._flush()

    def _count_text(self, row: int, cells: list) -> bool:
        """Account for the characters of a row of a workbook, where one text can be repeated at little cost (a
        shared string, a repeated cell or row): a batch holds at most `budgets.BATCH_CHARS` characters, a table at
        most `budgets.text_budget`. False when the row is refused (the error is queued after the rows before)."""
        if cells is not self.last:
            self.last, self.last_chars = cells, sum(map(len, cells))
        chars = self.last_chars
        self.text_total += chars
        if self.text_total > self.text_budget:
            if self.rows:
                self._flush()
            self.out.append(_over_budget(
                f"le texte du tableau dépasse {budgets.fmt(self.text_budget)} caractères (textes répétés compris)",
                f"the text of the table exceeds {budgets.fmt_en(self.text_budget)} characters (repeated texts "
                "included)", row, "retirez les textes répétés ou découpez le fichier",
                "remove the repeated texts or split the file"))
            return False
        if self.rows and self.chars + chars > budgets.BATCH_CHARS:
            self._flush()
        self.chars += chars
        return True

    def _add_row_slow(self, row: int, cells: list, n: int) -> None:
        if n > budgets.MAX_COLUMNS:  # the rows before it are handed over first, then reading stops
            if self.rows:
                self._flush()
            self.out.append(_too_wide(row, n))
            return
        width = min(n, self.cap)
        extra = n - width
        if self.rows and not self._room(1, width, extra):
            self._flush()
        if self.first is None:
            self.first = row
        if not self.segments or not isinstance(self.segments[-1], list):
            self.segments.append([])
        self.segments[-1].append(cells)
        if width > self.width:
            self.width = width
        if extra:
            self.overflow[self.rows] = cells  # cut at the batch's final width when it is built
            self.extra += extra
        self.rows += 1
        if self.rows >= self.max_rows:
            self._flush()

    def ready(self) -> Iterator[Batch]:
        while self.out:
            item = self.out.popleft()
            if isinstance(item, Exception):
                raise item
            yield item

    def finish(self) -> Iterator[Batch]:
        if self.rows:
            self._flush()
        yield from self.ready()

    def _flush(self) -> None:
        segments, first, width = self.segments, self.first, self.width
        source = self.source
        if all(isinstance(seg, pa.RecordBatch) for seg in segments) and width == self.base:
            if len(segments) == 1:
                record = source._named(segments[0].columns)
            else:  # blocks of the usual width: concatenate
                record = source._named([pa.concat_arrays([seg.column(i) for seg in segments])
                                        for i in range(segments[0].num_columns)])
            self.out.append(Batch(first, record))
            self._reset()
            return
        columns: list[list[pa.Array]] = [[] for _ in range(width)]
        at = first
        try:
            for seg in segments:
                if isinstance(seg, pa.RecordBatch):
                    for i in range(width):
                        columns[i].append(seg.column(i) if i < seg.num_columns
                                          else pa.nulls(seg.num_rows, pa.string()))
                    at += seg.num_rows
                    continue
                if len(seg) > 1 and all(r is seg[0] for r in seg):  # one row repeated: the gap rows of a sheet
                    same: dict[Any, pa.Array] = {}
                    row0 = seg[0]
                    for i in range(width):
                        value = row0[i] if i < len(row0) else None
                        if value not in same:
                            same[value] = pa.array([value] * len(seg), type=pa.string())
                        columns[i].append(same[value])
                else:
                    for i in range(width):
                        columns[i].append(pa.array([r[i] if i < len(r) else None for r in seg], type=pa.string()))
                at += len(seg)
        except (UnicodeEncodeError, pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            if isinstance(exc, UnicodeEncodeError) or "surrogate" in str(exc):
                raise _bad_character(first, first + self.rows - 1) from exc
            raise
        record = source._named([parts[0] if len(parts) == 1 else pa.concat_arrays(parts) for parts in columns])
        overflow = {i: [str(c) for c in cells[width:]] for i, cells in self.overflow.items()} or None
        if overflow and any(budgets.has_surrogate(c) for cells in overflow.values() for c in cells):
            raise _bad_character(first, first + self.rows - 1)
        self.out.append(Batch(first, record, overflow))
        self._reset()


def _prefetch(gen: Iterator[Batch], depth: int = 1) -> Iterator[Batch]:
    """Run ``gen`` (pyarrow's CSV parsing, which releases the GIL) in a thread, ``depth`` batches ahead, so that
    parsing the next batch overlaps validating this one. Exceptions reach the consumer; closing the consumer
    stops the thread."""
    import queue
    import threading

    q: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    done = object()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def work():
        try:
            for item in gen:
                if not put(item):
                    return
            put(done)
        except BaseException as exc:  # noqa: BLE001 - handed over to the consumer
            put(exc)
        finally:
            gen.close()

    thread = threading.Thread(target=work, name="auditor-csv-reader", daemon=True)
    thread.start()
    try:
        while True:
            item = q.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join()


class _Counted:
    """The rows of the csv module, counted (the number of the next one, for messages)."""

    def __init__(self, rows: Iterator[list[str]], next_row: int):
        self.rows, self.next_row = rows, next_row

    def __iter__(self) -> Iterator[list[str]]:
        for cells in self.rows:
            yield cells
            self.next_row += 1


def _list_batches(rows: Iterator[list[Any]], source: TableSource, next_row: int = 2,
                  packer: _Packer | None = None) -> Iterator[Batch]:
    """Batches from lists of cells (the csv module, XLSX, JSON)."""
    packer = packer or _Packer(source)
    for cells in rows:
        packer.add_row(next_row, cells)
        next_row += 1
        if packer.out:
            yield from packer.ready()
    yield from packer.finish()


def _encoding_issue() -> dict[str, Any]:
    return {"code": "encoding-fallback",
            "message": {"fr": "Le fichier n'est pas encodé en UTF-8 : il a été lu en Windows-1252 (Latin-1). "
                              "Enregistrez-le en UTF-8.",
                        "en": "The file is not UTF-8 encoded: it was read as Windows-1252 (Latin-1). "
                              "Save it as UTF-8."}}


def _arrow_encoding(encoding: str) -> str:
    return "utf8" if encoding in ("utf-8", "utf-8-sig") else encoding


def _strip_bom(data: bytes, bom: bool) -> bytes:
    return data[len(codecs.BOM_UTF8):] if bom and data.startswith(codecs.BOM_UTF8) else data


# ----------------------------------------------------------------------------------------------- opening


def _opener(source) -> tuple[Callable[[], BinaryIO], int | None, str | None]:
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        return (lambda: io.BytesIO(data)), len(data), None
    if isinstance(source, (str, Path)):
        path = Path(source)
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise ReadError("unreadable", f"Le fichier {path.name} est introuvable ou illisible.",
                            f"The file {path.name} cannot be found or read.") from exc
        return (lambda: open(path, "rb")), size, path.name
    raise TypeError("source must be a path or bytes")


_HTML_RE = re.compile(rb"^\s*(<!doctype\s+html|<html|<head|<body|<\?xml|<!--)", re.I)


def _kind(head: bytes, name: str | None, fmt: str | None) -> str:
    suffix = (Path(name).suffix.lower().lstrip(".") if name else "")
    if fmt:
        return fmt
    if head.startswith(b"PK\x03\x04"):
        return "ods" if b"opendocument" in head[:200] or suffix == "ods" else "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    body = head[3:] if head.startswith(codecs.BOM_UTF8) else head
    if _HTML_RE.match(body[:2048]) or (b"<html" in body[:2048].lower() and b"</" in body[:4096]):
        return "html"
    stripped = body.lstrip()
    if suffix == "json" or (stripped[:1] in (b"[", b"{") and suffix not in ("csv", "tsv", "txt")):
        return "json"
    if suffix in ("xlsx", "xlsm"):
        return "xlsx"
    return "csv"


def _opendocument(opener) -> bool:
    """A ZIP that holds ``content.xml`` and no ``[Content_Types].xml``: an OpenDocument file whose ``mimetype`` is
    not stored first (so not seen in its first bytes)."""
    import zipfile

    try:
        with opener() as f, zipfile.ZipFile(f) as zf:
            names = set(zf.namelist())
    except Exception:  # noqa: BLE001 - not a readable ZIP: the XLSX reader says so
        return False
    return "content.xml" in names and "[Content_Types].xml" not in names


def open_table(source, *, fmt: str | None = None, encoding: str | None = None, delimiter: str | None = None,
               max_bytes: int | None = None, block_size: int = DEFAULT_BLOCK) -> TableSource:
    """Open ``source`` (a path or bytes) as a table; raise `ReadError` when it is not one."""
    _memory_pool()
    opener, size, name = _opener(source)
    if max_bytes is not None and size is not None and size > max_bytes:
        raise ReadError("too_large",
                        f"Le fichier pèse {size} octets, au-delà de la limite de {max_bytes} octets : il n'a pas été lu.",
                        f"The file is {size} bytes, over the {max_bytes}-byte limit: it was not read.")
    with opener() as f:
        head = f.read(HEAD_BYTES)
    if not head.strip(b" \t\r\n\x00") or head == codecs.BOM_UTF8:
        raise ReadError("unreadable", "Le fichier est vide.", "The file is empty.")
    kind = _kind(head, name, fmt)
    if kind == "html":
        raise ReadError("unreadable", "Le fichier est une page web (HTML), pas un tableau de données : le lien "
                        "pointe sans doute vers une page et non vers le fichier.",
                        "The file is a web page (HTML), not a data table: the link probably points to a page, "
                        "not to the file.")
    if kind == "xlsx" and not fmt and _opendocument(opener):
        kind = "ods"
    try:
        if kind == "xlsx":
            return _open_xlsx(opener, size, name)
        if kind == "xls":
            from .xls import open_xls

            return open_xls(opener, size, name)
        if kind == "ods":
            from .ods import open_ods

            return open_ods(opener, size, name)
        if kind == "json":
            return _open_json(opener, size, name)
        return _open_csv(opener, head, size, name, encoding, delimiter, block_size)
    except ReadError:
        raise
    except Exception as exc:  # noqa: BLE001 - a parser failing on hostile input is a reading problem, never a crash
        raise ReadError("unreadable", f"Le fichier ne peut pas être lu comme un tableau ({type(exc).__name__} : "
                        f"{str(exc)[:200]}).", f"The file cannot be read as a table ({type(exc).__name__}: "
                        f"{str(exc)[:200]}).", internal=True) from exc


def _decode_head(head: bytes, encoding: str | None) -> tuple[str, str, bool, list]:
    """(text of the head without its BOM, encoding, UTF-8 BOM present, issues)."""
    issues: list = []
    if head.startswith(codecs.BOM_UTF8):
        body = head[len(codecs.BOM_UTF8):]
        try:
            return codecs.getincrementaldecoder("utf-8")().decode(body, final=False), "utf-8", True, issues
        except UnicodeDecodeError:  # a UTF-8 BOM in front of Windows-1252 text: the BOM is dropped all the same
            issues.append(_encoding_issue())
            return body.decode(LENIENT_CP1252), LENIENT_CP1252, True, issues
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return head.decode("utf-16", errors="ignore"), "utf-16", False, issues
    if encoding:
        return head.decode(encoding, errors="replace"), encoding, False, issues
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        text = decoder.decode(head, final=False)
        return text, "utf-8", False, issues
    except UnicodeDecodeError:
        issues.append(_encoding_issue())
        return head.decode(LENIENT_CP1252), LENIENT_CP1252, False, issues


_LINE_RE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


_CONTROL = bytes(c for c in range(32) if c not in (9, 10, 13))


def _binary(head: bytes) -> bool:
    """NUL bytes, or more than 5 % of control characters (tabs and line breaks aside): not a text file."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    sample = head[:8192]
    if b"\x00" in sample:
        return True
    controls = len(sample) - len(sample.translate(None, _CONTROL))
    return controls > 0.05 * len(sample)


def header_index(records: list[list[str]]) -> int:
    """Index of the header among the first records, as frictionless finds it: the first record whose width is
    within 10 % (at least 1) of the mean width of the sample; a title line above the header is skipped."""
    widths = [len(r) for r in records[:SNIFF_LINES]]
    if not widths:
        return 0
    width = round(sum(widths) / len(widths))
    drift = max(round(width * 0.1), 1)
    for k, w in enumerate(widths):
        if width - drift <= w <= width + drift:
            return k
    return 0


def _open_csv(opener, head: bytes, size, name, encoding, delimiter, block_size) -> TableSource:
    if _binary(head):
        raise ReadError("unreadable", "Le fichier est binaire : ce n'est pas un fichier CSV lisible.",
                        "The file is binary: it is not a readable CSV file.")
    text, enc, bom, issues = _decode_head(head, encoding)
    complete = size is not None and size <= len(head)
    lines = _LINE_RE.findall(text)
    if not complete and len(lines) > 1 and not lines[-1].endswith(("\n", "\r")):
        lines = lines[:-1]
    sample = "".join(lines[:SNIFF_LINES])
    dialect = Dialect(format="csv", encoding=enc, bom=bom)
    try:
        sniffed = csv.Sniffer().sniff(_sniff_sample(lines[:SNIFF_LINES]), ",\t;|")
        dialect.delimiter = sniffed.delimiter
        dialect.quotechar = '"' if sniffed.quotechar == "'" else (sniffed.quotechar or '"')
        dialect.escapechar = sniffed.escapechar or None
        dialect.skipinitialspace = bool(sniffed.skipinitialspace)
    except csv.Error:
        pass
    if delimiter:
        dialect.delimiter = delimiter
    if dialect.skipinitialspace or dialect.escapechar or enc == "utf-16" or len(dialect.delimiter or ",") != 1:
        dialect.engine = "python"
    source = TableSource(header=[], dialect=dialect, issues=issues, name=name, size=size, _open=opener,
                         block_size=block_size)
    records = list(csv.reader(io.StringIO(sample, newline=""), **source._csv_kwargs()))
    if not records:
        raise ReadError("unreadable", "Le fichier ne contient aucune ligne.", "The file has no row.")
    at = header_index(records)
    for k, record in enumerate(records):
        if len(record) > budgets.MAX_COLUMNS:
            raise _too_wide(None if k == at else k + 1, len(record))
    source.header_row = at + 1
    source.header = [str(c) for c in records[at]]
    source.first_record = [str(c) for c in records[0]]
    if at:
        source.issues.append({"code": "header-not-first", "message": {
            "fr": f"Les {at} première(s) ligne(s) ne sont pas l'en-tête (titre, commentaire ?) : l'en-tête lu est la "
                  f"ligne {at + 1}, comme le fait Validata. Retirez ce qui précède l'en-tête.",
            "en": f"The first {at} line(s) are not the header (title, comment?): the header read is line {at + 1}, as "
                  "Validata does. Remove what comes before the header."}})
    counts = Counter(len(r) for r in records[at + 1:] if r)
    source.width = counts.most_common(1)[0][0] if counts else len(source.header)
    source.width = max(source.width, 1)
    source.cost_width = max(source.width, len(source.header))
    if source.width > budgets.ARROW_MAX_WIDTH:  # pyarrow would turn each empty line into this many cells
        dialect.engine = "python"
    return source


SNIFF_CHARS = 1 << 14


def _sniff_sample(lines: list[str]) -> str:
    """The lines the dialect is guessed from: the first 100, as frictionless reads them, within 16 Ki characters
    (``csv.Sniffer``'s regular expressions take a time that grows with the square of the sample on some inputs,
    19 s on 64 KiB of ``,"``); a first line longer than that is cut."""
    out: list[str] = []
    total = 0
    for line in lines:
        if total + len(line) > SNIFF_CHARS:
            if not out:
                out.append(line[:SNIFF_CHARS])
            break
        out.append(line)
        total += len(line)
    return "".join(out)


# ----------------------------------------------------------------------------------------------- XLSX and JSON


def check_header_text(header: list[str], row: int) -> None:
    """A workbook's header holds at most `budgets.MAX_HEADER_CHARS` characters: one long text repeated across the
    columns (a shared string, a repeated cell) would cost every comparison of labels that much."""
    chars = sum(map(len, header))
    if chars > budgets.MAX_HEADER_CHARS:
        raise ReadError("unreadable", f"L'en-tête (ligne {row}) compte {budgets.fmt(chars)} caractères, au-delà de la "
                        f"limite de {budgets.fmt(budgets.MAX_HEADER_CHARS)} : ce ne sont pas des noms de colonnes.",
                        f"The header (row {row}) holds {budgets.fmt_en(chars)} characters, over the limit of "
                        f"{budgets.fmt_en(budgets.MAX_HEADER_CHARS)}: these are not column names.")


def empty_first_row() -> ReadError:
    return ReadError("unreadable", "La première ligne de la première feuille du classeur est vide : elle doit porter "
                     "les noms des colonnes.", "The first row of the first sheet is empty: it must hold the column names.")


def workbook_corrupt(kind: str, row: int | None = None) -> ReadError:
    """A workbook (``kind``: XLSX, XLS, ODS) its reader fails on, from ``row`` on when some rows were read."""
    if row is None:
        return ReadError("unreadable", f"Le classeur {kind} est illisible ou corrompu.",
                         f"The {kind} workbook is unreadable or corrupt.")
    return ReadError("unreadable", f"Le classeur {kind} est illisible ou corrompu à partir de la ligne {row}.",
                     f"The {kind} workbook is unreadable or corrupt from row {row} on.")


def _open_xlsx(opener, size, name) -> TableSource:
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

    Before openpyxl reads anything, the parts of the workbook are checked against the budgets (`_check_parts`);
    while the rows are read, the sheet stays within the format's limits (1 048 576 rows, 16 384 columns)."""
    import openpyxl
    from openpyxl.cell.read_only import EMPTY_CELL

    def corrupt(row: int | None = None) -> ReadError:
        return workbook_corrupt("XLSX", row)

    sheet_bytes = _check_parts(opener)

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


_PREFIX = rb"<(?:[A-Za-z_][\w.-]*:)?"
_ROW_TAG = re.compile(_PREFIX + rb"row[\s/>]")
_STRING_TAG = re.compile(_PREFIX + rb"si[\s/>]")
MAX_SPAN_TAGS = 300_000  # XML tags in one row of a sheet, one shared string, or any other part read whole


def _check_parts(opener) -> int:
    """Check every part of a workbook against the budgets before openpyxl reads it (`auditor.tabular.budgets`):
    number of parts, declared size and compression ratio of each (``zipfile`` stops at the declared size), and,
    streamed through once, the XML openpyxl builds in memory: the tags of each row of a sheet (the standard
    library parses a whole row before openpyxl sees it), of each shared string, of every other part (read
    whole), the rows of a sheet and the shared strings. Returns the decompressed size of the worksheets."""
    import zipfile

    def refuse(fr: str, en: str) -> ReadError:
        return ReadError("unreadable", f"Le classeur XLSX est refusé : {fr}. S'il est authentique, enregistrez-le "
                         "de nouveau (ou publiez-le en CSV).",
                         f"The XLSX workbook is refused: {en}. If it is genuine, save it again (or publish it as CSV).")

    sheets = 0
    with opener() as f:
        try:
            zf = zipfile.ZipFile(f)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
            raise ReadError("unreadable", "Le classeur XLSX est illisible ou corrompu.",
                            "The XLSX workbook is unreadable or corrupt.") from exc
        with zf:
            infos = zf.infolist()
            if len(infos) > budgets.MAX_PARTS:
                raise refuse(f"il contient {budgets.fmt(len(infos))} parties (limite {budgets.fmt(budgets.MAX_PARTS)})",
                             f"it holds {budgets.fmt_en(len(infos))} parts (limit {budgets.fmt_en(budgets.MAX_PARTS)})")
            for info in infos:
                shown = _shown(info)
                size = max(info.file_size, 0)
                problem = zip_part_problem(info)
                if problem:
                    raise refuse(*problem)
                lower = info.filename.lower()
                if not lower.endswith((".xml", ".rels")):
                    continue  # images, binaries: never parsed in read-only mode
                sheet = "worksheets/" in lower and lower.endswith(".xml")
                strings = lower.endswith("sharedstrings.xml")
                if not sheet and size > budgets.MAX_LOADED_PART_BYTES:
                    raise refuse(f"la partie « {shown} », lue d'un bloc, se décompresse en {_mib(size)} (limite "
                                 f"{_mib(budgets.MAX_LOADED_PART_BYTES)})", f"part “{shown}”, read whole, expands to "
                                 f"{_mib(size, 'MiB')} (limit {_mib(budgets.MAX_LOADED_PART_BYTES, 'MiB')})")
                if sheet:
                    sheets += size
                units = _scan_part(zf, info, _ROW_TAG if sheet else _STRING_TAG if strings else None, refuse, shown)
                if sheet and units > budgets.MAX_SHEET_ROWS:
                    raise refuse(f"la feuille « {shown} » compte {budgets.fmt(units)} lignes (limite du format "
                                 f"{budgets.fmt(budgets.MAX_SHEET_ROWS)})", f"sheet “{shown}” has "
                                 f"{budgets.fmt_en(units)} rows (the format's limit is "
                                 f"{budgets.fmt_en(budgets.MAX_SHEET_ROWS)})")
                if strings and units > budgets.MAX_SHARED_STRINGS:
                    raise refuse(f"sa table de textes partagés compte plus de {budgets.fmt(budgets.MAX_SHARED_STRINGS)} "
                                 "textes", f"its shared strings table holds over "
                                 f"{budgets.fmt_en(budgets.MAX_SHARED_STRINGS)} texts")
    return sheets


def _shown(info) -> str:
    return "".join(c if c.isprintable() else "?" for c in info.filename)[:120]


def zip_part_problem(info) -> tuple[str, str] | None:
    """Why a part of a workbook (a ``zipfile.ZipInfo``) is refused before it is read, in French and English: its
    declared size beyond `budgets.MAX_PART_BYTES`, or, past `budgets.RATIO_FLOOR`, a compression ratio beyond
    `budgets.MAX_RATIO` (``zipfile`` stops at the declared size). None when it is within the budgets."""
    shown, size = _shown(info), max(info.file_size, 0)
    if size > budgets.MAX_PART_BYTES:
        return (f"la partie « {shown} » se décompresse en {_mib(size)} (limite {_mib(budgets.MAX_PART_BYTES)})",
                f"part “{shown}” expands to {_mib(size, 'MiB')} (limit {_mib(budgets.MAX_PART_BYTES, 'MiB')})")
    if size > budgets.RATIO_FLOOR and size > budgets.MAX_RATIO * max(info.compress_size, 1):
        ratio = size / max(info.compress_size, 1)
        return (f"la partie « {shown} » est compressée {ratio:.0f} fois (limite {budgets.MAX_RATIO:.0f}) : bombe de "
                "décompression probable", f"part “{shown}” is compressed {ratio:.0f} times (limit "
                f"{budgets.MAX_RATIO:.0f}): probably a decompression bomb")
    return None


def _scan_part(zf, info, split: re.Pattern | None, refuse, shown: str) -> int:
    """Stream one XML part: count the tags between two ``split`` tags (rows, shared strings; the whole part when
    None) against `MAX_SPAN_TAGS`, and return how many ``split`` tags it holds."""
    tags = units = 0
    carry = b""
    try:
        with zf.open(info) as part:
            while True:
                chunk = part.read(1 << 20)
                buf = carry + chunk
                end = len(buf) if not chunk else max(0, len(buf) - 256)
                pos = 0
                if split is not None:
                    for m in split.finditer(buf, 0, end):
                        tags += buf.count(b"<", pos, m.start())
                        if tags > MAX_SPAN_TAGS:
                            break
                        tags, pos = 0, m.start()
                        units += 1
                        if units > budgets.MAX_SHEET_ROWS + budgets.MAX_SHARED_STRINGS:
                            return units
                tags += buf.count(b"<", pos, end)
                if tags > MAX_SPAN_TAGS:
                    raise refuse(f"la partie « {shown} » contient un élément de plus de {budgets.fmt(MAX_SPAN_TAGS)} "
                                 "balises XML (une ligne, un texte partagé ou une section démesurés)",
                                 f"part “{shown}” holds an element of over {budgets.fmt_en(MAX_SPAN_TAGS)} XML tags "
                                 "(an oversized row, shared string or section)")
                carry = buf[end:]
                if not chunk:
                    return units
    except ReadError:
        raise
    except Exception as exc:  # noqa: BLE001 - a part that cannot be decompressed (bad CRC, unknown method...)
        raise ReadError("unreadable", "Le classeur XLSX est illisible ou corrompu.",
                        "The XLSX workbook is unreadable or corrupt.") from exc


def _mib(n: int, unit: str = "Mio") -> str:
    return f"{n / (1 << 20):.1f} {unit}"


def _open_json(opener, size, name) -> TableSource:
    with opener() as f:
        raw = f.read()
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except RecursionError as exc:
        raise _too_deep() from exc
    except (UnicodeDecodeError, ValueError) as exc:
        raise ReadError("unreadable", "Le fichier JSON est mal formé.", "The JSON file is malformed.") from exc
    del raw
    if budgets.json_depth(data) > budgets.MAX_DEPTH:
        raise _too_deep()
    if isinstance(data, dict):
        for key in ("data", "records", "rows", "results"):
            if isinstance(data.get(key), list):
                data = data[key]
                break
    if not isinstance(data, list) or not data:
        raise ReadError("unreadable", "Le fichier JSON n'est pas un tableau de lignes.",
                        "The JSON file is not an array of rows.")

    def text(v):
        if v is None:
            return ""
        if isinstance(v, (dict, list)):
            return json.dumps(v, ensure_ascii=False)
        return plain_text(v)

    if all(isinstance(r, dict) for r in data):
        header: list[str] = []
        seen = set()
        for r in data:
            for k in r:
                if k not in seen:
                    seen.add(k)
                    header.append(str(k))
                    if len(header) > budgets.MAX_COLUMNS:
                        raise _too_wide(None, len(header))

        def rows():
            for r in data:
                yield [text(r.get(k)) for k in header]
    elif all(isinstance(r, list) for r in data):
        header = [text(v) for v in data[0]]

        def rows():
            for r in data[1:]:
                yield [text(v) for v in r]
    else:
        raise ReadError("unreadable", "Le fichier JSON n'est pas un tableau de lignes.",
                        "The JSON file is not an array of rows.")
    if len(header) > budgets.MAX_COLUMNS:
        raise _too_wide(None, len(header))
    if any(budgets.has_surrogate(h) for h in header):
        raise ReadError("unreadable", "L'en-tête contient un caractère invalide (une moitié de paire UTF-16 isolée, "
                        "comme \\udcff) : aucun texte UTF-8 ne peut le contenir. Corrigez ou retirez-le.",
                        "The header holds an invalid character (a lone UTF-16 surrogate, such as \\udcff): no UTF-8 "
                        "text can hold it. Fix or remove it.")
    return TableSource(header=header, dialect=Dialect(format="json", encoding="utf-8", delimiter=None,
                                                      quotechar=None, engine="json"),
                       name=name, size=size, _rows=rows, width=len(header), cost_width=len(header))


def _too_deep() -> ReadError:
    return ReadError("unreadable", f"Le fichier JSON est imbriqué sur plus de {budgets.MAX_DEPTH} niveaux (tableaux ou "
                     "objets les uns dans les autres) : ce n'est pas un tableau de lignes, il n'est pas lu.",
                     f"The JSON file is nested over {budgets.MAX_DEPTH} levels deep (arrays or objects inside one "
                     "another): it is not an array of rows and is not read.")
