"""Verdicts a commune can trust: every threshold on both sides of its boundary, « not evaluated »
when a portal where the body could publish was not collected, never « met » by default, duties met
by open data only, and finding identities that do not depend on where the portals are served."""
from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone

import pytest

from auditor.auditing.applicability import applicability
from auditor.auditing.audit import build_context, parse_as_of, run_audit
from auditor.crawling.catalogue import Catalogue
from auditor.auditing.checks import get
from auditor.auditing.checks.base import NotEvaluated
from auditor.crawling.crawl import CrawlResult, PortalResult
from auditor.crawling.http import HttpStats
from auditor.model import Dataset, Distribution, Publisher
from auditor.auditing.rules import load_rules
from auditor.crawling.territory.registry import load_registry

AS_OF = datetime(2026, 11, 15, tzinfo=timezone.utc)
LILLE, ROUBAIX, MARCQ = "59350", "59512", "59378"
CSV = [Distribution(url="https://a/f.csv", format="csv")]
PDF = [Distribution(url="https://a/f.pdf", format="pdf")]


def ds(sid, code, title, *, portal="mel", kind="geonetwork", modified=None, dists=CSV, copy_of=None, raw="x",
       method="name"):
    pub = Publisher(raw=raw, kind="metropole" if code == "MEL" else "commune", insee=None if code == "MEL" else code,
                    method=method)
    return Dataset(portal=portal, portal_kind=kind, source_id=sid, title=title, publisher=pub, modified=modified,
                   distributions=list(dists), copy_of=copy_of)


def crawl_of(datasets, portals=(), registry=None):
    registry = registry or load_registry()
    return CrawlResult(catalogue=Catalogue(datasets=list(datasets)), portals=list(portals), stats=HttpStats(),
                       registry=registry, started_at="")


def context(datasets, portals=(), registry=None):
    crawl = crawl_of(datasets, portals, registry)
    return build_context(crawl, AS_OF, applicability(crawl.registry))[0]


def run(check_id, target, ctx, **params):
    module = get(check_id)
    return list(module.check(target, {**module.PARAMS, **params}, ctx))


def portal(name, status="ok", owner=None, code=None):
    return PortalResult(name, "ckan", f"https://{name}", owner=owner, status=status, error_code=code)


def states(audit, code):
    return {rule: v["state"] for rule, v in audit.communes[code]["obligations"].items()}


# -- thresholds on both sides of the boundary ----------------------------------------------------
def registry_with(population: dict[str, int], agents: dict[str, int] | None = None):
    registry = copy.deepcopy(load_registry(agents=agents or {}))
    for code, n in population.items():
        registry.communes[code].population = n
    return registry


@pytest.mark.parametrize("population, agents, status", [
    (3500, 50, "bound"), (3499, 50, "not-bound"), (3500, 49, "not-bound"), (3500, None, "presumed"),
    (3501, 51, "bound"),
])
def test_open_data_duty_thresholds_on_both_sides(population, agents, status):
    registry = registry_with({MARCQ: population}, {MARCQ: agents} if agents is not None else {})
    app = applicability(registry)[MARCQ]
    assert app.status == status


@pytest.mark.parametrize("population, agents, owed", [
    (3500, 50, {"RN-PUB-01", "RN-CAT-01", "SUB-01"}), (3499, 50, set()), (3500, 49, {"SUB-01"}),
])
def test_rules_apply_exactly_at_the_thresholds(population, agents, owed):
    registry = registry_with({MARCQ: population}, {MARCQ: agents})
    audit = run_audit(crawl_of([], [portal("datagouv")], registry), load_rules(), as_of=AS_OF)
    got = states(audit, MARCQ)
    for rule in ("RN-PUB-01", "RN-CAT-01", "SUB-01"):
        assert (got[rule] != "not-owed") == (rule in owed), (rule, got[rule])


# -- never met by default --------------------------------------------------------------------------
def test_freshness_of_nothing_published_is_not_evaluated_never_met():
    ctx = context([], [portal("datagouv")])
    [v] = run("jeu-obligatoire-a-jour", ctx.communes[LILLE], ctx, kind="subventions", max_age_days=456)
    assert isinstance(v, NotEvaluated) and v.reason == "nothing-published"
    audit = run_audit(crawl_of([], [portal("datagouv")]), load_rules(), as_of=AS_OF)
    got = states(audit, "MEL")
    assert got["RN-CAT-01"] == "unmet" and got["RN-CAT-02"] == "not-evaluated"
    assert audit.communes["MEL"]["obligations"]["RN-CAT-02"]["reason"] == "nothing-published"


