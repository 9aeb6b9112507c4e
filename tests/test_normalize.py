"""Dates, frequencies and formats as portals spell them."""
from __future__ import annotations

import pytest

from auditor.normalize.dates import parse_date
from auditor.normalize.formats import SERVICES, is_open_format, normalize_format
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
    ("annually", "annual"), ("notPlanned", "notPlanned"),
    ("R/P1M", "monthly"), ("P1D", "daily"), ("R/P1Y", "annual"),
    ("http://publications.europa.eu/resource/authority/frequency/ANNUAL", "annual"),
    ("http://publications.europa.eu/resource/authority/frequency/IRREG", "irregular"),
    ("http://purl.org/cld/freq/weekly", "weekly"),
])
def test_frequencies(raw, freq):
    assert normalize_frequency(raw) == freq
    assert freq in DELTAS


# ISO 19115 MD_MaintenanceFrequencyCode as udata reads it: data.gouv.fr's SEMIC XSLT
# (datagouv/iso-19139-to-dcat-ap) gives the EU term, udata's UpdateFrequency names it.
@pytest.mark.parametrize("code, freq", [
    ("continual", "severalTimesADay"), ("daily", "daily"), ("weekly", "weekly"), ("fortnightly", "biweekly"),
    ("semimonthly", "semimonthly"), ("monthly", "monthly"), ("quarterly", "quarterly"),
    ("biannually", "semiannual"), ("annually", "annual"), ("biennially", "biennial"), ("periodic", "other"),
    ("asNeeded", "punctual"), ("irregular", "irregular"), ("notPlanned", "notPlanned"), ("unknown", "unknown"),
    ("Lorsque nécessaire", "punctual"),
    ("http://publications.europa.eu/resource/authority/frequency/AS_NEEDED", "punctual"),
    ("http://publications.europa.eu/resource/authority/frequency/NOT_PLANNED", "notPlanned"),
])
def test_iso_maintenance_codes_as_udata_reads_them(code, freq):
    assert normalize_frequency(code) == freq


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


# Spellings portals use for shapefiles, KML/KMZ and web services (GeoNetwork link protocols,
# Opendatasoft and CKAN format labels), each reduced to one name.
@pytest.mark.parametrize("hint, fmt", [
    ("Shapefile (zip)", "shp"), ("shp (l93)", "shp"), ("SHP", "shp"), ("Shapefile (Lambert 93)", "shp"),
    ("zip (shp)", "shp"), ("shapefile zippé", "shp"), ("Zipped Shapefile", "shp"), ("x-gis/x-shapefile", "shp"),
    ("application/x-zipped-shp", "shp"), ("application/vnd.shp", "shp"), ("shp.zip", "shp"),
    ("https://x.fr/files/plu.shp.zip", "shp"),
    ("KML", "kml"), ("kmz", "kmz"), ("KMZ", "kmz"), ("application/vnd.google-earth.kmz", "kmz"),
    ("application/vnd.google-earth.kml+xml", "kml"), ("OGC:KML", "kml"), ("https://x.fr/a/parcs.kmz", "kmz"),
    ("OGC:WMS", "wms"), ("OGC:WMS-1.3.0-http-get-map", "wms"), ("OGC:WFS-1.0.0-http-get-capabilities", "wfs"),
    ("OGC:WMTS", "wmts"), ("WMTS", "wmts"), ("OGC:WCS", "wcs"), ("OGC:WPS", "wps"), ("OGC:CSW", "csw"),
    ("TMS", "tms"), ("OSGeo:TMS", "tms"), ("OGC API Features", "ogcapi"), ("OGC API - Tiles", "ogcapi"),
    ("ESRI:REST", "esri-rest"), ("ESRI:ArcGIS", "esri-rest"),
    ("https://x.fr/geoserver/ows?SERVICE=WMS&REQUEST=GetCapabilities", "wms"),
    ("GeoJSON (EPSG:4326)", "geojson"), ("Fichier CSV", "csv"), ("ZIP", "zip"),
])
def test_portal_spellings(hint, fmt):
    assert normalize_format(hint) == fmt


@pytest.mark.parametrize("hint", ["csv, json", "Données au format CSV et JSON", "Schéma cyclable - liaisons",
                                  "application/octet-stream", "WWW:LINK-1.0-http--link"])
def test_labels_naming_no_one_format(hint):
    assert normalize_format(hint) is None


def test_services_are_apis_and_the_open_ones_are_open():
    assert {"wms", "wfs", "wmts", "wcs", "wps", "csw", "sos", "tms", "ogcapi", "esri-rest"} == SERVICES
    assert {is_open_format(f) for f in ("wmts", "tms", "wcs", "kmz", "kml", "shp")} == {True}
    assert not any(is_open_format(f) for f in ("wps", "csw", "esri-rest", "zip", "pdf"))


def test_first_useful_hint_wins():
    assert normalize_format(None, "", "application/octet-stream", "https://a/b.csv") == "csv"
    assert normalize_format("text/csv", "https://a/b.json") == "csv"


def test_an_archive_gives_way_to_what_it_holds():
    assert normalize_format("application/zip", "https://a/pm35.zip", "Shapefile (zip)") == "shp"
    assert normalize_format("application/zip", "https://a/pm35.zip", "Archive") == "zip"


def test_text():
    assert fold("Ville d'ARMENTIÈRES") == "ville d armentieres"
    assert fold("Marcq-en-Barœul") == "marcq en baroeul"
    assert strip_html("<p>Aléa &gt; 10 ans</p>\n<p>b</p>") == "Aléa > 10 ans b"
