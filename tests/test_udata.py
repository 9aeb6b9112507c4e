"""data.gouv.fr (udata API v1): the real samples parse, and a crawl of the simulated portal
finds exactly what it hosts, with organisations, harvest blocks and remote resources right."""
from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import replace
from datetime import datetime, timezone

import pytest
import requests

from auditor.crawling.http import FetchError, HttpClient, HttpConfig
from auditor.simulate import content, urls
from auditor.simulate.portals.udata import compute_quality
from auditor.simulate.server import SimTerritory
from auditor.simulate.world import Faults
from auditor.crawling.sources.udata import Organisation, match_organisation, to_dataset, to_distribution
from auditor.crawling.territory.registry import load_registry
from tests.helpers import FAST_HTTP, PORTALS, run_source

DATAGOUV = PORTALS / "datagouv"


def load(name: str):
    return json.loads((DATAGOUV / name).read_text("utf-8"))


def datagouv_only(world):
    """A copy of ``world`` where only data.gouv.fr is served: the other portals are
    unreachable names, which still give the originals' landing pages and file URLs."""
    w = copy.deepcopy(world)
    for p in w.portals.values():
        if p.name != "datagouv":
            p.broken = "dns"
    return w


def expected_uids(world) -> set[str]:
    return ({f"datagouv:{d.source_id}" for d in world.hosted("datagouv")}
            | {f"datagouv:{c.source_id}" for _, c in world.copies_on("datagouv")})


@pytest.fixture(scope="module")
def served(world):
    w = datagouv_only(world)
    with SimTerritory(w) as territory:
        datasets, events = run_source("udata", territory.source_url("datagouv"), name="datagouv")
        yield w, territory, {d.source_id: d for d in datasets}, events


# -- real samples ----------------------------------------------------------------------------
def test_real_dataset_sample():
    raw = load("dataset_metadata.datagouv_client-fixture.json")
    org = Organisation(load("organization_metadata.datagouv_client-fixture.json"))
    ds = to_dataset(raw, portal="datagouv", org=org)
    assert ds.uid == "datagouv:5d13a8b6634f41070a43dff3"
    assert ds.title == "Catalogue des données de data.gouv.fr"
    assert ds.licence == "lov2"
    assert (ds.frequency, ds.frequency_raw) == ("weekly", "weekly")
    assert ds.organisation_id == "646b7187b50b2a93b1ae3d45"
    assert ds.organisation_siren == "130025265"
    assert ds.publisher.raw == "data.gouv.fr"
    assert ds.issued == "2019-06-26T19:17:42.238000+00:00"
    assert ds.modified == "2025-04-07T08:15:30.581000+00:00"
    assert ds.metadata_modified == "2025-04-07T06:15:30.658000+00:00"
    assert ds.landing_page == "https://www.data.gouv.fr/fr/datasets/catalogue-des-donnees-de-data-gouv-fr/"
    assert ds.identity_keys == [ds.landing_page,
                                "https://www.data.gouv.fr/api/1/datasets/catalogue-des-donnees-de-data-gouv-fr/"]
    assert ds.harvest is None and ds.spatial is None and ds.temporal_start is None
    assert ds.description.startswith("La plateforme data.gouv.fr") and "**La liste" in ds.description
    assert ds.raw["quality"]["score"] == 0.666666666666667
    assert len(ds.distributions) == 8
    assert [d.kind for d in ds.distributions] == ["file"] * 7 + ["documentation"]
    first = ds.distributions[0]
    assert (first.format, first.media_type, first.size) == ("csv", "text/csv", 176653507)
    assert first.source_id == "f868cca6-8da1-4369-a78d-47463f19a9a3"
    # {"name": null, "url": null, "version": null} means no schema
    assert all(d.schema_name is None and d.schema_url is None for d in ds.distributions)
    assert ds.raw["resources"][0]["extras"]["check:available"] is True


def test_real_dataset_without_its_organisation_object_has_no_siren():
    ds = to_dataset(load("dataset_metadata.datagouv_client-fixture.json"), portal="datagouv")
    assert ds.organisation_id == "646b7187b50b2a93b1ae3d45" and ds.organisation_siren is None


def test_real_resources_api1_and_api2():
    one = to_distribution(load("resource_metadata_api1.datagouv_client-fixture.json"))
    two = to_distribution(load("resource_metadata_api2.datagouv_client-fixture.json"))
    assert one == two
    assert one.url.endswith("/export-dataservice-20250407-061526.csv")
    assert (one.format, one.format_raw, one.media_type, one.size, one.kind) == \
        ("csv", "csv", "text/csv", 1643394, "file")
    assert one.modified == "2025-04-07T08:15:26.421000+00:00"
    assert one.source_id == "aaaaaaaa-1111-bbbb-2222-cccccccccccc"


