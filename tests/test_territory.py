"""The shipped commune registry and publisher resolution."""
from __future__ import annotations

import csv

import pytest

from auditor.crawling.territory.registry import load_registry
from auditor.crawling.territory.resolve import PublisherResolver
from tests.helpers import SHARED


@pytest.fixture(scope="module")
def registry():
    return load_registry()


@pytest.fixture(scope="module")
def resolver(registry):
    return PublisherResolver(registry, aliases={"Ilévia": "MEL", "Syndicat des eaux": "other:SIDEN"},
                             others=["DREAL Hauts-de-France"])


def test_registry_matches_the_official_facts(registry):
    rows = list(csv.DictReader(open(SHARED / "data/communes/mel-communes.csv", encoding="utf-8")))
    assert len(registry.communes) == len(rows) == 95
    for r in rows:
        c = registry.communes[r["code_insee"]]
        assert (c.name, c.siren, c.population) == (r["nom"], r["siren_commune"], int(r["pmun_millesime2023_insee"]))
    members = {r["insee"]: r["siren_membre"] for r in
               csv.DictReader(open(SHARED / "data/communes/mel-epcicom2025-membres.csv", encoding="utf-8"))}
    assert {k: c.siren for k, c in registry.communes.items()} == members
    lille = registry.communes["59350"]
    assert ("59355", "Lomme") in lille.associated and ("59298", "Hellemmes-Lille") in lille.associated
    assert registry.by_siren["200093201"].kind == "metropole"
    assert registry.by_siren["245900410"].kind == "metropole"  # Lille Métropole's former SIREN


@pytest.mark.parametrize("raw, code, method", [
    ("Ville d'ARMENTIERES", "59017", "name"),
    ("commune Ennetières en Weppes", "59196", "name"),
    ("Ville de Villeneuve d'Ascq", "59009", "name"),
    ("Ville de Loos", "59360", "name"),
    ("Ville de Tourcoing", "59599", "name"),
    ("Ville de Roubaix", "59512", "name"),
    ("MEL", "MEL", "name"),
    ("Métropole Européenne de Lille", "MEL", "name"),
    ("Métropole européenne de Lille (MEL)", "MEL", "name"),
    ("Lille Métropole", "MEL", "name"),
    ("Mairie de Lomme", "59350", "associated"),
    ("Hellemmes", "59350", "associated"),
    ("Ville de Lille - Direction de la communication", "59350", "name-contained"),
    ("Ville de Marquette-lez-Lille", "59386", "name"),
    ("Commune de Marcq-en-Baroeul", "59378", "name"),
    ("VILLE DE MONS EN BAROEUL", "59410", "name"),
    ("Ilévia", "MEL", "alias"),
    ("SIREN 215905126", "59512", "siren"),
])
def test_messy_publishers_resolve(resolver, raw, code, method):
    p = resolver.resolve(raw)
    assert (p.code, p.method) == (code, method)


@pytest.mark.parametrize("raw", ["Croix-Rouge française", "Service SIG", "Direction des systèmes d'information",
                                 "Villes de Lille et de Roubaix", "", None])
def test_unresolvable_publishers_are_not_guessed(resolver, raw):
    assert resolver.resolve(raw).kind == "unresolved"


def test_known_other_bodies_and_aliases(resolver):
    assert resolver.resolve("DREAL Hauts-de-France").kind == "other"
    p = resolver.resolve("Syndicat des eaux")
    assert (p.kind, p.name) == ("other", "SIDEN")


def test_siren_of_the_organisation_wins_over_the_string(resolver):
    p = resolver.resolve("Mairie", siren="21590512600017")
    assert (p.code, p.method) == ("59512", "siren")


def test_portal_owner_only_when_no_publisher_is_given(resolver):
    assert resolver.resolve(None, portal_owner="59512").code == "59512"
    assert resolver.resolve("", portal_owner="MEL").kind == "metropole"
    assert resolver.resolve("Service SIG", portal_owner="59512").kind == "unresolved"


def test_real_odater_publisher_strings_resolve_to_their_siren(resolver):
    """The publisher facet values the MEL and Roubaix portals really used (ODATER)."""
    rows = list(csv.DictReader(open(SHARED / "data/portals/ods/odater-publisher-facets.mel-roubaix.csv",
                                    encoding="utf-8")))
    assert len(rows) == 8
    for r in rows:
        p = resolver.resolve(r["id-ods"])
        assert p.siren == r["siren"] or (p.kind == "metropole" and r["siren"] == "245900410"), r["id-ods"]


def test_publisher_strings_of_french_communes_on_opendatasoft():
    """236 real organisations on French ODS portals (ODATER): every commune's publisher string
    resolves to that commune, never to another one."""
    from auditor.model import Commune
    from auditor.crawling.territory.registry import Registry

    rows = list(csv.DictReader(open(SHARED / "data/portals/ods/odater-opendatasoft-publishers.fr.csv",
                                    encoding="utf-8")))
    communes = {r["siren"]: Commune(insee=r["siren"], name=r["nom"], siren=r["siren"])
                for r in rows if r["type"] == "COM"}
    registry = Registry("France", communes, Commune(insee="MEL", name="Métropole européenne de Lille",
                                                    siren="200093201", kind="metropole"))
    resolver = PublisherResolver(registry)
    tested = resolved = 0
    for r in rows:
        if r["type"] != "COM" or not r["id-ods"]:
            continue
        tested += 1
        p = resolver.resolve(r["id-ods"])
        assert p.kind in ("commune", "unresolved"), (r["id-ods"], p)
        if p.kind == "commune":
            assert p.siren == r["siren"], (r["id-ods"], p.name, r["nom"])
            resolved += 1
    assert tested > 50 and resolved / tested > 0.9
