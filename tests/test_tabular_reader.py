"""The table reader on the files communes really publish: encodings, separators, quoted newlines, ragged rows,
XLSX, and the files that are no table at all (empty, HTML, binary, too large): a clear `ReadError`, never a crash."""

from __future__ import annotations

import codecs
import io
import json
import os
import time

import openpyxl
import pytest

from auditor.tabular.reader import open_table
from auditor.tabular.source import LENIENT_CP1252, EncodingRestart, ReadError
from auditor.tabular.validate import validate

from .helpers import SHARED

SUBVENTIONS = SHARED / "data" / "schemas" / "scdl__subventions" / "2.1.1"


def rows_of(source) -> list[tuple[int, list]]:
    """(row number, cells) of every data row, cells cut at the row's cell count (a null is no cell)."""
    out = []
    for batch in source.batches():
        rec = batch.record
        cols = [rec.column(j).to_pylist() for j in range(rec.num_columns)]
        for i in range(rec.num_rows):
            cells = [c[i] for c in cols]
            while cells and cells[-1] is None:
                cells.pop()
            assert None not in cells  # nulls only stand for the cells a short row lacks
            out.append((batch.first_row + i, cells))
    return out


SCHEMA = {"fields": [{"name": "nom", "type": "string"}, {"name": "montant", "type": "number"}]}


def test_utf8_without_bom():
    src = open_table("nom,montant\nLille,12.5\nRoubaix,3\n".encode())
    assert src.header == ["nom", "montant"]
    assert (src.dialect.encoding, src.dialect.bom, src.dialect.delimiter) == ("utf-8", False, ",")
    assert rows_of(src) == [(2, ["Lille", "12.5"]), (3, ["Roubaix", "3"])]
    assert src.issues == []


def test_utf8_with_bom_is_removed_from_the_first_label():
    src = open_table(b"\xef\xbb\xbfnom;montant\nLomme;1\n")
    assert src.header == ["nom", "montant"]
    assert src.dialect.bom is True and src.dialect.delimiter == ";"
    assert rows_of(src) == [(2, ["Lomme", "1"])]
    assert validate(src, SCHEMA).valid


def test_windows_1252_is_read_and_reported():
    data = "nom;montant\nVilleneuve-d'Ascq é;1\nMarcq-en-Barœul;2\nPrix €;3\n".encode("cp1252")
    src = open_table(data)
    assert src.dialect.encoding != "utf-8"
    assert [c[0] for _, c in rows_of(src)] == ["Villeneuve-d'Ascq é", "Marcq-en-Barœul", "Prix €"]
    assert [i["code"] for i in src.issues] == ["encoding-fallback"]
    assert "UTF-8" in src.issues[0]["message"]["fr"]


def test_latin1_header_is_decoded():
    src = open_table("prénom,année\nÉlise,2020\n".encode("latin-1"))
    assert src.header == ["prénom", "année"]
    assert rows_of(src) == [(2, ["Élise", "2020"])]


def test_a_late_non_utf8_byte_restarts_in_windows_1252():
    body = "".join(f"ligne {i},{i}\n" for i in range(20000))  # > 64 KiB of ASCII before the bad byte
    data = ("nom,montant\n" + body).encode() + "Lomme é,7\n".encode("cp1252")
    src = open_table(data)
    assert src.dialect.encoding == "utf-8"
    with pytest.raises(EncodingRestart):
        for _ in src.batches():
            pass
    last = rows_of(src)[-1]  # the source switched encoding: reading again works
    assert last == (20002, ["Lomme é", "7"])
    report = validate(open_table(data), SCHEMA)
    assert report.valid and report.rows == 20001
    assert [i["code"] for i in report.issues] == ["encoding-fallback"]


def _subventions() -> tuple[str, list[str]]:
    text = (SUBVENTIONS / "exemple_valide.csv").read_text(encoding="utf-8")
    return text, text.splitlines()[0].split(",")


