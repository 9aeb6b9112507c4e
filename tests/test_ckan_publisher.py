"""CKAN / DKAN: who publishes a package. The publisher is the ``publisher`` / ``publisher_*`` fields
(ckanext-dcat), else the package's organisation (DKAN: its group), never its author or maintainer,
who are contacts; the organisation's SIREN comes from the organisation's extras only."""
from __future__ import annotations

import json

from auditor.normalize.frequency import normalize_frequency
from auditor.simulate.server import SimTerritory
from auditor.simulate.world import SimDataset, SimFile, SimOrganisation, SimPortal, World
from auditor.crawling.sources.ckan import to_dataset

from .helpers import PORTALS, run_source
from .test_ckan import serve

CAPTURE = PORTALS / "ckan" / "dkan-package_show.hautsdefrance.udata-fixture.json"


def _capture() -> dict:
    return json.loads(CAPTURE.read_text("utf-8"))


def test_real_dkan_capture_served_and_crawled():
    """The real DKAN 7 answer (opendata.hautsdefrance.fr), served as DKAN serves it, read through
    ``package_list`` then ``package_show``: the group is the publisher, the maintainer the contact."""
    body = json.dumps(_capture(), ensure_ascii=False).encode("utf-8")
    name = _capture()["result"][0]["name"]
    asked = []

    def routes(path, q):
        asked.append((path, q))
        if path == "/api/3/action/package_list":
            return 200, json.dumps({"help": "h", "success": True, "result": [name]}).encode(), "application/json"
        if path == "/api/3/action/package_show" and q.get("id") == name:
            return 200, body, "application/json"
        return 404, b"{}", "application/json"

    with serve(routes) as base:
        datasets, events = run_source("ckan", base, name="hdf", options={"api": "package_list"})
    assert not [e for e in events if e.level == "error"]
    (ds,) = datasets
    assert ds.source_id == "04be6288-696d-4331-850d-a144871a7e3a"
    # publisher: the DKAN group, exactly as written; its id is the organisation id and every
    # resource names it as its resource_group_id
    assert ds.publisher.raw == "Région Hauts-de-France"
    assert ds.organisation_id == "b72cd25d-1cec-49f6-8c71-297bd373fa01"
    assert {r["resource_group_id"] for r in ds.raw["resources"]} == {ds.organisation_id}
    assert ds.organisation_siren is None  # no organisation extras, and the package's own are never read
    assert ds.themes == []  # the group is the publisher, not a theme
    # contact: the maintainer (ckanext-dcat's fallback), not the author e-mail nor contact-email
    assert (ds.contact_name, ds.contact_email) == ("Opendata de la Région Hauts-de-France",
                                                   "opendata@hautsdefrance.fr")
    # harvest identity: ckanext-harvest extras, guid the remote record
    assert ds.harvest == {"backend": "ckan-harvest", "remote_id": "4b5f8e1b-de37-47cd-9203-37a59f318b09",
                          "source_id": "c6a6feb7-fc9a-4a26-ab6a-cd13024c4fdd",
                          "source_title": "Données ouvertes publiées par la région Hauts-de-France"}
    assert ds.frequency_raw == "asNeeded"  # ckanext-spatial's frequency-of-update
    assert ds.frequency == normalize_frequency("asNeeded")


def test_real_dkan_package_without_group_has_no_publisher():
    """The same real package in no group: DKAN names no publisher; its maintainer « Opendata de la
    Région Hauts-de-France » and author e-mail stay contacts."""
    pkg = dict(_capture()["result"][0], groups=[])
    ds = to_dataset(pkg, "hdf", "https://opendata.hautsdefrance.fr", dkan=True)
    assert ds.publisher.raw is None and ds.organisation_id is None
    assert ds.contact_name == "Opendata de la Région Hauts-de-France"


def test_groups_are_themes_on_ckan():
    """On CKAN itself a group is a theme, never the publisher (only DKAN answers read it so)."""
    pkg = dict(_capture()["result"][0])
    ds = to_dataset(pkg, "hdf", "https://opendata.hautsdefrance.fr", dkan=False)
    assert ds.publisher.raw is None and ds.themes == ["Région Hauts-de-France"]


def _pkg(**kw) -> dict:
    base = {"id": "p1", "name": "p1", "title": "Jeu", "author": "Camille Dubois",
            "author_email": "camille.dubois@agents.example.fr", "maintainer": "Service SIG",
            "maintainer_email": "sig@ville.fr", "extras": [], "resources": []}
    return base | kw


