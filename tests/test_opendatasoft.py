"""Opendatasoft: the source against real ODS samples and against the simulated portal
(Explore v2.1, v2.0 and v1), the simulator against the official OpenAPI spec."""
from __future__ import annotations

import copy
import dataclasses
import hashlib
import io
import json
import re
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import jsonschema
import pytest
import requests

from auditor.crawling.http import FetchError, HttpClient, HttpConfig, retry_wait
from auditor.normalize.frequency import normalize_frequency
from auditor.simulate import content, urls
from auditor.simulate.portals.opendatasoft import FREQUENCIES, LICENCES, licence_label
from auditor.simulate.server import SimTerritory
from auditor.simulate.world import Faults, SimDataset, SimFile, SimPortal, World

from .helpers import FAST_HTTP, PORTALS, run_source

ODS = PORTALS / "ods"
APIS = ("v2.1", "v2.0", "v1")


def only(world: World, *names: str) -> World:
    """``world`` served with only the portals ``names`` (faster, and independent of the others)."""
    return dataclasses.replace(world, portals={n: world.portals[n] for n in names})


@pytest.fixture(scope="module")
def roubaix(world):
    with SimTerritory(only(world, "roubaix")) as territory:
        yield territory


def crawl(url, **kw):
    return run_source("opendatasoft", url, name=kw.pop("name", "roubaix"), owner="59512", **kw)


# -- real samples ----------------------------------------------------------------------------
class Samples:
    """A local server answering fixed bodies by path and, optionally, by offset."""

    def __init__(self):
        self.bodies: dict[tuple[str, str | None], tuple[int, bytes]] = {}
        self.hits: list[str] = []  # paths asked, in order
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_GET(self):
                split = urlsplit(self.path)
                outer.hits.append(split.path)
                q = parse_qs(split.query)
                offset = (q.get("offset") or q.get("start") or [None])[0]
                status, body = outer.bodies.get((split.path, offset)) or outer.bodies.get(
                    (split.path, None), (404, b'{"error_code": "NotFound", "message": "x"}'))
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def serve(self, path: str, body, status: int = 200, offset: str | None = None) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.bodies[(path, offset)] = (status, data)

    def offer(self, ident: str, *formats: str, api: str = "v2.1") -> None:
        """Serve dataset ``ident``'s list of exports (``listDatasetExportFormats``) in the shape the
        OpenAPI document gives it: links whose ``rel`` is the format, ``_links`` in v2.1, ``links`` in
        v2.0 (as ckanext-harvest-basket reads it from real portals)."""
        prefix = "/api/explore/v2.1" if api == "v2.1" else "/api/v2"
        path = f"{prefix}/catalog/datasets/{ident}/exports"
        links = [{"rel": f, "href": f"{self.base}{path}/{f}"} for f in formats]
        self.serve(path, {"_links" if api == "v2.1" else "links": links})


@pytest.fixture()
def samples():
    s = Samples()
    yield s
    s.server.shutdown()
    s.server.server_close()


def load(name: str):
    return json.loads((ODS / name).read_text(encoding="utf-8"))


# every format of the Explore v2.1 dataset export enum (components/schemas/enum-format-datasets-v2.1)
ALL_FORMATS = ("csv", "fgb", "geojson", "gpx", "json", "jsonl", "jsonld", "kml", "n3", "ov2", "parquet", "rdfxml",
               "shp", "turtle", "xlsx")


