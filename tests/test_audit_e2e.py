"""End to end: audit the simulated territory; the findings are exactly the planted defects."""
from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter

import pytest

from auditor.auditing.audit import parse_as_of, run_audit
from auditor.auditing.obligations import OBLIGATIONS
from auditor.config import load_config
from auditor.crawling.crawl import crawl
from auditor.auditing.rules import Waiver, load_rules
from auditor.simulate.demo import write_config
from auditor.simulate.server import SimTerritory
from auditor.simulate.truth import expected_file_findings, expected_findings, expected_states
from auditor.history.store import Store

FAST = {"timeout": 2.0, "retries": 6, "backoff": 0.01, "backoff_max": 0.05, "max_retry_wait": 5.0, "per_host": 6}


def key(f):
    base = (f.rule, f.commune, f.dataset)
    return base + (f.distribution,) if f.rule == "AVL-01" else base


def obligation_states_of(audit, code):
    return {rule: v["state"] for rule, v in audit.communes[code]["obligations"].items()}


def dg_codes(rules):
    return {r.params["criterion"]: r.code for r in rules if r.check == "datagouv-quality"}


@pytest.fixture(scope="module")
def audited(world, tmp_path_factory):
    """The simulated territory audited as the demo does: crawl, file stage (simulated schema
    catalogue), rules."""
    from auditor.auditing.audit import file_stage
    from auditor.simulate.schemas import write_schema_folder

    tmp = tmp_path_factory.mktemp("audit")
    rules = load_rules()
    schemas = write_schema_folder(tmp / "schemas")
    with SimTerritory(world) as territory:
        path = write_config(territory, tmp / "conf", http=FAST, crawl={"probe_max_age": 0},
                            validation={"enabled": True, "schemas": str(schemas), "max_age": 0})
        config = load_config(path, data_dir=tmp / "data")
        result = crawl(config)
        files, _ = file_stage(config, result)
        urls = dict(territory.urls)
    audit = run_audit(result, rules, as_of=parse_as_of(world.as_of), files=files)
    truth = expected_findings(world, urls, dg_rules=dg_codes(rules))
    audit.truth_files = expected_file_findings(world, urls)
    audit.file_targets = files
    return audit, truth, config


def test_findings_equal_the_planted_defects_per_commune(audited):
    audit, truth, _ = audited
    got = Counter(key(f) for f in audit.findings if not f.rule.startswith("FILE-"))
    missing, extra = truth - got, got - truth
    assert not missing and not extra, {"missing": sorted(missing, key=str)[:15], "extra": sorted(extra, key=str)[:15]}


def test_file_findings_equal_the_planted_file_defects(audited):
    """Every validated file breaks exactly the file rules its world facts say (both ways): encoding and
    separator (FILE-09), required columns left out (FILE-03), formatted empty XLSX rows and invalid
    cells (FILE-04), columns an export adds (FILE-07)."""
    audit, _, _ = audited
    got = {(f.rule, f.commune, f.dataset) for f in audit.findings if f.rule.startswith("FILE-")}
    truth = audit.truth_files
    assert got == truth, {"missing": sorted(truth - got), "extra": sorted(got - truth)}
    rules = {r for r, _, _ in got}
    assert {"FILE-03", "FILE-04", "FILE-07", "FILE-09"} <= rules


def all_states(audit):
    return {(code, rule): v["state"] for code, s in audit.communes.items() for rule, v in s["obligations"].items()}


def test_obligation_states_equal_the_truth_for_every_body(audited, world):
    """Met, unmet, not open, not owed, not evaluated: every obligation of every body, both ways."""
    audit, _, _ = audited
    truth = expected_states(world)
    got = all_states(audit)
    assert set(got) == set(truth)
    wrong = {k: (got[k], truth[k]) for k in truth if got[k] != truth[k]}
    assert not wrong, wrong
    states = Counter(got.values())
    assert states["met"] and states["unmet"] and states["not-owed"] and states["not-evaluated"]
    # nothing published, so nothing to be up to date: never « met » by default
    for (code, rule), state in got.items():
        if rule in ("SUB-02", "DECP-02", "RN-CAT-02") and state == "not-evaluated":
            assert audit.communes[code]["obligations"][rule]["reason"] == "nothing-published"


