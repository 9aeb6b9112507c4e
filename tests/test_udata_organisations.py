"""data.gouv.fr organisations: discovery as udata's search really answers (hyphenated commune names,
organisations without SIRET), organisations given by id, slug or SIRET, pinned to a commune in the
configuration, and references that find nothing (configuration errors, exit code 2)."""
from __future__ import annotations

from pathlib import Path

import pytest
import requests

from auditor.interfaces.cli import main
from auditor.config import ConfigError, parse_config
from auditor.crawling.http import FetchError
from auditor.simulate.server import SimTerritory
from auditor.simulate.world import SimDataset, SimFile, SimOrganisation, SimPortal, World
from auditor.crawling.sources.udata import search_query
from auditor.crawling.territory.registry import load_registry
from auditor.crawling.territory.resolve import PublisherResolver

from .helpers import run_source

ALLENNES = SimOrganisation("64a1b2c3d4e5f60718293a01", "datagouv", "Commune d'Allennes les Marais",
                           "commune-d-allennes-les-marais", siret=None, insee="59005")
WATTRELOS = SimOrganisation("64a1b2c3d4e5f60718293a02", "datagouv", "Mairie de Wattrelos",
                            "mairie-de-wattrelos", siret="21590650400021", insee="59650")
MARQUETTE = SimOrganisation("64a1b2c3d4e5f60718293a03", "datagouv", "Ville de Marquette-lez-Lille",
                            "ville-de-marquette-lez-lille", siret=None, insee="59386")
ALLENNES_SIRET = "21590005100014"  # a SIRET of Allennes-les-Marais (SIREN 215900051), declared by nobody


def small_world() -> World:
    datasets = []
    for n, org in enumerate([ALLENNES, ALLENNES, WATTRELOS, MARQUETTE]):
        key = f"jeu-{n}"
        datasets.append(SimDataset(
            key=key, owner=org.insee, portal="datagouv", source_id="%024x" % (0xD00 + n), kind="misc",
            title=f"Jeu {n}", description="Un jeu de données.", publisher=None, licence="lov2",
            issued="2023-01-02", modified="2025-03-04", frequency="annual", organisation=org.id,
            files=[SimFile(id="csv-1", title=f"{key}.csv", format="csv", media_type="text/csv")]))
    return World(seed=0, portals={"datagouv": SimPortal("datagouv", "udata", "data.gouv.fr")},
                 datasets=datasets, organisations=[ALLENNES, WATTRELOS, MARQUETTE])


@pytest.fixture(scope="module")
def portal():
    with SimTerritory(small_world()) as territory:
        yield territory.source_url("datagouv")


def _ids(datasets, org):
    return sorted(d.source_id for d in datasets if d.organisation_id == org.id)


def test_search_query_folds_hyphens_and_apostrophes():
    assert search_query("Allennes-les-Marais") == "Allennes les Marais"
    assert search_query("Villeneuve-d'Ascq") == "Villeneuve Ascq"
    assert search_query("La Chapelle-d'Armentières") == "La Chapelle Armentières"
    assert search_query("Marcq-en-Barœul") == "Marcq en"  # the index does not fold « œ »
    assert search_query("Annœullin") == "Annœullin"  # nothing else to search with
    assert search_query("Métropole européenne de Lille") == "Métropole européenne de Lille"


def test_the_simulated_search_reads_q_as_udata(portal):
    """udata quotes each space-separated piece of ``q`` as a phrase (AND): the hyphenated name is one
    phrase « Commune d'Allennes les Marais » does not contain."""
    url = f"{portal}/api/1/organizations/"

    def names(q):
        return [o["name"] for o in requests.get(url, params={"q": q, "page_size": 100}, timeout=5).json()["data"]]

    assert names("Allennes-les-Marais") == []
    assert names(search_query("Allennes-les-Marais")) == ["Commune d'Allennes les Marais"]
    assert names("allennes MARAIS") == ["Commune d'Allennes les Marais"]  # case aside
    assert names("Marquette-lez-Lille") == ["Ville de Marquette-lez-Lille"]
    assert names("Lille") == ["Ville de Marquette-lez-Lille"]
    # an organisation that declares no SIRET has no siretisation either; a SIRET is not an id
    org = requests.get(f"{url}{ALLENNES.slug}/", timeout=5).json()
    assert org["business_number_id"] is None and org["extras"] == {}
    assert requests.get(f"{url}{ALLENNES_SIRET}/", timeout=5).status_code == 404


