"""What the workbook readers (XLSX in `xlsx`, XLS in `xls`, ODS in `ods`) share: where a sheet's header is
(`header_position`), the errors of a workbook, and the checks of a ZIP workbook's parts against the budgets before
any parser opens it (`zip_part_problem`, `check_parts`)."""
from __future__ import annotations

import re
from typing import Any

from . import budgets
from .source import ReadError

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



_PREFIX = rb"<(?:[A-Za-z_][\w.-]*:)?"
_ROW_TAG = re.compile(_PREFIX + rb"row[\s/>]")
_STRING_TAG = re.compile(_PREFIX + rb"si[\s/>]")
MAX_SPAN_TAGS = 300_000  # XML tags in one row of a sheet, one shared string, or any other part read whole


def check_parts(opener) -> int:
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

