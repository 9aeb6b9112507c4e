"""data.gouv.fr: the real captured responses, served on 127.0.0.1 as data.gouv.fr serves them, crawled
through the udata source, and the normalised records checked field by field (publisher, organisation
SIREN and where it was read, harvest identity, dates)."""
from __future__ import annotations

import copy
import json

import pytest

from auditor.crawling.http import FetchError
from auditor.crawling.sources.udata import Organisation, harvest_identity, match_organisation, to_dataset

from .helpers import PORTALS, run_source
from .test_ckan import serve

DATAGOUV = PORTALS / "datagouv"
ORG_ID, ORG_SLUG = "646b7187b50b2a93b1ae3d45", "data-gouv-fr"
SNAPSHOT_LANDING = "https://data.capatlantique.fr/explore/dataset/264400516_arretes_ccas_guerande/"


def load(name: str):
    return json.loads((DATAGOUV / name).read_text("utf-8"))


def replay(org: dict, datasets: list[dict]):
    """A data.gouv.fr answering for one organisation (by id and by slug) and its datasets."""
    def routes(path, q):
        def ok(obj):
            return 200, json.dumps(obj, ensure_ascii=False).encode("utf-8"), "application/json"

        if path in (f"/api/1/organizations/{ORG_ID}/", f"/api/1/organizations/{ORG_SLUG}/"):
            return ok(org)
        if path == f"/api/1/organizations/{ORG_ID}/datasets/":
            return ok({"data": datasets, "page": 1, "page_size": int(q.get("page_size", 20)),
                       "total": len(datasets), "next_page": None, "previous_page": None})
        return 404, json.dumps({"message": "Not found"}).encode(), "application/json"

    return serve(routes)


def crawl(org: dict, datasets: list[dict], organizations: list):
    with replay(org, datasets) as base:
        return run_source("udata", base, name="datagouv",
                          options={"discover": False, "organizations": organizations})


def test_real_dataset_of_a_real_organisation():
    org = load("organization_metadata.datagouv_client-fixture.json")
    raw = load("dataset_metadata.datagouv_client-fixture.json")
    (ds,), events = crawl(org, [raw], [ORG_ID])
    assert not [e for e in events if e.level in ("warning", "error")]
    assert ds.uid == "datagouv:5d13a8b6634f41070a43dff3"
    assert ds.publisher.raw == "data.gouv.fr"  # organization.name, as written
    assert ds.organisation_id == ORG_ID
    assert ds.organisation_siren == "130025265"  # business_number_id 13002526500013
    assert ds.harvest is None  # harvest null, extras without harvest:* keys
    assert ds.issued == "2019-06-26T19:17:42.238000+00:00"  # created_at
    assert ds.modified == "2025-04-07T08:15:30.581000+00:00"  # last_update
    assert ds.metadata_modified == "2025-04-07T06:15:30.658000+00:00"  # last_modified
    assert (ds.licence, ds.frequency_raw) == ("lov2", "weekly")
    assert ds.landing_page == "https://www.data.gouv.fr/fr/datasets/catalogue-des-donnees-de-data-gouv-fr/"
    assert (ds.contact_name, ds.contact_email) == (None, None)  # contact_points: []
    assert ds.raw == raw


def test_real_organisation_siren_and_how_it_matches():
    org = load("organization_metadata.datagouv_client-fixture.json")
    o = Organisation(org)
    assert (o.siren, o.siren_source) == ("130025265", "business_number_id")
    assert match_organisation(org, "Direction interministérielle du numérique", ("130025265",)) == "siren"
    # the same organisation, had it not filled business_number_id in (derived from the capture):
    # data.gouv.fr's siretisation still names its SIRET
    siretised = dict(org, business_number_id=None)
    o = Organisation(siretised)
    assert (o.siren, o.siren_source) == ("130025265", "siretisation:found_siret")
    assert match_organisation(siretised, "DINUM", ("130025265",)) == "siretisation"
    assert match_organisation(siretised, "data.gouv.fr", ("215903501",)) is None  # its SIRET is another's


def test_real_organisation_without_business_number_id_crawled():
    org = dict(load("organization_metadata.datagouv_client-fixture.json"), business_number_id=None)
    (ds,), _ = crawl(org, [load("dataset_metadata.datagouv_client-fixture.json")], [ORG_SLUG])
    assert ds.organisation_siren == "130025265"


