"""The two metadata quality scores (data.gouv.fr's udata block, data.europa.eu's MQA), the
``datagouv-quality`` check and the ``qualite-datagouv`` rule family."""
from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import jsonschema
import pytest
import yaml

from auditor.crawling.catalogue import Catalogue
from auditor.auditing.checks import datagouv_quality
from auditor.auditing.checks.base import CheckContext
from auditor.model import Availability, Dataset, Distribution, Publisher
from auditor.auditing.rules import load_rule_file
from auditor.auditing.scores import datagouv
from auditor.auditing.scores.datagouv import CRITERIA, FREQUENCY_DELTAS, NO_DEADLINE, quality
from auditor.auditing.scores.mqa import MAX_POINTS, band_of, mqa, mqa_for
from auditor.crawling.sources.udata import to_dataset
from auditor.crawling.territory.registry import load_registry
from tests.helpers import PORTALS

DATAGOUV = PORTALS / "datagouv"
RULES = Path(__file__).resolve().parent.parent / "rules"
UTC = timezone.utc
AS_OF = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


# -- helpers ----------------------------------------------------------------------------------------
def udata(**fields) -> Dataset:
    """A udata record whose ``raw`` is a data.gouv.fr API object with ``fields``."""
    raw = {"id": "x1", "title": "Jeu", "description": "", "license": "notspecified", "frequency": None,
           "temporal_coverage": None, "spatial": None, "resources": [],
           "last_update": "2025-05-01T00:00:00+00:00"}
    raw.update(fields)
    return Dataset(portal="dg", portal_kind="udata", source_id="x1", raw=raw)


def resource(**fields) -> dict:
    r = {"id": "r", "title": "Fichier", "url": "https://example.org/f.csv", "type": "main",
         "filetype": "file", "format": "csv", "description": None, "extras": {}}
    r.update(fields)
    return r


def record(**fields) -> Dataset:
    """A record of another portal, complete unless ``fields`` say otherwise."""
    base = dict(portal="ods", portal_kind="opendatasoft", source_id="r1", title="Arbres",
                description="Les arbres d'alignement de la commune, avec espèce, hauteur, diamètre et date "
                            "de plantation, mis à jour chaque mois par le service des espaces verts.",
                keywords=["arbres"], themes=["environnement"], spatial="Lille",
                temporal_start="2020-01-01", licence="Licence Ouverte v2.0 (Etalab)",
                licence_url="https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
                access_rights="http://publications.europa.eu/resource/authority/access-right/PUBLIC",
                contact_email="opendata@example.fr", publisher=Publisher(raw="Ville de Lille"),
                issued="2020-01-01", modified="2025-05-20", frequency="monthly",
                distributions=[Distribution(url="https://example.org/arbres.csv", title="CSV", format="csv",
                                            format_raw="CSV", media_type="text/csv", size=1234, kind="file",
                                            description="Export complet",
                                            availability=Availability(ok=True, status=200))])
    base.update(fields)
    return Dataset(**base)


def dist(**fields) -> Distribution:
    base = dict(url="https://example.org/f", kind="file")
    base.update(fields)
    return Distribution(**base)


def ctx(as_of: datetime = AS_OF) -> CheckContext:
    return CheckContext(as_of=as_of, registry=load_registry(), catalogue=Catalogue(), applicability={},
                        communes={})


def problems(d: Dataset, criterion: str, as_of: datetime = AS_OF):
    return list(datagouv_quality.check(d, {"criterion": criterion}, ctx(as_of)))


