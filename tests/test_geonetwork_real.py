"""The MEL platform's real responses (../shared/data/portals/mel-data-lillemetropole/) replayed by a
local server on 127.0.0.1 and crawled by the GeoNetwork source: the captured Elasticsearch search
(one record, indexed as a ``featureCatalog`` of dataset level) and the OGC API collections.

Where a field the capture lacks must be exercised (a temporal extent beside citation dates, a
licence after an INSPIRE access constraint, layers of one service URL, a service record), the hit
is the real one with those fields added as GeoNetwork indexes them — values taken from the MEL's
record « Schéma cyclable 2035 - liaisons » as geonetwork-ui's fixture
``MEL_FEATURECATALOG_DATASET_RECORD`` shows it."""
from __future__ import annotations

import copy
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from auditor.simulate.portals.geonetwork import _match
from auditor.crawling.sources import geonetwork
from tests.helpers import PORTALS, run_source

MEL = PORTALS / "mel-data-lillemetropole"
SEARCH = "/geonetwork/srv/api/search/records/_search"
OWS = "https://data.lillemetropole.fr/geoserver/ows"
ACCESS = {"default": "Pas de restriction d'accès public", "langfre": "Pas de restriction d'accès public",
          "link": "http://inspire.ec.europa.eu/metadata-codelist/LimitationsOnPublicAccess/noLimitations"}


def _load(name: str):
    return json.loads((MEL / name).read_text(encoding="utf-8"))


def _lang(value: str) -> dict[str, str]:
    return {"default": value, "langfre": value}


class Replay:
    """Answers the captured search to every POST of the search path and fixed bodies to GETs."""

    def __init__(self, search: dict, gets: dict[str, tuple[int, object]]):
        self.bodies: list[dict] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def _send(self, status: int, obj: object) -> None:
                body = json.dumps(obj).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                outer.bodies.append(json.loads(self.rfile.read(length) or b"{}"))
                self._send(200, search) if self.path == SEARCH else self._send(404, {"message": "Not found"})

            def do_GET(self):
                status, obj = gets.get(self.path.split("?", 1)[0], (404, {"message": "Not found"}))
                self._send(status, obj)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def _search_of(*sources: dict) -> dict:
    """The captured search answer, with these ``_source`` documents as its hits."""
    out = _load("gn-es-search.n_tri_lill_inondable.json")
    model = out["hits"]["hits"][0]
    out["hits"]["hits"] = [dict(copy.deepcopy(model), _id=s["uuid"], _source=s) for s in sources]
    out["hits"]["total"] = {"value": len(sources), "relation": "eq"}
    return out


def _real_source() -> dict:
    return _load("gn-es-search.n_tri_lill_inondable.json")["hits"]["hits"][0]["_source"]


def _schema_cyclable() -> dict:
    """The real hit with the fields of « Schéma cyclable 2035 - liaisons » added as GeoNetwork indexes
    them: its citation dates (creation 2023-10-27, publication 2025-11-04) in ``*DateForResource`` and,
    each, in ``resourceTemporalDateRange``; its declared extent 2023-10-27 → 2035-12-31 in both temporal
    fields; the INSPIRE access constraint before the licence in ``licenseObject``; its layer on the
    GeoServer WMS and WFS (one URL) with two more layers, and the OGC API Features of GeoServer."""
    src = _real_source()
    src.update({
        "uuid": "1f7c8d9f-3363-4512-ad3a-064fb6b851bc", "metadataIdentifier": "1f7c8d9f-3363-4512-ad3a-064fb6b851bc",
        "resourceTitleObject": _lang("Schéma cyclable 2035 - liaisons - Plan de mobilité"),
        "creationDateForResource": ["2023-10-27T00:00:00.000Z"],
        "publicationDateForResource": ["2025-11-04T00:00:00.000Z"],
        "resourceTemporalDateRange": [{"gte": "2023-10-27T00:00:00.000Z", "lte": "2023-10-27T00:00:00.000Z"},
                                      {"gte": "2025-11-04T00:00:00.000Z", "lte": "2025-11-04T00:00:00.000Z"},
                                      {"gte": "2023-10-27T00:00:00.000Z", "lte": "2035-12-31T00:00:00.000Z"}],
        "resourceTemporalExtentDateRange": [{"gte": "2023-10-27T00:00:00.000Z", "lte": "2035-12-31T00:00:00.000Z"}],
        "licenseObject": [ACCESS, _lang("Licence Ouverte v2.0 (Etalab)")],
        "MD_LegalConstraintsOtherConstraintsObject": [ACCESS, _lang("Licence Ouverte v2.0 (Etalab)")],
        "cl_maintenanceAndUpdateFrequency": [_lang("Non planifiée") | {"key": "notPlanned"}],
    })
    layer = "mel_mobilite_et_transport:sc_schema_cyclable_pm35_2023"
    layers = [layer, f"{layer}_points_durs", f"{layer}_etiquettes"]
    src["link"] = [
        {"protocol": "OGC API Features", "urlObject": _lang(
            f"https://data.lillemetropole.fr/geoserver/ogc/features/v1/collections/{layer}/items"),
         "nameObject": _lang("Schéma cyclable 2035 - liaisons - Plan de mobilité"), "function": ""},
        *({"protocol": protocol, "urlObject": _lang(OWS), "nameObject": _lang(name), "function": "",
           "descriptionObject": _lang("Schéma cyclable 2035 - liaisons - Plan de mobilité")}
          for name in layers for protocol in ("OGC:WFS", "OGC:WMS")),
        {"protocol": "OGC:WMTS", "urlObject": _lang("https://data.lillemetropole.fr/geoserver/gwc/service/wmts"),
         "nameObject": _lang(layer), "function": ""},
        {"protocol": "TMS", "urlObject": _lang("https://data.lillemetropole.fr/geoserver/gwc/service/tms/1.0.0"),
         "nameObject": _lang(layer), "function": ""},
        {"protocol": "ESRI:REST", "urlObject": _lang("https://services.arcgis.com/x/arcgis/rest/services/pm35/FeatureServer/0"),
         "nameObject": _lang("pm35"), "function": ""},
        {"protocol": "OGC:WPS", "urlObject": _lang("https://data.lillemetropole.fr/geoserver/ows?service=WPS"),
         "nameObject": _lang("buffer"), "function": ""},
        {"protocol": "WWW:DOWNLOAD-1.0-http--download", "urlObject": _lang("https://data.lillemetropole.fr/f/pm35.zip"),
         "nameObject": _lang("Shapefile (zip)"), "function": "download"},
        {"protocol": "WWW:LINK", "urlObject": _lang("https://plandemobilite2035.lillemetropole.fr/schema-cyclable/"),
         "nameObject": _lang("Documentation"), "function": "information"},
    ]
    return src


