"""``auditor check`` on SCDL example files, a folder, a data package, a metadata file and a URL:
verdicts, guessed schemas with their confidence, JSON output valid against reports/check.schema.json,
exit codes (0 clean, 1 findings, 2 usage or input error), and hostile cells that cannot drive the
terminal."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from tests.schema_server import SCHEMAS
from tests.service_helpers import run_cli, schema_options, static_site

ROOT = Path(__file__).resolve().parents[1]
SUB = SCHEMAS / "scdl__subventions" / "2.1.1"
VALID = SUB / "exemple_valide.csv"
CELLS = SUB / "exemple_invalide_erreurs_cellules.csv"
VALIDATOR = Draft202012Validator(json.loads((ROOT / "reports" / "check.schema.json").read_text("utf-8")))


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    with schema_options(tmp_path_factory.mktemp("check-cache")) as options:
        yield options


def check(capsys, env, *args) -> tuple[int, str, str]:
    return run_cli(capsys, "check", *args, *env)


def check_json(capsys, env, *args) -> tuple[int, dict]:
    code, out, err = check(capsys, env, *args, "--format", "json")
    doc = json.loads(out)
    errors = list(VALIDATOR.iter_errors(doc))
    assert not errors, errors[:3]
    return code, doc


def test_valid_example_with_pinned_schema(capsys, env):
    code, out, err = check(capsys, env, str(VALID), "--schema", "scdl/subventions@2.1.1", "--color", "never")
    assert code == 0, err
    assert out.startswith(f"{VALID}\n  Schéma : scdl/subventions 2.1.1\n")
    assert "29 ligne(s) lue(s) · utf-8 · séparateur « , »" in out and "✓ conforme" in out
    assert out.rstrip().endswith("1 élément(s) vérifié(s), 0 non conforme(s) : 0 erreur(s), 0 avertissement(s), "
                                 "0 information(s).")
    code, doc = check_json(capsys, env, str(VALID), "--schema", "scdl/subventions@2.1.1")
    (result,) = doc["results"]
    assert code == 0 and doc["valid"] and result["valid"] and result["findings"] == []
    assert result["schema"]["guessed"] is False and result["report"]["rows"] == 29


def test_schema_is_guessed_and_its_confidence_shown(capsys, env):
    code, out, _ = check(capsys, env, str(VALID), "--color", "never")
    assert code == 0
    assert "  Schéma : scdl/subventions 2.1.1 (deviné : certain)" in out
    code, doc = check_json(capsys, env, str(VALID))
    (result,) = doc["results"]
    assert result["schema"]["guessed"] is True and result["schema"]["confidence"] == {"fr": "certain", "en": "certain"}
    assert result["candidates"][0]["name"] == "scdl/subventions"
    code, out, _ = check(capsys, env, str(VALID), "--lang", "en", "--color", "never")
    assert "  Schema: scdl/subventions 2.1.1 (guessed: certain)" in out and "✓ compliant" in out
    code, out, _ = check(capsys, env, str(VALID), "--no-guess", "--color", "never")
    assert code == 0 and "Aucun schéma : seule la lecture a été vérifiée." in out


def test_file_without_schema_read_again_when_utf8_turns_out_windows_1252(tmp_path, capsys, env):
    """The first accented byte comes after the first blocks the reader parses as UTF-8: the file is read
    again in Windows-1252, as the validator does, not reported unreadable."""
    rows = ["nom,ville,montant"] + [f"asso{i},Lille,{i}" for i in range(60_000)] + ["Société,Armentières,5"]
    path = tmp_path / "tard.csv"
    path.write_bytes(("\n".join(rows) + "\n").encode("cp1252"))
    code, doc = check_json(capsys, env, str(path), "--no-guess")
    (result,) = doc["results"]
    report = result["report"]
    assert code == 0 and report["stop_reason"] == "complete" and report["errors"] == []
    assert report["rows"] == 60_001 and report["dialect"]["encoding"] == "windows-1252"
    assert [i["code"] for i in report["issues"]] == ["encoding-fallback"]


def test_invalid_example_lists_errors_with_rows_and_fixes(capsys, env):
    code, out, _ = check(capsys, env, str(CELLS), "--schema", "scdl/subventions@2.1.1", "--color", "never")
    assert code == 1
    assert "✗ non conforme" in out and "Correction : " in out
    assert "Colonne 3 « dateConvention » — Format incorrect (date attendue) : 1 ligne(s)" in out
    assert "ligne 5 : La date « 05/12/2016 » doit être écrite « 2016-12-05 »." in out  # not an ISO date
    code, doc = check_json(capsys, env, str(CELLS), "--schema", "scdl/subventions@2.1.1")
    (result,) = doc["results"]
    assert code == 1 and not doc["valid"] and doc["counts"]["error"] == len(
        [f for f in result["findings"] if f["severity"] == "error"]) > 5
    assert all(f["rule"].startswith("FILE-") and f["target"] == str(CELLS) for f in result["findings"])
    assert {"dateConvention", "montant", "idAttribuant"} <= {f["location"]["field"] for f in result["findings"]}
    # --all lifts the 20-per-rule cap; colours only on request
    code, out, _ = check(capsys, env, str(CELLS), "--schema", "scdl/subventions@2.1.1", "--color", "always")
    assert "\x1b[31m" in out and "\x1b[0m" in out


def test_exit_codes_for_usage_errors(tmp_path, capsys, env):
    code, out, err = check(capsys, env, str(VALID), "--schema", "scdl/inexistant")
    assert code == 2 and out == "" and err.startswith("auditor check : schéma inconnu")
    code, out, err = check(capsys, env, str(VALID), "--schema", "scdl/subventions@9.9.9")
    assert code == 2 and "schéma inconnu" in err
    code, out, err = check(capsys, env, str(tmp_path / "absent.csv"))
    assert code == 2 and err == f"auditor check : « {tmp_path / 'absent.csv'} » introuvable\n"
    code, _, err = check(capsys, env, str(VALID), "--select", "PAS-DE-REGLE")
    assert code == 2 and err.startswith("auditor check : ")
    # the entry point itself, as a shell or CI would run it
    proc = subprocess.run([sys.executable, "-m", "auditor", "check", str(tmp_path / "absent.csv"), *env],
                          capture_output=True, text=True, cwd=tmp_path, timeout=60,
                          env=dict(os.environ, AUDITOR_CACHE=str(tmp_path / "cache")))
    assert proc.returncode == 2 and "introuvable" in proc.stderr


def test_metadata_file_goes_through_the_dataset_rules(tmp_path, capsys, env):
    meta = tmp_path / "metadata.yaml"
    meta.write_text("titre: Délibérations du conseil municipal\ndescription: Délibérations depuis 2020.\n"
                    "producteur: Ville de Roubaix\nlicence: Licence Ouverte v2.0\n"
                    "mots_cles: [délibérations, conseil]\nressources:\n"
                    "  - chemin: deliberations.pdf\n    format: pdf\n", encoding="utf-8")
    code, out, _ = check(capsys, env, str(meta), "--color", "never")
    assert code == 1
    assert "Aucune ressource dans un format ouvert : 1 constat(s)  [RN-FMT-01]" in out and "(formats publiés : PDF)" in out
    code, doc = check_json(capsys, env, str(meta))
    (result,) = doc["results"]
    assert result["kind"] == "dataset" and result["report"] is None
    assert "RN-FMT-01" in {f["rule"] for f in result["findings"]}
    # --fail-on: only the warnings and information left once the open-format rule is ignored
    code, doc = check_json(capsys, env, str(meta), "--ignore", "RN-FMT-01")
    assert code == 0 and doc["valid"] and doc["counts"] == {"error": 0, "warning": 2, "info": 0}
    assert {f["rule"] for f in doc["results"][0]["findings"]} == {"RN-MAJ-01", "SCDL-01"}  # no date; looks SCDL
    assert check(capsys, env, str(meta), "--ignore", "RN-FMT-01", "--fail-on", "warning")[0] == 1
    assert check(capsys, env, str(meta), "--fail-on", "never")[0] == 0
    meta.write_text("- pas\n- un objet\n", encoding="utf-8")
    code, doc = check_json(capsys, env, str(meta))
    assert code == 1 and "doit décrire un jeu de données" in doc["results"][0]["findings"][0]["detail"]["fr"]


def test_data_package_checks_its_resources_with_their_declared_schema(tmp_path, capsys, env):
    shutil.copy(CELLS, tmp_path / "subventions.csv")
    (tmp_path / "datapackage.json").write_text(json.dumps({
        "name": "subventions", "title": "Subventions de la ville de Roubaix",
        "licenses": [{"name": "etalab-2.0", "title": "Licence Ouverte v2.0"}],
        "resources": [{"path": "subventions.csv", "format": "csv", "schema": "scdl/subventions@2.1.1"},
                      {"path": "../ailleurs.csv", "format": "csv"}]}), encoding="utf-8")
    code, doc = check_json(capsys, env, str(tmp_path / "datapackage.json"))
    assert code == 1
    assert [r["target"] for r in doc["results"]] == [str(tmp_path / "datapackage.json"),
                                                      f"{tmp_path}/subventions.csv"]
    package, data = doc["results"]
    assert package["kind"] == "dataset" and data["schema"]["name"] == "scdl/subventions"
    assert data["schema"]["version"] == "2.1.1" and not data["schema"]["guessed"] and not data["valid"]


def test_folder_is_searched(tmp_path, capsys, env):
    (tmp_path / "a").mkdir()
    shutil.copy(VALID, tmp_path / "a" / "valide.csv")
    shutil.copy(CELLS, tmp_path / "cellules.csv")
    (tmp_path / ".git").mkdir()
    shutil.copy(CELLS, tmp_path / ".git" / "ignore.csv")
    code, doc = check_json(capsys, env, str(tmp_path))
    assert code == 1
    assert [(r["target"], r["valid"]) for r in doc["results"]] == [("a/valide.csv", True), ("cellules.csv", False)]
    assert all(r["schema"]["guessed"] for r in doc["results"])


def test_terminal_escape_sequences_in_cells_are_neutralised(tmp_path, capsys, env):
    hostile = "\x1b]0;pwned\x07\x1b[2J\x1b[31m2024-13-45"
    lines = VALID.read_text("utf-8").splitlines()
    cells = lines[1].split(",")
    cells[2] = hostile  # dateConvention
    path = tmp_path / "hostile\x1b[31m.csv"
    path.write_text("\n".join([lines[0], ",".join(cells), *lines[2:5]]) + "\n", encoding="utf-8")
    code, out, _ = check(capsys, env, str(path), "--schema", "scdl/subventions@2.1.1", "--color", "never")
    assert code == 1 and "dateConvention" in out
    assert "\x1b" not in out and "\x07" not in out
    assert "?]0;pwned??[2J?[31m2024-13-45" in out
    code, out, _ = check(capsys, env, str(path), "--schema", "scdl/subventions@2.1.1", "--color", "always")
    assert "\x1b]" not in out and "\x1b[2J" not in out and "\x07" not in out  # only our own colour codes
    code, doc = check_json(capsys, env, str(path), "--schema", "scdl/subventions@2.1.1")
    assert any(f["location"].get("cell") == hostile for f in doc["results"][0]["findings"])  # JSON keeps the data


def test_bidirectional_overrides_and_c1_controls_are_neutralised(tmp_path, capsys, env):
    """A U+202E in a cell shows the rest of the line reversed; U+009B is an 8-bit CSI; a file name may
    hold them too, and a lone surrogate (a name that is not UTF-8). None reaches the terminal or CI text."""
    hostile = "2024\u202e31-21\u2066\x9b2J\x85"
    lines = VALID.read_text("utf-8").splitlines()
    cells = lines[1].split(",")
    cells[2] = hostile  # dateConvention
    folder = tmp_path / "depot"
    folder.mkdir()
    path = folder / "sub\u202evsc.exe\x9b.csv"
    path.write_text("\n".join([lines[0], ",".join(cells), *lines[2:5]]) + "\n", encoding="utf-8")
    dangerous = ("\u202e", "\u2066", "\x9b", "\x85", "\x1b")
    code, out, err = check(capsys, env, str(path), "--schema", "scdl/subventions@2.1.1", "--color", "always")
    assert code == 1 and "dateConvention" in out and "« 2024?31-21??2J? »" in out and "sub?vsc.exe?.csv" in out
    assert not any(c in out + err for c in dangerous[:4]) and out.count("\x1b[") == 2 * out.count("\x1b[0m")
    code, out, err = check(capsys, env, str(tmp_path / "absent\u202e.csv"))
    assert code == 2 and "absent?.csv" in err and "\u202e" not in err
    # JSON keeps the data, escaped: nothing raw on a terminal, the same values once parsed
    code, out, _ = check(capsys, env, str(path), "--schema", "scdl/subventions@2.1.1", "--format", "json")
    assert not any(c in out for c in dangerous) and "\\u202e" in out
    assert any(f["location"].get("cell") == hostile for f in json.loads(out)["results"][0]["findings"])
    # auditor ci: text, JSON and SARIF alike
    for fmt in ("text", "json", "sarif", "github", "junit"):
        code, out, err = run_cli(capsys, "ci", str(folder), "--format", fmt, "--color", "never", *env)
        assert code == 1 and not any(c in out + err for c in dangerous), fmt


@pytest.fixture()
def local_site(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    shutil.copy(VALID, site / "subventions.csv")
    shutil.copy(CELLS, site / "cellules.csv")
    with static_site(site) as url:
        yield url


def test_url_on_localhost(capsys, env, local_site):
    code, doc = check_json(capsys, env, f"{local_site}/subventions.csv")
    (result,) = doc["results"]
    assert code == 0 and result["target"] == f"{local_site}/subventions.csv"
    assert result["schema"]["name"] == "scdl/subventions" and result["report"]["rows"] == 29
    code, doc = check_json(capsys, env, f"{local_site}/cellules.csv", "--schema", "scdl/subventions@2.1.1")
    assert code == 1 and not doc["valid"]
    code, out, err = check(capsys, env, f"{local_site}/absent.csv")
    assert code == 2 and out == "" and "HTTP 404" in err


def test_windows_1252_and_semicolons_are_a_file_09_warning_not_a_failure(capsys, env, tmp_path):
    """The SCDL publication rules ask for UTF-8 and commas: a file in Windows-1252 separated by « ; » is
    validated in full (and compliant), with one FILE-09 warning naming the encoding and one the separator."""
    import csv
    import io

    rows = list(csv.reader(io.StringIO(VALID.read_text("utf-8"))))
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\n").writerows(rows)
    path = tmp_path / "subventions-1252.csv"
    path.write_bytes(out.getvalue().encode("cp1252"))
    code, doc = check_json(capsys, env, str(path), "--schema", "scdl/subventions@2.1.1")
    (result,) = doc["results"]
    codes = {(f["rule"], f["severity"]) for f in result["findings"]}
    assert code == 0 and codes == {("FILE-09", "warning")}, result["findings"]
    texts = json.dumps(result["findings"], ensure_ascii=False)
    assert "windows-1252" in texts and "points-virgules" in texts
    code, _ = check_json(capsys, env, str(path), "--schema", "scdl/subventions@2.1.1", "--fail-on", "warning")
    assert code == 1