def test_real_organisation():
    org = load("organization_metadata.datagouv_client-fixture.json")
    assert Organisation(org).siren == "130025265"
    assert match_organisation(org, "DINUM", ("130025265",)) == "siren"
    assert match_organisation(org, "data.gouv.fr", ("215903501",)) is None  # SIRET wins over name


def test_real_harvested_ods_dataset():
    """The udata harvest snapshot of an Opendatasoft DCAT export (database shape: no
    created_at, no licence, resources keyed ``_id``)."""
    raw = load("harvest-snapshot.dcat-capatlantique-ods.udata-fixture.json")["datasets"][0]
    ds = to_dataset(raw, portal="datagouv")
    landing = "https://data.capatlantique.fr/explore/dataset/264400516_arretes_ccas_guerande/"
    assert ds.harvest["backend"] == "DCAT" and ds.harvest["domain"] == "data.capatlantique.fr"
    assert ds.harvest["remote_id"] == ds.harvest["dct_identifier"] == landing
    assert ds.identity_keys == [landing]
    assert ds.issued == "2025-07-30T09:00:06.799000"
    assert ds.licence is None and ds.keywords == ["citoyennete-institution"]
    assert [(d.format, d.source_id) for d in ds.distributions] == [
        ("csv", "215dae4e-2eeb-4ad4-8194-d9151ab536a6"), ("json", "97042c8f-233c-47a5-8825-6abc50d66462")]
    assert ds.distributions[0].url.startswith(
        "https://data.capatlantique.fr/api/explore/v2.1/catalog/datasets/264400516_arretes_ccas_guerande/exports/csv")


def test_quality_algorithm_on_the_real_sample():
    raw = load("dataset_metadata.datagouv_client-fixture.json")
    q = compute_quality(raw, datetime(2025, 4, 8, tzinfo=timezone.utc))
    real = raw["quality"]
    # the cached real block says resources_documentation false although one resource is
    # of type documentation: udata computed it before that resource existed
    for key in real:
        if key not in ("resources_documentation", "score"):
            assert q[key] == real[key], key
    assert q["resources_documentation"] is True and q["score"] == 0.777777777777778
    late = compute_quality(raw, datetime(2025, 4, 20, tzinfo=timezone.utc))
    assert late["update_fulfilled_in_time"] is False


def w_name(insee: str) -> str:
    return load_registry().communes[insee].name


def test_organisation_matching_rules():
    assert match_organisation({"name": "Mairie de Marcq-en-Barœul"}, "Marcq-en-Barœul", ("215903782",)) == "name"
    # hyphens and apostrophes folded, the usual prefixes stripped
    for name in ("Commune d'Allennes les Marais", "Ville d'Allennes-les-Marais", "Mairie Allennes Les Marais",
                 "ALLENNES-LES-MARAIS", "Commune Allennes-les-Marais"):
        assert match_organisation({"name": name}, "Allennes-les-Marais", ("215900051",)) == "name", name
    assert match_organisation({"name": "Mairie du Maisnil"}, "Le Maisnil", ("215903683",)) == "name"
    assert match_organisation({"name": "Commune de Villeneuve d'Ascq"}, "Villeneuve-d'Ascq", ("215900093",)) == "name"
    # data.gouv.fr's siretisation, for an organisation that declares no SIRET
    siretised = {"name": "Allennes", "business_number_id": None,
                 "extras": {"siretisation:found_siret": "21590005100014"}}
    assert match_organisation(siretised, "Allennes-les-Marais", ("215900051",)) == "siretisation"
    assert match_organisation(siretised, "Lille", ("215903501",)) is None
    # a declared SIRET of another body rejects the organisation, whatever its name or siretisation
    assert match_organisation({"name": "Ville de Lille", "business_number_id": "26590001300015",
                               "extras": {"siretisation:found_siret": "21590350100097"}},
                              "Lille", ("215903501",)) is None
    assert match_organisation({"name": "Ville d'ARMENTIÈRES", "business_number_id": None},
                              "Armentières", ("215900176",)) == "name"
    assert match_organisation({"name": "Lille", "business_number_id": ""}, "Lille", ("215903501",)) == "name"
    assert match_organisation({"name": "Ville de Marquette-lez-Lille"}, "Lille", ("215903501",)) is None
    assert match_organisation({"name": "CCAS de Lille"}, "Lille", ("215903501",)) is None
    assert match_organisation({"name": "Métropole Européenne de Lille", "business_number_id": "24590041000011"},
                              "Métropole européenne de Lille", ("200093201", "245900410")) == "siren"