# -- data.gouv.fr: real objects -----------------------------------------------------------------------
def test_real_api_dataset_equals_datagouv_block():
    """``GET /api/1/datasets/5d13a8b6634f41070a43dff3/`` as recorded by datagouv_client.

    as_of: the response has no capture time; the dataset was last saved (and its block last
    computed) at ``internal.last_modified_internal`` 2025-04-07T06:15:30Z, so the API answered
    after that. Only ``update_fulfilled_in_time`` depends on the moment, and it is true for any
    moment up to one day past the next weekly update (2025-04-14T08:15Z), so this choice is
    safe.

    The fixture types its last resource (the CSV export of tags) ``documentation`` while its
    block says ``resources_documentation: false``. udata counts any documentation resource,
    and the block was recomputed when the dataset was last saved, after its last resource
    change (``last_update``); the client library that recorded the fixture filters downloads
    on ``resources_types=["main"]`` in its tests, which needs a non-main resource: the type was
    edited in the fixture. Typed back to ``main``, the block is data.gouv.fr's exactly."""
    raw = json.loads((DATAGOUV / "dataset_metadata.datagouv_client-fixture.json").read_text("utf-8"))
    as_of = datetime.fromisoformat(raw["internal"]["last_modified_internal"])
    published = to_dataset(raw, portal="data.gouv.fr")
    edited = [r for r in raw["resources"] if r["type"] == "documentation"]
    assert [r["title"] for r in edited] == ["export-tag-20250407-061529.csv"]

    original = copy.deepcopy(raw)
    original["resources"][-1]["type"] = "main"
    assert quality(to_dataset(original, portal="data.gouv.fr"), as_of) == raw["quality"]

    # as published, udata's rule counts the documentation resource
    ours = quality(published, as_of)
    assert ours["resources_documentation"] is True
    assert {k: v for k, v in ours.items() if k not in ("resources_documentation", "score")} == \
        {k: v for k, v in raw["quality"].items() if k not in ("resources_documentation", "score")}
    assert ours["score"] == round(7 / 9, 15)
    # the deadline: last_update 2025-04-07T08:15:30Z + 7 days, one day of tolerance
    assert quality(published, datetime(2025, 4, 15, 8, 15, 30, tzinfo=UTC))["update_fulfilled_in_time"] is True
    assert quality(published, datetime(2025, 4, 15, 8, 15, 31, tzinfo=UTC))["update_fulfilled_in_time"] is False


def test_real_harvested_dataset_equals_stored_block():
    """The dataset udata stored after harvesting an Opendatasoft DCAT export (udata's harvest
    snapshot): a stored document, with ``quality_cached`` as udata computed it.

    as_of: the harvest job's end, 2025-07-30 09:22:26.988 UTC (the document was written then).
    The API's block is ``quality_cached`` without the internal ``next_update_…`` key, plus
    ``update_fulfilled_in_time`` (absent here: no frequency) and ``score``.
    The udata version that stored it wrote ``update_frequency: null`` for a dataset without
    frequency (``frequency and frequency != "unknown"``); the current one (``has_frequency``)
    writes ``false``, as we do."""
    snap = json.loads((DATAGOUV / "harvest-snapshot.dcat-capatlantique-ods.udata-fixture.json").read_text("utf-8"))
    job_end = datetime.fromisoformat(snap["job"]["ended"]).replace(tzinfo=UTC)
    [raw] = snap["datasets"]
    d = to_dataset(raw, portal="data.gouv.fr")
    ours = quality(d, job_end)

    expected = {k: v for k, v in raw["quality_cached"].items() if k != "next_update_for_update_fulfilled_in_time"}
    expected["score"] = round(sum(1 for k in CRITERIA if expected.get(k)) / 9, 15)
    assert expected.pop("update_frequency") is None and ours.pop("update_frequency") is False
    assert ours == expected
    assert expected["score"] == round(4 / 9, 15)
    # its two remote resources were never link-checked: "unknown" counts as available
    assert all("check:available" not in r["extras"] for r in raw["resources"])
    assert ours["all_resources_available"] is True


# -- data.gouv.fr: the rules ----------------------------------------------------------------------------
@pytest.mark.parametrize("length,expected", [(0, False), (99, False), (100, False), (101, True)])
def test_description_strictly_more_than_100_characters(length, expected):
    assert quality(udata(description="é" * length), AS_OF)["dataset_description_quality"] is expected
    assert quality(record(description="a" * length), AS_OF)["dataset_description_quality"] is expected


def test_description_of_other_portals_counts_text_not_html():
    html = "<p>" + "a" * 98 + "</p><p>b</p>"  # 113 characters of HTML, 100 of text (a space between)
    assert quality(record(description=html), AS_OF)["dataset_description_quality"] is False