def test_real_v21_catalog_sample(samples):
    """The official v2.1 catalog example, field by field; each dataset's exports are the ones its list
    offers (a geographic dataset with GeoJSON but no shapefile gets no shapefile)."""
    body = load("v2.1-openapi-examples/GET_catalog_datasets.json")
    wab_id, geo_id = "world-administrative-boundaries-countries-and-territories", "geonames-all-cities-with-a-population-1000"
    samples.serve("/api/explore/v2.1/catalog/datasets", body)
    samples.offer(wab_id, *ALL_FORMATS)
    samples.offer(geo_id, "csv", "json", "jsonl", "xlsx", "geojson", "kml")  # no shapefile
    datasets, events = crawl(samples.base, name="ods")
    assert not [e for e in events if e.level != "info"]
    by_id = {d.source_id: d for d in datasets}
    assert set(by_id) == {wab_id, geo_id}
    wab = by_id[wab_id]
    assert wab.title == "World Administrative Boundaries - Countries and Territories"
    assert wab.description.startswith("<p>This dataset displays level 0 world administrative boundaries.")
    assert wab.licence == "Open Government Licence v3.0"
    assert wab.licence_url == "http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
    assert wab.publisher.raw == "World Food Programme (UN agency)"
    assert wab.keywords == ["United Nation", "ISO-3 code", "Countries", "Territories", "Shape", "Boundaries"]
    assert wab.themes == ["Administration, Government, Public finances, Citizenship"]
    assert wab.modified == "2021-06-23T14:59:57+00:00"  # metas.default.modified, not data_processed
    assert wab.metadata_modified == "2021-06-23T15:00:02.656000+00:00"
    assert wab.language == "en"
    # no DCAT template: no issue date, frequency, coverage or contact (default.territory "World" is not
    # the DCAT spatial coverage)
    assert (wab.issued, wab.frequency, wab.frequency_raw, wab.spatial, wab.spatial_granularity) == (None,) * 5
    assert (wab.temporal_start, wab.temporal_end, wab.contact_name, wab.contact_email) == (None,) * 4
    assert wab.harvest == {"backend": "opendatasoft-federation"}  # "federated": true, no source named
    assert wab.landing_page == f"{samples.base}/explore/dataset/{wab.source_id}/"
    assert wab.identity_keys == [wab.landing_page]
    exports = f"{samples.base}/api/explore/v2.1/catalog/datasets/{wab.source_id}/exports/"
    assert [d.url for d in wab.distributions] == [exports + "csv?use_labels=true", exports + "json",
                                                  exports + "geojson", exports + "shp"]
    assert [(d.format, d.media_type, d.source_id) for d in wab.distributions] == [
        ("csv", "text/csv", "csv"), ("json", "application/json", "json"),
        ("geojson", "application/geo+json", "geojson"), ("shp", "application/x-shapefile", "shp")]
    assert {(d.generated_by, d.kind, d.modified) for d in wab.distributions} == {
        ("opendatasoft", "file", "2019-05-15T07:49:01+00:00")}  # default.data_processed
    assert [d.title for d in wab.distributions] == [f"{wab_id}.{f}" for f in ("csv", "json", "geojson", "shp")]
    geonames = by_id[geo_id]
    assert geonames.licence is None and geonames.publisher.raw is None and geonames.description is None
    assert geonames.keywords == [] and geonames.themes == [] and geonames.harvest is None  # "federated": false
    assert geonames.modified == "2021-06-23T14:37:45+00:00"
    # "features": ["geo", …] and a geo_point_2d field, but its list offers no shapefile: none is invented
    assert [(d.format, d.url.rsplit("/", 1)[1]) for d in geonames.distributions] == [
        ("csv", "csv?use_labels=true"), ("json", "json"), ("geojson", "geojson"), ("zip", "cities1000_zip")]
    att = geonames.distributions[-1]
    assert att.url == f"{samples.base}/api/v2/catalog/datasets/{geonames.source_id}/attachments/cities1000_zip"
    assert (att.title, att.format, att.media_type, att.format_raw) == (
        "cities1000.zip", "zip", "application/zip", "application/zip")
    assert att.generated_by is None and att.source_id == "cities1000_zip"  # a file its producer uploaded
    assert wab.raw == body["results"][0]


def test_real_v21_dataset_sample(samples):
    obj = load("v2.1-openapi-examples/GET_catalog_datasets_ID.json")
    samples.serve("/api/v2/catalog/datasets", {"total_count": 1, "links": [], "datasets": [{"links": [], "dataset": obj}]})
    samples.offer(obj["dataset_id"], "csv", "json", "geojson", "shp", api="v2.0")  # v2.0: the list under "links"
    [d], events = crawl(samples.base, name="ods", options={"api": "v2.0"})
    assert not events
    assert (d.source_id, d.title) == ("geonames-all-cities-with-a-population-1000",
                                      "Geonames - All Cities with a population > 1000")
    assert (d.licence, d.licence_url) == ("CC BY 4.0", "https://creativecommons.org/licenses/by/4.0/")
    assert d.publisher.raw == "GeoNames" and d.keywords == ["Geonames", "city", "world"]
    assert d.description.startswith("<p>All cities with a population &gt; 1000")  # HTML kept as given
    assert d.modified == "2021-06-23T07:50:20+00:00" and d.metadata_modified == "2021-06-23T07:50:26.162000+00:00"
    assert d.language == "en" and d.harvest == {"backend": "opendatasoft-federation"}
    # the v2.0 list names the formats; the URLs are Explore v2.1's, as ODS's own DCAT export gives them
    base = f"{samples.base}/api/explore/v2.1/catalog/datasets/{d.source_id}/exports/"
    assert [x.url for x in d.distributions] == [base + "csv?use_labels=true", base + "json", base + "geojson",
                                                base + "shp"]
    assert {x.modified for x in d.distributions} == {"2021-06-22T08:47:08+00:00"}
    assert d.raw == obj


def test_export_urls_are_those_of_the_portals_own_dcat_export(samples):
    """ODS's DCAT export of data.capatlantique.fr (a real capture, asked with include_exports=json,csv,shp,
    geojson) links a dataset without geometry to its CSV export with labels and its JSON export, nothing
    else: a dataset offering those two gets exactly these URLs on its own portal."""
    import xml.etree.ElementTree as ET

    rdf = ET.parse(ODS / "v2.1" / "catalog_exports_dcat.data.capatlantique.fr.rdf.xml")
    ns = {"dcat": "http://www.w3.org/ns/dcat#", "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#"}
    real = [e.get(f"{{{ns['rdf']}}}resource") for e in rdf.iterfind(".//dcat:Distribution/dcat:downloadURL", ns)]
    ident = "264400516_arretes_ccas_guerande"
    assert real == [f"https://data.capatlantique.fr/api/explore/v2.1/catalog/datasets/{ident}/exports/csv?use_labels=true",
                    f"https://data.capatlantique.fr/api/explore/v2.1/catalog/datasets/{ident}/exports/json"]
    samples.serve("/api/explore/v2.1/catalog/datasets", {"total_count": 1, "results": [
        {"dataset_id": ident, "has_records": True, "features": ["analyze"], "fields": [],
         "metas": {"default": {"title": "Arrêtés du CCAS de Guérande", "publisher": "CCAS Guérande"}}}]})
    samples.offer(ident, "csv", "json", "jsonl", "xlsx")
    [d], events = crawl(samples.base, name="ods")
    assert not events
    assert [x.url for x in d.distributions] == [u.replace("https://data.capatlantique.fr", samples.base) for u in real]