def test_bom_in_front_of_windows_1252_is_dropped_on_every_read_path():
    """A real subventions file saved as Windows-1252 behind a UTF-8 BOM: the head is not UTF-8, the reader falls
    back to Windows-1252 and the BOM must not end up in the first label (a false missing ``nomAttribuant``)."""
    text, header = _subventions()
    data = codecs.BOM_UTF8 + text.encode("cp1252")
    src = open_table(data)  # header sniffing
    assert src.header == header and src.first_record == header
    assert src.dialect.bom and src.dialect.encoding == LENIENT_CP1252 and src.bom_mismatch
    assert src.dialect.to_dict()["encoding"] == "windows-1252"
    assert [i["code"] for i in src.issues] == ["encoding-fallback"]
    arrow = rows_of(src)  # pyarrow engine
    assert len(arrow) == 29 and arrow[0] == (2, text.splitlines()[1].split(","))
    assert arrow[0][1][0] == "ANTIBES" and arrow[0][1][9] == "aide en numéraire"
    python = open_table(data)
    python.dialect.engine = "python"  # the csv module's engine (dialects pyarrow does not read)
    assert rows_of(python) == arrow


@pytest.mark.parametrize("engine", ["pyarrow", "python"])
def test_bom_in_front_of_windows_1252_met_late_is_dropped_when_the_header_is_read_again(engine):
    """The first non-UTF-8 byte comes after 64 KiB: the file is opened as UTF-8 (BOM dropped), then the reader
    switches to Windows-1252 and reads the header again: without its BOM."""
    text, header = _subventions()
    lines = text.splitlines(keepends=True)
    filler = "".join(f"ANTIBES,21060004500392,2015-07-07,CONV {i},ASSO {i},,W333216789,Fonctionnement,{i},"
                     "aide en nature,unique,2017-03-30/2017-05-24,,non,0.05,\n" for i in range(1000))
    data = codecs.BOM_UTF8 + (lines[0] + filler + "".join(lines[1:])).encode("cp1252")
    src = open_table(data)
    src.dialect.engine = engine
    assert src.dialect.encoding == "utf-8" and src.dialect.bom and src.header == header
    with pytest.raises(EncodingRestart):
        for _ in src.batches():
            pass
    assert src.header == header and src.first_record == header and src.bom_mismatch
    rows = rows_of(src)
    assert len(rows) == 1029 and rows[0][1][:2] == ["ANTIBES", "21060004500392"]
    assert rows[1000] == (1002, lines[1].rstrip("\n").split(","))
    assert [i["code"] for i in src.issues] == ["encoding-fallback"]


def test_bom_before_windows_1252_is_validata_s_encoding_error_and_nothing_else():
    """Validata (chardet: UTF-8-SIG, as the BOM says) cannot decode the file and reports one encoding error. We
    report that error too (FILE-01) and read the rows as Windows-1252: the header is right, the rows are valid."""
    text, header = _subventions()
    schema = json.loads((SUBVENTIONS / "schema.json").read_text(encoding="utf-8"))
    report = validate(codecs.BOM_UTF8 + text.encode("cp1252"), schema)
    assert [(e.code, e.level) for e in report.errors] == [("encoding-error", "error")]
    assert not report.valid and report.rows == 29 and report.header == header
    assert "BOM" in report.errors[0].message["fr"] and "UTF-8" in report.errors[0].message["fr"]
    assert [i["code"] for i in report.issues] == ["encoding-fallback"]
    # the same file without the BOM: Validata reads it (chardet), so do we, with the issue recorded only
    plain = validate(text.encode("cp1252"), schema)
    assert plain.valid and plain.errors == [] and [i["code"] for i in plain.issues] == ["encoding-fallback"]


@pytest.mark.parametrize("sep", [",", ";", "\t", "|"])
def test_separators(sep):
    text = sep.join(["nom", "montant", "commune"]) + "\n" + sep.join(["a", "1", "Lille"]) + "\n"
    src = open_table(text.encode())
    assert src.dialect.delimiter == sep
    assert src.header == ["nom", "montant", "commune"]
    assert rows_of(src) == [(2, ["a", "1", "Lille"])]


def test_quoted_newlines_count_as_one_row():
    data = 'nom,montant\n"Lille\nCentre",1\n"a ""quoted""\n\nvalue",2\nRoubaix,x\n'.encode()
    src = open_table(data)
    assert rows_of(src) == [(2, ["Lille\nCentre", "1"]), (3, ['a "quoted"\n\nvalue', "2"]), (4, ["Roubaix", "x"])]
    report = validate(data, SCHEMA)
    assert [(e.code, e.row, e.column) for e in report.errors] == [("type-error", 4, 2)]


