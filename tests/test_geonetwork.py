"""GeoNetwork 4 + OGC API Features (the MEL platform): real samples, and crawls of the
simulated platform (complete listing, > 10 000 records, 304s, faults). The real captures
replayed by a local server: tests/test_geonetwork_real.py."""
from __future__ import annotations

import copy
import dataclasses
import json

import pytest
import requests

from auditor.crawling.http import FetchError, HttpClient, HttpConfig
from auditor.normalize.frequency import normalize_frequency
from auditor.simulate.portals.geonetwork import INSPIRE_ACCESS, LICENCES, OWS, read_back
from auditor.simulate.server import SimTerritory
from auditor.simulate.urls import file_url, landing_url
from auditor.simulate.world import Faults, SimDataset, SimFile, SimPortal, World
from auditor.crawling.sources import geonetwork, ogcapi
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
    # indexed as a feature catalogue of dataset level: a dataset, as geonetwork-ui lists it
    assert d.raw["resourceType"] == ["featureCatalog"] and d.resource_type == "dataset"
    assert (d.temporal_start, d.temporal_end) == (None, None)  # no temporal extent declared
    assert (d.licence_url, d.access_rights) == (None, None)
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


def test_crawl_finds_every_record_and_reports_bare_collections(world, mel_crawl):
    url, datasets, events = mel_crawl
    bare = {d.collection for d in world.hosted("mel") if not d.record}
    assert bare, "the simulated platform has OGC API collections without a record"
    assert [e for e in events if e.level != "info" and e.code != "uncatalogued-collection"] == []
    uids = [d.uid for d in datasets]
    assert len(uids) == len(set(uids))
    assert set(uids) == {f"mel:{d.source_id}" for d in world.hosted("mel") if d.record}
    reported = [e for e in events if e.code == "uncatalogued-collection"]
    assert {e.detail["collection"] for e in reported} == bare and len(reported) == len(bare)
    assert all(e.level == "warning" and e.url == f"{url}/data/ogcapi/collections/{e.detail['collection']}"
               for e in reported)


def test_services_maps_and_feature_catalogues_are_not_datasets(world, mel_crawl):
    """The index holds them (a plain search shows them); the crawl keeps datasets and series."""
    url, datasets, _ = mel_crawl
    with SimTerritory(_only(world, "mel")) as territory:
        hits = requests.post(territory.source_url("mel") + SEARCH, json={"size": 10000}, timeout=10).json()
    kinds = {h["_source"]["uuid"]: h["_source"].get("resourceType") for h in hits["hits"]["hits"]}
    assert {"service-wms-mel", "carte-interactive-equipements", "catalogue-attributs-voirie"} <= set(kinds)
    got = {d.source_id: d for d in datasets}
    assert not {"service-wms-mel", "carte-interactive-equipements", "catalogue-attributs-voirie"} & set(got)
    assert {d.resource_type for d in datasets} == {"dataset", "series"}
    for uid, d in got.items():
        assert d.resource_type == ("dataset" if kinds[uid] == ["featureCatalog"] else kinds[uid][0]), uid
    assert ["featureCatalog"] in kinds.values()  # migrated from the old Opendatasoft portal, still datasets


def test_crawl_fields_match_the_world(world, mel_crawl):
    url, datasets, _ = mel_crawl
    got = {d.source_id: d for d in datasets}
    portal = world.portals["mel"]
    for sim in world.hosted("mel"):
        if not sim.record:
            assert sim.source_id not in got  # a collection without record is no dataset
            continue
        d = got[sim.source_id]
        assert d.portal_kind == "geonetwork"
        assert d.publisher.raw == sim.publisher, sim.key
        assert d.frequency == read_back(sim.frequency), sim.key
        assert d.landing_page == landing_url(portal, url, sim)
        urls = {x.url for x in d.distributions}
        assert {file_url(portal, url, sim, f) for f in sim.files} <= urls, sim.key
        assert d.title == sim.title and d.description == sim.description
        assert d.themes == sim.themes and set(sim.keywords) <= set(d.keywords)
        assert (d.issued, d.modified, d.metadata_modified) == (sim.issued, sim.modified, sim.metadata_modified)
        # the declared extent, not the citation dates GeoNetwork also indexes as temporal ranges
        assert (d.temporal_start, d.temporal_end) == (sim.temporal_start, sim.temporal_end), sim.key
        assert len(d.raw["resourceTemporalDateRange"]) > len(d.raw["resourceTemporalExtentDateRange"])
        assert d.contact_email == sim.contact_email
        assert (d.licence, d.licence_url) == (LICENCES[sim.licence] if sim.licence else (None, None))
        assert d.access_rights in (None, INSPIRE_ACCESS[0])
        assert sim.source_id in d.identity_keys
        api = [x for x in d.distributions if x.kind == "api"]
        # tables are published as an OGC API collection (and geographic ones as GeoServer layers);
        # documents are attachments only
        assert [x.url for x in api if x.format == "ogcapi"] == (
            [f"{url}/data/ogcapi/collections/{sim.collection}"] if sim.collection else [])
        layers = [x.title for x in api if x.format == "wms"]
        assert [x.title for x in api if x.format == "wfs"] == layers
        assert {x.url for x in api if x.format in ("wms", "wfs")} <= {f"{url}{OWS}"}
        geo = bool(sim.collection) and any(f.format in ("geojson", "shp") for f in sim.files)
        assert (layers[:1] == [sim.collection]) == geo and len(layers) in ((1, 3) if geo else (0,)), sim.key
        assert {x.format for x in api} <= {"ogcapi", "wms", "wfs", "wmts", "tms"}
        if sim.source_id == sim.key:  # migrated from the old ODS: its page names it too
            assert f"https://opendata.lillemetropole.fr/explore/dataset/{sim.key}/" in d.identity_keys