def test_each_field_is_read_from_its_documented_place_only(samples):
    """The official v2.1 dataset example with the DCAT and INSPIRE templates filled in (as ODS documents
    them): each field comes from its documented place; when that place is empty, the look-alike field
    (DCAT creator for the publisher, created for issued, territory for the spatial coverage, the INSPIRE
    contact, metadata_languages, data_processed for modified) is never read in its stead."""
    full = load("v2.1-openapi-examples/GET_catalog_datasets_ID.json")
    full["dataset_id"] = "complet"
    full["metas"]["default"].update({"source_domain": "public", "source_domain_address": "public.opendatasoft.com",
                                     "source_dataset": "geonames-all-cities-with-a-population-1000"})
    full["metas"]["dcat"] = {"created": "2019-01-01", "issued": "2020-02-03", "creator": "Service SIG",
                             "contributor": "Direction du numérique", "contact_name": "Open data",
                             "contact_email": "opendata@exemple.fr", "accrualperiodicity": "Mensuelle",
                             "spatial": "Roubaix", "temporal": "2020-01-01/2020-12-31", "granularity": "Commune"}
    full["metas"]["inspire"] = {"contact_individual_name": "ACME", "contact_email": "tnt@acme.com",
                                "file_identifier": "{73E--sfA386709}"}
    empty = copy.deepcopy(full)
    empty["dataset_id"] = "lacunaire"
    empty["metas"]["default"].update({"publisher": None, "modified": None, "language": None, "federated": False})
    empty["metas"]["dcat"].update({"issued": None, "spatial": None, "contact_name": None, "contact_email": None})
    samples.serve("/api/explore/v2.1/catalog/datasets", {"total_count": 2, "results": [full, empty]})
    samples.offer("complet", "csv")
    samples.offer("lacunaire", "csv")
    datasets, events = crawl(samples.base, name="ods")
    assert not events
    d, e = sorted(datasets, key=lambda x: x.source_id)
    assert (d.source_id, e.source_id) == ("complet", "lacunaire")
    assert d.publisher.raw == "GeoNames" and d.issued == "2020-02-03" and d.spatial == "Roubaix"
    assert (d.contact_name, d.contact_email) == ("Open data", "opendata@exemple.fr")
    assert (d.frequency, d.frequency_raw, d.spatial_granularity) == ("monthly", "Mensuelle", "Commune")
    assert (d.temporal_start, d.temporal_end) == ("2020-01-01", "2020-12-31")
    assert d.modified == "2021-06-23T07:50:20+00:00" and d.language == "en"
    assert d.identity_keys == [d.landing_page, "{73E--sfA386709}"]
    assert d.harvest == {"backend": "opendatasoft-federation", "domain": "public",
                         "domain_address": "public.opendatasoft.com",
                         "remote_id": "geonames-all-cities-with-a-population-1000",
                         "remote_url": "https://public.opendatasoft.com/explore/dataset/"
                                       "geonames-all-cities-with-a-population-1000/"}
    assert (e.publisher.raw, e.issued, e.spatial, e.contact_name, e.contact_email) == (None,) * 5
    assert (e.modified, e.language, e.harvest) == (None, None, None)
    assert e.distributions[0].modified == "2021-06-22T08:47:08+00:00"  # the export's own date is data_processed


V1_SEARCH = {
    "v1/api_datasets_1.0_search.udata-ods-fixture.json": {"test-a", "test-b", "test-c", "test-shp-limit"},
    "v1/api_datasets_1.0_search.udata-harvest-fixture.json": {"test-a", "test-b", "test-c", "test-d"},
    "v1/api_datasets_1.0_search.no-data.udata-ods-fixture.json": {"test-attachments", "test-empty"},
}
V1_SINGLE = {
    "v1/api_datasets_1.0_ID.attachments-alternative_exports.udata-ods-fixture.json": "with-attachments",
    "v1/api_datasets_1.0_ID.interop_metas-inspire.udata-ods-fixture.json": "inspire",
    "v1/api_datasets_1.0_ID.test-b.udata-ods-fixture.json": "test-b",
    "v1/api_datasets_1.0_ID.test-c.udata-ods-fixture.json": "test-c",
    "v1/api_datasets_1.0_ID.test-shp-limit.udata-ods-fixture.json": "test-shp-limit",
    "v1/api_datasets_1.0_ID.udata-ods-fixture.json": "test-a",
    "v1/api_datasets_1.0_search.empty.udata-ods-fixture.json": "empty",
}


