"""SARIF, JUnit, GitHub annotations and baselines rendered from the same findings."""
from __future__ import annotations

import json
import re
from xml.etree import ElementTree as ET

import pytest
from jsonschema import Draft4Validator

from auditor.selfcheck.ci.baseline import BaselineError, new_findings, read_baseline, write_baseline
from auditor.selfcheck.ci.github import to_annotations
from auditor.selfcheck.ci.junit import to_junit
from auditor.selfcheck.ci.sarif import to_sarif
from auditor.model import Finding
from tests.helpers import SHARED


def finding(rule, severity="error", path="data/subventions.csv", row=None, col=None, fp=None, waived=False, **kw):
    return Finding(rule=rule, severity=severity, title={"fr": f"Titre {rule}", "en": f"Title {rule}"},
                   detail={"fr": "montant « -12 » : inférieur à 0, ligne 3", "en": "amount -12 below 0"},
                   fix={"fr": "Corriger la valeur.", "en": "Fix the value."},
                   basis={"text": "Décret n° 2017-779", "url": "https://www.legifrance.gouv.fr/jorf/id/JORFTEXT000034600552"},
                   group="fichiers", scope="file", distribution=path, location={"row": row, "column": col, "field": "montant"},
                   fingerprint=fp or f"fp-{rule}-{row}", waived=waived,
                   waiver={"justification": "accepté"} if waived else None, **kw)


FINDINGS = [finding("FILE-CELL", row=3, col=9), finding("FILE-CELL", row=7, col=9),
            finding("FILE-STRUCT", "warning", row=1), finding("SCDL-01", "info", path=None, dataset="mel:x"),
            finding("FILE-FR", waived=True, row=4, col=2)]


def test_sarif_is_valid_sarif_2_1_0():
    schema = json.loads((SHARED / "data/specs/sarif-schema-2.1.0.json").read_text("utf-8"))
    log = to_sarif(FINDINGS, known={"fp-FILE-CELL-3"}, base_uri="file:///depot/")
    errors = sorted(Draft4Validator(schema).iter_errors(log), key=str)
    assert not errors, errors[:3]
    results = log["runs"][0]["results"]
    assert [r["level"] for r in results] == ["error", "error", "warning", "note", "error"]
    assert results[0]["locations"][0]["physicalLocation"]["region"] == {"startLine": 3, "startColumn": 9}
    assert [r["baselineState"] for r in results] == ["unchanged", "new", "new", "new", "new"]
    assert results[4]["suppressions"][0]["justification"] == "accepté"
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["FILE-CELL", "FILE-STRUCT", "SCDL-01", "FILE-FR"]
    assert rules[0]["helpUri"].startswith("https://www.legifrance.gouv.fr/")


def test_junit_fails_at_fail_on_and_skips_waived():
    root = ET.fromstring(to_junit(FINDINGS, targets=["data/propre.csv"]))
    suites = {s.get("name"): s for s in root}
    assert set(suites) == {"data/subventions.csv", "data/propre.csv", "mel:x"}
    csv = suites["data/subventions.csv"]
    assert csv.get("tests") == "3" and csv.get("failures") == "1" and csv.get("skipped") == "1"
    cases = {c.get("name").split()[0]: c for c in csv}
    assert cases["FILE-CELL"].find("failure").get("message") == "2 constat(s) FILE-CELL"
    # a warning under --fail-on error: the case passes, the finding is in its output
    assert cases["FILE-STRUCT"].find("failure") is None
    assert cases["FILE-STRUCT"].find("system-out").text.startswith("[avertissement, ligne 1, colonne montant] ")
    assert cases["FILE-FR"].find("skipped").get("message") == "dérogé"  # the waived FILE-FR
    assert suites["data/propre.csv"].find("testcase").get("name") == "conforme"
    assert suites["mel:x"].get("failures") == "0"  # information only
    assert root.get("failures") == "1" and root.get("skipped") == "1"
    # --fail-on warning: the warning fails; never: nothing does
    root = ET.fromstring(to_junit(FINDINGS, fail_on="warning"))
    assert root.get("failures") == "2" and root.find(".//testcase[@name='FILE-STRUCT Titre FILE-STRUCT']/failure") is not None
    assert ET.fromstring(to_junit(FINDINGS, fail_on="info")).get("failures") == "3"
    assert ET.fromstring(to_junit(FINDINGS, fail_on="never")).get("failures") == "0"
    # a baseline: a known finding passes and is marked so, a new one of the same rule still fails
    root = ET.fromstring(to_junit(FINDINGS, known={"fp-FILE-CELL-3"}))
    (cell,) = [c for c in root.iter("testcase") if c.get("name").startswith("FILE-CELL")]
    assert cell.find("failure").get("message") == "1 constat(s) FILE-CELL" and "[erreur, connu," in cell.find("system-out").text
    root = ET.fromstring(to_junit(FINDINGS, known={"fp-FILE-CELL-3", "fp-FILE-CELL-7"}))
    assert root.get("failures") == "0"