def test_a_pdf_only_duty_is_published_but_not_open(audited, world):
    audit, _, _ = audited
    [d] = [d for d in world.datasets if "duty-pdf-only" in d.defects]
    ob = audit.communes[d.owner]["obligations"]["ACT-01"]
    assert ob["state"] == "not-open"
    [f] = [f for f in audit.findings if f.rule == "ACT-01" and f.commune == d.owner]
    assert "pas en données ouvertes" in f.detail["fr"] and "PDF" in f.detail["fr"]
    assert "L300-4" in f.fix["fr"]
    assert any(f.rule == "RN-FMT-01" and f.dataset == f"{d.portal}:{d.source_id}" for f in audit.findings)


def test_a_portal_down_makes_the_obligations_it_could_hold_not_evaluated(world, tmp_path):
    """The regional CKAN (an aggregator: any commune may publish there) answers 503 this month:
    obligations that nothing seen elsewhere fulfils are not evaluated, never unmet; those met
    elsewhere stay met; the findings are the truth's for a world without that portal."""
    import copy

    down = copy.deepcopy(world)
    down.portals["hdf"].broken = "down"
    rules = load_rules()
    with SimTerritory(down) as territory:
        path = write_config(territory, tmp_path / "conf", http=FAST, crawl={"probe_max_age": 0})
        result = crawl(load_config(path, data_dir=tmp_path / "data"))
        urls = dict(territory.urls)
    audit = run_audit(result, rules, as_of=parse_as_of(down.as_of))
    got, truth = all_states(audit), expected_states(down)
    assert {k: v for k, v in got.items() if truth[k] != v} == {}
    assert "unmet" not in got.values() and "not-open" not in got.values()
    findings = Counter(key(f) for f in audit.findings)
    expected = expected_findings(down, urls, dg_rules=dg_codes(rules))
    assert findings == expected, {"missing": sorted(expected - findings, key=str)[:10],
                                  "extra": sorted(findings - expected, key=str)[:10]}
    lille = audit.communes["59350"]
    assert lille["blind_spots"] == ["hdf"] and "hdf" not in lille["examined"]


def test_every_rule_family_is_exercised(audited):
    audit, _, _ = audited
    rules_hit = {f.rule for f in audit.findings}
    for code in ("PORT-01", "AVL-01", "RN-ETP-01", "RN-PUB-01", "RN-CAT-01", "SUB-01", "SUB-02", "DECP-01", "ACT-01",
                 "BUD-01", "SCDL-01", "SCDL-02", "RN-LIC-01", "RN-LIC-02", "RN-FMT-01", "RN-MAJ-02",
                 "PROD-01", "PORT-02"):
        # RN-MAJ-01 (no date at all) has no case here: every record of these portals carries its
        # metadata change date (tests/test_checks_rn.py covers it)
        if code == "PORT-01":
            continue  # every portal of the test world answers; see the broken-portal test
        assert code in rules_hit, code


def test_communes_below_the_threshold_are_not_bound_and_not_failing(world, audited):
    audit, _, _ = audited
    small = [c for c, a in audit.applicability.items() if (a.population or 0) < 3500]
    assert len(small) == 43
    assert all(audit.applicability[c].status == "not-bound" for c in small)
    assert not [f for f in audit.findings if f.commune in small and f.rule in OBLIGATIONS]
    assert all(s == "not-owed" for c in small for s in obligation_states_of(audit, c).values())
    not_bound = [c for c, n in world.agents.items() if n < 50]
    assert not_bound and all(audit.applicability[c].status == "not-bound" for c in not_bound)
    assert all(audit.communes[c]["status"] == "not-bound" for c in small)


def test_commune_summary_says_where_and_how_fresh(audited, world):
    audit, _, _ = audited
    grants = next(d for d in world.datasets if d.kind == "subventions" and d.portal == "mel")
    summary = audit.communes[grants.owner]
    cov = summary["coverage"]["subventions"]
    assert cov["published"] and cov["schema"] == "scdl/subventions"
    item = cov["datasets"][0]
    assert "mel" in item["portals"] and item["last_update"][:10] == grants.modified