def test_real_organisation_pinned_to_a_commune():
    org = load("organization_metadata.datagouv_client-fixture.json")
    (ds,), events = crawl(org, [load("dataset_metadata.datagouv_client-fixture.json")],
                          [{"id": ORG_SLUG, "commune": "59350"}])
    assert ds.organisation_siren == "215903501"  # Lille's, as the configuration says
    assert ds.publisher.raw == "data.gouv.fr"  # the publisher stays as written
    (found,) = [e for e in events if e.code == "organisation-found"]
    assert (found.detail["method"], found.detail["body"], found.detail["siren_source"]) == \
        ("config", "59350", "configuration")
    (pin,) = [e for e in events if e.code == "organisation-pin-overrides"]
    assert pin.detail["siret"] == "13002526500013" and "Lille" in pin.message


def test_real_organisation_siret_outside_the_territory_is_a_configuration_error():
    org = load("organization_metadata.datagouv_client-fixture.json")
    with pytest.raises(FetchError) as exc:
        crawl(org, [], ["13002526500013"])
    assert exc.value.code == "config-error" and "« 13002526500013 »" in exc.value.message


def test_real_harvested_dataset_served():
    """The udata harvest snapshot of an Opendatasoft DCAT export: its ``harvest`` block is the
    identity (udata's database shape: no created_at, so it is computed as udata does)."""
    org = load("organization_metadata.datagouv_client-fixture.json")
    raw = load("harvest-snapshot.dcat-capatlantique-ods.udata-fixture.json")["datasets"][0]
    (ds,), _ = crawl(org, [raw], [ORG_ID])
    assert ds.harvest == {
        "backend": "DCAT", "created_at": "2025-07-30 09:00:06.799000", "modified_at": "2025-07-30 09:00:06.799000",
        "source_id": "6889e4514bcc6988a77ad995", "remote_id": SNAPSHOT_LANDING, "domain": "data.capatlantique.fr",
        "last_update": "2025-07-30 09:22:26.643000", "remote_url": SNAPSHOT_LANDING, "uri": SNAPSHOT_LANDING,
        "dct_identifier": SNAPSHOT_LANDING}
    assert ds.identity_keys == [SNAPSHOT_LANDING]
    assert ds.issued == "2025-07-30T09:00:06.799000"  # harvest.created_at: udata's created_at
    assert ds.modified == "2025-07-30T09:00:06.799000"  # last_update
    assert ds.publisher.raw is None  # the snapshot's dataset names no organisation object
    assert ds.organisation_id == ORG_ID and ds.organisation_siren == "130025265"  # listed under it


def test_harvest_identity_in_pre_2022_extras():
    """The same real dataset as udata served it before its 2022 migration
    (``2022-10-10-migrate-harvest-extras`` moved these extras into the ``harvest`` block; derived from
    the capture by moving them back): the harvest identity is read from the extras."""
    raw = load("harvest-snapshot.dcat-capatlantique-ods.udata-fixture.json")["datasets"][0]
    block = raw["harvest"]
    old = copy.deepcopy(raw)
    old["harvest"] = None
    old["extras"] = dict(old["extras"], **{
        "harvest:remote_id": block["remote_id"], "harvest:source_id": block["source_id"],
        "harvest:domain": block["domain"], "harvest:last_update": block["last_update"],
        "remote_url": block["remote_url"], "uri": block["uri"], "dct:identifier": block["dct_identifier"]})
    org = load("organization_metadata.datagouv_client-fixture.json")
    (ds,), _ = crawl(org, [old], [ORG_ID])
    assert ds.harvest == {k: block[k] for k in ("remote_id", "source_id", "domain", "last_update", "remote_url",
                                                "uri", "dct_identifier")}
    assert ds.identity_keys == [SNAPSHOT_LANDING]
    # the documented block wins when both are there; extras without harvest:* keys are no harvest
    both = dict(old, harvest=block)
    assert harvest_identity(both) == block
    assert harvest_identity(dict(raw, harvest=None)) is None
    assert to_dataset(dict(raw, harvest=None), portal="datagouv").harvest is None