@pytest.mark.parametrize("name", sorted(V1_SEARCH) + sorted(V1_SINGLE))
def test_every_real_v1_sample_parses(samples, name):
    body = load(name)
    if name in V1_SINGLE:  # a lookup answer: served as the one hit of a search
        body = {"nhits": 1, "parameters": {"rows": 100, "format": "json"}, "datasets": [body]}
    samples.serve("/api/datasets/1.0/search/", body)
    for o in body["datasets"]:
        samples.offer(o["datasetid"], "csv", "json")
    datasets, events = crawl(samples.base, name="ods", options={"api": "v1"})
    assert not [e for e in events if e.level != "info"]
    expected = V1_SEARCH.get(name) or {V1_SINGLE[name]}
    assert {d.source_id for d in datasets} == expected
    for d in datasets:
        obj = body["datasets"][[o["datasetid"] for o in body["datasets"]].index(d.source_id)]
        assert d.title == obj["metas"]["title"]
        assert d.portal_kind == "opendatasoft" and d.landing_page.endswith(f"/explore/dataset/{d.source_id}/")
        # v1 lists no exports: the v2.1 list is asked, only for a dataset with records
        asked = f"/api/explore/v2.1/catalog/datasets/{d.source_id}/exports" in samples.hits
        assert asked == obj["has_records"]
        assert [x.format for x in d.distributions if x.generated_by] == (["csv", "json"] if obj["has_records"] else [])


def test_real_v1_values(samples):
    samples.serve("/api/datasets/1.0/search/", load("v1/api_datasets_1.0_search.udata-ods-fixture.json"))
    samples.offer("test-a", "csv", "json", "jsonl", "xlsx")
    samples.offer("test-b", "csv", "json", "geojson", "kml", "shp")
    samples.offer("test-shp-limit", "csv", "json", "geojson", "kml")  # 50 001 records: the portal offers no shapefile
    datasets, events = crawl(samples.base, name="ods", options={"api": "v1"})
    assert not events
    by_id = {d.source_id: d for d in datasets}
    a, b, c, shp = by_id["test-a"], by_id["test-b"], by_id["test-c"], by_id["test-shp-limit"]
    assert (a.licence, a.publisher.raw, a.description) == ("Licence Ouverte (Etalab)", "test", "<p>test-a-description</p>")
    assert a.keywords == ["keyword1", "keyword2"] and a.themes == ["Culture, Heritage", "Environment"]
    assert a.modified == "2015-04-09T10:28:45+00:00" and a.metadata_modified == "2015-08-03T12:55:00+00:00"
    assert a.language == "en" and a.issued is None and a.harvest is None
    assert [(x.format, x.modified) for x in a.distributions] == [("csv", "2015-06-01T05:30:01+00:00"),
                                                                 ("json", "2015-06-01T05:30:01+00:00")]
    # v1 gives a lone keyword or theme as a plain string, commas included
    assert b.keywords == ["keyword1"]
    assert b.themes == ["Spatial planning, Town planning, Buildings, Equipment, Housing"]
    assert b.licence is None and b.publisher.raw is None
    base = samples.base
    assert [x.url for x in b.distributions] == [
        f"{base}/api/explore/v2.1/catalog/datasets/test-b/exports/{f}" for f in ("csv?use_labels=true", "json",
                                                                                  "geojson", "shp")] + [
        f"{base}/api/v2/catalog/datasets/test-b/attachments/documentation_pdf",
        f"{base}/api/v2/catalog/datasets/test-b/attachments/extra_xls",
        f"{base}/api/datasets/1.0/test-b/alternative_exports/gtfs_zip"]
    assert b.distributions[0].modified is None  # no data_processed: no date (never default.modified instead)
    assert [(x.format, x.media_type, x.title) for x in b.distributions[4:]] == [
        ("pdf", "application/pdf", "Documentation"), ("xls", "application/xls", "Extra file"),
        ("zip", "application/zip", "gtfs.zip")]
    assert {x.generated_by for x in b.distributions[4:]} == {None}  # uploaded by the producer
    assert b.distributions[-1].description == "GTFS 15/01"
    assert c.distributions == []  # no records, nothing attached
    assert "/api/explore/v2.1/catalog/datasets/test-c/exports" not in samples.hits  # nothing to export: not asked
    assert [x.format for x in shp.distributions] == ["csv", "json", "geojson"]  # the list offers no shapefile


def test_real_v1_inspire_template(samples):
    """``interop_metas.inspire`` gives the ISO file identifier; its contact is INSPIRE's, not the DCAT
    contact point the record's contact is read from: it is not used in its stead."""
    samples.serve("/api/datasets/1.0/search/", load("v1/api_datasets_1.0_search.udata-harvest-fixture.json"))
    for ident in ("test-a", "test-b", "test-d"):
        samples.offer(ident, "csv", "json")
    datasets, events = crawl(samples.base, name="ods", options={"api": "v1"})
    assert not events
    d = {d.source_id: d for d in datasets}["test-d"]
    assert (d.contact_name, d.contact_email) == (None, None)
    assert d.identity_keys == [d.landing_page, "{73E--sfA386709}"]
    assert d.raw["interop_metas"]["inspire"]["contact_email"] == "tnt@acme.com"  # kept in raw


