"""``auditor ci`` on the sample dataset repository of tests/data/sample-repo: a data package declaring
``scdl/subventions@2.1.1`` for a CSV with three errors, a metadata file whose only resource is a PDF, a
metadata file declaring ``scdl/deliberations@2.1.3``, a ``.auditor.toml`` giving the schema of the first names
(``prenoms/*.csv``) and of the swimming pools (a local Table Schema), an extract of the subventions file that kept
5 of its 16 columns, and a CSV of no known schema. SARIF validates against the OASIS SARIF 2.1.0 JSON Schema with
paths from the repository root, JUnit parses and agrees with the exit code, GitHub annotations point at the rows,
and a baseline suppresses today's findings but not new ones."""
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

from auditor.interfaces.cli import main
from tests.helpers import SHARED
from tests.schema_server import SchemaServer
from tests.service_helpers import run_cli, schema_options

REPO = Path(__file__).resolve().parent / "data" / "sample-repo"
SUBVENTIONS = "subventions/subventions-2024.csv"
EXTRACT = "subventions/subventions-2024-extrait.csv"  # 5 of the 16 columns of scdl/subventions
TARGETS = ("budget/metadata.yaml", "datapackage.json", SUBVENTIONS, "deliberations/metadata.yaml",
           "deliberations/deliberations-2024.csv", "equipements/piscines.csv", "equipements/salles.csv",
           "prenoms/prenoms-2023.csv", EXTRACT)
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


def git_repo(tmp_path: Path) -> Path:
    """A git repository holding a copy of the sample repository in its folder ``donnees``."""
    if shutil.which("git") is None:
        pytest.skip("git absent : installez git (apt-get install git)")
    depot = tmp_path / "depot"
    shutil.copytree(REPO, depot / "donnees")
    subprocess.run(["git", "init", "-q", str(depot)], check=True, capture_output=True)
    return depot


def test_text_report_groups_findings_per_item(capsys, env):
    code, out, err = ci(capsys, env, str(REPO), "--color", "never")
    assert code == 1, err
    for target in TARGETS:
        assert f"\n{target}\n" in f"\n{out}", target
    block = out.split(f"{SUBVENTIONS}\n", 1)[1].split("\n\n", 1)[0]
    assert "Schéma : scdl/subventions 2.1.1" in block and "(deviné" not in block
    assert "Schéma déclaré dans datapackage.json." in block
    assert "5 ligne(s) lue(s)" in block and "✗ non conforme" in block
    assert "12/02/2024" in block and "dateConvention" in block and "rnaBeneficiaire" in block
    assert "idBeneficiaire" in block  # the SIRET 44088714900000 fails its check digit
    budget = out.split("budget/metadata.yaml\n", 1)[1].split("\n\n", 1)[0]
    assert "RN-FMT-01" in budget
    salles = out.split("equipements/salles.csv\n", 1)[1].split("\n\n", 1)[0]
    assert "Aucun schéma" in salles and "✓" not in salles and "✗" not in salles
    extract = out.split(f"{EXTRACT}\n", 1)[1].split("\n\n", 1)[0]
    assert "✗ non conforme" in extract and "FILE-03" in extract and "scdl/subventions" in extract
    assert out.rstrip().splitlines()[-1].startswith(f"{len(TARGETS)} élément(s) vérifié(s), 4 non conforme(s)")


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


def sarif_schema_errors(log: dict) -> list:
    schema = json.loads((SHARED / "data/specs/sarif-schema-2.1.0.json").read_text("utf-8"))
    return sorted(Draft4Validator(schema).iter_errors(log), key=str)


def physical(result: dict) -> tuple[str, int | None]:
    loc = result["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uriBaseId"] == "SRCROOT"
    return loc["artifactLocation"]["uri"], loc.get("region", {}).get("startLine")


