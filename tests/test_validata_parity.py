"""Parity with Validata: on every example file of the schema catalogue, our errors equal validata-core 0.9.7's.

`tests/data/validata-expected.json` (written by `tests/validata/generate_expected.py`, row cap and error limit
lifted) gives, for each example table, the multiset of ``(code, row, column, field)`` Validata reports and its
structure warnings; for the files whose schema Validata rejects before reading a row, ``without_schema_check`` gives
the rows' errors with that self-check disabled, which `validate(..., check_schema=False)` must reproduce too.

The same holds for the files `tests/validata/cases.py` builds from the catalogue (the ``cases`` key: a UTF-8 BOM in
front of Windows-1252 text, XLSX rows formatted but empty, columns a primary key or a custom check needs absent):
`test_case_matches_validata` rebuilds each one and compares.

The comparison is exact. Two documented differences are handled here, narrowly:
- code names: our stable code ``primary-key`` is frictionless 4's ``primary-key-error`` (no example file has one);
  ``header-schema-error`` / ``header-check-error`` are Validata's ``schema-error`` / ``check-error`` when they come
  from the file's columns (we split each code so that a rule can tell a broken schema from a file that does not fit
  it); a file Validata cannot read at all is named by validata.fr with the title of the error (``Encoding Error``
  for our ``encoding-error``);
- ``french_gps_coordinates`` (underscores, schema stationnement-cyclable 1.1.2, which has no example file): Validata
  reports it as an unknown check, we run the GPS check (issue 4). `test_gps_alias_deviation` pins exactly that.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from auditor.tabular.schema_check import schema_problems
from auditor.tabular.validate import validate
from tests.validata import cases

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SCHEMAS = SHARED / "data" / "schemas"
EXPECTED = json.loads((Path(__file__).parent / "data" / "validata-expected.json").read_text(encoding="utf-8"))
FILES = sorted(EXPECTED["files"])
BLOCKED = [rel for rel in FILES if "errors" in (EXPECTED["files"][rel].get("without_schema_check") or {})]

pytestmark = pytest.mark.skipif(not SCHEMAS.is_dir(), reason="the shared folder (example files) is absent")

CODE_NAMES = {"primary-key": "primary-key-error", "header-schema-error": "schema-error",
              "header-check-error": "check-error", "encoding-error": "Encoding Error"}
CASES = sorted(EXPECTED["cases"])


def ours(rel: str, *, check_schema: bool = True, schema: dict | None = None, path: Path | None = None):
    if schema is None:
        schema = json.loads((SCHEMAS / EXPECTED["files"][rel]["schema"]).read_text(encoding="utf-8"))
    report = validate(path or SCHEMAS / rel, schema, check_schema=check_schema)
    errors = Counter((CODE_NAMES.get(e.code, e.code), e.row, e.column, e.field)
                     for e in report.errors if e.level == "error")
    warnings = Counter((e.code, e.field) for e in report.errors if e.level == "warning")
    return report, errors, warnings


def expected(result: dict):
    return Counter(tuple(e) for e in result["errors"]), Counter(tuple(w) for w in result["structure_warnings"])


def _diff(got: Counter, want: Counter) -> str:
    return f"missing {sorted((want - got).elements(), key=str)[:10]}, extra {sorted((got - want).elements(), key=str)[:10]}"


def test_the_expected_data_covers_the_catalogue():
    assert len(FILES) == 92 and len(BLOCKED) == 47
    assert all(EXPECTED["files"][rel]["failure"] is None for rel in FILES)
    assert all((SCHEMAS / rel).is_file() for rel in FILES)
    assert len(CASES) == 19 and all(EXPECTED["cases"][name]["failure"] is None for name in CASES)


@pytest.fixture(scope="module")
def built_cases(tmp_path_factory):
    return cases.build(tmp_path_factory.mktemp("validata-cases"), SCHEMAS)


@pytest.mark.parametrize("name", CASES)
def test_case_matches_validata(name, built_cases):
    case, entry = built_cases[name], EXPECTED["cases"][name]
    schema = json.loads(Path(case["schema"]).read_text(encoding="utf-8"))
    report, errors, warnings = ours(name, schema=schema, path=case["file"])
    want_errors, want_warnings = expected(entry)
    assert errors == want_errors, _diff(errors, want_errors)
    assert warnings == want_warnings, _diff(warnings, want_warnings)
    assert report.valid is entry["valid"]


@pytest.mark.parametrize("rel", FILES)
def test_file_matches_validata(rel):
    entry = EXPECTED["files"][rel]
    report, errors, warnings = ours(rel)
    want_errors, want_warnings = expected(entry)
    assert errors == want_errors, _diff(errors, want_errors)
    assert warnings == want_warnings, _diff(warnings, want_warnings)
    assert report.valid is entry["valid"]


@pytest.mark.parametrize("rel", BLOCKED)
def test_rows_of_blocked_files_match_validata(rel):
    relaxed = EXPECTED["files"][rel]["without_schema_check"]
    _, errors, warnings = ours(rel, check_schema=False)
    want_errors, want_warnings = expected(relaxed)
    assert errors == want_errors, _diff(errors, want_errors)
    assert warnings == want_warnings, _diff(warnings, want_warnings)


def test_totals():
    """The figures of the report: every file equal, every error matched."""
    equal = matched = total = 0
    for rel in FILES:
        runs = [(EXPECTED["files"][rel], True)]
        if rel in BLOCKED:
            runs.append((EXPECTED["files"][rel]["without_schema_check"], False))
        for result, check in runs:
            _, errors, warnings = ours(rel, check_schema=check)
            want_errors, want_warnings = expected(result)
            total += sum(want_errors.values())
            matched += sum((errors & want_errors).values())
            equal += errors == want_errors and warnings == want_warnings
    assert (equal, matched) == (len(FILES) + len(BLOCKED), total)
    assert total == 993


def test_every_schema_self_check_matches_validata():
    """All 147 schemas: the same metadata problems in the same order (the first one is what blocks a file). Our
    only addition comes after them: a pattern Python cannot compile (frictionless crashes on it instead)."""
    for rel, verdict in EXPECTED["schemas"].items():
        schema = json.loads((SCHEMAS / rel).read_text(encoding="utf-8"))
        got = [list(p) for p in schema_problems(schema)]
        want = verdict["metadata_errors"]
        assert got[:len(want)] == want, rel
        assert all("not a valid regular expression" in note for _, note in got[len(want):]), rel


def test_gps_alias_deviation():
    """stationnement-cyclable 1.1.2 = 1.1.1 plus the custom check ``french_gps_coordinates``. Validata: the 1.1.1
    verdict plus one check-error "custom check inconnu"; we: the 1.1.1 verdict plus the GPS check's own errors."""
    assert EXPECTED["schemas"]["etalab__schema-stationnement-cyclable/1.1.2/schema.json"][
        "unknown_custom_checks"] == ["french_gps_coordinates"]
    schema_112 = json.loads((SCHEMAS / "etalab__schema-stationnement-cyclable/1.1.2/schema.json").read_text("utf-8"))
    rel = "etalab__schema-stationnement-cyclable/1.1.1/exemple-valide.csv"
    validata_errors, _ = expected(EXPECTED["files"][rel])
    _, errors, _ = ours(rel, schema=schema_112)
    assert errors == validata_errors  # Validata's 1.1.2 verdict without its check-error: the example is in France
    lines = (SCHEMAS / rel).read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    col = header.index("coordonneesxy")
    from auditor.tabular.reader import open_table

    src = open_table((SCHEMAS / rel).read_bytes())
    first = next(src.batches()).record
    row = [first.column(j)[0].as_py() for j in range(first.num_columns)]
    row[col] = "[-73.98, 40.75]"  # New York
    text = "\n".join([",".join(_quote(c) for c in header), ",".join(_quote(c) for c in row)]) + "\n"
    report = validate(text.encode(), schema_112)
    gps = [e for e in report.errors if e.code in ("french-gps-coordinates", "reversed-french-gps-coordinates")]
    assert [(e.code, e.row, e.column) for e in gps] == [("french-gps-coordinates", 2, col + 1)]
    assert not [e for e in report.errors if e.code == "check-error"]


