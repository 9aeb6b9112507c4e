"""Files built on purpose (not in the schema catalogue) whose Validata verdict `generate_expected.py` records under
the ``cases`` key of ``tests/data/validata-expected.json``; the tests build the same files with `build` and compare.

Each case is made from the catalogue's real schemas and example files, re-encoded or reshaped the way publishers'
tools get them wrong:

* a CSV with a UTF-8 byte order mark in front of Windows-1252 text (short, and with the first non-UTF-8 byte
  beyond the first 64 KiB, which the reader only meets after it started reading as UTF-8);
* XLSX workbooks whose last rows are formatted but empty (cells with a style and no value, as Excel writes a row
  the user formatted), with gaps, with a formatted cell beyond the header's last column, without a declared
  dimension (``<dimension ref>``), with a row element that has only a height;
* files the schema cannot be applied to: the primary key's columns absent (a subventions file against a schema
  with a primary key), a custom check's column absent (deliberations without one of the columns it compares).

Only the standard library and openpyxl are used: the module is imported by the generator inside validata-core's
virtual environment as well as by the test suite. The workbooks' content is deterministic (not their bytes: a
saved workbook carries its creation time).
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import zipfile
from pathlib import Path

SUBVENTIONS = "scdl__subventions/2.1.1"
XLSX_SCHEMA = {"fields": [{"name": "nom", "type": "string"}, {"name": "montant", "type": "integer"}]}


def _subventions_text(schemas: Path) -> str:
    return (schemas / SUBVENTIONS / "exemple_valide.csv").read_text(encoding="utf-8")


def _bom_cp1252(text: str) -> bytes:
    return codecs.BOM_UTF8 + text.encode("cp1252")


def _late_non_utf8(text: str) -> str:
    """The example with 400 ASCII-only copies of its first row (still valid: ``N°`` → ``No``, nature ``aide en
    nature``, ``échelonné`` → ``unique``) before its own rows: more than 64 KiB of ASCII come before the first
    character Windows-1252 writes differently from UTF-8."""
    lines = text.splitlines(keepends=True)
    ascii_row = lines[1].replace("N°", "No").replace("aide en numéraire", "aide en nature").replace(
        "échelonné", "unique")
    assert (lines[0] + ascii_row).isascii()
    return lines[0] + ascii_row * 400 + "".join(lines[1:])


def _workbook(path: Path, rows: list[list], styled: tuple[str, ...] = (), heights: tuple = ()) -> None:
    import openpyxl
    from openpyxl.styles import PatternFill

    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    for coordinate in styled:  # a style and no value: the cell is written, and counts in the sheet's dimension
        ws[coordinate].fill = PatternFill("solid", fgColor="FFFF00")
    for row, height in heights:  # a <row> element with a height and no cell
        ws.row_dimensions[row].height = height
    wb.save(path)


def _without_dimension(path: Path) -> None:
    """Remove ``<dimension ref=...>`` from the first sheet, as some generators write it."""
    buf = io.BytesIO()
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb"<dimension[^>]*/>", b"", data)
            zout.writestr(item, data)
    path.write_bytes(buf.getvalue())


def _deliberations_without(schemas: Path, dropped: str) -> str:
    """One deliberation (each cell the schema's example) with every column of the schema but ``dropped``."""
    schema = json.loads((schemas / "scdl__deliberations/2.1.5/schema.json").read_text(encoding="utf-8"))
    fields = [f for f in schema["fields"] if f["name"] != dropped]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([f["name"] for f in fields])
    writer.writerow([str(f.get("example", "")) for f in fields])
    return out.getvalue()


def build(folder: Path, schemas: Path) -> dict[str, dict]:
    """Write every case into ``folder``; return ``{name: {"file": path, "schema": path}}`` (schemas given as
    paths: the catalogue's own, or one written into ``folder``)."""
    folder.mkdir(parents=True, exist_ok=True)
    cases: dict[str, dict] = {}

    def add(name: str, filename: str, schema: Path | dict) -> Path:
        if isinstance(schema, dict):
            target = folder / f"{name}.schema.json"
            target.write_text(json.dumps(schema, ensure_ascii=False), encoding="utf-8")
            schema = target
        cases[name] = {"file": folder / filename, "schema": schema}
        return folder / filename

    subventions_schema = schemas / SUBVENTIONS / "schema.json"
    text = _subventions_text(schemas)
    add("bom-windows-1252", "subventions-bom-cp1252.csv", subventions_schema).write_bytes(_bom_cp1252(text))
    add("bom-windows-1252-late", "subventions-bom-cp1252-late.csv", subventions_schema).write_bytes(
        _bom_cp1252(_late_non_utf8(text)))
    add("windows-1252", "subventions-cp1252.csv", subventions_schema).write_bytes(text.encode("cp1252"))

    rows = [["nom", "montant"], ["a", 1], ["b", 2]]
    for name, styled, heights in (
        ("xlsx-formatted-last-row", ("A4",), ()),
        ("xlsx-formatted-last-rows", ("A4", "B5"), ()),
        ("xlsx-formatted-row-after-a-gap", ("A6",), ()),
        ("xlsx-formatted-row-far-below", ("B40",), ()),
        ("xlsx-formatted-data-cells", ("A3", "B3"), ()),
        ("xlsx-formatted-cell-right-of-the-header", ("C4",), ()),
        ("xlsx-formatted-cells-right-of-the-header", ("D2",), ()),
        ("xlsx-row-height-below-the-dimension", ("A4",), ((6, 30),)),
        ("xlsx-row-height-inside-the-dimension", ("A5",), ((4, 30),)),
    ):
        _workbook(add(name, f"{name}.xlsx", XLSX_SCHEMA), rows, styled, heights)
    _workbook(add("xlsx-empty-rows-between-and-after", "xlsx-empty-rows-between-and-after.xlsx", XLSX_SCHEMA),
              [["nom", "montant"], ["a", 1], [None, None], [None, None], ["b", 2], [None, None]])
    path = add("xlsx-without-dimension", "xlsx-without-dimension.xlsx", XLSX_SCHEMA)
    _workbook(path, [["nom", "montant"], ["a"], [], [], ["b", 2]], ("C6",))
    _without_dimension(path)

    add("primary-key-column-absent", "subventions-for-arbre.csv",
        schemas / "NaturalSolutions__schema-arbre/0.3.1/schema.json").write_text(text, encoding="utf-8")
    keyed = json.loads(subventions_schema.read_text(encoding="utf-8"))
    keyed["primaryKey"] = ["idAttribuant", "referenceDecision"]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([r[2], r[4]] for r in csv.reader(io.StringIO(text)))
    add("primary-key-columns-absent", "subventions-without-key.csv", keyed).write_text(out.getvalue(),
                                                                                        encoding="utf-8")
    deliberations = schemas / "scdl__deliberations/2.1.5/schema.json"
    for name, dropped in (("check-column-absent", "PREF_DATE"),  # compare-columns-value PREF_DATE >= DELIB_DATE
                          ("check-other-column-absent", "BUDGET_NOM"),  # cohesive-columns-value
                          # three checks lack it: frictionless 4 deletes checks by their first index, the third
                          # deletion falls outside the list and the whole validation fails (task-error)
                          ("check-column-absent-thrice", "VOTE_CONTRE")):
        add(name, f"deliberations-without-{dropped}.csv", deliberations).write_text(
            _deliberations_without(schemas, dropped), encoding="utf-8")
    return cases