@pytest.mark.parametrize("frequency", sorted(FREQUENCY_DELTAS))
def test_frequency_with_delta_allows_one_day_of_delay(frequency):
    delta = FREQUENCY_DELTAS[frequency]
    last = datetime(2025, 1, 1, tzinfo=UTC)
    d = udata(frequency=frequency, last_update=last.isoformat())
    due = last + delta
    assert quality(d, due)["update_fulfilled_in_time"] is True
    assert quality(d, due + timedelta(days=1))["update_fulfilled_in_time"] is True
    assert quality(d, due + timedelta(days=1, microseconds=1))["update_fulfilled_in_time"] is False
    assert quality(d, due)["update_frequency"] is True


@pytest.mark.parametrize("frequency", sorted(NO_DEADLINE))
def test_frequency_without_delta_is_always_in_time(frequency):
    d = udata(frequency=frequency, last_update="2001-01-01T00:00:00+00:00")
    q = quality(d, AS_OF)
    assert q["update_frequency"] is True and q["update_fulfilled_in_time"] is True


@pytest.mark.parametrize("frequency", [None, "unknown"])
def test_no_frequency_scores_neither_frequency_criterion(frequency):
    q = quality(udata(frequency=frequency), AS_OF)
    assert q["update_frequency"] is False
    assert "update_fulfilled_in_time" not in q


def test_udata_deltas_not_nominal_periods():
    assert FREQUENCY_DELTAS["threeTimesADay"] == timedelta(days=1)
    assert FREQUENCY_DELTAS["threeTimesAWeek"] == timedelta(weeks=1)
    assert FREQUENCY_DELTAS["monthly"] == timedelta(days=31)
    assert FREQUENCY_DELTAS["quarterly"] == timedelta(days=93)
    assert FREQUENCY_DELTAS["semiannual"] == timedelta(days=365)
    assert FREQUENCY_DELTAS["quinquennial"] == timedelta(days=5 * 365)


def test_legacy_frequency_ids():
    assert quality(udata(frequency="realtime", last_update="2001-01-01"), AS_OF)["update_fulfilled_in_time"] is True
    four = udata(frequency="fourTimesADay", last_update="2025-05-30T12:00:00+00:00")
    assert quality(four, AS_OF)["update_fulfilled_in_time"] is True  # due 31/05 12:00, one day of grace
    assert quality(four, AS_OF + timedelta(seconds=1))["update_fulfilled_in_time"] is False


def test_last_update_computed_when_not_stored():
    raw_res = [resource(filetype="remote", extras={"analysis:last-modified-at": "2025-05-20T00:00:00+00:00"}),
               resource(harvest={"modified_at": "2025-05-25T00:00:00"})]
    d = udata(frequency="daily", last_update=None, resources=raw_res)
    assert datagouv.facts(d, AS_OF).last_update == datetime(2025, 5, 25, tzinfo=UTC)


@pytest.mark.parametrize("fmt", ["pdf", "PDF", "doc", "docx", "word", "xls", "XLSX", "excel", None, ""])
def test_closed_formats(fmt):
    q = quality(udata(resources=[resource(format=fmt)]), AS_OF)
    assert q["has_open_format"] is False
    assert quality(udata(resources=[resource(format=fmt), resource(format="CSV")]), AS_OF)["has_open_format"] is True
    r = record(distributions=[dist(format=(fmt or "").lower() or None)])
    assert quality(r, AS_OF)["has_open_format"] is False


def test_availability_unknown_counts_as_available():
    unknown = resource(filetype="remote", extras={})
    down = resource(filetype="remote", extras={"check:available": False})
    uploaded_down = resource(filetype="file", extras={"check:available": False})
    assert quality(udata(resources=[unknown]), AS_OF)["all_resources_available"] is True
    assert quality(udata(resources=[unknown, down]), AS_OF)["all_resources_available"] is False
    assert quality(udata(resources=[uploaded_down]), AS_OF)["all_resources_available"] is True  # not checked
    assert quality(record(distributions=[dist(availability=None)]), AS_OF)["all_resources_available"] is True
    bad = dist(availability=Availability(ok=False, status=404))
    assert quality(record(distributions=[dist(), bad]), AS_OF)["all_resources_available"] is False


