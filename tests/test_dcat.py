"""DCAT source: real RDF/XML exports (Opendatasoft, data.gouv.fr), the three syntaxes, hydra
paging, faults and 304s against the simulated DCAT portal."""
from __future__ import annotations

import copy
import json

import pytest

from auditor.crawling.http import FetchError, HttpClient, HttpConfig
from auditor.simulate import urls
from auditor.simulate.server import SimTerritory
from auditor.simulate.world import Faults
from auditor.crawling.sources.dcat import datasets_from_graph, make_parser, sniff

from .helpers import FAST_HTTP, PORTALS, run_source
from .test_ckan import serve, small_world

ODS = PORTALS / "ods" / "v2.1" / "catalog_exports_dcat.data.capatlantique.fr.rdf.xml"
VANVES = PORTALS / "datagouv" / "org-catalog-dcat.vanves-ods-harvested.udata-fixture.rdf.xml"
SNAPSHOT = PORTALS / "datagouv" / "harvest-snapshot.dcat-capatlantique-ods.udata-fixture.json"
GUERANDE = "https://data.capatlantique.fr/explore/dataset/264400516_arretes_ccas_guerande/"
LICENCES = {"lov2": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
            "odbl": "https://opendatacommons.org/licenses/odbl/1-0/",
            "lo1": "https://www.etalab.gouv.fr/wp-content/uploads/2014/05/Licence_Ouverte.pdf",
            "cc-by": "https://creativecommons.org/licenses/by/4.0/", None: None}


def records(body: bytes, url: str = "https://example.test/catalogue", fmt: str | None = None):
    events = []
    graph = make_parser(url, fmt)(body)
    out = list(datasets_from_graph(graph, "t", event=lambda code, msg, **kw: events.append(code)))
    return out, events


def _dicts(datasets):
    return [d.to_dict() for d in sorted(datasets, key=lambda d: d.uid)]


# -- real samples ---------------------------------------------------------------------------
def test_real_opendatasoft_export():
    (ds,), events = records(ODS.read_bytes())
    assert not events
    assert ds.source_id == GUERANDE and ds.landing_page == GUERANDE and ds.identity_keys == [GUERANDE]
    assert ds.title == "Arrêtés du CCAS de Guérande"
    assert ds.description.startswith("Actes réglementaires pris par le CCAS")
    assert ds.publisher.raw == "CCAS Guérande"
    assert ds.themes == ["Citoyenneté / Institution"]
    pdf = "https://www.etalab.gouv.fr/wp-content/uploads/2017/04/ETALAB-Licence-Ouverte-v2.0.pdf"
    assert (ds.licence, ds.licence_url) == (pdf, pdf)
    assert ds.issued == ds.modified == "2025-07-30T09:00:06.799000+00:00"
    assert ds.language == "fr"
    api = "https://data.capatlantique.fr/api/explore/v2.1/catalog/datasets/264400516_arretes_ccas_guerande/exports/"
    assert [(d.url, d.format, d.media_type, d.kind) for d in ds.distributions] == [
        (api + "csv?use_labels=true", "csv", "text/csv", "file"),
        (api + "json", "json", "application/json", "file")]
    assert ds.raw["dct:publisher"] == [{"@id": "https://data.capatlantique.fr/explore/?refine.publisher=CCAS+Gu%C3%A9rande",
                                        "foaf:name": ["CCAS Guérande"],
                                        "rdf:type": ["http://xmlns.com/foaf/0.1/Agent"]}]
    json.dumps(ds.to_dict())  # raw is JSON-able


def test_real_udata_reexport_and_flat_snapshot_agree():
    """The same ODS dataset, as udata stored it (flat rdf:Description, agent described apart):
    the same record as the nested Opendatasoft export."""
    graph_xml = json.loads(SNAPSHOT.read_text())["job"]["data"]["graphs"][0].encode()
    (flat,), _ = records(graph_xml)
    (nested,), _ = records(ODS.read_bytes())
    a, b = flat.to_dict(), nested.to_dict()
    a.pop("raw"), b.pop("raw")
    assert a == b


def test_real_datagouv_org_catalogue():
    datasets, events = records(VANVES.read_bytes())
    assert not events
    by_id = {d.source_id: d for d in datasets}
    ods = "https://vanves-seineouest.opendatasoft.com/"
    assert set(by_id) == {ods + "explore/dataset/bureau-de-vote-vanves/",
                          ods + "explore/dataset/vfe_public_219200755_20240506/"}
    bv = by_id[ods + "explore/dataset/bureau-de-vote-vanves/"]
    assert bv.publisher.raw == "Vanves"  # dct:publisher -> vcard:Kind with vcard:fn
    assert bv.keywords == ["administration-finances-publiques", "bureaux-de-vote", "elections"]
    assert bv.licence == "License Not Specified" and bv.licence_url is None  # dct:rights of distributions
    assert "https://www.data.gouv.fr/datasets/61892c9d076a4d62434a1318/" in bv.identity_keys
    exports = ods + "api/explore/v2.1/catalog/datasets/bureau-de-vote-vanves/exports/"
    assert [d.url for d in bv.distributions] == [exports + "csv?use_labels=true", exports + "geojson",
                                                 exports + "json", exports + "shp"]
    assert all(d.kind == "file" and d.source_id for d in bv.distributions)
    assert bv.issued == "2019-04-19T12:21:56"


