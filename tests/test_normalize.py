"""Dates, frequencies and formats as portals spell them."""
from __future__ import annotations

import pytest

from auditor.normalize.dates import parse_date
from auditor.normalize.formats import normalize_format
from auditor.normalize.frequency import DELTAS, normalize_frequency
from auditor.normalize.text import fold, strip_html


@pytest.mark.parametrize("raw, iso", [
    ("2021-06-23T07:50:20+00:00", "2021-06-23T07:50:20+00:00"),
    ("2025-04-07T08:15:30.581000+00:00", "2025-04-07T08:15:30.581000+00:00"),
    ("2019-06-26T19:17:42Z", "2019-06-26T19:17:42+00:00"),
    ("2025-07-31 00:00:00+00:00", "2025-07-31T00:00:00+00:00"),
    ("2021-06-23", "2021-06-23"),
    ("20190101", "2019-01-01"),
    ("2019", "2019-01-01"),
    ("2019-05", "2019-05-01"),
    ("10/12/2019", "2019-12-10"),
    ("mar, 10/12/2019 - 09:23", "2019-12-10T09:23:00"),
    ("5 mai 2017", "2017-05-05"),
    ("1er janvier 2020", "2020-01-01"),
    ("Tue, 15 Nov 1994 08:12:31 GMT", "1994-11-15T08:12:31+00:00"),
    (1600000000, "2020-09-13T12:26:40+00:00"),
    ("1600000000000", "2020-09-13T12:26:40+00:00"),
])
def test_dates(raw, iso):
    assert parse_date(raw) == iso


@pytest.mark.parametrize("raw", ["", None, "n/a", "2019-02-30", "32/01/2020", "bientôt", "0000"])
def test_not_dates(raw):
    assert parse_date(raw) is None


@pytest.mark.parametrize("raw, freq", [
    ("monthly", "monthly"), ("Mensuelle", "monthly"), ("Mensuelle ou plusieurs fois par mois", "monthly"),
    ("Quotidienne", "daily"), ("Annuelle", "annual"), ("Irrégulière", "irregular"), ("irregular", "irregular"),
    ("Ponctuelle", "punctual"), ("Inconnue", "unknown"), ("realtime", "continuous"), ("fortnighly", "biweekly"),
    ("annually", "annual"), ("asNeeded", "irregular"), ("continual", "continuous"), ("notPlanned", "notPlanned"),
    ("R/P1M", "monthly"), ("P1D", "daily"), ("R/P1Y", "annual"),
    ("http://publications.europa.eu/resource/authority/frequency/ANNUAL", "annual"),
    ("http://publications.europa.eu/resource/authority/frequency/IRREG", "irregular"),
    ("http://purl.org/cld/freq/weekly", "weekly"),
])
def test_frequencies(raw, freq):
    assert normalize_frequency(raw) == freq
    assert freq in DELTAS


@pytest.mark.parametrize("raw", [None, "", "quand on peut", "42"])
def test_unknown_frequencies(raw):
    assert normalize_frequency(raw) is None


@pytest.mark.parametrize("hint, fmt", [
    ("CSV", "csv"), ("text/csv; charset=utf-8", "csv"), ("ESRI Shapefile", "shp"), ("GeoJSON", "geojson"),
    ("application/geo+json", "geojson"), ("application/vnd.ms-excel", "xls"),
    ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"), (".PDF", "pdf"),
    ("http://publications.europa.eu/resource/authority/file-type/JSON", "json"),
    ("https://www.iana.org/assignments/media-types/text/csv", "csv"),
    ("https://x.fr/api/explore/v2.1/catalog/datasets/a/exports/csv?use_labels=true", "csv"),
    ("https://x.fr/data/ogcapi/collections/c/items?f=geojson&limit=-1", "geojson"),
    ("https://x.fr/explore/dataset/a/download?format=shapefile&timezone=Europe/Berlin", "shp"),
    ("https://x.fr/files/budget.docx", "docx"),
])
def test_formats(hint, fmt):
    assert normalize_format(hint) == fmt


def test_first_useful_hint_wins():
    assert normalize_format(None, "", "application/octet-stream", "https://a/b.csv") == "csv"


def test_text():
    assert fold("Ville d'ARMENTIÈRES") == "ville d armentieres"
    assert fold("Marcq-en-Barœul") == "marcq en baroeul"
    assert strip_html("<p>Aléa &gt; 10 ans</p>\n<p>b</p>") == "Aléa > 10 ans b"
