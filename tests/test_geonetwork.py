"""GeoNetwork 4 + OGC API Features (the MEL platform): real samples, and crawls of the
simulated platform (complete listing, > 10 000 records, 304s, faults)."""
from __future__ import annotations

import copy
import dataclasses
import json

import pytest
import requests

from auditor.http import FetchError, HttpClient, HttpConfig
from auditor.normalize.frequency import normalize_frequency
from auditor.simulate.portals.geonetwork import LICENCES, read_back
from auditor.simulate.server import SimTerritory
from auditor.simulate.urls import file_url, landing_url
from auditor.simulate.world import Faults, SimDataset, SimFile, SimPortal, World
from auditor.sources import geonetwork, ogcapi
from tests.helpers import FAST_HTTP, PORTALS, run_source

MEL_SAMPLES = PORTALS / "mel-data-lillemetropole"
BASE = "https://data.lillemetropole.fr"
SEARCH = "/geonetwork/srv/api/search/records/_search"


def _only(world: World, name: str) -> World:
    """``world`` with only portal ``name`` served (its datasets unchanged)."""
    return dataclasses.replace(world, portals={name: world.portals[name]})


def _load(name: str):
    return json.loads((MEL_SAMPLES / name).read_text(encoding="utf-8"))


# -- real samples ------------------------------------------------------------------------
def test_real_es_hit_parses():
    hit = _load("gn-es-search.n_tri_lill_inondable.json")["hits"]["hits"][0]
    d = geonetwork.dataset_from_hit(hit, portal="mel", base=BASE)
    assert d.uid == "mel:n_tri_lill_inondable_s_059"
    assert d.title == "Aléa de débordement de cours d'eau de la Lys"
    assert d.description.startswith("Aléa de débordement de cours d’eau de la Lys et de ses affluents")
    assert "<p>" not in d.description
    assert d.publisher.raw == "DREAL"
    assert d.licence == "Licence Ouverte (Etalab)"
    assert d.keywords == ["Eau", "Innondation", "Aléa", "Environnement"]
    assert d.themes == ["Environnement"]
    assert d.metadata_modified == "2025-05-14T12:21:52.051000+00:00"
    assert d.language == "fr"
    assert d.frequency is None and d.issued is None and d.modified is None
    # 5 links: 4 downloads and the old ODS landing page (an identity, not a distribution)
    assert len(hit["_source"]["link"]) == 5
    assert [(x.format, x.kind) for x in d.distributions] == [
        ("shp", "file"), ("json", "file"), ("geojson", "file"), ("csv", "file")]
    assert d.distributions[0].url.startswith(
        "https://metropole-europeenne-de-lille.opendatasoft.com/explore/dataset/n_tri_lill_inondable_s_059/download")
    assert d.landing_page == f"{BASE}/catalogue/dataset/n_tri_lill_inondable_s_059"
    assert d.identity_keys == [
        f"{BASE}/catalogue/dataset/n_tri_lill_inondable_s_059", "n_tri_lill_inondable_s_059",
        "https://metropole-europeenne-de-lille.opendatasoft.com/explore/dataset/n_tri_lill_inondable_s_059/",
        "https://opendata.lillemetropole.fr/explore/dataset/n_tri_lill_inondable_s_059/"]
    assert d.raw is hit["_source"]


def test_real_ogcapi_collections_parse():
    colls = _load("ogcapi_collections.json")["collections"]
    root = "https://mel.integration.apps.gs-fr-prod.camptocamp.com/data/ogcapi"
    ds = [ogcapi.collection_dataset(c, root=root, portal="mel-int") for c in colls]
    assert [d.source_id for d in ds] == [
        "covoit-mel", "geopackages_to_delete", "liste-des-jardins-familiaux-et-partages-de-roubaix"]
    covoit = ds[0]
    assert covoit.landing_page == f"{root}/collections/covoit-mel"
    assert covoit.title == "covoit-mel" and covoit.publisher.raw is None
    assert [(x.kind, x.format) for x in covoit.distributions] == [
        ("api", "ogcapi"), ("file", "json"), ("file", "geojson"), ("file", "shp"), ("file", "csv"),
        ("file", "xlsx")]
    assert covoit.distributions[4].url == f"{root}/collections/covoit-mel/items?f=csv&limit=-1"
    # itemType "record" (no geometry, no shapefile) reads the same way
    assert [x.format for x in ds[1].distributions] == ["ogcapi", "json", "geojson", "csv", "xlsx"]
    single = ogcapi.collection_dataset(_load("covoit-mel.json"), root=root, portal="mel-int")
    assert single.distributions == covoit.distributions


