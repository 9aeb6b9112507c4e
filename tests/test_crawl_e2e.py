"""End to end: crawl the whole simulated territory, as `auditor crawl` does."""
from __future__ import annotations

import copy
import json
import subprocess
import sys
from collections import Counter
from urllib.parse import urlsplit

import pytest

from auditor.config import load_config
from auditor.crawling.crawl import crawl
from auditor.simulate.demo import write_config
from auditor.simulate.server import SimTerritory
from auditor.simulate.urls import file_url
from auditor.simulate.world import Faults
from auditor.history.store import Store

FAST = {"timeout": 2.0, "retries": 6, "backoff": 0.01, "backoff_max": 0.05, "max_retry_wait": 5.0, "per_host": 6}


def run(world, tmp_path, http=None, crawl_opts=None):
    with SimTerritory(world) as territory:
        path = write_config(territory, tmp_path / "conf", http={**FAST, **(http or {})},
                            crawl={"probe_max_age": 0, **(crawl_opts or {})})
        config = load_config(path, data_dir=tmp_path / "data")
        result = crawl(config)
    return result, territory, config


@pytest.fixture(scope="module")
def crawled(world, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("e2e")
    result, territory, config = run(world, tmp)
    return result, territory, config


def test_finds_exactly_the_generated_records(world, crawled):
    result, _, _ = crawled
    found = [d.uid for d in result.catalogue.datasets]
    assert len(found) == len(set(found))
    assert set(found) == set(world.expected_records())
    assert all(p.status == "ok" for p in result.portals), [vars(p) for p in result.portals]


def test_each_record_is_attributed_to_the_right_commune(world, crawled):
    result, _, _ = crawled
    expected = world.expected_records()
    wrong = {}
    for d in result.catalogue.datasets:
        want = expected[d.uid]
        got = d.publisher.code if d.publisher.kind in ("commune", "metropole") else "other"
        if got != want:
            wrong[d.uid] = (d.publisher.raw, got, want)
    assert not wrong


def test_unresolved_publishers_are_reported_not_guessed(world, crawled):
    result, _, _ = crawled
    assert {u.raw for u in result.catalogue.unresolved} == world.unresolved_publishers
    codes = [e for e in result.events if e.code == "unresolved-publisher"]
    assert {e.detail["raw"] for e in codes} == world.unresolved_publishers


def test_copies_on_two_portals_are_one_dataset(world, crawled):
    result, _, _ = crawled
    groups = [{d.uid for d in g} for g in result.catalogue.groups() if len(g) > 1]
    assert sorted(map(sorted, groups)) == sorted(map(sorted, world.expected_groups()))
    by_uid = result.catalogue.by_uid()
    for d in (d for d in world.datasets if d.record):  # the original is the primary copy
        assert by_uid[f"{d.portal}:{d.source_id}"].copy_of is None


def test_broken_files_are_probed_as_unavailable(world, crawled):
    result, territory, _ = crawled
    availability = {x.url: x.availability for d in result.catalogue.datasets for x in d.distributions}
    for d in (d for d in world.datasets if d.record):  # a collection without record is no dataset
        portal = world.portals[d.portal]
        for f in d.files:
            a = availability[file_url(portal, territory.urls[d.portal], d, f)]
            assert a is not None and a.ok == (f.status == 200) and a.status == f.status


def test_store_holds_the_catalogue(world, crawled, tmp_path):
    result, _, config = crawled
    with Store(tmp_path / "s.sqlite") as store:
        run_id = store.begin_run("crawl", result.started_at, "T", "c")
        store.save_crawl(run_id, result)
        assert store.latest_run() == run_id
        stored = {d.uid: d for d in store.datasets(run_id)}
        assert set(stored) == set(world.expected_records())
        some = result.catalogue.datasets[0]
        assert stored[some.uid] == some  # the normalised record survives the round trip
        assert {p["name"]: p["status"] for p in store.portals(run_id)} == {p.name: "ok" for p in result.portals}


def test_faults_lose_nothing_and_every_failure_is_recorded(world, tmp_path):
    faulty = copy.deepcopy(world)
    for i, portal in enumerate(faulty.portals.values()):
        portal.faults = Faults(rate=0.10, kinds=("500", "429", "timeout", "garbage", "html", "truncated", "reset"),
                               timeout_sleep=2.5, seed=100 + i)
    with SimTerritory(faulty) as territory:
        path = write_config(territory, tmp_path / "conf", http={**FAST, "timeout": 1.0},
                            crawl={"probe_max_age": 0})
        result = crawl(load_config(path, data_dir=tmp_path / "data"))
        injected = list(territory.log.entries)
    assert {d.uid for d in result.catalogue.datasets} == set(faulty.expected_records())
    assert all(p.status == "ok" for p in result.portals)
    assert len(injected) > 20
    # every injected fault is recorded as a failure of that very URL...
    failures = {"server-error", "rate-limited", "timeout", "invalid-json", "invalid-rdf", "html-instead-of-json",
                "html-instead-of-rdf", "truncated-body", "connection-error"}
    recorded = Counter(urlsplit(e.url).path + "?" + urlsplit(e.url).query
                       for e in result.events if e.url and e.code in failures)
    wanted = Counter(urlsplit(f["path"]).path + "?" + urlsplit(f["path"]).query for f in injected)
    assert not wanted - recorded
    # ... with a code that says what happened
    by_kind = Counter(f["kind"] for f in injected)
    codes = Counter(e.code for e in result.events if e.code in failures)
    assert codes["server-error"] >= by_kind["500"] and codes["rate-limited"] >= by_kind["429"]
    if by_kind["garbage"]:
        assert codes["invalid-json"] + codes["invalid-rdf"] >= 1
    if by_kind["truncated"]:
        assert codes["truncated-body"] + codes["connection-error"] >= 1
    if by_kind["timeout"]:
        assert codes["timeout"] >= 1


def test_broken_portals_are_recorded_and_the_crawl_goes_on(world, tmp_path):
    broken = copy.deepcopy(world)
    broken.portals["roubaix"].broken = "tls"
    broken.portals["marcq"].broken = "dns"
    broken.portals["hdf"].broken = "gone"
    result, _, _ = run(broken, tmp_path)
    status = {p.name: (p.status, p.error_code) for p in result.portals}
    assert status["roubaix"] == ("failed", "tls-error")
    assert status["marcq"] == ("failed", "dns-error")
    assert status["hdf"] == ("failed", "gone")  # 410: closed for good
    assert status["mel"] == ("ok", None) and status["datagouv"] == ("ok", None)
    assert {d.uid for d in result.catalogue.datasets} == set(broken.expected_records())


def test_second_crawl_of_an_unchanged_territory_is_answered_by_304s(world, tmp_path):
    with SimTerritory(world) as territory:
        path = write_config(territory, tmp_path / "conf", http=FAST, crawl={"probe_max_age": 0})
        config = load_config(path, data_dir=tmp_path / "data")
        first = crawl(config)
        second = crawl(config)
    assert {d.uid for d in second.catalogue.datasets} == {d.uid for d in first.catalogue.datasets}
    s = second.stats
    assert s.fingerprint_hits == 1  # the GeoNetwork search listing, fingerprinted by one tiny search
    assert s.not_modified / s.requests >= 0.95
    assert s.bytes < first.stats.bytes / 20


def test_cli_demo_runs_offline(tmp_path):
    out = subprocess.run([sys.executable, "-m", "auditor", "demo", "--data-dir", str(tmp_path), "--format", "json"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    audit = json.loads(out.stdout)
    summary = audit["crawl"]
    assert audit["findings"]["error"] > 0 and "PORT-01" in audit["by_rule"]
    status = {p["name"]: p["status"] for p in summary["portals"]}
    assert status.pop("ancien-mel-ods") == "failed" and set(status.values()) == {"ok"}
    assert summary["records"] > 100 and summary["copies"] > 10
    assert (tmp_path / "auditor.sqlite").exists()
    text = subprocess.run([sys.executable, "-m", "auditor", "demo", "--data-dir", str(tmp_path)],
                          capture_output=True, text=True, timeout=300)
    assert text.returncode == 0
    assert "✗ ancien-mel-ods" in text.stdout
    # each demo starts a history of its own: the previous demo's is replaced, not added to
    assert "Nouvel historique de démonstration" in text.stdout and "Audit n° 1 enregistré" in text.stdout
    assert "Et maintenant :" in text.stdout and f"auditor serve --config {tmp_path / 'territoire-simule.toml'}" in text.stdout