def test_sarif_validates_against_sarif_2_1_0(tmp_path, capsys, env, monkeypatch):
    """Paths from the repository root whatever folder is checked and from wherever: the Action's ``path``
    input is a sub-folder, and code scanning resolves every URI against the root of the repository."""
    depot = git_repo(tmp_path)
    output = tmp_path / "auditor.sarif"
    monkeypatch.chdir(tmp_path)  # outside the repository: the root comes from git
    code, out, _ = ci(capsys, env, "depot/donnees", "--format", "sarif", "--output", str(output))
    assert code == 1 and out == ""
    log = json.loads(output.read_text("utf-8"))
    errors = sarif_schema_errors(log)
    assert not errors, errors[:3]
    run = log["runs"][0]
    assert run["originalUriBaseIds"]["SRCROOT"]["uri"] == depot.resolve().as_uri() + "/"
    located = {physical(r) for r in run["results"] if "physicalLocation" in r["locations"][0]}
    assert {(f"donnees/{SUBVENTIONS}", 4), (f"donnees/{SUBVENTIONS}", 5)} <= located
    # a finding on a dataset is located at its description, a file that looks like a schema's at the file
    by_rule = {(r["ruleId"], physical(r)[0]) for r in run["results"]}
    assert {("RN-FMT-01", "donnees/budget/metadata.yaml"), ("RN-MAJ-01", "donnees/datapackage.json"),
            ("FILE-03", f"donnees/{EXTRACT}")} <= by_rule
    assert all("physicalLocation" in r["locations"][0] for r in run["results"])
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert "RN-FMT-01" in rule_ids and all(r["ruleId"] in rule_ids for r in run["results"])
    assert "baselineState" not in run["results"][0]
    # the same URIs when the checked folder is the current one, and with the root given
    monkeypatch.chdir(depot / "donnees")
    code, _, _ = ci(capsys, env, "--format", "sarif", "--output", str(output))
    again = json.loads(output.read_text("utf-8"))["runs"][0]
    assert {physical(r) for r in again["results"]} == {physical(r) for r in run["results"]}
    code, _, _ = ci(capsys, env, ".", "--root", str(depot / "donnees"), "--format", "sarif", "--output", str(output))
    given = json.loads(output.read_text("utf-8"))["runs"][0]
    assert given["originalUriBaseIds"]["SRCROOT"]["uri"] == (depot / "donnees").resolve().as_uri() + "/"
    assert (SUBVENTIONS, 4) in {physical(r) for r in given["results"]}
    code, _, err = ci(capsys, env, ".", "--root", str(tmp_path / "ailleurs"), "--format", "sarif")
    assert code == 2 and "--root" in err and "Traceback" not in err


def test_sarif_without_git_is_relative_to_the_checked_folder(tmp_path, capsys, env, monkeypatch):
    repo = copy_repo(tmp_path / "sans-git")
    (tmp_path / "ailleurs").mkdir()
    monkeypatch.chdir(tmp_path / "ailleurs")  # neither git nor the current folder say where the root is
    code, out, _ = ci(capsys, env, str(repo), "--format", "sarif")
    run = json.loads(out)["runs"][0]
    assert code == 1 and run["originalUriBaseIds"]["SRCROOT"]["uri"] == repo.resolve().as_uri() + "/"
    assert (SUBVENTIONS, 4) in {physical(r) for r in run["results"]}


def junit(capsys, env, *args) -> tuple[int, ET.Element]:
    code, out, _ = ci(capsys, env, *args, "--format", "junit")
    return code, ET.fromstring(out)