def test_discovery_finds_a_hyphenated_commune_without_siret(portal):
    datasets, events = run_source("udata", portal, name="datagouv")
    assert not [e for e in events if e.level in ("warning", "error")]
    found = {e.detail["organisation"]: e.detail for e in events if e.code == "organisation-found"}
    assert found[ALLENNES.id] == {
        "organisation": ALLENNES.id, "organisation_name": "Commune d'Allennes les Marais", "body": "59005",
        "method": "name", "siren": None, "siren_source": None}
    assert (found[WATTRELOS.id]["method"], found[WATTRELOS.id]["siren"]) == ("siren", "215906504")
    # « Ville de Marquette-lez-Lille » is Marquette-lez-Lille's, never Lille's
    assert found[MARQUETTE.id]["body"] == "59386"
    assert len(found) == 3
    allennes = [d for d in datasets if d.organisation_id == ALLENNES.id]
    assert len(allennes) == 2 and all(d.organisation_siren is None for d in allennes)
    resolver = PublisherResolver(load_registry())
    assert {resolver.resolve(d.publisher.raw, siren=d.organisation_siren).insee for d in allennes} == {"59005"}


def test_an_organisation_pinned_to_a_commune(portal):
    datasets, events = run_source("udata", portal, name="datagouv", options={
        "discover": False,
        "organizations": [{"id": ALLENNES.slug, "commune": "59005"}, {"id": WATTRELOS.id, "commune": "MEL"}]})
    assert _ids(datasets, ALLENNES) == ["%024x" % 0xD00, "%024x" % 0xD01]
    # the commune's SIREN, from the registry, stands for the organisation's
    assert {d.organisation_siren for d in datasets if d.organisation_id == ALLENNES.id} == {"215900051"}
    assert {d.organisation_siren for d in datasets if d.organisation_id == WATTRELOS.id} == {"200093201"}
    found = {e.detail["organisation"]: e.detail for e in events if e.code == "organisation-found"}
    assert (found[ALLENNES.id]["method"], found[ALLENNES.id]["body"], found[ALLENNES.id]["siren_source"]) == \
        ("config", "59005", "configuration")
    # the configuration wins over the SIRET the organisation declares, and says so
    (pin,) = [e for e in events if e.code == "organisation-pin-overrides"]
    assert pin.level == "warning" and pin.detail["siret"] == "21590650400021"
    assert "Métropole européenne de Lille" in pin.message
    assert not [e for e in events if e.level == "error"]


def test_a_pin_wins_over_discovery(portal):
    datasets, events = run_source("udata", portal, name="datagouv", options={
        "organizations": [{"id": MARQUETTE.slug, "commune": "59350"}]})
    found = {e.detail["organisation"]: e.detail for e in events if e.code == "organisation-found"}
    assert (found[MARQUETTE.id]["method"], found[MARQUETTE.id]["body"]) == ("config", "59350")
    assert {d.organisation_siren for d in datasets if d.organisation_id == MARQUETTE.id} == {"215903501"}
    assert len(datasets) == 4


def test_organisations_given_by_siret_or_siren(portal):
    for ref in ("21590650400021", "215 906 504"):
        datasets, events = run_source("udata", portal, name="datagouv",
                                      options={"discover": False, "organizations": [ref]})
        assert _ids(datasets, WATTRELOS) == ["%024x" % 0xD02] and len(datasets) == 1
        assert {d.organisation_siren for d in datasets} == {"215906504"}
        (e,) = [e for e in events if e.code == "organisation-found"]
        assert (e.detail["method"], e.detail["body"]) == ("siret-option", "59650")