# -- odd records and failing pages -------------------------------------------------------------
def test_odd_records_do_not_crash(samples):
    odd = [
        {"dataset_id": "metas-null", "metas": None},
        {"dataset_id": "default-null", "metas": {"default": None, "dcat": "x"}, "fields": {"a": 1}},
        {"dataset_id": "odd-types", "has_records": "yes", "features": "geo",
         "attachments": [None, {"id": 3}, {"title": "no id"}], "fields": [None, {"type": "geo_shape"}],
         "metas": {"default": {"title": ["Titre", "bis"], "keyword": "un mot", "theme": 12, "publisher": "",
                               "license": {"x": 1}, "modified": "pas une date", "records_count": "many"},
                   "dcat": {"creator": ["Ville de Roubaix"], "accrualperiodicity": "Mensuelle",
                            "temporal": "du 2020-01-01 au 2020-12-31"}}},
        {"metas": {"default": {"title": "sans identifiant"}}},
        "pas un objet",
    ]
    samples.serve("/api/explore/v2.1/catalog/datasets", {"total_count": 5, "results": odd})
    samples.offer("metas-null")
    samples.serve("/api/explore/v2.1/catalog/datasets/default-null/exports", {"_links": [None, {"rel": 3}, {}]})
    samples.offer("odd-types", "csv", "json", "geojson", "shp")
    datasets, events = crawl(samples.base, name="ods")
    by_id = {d.source_id: d for d in datasets}
    assert set(by_id) == {"metas-null", "default-null", "odd-types"}
    assert [e.code for e in events] == ["invalid-record", "invalid-record"]
    o = by_id["odd-types"]
    assert o.title == "Titre" and o.keywords == ["un mot"] and o.themes == ["12"] and o.licence is None
    assert o.publisher.raw is None  # an empty publisher; the DCAT creator is another agent, not read in its stead
    assert o.modified is None and o.frequency == "monthly"
    assert (o.temporal_start, o.temporal_end) == ("2020-01-01", "2020-12-31")
    assert [x.format for x in o.distributions] == ["csv", "json", "geojson", "shp", None]
    assert o.distributions[-1].url.endswith("/odd-types/attachments/3")  # junk attachments skipped
    assert by_id["metas-null"].title is None and by_id["default-null"].distributions == []


def test_a_failing_page_is_reported_and_the_others_kept(samples):
    path = "/api/explore/v2.1/catalog/datasets"
    page = lambda start, n: [{"dataset_id": f"d{i:04d}", "has_records": False,  # noqa: E731
                              "metas": {"default": {"title": f"t{i}"}}} for i in range(start, start + n)]
    samples.serve(path, {"total_count": 250, "results": page(0, 100)}, offset="0")
    samples.serve(path, b"<html>oops</html>", status=404, offset="100")
    samples.serve(path, {"total_count": 250, "results": page(200, 50)}, offset="200")
    datasets, events = crawl(samples.base, name="ods")
    assert len(datasets) == 150
    assert [(e.code, e.level) for e in events if e.code == "incomplete-listing"] == [("incomplete-listing", "error")]


def test_unreachable_portal_raises(samples):
    samples.serve("/api/explore/v2.1/catalog/datasets", b"{}", status=401)
    with pytest.raises(FetchError):
        crawl(samples.base, name="ods")


# -- the simulated Roubaix portal --------------------------------------------------------------
@pytest.mark.parametrize("api", APIS)
def test_crawl_roubaix(world, roubaix, api):
    base = roubaix.source_url("roubaix")
    portal = world.portals["roubaix"]
    datasets, events = crawl(base, options={"api": api})
    hosted = {d.source_id: d for d in world.hosted("roubaix")}
    assert {d.uid for d in datasets} == {f"roubaix:{sid}" for sid in hosted}
    assert len(datasets) == len(hosted) and not events
    for got in datasets:
        d = hosted[got.source_id]
        assert got.title == d.title
        assert got.description == f"<p>{d.description}</p>"
        assert got.publisher.raw == d.publisher
        assert (got.licence, got.licence_url) == licence_label(d.licence)
        assert got.frequency == d.frequency and got.frequency_raw == FREQUENCIES[d.frequency]
        assert got.keywords == d.keywords and got.themes == d.themes
        assert got.issued == d.issued and got.modified[:10] == d.modified
        assert got.metadata_modified == d.metadata_modified
        assert (got.temporal_start, got.temporal_end) == (d.temporal_start, d.temporal_end)
        assert got.spatial == "Roubaix" and got.contact_email == d.contact_email
        assert got.landing_page == urls.landing_url(portal, base, d) == got.identity_keys[0]
        assert sorted(x.url for x in got.distributions) == sorted(urls.file_url(portal, base, d, f) for f in d.files)
        by_url = {x.url: x for x in got.distributions}
        for f in d.files:
            dist = by_url[urls.file_url(portal, base, d, f)]
            assert dist.format == f.format and dist.title == f.title