def test_junit_fails_only_at_fail_on_and_agrees_with_the_exit_code(tmp_path, capsys, env):
    code, root = junit(capsys, env, str(REPO))
    suites = {s.get("name"): s for s in root}
    assert code == 1 and set(TARGETS) <= set(suites)
    assert int(suites[SUBVENTIONS].get("failures")) == 2  # FILE-04 and FILE-06
    assert suites["equipements/salles.csv"].find("testcase").get("name") == "conforme"
    assert int(root.get("failures")) == sum(int(s.get("failures")) for s in root)
    # a warning is no failure under --fail-on error: it is written in the case's system-out
    (case,) = [c for c in suites["datapackage.json"] if c.get("name").startswith("RN-MAJ-01")]
    assert case.find("failure") is None and "[avertissement]" in case.find("system-out").text
    assert suites["datapackage.json"].get("failures") == "0"
    code, root = junit(capsys, env, str(REPO), "--fail-on", "warning")
    assert code == 1 and {s.get("name") for s in root if int(s.get("failures"))} >= {"datapackage.json"}
    code, root = junit(capsys, env, str(REPO), "--fail-on", "never")
    assert code == 0 and root.get("failures") == "0" and not list(root.iter("failure"))
    # a repository with warnings only: the job passes and the report shows no failure
    repo = copy_repo(tmp_path)
    for folder in ("subventions", "budget", "equipements", "prenoms", "schemas"):
        shutil.rmtree(repo / folder)
    (repo / ".auditor.toml").unlink()
    code, root = junit(capsys, env, str(repo))
    assert code == 0 and root.get("failures") == "0" and list(root.iter("system-out"))
    code, root = junit(capsys, env, str(repo), "--fail-on", "warning")
    assert code == 1 and int(root.get("failures")) >= 1


def test_github_annotations_from_the_repository_root(tmp_path, capsys, env, monkeypatch):
    depot = git_repo(tmp_path)
    monkeypatch.chdir(depot)  # as in a workflow: at the root of the repository, checking the folder "donnees"
    code, out, _ = ci(capsys, env, "donnees", "--format", "github")
    lines = out.splitlines()
    assert code == 1 and lines and all(line.startswith(("::error ", "::warning ", "::notice ")) for line in lines)
    assert any(line.startswith(f"::error file=donnees/{SUBVENTIONS},line=4,col=3,title=FILE-") for line in lines)
    assert any(line.startswith("::error file=donnees/budget/metadata.yaml,title=RN-FMT-01 ") for line in lines)
    assert any(line.startswith(f"::error file=donnees/{EXTRACT},title=FILE-03 ") for line in lines)
    assert not any("\n" in line or "\r" in line for line in lines)
    # from inside the checked folder, or with SARIF written aside: the same root-relative paths
    monkeypatch.chdir(depot / "donnees")
    code, out, _ = ci(capsys, env, "--format", "sarif", "--output", "/dev/null", "--annotations")
    assert code == 1 and out.splitlines() == lines


def test_baseline_suppresses_old_findings_not_new_ones(tmp_path, capsys, env):
    repo = copy_repo(tmp_path)
    baseline = tmp_path / "auditor-baseline.json"
    code, out, err = ci(capsys, env, str(repo), "--write-baseline", str(baseline), "--format", "json")
    known = {f["fingerprint"] for f in json.loads(baseline.read_text("utf-8"))["findings"]}
    assert code == 0 and f"{len(known)} constat(s) enregistré(s)" in err and len(known) >= 5  # accepted: green
    assert json.loads(out)["new"] == []

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


def only_salles(tmp_path: Path) -> Path:
    repo = copy_repo(tmp_path)
    for folder in ("subventions", "budget", "deliberations", "prenoms", "schemas"):
        shutil.rmtree(repo / folder)
    for name in ("datapackage.json", ".auditor.toml", "equipements/piscines.csv"):
        (repo / name).unlink()
    return repo


def test_fail_on_and_usage_errors(tmp_path, capsys, env):
    repo = only_salles(tmp_path)
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
    assert code == 2 and "n'existe pas" in err
    (tmp_path / "bad.json").write_text("{pas du json")
    code, _, err = ci(capsys, env, str(repo), "--baseline", str(tmp_path / "bad.json"))
    assert code == 2 and "fichier de référence illisible" in err
    code, _, err = ci(capsys, env, str(repo), "--select", "NOPE-99")
    assert code == 2 and err.startswith("auditor ci : ")


