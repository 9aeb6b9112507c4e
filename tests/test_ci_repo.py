"""``auditor ci`` on the sample dataset repository of tests/data/sample-repo: a data package declaring
``scdl/subventions@2.1.1`` for a CSV with three errors, a metadata file whose only resource is a PDF,
and a CSV of no known schema. SARIF validates against the OASIS SARIF 2.1.0 JSON Schema, JUnit parses,
GitHub annotations point at the rows, and a baseline suppresses today's findings but not new ones."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
import yaml
from jsonschema import Draft4Validator, Draft202012Validator

from auditor.cli import main
from tests.helpers import SHARED
from tests.schema_server import SchemaServer
from tests.service_helpers import run_cli, schema_options

REPO = Path(__file__).resolve().parent / "data" / "sample-repo"
SUBVENTIONS = "subventions/subventions-2024.csv"
CHECK_SCHEMA = Path(__file__).resolve().parents[1] / "reports" / "check.schema.json"
NEW_ROW = ("Ville d'Armentières,21590017600011,2024-05-06,DEL-2024-031,Chorale du Bizet,52499120500013,,"
           "Concert de Noël,beaucoup,aide en numéraire,unique,2024-06-01,,non,0.5,\n")


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    with schema_options(tmp_path_factory.mktemp("ci-cache")) as options:
        yield options


def ci(capsys, env, *args) -> tuple[int, str, str]:
    return run_cli(capsys, "ci", *args, *env)


def copy_repo(tmp_path: Path) -> Path:
    dest = tmp_path / "depot"
    shutil.copytree(REPO, dest)
    return dest


def test_text_report_groups_findings_per_item(capsys, env):
    code, out, err = ci(capsys, env, str(REPO), "--color", "never")
    assert code == 1, err
    for target in ("datapackage.json", SUBVENTIONS, "budget/metadata.yaml", "equipements/salles.csv"):
        assert f"\n{target}\n" in f"\n{out}", target
    block = out.split(f"{SUBVENTIONS}\n", 1)[1].split("\n\n", 1)[0]
    assert "Schéma : scdl/subventions 2.1.1" in block and "(deviné" not in block
    assert "5 ligne(s) lue(s)" in block and "✗ non conforme" in block
    assert "Ligne 4, colonne 3 (dateConvention) : La date « 12/02/2024 » doit être écrite « 2024-02-12 »." in block
    assert "Ligne 5, colonne 7 (rnaBeneficiaire)" in block
    assert "Ligne 5, colonne 6 (idBeneficiaire)" in block  # the SIRET 44088714900000 fails its check digit
    budget = out.split("budget/metadata.yaml\n", 1)[1].split("\n\n", 1)[0]
    assert "RN-FMT-01" in budget
    salles = out.split("equipements/salles.csv\n", 1)[1].split("\n\n", 1)[0]
    assert "Aucun schéma" in salles and "– lisible ; contenu non validé faute de schéma" in salles
    assert "✓" not in salles  # nothing validated its content
    assert out.rstrip().splitlines()[-1].startswith("4 élément(s) vérifié(s), 2 non conforme(s)")


def test_json_output_follows_its_schema(capsys, env):
    code, out, _ = ci(capsys, env, str(REPO), "--format", "json")
    doc = json.loads(out)
    errors = list(Draft202012Validator(json.loads(CHECK_SCHEMA.read_text("utf-8"))).iter_errors(doc))
    assert not errors, errors[:3]
    assert code == 1 and not doc["valid"]
    by_target = {r["target"]: r for r in doc["results"]}
    sub = by_target[SUBVENTIONS]
    assert sub["schema"]["name"] == "scdl/subventions" and sub["schema"]["version"] == "2.1.1"
    cells = {(f["location"]["row"], f["location"]["field"]) for f in sub["findings"]}
    assert {(4, "dateConvention"), (5, "rnaBeneficiaire"), (5, "idBeneficiaire")} <= cells
    assert by_target["equipements/salles.csv"]["valid"] and by_target["equipements/salles.csv"]["schema"] is None


def test_sarif_validates_against_sarif_2_1_0(tmp_path, capsys, env):
    output = tmp_path / "auditor.sarif"
    code, out, _ = ci(capsys, env, str(REPO), "--format", "sarif", "--output", str(output))
    assert code == 1 and out == ""
    log = json.loads(output.read_text("utf-8"))
    schema = json.loads((SHARED / "data/specs/sarif-schema-2.1.0.json").read_text("utf-8"))
    errors = sorted(Draft4Validator(schema).iter_errors(log), key=str)
    assert not errors, errors[:3]
    run = log["runs"][0]
    assert run["originalUriBaseIds"]["SRCROOT"]["uri"] == REPO.as_uri() + "/"
    located = {(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                r["locations"][0]["physicalLocation"].get("region", {}).get("startLine"))
               for r in run["results"] if "physicalLocation" in r["locations"][0]}
    assert {(SUBVENTIONS, 4), (SUBVENTIONS, 5)} <= located
    assert all(r["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"] == "SRCROOT"
               for r in run["results"] if "physicalLocation" in r["locations"][0])
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert "RN-FMT-01" in rule_ids and all(r["ruleId"] in rule_ids for r in run["results"])
    assert "baselineState" not in run["results"][0]


def test_junit_and_github_annotations(capsys, env, monkeypatch):
    monkeypatch.chdir(REPO)  # as in a workflow: at the root of the repository, "auditor ci" checks "."
    code, out, _ = ci(capsys, env, "--format", "junit")
    root = ET.fromstring(out)
    suites = {s.get("name"): s for s in root}
    assert code == 1 and {SUBVENTIONS, "budget/metadata.yaml", "equipements/salles.csv"} <= set(suites)
    assert int(suites[SUBVENTIONS].get("failures")) >= 1
    assert suites["equipements/salles.csv"].find("testcase").get("name") == "conforme"
    assert int(root.get("failures")) == sum(int(s.get("failures")) for s in root)

    code, out, _ = ci(capsys, env, "--format", "github")
    lines = out.splitlines()
    assert code == 1 and lines and all(line.startswith(("::error ", "::warning ", "::notice ")) for line in lines)
    assert any(line.startswith(f"::error file={SUBVENTIONS},line=4,col=3,title=FILE-") for line in lines)
    assert any(line.startswith("::error file=budget/metadata.yaml,title=RN-FMT-01 ") for line in lines)
    assert not any("\n" in line or "\r" in line for line in lines)
    # checking a sub-folder: the annotations name files from the repository root
    monkeypatch.chdir(REPO.parent)
    code, out, _ = ci(capsys, env, REPO.name, "--format", "sarif", "--output", "/dev/null", "--annotations")
    assert code == 1 and out.splitlines() == [line.replace("file=", f"file={REPO.name}/") for line in lines]


def test_baseline_suppresses_old_findings_not_new_ones(tmp_path, capsys, env):
    repo = copy_repo(tmp_path)
    baseline = tmp_path / "auditor-baseline.json"
    code, _, err = ci(capsys, env, str(repo), "--write-baseline", str(baseline), "--format", "json")
    known = {f["fingerprint"] for f in json.loads(baseline.read_text("utf-8"))["findings"]}
    assert code == 1 and f"{len(known)} constat(s) enregistré(s)" in err and len(known) >= 5

    # nothing new: the accepted findings do not fail the build (but are still reported)
    code, out, _ = ci(capsys, env, str(repo), "--baseline", str(baseline), "--format", "json")
    doc = json.loads(out)
    assert code == 0 and doc["new"] == [] and not doc["valid"]

    # a new erroneous row inserted at the top: the old errors move down a row and stay known
    csv = repo / SUBVENTIONS
    header, *rows = csv.read_text("utf-8").splitlines(keepends=True)
    csv.write_text(header + NEW_ROW + "".join(rows), encoding="utf-8")
    code, out, _ = ci(capsys, env, str(repo), "--baseline", str(baseline), "--format", "json")
    doc = json.loads(out)
    assert code == 1
    new = [f for r in doc["results"] for f in r["findings"] if f["fingerprint"] in set(doc["new"])]
    assert [(f["target"], f["location"]["row"], f["location"]["field"]) for f in new] == [(SUBVENTIONS, 2, "montant")]
    moved = {(f["location"]["row"], f["location"]["field"]) for r in doc["results"] for f in r["findings"]
             if f["fingerprint"] in known and f["target"] == SUBVENTIONS}
    assert {(5, "dateConvention"), (6, "rnaBeneficiaire")} <= moved

    # the same in SARIF (baselineState) and GitHub annotations (only the new one)
    code, _, _ = ci(capsys, env, str(repo), "--baseline", str(baseline), "--format", "sarif",
                    "--output", str(tmp_path / "b.sarif"))
    results = json.loads((tmp_path / "b.sarif").read_text("utf-8"))["runs"][0]["results"]
    assert code == 1 and [r["partialFingerprints"]["auditor/v1"] for r in results
                          if r["baselineState"] == "new"] == doc["new"]
    code, out, _ = ci(capsys, env, str(repo), "--baseline", str(baseline), "--format", "github")
    assert code == 1 and len(out.splitlines()) == 1 and out.startswith(f"::error file={SUBVENTIONS},line=2,col=9,")

    # the new row removed again (and an old error fixed): green
    fixed = [r.replace("12/02/2024", "2024-02-12") for r in rows]
    csv.write_text(header + "".join(fixed), encoding="utf-8")
    code, out, _ = ci(capsys, env, str(repo), "--baseline", str(baseline), "--format", "text", "--color", "never")
    assert code == 0 and "[connu]" in out


def test_fail_on_and_usage_errors(tmp_path, capsys, env):
    repo = copy_repo(tmp_path)
    shutil.rmtree(repo / "subventions")
    (repo / "datapackage.json").unlink()
    shutil.rmtree(repo / "budget")
    code, out, _ = ci(capsys, env, str(repo))
    assert code == 0 and "1 élément(s) vérifié(s), 0 non conforme(s)" in out
    (repo / "metadata.yaml").write_text("titre: Salles\nlicence: Licence Ouverte v2.0\nressources:\n"
                                        "  - chemin: equipements/salles.csv\n", encoding="utf-8")
    code, out, _ = ci(capsys, env, str(repo), "--format", "json")
    counts = json.loads(out)["counts"]
    assert counts["error"] == 0 and counts["warning"] >= 1 and code == 0
    assert ci(capsys, env, str(repo), "--fail-on", "warning")[0] == 1
    assert ci(capsys, env, str(repo), "--fail-on", "never")[0] == 0
    code, _, err = ci(capsys, env, str(tmp_path / "absent"))
    assert code == 2 and "n'est pas un dossier" in err
    (tmp_path / "bad.json").write_text("{pas du json")
    code, _, err = ci(capsys, env, str(repo), "--baseline", str(tmp_path / "bad.json"))
    assert code == 2 and "fichier de référence illisible" in err
    code, _, err = ci(capsys, env, str(repo), "--select", "NOPE-99")
    assert code == 2 and err.startswith("auditor ci : ")


def test_unreachable_catalogue_fails_loudly(tmp_path, capsys, monkeypatch):
    (tmp_path / "no-snapshot").mkdir()  # without the shipped snapshot, which would serve the declared schema
    monkeypatch.setenv("AUDITOR_SCHEMA_SNAPSHOT", str(tmp_path / "no-snapshot"))
    with SchemaServer() as down:
        down.fail = True  # every answer a 503, and nothing cached: the declared schema cannot be had
        code, out, err = ci(capsys, ["--schemas", down.url, "--cache-dir", str(tmp_path / "cache")], str(REPO))
    assert code == 2 and out == "" and err.startswith("auditor ci : catalogue des schémas indisponible : ")


def test_pre_commit_hook_and_github_action(tmp_path, env):
    root = Path(__file__).resolve().parents[1]
    (hook,) = yaml.safe_load((root / ".pre-commit-hooks.yaml").read_text("utf-8"))
    assert hook["id"] == "auditor-check" and hook["entry"] == "auditor ci"
    assert hook["language"] == "python" and hook["pass_filenames"] is False
    action = yaml.safe_load((root / "action.yml").read_text("utf-8"))
    assert action["runs"]["using"] == "composite" and {"path", "fail-on", "baseline"} <= set(action["inputs"])
    (step,) = [s for s in action["runs"]["steps"] if s.get("id") == "check"]
    assert "${{" not in step["run"]  # inputs reach the script through the environment only
    script = step["run"]
    flags = set(re.findall(r"(?<![\w-])--[a-z-]+", script))
    assert {"--format", "--output", "--annotations", "--baseline", "--fail-on", "--schemas"} <= flags
    # the step's script itself, run in a copy of the sample repository with `auditor` on the PATH
    repo = copy_repo(tmp_path)
    shim = tmp_path / "bin"
    shim.mkdir()
    (shim / "auditor").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m auditor "$@"\n')
    (shim / "auditor").chmod(0o755)
    outputs = tmp_path / "github-output"
    variables = {"AUDITOR_PATH": ".", "AUDITOR_FAIL_ON": "error", "AUDITOR_BASELINE": "", "AUDITOR_SARIF": "auditor.sarif",
                 "AUDITOR_SCHEMAS": env[1], "AUDITOR_CACHE": env[3], "GITHUB_OUTPUT": str(outputs),
                 "PATH": f"{shim}{os.pathsep}{os.environ['PATH']}"}
    proc = subprocess.run(["bash", "-e", "-c", script], cwd=repo, env={**os.environ, **variables},
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1, proc.stderr
    assert outputs.read_text().splitlines() == ["sarif=auditor.sarif", "exit-code=1"]
    assert f"::error file={SUBVENTIONS},line=4," in proc.stdout
    assert json.loads((repo / "auditor.sarif").read_text("utf-8"))["version"] == "2.1.0"
    # with a baseline of today's findings the step passes
    assert main(["ci", str(repo), "--write-baseline", str(repo / "base.json"), "--format", "json", *env]) == 1
    proc = subprocess.run(["bash", "-e", "-c", script], cwd=repo, capture_output=True, text=True, timeout=60,
                          env={**os.environ, **variables, "AUDITOR_BASELINE": "base.json"})
    assert proc.returncode == 0 and proc.stdout == "", proc.stderr
    assert outputs.read_text().splitlines()[-1] == "exit-code=0"


def test_an_empty_baseline_hides_nothing_and_its_version_is_checked(tmp_path, capsys, env):
    """Two mutations that once left every test passing: an empty baseline hiding every finding, and the
    baseline's version no longer checked."""
    empty = tmp_path / "vide.json"
    empty.write_text('{"version": 1, "tool": "auditor", "findings": []}', encoding="utf-8")
    code, out, _ = ci(capsys, env, str(REPO), "--format", "json")
    everything = sorted({f["fingerprint"] for r in json.loads(out)["results"] for f in r["findings"]})
    code, out, _ = ci(capsys, env, str(REPO), "--baseline", str(empty), "--format", "json")
    assert code == 1 and json.loads(out)["new"] == everything and len(everything) >= 5
    code, out, _ = ci(capsys, env, str(REPO), "--baseline", str(empty), "--format", "github")
    assert code == 1 and out.count("::error ") >= 3
    code, out, _ = ci(capsys, env, str(REPO), "--baseline", str(empty), "--format", "text", "--color", "never")
    assert code == 1 and "[connu]" not in out
    # a baseline of another version is refused, even when it would suppress everything
    written = tmp_path / "base.json"
    ci(capsys, env, str(REPO), "--write-baseline", str(written), "--format", "json")
    doc = json.loads(written.read_text("utf-8"))
    for version in (2, 0, "1", True, None):
        other = tmp_path / f"v{version}.json"
        other.write_text(json.dumps({**doc, "version": version}), encoding="utf-8")
        code, _, err = ci(capsys, env, str(REPO), "--baseline", str(other))
        assert code == 2 and "format de référence inconnu (version 1 attendue)" in err, version
    assert ci(capsys, env, str(REPO), "--baseline", str(written))[0] == 0