def test_collection_ids_in_urls():
    assert ogcapi.collection_id_in_url(
        "https://data.lillemetropole.fr/data/ogcapi/collections/ilevia:vlille_temps_reel/items?f=json&limit=-1"
    ) == "ilevia:vlille_temps_reel"
    assert ogcapi.collection_id_in_url("https://x/geoserver/ogc/features/v1/collections/plu%3Agpu/items") == "plu:gpu"
    assert ogcapi.collection_id_in_url("https://x/catalogue/dataset/abc") is None


def test_iso_frequency_codes_read_as_udata_reads_them():
    """data.gouv.fr's SEMIC XSLT gives each ISO code an EU term, udata's UpdateFrequency names it."""
    assert [normalize_frequency(c) for c in ("continual", "annually", "biannually", "fortnightly",
                                              "biennially", "asNeeded", "notPlanned")] == [
        "severalTimesADay", "annual", "semiannual", "biweekly", "biennial", "punctual", "notPlanned"]


# -- the simulated MEL platform ----------------------------------------------------------
@pytest.fixture(scope="module")
def mel_crawl(world):
    with SimTerritory(_only(world, "mel")) as territory:
        url = territory.source_url("mel")
        datasets, events = run_source("geonetwork", url, name="mel", owner="MEL")
    return url, datasets, events


def test_crawl_finds_every_record_and_collection(world, mel_crawl):
    url, datasets, events = mel_crawl
    assert [e for e in events if e.level != "info"] == []
    uids = [d.uid for d in datasets]
    assert len(uids) == len(set(uids))
    assert set(uids) == {f"mel:{d.source_id}" for d in world.hosted("mel")}


def test_crawl_fields_match_the_world(world, mel_crawl):
    url, datasets, _ = mel_crawl
    got = {d.source_id: d for d in datasets}
    portal = world.portals["mel"]
    for sim in world.hosted("mel"):
        d = got[sim.source_id]
        assert d.portal_kind == "geonetwork"
        assert d.publisher.raw == sim.publisher, sim.key
        assert d.frequency == read_back(sim.frequency), sim.key
        assert d.landing_page == landing_url(portal, url, sim)
        urls = {x.url for x in d.distributions}
        assert {file_url(portal, url, sim, f) for f in sim.files} <= urls, sim.key
        if not sim.record:
            continue
        assert d.title == sim.title and d.description == sim.description
        assert d.themes == sim.themes and set(sim.keywords) <= set(d.keywords)
        assert (d.issued, d.modified, d.metadata_modified) == (sim.issued, sim.modified, sim.metadata_modified)
        assert d.temporal_start == sim.temporal_start
        assert d.contact_email == sim.contact_email
        assert (d.licence, d.licence_url) == (LICENCES[sim.licence] if sim.licence else (None, None))
        assert sim.source_id in d.identity_keys
        api = [x for x in d.distributions if x.kind == "api"]
        # tables are published as an OGC API collection; documents are attachments only
        assert [x.url for x in api] == ([f"{url}/data/ogcapi/collections/{sim.collection}"] if sim.collection else [])
        if sim.source_id == sim.key:  # migrated from the old ODS: its page names it too
            assert f"https://opendata.lillemetropole.fr/explore/dataset/{sim.key}/" in d.identity_keys


def test_licences_are_kept_as_written(world, mel_crawl):
    _, datasets, _ = mel_crawl
    labels = {d.licence for d in datasets if d.licence}
    assert labels == {LICENCES[s.licence][0] for s in world.hosted("mel") if s.licence and s.record}
    assert {"Licence Ouverte v2.0 (Etalab)", "ODbL 1.0", "Licence Ouverte (Etalab)"} <= labels