def test_reserialised_samples_give_the_same_records():
    for path in (ODS, VANVES):
        graph = make_parser("https://example.test/catalogue")(path.read_bytes())
        reference, _ = records(path.read_bytes())
        for fmt in ("turtle", "json-ld"):
            again, _ = records(graph.serialize(format=fmt, encoding="utf-8"))
            assert _dicts(again) == _dicts(reference), fmt


def test_sniff():
    assert sniff(ODS.read_bytes()) == "xml"
    assert sniff(b"\n@prefix dcat: <http://www.w3.org/ns/dcat#> .") == "turtle"
    assert sniff(b"<http://a.test/x> a <http://www.w3.org/ns/dcat#Dataset> .") == "turtle"
    assert sniff(b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>') == "xml"
    assert sniff(b' {"@context": {}}') == "json-ld"


def test_odd_records_do_not_crash():
    ttl = b"""@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
    @prefix foaf: <http://xmlns.com/foaf/0.1/> .
    <https://a.test/cat> a dcat:Catalog ; dcat:dataset <https://a.test/d/1>, <https://a.test/d/only-listed> .
    <https://a.test/d/1> a dcat:Dataset ; dcat:keyword "k" ;
        dct:publisher <https://a.test/explore/?refine.publisher=Ville+de+Croix> ;
        dct:license [ dct:title "Licence Ouverte v2.0" ] ;
        dct:temporal [ <http://schema.org/startDate> "2019-01-01" ] ;
        dcat:distribution [ dcat:accessURL <https://a.test/api> ; dct:format "WMS" ], [ dct:title "no url" ] .
    [] a dcat:Dataset ; dct:title "anonyme" .
    [] a dcat:Dataset ; dct:title "identifie"@fr, "identified"@en ; dct:identifier "abc" .
    """
    datasets, events = records(ttl)
    by_id = {d.source_id: d for d in datasets}
    assert set(by_id) == {"https://a.test/d/1", "abc"}
    d1 = by_id["https://a.test/d/1"]
    assert d1.title is None
    assert d1.publisher.raw == "Ville de Croix"  # decoded from the ODS agent URI
    assert (d1.licence, d1.licence_url) == ("Licence Ouverte v2.0", None)
    assert d1.temporal_start == "2019-01-01"
    assert [(x.url, x.kind, x.format) for x in d1.distributions] == [("https://a.test/api", "api", "wms")]
    assert by_id["abc"].title == "identifie"
    assert events == ["invalid-record", "invalid-record"]  # listed only, and no identifier at all


@pytest.mark.parametrize("body", [b"", b"<!DOCTYPE html><html><body>Maintenance</body></html>",
                                  ODS.read_bytes()[:3000], b"@prefix dcat: <http://www.w3.org/ns/dcat#"])
def test_broken_bodies_are_body_errors(body):
    from auditor.crawling.http import BodyError

    with pytest.raises(BodyError):
        make_parser("https://example.test/catalogue")(body)


# -- simulated portals ----------------------------------------------------------------------
def _check(world, name, datasets, base):
    portal = world.portals[name]
    by_uid = {d.uid: d for d in datasets}
    assert set(by_uid) == {f"{name}:{d.source_id}" for d in world.hosted(name)}
    assert len(datasets) == len(by_uid)
    for d in world.hosted(name):
        ds = by_uid[f"{name}:{d.source_id}"]
        landing = urls.landing_url(portal, base, d)
        assert ds.publisher.raw == d.publisher
        assert ds.licence == ds.licence_url == LICENCES[d.licence]
        assert ds.frequency == d.frequency
        assert ds.title == d.title and ds.description == d.description
        assert ds.keywords == sorted(d.keywords) and ds.themes == sorted(d.themes)
        assert (ds.issued, ds.modified) == (d.issued, d.modified)
        assert (ds.temporal_start, ds.temporal_end) == (d.temporal_start, d.temporal_end)
        assert (ds.contact_name, ds.contact_email) == (d.contact_name, d.contact_email)
        assert ds.landing_page == landing and ds.identity_keys == [landing, d.source_id]
        want = sorted((urls.file_url(portal, base, d, f), f) for f in d.files)
        assert [x.url for x in ds.distributions] == [u for u, _ in want]
        assert [x.media_type for x in ds.distributions] == [f.media_type for _, f in want]
        assert [x.size for x in ds.distributions] == [f.size for _, f in want]
        for x, (_, f) in zip(ds.distributions, want):
            declared = d.schema if d.schema and f.format in ("csv", "json", "geojson") else (None, None)
            assert (x.schema_name, x.schema_version) == declared


def test_crawl_world_marcq(world):
    with SimTerritory(world) as t:
        url = t.source_url("marcq")
        assert url.endswith("/catalogue.ttl")
        datasets, events = run_source("dcat", url, name="marcq", options=world.portals["marcq"].options)
        _check(world, "marcq", datasets, t.urls["marcq"])
    assert not [e for e in events if e.level != "info"]
    assert world.hosted("marcq")


def test_three_syntaxes_give_the_same_records(world):
    with SimTerritory(world) as t:
        base = t.urls["marcq"]
        results = {}
        for ext, fmt in (("ttl", None), ("rdf", None), ("jsonld", None), ("rdf", "xml"),
                         ("jsonld", "jsonld"), ("ttl", "xml")):  # the last one misconfigured
            results[ext, fmt], _ = run_source("dcat", f"{base}/catalogue.{ext}", name="marcq",
                                              options={"format": fmt} if fmt else {})
    reference = _dicts(results["ttl", None])
    assert len(reference) == len(world.hosted("marcq"))
    for key, datasets in results.items():
        assert _dicts(datasets) == reference, key


@pytest.mark.parametrize("hydra", ["view", "paged"])
def test_hydra_paging(hydra):
    w = small_world("dcat", 123, page_size=20, hydra=hydra)
    with SimTerritory(w) as t:
        datasets, events = run_source("dcat", f"{t.urls['p']}/catalogue.jsonld", name="p")
        _check(w, "p", datasets, t.urls["p"])
        assert t.log.requests == 7
    assert not [e for e in events if e.level != "info"]


@pytest.mark.parametrize("ext", ["ttl", "rdf", "jsonld"])
def test_faults_are_retried(world, ext):
    w = copy.deepcopy(world)
    w.portals["marcq"].options["page_size"] = 2
    w.portals["marcq"].faults = Faults(rate=0.5, kinds=("garbage", "truncated", "html", "500"), seed=8)
    with SimTerritory(w) as t:
        datasets, events = run_source("dcat", f"{t.urls['marcq']}/catalogue.{ext}", name="marcq")
        _check(w, "marcq", datasets, t.urls["marcq"])
        kinds = [e["kind"] for e in t.log.entries]
    assert {"garbage", "truncated", "html"} <= set(kinds)
    assert not [e for e in events if e.level != "info"]
    assert len([e for e in events if e.level == "info"]) == len(kinds)  # one retry per fault
    assert {"invalid-rdf", "html-instead-of-rdf", "truncated-body"} <= {e.code for e in events}
    assert world.portals["marcq"].faults.rate == 0


def test_second_crawl_gets_304(world, tmp_path):
    w = copy.deepcopy(world)
    w.portals["marcq"].options["page_size"] = 3
    client = HttpClient(HttpConfig(cache_dir=str(tmp_path), **FAST_HTTP))
    with SimTerritory(w) as t:
        first, _ = run_source("dcat", t.source_url("marcq"), name="marcq", http=client)
        sent = client.stats.requests
        second, _ = run_source("dcat", t.source_url("marcq"), name="marcq", http=client)
    assert sent == -(-len(w.hosted("marcq")) // 3)  # one request per page of three
    assert client.stats.requests - sent == client.stats.not_modified == sent
    assert _dicts(first) == _dicts(second)


def test_broken_paging_is_reported():
    page1 = b"""@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
    @prefix hydra: <http://www.w3.org/ns/hydra/core#> .
    <CAT> a dcat:Catalog, hydra:Collection ; hydra:totalItems 3 ; dcat:dataset <https://a.test/d/1> ;
        hydra:view <VIEW> .
    <VIEW> a hydra:PartialCollectionView ; hydra:next <NEXT> .
    <https://a.test/d/1> a dcat:Dataset ; dct:title "un" .
    """

    def routes(path, query):
        if path == "/catalogue.ttl":
            body = page1.replace(b"CAT", f"{base}/catalogue".encode()).replace(
                b"VIEW", f"{base}/catalogue.ttl?page=1".encode()).replace(b"NEXT", f"{base}/page-2".encode())
            return 200, body, "text/turtle"
        return 404, b"<html>404</html>", "text/html"

    with serve(routes) as base:
        datasets, events = run_source("dcat", f"{base}/catalogue.ttl", name="x")
        with pytest.raises(FetchError):
            run_source("dcat", f"{base}/absent.ttl", name="x")
    assert [d.source_id for d in datasets] == ["https://a.test/d/1"]
    assert [e.code for e in events if e.code == "incomplete-listing"] == ["incomplete-listing"]