def test_ragged_rows_keep_their_place_after_a_multiline_record():
    data = 'nom,montant,commune\n"a\nb",1,Lille\nshort,2\nok,3,Lomme\nlong,4,Hem,extra\n\nlast,5,Croix\n'.encode()
    src = open_table(data)
    assert rows_of(src) == [(2, ["a\nb", "1", "Lille"]), (3, ["short", "2"]), (4, ["ok", "3", "Lomme"]),
                            (5, ["long", "4", "Hem", "extra"]), (6, ["", "", ""]), (7, ["last", "5", "Croix"])]
    schema = {"fields": [{"name": "nom"}, {"name": "montant", "type": "integer"}, {"name": "commune"}]}
    found = [(e.code, e.row, e.column) for e in validate(data, schema).errors]
    assert found == [("missing-cell", 3, 3), ("extra-cell", 5, 4), ("blank-row", 6, None)]


def test_trailing_empty_column():
    data = b"nom;montant;\nLille;1;\nRoubaix;2;\n"
    src = open_table(data)
    assert src.header == ["nom", "montant", ""]
    assert rows_of(src) == [(2, ["Lille", "1", ""]), (3, ["Roubaix", "2", ""])]
    report = validate(data, SCHEMA)
    assert [(e.code, e.column) for e in report.errors if e.level == "error"] == [("blank-label", 3)]


def test_two_trailing_empty_columns_are_duplicate_labels():
    report = validate(b"nom;montant;;\nLille;1;;\n", SCHEMA)
    assert [e.code for e in report.errors if e.level == "error"] == ["general-error"]


def test_title_line_above_the_header_is_skipped_like_validata():
    data = "Subventions 2020\nnom,montant,commune\n" + "".join(f"n{i},{i},Lille\n" for i in range(8)) + "x,y,Hem\n"
    src = open_table(data.encode())
    assert src.header == ["nom", "montant", "commune"] and src.header_row == 2
    assert rows_of(src)[0] == (3, ["n0", "0", "Lille"])
    assert [i["code"] for i in src.issues] == ["header-not-first"]
    schema = {"fields": [{"name": "nom"}, {"name": "montant", "type": "integer"}, {"name": "commune"}]}
    report = validate(data.encode(), schema)
    assert [(e.code, e.row, e.column) for e in report.errors if e.level == "error"] == [("type-error", 11, 2)]
    # Validata computes its structure warnings on the first line of the file
    assert [(e.code, e.field) for e in report.errors if e.level == "warning"][-1] == \
        ("extra-header-warn", "Subventions 2020")


def test_skip_initial_space_dialect():
    src = open_table(b"nom, montant, commune\nLille, 1, Lille\nHem, 2, Hem\n")
    assert src.dialect.skipinitialspace is True
    assert src.header == ["nom", "montant", "commune"]
    assert rows_of(src)[0] == (2, ["Lille", "1", "Lille"])


def test_many_batches_keep_row_numbers(tmp_path):
    path = tmp_path / "big.csv"
    with open(path, "w", encoding="utf-8") as f:
        f.write("nom,montant\n")
        for i in range(100000):
            f.write(f'"n{i}",{i}\n' if i != 77777 else f'"n{i}",x{i}\n')
    src = open_table(path, block_size=1 << 14)
    src.batch_rows = 4096
    numbers = [b.first_row for b in src.batches()]
    assert len(numbers) > 10 and numbers[0] == 2
    report = validate(open_table(path, block_size=1 << 14), SCHEMA)
    assert report.rows == 100000
    assert [(e.code, e.row, e.cell) for e in report.errors] == [("type-error", 77779, "x77777")]


def _xlsx(rows) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_xlsx():
    import datetime as dt

    data = _xlsx([["nom", "montant", "date"], ["Lille", 12, dt.date(2020, 1, 5)], ["Hem", 2.5, None],
                  [None, None, None], ["Croix", "x", None], [None, None, None], [None, None, None]])
    src = open_table(data)
    assert src.dialect.format == "xlsx"
    assert src.header == ["nom", "montant", "date"]
    # the two empty rows appended last are in the sheet's dimension (A1:C7): Validata reads them, blank rows
    assert rows_of(src) == [(2, ["Lille", "12", "2020-01-05"]), (3, ["Hem", "2.5", ""]), (4, ["", "", ""]),
                            (5, ["Croix", "x", ""]), (6, ["", "", ""]), (7, ["", "", ""])]
    schema = {"fields": SCHEMA["fields"] + [{"name": "date", "type": "date"}]}
    found = [(e.code, e.row, e.column) for e in validate(data, schema).errors]
    assert found == [("blank-row", 4, None), ("type-error", 5, 2), ("blank-row", 6, None), ("blank-row", 7, None)]


