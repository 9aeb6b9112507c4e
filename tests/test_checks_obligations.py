"""Commune, portal, availability and SCDL checks on hand-built catalogues."""
from __future__ import annotations

from datetime import datetime, timezone

from auditor.auditing.applicability import applicability
from auditor.auditing.audit import build_context
from auditor.crawling.catalogue import Catalogue
from auditor.auditing.checks import get
from auditor.crawling.crawl import CrawlResult, PortalResult
from auditor.crawling.http import HttpStats
from auditor.model import Availability, Dataset, Distribution, Publisher
from auditor.crawling.territory.registry import load_registry

AS_OF = datetime(2026, 11, 15, 12, tzinfo=timezone.utc)
LILLE, ENNETIERES = "59350", "59196"  # 238 246 and 1 280 inhabitants


def ds(sid, code, title, *, portal="mel", kind="geonetwork", modified=None, dists=(), copy_of=None):
    pub = Publisher(raw="x", kind="metropole" if code == "MEL" else "commune", insee=None if code == "MEL" else code)
    return Dataset(portal=portal, portal_kind=kind, source_id=sid, title=title, publisher=pub, modified=modified,
                   distributions=list(dists), copy_of=copy_of)


def context(datasets, agents=None, portals=()):
    registry = load_registry(agents=agents or {})
    crawl = CrawlResult(catalogue=Catalogue(datasets=list(datasets)), portals=list(portals), stats=HttpStats(),
                        registry=registry, started_at="")
    return build_context(crawl, AS_OF, applicability(registry))


def run(check_id, target, ctx, **params):
    module = get(check_id)
    return list(module.check(target, {**module.PARAMS, **params}, ctx))


def test_applicability_thresholds():
    apps = applicability(load_registry(agents={LILLE: 7000, "59009": 40}))
    assert apps[LILLE].status == "bound"
    assert apps["59009"].status == "not-bound" and "moins de 50 agents" in apps["59009"].reasons[0]
    assert apps[ENNETIERES].status == "not-bound" and "moins de 3500 habitants" in apps[ENNETIERES].reasons[0]
    assert apps["59512"].status == "presumed"  # Roubaix: staff unknown
    assert apps["MEL"].status == "presumed" and apps["MEL"].population > 1_000_000
    exactly = applicability(load_registry())  # a commune of exactly 3 500 is not "moins de 3 500"
    assert all((a.population >= 3500) == (a.status != "not-bound") for a in exactly.values())


def test_staff_unknown_is_reported_as_such():
    ctx, _ = context([], agents={LILLE: 7000})
    assert run("applicabilite-effectif", ctx.communes["59512"], ctx)[0].fr.startswith("Roubaix compte 98286 habitants")
    assert not run("applicabilite-effectif", ctx.communes[LILLE], ctx)
    assert not run("applicabilite-effectif", ctx.communes[ENNETIERES], ctx)


CSV = [Distribution(url="https://a/f.csv", format="csv")]


def test_obligatory_dataset_presence_and_where_searched():
    grants = ds("s", LILLE, "Subventions accordées aux associations", modified="2026-06-01", dists=CSV)
    ctx, _ = context([grants], portals=[PortalResult("mel", "geonetwork", "u"), PortalResult("datagouv", "udata", "v")])
    assert not run("jeu-obligatoire", ctx.communes[LILLE], ctx, kind="subventions")
    [p] = run("jeu-obligatoire", ctx.communes[LILLE], ctx, kind="marches")
    assert "aucun jeu de données essentielles des marchés publics" in p.fr and "datagouv, mel" in p.fr


def test_declared_schema_counts_even_with_an_odd_title():
    odd = ds("x", LILLE, "Fichier 2024", dists=[Distribution(url="u", format="csv", schema_name="scdl/subventions")])
    ctx, _ = context([odd])
    assert not run("jeu-obligatoire", ctx.communes[LILLE], ctx, kind="subventions")