def _quote(cell: str) -> str:
    return '"' + cell.replace('"', '""') + '"' if any(c in cell for c in ',"\n') else cell


# -- workbooks: XLS and ODS -----------------------------------------------------------------------------------------
# tests/data/validata-workbooks.json (tests/validata/generate_workbooks.py): how Validata (frictionless 4.38 on xlrd
# and ezodf) reads the workbooks of tests/validata/workbooks.py, and its verdicts on them.

WORKBOOKS = json.loads((Path(__file__).parent / "data" / "validata-workbooks.json").read_text(encoding="utf-8"))


def _workbook(name: str, tmp_path: Path) -> Path:
    from tests.validata import workbooks

    path = workbooks.cases(SHARED)[name]["file"]
    if path is None:
        path = tmp_path / f"{name}.ods"
        path.write_bytes(workbooks.small_ods())
    return path


def _as_text(value) -> str:
    """A cell as Validata reads it (frictionless' typed value), as our reader writes it."""
    import datetime as dt

    from auditor.tabular.xlsx import plain_text

    if value is None:
        return ""
    if isinstance(value, str):
        return value
    kind, text = value
    if kind in ("datetime", "date"):
        return plain_text(getattr(dt, kind).fromisoformat(text))
    return text


def _our_rows(path: Path) -> tuple[list[str], dict[int, list[str]]]:
    from auditor.tabular.reader import open_table

    source = open_table(path)
    rows = {}
    for batch in source.batches():
        for i, record in enumerate(batch.record.to_pylist()):
            rows[batch.first_row + i] = list(record.values())
    return source.header, rows