def test_xlsx_cells_read_as_displayed_like_validata():
    import datetime as dt

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["nom", "date", "taux", "prix", "heure"])
    ws.append(["Lille", dt.date(2020, 1, 5), 0.125, 3.5, dt.datetime(2021, 3, 4, 10, 30)])
    ws.append(["Hem", dt.date(2020, 2, 1), 2, -1, dt.datetime(2021, 3, 4, 9, 5)])
    for cell, fmt in (("B2", "dd/mm/yyyy"), ("C2", "0.0%"), ("D2", "0.00"), ("D3", "#,##0.00;-#,##0.00"),
                      ("E2", "h:mm"), ("E3", "mm:ss")):
        ws[cell].number_format = fmt
    buf = io.BytesIO()
    wb.save(buf)
    src = open_table(buf.getvalue())
    assert rows_of(src) == [(2, ["Lille", "05/01/2020", "12.5%", "3.50", "10:30"]),
                            (3, ["Hem", "2020-02-01", "2", "-1.00", "03:00"])]  # "mm:ss" reads as month (sic)
    schema = {"fields": [{"name": "date", "type": "date"}]}
    assert [(e.code, e.row) for e in validate(buf.getvalue(), schema).errors if e.level == "error"] == \
        [("type-error", 2)]


def _formatted(rows, *styled: str, heights: tuple = ()) -> bytes:
    """A workbook whose cells ``styled`` have a fill and no value (what Excel writes for a formatted row)."""
    from openpyxl.styles import PatternFill

    wb = openpyxl.Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    for coordinate in styled:
        ws[coordinate].fill = PatternFill("solid", fgColor="FFFF00")
    for row, height in heights:
        ws.row_dimensions[row].height = height
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


XLSX_SCHEMA = {"fields": [{"name": "nom", "type": "string"}, {"name": "montant", "type": "integer"}]}
DATA = [["nom", "montant"], ["Lille", 1], ["Hem", 2]]


@pytest.mark.parametrize("styled, heights, blank_rows", [
    (("A4",), (), [4]),  # the last row formatted: in the sheet's dimension (A1:B4), a blank row
    (("A4", "B5"), (), [4, 5]),
    (("A6",), (), [4, 5, 6]),  # rows 4 and 5 are not written: openpyxl (and so Validata) fills them in
    (("B40",), (), list(range(4, 41))),
    (("A4",), ((6, 30),), [4]),  # a row with only a height, beyond the dimension: not read
    (("A5",), ((4, 30),), [4, 5]),
    (("A3", "B3"), (), []),  # formatted cells that hold values: nothing to report
])
def test_xlsx_formatted_empty_rows_are_blank_rows_as_in_validata(styled, heights, blank_rows):
    """Validata (frictionless 4: openpyxl read-only ``iter_rows``) reads every row of the sheet's declared
    dimension, which counts formatted cells: each formatted-but-empty row is a ``blank-row`` at its sheet row
    number (tests/data/validata-expected.json ``cases`` holds Validata's own output for these workbooks)."""
    data = _formatted(DATA, *styled, heights=heights)
    report = validate(data, XLSX_SCHEMA)
    assert [(e.code, e.row) for e in report.errors] == [("blank-row", r) for r in blank_rows]
    assert report.rows == 2 + len(blank_rows) and report.valid == (not blank_rows)


def test_xlsx_formatted_cell_right_of_the_header_pads_the_header_as_in_validata():
    """A formatted cell in column C makes every row three cells wide, the header too: a blank label (and its
    warning), and with two such columns, duplicate blank labels stop the validation (general-error)."""
    report = validate(_formatted(DATA, "C4"), XLSX_SCHEMA)
    assert [(e.code, e.row, e.column) for e in report.errors] == [
        ("blank-label", None, 3), ("blank-row", 4, None), ("extra-header-warn", None, 3)]
    report = validate(_formatted(DATA, "D2"), XLSX_SCHEMA)
    assert [e.code for e in report.errors if e.level == "error"] == ["general-error"] and report.rows == 0


