"""The reading budgets: what a file given by anyone may make a reader do, in one place.

``auditor check`` runs in CI on files anyone can push and ``auditor serve`` reads what any clerk uploads: a file of
a few kilobytes must not take the memory or the CPU of the service. Every reader enforces these budgets *as the
input is read* (never after building what the input describes). A refusal is the reader's own: a
:class:`~auditor.tabular.source.ReadError` (code ``unreadable``), a DECP report error, a
:class:`~auditor.selfcheck.describe.DescriptionError`, whose French message says which limit was reached, where, and what
to do; the checks turn it into a FILE-01 finding. (An archive refused is an
:class:`~auditor.selfcheck.archive.ArchiveError`: exit 2, HTTP 422.)

=====================  ===================================================================================
budget                 value
=====================  ===================================================================================
size of a file         the caller's ``max_bytes`` (``--max-mb``, the service's upload limit), unchanged
bytes in one field     that same limit: a large but valid cell (a ``geo_shape`` of several megabytes) is
                       read, whatever pyarrow's block size (`MAX_FIELD_BYTES` for the ``csv`` module)
columns in one row     `MAX_COLUMNS` = 16 384 cells (Excel's last column, XFD), header included
rows                   `MAX_ROWS` = 20 000 000 data rows
cells                  `cell_budget`: rows × columns, the cells a reader fills in (missing cells, blank
                       rows, the gap rows of a sheet) included: 32 million, or 4 per byte of a larger
                       input (a sheet: per byte of its XML); a batch holds at most `CELLS_PER_BATCH`
CSV dialect            guessed from the first 100 lines within 16 Ki characters (``csv.Sniffer`` takes a
                       time that grows with the square of its sample: 19 s on 64 KiB of ``,"``)
nesting                `MAX_DEPTH` = 100 levels of JSON arrays and objects (tables, DECP, descriptions)
DECP values            `MAX_JSON_VALUES` = 1 000 000 values in one contract, and in the document outside
                       its contract lists (each is built in memory: the contracts are streamed one by one)
YAML                   100 000 nodes once aliases are expanded, 100 levels (``auditor.selfcheck.describe``)
ZIP parts (XLSX)       `MAX_PARTS` parts; each part's declared size ≤ `MAX_PART_BYTES` (2 GiB) and, past
                       `RATIO_FLOOR` (1 MiB), ≤ `MAX_RATIO` (100) times its compressed size; the parts
                       loaded whole (shared strings, styles, workbook) ≤ `MAX_LOADED_PART_BYTES` (128 MiB);
                       XML tags in one row, one shared string or any other part ≤ 300 000
                       (`workbook.MAX_SPAN_TAGS`: the standard library builds a whole row before openpyxl)
shared strings         `MAX_SHARED_STRINGS` = 1 000 000 texts (openpyxl reads them all, ~8 µs and
                       ~140 bytes each)
sheet dimensions       1 048 576 rows × 16 384 columns (the format's own limits); the gap rows and the
                       padding of a far cell are read lazily, as one shared empty row
text of a workbook     the characters of its cells, repeated texts included (a shared string, a repeated
                       ODS cell or row): `text_budget`, 256 Mi or 16 per byte of the input (a sheet's XML);
                       a batch holds at most `BATCH_CHARS`, the header `MAX_HEADER_CHARS` (1 Mi)
ODS                    ``content.xml`` checked like an XLSX part, then streamed (expat, no tree); repeated
                       rows and cells expanded as read, the empty ones at the end of a row or of the sheet
                       never (``auditor.tabular.ods``)
XLS                    read whole by xlrd within the size of a file, first sheet only, rows kept ragged
                       (no padding materialised); dimensions checked before any row (``auditor.tabular.xls``)
=====================  ===================================================================================

An archive given to ``auditor check`` has its own limits (`auditor.selfcheck.archive.ArchiveLimits`); ZIP parts are
checked from the archive's central directory, whose sizes ``zipfile`` enforces while decompressing (it stops at
the declared size and then fails the CRC), so a forged size cannot make a part larger than it said.
"""
from __future__ import annotations

MAX_COLUMNS = 16_384
MAX_ROWS = 20_000_000
MIN_CELLS = 32_000_000
CELLS_PER_BYTE = 4
MAX_DEPTH = 100
MAX_JSON_VALUES = 1_000_000  # values of one DECP contract, and of a DECP document outside its contract lists
MAX_FIELD_BYTES = 1 << 30  # the csv module's own limit; the file size limit (≤ 1 GiB in practice) comes first

# batches handed to the validator: at most this many cells (rows × width), so that a wide table is read in
# fewer rows at a time (memory of a batch grows with its cells, not its rows)
CELLS_PER_BATCH = 1 << 21
# pyarrow turns an empty line into a full-width row: its block of bytes is sized so that a block of empty lines
# stays under this many cells (~9 bytes each while parsing)
ARROW_BLOCK_CELLS = 1 << 24
ARROW_MIN_BLOCK = 1 << 15
ARROW_MAX_WIDTH = 1024  # wider tables are read by the csv module, row by row
WIDEN_SLACK = 64  # a ragged row this much wider than the usual width widens its batch; wider, its extra
#                   cells travel beside the batch (`Batch.overflow`)

MAX_PARTS = 10_000
MAX_PART_BYTES = 2 << 30
MAX_LOADED_PART_BYTES = 128 << 20
MAX_RATIO = 100.0
RATIO_FLOOR = 1 << 20
MAX_SHARED_STRINGS = 1_000_000
MAX_SHEET_ROWS = 1_048_576
MAX_SHEET_COLUMNS = 16_384
MIN_TEXT_CHARS = 256 << 20
TEXT_PER_BYTE = 16
BATCH_CHARS = 32 << 20  # characters of the cells of one batch of a workbook's rows
MAX_HEADER_CHARS = 1 << 20  # characters of a workbook's header (labels are short; a repeated text is not)


def cell_budget(size: int | None) -> int:
    """The cells (rows × columns) a table of ``size`` bytes may be read as."""
    return max(MIN_CELLS, CELLS_PER_BYTE * (size or 0))


def text_budget(size: int | None) -> int:
    """The characters the cells of a workbook of ``size`` bytes may hold, repeated texts included."""
    return max(MIN_TEXT_CHARS, TEXT_PER_BYTE * (size or 0))


def fmt(n: int) -> str:
    """``16384`` → ``16 384`` (French thousands, non-breaking space)."""
    return f"{n:,}".replace(",", "\u202f")


def fmt_en(n: int) -> str:
    return f"{n:,}"


def batch_rows(width: int, rows: int) -> int:
    """How many rows of ``width`` cells a batch holds (at most ``rows``)."""
    return max(1, min(rows, CELLS_PER_BATCH // max(width, 1)))


def arrow_block(width: int, block: int) -> int:
    """pyarrow's block size for a table of ``width`` columns (at most ``block`` bytes)."""
    return max(ARROW_MIN_BLOCK, min(block, ARROW_BLOCK_CELLS // max(width, 1)))


def json_depth(value, limit: int = MAX_DEPTH) -> int:
    """The nesting depth of a parsed JSON value (a scalar is 0), counted without recursion and given up past
    ``limit`` (returns ``limit + 1``)."""
    depth = 0
    stack = [(value, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        depth = max(depth, level)
        if depth > limit:
            return limit + 1
        stack.extend((c, level + 1) for c in children if isinstance(c, (dict, list)))
    return depth


def has_surrogate(text: str) -> bool:
    """Whether ``text`` holds a lone UTF-16 surrogate (``"\\udcff"`` in JSON), which no UTF-8 text can hold."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