# -- the simulated portal ------------------------------------------------------------------------
def test_crawl_finds_exactly_what_datagouv_hosts(served):
    w, _, found, events = served
    assert {f"datagouv:{i}" for i in found} == expected_uids(w)
    assert not [e for e in events if e.level in ("warning", "error")]
    orgs = {o.id: o for o in w.organisations_on("datagouv")}
    for d in w.hosted("datagouv"):
        ds = found[d.source_id]
        assert ds.organisation_id == d.organisation
        siret = orgs[d.organisation].siret
        assert ds.organisation_siren == (siret[:9] if siret else None)
        assert ds.publisher.raw == orgs[d.organisation].name
        assert ds.title == d.title and ds.harvest is None
    for d, c in w.copies_on("datagouv"):
        siret = orgs[c.organisation].siret
        assert found[c.source_id].organisation_siren == (siret[:9] if siret else None)


def test_every_organisation_is_discovered_and_nameless_ones_by_name(served):
    w, _, _, events = served
    found = {e.detail["organisation"]: e.detail for e in events if e.code == "organisation-found"}
    orgs = w.organisations_on("datagouv")
    assert set(found) == {o.id for o in orgs}
    for o in orgs:
        assert found[o.id]["method"] == ("siren" if o.siret else "name")
        assert found[o.id]["body"] == (o.insee or "MEL")
        assert found[o.id]["siren"] == (o.siret[:9] if o.siret else None)
        assert found[o.id]["siren_source"] == ("business_number_id" if o.siret else None)
    assert any(o.siret is None for o in orgs)
    # a hyphenated commune whose organisation writes its name with spaces and declares no SIRET
    spaced = [o for o in orgs if o.siret is None and o.insee and "-" in w_name(o.insee) and "-" not in o.name]
    assert spaced and all(found[o.id]["method"] == "name" for o in spaced)


def test_copies_name_the_original_and_link_to_its_files(served):
    w, territory, found, _ = served
    modes = set()
    for d, c in w.copies_on("datagouv"):
        ds = found[c.source_id]
        orig = w.portals[d.portal]
        base = territory.urls[d.portal]
        landing = urls.landing_url(orig, base, d)
        assert [x.url for x in ds.distributions] == [urls.file_url(orig, base, d, f) for f in d.files]
        assert landing in ds.identity_keys or c.mode == "link"
        modes.add((c.mode, orig.kind))
        if c.mode == "link":
            assert ds.harvest is None
            continue
        legacy = ds.raw["harvest"] is None  # harvested before 2022: the identity is in extras
        modes.add(("legacy" if legacy else "block", orig.kind))
        assert ds.harvest["remote_url"] == landing
        assert ds.harvest["domain"] == base.split("//", 1)[1]
        assert ds.harvest["source_id"] and ds.harvest["last_update"]
        if legacy:
            assert "backend" not in ds.harvest  # old extras never said it
            assert ds.raw["extras"]["harvest:remote_id"] == ds.harvest["remote_id"]
            assert ds.raw["extras"]["harvest:domain"] == ds.harvest["domain"]
        if orig.kind == "geonetwork":
            assert legacy or ds.harvest["backend"] == "CSW-DCAT"
            assert ds.harvest["remote_id"] == ds.harvest["dct_identifier"] == d.source_id
            assert d.source_id in ds.identity_keys
        else:
            assert legacy or ds.harvest["backend"] == "DCAT"
            assert ds.harvest["remote_id"] == ds.harvest["uri"] == ds.harvest["dct_identifier"] == landing
    assert modes >= {("harvest", "geonetwork"), ("harvest", "opendatasoft"), ("link", "geonetwork"),
                     ("legacy", "geonetwork"), ("legacy", "opendatasoft"), ("block", "geonetwork"),
                     ("block", "opendatasoft")}