def test_documentation_criterion():
    assert quality(udata(resources=[resource()]), AS_OF)["resources_documentation"] is False
    assert quality(udata(resources=[resource(type="documentation")]), AS_OF)["resources_documentation"] is True
    assert quality(udata(resources=[resource(description="Export")]), AS_OF)["resources_documentation"] is True
    assert quality(record(distributions=[dist()]), AS_OF)["resources_documentation"] is False
    assert quality(record(distributions=[dist(kind="documentation")]), AS_OF)["resources_documentation"] is True


def test_no_resources():
    q = quality(udata(description="x" * 101, license="lov2"), AS_OF)
    assert q == {"dataset_description_quality": True, "license": True, "spatial": False,
                 "temporal_coverage": False, "update_frequency": False, "score": round(2 / 9, 15)}


def test_licence_and_coverages():
    # udata counts the "notspecified" licence document (datagouv/data.gouv.fr#1490); only no licence fails
    assert quality(udata(license="notspecified"), AS_OF)["license"] is True
    assert quality(udata(license=None), AS_OF)["license"] is False
    assert quality(udata(license="other-closed"), AS_OF)["license"] is True
    assert quality(udata(temporal_coverage={"start": "2020-01-01", "end": None}), AS_OF)["temporal_coverage"] is True
    # a coverage with only an end date is a coverage
    assert quality(udata(temporal_coverage={"start": None, "end": "2024-12-31"}), AS_OF)["temporal_coverage"] is True
    assert quality(record(temporal_start=None, temporal_end="2024-12-31"), AS_OF)["temporal_coverage"] is True
    assert quality(record(temporal_start=None, temporal_end=None), AS_OF)["temporal_coverage"] is False
    assert quality(udata(spatial={"zones": [], "granularity": "fr:commune", "geom": None}), AS_OF)["spatial"] is True
    assert quality(record(licence=None, licence_url=None), AS_OF)["license"] is False
    assert quality(record(licence="License Not Specified", licence_url=None), AS_OF)["license"] is True


def test_description_length_boundary():
    """udata: strictly more than 100 characters (100 fails, 101 passes), on both inputs."""
    assert quality(udata(description="d" * 100), AS_OF)["dataset_description_quality"] is False
    assert quality(udata(description="d" * 101), AS_OF)["dataset_description_quality"] is True
    assert quality(record(description="d" * 100), AS_OF)["dataset_description_quality"] is False
    assert quality(record(description="d" * 101), AS_OF)["dataset_description_quality"] is True


def test_complete_record_of_another_portal_scores_nine():
    q = quality(record(), AS_OF)
    assert q["score"] == 1.0 and all(q[k] for k in CRITERIA)
    # a deadline but no date at all: not in time
    assert quality(record(modified=None, distributions=[dist(format="csv")]), AS_OF)["update_fulfilled_in_time"] is False


# -- the check -------------------------------------------------------------------------------------
def test_check_texts():
    d = udata(description="d" * 84, frequency="weekly", last_update="2025-05-01T00:00:00+00:00",
              resources=[resource(format="pdf", title="Rapport"), resource(format=None, title="Annexe")])
    [p] = problems(d, "dataset_description_quality")
    assert p.fr == "description de 84 caractères ; data.gouv.fr en attend plus de 100"
    assert p.en == "description of 84 characters; data.gouv.fr expects more than 100"
    assert p.key == "dataset_description_quality" and p.location["score"] == quality(d, AS_OF)["score"]
    [p] = problems(d, "update_fulfilled_in_time")
    assert p.fr == ("dernière mise à jour le 01/05/2025, fréquence hebdomadaire : mise à jour attendue le "
                    "08/05/2025 ; data.gouv.fr tolère un jour de retard")
    [p] = problems(d, "has_open_format")
    assert p.fr.startswith("aucune ressource dans un format ouvert (formats : PDF, non renseigné)")
    assert problems(d, "license") == []  # "notspecified" counts for data.gouv.fr (RN-LIC-01 reports it)
    [p] = problems(udata(license=None), "license")
    assert p.fr.startswith("aucune licence renseignée")
    [p] = problems(d, "resources_documentation")
    assert "aucune ressource de type documentation" in p.fr
    assert problems(d, "all_resources_available") == []  # uploaded files: not link-checked


def test_check_reads_as_of_from_context():
    d = udata(frequency="weekly", last_update="2025-05-01T00:00:00+00:00")
    assert problems(d, "update_fulfilled_in_time", datetime(2025, 5, 9, tzinfo=UTC)) == []
    assert len(problems(d, "update_fulfilled_in_time", datetime(2025, 5, 9, 0, 0, 1, tzinfo=UTC))) == 1