def test_ogcapi_kind_lists_every_collection(world):
    with SimTerritory(_only(world, "mel")) as territory:
        root = territory.source_url("mel") + "/data/ogcapi"
        datasets, events = run_source("ogcapi", root, name="mel-ogc")
    assert not events
    assert {d.source_id for d in datasets} == {d.collection for d in world.hosted("mel") if d.collection}
    assert all(d.portal_kind == "ogcapi" and d.landing_page.startswith(root) for d in datasets)


def test_collections_pages_are_followed(world):
    w = copy.deepcopy(_only(world, "mel"))
    w.portals["mel"].options["collections_limit"] = 7
    with SimTerritory(w) as territory:
        root = territory.source_url("mel") + "/data/ogcapi"
        first = requests.get(f"{root}/collections", timeout=5).json()
        assert len(first["collections"]) == 7 and first["links"][-1]["rel"] == "next"
        datasets, _ = run_source("ogcapi", root, name="mel-ogc")
    assert len(datasets) == sum(1 for d in w.hosted("mel") if d.collection)


def test_simulated_items_and_files(world):
    sim = next(d for d in world.hosted("mel") if d.record and any(f.status == 404 for f in d.files))
    broken = next(f for f in sim.files if f.status == 404)
    ok_table = next(d for d in world.hosted("mel") if d.collection and all(f.status == 200 for f in d.files))
    with SimTerritory(_only(world, "mel")) as territory:
        base = territory.source_url("mel")
        portal = world.portals["mel"]
        assert requests.get(file_url(portal, base, sim, broken), timeout=5).status_code == 404
        items = requests.get(f"{base}/data/ogcapi/collections/{ok_table.collection}/items",
                             params={"f": "json", "limit": 3, "offset": 2}, timeout=5).json()
        assert items["numberMatched"] == ok_table.rows and items["numberReturned"] == 3
        assert items["records"][0]["@id"] == "3" and items["links"][-1]["rel"] == "next"
        everything = requests.get(f"{base}/data/ogcapi/collections/{ok_table.collection}/items",
                                  params={"f": "geojson", "limit": -1}, timeout=5).json()
        assert len(everything["features"]) == ok_table.rows
        page = requests.get(f"{base}/catalogue/dataset/{ok_table.source_id}", timeout=5)
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        assert requests.get(f"{base}{SEARCH}", timeout=5).status_code == 405


# -- more than 10 000 records ------------------------------------------------------------
def _big_world(n: int) -> World:
    datasets = []
    for i in range(n):
        key = f"jeu-{i:05d}"
        datasets.append(SimDataset(
            key=key, owner="MEL", portal="big", source_id=f"{(i * 7919) % 100003:06d}-{key}", kind="misc",
            title=f"Jeu {i}", description=None, publisher="MEL", frequency="annual", licence="lov2",
            files=[SimFile(id="csv-1", title=f"{key}.csv", format="csv", media_type="text/csv")]))
    return World(seed=0, portals={"big": SimPortal("big", "geonetwork", "big")}, datasets=datasets)


def test_more_than_ten_thousand_records():
    world = _big_world(10130)
    with SimTerritory(world) as territory:
        url = territory.source_url("big")
        too_far = requests.post(url + SEARCH, json={"from": 9950, "size": 100}, timeout=30)
        assert too_far.status_code == 400 and "max_result_window" in too_far.text
        datasets, events = run_source("geonetwork", url, name="big")
    assert not [e for e in events if e.level != "info"]
    assert len(datasets) == 10130
    assert {d.source_id for d in datasets} == {d.source_id for d in world.datasets}


# -- cache and faults --------------------------------------------------------------------
def test_second_crawl_gets_304s(world, tmp_path):
    with SimTerritory(_only(world, "mel")) as territory:
        url = territory.source_url("mel")
        first, _ = run_source("geonetwork", url, name="mel", cache_dir=str(tmp_path))
        client = HttpClient(HttpConfig(cache_dir=str(tmp_path), **FAST_HTTP))
        second, _ = run_source("geonetwork", url, name="mel", http=client)
    assert client.stats.not_modified >= 1
    assert [d.to_dict() for d in second] == [d.to_dict() for d in first]


