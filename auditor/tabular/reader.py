"""Streaming reader of the tables communes publish: CSV (any usual dialect), XLSX, XLS, ODS and JSON arrays.

Where each piece lives: `open_table` and the CSV sniffing here; the `TableSource` every reader returns and its
streaming in `source`; XLSX in `xlsx_reader`, XLS in `xls`, ODS in `ods` (what the workbooks share in
`workbook`), JSON in `jsontable`.

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

XLSX: the first sheet as frictionless 4 reads it with openpyxl (see `auditor.tabular.xlsx_reader`): every row of the sheet's
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
import os
import re
from collections import Counter
from pathlib import Path
from typing import BinaryIO, Callable

import pyarrow as pa

from . import budgets
from .jsontable import open_json
from .source import (DEFAULT_BLOCK, HEAD_BYTES, LENIENT_CP1252, Dialect, ReadError, TableSource, _encoding_issue,
                     _too_wide)
from .xlsx_reader import open_xlsx

SNIFF_LINES = 100  # frictionless' INFER_DIALECT_VOLUME

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
            return open_xlsx(opener, size, name)
        if kind == "xls":
            from .xls import open_xls

            return open_xls(opener, size, name)
        if kind == "ods":
            from .ods import open_ods

            return open_ods(opener, size, name)
        if kind == "json":
            return open_json(opener, size, name)
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