def test_findings_carry_basis_fix_and_stable_fingerprints(audited, world):
    audit, _, _ = audited
    for f in audit.findings:
        assert f.basis["text"] and f.fix["fr"] and f.title["fr"] and f.detail["fr"]
    fps = [f.fingerprint for f in audit.findings]
    assert len(fps) == len(set(fps))
    again = run_audit(audit.crawl, audit.rules, as_of=audit.as_of, files=audit.file_targets)
    assert sorted(f.fingerprint for f in again.findings) == sorted(fps)


def test_waivers_keep_findings_visible_until_they_expire(audited):
    audit, _, _ = audited
    target = next(f for f in audit.findings if f.rule == "SUB-01")
    active = Waiver(rule="SUB", commune=target.commune, justification="convention en cours de saisie",
                    expires=audit.as_of.date().replace(year=audit.as_of.year + 1))
    expired = Waiver(rule="DECP-01", commune=target.commune, justification="ancienne dérogation",
                     expires=audit.as_of.date().replace(year=audit.as_of.year - 1))
    again = run_audit(audit.crawl, audit.rules, as_of=audit.as_of, waivers=[active, expired],
                      files=audit.file_targets)
    waived = [f for f in again.findings if f.waived]
    assert {(f.rule, f.commune) for f in waived} == {("SUB-01", target.commune)}
    assert waived[0].waiver["justification"] == "convention en cours de saisie"
    assert len(again.findings) == len(audit.findings)  # waived findings stay visible
    assert again.expired_waivers == [expired]


def test_audit_is_stored_and_read_back(audited, tmp_path):
    audit, _, _ = audited
    with Store(tmp_path / "h.sqlite") as store:
        run = store.begin_run("audit", "2026-11-15T00:00:00+00:00", "T", "c")
        store.save_audit(run, audit)
        back = store.findings(run)
        assert sorted(f.fingerprint for f in back) == sorted(f.fingerprint for f in audit.findings)
        assert back[0] == next(f for f in audit.findings if f.fingerprint == back[0].fingerprint)
        summaries = store.commune_summaries(run)
        assert set(summaries) == set(audit.communes)


def test_totals_are_counted_once_and_the_same_everywhere(audited, tmp_path, world):
    """The CLI summary, the dashboard, the gap report, the JSON export and the CSV and XLSX tables
    give the same totals; the metropolis is a body of its own, never added to its communes."""
    import csv
    import io

    from openpyxl import load_workbook

    from auditor.interfaces.cli import audit_summary
    from auditor.render import csv as csv_out, json as json_out, markdown, xlsx
    from auditor.render.data import gap_report, territory_report

    audit, _, config = audited
    with Store(tmp_path / "h.sqlite") as store:
        run = store.begin_run("audit", "2026-11-15T00:00:00+00:00", "T", "c")
        store.save_audit(run, audit)
        report = territory_report(store, findings=True)
        gaps = gap_report(store)
    cli = audit_summary(audit, run, config)["totals"]
    t = report["totals"]
    assert cli == {k: v for k, v in t.items() if k != "changes"} | {"changes": None}
    assert gaps["totals"] == t and json.loads(json_out.render(report))["totals"] == t
    communes = [c for c in report["communes"] if c["kind"] == "commune"]
    assert t["communes"] == 95 and t["population"] == sum(c["population"] for c in communes)
    assert t["bound"] + t["presumed"] == sum(1 for c in communes if c["status"] != "not-bound")
    assert t["metropole"]["bound"] and t["metropole"]["population"] == 1_195_234  # apart, never added
    rows = list(csv.reader(io.StringIO(csv_out.render(report, "communes")[3:].decode()), delimiter=";"))
    head, body = rows[0], rows[1:]
    met, owed = head.index("Obligations respectées"), head.index("Obligations évaluées")
    assert sum(int(r[met]) for r in body) == t["obligations"]["met"]
    assert sum(int(r[owed]) for r in body) == t["obligations"]["owed"]
    sheet = load_workbook(io.BytesIO(xlsx.render(report)))["Communes"]
    values = list(sheet.iter_rows(min_row=2, values_only=True))
    assert sum(r[met] for r in values) == t["obligations"]["met"]
    for g in report["gaps"]["obligations"]:  # habitants concernés: communes only
        assert g["population"] == sum(x["population"] for x in g["list"] if x["kind"] == "commune")
    assert f"{t['obligations']['met']}/{t['obligations']['owed']}" in markdown.render(report)