def test_xlsx_huge_declared_dimension_stays_fast_and_bounded():
    """A formatted cell at XFD1048576 declares 16 384 columns and 1 048 576 rows. The header is padded to 16 384
    labels (duplicate blank labels: the validation stops at the header, as in Validata, which runs out of memory
    materialising the rows); reading every row anyway (a check without schema counts them) is bounded work: the
    rows openpyxl fills in are recognised without reading their cells, and are read up to the last label only."""
    data = _formatted(DATA, "XFD1048576")
    started = time.perf_counter()
    report = validate(data, XLSX_SCHEMA)
    assert [e.code for e in report.errors if e.level == "error"] == ["general-error"] and report.rows == 0
    src = open_table(data)
    assert len(src.header) == 16384 and src.width == 2
    rows = batches = 0
    for batch in src.batches():
        rows += batch.record.num_rows
        batches += 1
        assert batch.record.num_columns <= 2
    assert rows == 1048575 and batches == 1048575 // src.batch_rows + 1
    # a formatted cell far down in a labelled column: a million blank rows, each reported (as Validata does),
    # the first ones in detail, the others counted, in bounded memory
    report = validate(_formatted(DATA, "B1048576"), XLSX_SCHEMA)
    assert report.rows == 1048575 and report.counts == {"blank-row": 1048573}
    assert len(report.errors) <= 100_000 and report.omitted == {"blank-row": 1048573 - len(report.errors)}
    assert time.perf_counter() - started < 30


def test_xlsx_without_dimension_rows_keep_their_own_width():
    """No ``<dimension>`` element (some generators omit it): each row has the cells up to its last one, a short
    row lacks cells (missing-cell), the rows not written are blank, as openpyxl and Validata read it."""
    import re
    import zipfile

    src_bytes = _formatted([["nom", "montant"], ["a"], [], [], ["b", 2]], "C6")
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(src_bytes)) as zin, zipfile.ZipFile(buf, "w") as zout:
        for item in zin.infolist():
            body = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                body = re.sub(rb"<dimension[^>]*/>", b"", body)
            zout.writestr(item, body)
    report = validate(buf.getvalue(), XLSX_SCHEMA)
    assert [(e.code, e.row, e.column) for e in report.errors] == [
        ("missing-cell", 2, 2), ("blank-row", 3, None), ("blank-row", 4, None), ("blank-row", 6, None)]


def test_xlsx_first_row_empty_is_unreadable():
    with pytest.raises(ReadError) as err:
        open_table(_formatted([[None, None], ["nom", "montant"]], "A1", "B1"))
    assert err.value.code == "unreadable" and "première ligne" in err.value.message["fr"]


def test_corrupt_xlsx():
    with pytest.raises(ReadError) as err:
        open_table(b"PK\x03\x04" + os.urandom(2000))
    assert err.value.code == "unreadable"


def test_json_rows():
    src = open_table(b'[{"nom": "Lille", "montant": 1}, {"nom": "Hem", "montant": null}]')
    assert src.header == ["nom", "montant"]
    assert rows_of(src) == [(2, ["Lille", "1"]), (3, ["Hem", ""])]


@pytest.mark.parametrize("data, words", [
    (b"", "vide"),
    (b"\n\n  \n", "vide"),
    (b"\xef\xbb\xbf", "vide"),
    (b"<!DOCTYPE html><html><head><title>Portail</title></head><body>x</body></html>", "page web"),
    (b"\n  <html lang='fr'><body><p>Erreur 404</p></body></html>", "page web"),
    (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, "binaire"),
    (bytes(range(1, 32)) * 100, "binaire"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500, "XLS est illisible"),
])
def test_not_a_table(data, words):
    with pytest.raises(ReadError) as err:
        open_table(data)
    assert err.value.code == "unreadable"
    assert words in err.value.message["fr"]
    report = validate(data, SCHEMA)
    assert report.stop_reason == "unreadable" and not report.valid
    assert [e.code for e in report.errors] == ["source-error"]


def test_random_garbage_never_crashes():
    import random

    rnd = random.Random(4)
    for _ in range(30):
        data = bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 3000)))
        report = validate(data, SCHEMA)  # a report, whatever the bytes
        assert report.stop_reason in ("complete", "unreadable")


def test_over_the_size_limit(tmp_path):
    path = tmp_path / "gros.csv"
    path.write_bytes(b"nom,montant\n" + b"a,1\n" * 1000)
    with pytest.raises(ReadError) as err:
        open_table(path, max_bytes=100)
    assert err.value.code == "too_large" and "100 octets" in err.value.message["fr"]
    report = validate(path, SCHEMA, max_bytes=100)
    assert report.stop_reason == "too_large" and report.rows == 0 and not report.valid
    assert [e.code for e in report.errors] == ["too-large"]