def test_freshness_of_obligatory_datasets_with_several_date_forms():
    old = ds("a", LILLE, "Données essentielles des marchés publics", modified="2025-01-10T08:00:00+01:00")
    recent_file = ds("b", LILLE, "DECP 2026 marchés publics", modified=None,
                     dists=[Distribution(url="f", modified="2026-10-01")])
    ctx, _ = context([old])
    [p] = run("jeu-obligatoire-a-jour", ctx.communes[LILLE], ctx, kind="marches", max_age_days=183)
    assert "10 janvier 2025" in p.fr and "22 mois" in p.fr
    ctx, _ = context([old, recent_file])  # the most recent of the commune's DECP counts
    assert not run("jeu-obligatoire-a-jour", ctx.communes[LILLE], ctx, kind="marches", max_age_days=183)
    undated = ds("c", LILLE, "Données essentielles des marchés publics")
    ctx, _ = context([undated])
    [p] = run("jeu-obligatoire-a-jour", ctx.communes[LILLE], ctx, kind="marches", max_age_days=183)
    assert "aucune date" in p.fr


def test_bound_commune_publishing_nothing():
    ctx, _ = context([ds("a", LILLE, "Parcs", dists=CSV)], agents={"59512": 900})
    assert run("publication-minimale", ctx.communes["59512"], ctx)
    assert not run("publication-minimale", ctx.communes[LILLE], ctx)
    assert not run("publication-minimale", ctx.communes[ENNETIERES], ctx)  # not bound: never failing


def test_portal_failures():
    ctx, portals = context([], portals=[PortalResult("roubaix", "opendatasoft", "https://opendata.roubaix.fr",
                                                     status="failed", error_code="tls-error",
                                                     error_message="certificate has expired")])
    [p] = run("portail-accessible", portals[0], ctx)
    assert "certificate has expired" in p.fr


def test_broken_links():
    ok = Distribution(url="https://a/ok.csv", availability=Availability(ok=True, status=200))
    gone = Distribution(url="https://a/gone.csv", title="Budget 2024", availability=Availability(ok=False, status=404))
    dns = Distribution(url="https://x.invalid/f.csv", availability=Availability(ok=False, error="dns-error"))
    unknown = Distribution(url="https://a/notprobed.csv")
    d = ds("a", LILLE, "t", dists=[ok, gone, dns, unknown])
    ctx, _ = context([d])
    problems = [p for x in d.distributions for p in run("lien-accessible", (d, x), ctx)]
    assert [(p.distribution, "HTTP 404" in p.fr or "dns-error" in p.fr) for p in problems] == [
        ("https://a/gone.csv", True), ("https://x.invalid/f.csv", True)]


def test_scdl_schema_declared_on_the_dataset_or_a_copy():
    origin = ds("p", LILLE, "Prénoms des nouveau-nés", dists=[Distribution(url="u1")])
    copy = ds("c", LILLE, "Prénoms", portal="datagouv", kind="udata", copy_of="mel:p",
              dists=[Distribution(url="u2", schema_name="scdl/prenoms", schema_version="1.1.6")])
    alone = ds("q", LILLE, "Délibérations du conseil municipal", dists=[Distribution(url="u3")])
    misc = ds("m", LILLE, "Arceaux vélos", dists=[Distribution(url="u4")])
    ctx, _ = context([origin, copy, alone, misc])
    assert not run("schema-declare", origin, ctx)
    [p] = run("schema-declare", alone, ctx)
    assert "scdl/deliberations" in p.fr
    assert not run("schema-declare", misc, ctx)


def test_unknown_schema_versions():
    d = ds("a", LILLE, "Subventions", dists=[
        Distribution(url="u1", schema_name="scdl/subventions", schema_version="2.1.1"),
        Distribution(url="u2", schema_name="scdl/subventions", schema_version="9.9.9"),
        Distribution(url="u3", schema_name="scdl/equipements", schema_version="1.0.0"),  # withdrawn
        Distribution(url="u4", schema_name="scdl/inexistant"),
        Distribution(url="u5", schema_name="etalab/schema-irve-statique", schema_version="0.0.1"),  # not SCDL
    ])
    ctx, _ = context([d])
    got = [(p.distribution, p.key) for p in run("schema-version", d, ctx)]
    assert got == [("u2", "scdl/subventions@9.9.9"), ("u3", "scdl/equipements@1.0.0"), ("u4", "scdl/inexistant@None")]