def test_cli_rules_lists_every_rule_with_its_basis():
    out = subprocess.run([sys.executable, "-m", "auditor", "rules", "--format", "json"], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    listed = json.loads(out.stdout)
    assert {r["code"] for r in listed} == {r.code for r in load_rules()}
    assert all(r["basis"]["text"] and r["severity"] in ("error", "warning", "info") for r in listed)
    text = subprocess.run([sys.executable, "-m", "auditor", "rules", "--select", "obligations-specifiques"],
                          capture_output=True, text=True, timeout=60).stdout
    assert "SUB-01" in text and "Fondement : " in text and "RN-LIC" not in text


def test_cli_audit_exit_codes_and_waivers_from_configuration(world, tmp_path, capsys):
    from auditor.interfaces.cli import main

    with SimTerritory(world) as territory:
        path = write_config(territory, tmp_path / "conf", http=FAST, crawl={"probe_max_age": 0})
        with open(path, "a", encoding="utf-8") as fh:
            fh.write('\n[[waivers]]\nrule = "RN-ETP"\njustification = "effectifs en cours de collecte"\n'
                     'expires = 2027-06-30\n')
        args = ["audit", "--config", str(path), "--as-of", world.as_of, "--format", "json"]
        assert main(args + ["--select", "RN-ETP-01", "--fail-on", "info"]) == 0  # every one is waived
        out = json.loads(capsys.readouterr().out)
        assert out["findings"]["waived"] > 0 and out["findings"]["info"] == 0
        assert main(args + ["--select", "SUB-01", "--fail-on", "error"]) == 1
        capsys.readouterr()
        assert main(args + ["--select", "SUB-01"]) == 0  # monitoring: findings are not a failure
        capsys.readouterr()
        assert main(args + ["--select", "NOPE"]) == 2


def test_a_run_that_saw_nothing_is_not_an_audit(world, tmp_path, capsys):
    """Every portal unreachable: exit 3, the run recorded as failed with its reason in French, and the
    last complete audit stays the one reports (and the service) show."""
    import copy

    from auditor.interfaces.cli import main
    from auditor.render.data import territory_report
    from auditor.interfaces.server.runner import AuditRunner

    data = tmp_path / "data"
    with SimTerritory(world) as territory:
        path = write_config(territory, tmp_path / "ok", http=FAST, crawl={"probe": False})
        assert main(["audit", "--config", str(path), "--data-dir", str(data), "--as-of", world.as_of, "-q"]) == 0
    capsys.readouterr()
    dead = copy.deepcopy(world)
    for p in dead.portals.values():
        p.broken = "down"
    with SimTerritory(dead) as territory:
        path = write_config(territory, tmp_path / "dead", http=FAST, crawl={"probe": False})
        assert main(["audit", "--config", str(path), "--data-dir", str(data), "--as-of", world.as_of]) == 3
        err = capsys.readouterr().err
        assert "Audit non réalisé : aucune source n'a pu être collectée" in err and "mel :" in err
        runner = AuditRunner(load_config(path, data_dir=data))
        assert runner.start()
        for _ in range(600):
            if runner.progress.state != "running":
                break
            import time
            time.sleep(0.1)
        assert runner.progress.state == "failed" and runner.progress.error.startswith("Audit non réalisé")
    with Store(data / "auditor.sqlite") as store:
        runs = store.runs()
        assert [r["status"] for r in runs] == ["complete", "failed", "failed"]
        assert "aucune source n'a pu être collectée" in runs[1]["stats"]["error"]
        assert {p["name"] for p in runs[1]["stats"]["portals"]["failed"]} == set(world.portals)
        assert store.latest_run("audit") == runs[0]["id"]
        report = territory_report(store)
        assert report["run"]["id"] == runs[0]["id"] and report["changes"] is None