def test_originals_are_served_with_udata_spellings(served):
    w, territory, found, _ = served
    base = territory.urls["datagouv"]
    portal = w.portals["datagouv"]
    licences = {"lov2": "lov2", "odbl": "odc-odbl", "lo1": "fr-lo", None: "notspecified"}
    for d in w.hosted("datagouv"):
        ds = found[d.source_id]
        assert ds.licence == licences[d.licence]
        assert ds.frequency_raw == (d.frequency or "unknown")
        assert ds.landing_page == urls.landing_url(portal, base, d)
        assert [x.url for x in ds.distributions] == [urls.file_url(portal, base, d, f) for f in d.files]
        assert ds.raw["resources"][0]["filetype"] == "file"
        if d.schema:
            assert (ds.distributions[0].schema_name, ds.distributions[0].schema_version) == d.schema
    d = next(d for d in w.hosted("datagouv") if all(f.status == 200 for f in d.files))
    f = d.files[0]
    r = requests.get(urls.file_url(portal, base, d, f), timeout=5)
    assert r.status_code == 200 and r.content == content.render(d, f)[0]
    res = found[d.source_id].raw["resources"][0]
    assert res["checksum"]["value"] == hashlib.sha1(r.content).hexdigest() and res["filesize"] == len(r.content)


def test_simulated_objects_have_the_real_key_sets(served):
    w, territory, found, _ = served
    base = territory.urls["datagouv"]
    real = load("dataset_metadata.datagouv_client-fixture.json")
    ds = next(iter(found.values())).raw
    assert set(ds) == set(real)
    assert set(ds["resources"][0]) == set(real["resources"][0])
    assert set(ds["organization"]) == set(real["organization"])
    assert set(ds["quality"]) == set(real["quality"])
    org = requests.get(f"{base}/api/1/organizations/{ds['organization']['slug']}/", timeout=5).json()
    assert set(org) == set(load("organization_metadata.datagouv_client-fixture.json"))
    with_siret = next(o for o in w.organisations_on("datagouv") if o.siret)
    org = requests.get(f"{base}/api/1/organizations/{with_siret.id}/", timeout=5).json()
    assert org["business_number_id"] == with_siret.siret
    assert org["extras"]["siretisation:found_siret"] == with_siret.siret


def test_simulated_quality_follows_the_algorithm(served):
    _, _, found, _ = served
    scores = set()
    for ds in found.values():
        q = ds.raw["quality"]
        keys = [k for k in q if k not in ("score", "has_resources")]
        assert q["score"] == round(sum(1 for k in keys if q[k]) / 9, 15)
        assert q["license"] is True  # "notspecified" counts, as on data.gouv.fr (datagouv/data.gouv.fr#1490)
        scores.add(q["score"])
    assert len(scores) > 1
    # hydra found the broken files of copies: remote resources marked unavailable
    broken = [ds for ds in found.values()
              if any(r["extras"].get("check:available") is False for r in ds.raw["resources"])]
    assert broken and all(ds.raw["quality"]["all_resources_available"] is False for ds in broken)


def test_pager_and_errors_as_udata(served):
    w, territory, _, _ = served
    base = territory.urls["datagouv"]
    org = next(o for o in w.organisations_on("datagouv") if o.insee is None)
    r = requests.get(f"{base}/api/1/organizations/", params={"q": "metropole europeenne", "page_size": 20}, timeout=5)
    body = r.json()
    assert [o["id"] for o in body["data"]] == [org.id]
    assert (body["page"], body["page_size"], body["total"], body["next_page"], body["previous_page"]) == \
        (1, 20, 1, None, None)
    r = requests.get(f"{base}/api/1/organizations/{org.id}/datasets/", params={"page_size": 2}, timeout=5).json()
    assert r["total"] == sum(1 for _, c in w.copies_on("datagouv") if c.organisation == org.id)
    assert len(r["data"]) == 2 and r["next_page"].endswith("page=2&page_size=2")
    assert requests.get(f"{base}/api/1/datasets/", params={"page": 0}, timeout=5).status_code == 400
    bad = requests.get(f"{base}/api/1/datasets/", params={"page_size": "abc"}, timeout=5)
    assert bad.status_code == 400 and "page_size" in bad.json()["errors"]
    by_slug = requests.get(f"{base}/api/1/datasets/", params={"organization": org.slug}, timeout=5)
    assert by_slug.status_code == 400 and by_slug.json() == {"message": "Organization arg must be an identifier"}
    by_id = requests.get(f"{base}/api/1/datasets/", params={"organization": org.id, "page_size": 100}, timeout=5)
    assert by_id.json()["total"] == r["total"]
    assert requests.get(f"{base}/api/1/organizations/nope/", timeout=5).status_code == 404
    d = w.hosted("datagouv")[0]
    v2 = requests.get(f"{base}/api/2/datasets/{d.source_id}/", timeout=5).json()
    assert v2["resources"]["total"] == len(d.files) and v2["resources"]["rel"] == "subsection"
    res = requests.get(v2["resources"]["href"], timeout=5).json()["data"][0]
    one = requests.get(f"{base}/api/2/datasets/resources/{res['id']}/", timeout=5).json()
    assert one["dataset_id"] == d.source_id and to_distribution(one).url == res["url"]