def test_where_and_refine_options(world, roubaix):
    base = roubaix.source_url("roubaix")
    expected = {d.source_id for d in world.hosted("roubaix") if d.publisher == "Ville de Roubaix"}
    assert 0 < len(expected) < len(world.hosted("roubaix"))
    for api in APIS:
        for options in ({"where": 'publisher="Ville de Roubaix"'}, {"refine": ["publisher:Ville de Roubaix"]}):
            datasets, events = crawl(base, options={"api": api, **options})
            assert {d.source_id for d in datasets} == expected, (api, options)
    datasets, _ = crawl(base, options={"where": "publisher IS NULL"})
    assert {d.publisher.raw for d in datasets} == {None} and len(datasets) == len(world.hosted("roubaix")) - len(expected)


def test_second_crawl_is_served_by_304s(roubaix, tmp_path):
    base = roubaix.source_url("roubaix")
    first, _ = crawl(base, cache_dir=str(tmp_path))
    client = HttpClient(HttpConfig(cache_dir=str(tmp_path), **FAST_HTTP))
    second, _ = crawl(base, http=client)
    assert [d.to_dict() for d in second] == [d.to_dict() for d in first]
    assert client.stats.requests >= 1
    assert client.stats.not_modified == client.stats.requests == client.stats.conditional


def test_faults_still_give_the_complete_set(world):
    w = copy.deepcopy(only(world, "roubaix"))
    w.portals["roubaix"].faults = Faults(rate=0.5, seed=3, kinds=("500", "502", "429", "garbage", "truncated",
                                                                   "html", "reset"))
    expected = {f"roubaix:{d.source_id}" for d in w.hosted("roubaix")}
    with SimTerritory(w) as territory:
        base = territory.source_url("roubaix")
        files = {f"roubaix:{d.source_id}": sorted(urls.file_url(w.portals["roubaix"], base, d, f) for f in d.files)
                 for d in w.hosted("roubaix")}
        retries = []
        for api in APIS:
            # one request per dataset for its exports besides the listing: a patient client gets them all
            patient = HttpClient(HttpConfig(**{**FAST_HTTP, "retries": 12}))
            datasets, events = crawl(base, options={"api": api}, http=patient)
            assert {d.uid for d in datasets} == expected
            assert {d.uid: sorted(x.url for x in d.distributions) for d in datasets} == files
            assert not [e for e in events if e.level != "info"]
            retries += events
        assert territory.log.entries  # faults were played ...
        assert len(retries) == len(territory.log.entries)  # ... and each one recorded as a retry
        assert {e.detail["attempt"] for e in retries} >= {1}


# -- more than 10 000 datasets -----------------------------------------------------------------
def big_world(n: int, faults: Faults | None = None) -> World:
    """``n`` small datasets on one simulated ODS portal, in no particular id order."""
    datasets = []
    for i in range(n):
        key = "jdd-" + hashlib.sha1(str(i).encode()).hexdigest()[:10]
        files = [SimFile("csv-1", f"{key}.csv", "csv", "text/csv"), SimFile("json-2", f"{key}.json", "json",
                                                                              "application/json")] if i % 50 == 0 else []
        datasets.append(SimDataset(key=key, owner="59512", portal="grand", source_id=key, kind="misc",
                                   title=f"Jeu {i}", description=None, publisher="Ville de Roubaix" if i % 3 else None,
                                   rows=2, files=files))
    portal = SimPortal("grand", "opendatasoft", "grand portail", faults=faults or Faults())
    return World(seed=0, portals={"grand": portal}, datasets=datasets)


@pytest.mark.parametrize("api", ["v2.1", "v1"])
def test_more_than_ten_thousand_datasets(api):
    w = big_world(10250)
    with SimTerritory(w) as territory:
        base = territory.source_url("grand")
        r = requests.get(f"{base}/api/explore/v2.1/catalog/datasets", params={"offset": 9950, "limit": 100})
        assert r.status_code == 400 and r.json()["error_code"] == "InvalidRESTParameterError"
        patient = HttpClient(HttpConfig(**{**FAST_HTTP, "timeout": 20.0, "total_timeout": 60.0}))
        datasets, events = crawl(base, name="grand", options={"api": api}, http=patient)
        assert not events
        assert len(datasets) == 10250
        assert {d.source_id for d in datasets} == {d.source_id for d in w.datasets}
        with_files = [d for d in datasets if d.distributions]
        assert len(with_files) == 205 and all(len(d.distributions) == 2 for d in with_files)
        # the user's filter holds past the first window too
        datasets, events = crawl(base, name="grand", options={"api": api, "where": 'publisher="Ville de Roubaix"'},
                                 http=patient)
        assert not events and len(datasets) == sum(1 for d in w.datasets if d.publisher)


def test_parallel_pages_under_faults():
    w = big_world(1200, Faults(rate=0.3, seed=11, kinds=("500", "429", "garbage", "truncated", "reset")))
    # faults are drawn per request and pages are asked in parallel, so which request fails varies between runs:
    # enough retries that a page failing every time (0.3 ** 11) does not happen, and time for a loaded machine
    patient = HttpClient(HttpConfig(**{**FAST_HTTP, "retries": 10, "timeout": 20.0, "total_timeout": 120.0}))
    with SimTerritory(w) as territory:
        datasets, events = crawl(territory.source_url("grand"), name="grand", http=patient)
        assert not [e for e in events if e.level != "info"], [vars(e) for e in events if e.level != "info"]
        assert len({d.source_id for d in datasets}) == len(datasets) == 1200
        assert len(events) == len(territory.log.entries) > 0


