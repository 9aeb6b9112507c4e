"""The table source every reader hands back, and how it streams: `TableSource` (header, dialect, issues met
while opening) and its `batches()` of `Batch` pairs ``(first_row, record)`` in bounded memory, within the reading
budgets (`auditor.tabular.budgets`); `ReadError` for what prevents reading; the lenient Windows-1252 codec a file
that is not UTF-8 is read with. The CSV streaming (pyarrow, else the csv module) lives here as `TableSource`'s
methods; the readers of each format (`reader` for CSV and the dispatch, `xlsx`, `xls`, `ods`, `jsontable`) build
on it (see `auditor.tabular.reader`'s docstring for the reading rules).
"""
from __future__ import annotations

import codecs
import csv
import io
from collections import deque
from dataclasses import asdict, dataclass, field
from typing import Any, BinaryIO, Callable, Iterator, NamedTuple

import pyarrow as pa
import pyarrow.csv as pacsv

from . import budgets

HEAD_BYTES = 1 << 16
DEFAULT_BLOCK = 1 << 19  # bytes pyarrow parses at a time: its memory use grows ~35x this
BATCH_ROWS = 1 << 15  # rows handed to the validator at a time (fewer, larger batches: less per-batch overhead)
LENIENT_CP1252 = "auditor-cp1252"

csv.field_size_limit(budgets.MAX_FIELD_BYTES)


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