def test_unwritable_outputs_are_one_french_sentence(tmp_path, capsys, env):
    repo = only_salles(tmp_path)
    blocker = tmp_path / "un-fichier"
    blocker.write_text("x")
    cases = [(("--output", str(tmp_path / "absent" / "r.sarif")), "le dossier"),
             (("--output", str(blocker / "r.sarif")), "le dossier"),
             (("--output", str(tmp_path)), "est un dossier"),
             (("--write-baseline", str(tmp_path / "absent" / "base.json")), "le dossier"),
             (("--output", "/dev/full"), "le disque est plein")]  # refused only when written
    for args, words in cases:
        code, out, err = ci(capsys, env, str(repo), "--format", "sarif", *args)
        lines = err.strip().splitlines()
        assert code == 2 and len(lines) == 1 and lines[0].startswith("auditor ci : "), (args, err)
        assert words in err and out == "", (args, err)


def test_unreachable_catalogue_fails_loudly(tmp_path, capsys, monkeypatch):
    (tmp_path / "no-snapshot").mkdir()  # without the shipped snapshot, which would serve the declared schema
    monkeypatch.setenv("AUDITOR_SCHEMA_SNAPSHOT", str(tmp_path / "no-snapshot"))
    with SchemaServer() as down:
        down.fail = True  # every answer a 503, and nothing cached: the declared schema cannot be had
        code, out, err = ci(capsys, ["--schemas", down.url, "--cache-dir", str(tmp_path / "cache")], str(REPO))
    assert code == 2 and out == "" and err.startswith("auditor ci : ") and len(err.strip().splitlines()) == 1
    assert "catalogue des schémas indisponible" in err or "n'a pas pu être chargé" in err


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
    assert {"--format", "--output", "--annotations", "--baseline", "--fail-on", "--schemas", "--root"} <= flags
    files = re.compile(hook["files"])
    assert all(files.search(f) for f in ("a/b.csv", "c.xls", "d.ods", "metadata.yaml", ".auditor.toml",
                                         "sous/.auditor.toml"))
    assert not any(files.search(f) for f in ("README.md", "x.auditor.toml", "a.toml"))
    # the step's script itself, run in a copy of the sample repository with `auditor` on the PATH
    repo = copy_repo(tmp_path)
    shim = tmp_path / "bin"
    shim.mkdir()
    (shim / "auditor").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m auditor "$@"\n')
    (shim / "auditor").chmod(0o755)
    outputs = tmp_path / "github-output"
    variables = {"AUDITOR_PATH": ".", "AUDITOR_FAIL_ON": "error", "AUDITOR_BASELINE": "", "AUDITOR_SARIF": "auditor.sarif",
                 "AUDITOR_SCHEMAS": env[1], "AUDITOR_CACHE": env[3], "AUDITOR_ROOT": "", "GITHUB_OUTPUT": str(outputs),
                 "PATH": f"{shim}{os.pathsep}{os.environ['PATH']}"}
    proc = subprocess.run(["bash", "-e", "-c", script], cwd=repo, env={**os.environ, **variables},
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1, proc.stderr
    assert outputs.read_text().splitlines() == ["sarif=auditor.sarif", "exit-code=1"]
    assert f"::error file={SUBVENTIONS},line=4," in proc.stdout
    assert json.loads((repo / "auditor.sarif").read_text("utf-8"))["version"] == "2.1.0"
    # the input path a sub-folder of a git repository: paths from the repository's root
    depot = git_repo(tmp_path / "git")
    proc = subprocess.run(["bash", "-e", "-c", script], cwd=depot, capture_output=True, text=True, timeout=60,
                          env={**os.environ, **variables, "AUDITOR_PATH": "donnees"})
    assert proc.returncode == 1 and f"::error file=donnees/{SUBVENTIONS},line=4," in proc.stdout, proc.stderr
    run = json.loads((depot / "auditor.sarif").read_text("utf-8"))["runs"][0]
    assert run["originalUriBaseIds"]["SRCROOT"]["uri"] == depot.resolve().as_uri() + "/"
    assert (f"donnees/{SUBVENTIONS}", 4) in {physical(r) for r in run["results"]}
    # with a baseline of today's findings the step passes
    assert main(["ci", str(repo), "--write-baseline", str(repo / "base.json"), "--format", "json", *env]) == 0
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
