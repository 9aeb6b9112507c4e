"""Opendatasoft exports: which ones a dataset offers (its own list, never inferred), the CSV export read
with the fields' labels, the portal's dialect not held against the producer (FILE-09), and the simulated
portal's answers on each point. Everything runs against servers on 127.0.0.1."""
from __future__ import annotations

import copy
from dataclasses import replace

import requests

from auditor.crawling.catalogue import Catalogue
from auditor.config import ValidationConfig
from auditor.crawling.http import HttpClient, HttpConfig
from auditor.model import Dataset, Distribution, Publisher
from auditor.auditing.rules import evaluate_files, load_rules
from auditor.auditing.filecheck import file_context
from auditor.simulate import content, urls
from auditor.simulate.portals.opendatasoft import field_name
from auditor.simulate.server import SimTerritory
from auditor.auditing.validation import candidates, validate_files

from .helpers import FAST_HTTP
from .test_opendatasoft import crawl, only, samples  # noqa: F401  (samples: the replaying server fixture)


def _geo(world, shp: bool):
    return next(d for d in world.hosted("roubaix") if any(f.format == "geojson" for f in d.files)
                and any(f.format == "shp" for f in d.files) == shp)


# -- the connector ------------------------------------------------------------------------------
def test_exports_are_the_ones_the_dataset_lists(samples):
    """A geographic dataset (``features: ["geo"]``, a ``geo_point_2d`` field) whose list offers no
    shapefile and no GeoJSON gets neither; formats the audit does not list (xlsx, kml…) are left out;
    an unknown ``rel`` or a link without one is ignored."""
    obj = {"dataset_id": "arceaux", "has_records": True, "features": ["analyze", "geo"],
           "fields": [{"name": "geo_point_2d", "label": "Geo Point", "type": "geo_point_2d"}],
           "metas": {"default": {"title": "Arceaux", "records_count": 12, "data_processed": "2024-03-05T10:00:00+00:00"}}}
    samples.serve("/api/explore/v2.1/catalog/datasets", {"total_count": 1, "results": [obj]})
    samples.serve("/api/explore/v2.1/catalog/datasets/arceaux/exports", {"_links": [
        {"rel": "self", "href": "x"}, {"rel": "CSV", "href": "x"}, {"rel": "json"}, {"href": "x"}, {"rel": "xlsx"},
        {"rel": "kml"}]})
    [d], events = crawl(samples.base, name="ods")
    assert not events
    path = f"{samples.base}/api/explore/v2.1/catalog/datasets/arceaux/exports"
    assert [x.url for x in d.distributions] == [f"{path}/csv?use_labels=true", f"{path}/json"]
    assert {x.generated_by for x in d.distributions} == {"opendatasoft"}
    assert {x.modified for x in d.distributions} == {"2024-03-05T10:00:00+00:00"}


def test_an_export_list_that_cannot_be_had_is_reported_and_the_portal_read_in_part(samples):
    """No export is assumed when the list is missing (404 after retries) or unreadable: the dataset is kept
    with its attachments, and the portal's listing is reported incomplete (the crawl marks it partial)."""
    objs = [{"dataset_id": ident, "has_records": True, "features": ["geo"],
             "attachments": [{"id": "doc_pdf", "mimetype": "application/pdf", "url": "odsfile://doc.pdf", "title": "doc.pdf"}],
             "metas": {"default": {"title": ident}}} for ident in ("absent", "illisible", "bon")]
    samples.serve("/api/explore/v2.1/catalog/datasets", {"total_count": 3, "results": objs})
    samples.serve("/api/explore/v2.1/catalog/datasets/illisible/exports", {"links": [{"rel": "csv"}]})  # v2.0 key in v2.1
    samples.offer("bon", "csv")
    datasets, events = crawl(samples.base, name="ods")
    by_id = {d.source_id: d for d in datasets}
    assert [x.format for x in by_id["absent"].distributions] == ["pdf"]
    assert [x.format for x in by_id["illisible"].distributions] == ["pdf"]
    assert [x.format for x in by_id["bon"].distributions] == ["csv", "pdf"]
    listing = sorted((e.url.rsplit("/", 2)[1], e.level) for e in events if e.code == "incomplete-listing")
    assert listing == [("absent", "error"), ("illisible", "error")]
    assert any("illisible" in e.message and "« _links »" in e.message for e in events)