def test_xls_cells_are_validatas():
    """The real XLS file: every cell of every row as Validata reads it (typed values, written plainly)."""
    header, rows = _our_rows(_workbook("xls-deux-sevres", None))
    lines = WORKBOOKS["cases"]["xls-deux-sevres"]["lists"]
    assert header == [_as_text(v) for v in lines[0]]
    assert rows == {k: [_as_text(v) for v in line] for k, line in enumerate(lines[1:], start=2)}


@pytest.mark.parametrize("label", ["subventions-2.1.1", "own-columns"])
def test_xls_verdict_is_validatas(label):
    """The real XLS file against SCDL subventions 2.1.1 (none of its columns) and against a schema of its own columns
    (dates, SIRET patterns, whole amounts, a required date: 393 errors): Validata's errors, exactly."""
    from tests.validata import workbooks

    path = _workbook("xls-deux-sevres", None)
    schema = workbooks.cases(SHARED)["xls-deux-sevres"]["schemas"][label]
    if not isinstance(schema, dict):
        schema = json.loads(schema.read_text(encoding="utf-8"))
    report, errors, warnings = ours("", schema=schema, path=path)
    want_errors, want_warnings = expected(WORKBOOKS["cases"]["xls-deux-sevres"]["verdicts"][label])
    assert errors == want_errors, _diff(errors, want_errors)
    assert warnings == want_warnings, _diff(warnings, want_warnings)
    assert sum(want_errors.values()) == {"subventions-2.1.1": 12, "own-columns": 393}[label]


def test_small_ods_cells_and_verdict(tmp_path):
    """A small ODS as LibreOffice writes it: every cell Validata reads is ours (a time aside: ``10:30:00`` where
    frictionless hands over ``PT10H30M00S``), and so are its errors, but for what ezodf adds: the run of 1 013
    empty cells at the end of each row read as one more column (a blank label and its warning) and the 1 048 570
    empty rows at the end as one blank row."""
    path = _workbook("ods-small", tmp_path)
    case = WORKBOOKS["cases"]["ods-small"]
    header, rows = _our_rows(path)
    lines = case["lists"]
    assert header == [_as_text(v) for v in lines[0][:7]] and lines[0][7:] == [None]
    theirs = {k: [_as_text(v) for v in line[:7]] for k, line in enumerate(lines[1:], start=2)}
    assert theirs[2][5] == "PT10H30M00S" and rows[2][5] == "10:30:00"
    theirs[2][5] = "10:30:00"
    assert theirs.pop(7) == [""] * 7 and all(line[7] is None for line in lines)  # ezodf's additions
    assert rows == theirs
    from tests.validata import workbooks

    report, errors, warnings = ours("", schema=workbooks.SMALL_ODS_SCHEMA, path=path)
    want_errors, want_warnings = expected(case["verdicts"]["own-columns"])
    assert want_errors - errors == Counter({("blank-label", None, 8, None): 1, ("blank-row", 7, None, None): 1})
    assert not errors - want_errors
    assert want_warnings - warnings == Counter({("extra-header-warn", None): 1}) and not warnings - want_warnings


def test_real_ods_is_read_where_validata_fails():
    """The real ODS file (a title in row 3, the header in row 6, merged cells, 1 048 445 empty rows declared at the
    end): validata-ui fails on it (its first row is empty, ezodf gives None as the first label). We read the header
    in row 6 (with an issue saying so) and its 76 rows; each cell equals frictionless' reading of it."""
    case = WORKBOOKS["cases"]["ods-pyrenees-orientales"]
    assert case["ui_failure"].startswith("AttributeError")
    from auditor.tabular.reader import open_table

    path = _workbook("ods-pyrenees-orientales", None)
    assert [i["code"] for i in open_table(path).issues] == ["header-not-first"]
    header, rows = _our_rows(path)
    lines = case["lists"]
    width = len(header)
    assert header == [_as_text(v) for v in lines[5][:width]] and not any(lines[5][width:])
    assert sorted(rows) == list(range(7, 83)) and not any(v for line in lines[82:] for v in line)
    for number, cells in rows.items():
        assert cells == [_as_text(v) for v in lines[number - 1][:width]], number
        assert not any(lines[number - 1][width:])