def test_licences_are_kept_as_written(world, mel_crawl):
    _, datasets, _ = mel_crawl
    labels = {d.licence for d in datasets if d.licence}
    assert labels == {LICENCES[s.licence][0] for s in world.hosted("mel") if s.licence and s.record}
    assert {"Licence Ouverte v2.0 (Etalab)", "ODbL 1.0", "Licence Ouverte (Etalab)"} <= labels


def test_an_access_constraint_before_the_licence_is_not_the_licence(world, mel_crawl):
    """GeoNetwork indexes every otherConstraints in licenseObject: the INSPIRE limitation on
    public access comes first on most records; it is their access rights."""
    _, datasets, _ = mel_crawl
    sims = {s.source_id: s for s in world.hosted("mel")}
    stated = [d for d in datasets if d.raw.get("licenseObject", [{}])[0].get("link") == INSPIRE_ACCESS[1]]
    assert len(stated) > 10
    for d in stated:
        assert d.access_rights == INSPIRE_ACCESS[0]
        assert d.licence == (LICENCES[sims[d.source_id].licence][0] if sims[d.source_id].licence else None)
    assert any(d.licence is None for d in stated) or not any(s.licence is None for s in sims.values() if s.record)
    assert INSPIRE_ACCESS[0] not in {d.licence for d in datasets}


def test_layers_served_from_one_url_are_one_distribution_each(world, mel_crawl):
    _, datasets, _ = mel_crawl
    many = [d for d in datasets if sum(x.format == "wms" for x in d.distributions) == 3]
    assert many, "some records describe three layers"
    for d in many:
        wms = [x for x in d.distributions if x.format == "wms"]
        assert len({x.url for x in wms}) == 1 and len({x.title for x in wms}) == 3
        assert all(x.kind == "api" and x.format_raw == "OGC:WMS" for x in wms)
    wmts = [x for d in datasets for x in d.distributions if x.format == "wmts"]
    tms = [x for d in datasets for x in d.distributions if x.format == "tms"]
    assert wmts and tms and all(x.kind == "api" for x in wmts + tms)


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
    assert {d.uid for d in datasets} == {f"mel:{d.source_id}" for d in w.hosted("mel") if d.record}
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
        "cl_maintenanceAndUpdateFrequency": ["monthly"], "revisionDateForResource": ["n/a", None],
        "resourceTemporalExtentDateRange": {"gte": "2019-01-01T00:00:00.000Z", "lte": None},
        "resourceTemporalDateRange": [{"gte": "2017-05-04T00:00:00.000Z", "lte": "2017-05-04T00:00:00.000Z"}],
        "geom": [{"type": "Point", "coordinates": [3.06, 50.63]}], "changeDate": ["2024-02-03T10:00:00Z"],
        "resourceIdentifier": [{"code": "1"}, {"code": "fr-120066022-jdd-99fb7b58"}], "isHarvested": True,
        "th_otherKeywords-theme": "not a list", "th_regions": [{"default": "Hauts-de-France"}]}}
    d = geonetwork.dataset_from_hit(hit, portal="p", base=BASE)
    assert (d.source_id, d.title, d.description, d.keywords) == ("abc-123", "Titre brut", None, ["vélo"])
    assert d.publisher.raw == "Ville de Loos" and d.contact_email is None
    assert (d.licence, d.frequency, d.modified) == ("Licence Ouverte", "monthly", None)
    assert (d.temporal_start, d.temporal_end) == ("2019-01-01", None)  # open-ended
    assert d.resource_type is None  # no resourceType: the search would not have found it
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


def test_a_geonetwork_without_ogc_api_is_complete(world):
    """The OGC API is optional beside a catalogue: none there (404) is no error."""
    with SimTerritory(_only(world, "mel")) as territory:
        datasets, events = run_source("geonetwork", territory.source_url("mel"), name="mel",
                                      options={"ogcapi_path": "/absent"})
    assert {d.source_id for d in datasets} == {d.source_id for d in world.hosted("mel") if d.record}
    assert [e for e in events if e.level != "info"] == []
    assert [e.code for e in events] == ["ogcapi-absent"]


def test_a_failing_ogc_api_makes_the_listing_incomplete(world):
    """An OGC API that is there but fails (503 after retries) leaves the records, reported as an
    incomplete listing: the platform is read in part."""
    w = copy.deepcopy(_only(world, "mel"))
    w.portals["mel"].options["ogcapi_status"] = 503
    with SimTerritory(w) as territory:
        datasets, events = run_source("geonetwork", territory.source_url("mel"), name="mel")
    assert {d.source_id for d in datasets} == {d.source_id for d in w.hosted("mel") if d.record}
    assert [e.code for e in events if e.level == "error"] == ["server-error", "incomplete-listing"]


def test_the_ogc_api_can_be_left_out(world):
    with SimTerritory(_only(world, "mel")) as territory:
        datasets, events = run_source("geonetwork", territory.source_url("mel"), name="mel",
                                      options={"ogcapi": False})
    assert {d.source_id for d in datasets} == {d.source_id for d in world.hosted("mel") if d.record}
    assert events == []


def test_unreachable_portal_raises(world):
    w = copy.deepcopy(_only(world, "mel"))
    w.portals["mel"].broken = "down"
    with SimTerritory(w) as territory, pytest.raises(FetchError):
        run_source("geonetwork", territory.source_url("mel"), name="mel")
