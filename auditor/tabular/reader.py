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
"""

from __future__ import annotations

import codecs
import csv
import functools
import io
import json
import os
import re
from collections import Counter, deque
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterator, NamedTuple

import pyarrow as pa
import pyarrow.csv as pacsv

from .xlsx import displayed, plain_text

SNIFF_LINES = 100  # frictionless' INFER_DIALECT_VOLUME
HEAD_BYTES = 1 << 16
DEFAULT_BLOCK = 1 << 19  # bytes pyarrow parses at a time: its memory use grows ~35x this
BATCH_ROWS = 1 << 15  # rows handed to the validator at a time (fewer, larger batches: less per-batch overhead)
LENIENT_CP1252 = "auditor-cp1252"

csv.field_size_limit(1 << 30)


@functools.cache
def _memory_pool() -> None:
    """pyarrow's default allocator (mimalloc) keeps freed pages: reading a file in blocks then costs ~60 MB more
    resident memory than with jemalloc, which returns them. Use jemalloc where pyarrow ships it, unless the
    user chose a pool (ARROW_DEFAULT_MEMORY_POOL). A process-wide switch: done once, when a table is first
    opened (`open_table`), not when the module is imported."""
    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        return
    try:
        pa.set_memory_pool(pa.jemalloc_memory_pool())
    except (NotImplementedError, pa.ArrowNotImplementedError, AttributeError):
        pass


class ReadError(Exception):
    """The source cannot be read as a table: ``code`` is ``unreadable`` or ``too_large``."""

    def __init__(self, code: str, fr: str, en: str):
        super().__init__(en)
        self.code = code
        self.message = {"fr": fr, "en": en}


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
    """Data rows read together: the row number of the first one and their cells (null = no such cell)."""

    first_row: int
    record: pa.RecordBatch


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

    @property
    def bom_mismatch(self) -> bool:
        """The file starts with a UTF-8 byte order mark but is not UTF-8 (it is read as Windows-1252, BOM
        dropped). Validata trusts the BOM, cannot decode the file and reports an encoding error."""
        return self.dialect.bom and self.dialect.encoding == LENIENT_CP1252

    def batches(self) -> Iterator[Batch]:
        """Yield the data rows in bounded batches (see the module docstring)."""
        self.rows_read = 0
        if self.dialect.format != "csv":
            gen = _list_batches(self._rows(), self)
        elif self.dialect.engine == "pyarrow":
            gen = _prefetch(self._arrow_batches()) if self.prefetch else self._arrow_batches()
        else:
            gen = self._python_batches()
        for batch in gen:
            self.rows_read += batch.record.num_rows
            yield batch

    # -- CSV, pyarrow engine

    def _arrow_batches(self) -> Iterator[Batch]:
        d = self.dialect
        invalid: deque = deque()

        def handler(row):
            invalid.append((row.number, row.text))
            return "skip"

        width = max(self.width, 1)
        names = [f"c{i}" for i in range(width)]
        read = pacsv.ReadOptions(block_size=self.block_size, use_threads=False, column_names=names,
                                 skip_rows_after_names=self.header_row, encoding=_arrow_encoding(d.encoding))
        parse = pacsv.ParseOptions(delimiter=d.delimiter, quote_char=d.quotechar or False,
                                   double_quote=d.doublequote, escape_char=d.escapechar or False,
                                   newlines_in_values=True, ignore_empty_lines=False, invalid_row_handler=handler)
        convert = pacsv.ConvertOptions(column_types={n: pa.string() for n in names}, strings_can_be_null=False,
                                       quoted_strings_can_be_null=False)
        stream = self._open()
        try:
            if d.bom:  # a UTF-8 BOM, whatever the encoding the file is finally read in
                stream.read(len(codecs.BOM_UTF8))
            try:
                reader = pacsv.open_csv(stream, read_options=read, parse_options=parse, convert_options=convert)
                next_row = self.header_row + 1
                pending: list = []
                pending_rows = 0
                for rb in reader:
                    segments, next_row = self._place(rb, invalid, next_row)
                    pending.extend(segments)
                    pending_rows += sum(1 if isinstance(seg, list) else seg.num_rows for _, seg in segments)
                    if pending_rows >= self.batch_rows:
                        yield self._merge(pending, next_row)
                        pending, pending_rows = [], 0
                segments, next_row = self._place(None, invalid, next_row)
                pending.extend(segments)
                if pending:
                    yield self._merge(pending, next_row)
            except pa.ArrowInvalid as exc:
                text = str(exc)
                if d.encoding in ("utf-8", "utf-8-sig") and ("UTF8" in text or "UTF-8" in text or "utf-8" in text):
                    self._fallback_encoding()
                    raise EncodingRestart() from exc
                raise ReadError("unreadable", f"Le fichier CSV ne peut pas être lu jusqu'au bout ({text}).",
                                f"The CSV file cannot be read to its end ({text}).") from exc
        finally:
            stream.close()

    def _place(self, rb, invalid: deque, next_row: int):
        """Interleave the rows of ``rb`` with the ragged rows pyarrow skipped, by record number."""
        segments: list[tuple[int, Any]] = []  # (first row, RecordBatch) or (row, [cells])
        n = rb.num_rows if rb is not None else 0
        pos = 0
        while True:
            if invalid and (invalid[0][0] is None or invalid[0][0] <= next_row):
                _, text = invalid.popleft()
                segments.append((next_row, self._parse_text(text)))
                next_row += 1
                continue
            if pos >= n:
                break
            k = n - pos
            if invalid:
                k = min(k, invalid[0][0] - next_row)
            segments.append((next_row, rb.slice(pos, k)))
            pos += k
            next_row += k
        return segments, next_row

    def _parse_text(self, text: str) -> list[str]:
        rows = list(csv.reader(io.StringIO(text, newline=""), **self._csv_kwargs()))
        return rows[0] if rows else []

    def _merge(self, segments, next_row) -> Batch:
        first = segments[0][0]
        if len(segments) == 1 and isinstance(segments[0][1], pa.RecordBatch):
            return Batch(first, self._named(segments[0][1].columns))
        if all(isinstance(seg, pa.RecordBatch) for _, seg in segments):  # blocks of the usual width: concatenate
            cols = [pa.concat_arrays([seg.column(i) for _, seg in segments]) for i in range(segments[0][1].num_columns)]
            return Batch(first, self._named(cols))
        width = self.width
        for _, seg in segments:
            if isinstance(seg, list):
                width = max(width, len(seg))
        columns: list[list[pa.Array]] = [[] for _ in range(width)]
        for _, seg in segments:
            if isinstance(seg, list):
                for i in range(width):
                    columns[i].append(pa.array([seg[i] if i < len(seg) else None], type=pa.string()))
            else:
                for i in range(width):
                    columns[i].append(seg.column(i) if i < seg.num_columns else pa.nulls(seg.num_rows, pa.string()))
        return Batch(first, self._named([pa.concat_arrays(parts) for parts in columns]))

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
        stream = self._open()
        try:
            if self.dialect.bom:  # a UTF-8 BOM, whatever the encoding the file is finally read in
                stream.read(len(codecs.BOM_UTF8))
            text = io.TextIOWrapper(stream, encoding=self.dialect.encoding, newline="")
            rows = csv.reader(text, **self._csv_kwargs())
            for _ in range(self.header_row):  # the header and the lines above it
                next(rows, None)
            yield from _list_batches(rows, self, self.header_row + 1)
        except UnicodeDecodeError as exc:
            if self.dialect.encoding in ("utf-8", "utf-8-sig"):
                self._fallback_encoding()
                raise EncodingRestart() from exc
            raise
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


def _list_batches(rows: Iterator[list[Any]], source: TableSource, next_row: int = 2) -> Iterator[Batch]:
    """Batches from lists of cells (python CSV engine, XLSX, JSON)."""
    buf: list[list[Any]] = []
    for cells in rows:
        buf.append(cells)
        if len(buf) >= source.batch_rows:
            yield _lists_to_batch(buf, next_row, source)
            next_row += len(buf)
            buf = []
    if buf:
        yield _lists_to_batch(buf, next_row, source)


def _lists_to_batch(buf: list[list[Any]], first: int, source: TableSource) -> Batch:
    width = max(source.width, max(map(len, buf), default=0), 1)
    arrays = [pa.array([r[i] if i < len(r) else None for r in buf], type=pa.string()) for i in range(width)]
    return Batch(first, source._named(arrays))


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
        return "ods" if b"opendocument" in head[:200] else "xlsx"
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
    if kind in ("xls", "ods"):
        raise ReadError("unreadable", f"Le format {kind.upper()} n'est pas pris en charge : publiez le fichier en "
                        "CSV ou XLSX.", f"The {kind.upper()} format is not supported: publish CSV or XLSX.")
    if kind == "xlsx":
        return _open_xlsx(opener, size, name)
    if kind == "json":
        return _open_json(opener, size, name)
    return _open_csv(opener, head, size, name, encoding, delimiter, block_size)


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
        sniffed = csv.Sniffer().sniff(sample, ",\t;|")
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
    return source


# ----------------------------------------------------------------------------------------------- XLSX and JSON


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
    to the last labelled column, since nothing but their count is used then."""
    import openpyxl
    from openpyxl.cell.read_only import EMPTY_CELL

    def corrupt() -> ReadError:
        return ReadError("unreadable", "Le classeur XLSX est illisible ou corrompu.",
                         "The XLSX workbook is unreadable or corrupt.")

    def load():
        try:
            return openpyxl.load_workbook(opener(), read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - any failure means the workbook is unreadable
            raise corrupt() from exc

    def texts(row) -> list[str]:
        return [displayed(c.value, getattr(c, "number_format", None)) for c in row]

    wb = load()
    try:
        first = next(wb.worksheets[0].iter_rows(max_row=1), None)
        header = texts(first) if first else []
    except Exception as exc:  # noqa: BLE001 - a broken sheet
        raise corrupt() from exc
    finally:
        wb.close()
    if not any(h.strip() for h in header):
        raise ReadError("unreadable", "La première ligne de la première feuille du classeur est vide : elle doit "
                        "porter les noms des colonnes.", "The first row of the first sheet is empty: it must hold "
                        "the column names.")
    labelled = max(k for k, h in enumerate(header, start=1) if h.strip())
    clip = labelled if sum(1 for h in header if not h.strip()) >= 2 else None

    def rows():
        wb2 = load()
        try:
            gap = None  # the last row without any cell: openpyxl fills every unwritten row with one shared object
            blank: list[str] = []
            for row in wb2.worksheets[0].iter_rows(min_row=2, max_col=clip):
                if row is not gap:
                    if not all(c is EMPTY_CELL for c in row):
                        yield texts(row)
                        continue
                    gap, blank = row, [""] * len(row)
                yield blank
        finally:
            wb2.close()

    return TableSource(header=header, dialect=Dialect(format="xlsx", encoding="", delimiter=None, quotechar=None,
                                                      engine="openpyxl"),
                       name=name, size=size, _rows=rows, width=clip or len(header))


def _open_json(opener, size, name) -> TableSource:
    with opener() as f:
        raw = f.read()
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ReadError("unreadable", "Le fichier JSON est mal formé.", "The JSON file is malformed.") from exc
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
    return TableSource(header=header, dialect=Dialect(format="json", encoding="utf-8", delimiter=None,
                                                      quotechar=None, engine="json"),
                       name=name, size=size, _rows=rows, width=len(header))
