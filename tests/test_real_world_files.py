"""Files as communes really publish them: a spreadsheet export in Windows-1252 with ``;`` and a separator at
the end of every line, and the same table in XLSX, against the real subventions schema."""
from __future__ import annotations

import csv
import json

import openpyxl

from auditor.tabular.validate import validate

from .helpers import SHARED

FOLDER = SHARED / "data" / "schemas" / "scdl__subventions" / "2.1.1"


def _rows():
    with open(FOLDER / "exemple_valide.csv", encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def _schema():
    return json.loads((FOLDER / "schema.json").read_text("utf-8"))


def test_windows_1252_semicolons_and_trailing_separator(tmp_path):
    path = tmp_path / "subventions.csv"
    with open(path, "w", encoding="cp1252", errors="replace", newline="") as f:
        csv.writer(f, delimiter=";").writerows(r + [""] for r in _rows())
    report = validate(path, _schema()).to_dict()
    assert report["dialect"]["encoding"] == "windows-1252" and report["dialect"]["delimiter"] == ";"
    assert report["rows"] == len(_rows()) - 1
    codes = [(e["code"], e["column"]) for e in report["errors"]]
    width = len(_rows()[0]) + 1
    assert ("blank-label", width) in codes
    warning = next(e for e in report["errors"] if e["code"] == "extra-header-warn")
    assert "sans en-tête" in warning["message"]["fr"] and f"colonne {width}" in warning["message"]["fr"]
    assert {c for c, _ in codes} <= {"blank-label", "extra-header-warn"}  # the cells themselves are valid


def test_xlsx_copy_of_a_valid_file_is_valid(tmp_path):
    wb = openpyxl.Workbook()
    for r in _rows():
        wb.active.append(r)
    wb.save(tmp_path / "subventions.xlsx")
    report = validate(tmp_path / "subventions.xlsx", _schema()).to_dict()
    assert report["valid"] and report["rows"] == len(_rows()) - 1 and report["dialect"]["format"] == "xlsx"