# -- the simulator on its own --------------------------------------------------------------------
def openapi_schema(name: str) -> dict:
    """Schema ``name`` of the official Explore v2.1 OpenAPI, ``$ref`` inlined and OpenAPI's
    ``nullable`` turned into JSON Schema."""
    spec = json.loads((ODS / "openapi-explore-v2.1.json").read_text(encoding="utf-8"))

    def resolve(node):
        if isinstance(node, dict):
            if "$ref" in node:
                parts = node["$ref"].lstrip("#/").split("/")
                target = spec
                for p in parts:
                    target = target[p]
                return resolve(target)
            out = {k: resolve(v) for k, v in node.items() if k != "nullable"}
            if node.get("nullable") and "type" in out:
                out["type"] = [out["type"], "null"]
            return out
        if isinstance(node, list):
            return [resolve(v) for v in node]
        return node

    return resolve(spec["components"]["schemas"][name] if name in spec["components"]["schemas"]
                   else spec["components"]["responses"][name]["content"]["application/json; charset=utf-8"]["schema"])


def test_simulator_answers_follow_the_openapi_spec(world, roubaix):
    base = roubaix.source_url("roubaix") + "/api/explore/v2.1"
    catalog = requests.get(f"{base}/catalog/datasets", params={"limit": 100}).json()
    jsonschema.validate(catalog, openapi_schema("results_dataset-v2.1"))
    # the official example validates too: the conversion of the spec is sound
    jsonschema.validate(load("v2.1-openapi-examples/GET_catalog_datasets.json"), openapi_schema("results_dataset-v2.1"))
    sid = catalog["results"][0]["dataset_id"]
    jsonschema.validate(requests.get(f"{base}/catalog/datasets/{sid}").json(), openapi_schema("dataset-v2.1"))
    jsonschema.validate(requests.get(f"{base}/catalog/datasets/{sid}/records").json(), openapi_schema("results-v2.1"))
    bad = requests.get(f"{base}/catalog/datasets", params={"limit": 1473})
    assert bad.status_code == 400
    jsonschema.validate(bad.json(), openapi_schema("bad_request"))
    facets = requests.get(f"{base}/catalog/facets", params={"facet": "publisher"}).json()
    for group in facets["facets"]:
        jsonschema.validate(group, openapi_schema("facet_enumeration"))
    key_sets = {frozenset(o["metas"]["default"]) for o in catalog["results"]}
    assert key_sets == {frozenset(load("v2.1-openapi-examples/GET_catalog_datasets_ID.json")["metas"]["default"])}


def test_simulator_errors_and_quota(world):
    w = copy.deepcopy(only(world, "roubaix"))
    w.portals["roubaix"].options["call_limit"] = 4
    with SimTerritory(w) as territory:
        base = territory.source_url("roubaix") + "/api/explore/v2.1"
        r = requests.get(f"{base}/catalog/datasets", params={"limit": 1473})
        assert r.json() == {"error_code": "InvalidRESTParameterError", "message": "Invalid value for limit API "
                            "parameter: 1473 was found but -1 <= limit <= 100 is expected."}
        assert r.headers["X-RateLimit-Limit"] == "4" and r.headers["X-RateLimit-Remaining"] == "3"
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2} 00:00:00\+00:00", r.headers["X-RateLimit-Reset"])
        r = requests.get(f"{base}/catalog/datasets", params={"offset": 9901, "limit": 100})
        assert r.status_code == 400 and r.json()["error_code"] == "InvalidRESTParameterError"
        r = requests.get(f"{base}/catalog/datasets/inconnu")
        assert r.status_code == 404 and r.json() == {"error_code": "NotFound", "message": "Unknown dataset: inconnu"}
        assert requests.get(f"{base}/catalog/datasets").status_code == 200
        r = requests.get(f"{base}/catalog/datasets")
        assert r.status_code == 429 and r.headers["X-RateLimit-Remaining"] == "0"
        body = r.json()
        assert set(body) == {"errorcode", "reset_time", "limit_time_unit", "call_limit", "error"}
        assert (body["errorcode"], body["limit_time_unit"], body["call_limit"]) == (10002, "day", 4)
        assert body["error"] == "Too many requests on the domain. Please contact the domain administrator."
        jsonschema.validate(body, openapi_schema("quota"))
    assert retry_wait({"x-ratelimit-reset": "2099-01-01 00:00:00+00:00", "x-ratelimit-remaining": "4993"}) is None
    assert retry_wait({"x-ratelimit-reset": "2099-01-01 00:00:00+00:00", "x-ratelimit-remaining": "0"}) > 3600