def test_missing_file(tmp_path):
    report = validate(tmp_path / "absent.csv", SCHEMA)
    assert report.stop_reason == "unreadable" and [e.code for e in report.errors] == ["source-error"]


def test_unterminated_quote_does_not_hang():
    started = time.perf_counter()
    report = validate(b'nom,montant\nLille,1\n"Hem,2\nCroix,3\n' + b"a,1\n" * 10000, SCHEMA)
    assert time.perf_counter() - started < 10
    assert report.stop_reason in ("complete", "unreadable")


def test_header_only():
    report = validate(b"nom,montant\n", SCHEMA)
    assert report.valid and report.rows == 0 and report.stop_reason == "complete"


# -- XLS and ODS ----------------------------------------------------------------------------------------------------
# (their reading as Validata's is compared in tests/test_validata_parity.py; these are the shapes and the budgets)

REAL_XLS = SHARED / "data" / "files" / "xls-ods" / "DEP_Deux Sèvres_Convention_de_subventions_-_CD79.xls"


def _ods(*rows: str, **kwargs) -> bytes:
    from tests.validata.workbooks import ods

    return ods(*rows, **kwargs)


def test_xls_first_sheet_typed_cells_written_plainly():
    src = open_table(REAL_XLS)
    assert src.dialect.format == "xls" and src.header[:3] == ["Autorité administrative",
                                                               "SIRET autorité administrative", "Date convention"]
    rows = dict(rows_of(src))
    assert len(rows) == 467 and min(rows) == 2
    assert rows[2][2] == "2015-06-04" and rows[2][7] == "24444" and rows[2][10] == "2017-12-06T20:35:09"
    assert rows[3][7] == "33992.72" and rows[468][9:] == ["", ""]


@pytest.mark.parametrize("damage", ["truncate", "flip", "ole-only"])
def test_damaged_xls_is_a_french_read_error(damage):
    data = REAL_XLS.read_bytes()
    if damage == "truncate":
        data = data[:20000]
    elif damage == "flip":
        data = data[:4096] + bytes(b ^ 0x5A for b in data[4096:9000]) + data[9000:]
    else:
        data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500
    with pytest.raises(ReadError) as err:
        open_table(data)
    assert err.value.code == "unreadable" and "XLS" in err.value.message["fr"] and not err.value.internal
    report = validate(data, SCHEMA)
    assert report.stop_reason == "unreadable" and [e.code for e in report.errors] == ["source-error"]


def test_xls_warnings_never_reach_the_standard_output(capsys):
    open_table(REAL_XLS)  # xlrd warns "OLE2 inconsistency" on this real file, to sys.stdout by default
    assert capsys.readouterr() == ("", "")


def test_ods_rows_as_libreoffice_shows_them():
    from tests.validata.workbooks import cell, row

    data = _ods(row(cell(text="nom"), cell(text="montant"), cell(repeat=1022)),
                row(cell(text="Lille"), cell(3, "float", "3"), cell(repeat=1022)),
                row(cell(text="Hem"), cell(repeat=1023), repeat=3),  # identical rows written once
                row(cell(repeat=1024), repeat=2),
                row(cell(text="Croix"), cell(repeat=4), cell(text="loin"), cell(repeat=1018)),
                row(cell(repeat=1024), repeat=1048566))
    src = open_table(data)
    assert src.dialect.format == "ods" and src.header == ["nom", "montant"] and not src.issues
    assert rows_of(src) == [(2, ["Lille", "3"]), (3, ["Hem", ""]), (4, ["Hem", ""]), (5, ["Hem", ""]),
                            (6, ["", ""]), (7, ["", ""]), (8, ["Croix", "", "", "", "", "loin"])]
    found = [(e.code, e.row, e.column) for e in validate(data, SCHEMA).errors if e.level == "error"]
    assert found == [("blank-row", 6, None), ("blank-row", 7, None)] + [("extra-cell", 8, k) for k in range(3, 7)]