def test_exit_code_and_junit_agree():
    from auditor.selfcheck.ci.verdict import exit_code

    for fail_on in ("error", "warning", "info", "never"):
        for known in (None, set(), {"fp-FILE-CELL-3", "fp-FILE-CELL-7"}, {f.fingerprint for f in FINDINGS}):
            failures = int(ET.fromstring(to_junit(FINDINGS, fail_on=fail_on, known=known)).get("failures"))
            assert exit_code(FINDINGS, fail_on, known) == (1 if failures else 0), (fail_on, known)


def test_dataset_findings_are_located_at_their_description(tmp_path):
    """SARIF and GitHub put a finding on a dataset at the description that describes it (a published resource's
    too: the description is where its address is written), a resource named by a local file at that file, every
    path relative to the repository root; a published resource of no checked description keeps its URL."""
    from auditor.selfcheck.ci.repository import Locator

    (tmp_path / "donnees" / "budget").mkdir(parents=True)
    on_dataset = finding("RN-FMT-01", path=None, dataset="budget/metadata.yaml")
    on_resource = finding("RN-LIEN", "warning", path=(tmp_path / "donnees/budget/bp 2024.pdf").as_uri(),
                          dataset="budget/metadata.yaml")
    published = finding("RN-LIEN", "warning", path="https://data.example.fr/bp.csv", dataset="budget/metadata.yaml")
    elsewhere = finding("RN-LIEN", "warning", path="https://data.example.fr/bp.csv", dataset="portail:bp")
    locator = Locator(tmp_path, tmp_path / "donnees", ["budget/metadata.yaml"])
    items = [on_dataset, on_resource, published, elsewhere, FINDINGS[0]]
    log = to_sarif(items, base_uri=tmp_path.as_uri(), locator=locator)
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"] for r in log["runs"][0]["results"]]
    assert uris == [{"uri": "donnees/budget/metadata.yaml", "uriBaseId": "SRCROOT"},
                    {"uri": "donnees/budget/bp%202024.pdf", "uriBaseId": "SRCROOT"},
                    {"uri": "donnees/budget/metadata.yaml", "uriBaseId": "SRCROOT"},
                    {"uri": "https://data.example.fr/bp.csv"},
                    {"uri": "donnees/data/subventions.csv", "uriBaseId": "SRCROOT"}]
    regions = [r["locations"][0]["physicalLocation"].get("region") for r in log["runs"][0]["results"]]
    assert regions == [None, None, None, None, {"startLine": 3, "startColumn": 9}]
    schema = json.loads((SHARED / "data/specs/sarif-schema-2.1.0.json").read_text("utf-8"))
    assert not list(Draft4Validator(schema).iter_errors(log))
    lines = to_annotations(items, locator=locator).splitlines()
    assert [line.split(",title=")[0].split(" title=")[0] for line in lines] == [
        "::error file=donnees/budget/metadata.yaml", "::warning file=donnees/budget/bp 2024.pdf",
        "::warning file=donnees/budget/metadata.yaml", "::warning", "::error file=donnees/data/subventions.csv,line=3,col=9"]


def test_github_annotations_escape_values():
    tricky = finding("FILE-CELL", row=2, col=1, path="dossier,a/b:c.csv")
    tricky.detail = {"fr": "100% faux\nvraiment"}
    out = to_annotations([tricky, *FINDINGS])
    first = out.splitlines()[0]
    assert first.startswith("::error file=dossier%2Ca/b%3Ac.csv,line=2,col=1,title=FILE-CELL Titre FILE-CELL::")
    assert "100%25 faux%0Avraiment" in first
    assert "::notice title=SCDL-01" in out and "FILE-FR" not in out  # waived ones are not annotated