@pytest.mark.parametrize("days, late", [(456, False), (457, True)])
def test_obligation_freshness_boundary_in_calendar_days(days, late):
    when = (AS_OF - timedelta(days=days)).replace(hour=23, minute=30)  # the time of day does not count
    grants = ds("s", LILLE, "Subventions accordées aux associations", modified=when.isoformat())
    ctx = context([grants], [portal("mel", owner="MEL")])
    problems = run("jeu-obligatoire-a-jour", ctx.communes[LILLE], ctx, kind="subventions", max_age_days=456)
    assert bool(problems) == late


@pytest.mark.parametrize("days, late", [(32, False), (33, True)])
def test_regular_update_boundary(days, late):
    d = ds("m", LILLE, "Arceaux", modified=(AS_OF - timedelta(days=days)).date().isoformat())
    d.frequency = "monthly"  # 31 days, plus data.gouv.fr's one day of tolerance
    ctx = context([d])
    assert bool(run("mise-a-jour-reguliere", d, ctx)) == late


# -- what the audit could not see ------------------------------------------------------------------
def test_a_failed_aggregator_makes_a_missing_duty_not_evaluated():
    ctx = context([], [portal("mel", owner="MEL"), portal("datagouv", status="failed", code="timeout")])
    [v] = run("jeu-obligatoire", ctx.communes[LILLE], ctx, kind="subventions")
    assert isinstance(v, NotEvaluated) and v.reason == "portal-unreachable" and "datagouv" in v.fr
    [v] = run("publication-minimale", ctx.communes[LILLE], ctx)
    assert isinstance(v, NotEvaluated)


def test_a_duty_met_elsewhere_stays_met_when_a_portal_failed():
    grants = ds("s", LILLE, "Subventions accordées aux associations", modified="2026-10-01")
    ctx = context([grants], [portal("mel", owner="MEL"), portal("datagouv", status="failed")])
    assert run("jeu-obligatoire", ctx.communes[LILLE], ctx, kind="subventions") == []
    assert run("jeu-obligatoire-a-jour", ctx.communes[LILLE], ctx, kind="subventions", max_age_days=456) == []


def test_another_communes_own_portal_is_no_blind_spot_and_a_closed_one_neither():
    ctx = context([], [portal("mel", owner="MEL"), portal("roubaix", status="failed", owner=ROUBAIX),
                       portal("ancien", status="failed", owner="MEL", code="gone")])
    [p] = run("jeu-obligatoire", ctx.communes[LILLE], ctx, kind="subventions")
    assert not isinstance(p, NotEvaluated) and "portails examinés : mel" in p.fr  # only what was collected
    [v] = run("jeu-obligatoire", ctx.communes[ROUBAIX], ctx, kind="subventions")
    assert isinstance(v, NotEvaluated) and "roubaix" in v.fr


def test_partial_portal_is_a_blind_spot():
    ctx = context([], [portal("mel", status="partial", owner="MEL")])
    [v] = run("jeu-obligatoire", ctx.communes[LILLE], ctx, kind="budget")
    assert isinstance(v, NotEvaluated)


# -- open data only ------------------------------------------------------------------------------
def test_pdf_only_duty_is_published_but_not_open_and_a_copy_in_csv_counts():
    delib = ds("d", LILLE, "Délibérations du conseil municipal", dists=PDF)
    ctx = context([delib], [portal("mel", owner="MEL")])
    [p] = run("jeu-obligatoire", ctx.communes[LILLE], ctx, kind="deliberations")
    assert p.state == "not-open" and "PDF" in p.fr and p.fix and "L300-4" in p.fix["fr"]
    copy_csv = ds("c", LILLE, "Délibérations", portal="datagouv", kind="udata", copy_of="mel:d")
    ctx = context([delib, copy_csv], [portal("mel", owner="MEL")])
    assert run("jeu-obligatoire", ctx.communes[LILLE], ctx, kind="deliberations") == []
    documentation = [Distribution(url="https://a/notice.csv", format="csv", kind="documentation")]
    ctx = context([ds("e", LILLE, "Délibérations du conseil", dists=documentation)], [portal("mel", owner="MEL")])
    [p] = run("jeu-obligatoire", ctx.communes[LILLE], ctx, kind="deliberations")
    assert p.state == "not-open"  # a documentation file is not the data


