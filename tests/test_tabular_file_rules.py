"""The validator's verdicts through the FILE rules, as ``auditor check`` gives them: a file its schema cannot be
applied to is NOT compliant (Validata calls it invalid), a schema broken whatever the file stays a FILE-02
warning; and the BOM-in-front-of-Windows-1252 file is an unreadable file for Validata (FILE-01), its header read
right all the same."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest

from auditor.auditing.rules import load_rules
from tests.schema_server import SCHEMAS
from tests.service_helpers import run_cli, schema_options
from tests.validata import cases as case_files

SUB = SCHEMAS / "scdl__subventions" / "2.1.1"


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    with schema_options(tmp_path_factory.mktemp("rules-cache")) as options:
        yield options


@pytest.fixture(scope="module")
def cases(tmp_path_factory):
    return case_files.build(tmp_path_factory.mktemp("cases"), SCHEMAS)


def check(capsys, env, path: Path, schema: str | Path) -> tuple[int, dict]:
    code, out, err = run_cli(capsys, "check", str(path), "--schema", str(schema), "--format", "json", *env)
    assert code in (0, 1), err
    doc = json.loads(out)
    (result,) = doc["results"]
    return code, result


def rules_of(result: dict) -> list[tuple[str, str, str]]:
    return [(f["rule"], f["severity"], f["location"].get("code")) for f in result["findings"]]


def test_the_file_rules_name_the_header_codes_in_file_03_and_keep_file_02_for_broken_schemas():
    rules = {r.code: r for r in load_rules() if r.scope == "file"}
    assert rules["FILE-02"].severity == "warning" and rules["FILE-03"].severity == "error"
    assert set(rules["FILE-02"].params["codes"]) == {"schema-error", "field-error", "check-error"}
    assert {"header-schema-error", "header-check-error"} <= set(rules["FILE-03"].params["codes"])


@pytest.mark.parametrize("name, code", [
    ("primary-key-column-absent", "header-schema-error"),  # a subventions file against the trees' schema
    ("primary-key-columns-absent", "header-schema-error"),  # subventions with a primary key on absent columns
    ("check-column-absent", "header-check-error"),  # deliberations without PREF_DATE, which a check compares
])
def test_a_schema_that_cannot_be_applied_to_the_file_makes_it_non_compliant(capsys, env, cases, name, code):
    case = cases[name]
    exit_code, result = check(capsys, env, case["file"], case["schema"])
    assert exit_code == 1 and result["valid"] is False and result["report"]["valid"] is False
    found = rules_of(result)
    assert ("FILE-03", "error", code) in found
    assert not [f for f in found if f[0] == "FILE-02"]  # the schema itself is fine


def test_a_schema_broken_whatever_the_file_stays_a_file_02_warning(capsys, env):
    """subventions 2.0.0 has an invalid example on its last field: Validata rejects it for every file."""
    exit_code, result = check(capsys, env, SUB / "exemple_valide.csv",
                              SCHEMAS / "scdl__subventions" / "2.0.0" / "schema.json")
    found = rules_of(result)
    assert ("FILE-02", "warning", "schema-error") in found
    assert not [f for f in found if f[1] == "error"] and {f[0] for f in found} <= {"FILE-02", "FILE-07"}
    assert exit_code == 0 and result["report"]["valid"] is False


def test_bom_in_front_of_windows_1252_is_file_01_with_the_header_read_right(capsys, env, tmp_path):
    path = tmp_path / "subventions.csv"
    text = (SUB / "exemple_valide.csv").read_text(encoding="utf-8")
    path.write_bytes(codecs.BOM_UTF8 + text.encode("cp1252"))
    exit_code, result = check(capsys, env, path, "scdl/subventions@2.1.1")
    assert exit_code == 1 and result["valid"] is False
    errors = [f for f in rules_of(result) if f[1] == "error"]
    assert errors == [("FILE-01", "error", "encoding-error")]  # and no false missing nomAttribuant (FILE-03)
    report = result["report"]
    assert report["header"][0] == "nomAttribuant" and report["rows"] == 29
    assert report["dialect"]["encoding"] == "windows-1252" and report["dialect"]["bom"] is True
    assert [i["code"] for i in report["issues"]] == ["encoding-fallback"]