def test_faults_still_give_the_complete_set(world):
    w = copy.deepcopy(_only(world, "mel"))
    w.portals["mel"].faults = Faults(rate=0.2, seed=3, timeout_sleep=2.5)
    with SimTerritory(w) as territory:
        url = territory.source_url("mel")
        datasets, events = run_source("geonetwork", url, name="mel", options={"page_size": 10})
        injected = list(territory.log.entries)
    assert {d.uid for d in datasets} == {f"mel:{d.source_id}" for d in w.hosted("mel")}
    assert injected, "the fault seed must inject something"
    retries = [e for e in events if e.level == "info"]
    assert len(retries) >= len(injected)
    assert not [e for e in events if e.level == "error"]


# -- robustness --------------------------------------------------------------------------
def test_odd_typed_fields_do_not_break_a_record():
    hit = {"_id": "x", "_source": {
        "uuid": "abc-123", "resourceTitleObject": "Titre brut", "resourceAbstractObject": None,
        "tag": "vélo", "contactForResource": {"role": "owner", "organisationObject": {"default": "Ville de Loos"},
                                              "email": "pas-une-adresse"},
        "contact": [None, 3], "licenseObject": "Licence Ouverte", "link": {"url": "https://x/y.csv"},
        "cl_maintenanceAndUpdateFrequency": ["monthly"], "resourceDate": [{"type": "revision", "date": "n/a"},
                                                                           "2020-01-01", None],
        "resourceTemporalDateRange": {"gte": "2019-01-01T00:00:00.000Z", "lte": None},
        "geom": [{"type": "Point", "coordinates": [3.06, 50.63]}], "changeDate": ["2024-02-03T10:00:00Z"],
        "resourceIdentifier": [{"code": "1"}, {"code": "fr-120066022-jdd-99fb7b58"}], "isHarvested": True,
        "th_otherKeywords-theme": "not a list", "th_regions": [{"default": "Hauts-de-France"}]}}
    d = geonetwork.dataset_from_hit(hit, portal="p", base=BASE)
    assert (d.source_id, d.title, d.description, d.keywords) == ("abc-123", "Titre brut", None, ["vélo"])
    assert d.publisher.raw == "Ville de Loos" and d.contact_email is None
    assert (d.licence, d.frequency, d.modified) == ("Licence Ouverte", "monthly", None)
    assert (d.temporal_start, d.temporal_end) == ("2019-01-01", None)
    assert d.spatial == '{"type":"Point","coordinates":[3.06,50.63]}'
    assert d.metadata_modified == "2024-02-03T10:00:00+00:00"
    assert d.themes == ["Hauts-de-France"]
    assert "fr-120066022-jdd-99fb7b58" in d.identity_keys and "1" not in d.identity_keys
    assert [(x.url, x.kind, x.format) for x in d.distributions] == [("https://x/y.csv", "file", "csv")]
    assert d.harvest["remote_id"] == "abc-123"


@pytest.mark.parametrize("hit", [{"_id": "x"}, {"_source": {"resourceTitleObject": {"default": "t"}}}, "hit"])
def test_unreadable_hits_are_refused(hit):
    with pytest.raises(ValueError):
        geonetwork.dataset_from_hit(hit, portal="p", base=BASE)


def test_ogc_api_failure_keeps_the_records(world):
    with SimTerritory(_only(world, "mel")) as territory:
        datasets, events = run_source("geonetwork", territory.source_url("mel"), name="mel",
                                      options={"ogcapi_path": "/absent"})
    assert {d.source_id for d in datasets} == {d.source_id for d in world.hosted("mel") if d.record}
    assert [e.code for e in events if e.level == "error"] == ["http-error", "incomplete-listing"]


def test_unreachable_portal_raises(world):
    w = copy.deepcopy(_only(world, "mel"))
    w.portals["mel"].broken = "down"
    with SimTerritory(w) as territory, pytest.raises(FetchError):
        run_source("geonetwork", territory.source_url("mel"), name="mel")