def test_explicit_organisations_without_discovery(served):
    w, territory, _, _ = served
    org = next(o for o in w.organisations_on("datagouv") if o.siret is None)
    datasets, events = run_source("udata", territory.source_url("datagouv"), name="datagouv",
                                  options={"discover": False, "organizations": [org.slug, "n-existe-pas"]})
    expected = ({d.source_id for d in w.hosted("datagouv") if d.organisation == org.id}
                | {c.source_id for _, c in w.copies_on("datagouv") if c.organisation == org.id})
    assert {d.source_id for d in datasets} == expected and expected
    assert all(d.organisation_id == org.id and d.organisation_siren is None for d in datasets)
    # a reference that finds nothing is a configuration error naming it, and the listing is incomplete
    errors = [e for e in events if e.code == "config-error"]
    assert [e.detail["value"] for e in errors] == ["n-existe-pas"] and errors[0].level == "error"
    assert "« n-existe-pas »" in errors[0].message and "organizations" in errors[0].message
    assert any(e.code == "incomplete-listing" for e in events)


def test_paging_and_dataset_states(world):
    """An organisation with more than 100 datasets; deleted, private and archived ones
    are not records; a deleted dataset asked by id answers 410."""
    w = datagouv_only(world)
    template = w.hosted("datagouv")[0]
    org_id = template.organisation
    added = []
    for i in range(130):
        d = replace(template, key=f"{template.key}-lot-{i}", source_id="%024x" % (0xABC000 + i),
                    title=f"{template.title} (lot {i})", files=[replace(f) for f in template.files],
                    copies=[], extra={}, defects=[])
        added.append(d)
    added[0].extra["deleted"] = "2025-01-02T10:00:00+00:00"
    added[1].extra["private"] = True
    added[2].extra["archived"] = "2025-02-03T10:00:00+00:00"
    w.datasets.extend(added)
    gone = {d.source_id for d in added[:3]}
    expected = {d.source_id for d in w.hosted("datagouv") if d.organisation == org_id} - gone
    expected |= {c.source_id for _, c in w.copies_on("datagouv") if c.organisation == org_id}
    assert len(expected) > 100
    with SimTerritory(w) as territory:
        datasets, events = run_source("udata", territory.source_url("datagouv"), name="datagouv",
                                      options={"discover": False, "organizations": [org_id],
                                               "datasets": [added[0].source_id]})
    assert {d.source_id for d in datasets} == expected and len(datasets) == len(expected)
    skipped = [e.detail for e in events if e.code == "dataset-skipped"]
    assert skipped == [{"dataset": added[2].source_id, "state": "archived"}]
    assert [e.url.rsplit("/", 2)[-2] for e in events if e.code == "dataset-deleted"] == [added[0].source_id]


def test_faults_are_retried_and_nothing_is_lost(world):
    w = datagouv_only(world)
    w.portals["datagouv"].faults = Faults(rate=0.2, seed=11)
    with SimTerritory(w) as territory:
        datasets, events = run_source("udata", territory.source_url("datagouv"), name="datagouv")
        injected = len(territory.log.entries)
    assert {d.uid for d in datasets} == expected_uids(w)
    retries = [e for e in events if e.level == "info" and "attempt" in e.detail]
    assert injected > 5 and len(retries) >= injected * 0.9
    assert not [e for e in events if e.code == "incomplete-listing"]


def test_second_crawl_is_served_by_304s(world, tmp_path):
    w = datagouv_only(world)
    with SimTerritory(w) as territory:
        url = territory.source_url("datagouv")
        first, _ = run_source("udata", url, name="datagouv", cache_dir=str(tmp_path))
        http = HttpClient(HttpConfig(cache_dir=str(tmp_path), **FAST_HTTP))
        second, _ = run_source("udata", url, name="datagouv", http=http)
    assert [d.to_dict() for d in second] == [d.to_dict() for d in first]
    assert http.stats.requests > 90 and http.stats.not_modified == http.stats.requests


def test_unreachable_portal_raises(world):
    w = datagouv_only(world)
    w.portals["datagouv"].broken = "down"
    with SimTerritory(w) as territory:
        with pytest.raises(FetchError) as exc:
            run_source("udata", territory.source_url("datagouv"), name="datagouv")
    assert exc.value.status == 503