def test_ods_title_above_the_header():
    from tests.validata.workbooks import cell, row

    data = _ods(row(cell(repeat=30)), row(cell(text="Subventions 2017"), cell(repeat=29)), row(cell(repeat=30)),
                row(cell(text="nom"), cell(text="montant")), row(cell(text="Lille"), cell(1, "float")))
    src = open_table(data)
    assert src.header == ["nom", "montant"] and src.header_row == 4
    assert [i["code"] for i in src.issues] == ["header-not-first"] and "ligne 4" in src.issues[0]["message"]["fr"]
    assert rows_of(src) == [(5, ["Lille", "1"])]
    with pytest.raises(ReadError) as err:
        open_table(_ods(row(cell(repeat=3)), row(cell(text="titre seul"))))
    assert "première ligne" in err.value.message["fr"]


def test_ods_recognised_by_its_name_when_the_mimetype_is_not_first(tmp_path):
    from tests.validata.workbooks import cell, row

    path = tmp_path / "t.ods"
    path.write_bytes(_ods(row(cell(text="nom"), cell(text="montant")), row(cell(text="a"), cell(1, "float")),
                          mimetype_first=False, sheets=2))
    src = open_table(path)
    assert src.dialect.format == "ods" and rows_of(src) == [(2, ["a", "1"])]  # the first sheet only


@pytest.mark.parametrize("rows, words", [
    # a cell repeated past column 16 384, a row repeated past row 1 048 576: refused before anything is built
    (('<table:table-row><table:table-cell office:value-type="string" table:number-columns-repeated="1000000000">'
      "<text:p>x</text:p></table:table-cell></table:table-row>",), "16\u202f384 colonnes"),
    (('<table:table-row><table:table-cell office:value-type="string"><text:p>a</text:p></table:table-cell>'
      '<table:table-cell office:value-type="string"><text:p>b</text:p></table:table-cell></table:table-row>',
      '<table:table-row table:number-rows-repeated="1000000000"><table:table-cell office:value-type="string">'
      "<text:p>x</text:p></table:table-cell></table:table-row>"), "1\u202f048\u202f576 lignes"),
    # 64 Ki spaces from 24 bytes (<text:s>), a header of one text repeated over 16 000 columns
    (('<table:table-row><table:table-cell office:value-type="string"><text:p>a' + '<text:s text:c="65536"/>' * 40
      + "</text:p></table:table-cell></table:table-row>",), "espaces répétés"),
    (('<table:table-row><table:table-cell office:value-type="string" table:number-columns-repeated="16000">'
      f'<text:p>{"x" * 1000}</text:p></table:table-cell></table:table-row>',), "L'en-tête (ligne 1) compte"),
    # one long text repeated: the text budget, not 16 384 × 60 000 copies
    (('<table:table-row><table:table-cell office:value-type="string"><text:p>a</text:p></table:table-cell>'
      '<table:table-cell office:value-type="string"><text:p>b</text:p></table:table-cell></table:table-row>',
      '<table:table-row table:number-rows-repeated="60000"><table:table-cell office:value-type="string" '
      f'table:number-columns-repeated="16000"><text:p>{"x" * 1000}</text:p></table:table-cell></table:table-row>'),
     "caractères"),
])
def test_ods_amplification_is_refused_quickly(rows, words):
    started = time.perf_counter()
    with pytest.raises(ReadError) as err:
        for _ in open_table(_ods(*rows)).batches():
            pass
    assert words in err.value.message["fr"] and not err.value.internal
    assert time.perf_counter() - started < 10


@pytest.mark.parametrize("build, words", [
    (lambda: _ods('<table:table-row><table:table-cell office:value-type="string"><text:p>a</text:p>'),
     "illisible ou corrompu"),
    (lambda: _ods().replace(b"x", b"x"), "première ligne"),
    (lambda: _zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
                   "content.xml": b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa">]><d>&a;</d>'}), "DOCTYPE"),
    (lambda: _zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
                   "content.xml": b"<a>" + b" " * (8 << 20) + b"</a>"}), "bombe de décompression"),
    (lambda: _zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": os.urandom(3000),
                   "META-INF/manifest.xml": b"<manifest:encryption-data/>"}), "mot de passe"),
    (lambda: _zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"}), "illisible"),
])
def test_bad_ods_is_a_french_read_error(build, words):
    with pytest.raises(ReadError) as err:
        open_table(build())
    assert err.value.code == "unreadable" and words in err.value.message["fr"] and not err.value.internal


def _zip(members: dict[str, bytes]) -> bytes:
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()