def _service() -> dict:
    """A WMS service record as GeoNetwork indexes one (``resourceType`` service)."""
    src = _real_source()
    src.update({"uuid": "service-wms-mel", "resourceType": ["service"], "cl_level": [],
                "resourceTitleObject": _lang("Service WMS de la MEL"),
                "link": [{"protocol": "OGC:WMS", "urlObject": _lang(OWS), "nameObject": _lang("")}]})
    return src


# -- the search asks for datasets -----------------------------------------------------------------
def test_the_query_keeps_the_real_record_and_leaves_services_out():
    """The query the source sends, matched (as Elasticsearch's term/terms/bool do) against the real
    index document: a ``featureCatalog`` of dataset level is kept, as geonetwork-ui keeps it."""
    real = _real_source()
    assert real["resourceType"] == ["featureCatalog"] and real["cl_level"][0]["key"] == "dataset"
    assert _match(geonetwork.QUERY, real)
    assert not _match(geonetwork.QUERY, _service())
    catalogue_only = dict(real, cl_level=[])  # a feature catalogue describing no dataset
    assert not _match(geonetwork.QUERY, catalogue_only)
    assert _match(geonetwork.QUERY, dict(real, resourceType=["series"], cl_level=[]))
    assert not _match(geonetwork.QUERY, dict(real, isTemplate="y"))
    for kind in ("map", "interactiveMap", "application", "featureCatalog"):
        assert geonetwork.resource_type(dict(real, resourceType=[kind], cl_level=[])) is None
    assert geonetwork.resource_type(real) == "dataset"


# -- crawls of the replayed platform ----------------------------------------------------------------
def test_real_search_and_collections_crawled():
    """The captured search and OGC API collections: the record is a dataset; no record names the
    three collections, which are reported as published without one (not made datasets)."""
    with Replay(_load("gn-es-search.n_tri_lill_inondable.json"),
                {"/data/ogcapi/collections": (200, _load("ogcapi_collections.json"))}) as server:
        datasets, events = run_source("geonetwork", server.base, name="mel", owner="MEL")
        asked = server.bodies
    assert asked and all(body["query"] == geonetwork.QUERY for body in asked)
    [d] = datasets
    assert (d.uid, d.resource_type, d.title) == (
        "mel:n_tri_lill_inondable_s_059", "dataset", "Aléa de débordement de cours d'eau de la Lys")
    assert (d.licence, d.access_rights, d.temporal_start, d.temporal_end) == (
        "Licence Ouverte (Etalab)", None, None, None)
    assert [(x.format, x.kind) for x in d.distributions] == [
        ("shp", "file"), ("json", "file"), ("geojson", "file"), ("csv", "file")]
    reported = [e for e in events if e.code == "uncatalogued-collection"]
    assert [e.detail["collection"] for e in reported] == [
        "covoit-mel", "geopackages_to_delete", "liste-des-jardins-familiaux-et-partages-de-roubaix"]
    assert all(e.level == "warning" and e.url.startswith(server.base + "/data/ogcapi/collections/") for e in reported)
    assert [e for e in events if e.level != "info" and e.code != "uncatalogued-collection"] == []


def test_a_platform_without_ogc_api_is_read_in_full():
    with Replay(_load("gn-es-search.n_tri_lill_inondable.json"), {}) as server:
        datasets, events = run_source("geonetwork", server.base, name="mel", owner="MEL")
    assert [d.source_id for d in datasets] == ["n_tri_lill_inondable_s_059"]
    assert [(e.code, e.level) for e in events] == [("ogcapi-absent", "info")]