def test_publisher_follows_ckanext_dcat():
    org = {"id": "o1", "name": "ville-de-croix", "title": "Ville de Croix",
           "extras": [{"key": "siret", "value": "21590163800019"}]}
    # no organisation, no publisher field: nobody (the author is a person, the maintainer a contact)
    ds = to_dataset(_pkg(), "p", "https://ckan.example")
    assert ds.publisher.raw is None and ds.contact_name == "Service SIG"
    # the organisation
    ds = to_dataset(_pkg(organization=org), "p", "https://ckan.example")
    assert (ds.publisher.raw, ds.organisation_id, ds.organisation_siren) == ("Ville de Croix", "o1", "215901638")
    # publisher_name (legacy ckanext-dcat extras) wins over the organisation, exactly as written
    extras = [{"key": "publisher_name", "value": "Mairie de Croix "}, {"key": "siret", "value": "21590650400021"}]
    ds = to_dataset(_pkg(organization=org, extras=extras), "p", "https://ckan.example")
    assert ds.publisher.raw == "Mairie de Croix "
    assert ds.organisation_siren == "215901638"  # the package's own « siret » extra is not the organisation's
    # publisher_uri alone
    ds = to_dataset(_pkg(extras=[{"key": "publisher_uri", "value": "https://ville.example/"}]), "p", "https://x")
    assert ds.publisher.raw == "https://ville.example/"
    # ckanext-scheming: a publisher object list
    ds = to_dataset(_pkg(organization=org, publisher=[{"name": "Ville de Croix - SIG", "uri": ""}]), "p", "https://x")
    assert ds.publisher.raw == "Ville de Croix - SIG"
    # contact: ckanext-dcat's contact fields first, then maintainer, then author
    ds = to_dataset(_pkg(extras=[{"key": "contact_name", "value": "Pôle données"},
                                 {"key": "contact_email", "value": "mailto:donnees@ville.fr"}]), "p", "https://x")
    assert (ds.contact_name, ds.contact_email) == ("Pôle données", "donnees@ville.fr")
    ds = to_dataset(_pkg(maintainer=None, maintainer_email=None), "p", "https://x")
    assert (ds.contact_name, ds.contact_email) == ("Camille Dubois", "camille.dubois@agents.example.fr")
    assert ds.publisher.raw is None


def test_simulated_packages_without_organisation():
    """The simulated CKAN: a package without organisation has a person as author, and its publisher
    (when it has one) in ``publisher_name``; the crawl takes the publisher from there, never the author."""
    portal = SimPortal("p", "ckan", "portail p")
    org = SimOrganisation("0a1b2c3d-0000-4000-8000-000000000001", "p", "Ville de Wattrelos",
                          "ville-de-wattrelos", siret="21590650400021", insee="59650")
    datasets = []
    for i, (publisher, organisation) in enumerate([("Mairie de Croix - service SIG", None), (None, None),
                                                   ("Ville de Wattrelos", org.id)]):
        key = f"jeu-{i}"
        datasets.append(SimDataset(
            key=key, owner="59650", portal="p", source_id=f"5f0c{i:04d}-1111-4222-8333-{i:012d}", kind="misc",
            title=f"Jeu {i}", description="d", publisher=publisher, licence="lov2", issued="2021-02-03",
            modified="2024-05-06", contact_name="Service données", contact_email="donnees@ville.fr",
            files=[SimFile(id="csv-1", title=f"{key}.csv", format="csv", media_type="text/csv")],
            organisation=organisation))
    # the authors of these packages are people (the simulator's choice is deterministic)
    world = World(seed=0, portals={"p": portal}, datasets=datasets, organisations=[org])
    with SimTerritory(world) as t:
        found, events = run_source("ckan", t.source_url("p"), name="p")
    by_key = {d.raw["name"]: d for d in found}
    assert not [e for e in events if e.level == "error"]
    assert by_key["jeu-0"].publisher.raw == "Mairie de Croix - service SIG"
    assert {"key": "publisher_name", "value": "Mairie de Croix - service SIG"} in by_key["jeu-0"].raw["extras"]
    assert by_key["jeu-0"].organisation_id is None and by_key["jeu-0"].organisation_siren is None
    assert by_key["jeu-1"].publisher.raw is None
    assert by_key["jeu-2"].publisher.raw == "Ville de Wattrelos"
    assert by_key["jeu-2"].organisation_siren == "215906504"
    authors = [d.raw["author"] for d in found if d.raw["author"]]
    assert authors and all(a.count(" ") == 1 and a not in (d.publisher.raw for d in found) for a in authors)
    for d in found:
        assert (d.contact_name, d.contact_email) == ("Service données", "donnees@ville.fr")