def test_check_unavailable_resources_of_another_portal():
    d = record(distributions=[dist(title="Arbres CSV", availability=Availability(ok=False, status=404)),
                              dist(title="Arbres JSON", format="json")])
    [p] = problems(d, "all_resources_available")
    assert p.fr.startswith("1 ressource indisponible selon la dernière vérification de l'auditeur : « Arbres CSV »")


def test_check_absent_criteria_reported_once():
    bare = udata()
    assert problems(bare, "update_fulfilled_in_time") == []  # no frequency: DG-04's finding
    assert len(problems(bare, "update_frequency")) == 1
    [p] = problems(bare, "has_open_format")
    assert p.fr.startswith("aucune ressource :")
    assert problems(bare, "all_resources_available") == [] and problems(bare, "resources_documentation") == []


def test_check_passes_and_rejects_unknown_criterion():
    assert all(problems(record(), c) == [] for c in CRITERIA)
    with pytest.raises(ValueError):
        problems(record(), "tags")


# -- the rules --------------------------------------------------------------------------------------
def test_rule_file_valid_and_complete():
    schema = json.loads((RULES / "rule.schema.json").read_text("utf-8"))
    data = yaml.safe_load((RULES / "qualite-datagouv.yaml").read_text("utf-8"))
    jsonschema.Draft202012Validator(schema).validate(data)
    assert data["group"] == "qualite-datagouv"
    rules = data["rules"]
    assert [r["code"] for r in rules] == [f"DG-0{i}" for i in range(1, 10)]
    assert [r["params"]["criterion"] for r in rules] == list(CRITERIA)
    warning = {"license", "has_open_format", "all_resources_available"}
    for r in rules:
        assert r["check"] == "datagouv-quality" and r["scope"] == "dataset"
        assert r["severity"] == ("warning" if r["params"]["criterion"] in warning else "info")
        assert r["basis"]["kind"] == "quality" and r["basis"]["text"].startswith("Score de qualité data.gouv.fr, critère « ")
        assert r["basis"]["url"].startswith("https://github.com/opendatateam/udata/")
        assert r["title"]["fr"] and r["title"]["en"] and r["fix"]["fr"] and r["fix"]["en"]
    assert len(load_rule_file(RULES / "qualite-datagouv.yaml")) == 9  # the engine accepts it


# -- MQA ----------------------------------------------------------------------------------------------
def test_complete_record_scores_405_excellent():
    s = mqa(record())
    assert s.points == MAX_POINTS == 405 and s.band == "excellent"
    assert {dim.id: (dim.points, dim.max) for dim in s.dimensions} == {
        "findability": (100, 100), "accessibility": (100, 100), "interoperability": (110, 110),
        "reusability": (75, 75), "contextuality": (20, 20)}
    assert s.band_label == {"fr": "Excellente", "en": "Excellent"}
    assert s.dimension("interoperability").label == {"fr": "Interopérabilité", "en": "Interoperability"}
    out = json.loads(json.dumps(s.to_dict()))
    assert out["points"] == 405 and len(out["dimensions"]) == 5
    assert sum(len(dim["indicators"]) for dim in out["dimensions"]) == 23


def test_empty_record_scores_zero_bad():
    s = mqa(Dataset(portal="p", portal_kind="ckan", source_id="e"))
    assert s.points == 0 and s.band == "bad" and s.band_label["fr"] == "Mauvaise"
    assert all(dim.points == 0 for dim in s.dimensions)
    assert s.indicator("access_url_status").population == 0


@pytest.mark.parametrize("points,band", [(405, "excellent"), (351, "excellent"), (350, "good"), (221, "good"),
                                         (220, "sufficient"), (121, "sufficient"), (120, "bad"), (0, "bad")])
def test_bands(points, band):
    assert band_of(points)[0] == band