# -- the simulated portal -------------------------------------------------------------------------
def test_simulated_fields_names_and_labels(world):
    """Field names are the lower-case identifiers ODS derives from the columns, labels the producer's
    columns (the SCDL names); a geographic dataset has ODS's ``geo_point_2d`` field, labelled ``Geo Point``."""
    assert field_name("nomAttribuant") == "nomattribuant" and field_name("EQUIP_LAT") == "equip_lat"
    assert field_name("Date de début") == "date_de_debut"
    w = only(world, "roubaix")
    grants = next(d for d in w.hosted("roubaix") if d.kind == "subventions")
    geo = _geo(w, shp=False)
    with SimTerritory(w) as territory:
        api = territory.source_url("roubaix") + "/api/explore/v2.1/catalog/datasets"
        fields = requests.get(f"{api}/{grants.source_id}").json()["fields"]
        assert [(f["name"], f["label"]) for f in fields] == [(c.lower(), c) for c in content.COLUMNS["subventions"]]
        fields = requests.get(f"{api}/{geo.source_id}").json()["fields"]
        assert fields[-1]["name"] == "geo_point_2d" and fields[-1]["label"] == "Geo Point"
        record = requests.get(f"{api}/{grants.source_id}/records", params={"limit": 1}).json()["results"][0]
        assert set(record) == {c.lower() for c in content.COLUMNS["subventions"]}


def test_simulated_export_lists_and_an_export_not_offered(world):
    """Each dataset lists its exports (``_links`` in v2.1, ``links`` in v2.0, answered whatever catalog
    API the portal option allows); a geographic dataset without a shapefile does not list one, and asking
    for it anyway is a 400 ``InvalidRESTParameterError``, as for any format the dataset does not offer."""
    w = copy.deepcopy(only(world, "roubaix"))
    w.portals["roubaix"].options["api"] = "v1"
    with_shp, without = _geo(w, shp=True), _geo(w, shp=False)
    with SimTerritory(w) as territory:
        base = territory.source_url("roubaix")
        v21 = f"{base}/api/explore/v2.1/catalog/datasets"
        assert requests.get(v21).status_code == 404  # the catalog API is off ...
        listed = requests.get(f"{v21}/{with_shp.source_id}/exports").json()  # ... the list of exports is not
        assert [x["rel"] for x in listed["_links"]] == ["csv", "json", "jsonl", "geojson", "shp"]
        assert listed["_links"][0]["href"] == f"{v21}/{with_shp.source_id}/exports/csv"
        v20 = requests.get(f"{base}/api/v2/catalog/datasets/{without.source_id}/exports").json()
        assert [x["rel"] for x in v20["links"]] == ["csv", "json", "jsonl", "geojson"] and "_links" not in v20
        assert v20["links"][0]["href"] == f"{base}/api/v2/catalog/datasets/{without.source_id}/exports/csv"
        r = requests.get(f"{v21}/{without.source_id}/exports/shp")
        assert r.status_code == 400 and r.json()["error_code"] == "InvalidRESTParameterError"
        assert requests.get(f"{v21}/{with_shp.source_id}/exports/shp").status_code == 200


def test_crawled_exports_follow_each_datasets_list(world):
    """Against the simulated portal, for the three APIs: a geographic dataset gets a shapefile export only
    when it offers one; every export is a portal-generated file whose CSV URL asks for the labels."""
    w = only(world, "roubaix")
    with_shp, without = _geo(w, shp=True), _geo(w, shp=False)
    with SimTerritory(w) as territory:
        base = territory.source_url("roubaix")
        for api in ("v2.1", "v2.0", "v1"):
            datasets, events = crawl(base, options={"api": api})
            assert not events
            by_id = {d.source_id: d for d in datasets}
            assert [x.format for x in by_id[with_shp.source_id].distributions if x.generated_by] == [
                "csv", "json", "geojson", "shp"]
            assert [x.format for x in by_id[without.source_id].distributions if x.generated_by] == [
                "csv", "json", "geojson"]
            csvs = [x.url for d in datasets for x in d.distributions if x.format == "csv"]
            assert csvs and all(u.endswith("/exports/csv?use_labels=true") for u in csvs)


# -- validation: labels, and the portal's dialect ---------------------------------------------------
def _roubaix_catalogue(territory) -> Catalogue:
    datasets, events = crawl(territory.source_url("roubaix"))
    assert not events
    for d in datasets:  # as the catalogue stage resolves them
        d.publisher = Publisher(raw=d.publisher.raw, kind="commune", insee="59512", name="Roubaix")
    return Catalogue(datasets=datasets)