def test_simulator_files(world):
    w = copy.deepcopy(only(world, "roubaix"))
    geo = next(d for d in w.hosted("roubaix") if any(f.format == "shp" for f in d.files))
    budget = next(d for d in w.hosted("roubaix") if any(f.format == "pdf" for f in d.files))
    next(f for f in geo.files if f.format == "json").status = 404
    portal = w.portals["roubaix"]
    with SimTerritory(w) as territory:
        base = territory.source_url("roubaix")
        get = lambda d, fmt: requests.get(urls.file_url(portal, base, d, next(f for f in d.files if f.format == fmt)))  # noqa: E731
        r = get(geo, "csv")  # the export as listed: …/exports/csv?use_labels=true
        assert r.status_code == 200 and r.content.startswith(b"\xef\xbb\xbf")
        header = r.content[3:].decode().splitlines()[0].split(";")
        columns = list(content.rows(geo)[0])
        assert header == columns + ["Geo Point"]  # the labels: the producer's columns, and ODS's point
        assert len(r.content.decode("utf-8-sig").splitlines()) == geo.rows + 1
        names = requests.get(f"{base}/api/explore/v2.1/catalog/datasets/{geo.source_id}/exports/csv")
        assert names.content[3:].decode().splitlines()[0].split(";") == [c.lower() for c in columns] + ["geo_point_2d"]
        comma = requests.get(f"{base}/api/explore/v2.1/catalog/datasets/{geo.source_id}/exports/csv",
                             params={"use_labels": "true", "delimiter": ",", "with_bom": "false"})
        assert comma.content.decode().splitlines()[0] == ",".join(columns + ["Geo Point"])
        r = get(geo, "json")
        assert r.status_code == 404 and r.json()["error_code"] == "NotFound"
        r = get(geo, "geojson")
        assert r.json()["type"] == "FeatureCollection" and len(r.json()["features"]) == geo.rows
        assert zipfile.is_zipfile(io.BytesIO(get(geo, "shp").content))
        rows = requests.get(urls.file_url(portal, base, budget, next(f for f in budget.files if f.format == "json"))).json()
        assert rows == [{k.lower(): v for k, v in r.items()} for r in content.rows(budget)]  # keyed by field name
        pdf = next(f for f in budget.files if f.format == "pdf")
        r = get(budget, "pdf")
        assert r.status_code == pdf.status  # a planted broken link answers 404
        if pdf.status == 200:
            assert r.headers["Content-Type"] == "application/pdf" and r.content.startswith(b"%PDF")
        v20 = requests.get(f"{base}/api/v2/catalog/datasets/{geo.source_id}/exports/csv")
        assert not v20.content.startswith(b"\xef\xbb\xbf")  # v2.0 sends no BOM
        rec = requests.get(f"{base}/api/explore/v2.1/catalog/datasets/{geo.source_id}/records", params={"limit": 5}).json()
        assert rec["total_count"] == geo.rows and rec["results"][0]["geo_point_2d"].keys() == {"lat", "lon"}
        assert requests.get(f"{base}/api/explore/v2.1/catalog/datasets/{geo.source_id}/records",
                            params={"limit": 101}).status_code == 400
        v1 = requests.get(f"{base}/api/records/1.0/search/", params={"dataset": geo.source_id, "rows": 2}).json()
        real = load("v1/api_records_1.0_search.vlille-realtime.opendata.lillemetropole.fr-2021-01-07.repaired.json")
        assert set(v1) <= set(real) and set(v1["records"][0]) == set(real["records"][0])
        assert requests.get(f"{base}/explore/dataset/{geo.source_id}/").status_code == 200


def test_simulator_api_option_and_v1_shapes(world):
    w = copy.deepcopy(only(world, "roubaix"))
    w.portals["roubaix"].options["api"] = "v1"
    d = w.hosted("roubaix")[0]
    with SimTerritory(w) as territory:
        base = territory.source_url("roubaix")
        assert requests.get(f"{base}/api/explore/v2.1/catalog/datasets").status_code == 404
        assert requests.get(urls.file_url(w.portals["roubaix"], base, d, d.files[0])).status_code == 200
        search = requests.get(f"{base}/api/datasets/1.0/search/", params={"rows": 100, "facet": "publisher"}).json()
        assert search["nhits"] == len(w.hosted("roubaix"))
        assert search["facet_groups"][0]["facets"][0] == {
            "name": "Ville de Roubaix", "path": "Ville de Roubaix", "state": "displayed",
            "count": sum(1 for x in w.hosted("roubaix") if x.publisher == "Ville de Roubaix")}
        themes = {type(o["metas"]["theme"]) for o in search["datasets"]}
        assert themes == {str}  # one theme each: a plain string, as v1 gives it
        one = requests.get(f"{base}/api/datasets/1.0/{d.source_id}/").json()
        assert one["datasetid"] == d.source_id and "interop_metas" in one
        with pytest.raises(FetchError) as err:
            crawl(base, options={"api": "v2.1"})
        assert err.value.status == 404


def test_rendered_labels_map_back():
    for canonical, label in FREQUENCIES.items():
        assert normalize_frequency(label) == canonical, label
    assert {k: v[0] for k, v in LICENCES.items() if k in ("lov2", "odbl", "lo1")} == {
        "lov2": "Licence Ouverte v2.0 (Etalab)", "odbl": "Open Database License (ODbL)",
        "lo1": "Licence Ouverte (Etalab)"}
    assert licence_label(None) == (None, None)
