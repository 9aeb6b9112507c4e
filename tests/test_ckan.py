"""CKAN source: the real DKAN sample, and crawls of the simulated CKAN / DKAN portals."""
from __future__ import annotations

import copy
import json
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from auditor.crawling.http import FetchError, HttpClient, HttpConfig
from auditor.normalize.frequency import normalize_frequency
from auditor.simulate import urls
from auditor.simulate.server import SimTerritory
from auditor.simulate.world import Faults, SimDataset, SimFile, SimOrganisation, SimPortal, World
from auditor.crawling.sources.ckan import parse_size, to_dataset

from .helpers import FAST_HTTP, PORTALS, run_source

CKAN_LICENCES = {"lov2": "etalab-2.0", "odbl": "odc-odbl", "lo1": "fr-lo", "cc-by": "cc-by",
                 None: "notspecified"}


# -- helpers shared with test_dcat ----------------------------------------------------------
def small_world(kind: str, n: int, name: str = "p", **options) -> World:
    """A world with one portal of ``kind`` hosting ``n`` varied datasets (and two
    organisations, one without SIRET, for CKAN)."""
    portal = SimPortal(name, kind, f"portail {name}", options=dict(options))
    orgs = [SimOrganisation("0a1b2c3d-0000-4000-8000-000000000001", name, "Ville de Wattrelos",
                            "ville-de-wattrelos", siret="21590650900019", insee="59650"),
            SimOrganisation("0a1b2c3d-0000-4000-8000-000000000002", name, "Ville de Croix",
                            "ville-de-croix", siret=None, insee="59163")]
    licences = ["lov2", "odbl", "lo1", None, "cc-by"]
    freqs = ["annual", "monthly", "daily", "irregular", "punctual", "continuous", None]
    publishers = ["Ville de Wattrelos", None, "Mairie de Croix - service SIG"]
    datasets = []
    for i in range(n):
        key = f"jeu-{i:04d}"
        fmts = [["csv"], ["csv", "geojson"], ["pdf"]][i % 3]
        files = [SimFile(id=f"{fmt}-{j + 1}", title=f"{key}.{fmt}", format=fmt,
                         media_type={"csv": "text/csv", "geojson": "application/geo+json",
                                     "pdf": "application/pdf"}[fmt],
                         content="pdf" if fmt == "pdf" else "table",
                         size=1000 + i if j == 0 else None, modified="2024-03-0%d" % (1 + i % 9))
                 for j, fmt in enumerate(fmts)]
        datasets.append(SimDataset(
            key=key, owner="59650", portal=name,
            source_id=f"5f0c{i:04d}-1111-4222-8333-{i:012d}" if kind == "ckan" else key,
            kind="misc", title=f"Jeu numéro {i}", description=f"Description du jeu {i}.",
            publisher=publishers[i % 3], keywords=[f"mot{i % 4}", "commun"], themes=["Société"],
            licence=licences[i % 5], issued="2021-02-03", modified="2024-05-06",
            metadata_modified="2024-05-06T10:20:00+00:00", frequency=freqs[i % 7],
            temporal_start="2020-01-01", temporal_end="2023-12-31" if i % 2 else None,
            spatial="59650", contact_name="Service données", contact_email="donnees@ville.fr",
            schema=("scdl/equipements", "0.1.5") if i % 4 == 0 else None, files=files,
            organisation=orgs[i % 3].id if i % 3 < 2 else None))
    return World(seed=0, portals={name: portal}, datasets=datasets,
                 organisations=orgs if kind == "ckan" else [])