def test_findability_and_contextuality_edges():
    s = mqa(record(keywords=[], temporal_start=None, issued=None, modified=None))
    assert s.dimension("findability").points == 50  # keywords 30 and temporal 20 lost
    assert s.points == 345 and s.band == "good"  # contextuality lost issued and modified too
    # dct:modified counts on a distribution too; no declared size: no byte-size point
    s = mqa(record(issued=None, modified=None, distributions=[dist(modified="2025-01-01", format="csv")]))
    assert s.indicator("modified").points == 5 and s.indicator("issued").points == 0
    assert s.indicator("byte_size").points == 0


def test_accessibility_uses_probed_status():
    ok = dist(format="csv", availability=Availability(ok=True, status=200))
    broken = dist(format="csv", availability=Availability(ok=False, status=404))
    service = dist(format="wms", kind="api", availability=Availability(ok=True, status=200))
    unprobed = dist(format="csv")
    redirect = dist(format="csv", availability=Availability(ok=True, status=302))
    s = mqa(record(distributions=[ok, broken, service, unprobed]))
    assert s.indicator("access_url_status").points == 25  # 2 of 4 answer 2xx
    assert s.indicator("download_url").points == 15  # 3 of 4 are files
    assert s.indicator("download_url_status").points == 7.5  # 1 of 4 is a file answering 2xx
    assert mqa(record(distributions=[redirect])).dimension("accessibility").points == 20


def test_interoperability_best_distribution_counts():
    pdf = dist(format="pdf", media_type="application/pdf")
    csv = dist(format="csv", format_raw="CSV", media_type="text/csv")
    s = mqa(record(distributions=[pdf, csv]))
    assert s.dimension("interoperability").points == 110
    xlsx = dist(format="xlsx", media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    s = mqa(record(distributions=[pdf, xlsx]))
    assert s.indicator("machine_readable").points == 20 and s.indicator("non_proprietary").points == 0
    # half the vocabulary weight: a file-type code, an unregistered media type
    gpkg = dist(format_raw="GPKG", media_type="application/x-geopackage")
    s = mqa(record(distributions=[gpkg]))
    assert s.indicator("format_media_type_vocabulary").points == 5
    assert s.indicator("format").points == 20 and s.indicator("media_type").points == 10
    assert s.indicator("machine_readable").points == 0 and s.indicator("non_proprietary").points == 0


def test_dcat_ap_mandatory_properties():
    assert mqa(record()).indicator("dcat_ap_compliance").points == 30
    assert mqa(record(description="  ")).indicator("dcat_ap_compliance").points == 0
    assert mqa(record(distributions=[dist(url="")])).indicator("dcat_ap_compliance").points == 0


def test_reusability_vocabularies():
    s = mqa(record(licence="lov2", licence_url=None, access_rights="public"))
    assert s.indicator("licence_vocabulary").points == 10 and s.indicator("access_rights_vocabulary").points == 5
    assert s.indicator("rights").points == 0  # no licence document URL
    s = mqa(record(licence="Licence Ouverte v1.0", licence_url=None, access_rights="Accès libre"))
    assert s.indicator("licence").points == 20 and s.indicator("licence_vocabulary").points == 0
    assert s.indicator("access_rights").points == 10 and s.indicator("access_rights_vocabulary").points == 0
    s = mqa(record(licence="http://publications.europa.eu/resource/authority/licence/ODC_BL", licence_url=None))
    assert s.indicator("licence_vocabulary").points == 10 and s.indicator("rights").points == 5
    s = mqa(record(licence=None, licence_url=None, contact_email=None, publisher=Publisher()))
    assert s.dimension("reusability").points == 15  # access rights and their vocabulary only


def test_commune_aggregate():
    full, empty = record(), Dataset(portal="p", portal_kind="ckan", source_id="e")
    s = mqa_for([full, empty])
    assert s.datasets == 2 and s.distributions == 1
    # dataset-level indicators: half; distribution-level ones: the only distribution is full
    assert {dim.id: dim.points for dim in s.dimensions} == {
        "findability": 50, "accessibility": 100, "interoperability": 95, "reusability": 52.5,
        "contextuality": 15}
    assert s.points == 312.5 and s.band == "good"
    two = mqa_for([record(), record(distributions=[dist(format="pdf")])])
    assert two.indicator("format_media_type_vocabulary").population == 4
    assert two.indicator("format_media_type_vocabulary").satisfied == 3  # pdf has no media type
    assert two.indicator("machine_readable").points == 10
    assert mqa_for([]).points == 0