def test_validation_reads_the_labelled_export_and_does_not_blame_the_portals_dialect(world, tmp_path):
    """The file stage downloads the CSV export with the labels, so SCDL files read right (no header
    error); the export really is separated by « ; » after a BOM, yet no FILE-09: that is the portal's
    dialect. The same bytes published by the producer itself (no ``generated_by``) get FILE-09."""
    from auditor.simulate.schemas import write_schema_folder

    w = only(world, "roubaix")
    schemas = write_schema_folder(tmp_path / "schemas")
    with SimTerritory(w) as territory:
        cat = _roubaix_catalogue(territory)
        config = ValidationConfig(enabled=True, schemas=str(schemas), max_age=0, workers=3)
        targets, stats = validate_files(cat, config, tmp_path / "files", http=HttpConfig(**FAST_HTTP))
        assert not stats.failed and not stats.unvalidated
        assert targets and all(t.location.endswith("/exports/csv?use_labels=true") for t in targets)
        assert all(t.report["dialect"]["delimiter"] == ";" for t in targets)
        kinds = {f"roubaix:{d.source_id}": d for d in w.hosted("roubaix")}
        header_errors = {t.dataset for t in targets for e in t.report["errors"]
                         if e["code"] in ("missing-required-header", "incorrect-label", "blank-label")}
        assert not header_errors
        clean = [t for t in targets if not kinds[t.dataset].defects
                 and not any(f.format == "geojson" for f in kinds[t.dataset].files)]
        assert clean and all(t.report["valid"] and not t.report.get("warnings") for t in clean)

        ctx = file_context("grouped")
        ctx.catalogue = cat
        findings = evaluate_files(load_rules(), targets, ctx)
        assert not [f for f in findings if f.rule == "FILE-09"]
        # the same files, as if the producer had written them: the separator is then its own
        own = Catalogue(datasets=[replace(d, distributions=[replace(x, generated_by=None) for x in d.distributions])
                                  for d in cat.datasets])
        ctx.catalogue = own
        for t in targets:
            t.claimed = set()
        separators = {f.dataset for f in evaluate_files(load_rules(), targets, ctx)
                      if f.rule == "FILE-09" and f.location == {"delimiter": ";"}}
        assert separators == {t.dataset for t in targets}


def test_a_copy_declaring_a_schema_on_the_json_export_does_not_validate_it_again(world):
    """The exports render one table: it is validated through the labelled CSV export only. A harvested copy
    that lists the JSON export (keyed by the portal's field names) with a schema does not make it a
    candidate; the copy's CSV link is the same file, validated once."""
    w = only(world, "roubaix")
    with SimTerritory(w) as territory:
        cat = _roubaix_catalogue(territory)
        grants = next(d for d in cat.datasets if d.title.startswith("Subventions"))
        copy_ = Dataset(portal="datagouv", portal_kind="udata", source_id="c1", title=grants.title,
                        copy_of=grants.uid, publisher=grants.publisher,
                        distributions=[Distribution(x.url, format=x.format, schema_name="scdl/subventions",
                                                    schema_version="2.1.1")
                                       for x in grants.distributions if x.format in ("csv", "json")])
        assert {x.format for x in copy_.distributions} == {"csv", "json"}
        found = [(c.dataset.uid, c.url) for c in candidates(Catalogue(datasets=cat.datasets + [copy_]))
                 if c.dataset.uid in (grants.uid, copy_.uid)]
        assert found == [(grants.uid, next(x.url for x in grants.distributions if x.format == "csv"))]


def test_export_lists_are_revalidated_on_a_second_crawl(tmp_path, world):
    """The lists of exports are cached like the listing: an unchanged portal answers 304 to each."""
    w = only(world, "roubaix")
    with SimTerritory(w) as territory:
        base = territory.source_url("roubaix")
        first, _ = crawl(base, cache_dir=str(tmp_path))
        client = HttpClient(HttpConfig(cache_dir=str(tmp_path), **FAST_HTTP))
        second, _ = crawl(base, http=client)
        with_records = sum(1 for d in w.hosted("roubaix") if any(f.format in urls.TABLE_FORMATS for f in d.files))
        assert client.stats.requests >= with_records + 1  # the listing and each list of exports
        assert client.stats.not_modified == client.stats.requests
        assert [d.to_dict() for d in second] == [d.to_dict() for d in first]


def test_fields_of_the_real_catalog_keep_name_and_label_apart():
    """The real v2.1 example: field names are identifiers, labels what a person reads (« Geo Point »,
    « ISO 3 country code »): the two differ, which is why a validation asks for the labels."""
    from .test_opendatasoft import load

    fields = [f for d in load("v2.1-openapi-examples/GET_catalog_datasets.json")["results"] for f in d["fields"]]
    pairs = {f["name"]: f["label"] for f in fields}
    assert pairs["geo_point_2d"] == "Geo Point" and pairs["color_code"] == "ISO 3 country code"
    assert all(n == n.lower() and " " not in n for n in pairs)
    assert sum(1 for n, label in pairs.items() if n != label) > len(pairs) // 2