@pytest.fixture(scope="module")
def crawled():
    """The real record, « Schéma cyclable » built on it, and a service record a server returned anyway."""
    with Replay(_search_of(_real_source(), _schema_cyclable(), _service()), {}) as server:
        datasets, events = run_source("geonetwork", server.base, name="mel", owner="MEL")
    return {d.source_id: d for d in datasets}, events


def test_a_service_record_is_left_out_even_when_the_server_returns_it(crawled):
    got, events = crawled
    assert set(got) == {"n_tri_lill_inondable_s_059", "1f7c8d9f-3363-4512-ad3a-064fb6b851bc"}
    assert not [e for e in events if e.level != "info"]


def test_temporal_extent_is_the_declared_one_never_the_citation_dates(crawled):
    got, _ = crawled
    d = got["1f7c8d9f-3363-4512-ad3a-064fb6b851bc"]
    assert (d.temporal_start, d.temporal_end) == ("2023-10-27", "2035-12-31")  # geonetwork-ui's temporalExtents
    assert (d.issued, d.modified) == ("2025-11-04", None)  # publication; the creation date is no issue date
    assert d.resource_type == "dataset" and d.frequency == "notPlanned"


def test_open_ended_and_absent_extents():
    src = _schema_cyclable()
    src["resourceTemporalExtentDateRange"] = [{"gte": "2023-10-27T00:00:00.000Z"}]
    d = geonetwork.dataset_from_hit({"_source": src}, portal="mel", base="https://x")
    assert (d.temporal_start, d.temporal_end) == ("2023-10-27", None)
    del src["resourceTemporalExtentDateRange"]  # only the citation dates: no coverage declared
    d = geonetwork.dataset_from_hit({"_source": src}, portal="mel", base="https://x")
    assert (d.temporal_start, d.temporal_end) == (None, None)
    src["resourceTemporalExtentDateRange"] = [{"gte": "2010-01-01T00:00:00.000Z", "lte": "2012-12-31T00:00:00.000Z"},
                                              {"gte": "2015-01-01T00:00:00.000Z", "lte": "2020-12-31T00:00:00.000Z"}]
    d = geonetwork.dataset_from_hit({"_source": src}, portal="mel", base="https://x")
    assert (d.temporal_start, d.temporal_end) == ("2010-01-01", "2020-12-31")  # the hull


def test_the_licence_follows_the_access_constraint(crawled):
    got, _ = crawled
    d = got["1f7c8d9f-3363-4512-ad3a-064fb6b851bc"]
    assert (d.licence, d.licence_url) == ("Licence Ouverte v2.0 (Etalab)", None)
    assert d.access_rights == "Pas de restriction d'accès public"


@pytest.mark.parametrize("entries, licence, access", [
    ([ACCESS], None, "Pas de restriction d'accès public"),  # an access constraint alone: no licence
    ([_lang("L'accès public est limité selon l'article 13(1)(e) de la directive INSPIRE"), _lang("ODbL 1.0")],
     "ODbL 1.0", "L'accès public est limité selon l'article 13(1)(e) de la directive INSPIRE"),
    ([_lang("No limitations to public access"), _lang("Licence Ouverte")], "Licence Ouverte",
     "No limitations to public access"),
    ([_lang("Licence ouverte : accès public et réutilisation libre")],
     "Licence ouverte : accès public et réutilisation libre", None),  # a licence that speaks of access
])
def test_access_constraints_told_apart_from_licences(entries, licence, access):
    src = dict(_real_source(), licenseObject=entries)
    d = geonetwork.dataset_from_hit({"_source": src}, portal="mel", base="https://x")
    assert (d.licence, d.access_rights) == (licence, access)


def test_the_legal_constraints_are_never_a_fallback_licence():
    src = dict(_real_source(), licenseObject=[ACCESS])  # MD_LegalConstraintsOtherConstraintsObject still says one
    d = geonetwork.dataset_from_hit({"_source": src}, portal="mel", base="https://x")
    assert d.licence is None and src["MD_LegalConstraintsOtherConstraintsObject"]


def test_one_distribution_per_link_and_service_formats(crawled):
    got, _ = crawled
    d = got["1f7c8d9f-3363-4512-ad3a-064fb6b851bc"]
    rows = [(x.kind, x.format, x.url, x.title) for x in d.distributions]
    layer = "mel_mobilite_et_transport:sc_schema_cyclable_pm35_2023"
    names = [layer, f"{layer}_points_durs", f"{layer}_etiquettes"]
    assert [r for r in rows if r[1] in ("wms", "wfs")] == [
        ("api", fmt, OWS, name) for name in names for fmt in ("wfs", "wms")]  # six links, one URL
    assert {(r[0], r[1]) for r in rows} == {
        ("api", "ogcapi"), ("api", "wfs"), ("api", "wms"), ("api", "wmts"), ("api", "tms"), ("api", "esri-rest"),
        ("api", "wps"), ("file", "shp"), ("documentation", None)}
    assert len(rows) == 13