def test_references_that_find_nothing_are_configuration_errors(portal):
    datasets, events = run_source("udata", portal, name="datagouv", options={
        "discover": False,
        "organizations": [WATTRELOS.slug, "n-existe-pas", ALLENNES_SIRET, "13002526500013",
                          {"id": ALLENNES.slug, "commune": "59999"}]})
    assert _ids(datasets, WATTRELOS) == ["%024x" % 0xD02]
    errors = {e.detail["value"]: e.message for e in events if e.code == "config-error"}
    assert set(errors) == {"n-existe-pas", ALLENNES_SIRET, "13002526500013", ALLENNES.slug}
    assert all(m.startswith("Source datagouv, option organizations : « ") for m in errors.values())
    assert "HTTP 404" in errors["n-existe-pas"]
    assert "aucune organisation de data.gouv.fr ne déclare ce SIRET" in errors[ALLENNES_SIRET]
    assert "aucune collectivité du territoire" in errors["13002526500013"]
    assert "« 59999 »" in errors[ALLENNES.slug]
    assert [e.level for e in events if e.code == "incomplete-listing"] == ["error"]


def test_nothing_found_at_all_fails_the_portal(portal):
    with pytest.raises(FetchError) as exc:
        run_source("udata", portal, name="datagouv",
                   options={"discover": False, "organizations": [ALLENNES_SIRET]})
    assert exc.value.code == "config-error" and ALLENNES_SIRET in exc.value.message


def _toml(url: str, options: str) -> str:
    return (f'[territory]\nname = "Test"\n[http]\nretries = 1\nbackoff = 0.01\n[crawl]\nprobe = false\n'
            f'[[sources]]\nname = "datagouv"\nkind = "udata"\nurl = "{url}"\n[sources.options]\n{options}\n')


@pytest.mark.parametrize("command", ["crawl", "audit"])
def test_cli_exits_2_when_the_configuration_finds_nothing(portal, tmp_path, capsys, command):
    path = tmp_path / "t.toml"
    path.write_text(_toml(portal, f'discover = false\norganizations = ["{ALLENNES_SIRET}"]'), "utf-8")
    assert main([command, "--config", str(path), "--data-dir", str(tmp_path / "d"), "-q"]) == 2
    err = capsys.readouterr().err
    assert ALLENNES_SIRET in err and ("Erreur de configuration" in err or "organizations" in err)


def test_cli_names_a_bad_reference_and_collects_the_rest(portal, tmp_path, capsys):
    path = tmp_path / "t.toml"
    path.write_text(_toml(portal, f'discover = false\norganizations = ["{WATTRELOS.slug}", "n-existe-pas"]'),
                    "utf-8")
    out = tmp_path / "out.jsonl"
    assert main(["crawl", "--config", str(path), "--data-dir", str(tmp_path / "d"), "-q", "--output", str(out)]) == 0
    err = capsys.readouterr().err
    assert "Erreur de configuration : Source datagouv, option organizations : « n-existe-pas »" in err
    assert len(out.read_text("utf-8").splitlines()) == 1


def test_the_configuration_checks_organizations():
    base = '[[sources]]\nname = "dg"\nkind = "udata"\nurl = "https://www.data.gouv.fr"\n[sources.options]\n'
    cfg = parse_config(base + 'organizations = ["58b69c62c751df4b175dd7a4", { id = "mairie-x", commune = "59005" }]',
                       "t.toml", Path("."))
    assert cfg.sources[0].options["organizations"][1] == {"id": "mairie-x", "commune": "59005"}
    for bad, said in [('organizations = [{ commune = "59005" }]', "sans « id »"),
                      ('organizations = [{ id = "x", insee = "59005" }]', "insee"),
                      ('organizations = [{ id = "x", commune = 59005 }]', "commune"),
                      ('organizations = [12]', "12"),
                      ("discover = false", "rien à collecter")]:
        with pytest.raises(ConfigError) as exc:
            parse_config(base + bad, "t.toml", Path("."))
        assert "[sources #1.options]" in str(exc.value) and said in str(exc.value), bad