def test_not_open_is_counted_as_a_gap_not_as_met():
    audit = run_audit(crawl_of([ds("d", LILLE, "Délibérations du conseil municipal", dists=PDF)],
                               [portal("mel", owner="MEL")]), load_rules(), as_of=AS_OF)
    assert states(audit, LILLE)["ACT-01"] == "not-open"
    assert states(audit, LILLE)["RN-PUB-01"] == "not-open"  # nothing of Lille's is open data


# -- identity ---------------------------------------------------------------------------------------
def test_finding_identity_ignores_hosts_and_ports():
    def audit_at(base):
        d = ds("a", LILLE, "Arceaux", dists=[Distribution(url=f"{base}/gone.csv", format="csv", source_id="r1"),
                                            Distribution(url=f"{base}/other.pdf", format="pdf")])
        from auditor.model import Availability
        for x in d.distributions:
            x.availability = Availability(ok=False, status=404)
        return run_audit(crawl_of([d], [portal("mel", owner="MEL")]), load_rules(), as_of=AS_OF)

    one, two = audit_at("http://127.0.0.1:8001"), audit_at("https://portail.example:9443/x")
    fps = lambda a: sorted((f.rule, f.fingerprint) for f in a.findings)  # noqa: E731
    assert fps(one) == fps(two)
    avl = [f for f in one.findings if f.rule == "AVL-01"]
    assert len(avl) == 2 and len({f.fingerprint for f in avl}) == 2


# -- --as-of ---------------------------------------------------------------------------------------
def test_as_of_date_is_midnight_utc_and_a_time_may_be_given():
    assert parse_as_of("2026-11-15") == datetime(2026, 11, 15, tzinfo=timezone.utc)
    assert parse_as_of("2026-11-15T14:30") == datetime(2026, 11, 15, 14, 30, tzinfo=timezone.utc)
    assert parse_as_of("2026-11-15T14:30:00+01:00") == datetime(2026, 11, 15, 13, 30, tzinfo=timezone.utc)
    assert parse_as_of("2026-11-15T14:30Z") == datetime(2026, 11, 15, 14, 30, tzinfo=timezone.utc)
    with pytest.raises(ValueError):
        parse_as_of("15/11/2026")


# -- publisher names ------------------------------------------------------------------------------
@pytest.mark.parametrize("raw, flagged", [
    ("Ville de Tourcoing", False), ("Ville de Tourcoing ", True), ("TOURCOING", False), ("Tourcoing", False),
    ("Mairie de Tourcoing", True), ("Ville de Tourcoing - Direction de la communication", True),
    ("Commune de Tourcoing", False),
])
def test_publisher_spelling(raw, flagged):
    ctx = context([ds("a", "59599", "Arceaux", raw=raw)])
    assert bool(run("nom-producteur", ctx.communes["59599"], ctx)) == flagged


@pytest.mark.parametrize("raw, flagged", [
    ("Ville d'Armentières", False), ("Ville de Armentières", False), ("Ville d’Armentières", False),
    ("Ville d'ARMENTIERES", True), ("Armentières", False),
])
def test_publisher_spelling_with_elision_and_accents(raw, flagged):
    ctx = context([ds("a", "59017", "Arceaux", raw=raw)])
    problems = run("nom-producteur", ctx.communes["59017"], ctx)
    assert bool(problems) == flagged
    if problems:
        assert problems[0].fix["fr"].startswith("Sur le portail mel, écrire le producteur « Ville d'Armentières »")


def test_publisher_spelling_once_per_portal_and_spelling_and_not_for_aliases():
    records = [ds("a", "59196", "A", raw="commune Ennetières en Weppes"),
               ds("b", "59196", "B", raw="commune Ennetières en Weppes"),
               ds("c", "59196", "C", portal="datagouv", kind="udata", raw="commune Ennetières en Weppes"),
               ds("d", "59196", "D", raw="Service des eaux", method="alias"),
               ds("e", "59196", "E", raw=None, method="portal-owner")]
    ctx = context(records)
    problems = run("nom-producteur", ctx.communes["59196"], ctx)
    assert sorted((p.portal, p.location["datasets"]) for p in problems) == [
        ("datagouv", ["datagouv:c"]), ("mel", ["mel:a", "mel:b"])]
    assert "Ennetières-en-Weppes" in problems[0].fr