@contextmanager
def serve(routes):
    """A tiny HTTP server answering ``routes(path, query) -> (status, body_bytes, ctype)``
    (for answers no simulated portal gives: error envelopes, broken paging)."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_GET(self):
            parts = urlsplit(self.path)
            status, body, ctype = routes(parts.path, {k: v[-1] for k, v in parse_qs(parts.query).items()})
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}"
    finally:
        srv.shutdown()
        srv.server_close()


def _errors(events):
    return [(e.code, e.message) for e in events if e.level == "error"]


# -- the real DKAN sample -------------------------------------------------------------------
def test_real_dkan_package_show():
    data = json.loads((PORTALS / "ckan" / "dkan-package_show.hautsdefrance.udata-fixture.json").read_text())
    pkg = data["result"][0]
    ds = to_dataset(pkg, "hdf", "https://opendata.hautsdefrance.fr", dkan=True)
    assert ds.uid == "hdf:04be6288-696d-4331-850d-a144871a7e3a"
    assert ds.title == "Antennes régionales de la Région Hauts-de-France (au 01/10/2019)"
    assert ds.description == "Liste et coordonnées des antennes de proximité du conseil régional Hauts-de-France."
    assert len(ds.keywords) == 13 and "ANTENNE REGIONALE" in ds.keywords
    # DKAN has no organisations: its group is the publisher
    assert ds.publisher.raw == "Région Hauts-de-France"
    assert ds.organisation_id == "b72cd25d-1cec-49f6-8c71-297bd373fa01"
    assert ds.themes == []
    # no license_id: the title (a URL here) is the licence
    assert ds.licence == "http://www.etalab.gouv.fr/pages/Licence_ouverte_Open_licence-5899923.html"
    assert ds.licence_url == ds.licence
    assert ds.issued == "2019-12-10T09:23:00"  # "mar, 10/12/2019 - 09:23"
    assert ds.metadata_modified == "2019-09-30T22:00:00"
    assert (ds.frequency, ds.frequency_raw) == (normalize_frequency("asNeeded"), "asNeeded")
    assert (ds.contact_name, ds.contact_email) == ("Opendata de la Région Hauts-de-France",
                                                   "opendata@hautsdefrance.fr")
    assert ds.landing_page == ("https://opendata.hautsdefrance.fr/dataset/"
                               "antennes-regionales-de-la-region-hauts-de-france-au-01102019-0")
    assert ds.harvest["remote_id"] == "4b5f8e1b-de37-47cd-9203-37a59f318b09"
    assert "4b5f8e1b-de37-47cd-9203-37a59f318b09" in ds.identity_keys
    xlsx, viewer = ds.distributions
    assert xlsx.url.endswith("/attachments/coordonnees_antennes.xlsx")
    assert (xlsx.format, xlsx.size, xlsx.modified) == ("xlsx", 42, "2019-12-19T03:00:00")
    assert xlsx.description == "Tableau des données"
    assert viewer.title == "Visionneuse mviewer" and viewer.format is None and viewer.size is None
    assert ds.raw is pkg


def test_parse_size():
    assert parse_size("42 octets") == 42
    assert parse_size("1,5 Ko") == 1536
    assert parse_size("2 MB") == 2 * 1024 ** 2
    assert parse_size(1234) == 1234
    assert parse_size("1234") == 1234
    for bad in ("", None, "beaucoup", "-3", True):
        assert parse_size(bad) is None


# -- simulated portals ----------------------------------------------------------------------
def _check(world, name, datasets, base):
    portal = world.portals[name]
    orgs = {o.id: o for o in world.organisations_on(name)}
    by_uid = {d.uid: d for d in datasets}
    assert set(by_uid) == {f"{name}:{d.source_id}" for d in world.hosted(name)}
    assert len(datasets) == len(by_uid)
    for d in world.hosted(name):
        ds = by_uid[f"{name}:{d.source_id}"]
        org = orgs.get(d.organisation or "")
        assert ds.publisher.raw == (org.name if org else d.publisher)
        assert ds.organisation_id == (org.id if org else None)
        assert ds.organisation_siren == (org.siret[:9] if org and org.siret else None)
        assert ds.licence == CKAN_LICENCES[d.licence]
        assert ds.frequency == d.frequency
        assert ds.title == d.title and ds.description == d.description
        assert ds.keywords == d.keywords and ds.themes == d.themes
        assert ds.temporal_start == d.temporal_start and ds.temporal_end == d.temporal_end
        assert (ds.contact_name, ds.contact_email) == (d.contact_name, d.contact_email)  # the maintainer
        assert ds.publisher.raw != ds.raw["author"] or ds.raw["author"] is None
        assert ds.landing_page == urls.landing_url(portal, base, d)
        assert [x.url for x in ds.distributions] == [urls.file_url(portal, base, d, f) for f in d.files]
        assert [x.format for x in ds.distributions] == [f.format for f in d.files]
        assert [x.size for x in ds.distributions] == [f.size for f in d.files]
        assert ds.raw["name"] == d.key


def test_crawl_world_hdf(world):
    with SimTerritory(world) as t:
        datasets, events = run_source("ckan", t.source_url("hdf"), name="hdf")
        _check(world, "hdf", datasets, t.urls["hdf"])
    assert not _errors(events)
    assert world.hosted("hdf")
    # a package created outside any organisation: its publisher is the one typed in it, not its author
    outside = {d.source_id for d in world.hosted("hdf") if d.organisation is None}
    assert outside
    for ds in datasets:
        if ds.source_id in outside:
            assert ds.organisation_id is None and ds.publisher.raw != ds.raw["author"]


def test_paging_past_1000_packages():
    w = small_world("ckan", 1203)
    with SimTerritory(w) as t:
        datasets, events = run_source("ckan", t.source_url("p"), name="p")
        _check(w, "p", datasets, t.urls["p"])
        # a portal capping rows below what is asked (rows_max 1000): page size follows the portal
        capped, _ = run_source("ckan", t.source_url("p"), name="p", options={"rows": 5000})
        assert {d.uid for d in capped} == {d.uid for d in datasets}
    assert not _errors(events)
    assert len(datasets) == 1203


def test_small_pages_and_query():
    w = small_world("ckan", 40)
    with SimTerritory(w) as t:
        datasets, events = run_source("ckan", t.source_url("p"), name="p", options={"rows": 7})
        _check(w, "p", datasets, t.urls["p"])
        some, _ = run_source("ckan", t.source_url("p"), name="p",
                             options={"fq": "organization:ville-de-croix", "rows": 5})
    croix = w.organisations[1].id
    assert {d.organisation_id for d in some} == {croix}
    assert len(some) == sum(1 for d in w.datasets if d.organisation == croix)


def test_package_list_then_show():
    w = small_world("ckan", 25)
    with SimTerritory(w) as t:
        datasets, events = run_source("ckan", t.source_url("p"), name="p", options={"api": "package_list"})
        _check(w, "p", datasets, t.urls["p"])
    assert not _errors(events)


def test_dkan_flavour():
    w = small_world("ckan", 12, flavour="dkan")
    with SimTerritory(w) as t:
        datasets, events = run_source("ckan", t.source_url("p"), name="p", options={"api": "package_list"})
        base = t.urls["p"]
    assert not _errors(events)
    orgs = {o.id: o for o in w.organisations}
    by_uid = {d.uid: d for d in datasets}
    for d in w.datasets:
        ds = by_uid[f"p:{d.source_id}"]
        org = orgs.get(d.organisation or "")
        # DKAN's publisher is the dataset's group; a dataset in no group has none (never its author)
        assert ds.publisher.raw == (org.name if org else None)
        assert ds.issued == "2021-02-03T09:00:00"  # "mer, 03/02/2021 - 09:00"
        assert ds.metadata_modified == "2024-05-06T10:20:00"
        assert [x.size for x in ds.distributions] == [f.size for f in d.files]  # "1003 octets"
        assert [x.url for x in ds.distributions] == [urls.file_url(w.portals["p"], base, d, f) for f in d.files]
        assert [x.modified for x in ds.distributions] == [f"{f.modified}T09:00:00" for f in d.files]


def test_faults_are_retried():
    w = small_world("ckan", 30)
    w.portals["p"].faults = Faults(rate=0.35, kinds=("500", "garbage", "truncated", "html", "429"), seed=3)
    with SimTerritory(w) as t:
        datasets, events = run_source("ckan", t.source_url("p"), name="p", options={"rows": 4})
        faults = len(t.log.entries)
    assert faults > 0
    assert {d.uid for d in datasets} == {f"p:{d.source_id}" for d in w.datasets}
    assert not _errors(events)
    assert sum(e.level == "info" for e in events) == faults


def test_second_crawl_gets_304(tmp_path):
    w = small_world("ckan", 30)
    client = HttpClient(HttpConfig(cache_dir=str(tmp_path), **FAST_HTTP))
    with SimTerritory(w) as t:
        first, _ = run_source("ckan", t.source_url("p"), name="p", options={"rows": 10}, http=client)
        sent = client.stats.requests
        second, _ = run_source("ckan", t.source_url("p"), name="p", options={"rows": 10}, http=client)
    assert [d.to_dict() for d in first] == [d.to_dict() for d in second]
    assert client.stats.requests - sent == client.stats.not_modified == sent


def test_envelope_errors():
    pkgs = [{"id": f"id-{i}", "name": f"n{i}", "title": f"T{i}"} for i in range(4)]

    def routes(path, q):
        ok = lambda result: (200, json.dumps({"help": "h", "success": True, "result": result}).encode(),
                             "application/json")
        if path.endswith("/package_search"):
            if q.get("q") == "refuse":
                return 200, b'{"help": "h", "success": false, "error": {"message": "Access denied"}}', \
                    "application/json"
            start = int(q["start"])
            if start >= 2:  # a later page answers with an error envelope
                return 200, b'{"help": "h", "success": false, "error": {"__type": "Search Error"}}', \
                    "application/json"
            return ok({"count": 4, "results": pkgs[start:start + 2] + ["not a package"]})
        return 404, b"{}", "application/json"

    with serve(routes) as base:
        datasets, events = run_source("ckan", base, name="x", options={"rows": 3})
        with pytest.raises(FetchError) as exc:
            run_source("ckan", base, name="x", options={"q": "refuse"})
    assert exc.value.code == "api-error" and "Access denied" in exc.value.message
    assert [d.source_id for d in datasets] == ["id-0", "id-1"]
    codes = {e.code for e in events}
    assert {"incomplete-listing", "invalid-record"} <= codes


def test_first_request_failure_propagates():
    w = small_world("ckan", 3)
    with SimTerritory(w) as t:
        with pytest.raises(FetchError) as exc:
            run_source("ckan", t.source_url("p"), name="p", options={"rows": -1})  # 409
    assert exc.value.status == 409


def test_faults_on_a_copy_of_the_world(world):
    w = copy.deepcopy(world)
    w.portals["hdf"].faults = Faults(rate=0.3, kinds=("garbage", "500"), seed=1)
    with SimTerritory(w) as t:
        datasets, events = run_source("ckan", t.source_url("hdf"), name="hdf")
        _check(w, "hdf", datasets, t.urls["hdf"])
    assert world.portals["hdf"].faults.rate == 0