def test_baseline_round_trip(tmp_path):
    path = tmp_path / "baseline.json"
    assert write_baseline(path, FINDINGS[:2]) == 2
    known = read_baseline(path)
    assert [f.fingerprint for f in new_findings(FINDINGS, known)] == ["fp-FILE-STRUCT-1", "fp-SCDL-01-None", "fp-FILE-FR-4"]
    path.write_text('{"version": 99}')
    with pytest.raises(BaselineError, match="format de référence inconnu"):
        read_baseline(path)
    with pytest.raises(BaselineError, match="introuvable"):
        read_baseline(tmp_path / "absent.json")


def test_empty_baseline_makes_every_finding_new_and_other_versions_are_refused(tmp_path):
    assert new_findings(FINDINGS, set()) == FINDINGS
    assert [r["baselineState"] for r in to_sarif(FINDINGS, known=set())["runs"][0]["results"]] == ["new"] * 5
    path = tmp_path / "baseline.json"
    write_baseline(path, FINDINGS)
    assert new_findings(FINDINGS, read_baseline(path)) == []
    doc = json.loads(path.read_text("utf-8"))
    for version in (2, 0, "1", 1.5, True, None):
        path.write_text(json.dumps({**doc, "version": version}), encoding="utf-8")
        with pytest.raises(BaselineError, match="format de référence inconnu"):
            read_baseline(path)
    path.write_text(json.dumps({**doc, "findings": {"fp": 1}}), encoding="utf-8")
    with pytest.raises(BaselineError, match="format de référence inconnu"):
        read_baseline(path)


# control characters, an 8-bit CSI, a NUL, a lone surrogate and bidirectional overrides, in a path, a title and a detail
HOSTILE = "\x1b[31m\x1b]0;pwned\x07\x00\x9b2J\x0b\u202evsc.exe\u2066\ud800\uffff"
DANGEROUS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
NOT_XML = re.compile(f"{DANGEROUS.pattern}|[\ufffe\uffff]")


def hostile_findings():
    f = finding("FILE-CELL", row=2, col=3, path=f"donnees/{HOSTILE}.csv")
    f.title = {"fr": f"Titre {HOSTILE}", "en": "Title"}
    f.detail = {"fr": f"valeur « {HOSTILE} »\r\nsuite\rfin", "en": "value"}
    return [f, finding("FILE-STRUCT", "warning", dataset=HOSTILE, path=None)]


def test_junit_is_always_well_formed_and_neutral():
    text = to_junit(hostile_findings(), targets=[f"autre/{HOSTILE}.csv"])
    root = ET.fromstring(text.encode("utf-8"))  # well-formed XML 1.0 (a NUL or U+FFFF would break it)
    assert not NOT_XML.search(text)
    names = [s.get("name") for s in root]
    assert "donnees/\ufffd[31m\ufffd]0;pwned\ufffd\ufffd\ufffd2J\ufffd\ufffdvsc.exe\ufffd\ufffd\ufffd.csv" in names
    (case,) = [c for c in root.iter("testcase") if c.get("name").startswith("FILE-CELL")]
    assert "suite\nfin" in case.find("failure").text and case.get("name").startswith("FILE-CELL Titre \ufffd[31m")


def test_github_annotations_and_sarif_are_neutral():
    from auditor.render.neutral import json_text

    out = to_annotations(hostile_findings())
    assert not DANGEROUS.search(out) and len(out.splitlines()) == 2
    first = out.splitlines()[0]
    assert "%0Asuite%0Afin" in first and "\ufffdvsc.exe" in first  # line breaks escaped, the rest replaced
    log = to_sarif(hostile_findings(), base_uri="file:///depot/")
    text = json_text(json.dumps(log, ensure_ascii=False))
    assert not DANGEROUS.search(text)
    schema = json.loads((SHARED / "data/specs/sarif-schema-2.1.0.json").read_text("utf-8"))
    assert not list(Draft4Validator(schema).iter_errors(json.loads(text)))
    result = log["runs"][0]["results"][0]
    uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "donnees/%1B%5B31m%1B%5D0;pwned%07%00%C2%9B2J%0B%E2%80%AEvsc.exe%E2%81%A6%ED%A0%80%EF%BF%BF.csv"
    from auditor.selfcheck.ci.sarif import uri as as_uri

    assert as_uri("a b/100%?#.csv") == "a%20b/100%25%3F%23.csv"  # a file name, not a query
    assert as_uri("https://ex.fr/a b.csv?x=1#y") == "https://ex.fr/a%20b.csv?x=1#y"
    assert "\ufffdvsc.exe" in result["message"]["text"]
