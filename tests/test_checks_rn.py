"""Checks of the loi pour une République numérique on hand-built datasets, and their rules file."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from auditor.auditing import checks
from auditor.crawling.catalogue import Catalogue
from auditor.auditing.checks.base import CheckContext
from auditor.model import Dataset, Distribution
from auditor.auditing.rules import load_rule_file
from auditor.crawling.territory.registry import load_registry

RULES = Path(__file__).resolve().parents[1] / "rules"
AS_OF = datetime(2024, 11, 15, 12, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def ctx():
    return CheckContext(as_of=AS_OF, registry=load_registry(), catalogue=Catalogue(), applicability={}, communes={})


def ds(**kw) -> Dataset:
    kw.setdefault("distributions", [Distribution(url="https://x.example/data.csv", format="csv")])
    return Dataset(portal="p", portal_kind="udata", source_id="d1", title="Jeu", **kw)


def run(check_id: str, d: Dataset, ctx, **params):
    module = checks.get(check_id)
    return list(module.check(d, {**module.PARAMS, **params}, ctx))


# -- licence-presente -----------------------------------------------------------------------------
@pytest.mark.parametrize("licence,url,key", [
    (None, None, "missing"), ("", None, "missing"), ("  ", "", "missing"),
    ("notspecified", None, "notspecified"), ("License Not Specified", None, "notspecified"),
    ("Pas de restriction d'accès public", None, "access-statement"),
])
def test_licence_presente_reports_missing_licences(ctx, licence, url, key):
    problems = run("licence-presente", ds(licence=licence, licence_url=url), ctx)
    assert [p.key for p in problems] == [key]
    assert problems[0].fr and problems[0].en
    if licence and licence.strip():
        assert f"« {licence} »" in problems[0].fr


@pytest.mark.parametrize("licence,url", [
    ("lov2", None), ("CC BY-NC 4.0", None), ("texte libre inconnu", None), ("MIT", None),
    (None, "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"),
    ("Pas de restriction d'accès public", "https://creativecommons.org/licenses/by/4.0/"),
])
def test_licence_presente_accepts_any_given_licence(ctx, licence, url):
    assert run("licence-presente", ds(licence=licence, licence_url=url), ctx) == []


# -- licence-homologuee ---------------------------------------------------------------------------
@pytest.mark.parametrize("licence,url", [
    ("lov2", None), ("Licence Ouverte v2.0 (Etalab)", None), ("fr-lo", None), ("Licence Ouverte (Etalab)", None),
    ("odc-odbl", None), ("ODbL 1.0", None), (None, "http://opendatacommons.org/licenses/odbl/1-0/"),
    (None, "https://www.etalab.gouv.fr/wp-content/uploads/2017/04/ETALAB-Licence-Ouverte-v2.0.pdf"),
    # not this check's business: no licence, not specified, access statement
    (None, None), ("notspecified", None), ("Pas de restriction d'accès public", None),
])
def test_licence_homologuee_accepts_the_two_data_licences(ctx, licence, url):
    assert run("licence-homologuee", ds(licence=licence, licence_url=url), ctx) == []


@pytest.mark.parametrize("licence,url,lid", [
    ("CC BY-NC 4.0", "https://creativecommons.org/licenses/by-nc/4.0/", "cc-by-nc"),
    ("cc-by", None, "cc-by"),
    ("CC BY 4.0", None, "cc-by"),
    ("cc-zero", None, "cc0"),
    ("Licence fermée", None, "other-closed"),
    ("Tous droits réservés", None, "other-closed"),
    ("other-pd", None, "other-pd"),
    ("Open Government Licence v3.0", None, "ogl"),
    (None, "http://publications.europa.eu/resource/authority/licence/CC_BY_4_0", "cc-by"),
])
def test_licence_homologuee_reports_other_licences(ctx, licence, url, lid):
    problems = run("licence-homologuee", ds(licence=licence, licence_url=url), ctx)
    assert len(problems) == 1
    p = problems[0]
    assert p.key == lid and p.location["licence_id"] == lid
    assert f"licence « {licence or url} »" in p.fr and "Licence Ouverte, ODbL" in p.fr
    assert p.en.startswith(f"licence “{licence or url}”")


def test_licence_homologuee_software_licence_on_data(ctx):
    for label, lid in (("MIT", "mit"), ("GPL-3.0-or-later", "gpl"), ("Apache-2.0", "apache-2.0"),
                       ("CeCILL-B", "cecill-b")):
        [p] = run("licence-homologuee", ds(licence=label), ctx)
        assert p.key == lid
        assert "licence de logiciel appliquée à des données" in p.fr and "codes sources" in p.fr
        assert "software licence" in p.en


@pytest.mark.parametrize("licence,url", [
    ("Licence de la Ville de Roubaix", None), ("ODbL ou Licence Ouverte", None),
    (None, "https://example.org/conditions.html"),
])
def test_licence_homologuee_unrecognised_is_said_so(ctx, licence, url):
    [p] = run("licence-homologuee", ds(licence=licence, licence_url=url), ctx)
    assert p.key == "unrecognised"
    assert p.fr.startswith(f"licence non reconnue : « {licence or url} »")
    assert p.en.startswith("unrecognised licence")


# -- licence-version ------------------------------------------------------------------------------
@pytest.mark.parametrize("licence,url,key", [
    ("fr-lo", None, "lov1"),
    ("Licence Ouverte (Etalab)", "https://www.etalab.gouv.fr/wp-content/uploads/2014/05/Licence_Ouverte.pdf", "lov1"),
    ("Licence Ouverte 1.0 http://www.data.gouv.fr/Licence-Ouverte-Open-Licence.", None, "lov1"),
    ("Licence Ouverte (Etalab)", None, "lo"),
    ("Licence Ouverte / Open Licence", None, "lo"),
])
def test_licence_version_recommends_2_0(ctx, licence, url, key):
    [p] = run("licence-version", ds(licence=licence, licence_url=url), ctx)
    assert p.key == key and f"« {licence} »" in p.fr
    assert ("2017-638" in p.fr) if key == "lov1" else ("version 2.0" in p.fr)


@pytest.mark.parametrize("licence", [None, "lov2", "Licence Ouverte v2.0 (Etalab)", "ODbL", "CC BY 4.0",
                                     "inconnue xyz"])
def test_licence_version_ignores_other_licences(ctx, licence):
    assert run("licence-version", ds(licence=licence), ctx) == []


# -- format-ouvert --------------------------------------------------------------------------------
def dist(fmt, raw=None, kind="file", n=[0]):
    n[0] += 1
    return Distribution(url=f"https://x.example/f{n[0]}", format=fmt, format_raw=raw, kind=kind)


@pytest.mark.parametrize("formats", [["csv"], ["pdf", "csv"], ["xlsx", "geojson"], ["wfs"], ["ogcapi"], ["ods"]])
def test_format_ouvert_accepts_one_open_format(ctx, formats):
    assert run("format-ouvert", ds(distributions=[dist(f) for f in formats]), ctx) == []


def test_format_ouvert_lists_closed_formats(ctx):
    [p] = run("format-ouvert", ds(distributions=[dist("pdf"), dist("xlsx"), dist("pdf")]), ctx)
    assert p.key == "closed"
    assert "formats publiés : PDF, XLSX" in p.fr and "published formats: PDF, XLSX" in p.en
    assert p.location["formats"] == ["PDF", "XLSX"]


def test_format_ouvert_unknown_formats(ctx):
    [p] = run("format-ouvert", ds(distributions=[dist(None), dist(None, raw="Tableur maison"), dist("zip")]), ctx)
    assert p.fr.endswith("(formats publiés : format non indiqué, « Tableur maison » (non reconnu), ZIP)")


def test_format_ouvert_documentation_does_not_count(ctx):
    [p] = run("format-ouvert", ds(distributions=[dist("pdf"), dist("csv", kind="documentation")]), ctx)
    assert p.key == "closed" and "PDF" in p.fr and "CSV" not in p.fr
    [p] = run("format-ouvert", ds(distributions=[dist("pdf", kind="documentation")]), ctx)
    assert p.key == "documentation-only"


def test_format_ouvert_no_distribution(ctx):
    [p] = run("format-ouvert", ds(distributions=[]), ctx)
    assert p.key == "no-distribution" and p.fr.startswith("aucune ressource publiée")


# -- date-mise-a-jour ----------------------------------------------------------------------------
@pytest.mark.parametrize("kw", [
    {"modified": "2024-03-03"}, {"modified": "2024-03-03T10:00:00+01:00"}, {"metadata_modified": "2024-03-03T10:00:00"},
    {"distributions": [Distribution(url="u", format="csv"),
                       Distribution(url="v", format="csv", modified="2023-01-01")]},
])
def test_date_mise_a_jour_accepts_any_date(ctx, kw):
    assert run("date-mise-a-jour", ds(**kw), ctx) == []


def test_date_mise_a_jour_missing(ctx):
    for d in (ds(), ds(issued="2020-01-01", distributions=[]), ds(distributions=[Distribution(url="u")])):
        [p] = run("date-mise-a-jour", d, ctx)
        assert p.fr.startswith("aucune date de dernière mise à jour") and p.en


# -- mise-a-jour-reguliere ------------------------------------------------------------------------
def test_mise_a_jour_reguliere_message(ctx):
    d = ds(frequency="monthly", frequency_raw="Mensuelle", modified="2024-03-03")
    [p] = run("mise-a-jour-reguliere", d, ctx)
    # expected by 3 April 2024 (+31 days), as of 15 November 2024: 226 days late
    assert p.fr == "dernière mise à jour le 3 mars 2024, fréquence déclarée : mensuelle (retard de 7 mois)"
    assert p.en == "last updated on 3 March 2024, declared frequency: monthly (7 months late)"
    assert p.location["late_days"] == 226 and p.location["frequency_raw"] == "Mensuelle"


@pytest.mark.parametrize("modified", [
    "2024-10-14",  # date only: midnight UTC + 31 days + 1 day = 15 November 00:00 < 12:00
    "2024-10-14T11:59:59+00:00",
    "2024-10-14T13:59:59+02:00",  # the same instant with an offset
    "2024-10-14T11:59:59",  # naive: read as UTC
])
def test_mise_a_jour_reguliere_late_in_every_date_format(ctx, modified):
    [p] = run("mise-a-jour-reguliere", ds(frequency="monthly", modified=modified), ctx)
    assert p.key == "late" and "14 octobre 2024" in p.fr


@pytest.mark.parametrize("modified", [
    "2024-10-14T12:00:00+00:00",  # exactly at the tolerance boundary: on time
    "2024-10-14T14:00:00+02:00",
    "2024-10-14T12:00:00",
    "2024-10-15",
])
def test_mise_a_jour_reguliere_boundary_is_on_time(ctx, modified):
    assert run("mise-a-jour-reguliere", ds(frequency="monthly", modified=modified), ctx) == []


def test_mise_a_jour_reguliere_params(ctx):
    d = ds(frequency="weekly", modified="2024-11-01")  # 14.5 days before as_of
    assert len(run("mise-a-jour-reguliere", d, ctx)) == 1  # 7 + 1 days
    assert run("mise-a-jour-reguliere", d, ctx, tolerance_days=8) == []  # 7 + 8 days
    assert run("mise-a-jour-reguliere", d, ctx, grace_factor=2.0) == []  # 14 + 1 days
    assert len(run("mise-a-jour-reguliere", d, ctx, grace_factor=1.5)) == 1  # 10.5 + 1 days


@pytest.mark.parametrize("kw", [
    {"frequency": "irregular"}, {"frequency": "punctual"}, {"frequency": "continuous"}, {"frequency": "unknown"},
    {"frequency": "notPlanned"}, {"frequency": "other"}, {},  # no frequency
    {"frequency": None, "frequency_raw": "Selon les besoins du service"},  # unrecognised text
])
def test_mise_a_jour_reguliere_does_not_judge_frequencies_without_delay(ctx, kw):
    assert run("mise-a-jour-reguliere", ds(modified="2015-01-01", **kw), ctx) == []


def test_mise_a_jour_reguliere_dates_used(ctx):
    # no date at all: « date-mise-a-jour » reports it, not this check
    assert run("mise-a-jour-reguliere", ds(frequency="annual", metadata_modified="2024-11-01"), ctx) == []
    # no dataset date: the latest distribution date counts
    dists = [Distribution(url="a", modified="2020-01-01"), Distribution(url="b", modified="2024-10-01T08:00:00+02:00")]
    assert run("mise-a-jour-reguliere", ds(frequency="annual", distributions=dists), ctx) == []
    dists[1].modified = "2021-06-30"
    [p] = run("mise-a-jour-reguliere", ds(frequency="annual", distributions=dists), ctx)
    assert "30 juin 2021" in p.fr and "annuelle" in p.fr and "retard de 2 ans" in p.fr
    # the dataset date wins over its distributions'
    recent = [Distribution(url="c", modified="2024-11-01")]
    assert len(run("mise-a-jour-reguliere", ds(frequency="annual", modified="2022-01-01", distributions=recent),
                   ctx)) == 1


def test_every_frequency_has_a_label():
    from auditor.normalize.frequency import DELTAS, LABELS

    assert set(DELTAS) == set(LABELS)
    assert all(fr and en for fr, en in LABELS.values())


# -- rules file ----------------------------------------------------------------------------------
def test_rules_file_is_valid_and_complete():
    path = RULES / "republique-numerique.yaml"
    data = yaml.safe_load(path.read_text("utf-8"))
    schema = json.loads((RULES / "rule.schema.json").read_text("utf-8"))
    assert list(Draft202012Validator(schema).iter_errors(data)) == []
    rules = load_rule_file(path)
    got = {r.code: (r.check, r.severity, r.scope) for r in rules}
    assert got == {
        "RN-LIC-01": ("licence-presente", "warning", "dataset"),
        "RN-LIC-02": ("licence-homologuee", "error", "dataset"),
        "RN-LIC-03": ("licence-version", "info", "dataset"),
        "RN-FMT-01": ("format-ouvert", "error", "dataset"),
        "RN-MAJ-01": ("date-mise-a-jour", "warning", "dataset"),
        "RN-MAJ-02": ("mise-a-jour-reguliere", "warning", "dataset"),
    }
    for r in rules:
        assert r.group == "republique-numerique"
        assert r.title["fr"] and r.title["en"] and r.fix["fr"] and r.fix["en"]
        assert r.basis["url"].startswith("https://www.legifrance.gouv.fr/") and r.basis["kind"] == "law"
        assert r.documentation()  # the module docstring documents the check
    assert next(r for r in rules if r.code == "RN-MAJ-02").params == {"tolerance_days": 1, "grace_factor": 1.0}
