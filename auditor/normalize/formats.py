"""File formats as portals label them (``CSV``, ``text/csv``, ``ESRI Shapefile``,
``Shapefile (zip)``, ``shp (l93)``, ``http://publications.europa.eu/resource/authority/file-type/CSV``,
an export URL, a GeoNetwork link protocol such as ``OGC:WMS-1.3.0-http-get-map``...), reduced
to one short lower-case name, and the media type that goes with it.

How a label is read, in this order:

* an EU file-type URI or an IANA media-type URI: its last segment; any other URL: see
  :func:`format_from_url`;
* a web service, named by its protocol as GeoNetwork writes it (the protocol list of its
  editor and the spellings geonetwork-ui's ``getLinkType`` recognises: ``OGC:WMS``,
  ``OGC:WFS``, ``OGC:WMTS``, ``OGC:WCS``, ``OGC:WPS``, ``OGC:CSW``, ``OGC:SOS``, each with or
  without a version suffix; ``OGC API Features`` / ``OGC API - Tiles``; ``TMS`` /
  ``OSGeo:TMS``; ``ESRI:REST`` / ``ESRI:ArcGIS``): :data:`SERVICES`;
* a media type (``x-gis/x-shapefile``, ``application/vnd.google-earth.kmz``): its subtype;
* a short name or a known spelling (``shapefile``, ``ESRI Shapefile``, ``zipped shapefile``);
* a name qualified the way portals qualify them: in brackets (``Shapefile (zip)``,
  ``shp (l93)``, ``GeoJSON (EPSG:4326)``; an archive says what it holds: ``zip (shp)`` is a
  shapefile) or in a few words (``shapefile zippé``, ``Fichier CSV``): the one format the words
  name, when they name exactly one.

Of several hints (media type, URL, link name), the first that names a format wins, except that
an archive gives way to a later hint naming what it holds (a ``.zip`` named « Shapefile (zip) »).

Unknown labels give ``None``; the raw label stays on the distribution (``format_raw``).
"""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

# short name -> canonical media type (None: no registered type says it)
MEDIA_TYPES: dict[str, str | None] = {
    "csv": "text/csv",
    "json": "application/json",
    "geojson": "application/geo+json",
    "jsonl": "application/jsonl",
    "jsonld": "application/ld+json",
    "xml": "application/xml",
    "rdf": "application/rdf+xml",
    "ttl": "text/turtle",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "xls": "application/vnd.ms-excel",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odt": "application/vnd.oasis.opendocument.text",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "shp": "application/x-shapefile",
    "zip": "application/zip",
    "kml": "application/vnd.google-earth.kml+xml",
    "kmz": "application/vnd.google-earth.kmz",
    "gpx": "application/gpx+xml",
    "parquet": "application/vnd.apache.parquet",
    "gtfs": "application/zip",
    "html": "text/html",
    "txt": "text/plain",
    "png": "image/png",
    "jpeg": "image/jpeg",
    "wms": "application/vnd.ogc.wms_xml",
    "wfs": "application/vnd.ogc.wfs_xml",
    "wmts": None, "wcs": None, "wps": None, "csw": None, "sos": None, "tms": None,
    "ogcapi": "application/json",
    "esri-rest": "application/json",
}

#: Web services and APIs: a link of one of these is an API, not a file.
SERVICES = frozenset({"wms", "wfs", "wmts", "wcs", "wps", "csw", "sos", "tms", "ogcapi", "esri-rest"})

_ALIASES = {
    "esri shapefile": "shp", "shapefile": "shp", "shape": "shp", "x-shapefile": "shp", "shapefiles": "shp",
    "x-zipped-shp": "shp", "zipped shapefile": "shp", "zipped shp": "shp", "vnd.shp": "shp",
    "x-esri-shape": "shp", "x-esri-shapefile": "shp", "esri shape": "shp", "shp.zip": "shp",
    "geo+json": "geojson", "vnd.geo+json": "geojson",
    "comma separated values": "csv", "x-csv": "csv", "vnd.ms-excel": "xls", "excel": "xls",
    "spreadsheetml": "xlsx", "vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "msword": "doc", "word": "doc",
    "vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "vnd.oasis.opendocument.spreadsheet": "ods", "vnd.oasis.opendocument.text": "odt",
    "ld+json": "jsonld", "json-ld": "jsonld", "rdf+xml": "rdf", "rdfxml": "rdf", "turtle": "ttl",
    "n3": "ttl", "plain": "txt", "text": "txt", "jpg": "jpeg",
    "vnd.google-earth.kml+xml": "kml", "vnd.google-earth.kmz": "kmz", "google earth kml": "kml",
    "gpx+xml": "gpx", "ooxml": "xlsx",
    "jsonlines": "jsonl", "x-ndjson": "jsonl", "vnd.apache.parquet": "parquet",
}

# A web service as a protocol or a label names it.
_SERVICE_PATTERNS = [
    (re.compile(r"^(?:ogc\s*:\s*)?(wms|wfs|wmts|wcs|wps|csw|sos)(?![a-z])"), None),
    (re.compile(r"\bogc\W*api\b|^ogcapi\b"), "ogcapi"),
    (re.compile(r"^(?:osgeo\s*:\s*|ogc\s*:\s*)?tms(?![a-z])|\btile map service\b"), "tms"),
    (re.compile(r"^esri\s*:\s*(?:rest|arcgis)|\barcgis\b.*\brest\b|\bgeoservices\s+rest\b"), "esri-rest"),
]
_ARCHIVES = {"zip"}
_WORD = re.compile(r"[^\W_]+(?:[.+][^\W_]+)*", re.UNICODE)


def normalize_format(*hints: str | None) -> str | None:
    """The short format name from the first hint that says one (label, media type, URL); a hint
    that only says « archive » (``application/zip``, ``x.zip``) gives way to a later one saying
    what it holds (``Shapefile (zip)``)."""
    archive = None
    for hint in hints:
        fmt = _one(hint)
        if fmt in _ARCHIVES:
            archive = archive or fmt
        elif fmt:
            return fmt
    return archive


def media_type_for(fmt: str | None) -> str | None:
    return MEDIA_TYPES.get(fmt) if fmt else None


def service_format(label: str | None) -> str | None:
    """The web service a protocol or label names (``OGC:WPS`` → ``wps``), else ``None``."""
    if not label or not isinstance(label, str):
        return None
    text = label.strip().lower()
    for pattern, name in _SERVICE_PATTERNS:
        m = pattern.search(text)
        if m:
            return name or m.group(1)
    return None


def _one(hint: object) -> str | None:
    if not hint or not isinstance(hint, str):  # portals put odd things in format fields
        return None
    text = hint.strip().lower()
    if not text:
        return None
    if "publications.europa.eu" in text and "file-type/" in text:
        text = text.rsplit("/", 1)[-1]
    elif "iana.org/assignments/media-types/" in text:
        text = text.split("media-types/", 1)[1]
    if text.startswith(("http://", "https://")):
        return format_from_url(text)
    text = text.split(";", 1)[0].strip()
    service = service_format(text)
    if service:
        return service
    if re.fullmatch(r"[a-z0-9.+-]+/[a-z0-9.+-]+", text):  # a media type
        text = text.split("/", 1)[1]
    return _name(text.lstrip(".")) or _qualified(text)


def _name(text: str) -> str | None:
    """A short name or a known spelling, as it stands."""
    if text in MEDIA_TYPES:
        return text
    if text in _ALIASES:
        return _ALIASES[text]
    if text.endswith("+json") or text == "x-json":
        return "json"
    if text.endswith("+xml"):
        return "xml"
    return None


def _qualified(text: str) -> str | None:
    """A name with a qualifier in brackets (``Shapefile (zip)``, ``zip (shp)``) or in a few
    words (``shapefile zippé``): the one format it names, an archive giving way to what it holds."""
    inside = re.findall(r"\(([^)]*)\)", text)
    if inside:
        base = re.sub(r"\([^)]*\)", " ", text).strip()
        outer = _name(base) or _words(base)
        held = [f for f in (_name(i.strip()) or _words(i) for i in inside) if f]
        if outer and outer not in _ARCHIVES:
            return outer
        return next((f for f in held if f not in _ARCHIVES), None) or outer or (held[0] if held else None)
    return _words(text)


def _words(text: str) -> str | None:
    """The format a label of at most four words names, when it names exactly one
    (an archive word gives way to the format it qualifies)."""
    words = _WORD.findall(text)
    if not words or len(words) > 4:
        return None
    found = {f for f in (_name(w) or service_format(w) for w in words) if f}
    if len(found) > 1:
        found -= _ARCHIVES
    return found.pop() if len(found) == 1 else None


def format_from_url(url: str) -> str | None:
    """Format told by a URL: a ``format=`` / ``f=`` query parameter, an ``/exports/{fmt}``
    path (Opendatasoft), a ``service=`` parameter (an OGC web service), or the file extension
    (``.shp.zip`` is a shapefile)."""
    parts = urlsplit(url)
    query = {k.lower(): v for k, v in parse_qs(parts.query).items()}
    for key in ("format", "f", "outputformat"):
        if key in query and query[key]:
            fmt = _one(query[key][0])
            if fmt:
                return fmt
    m = re.search(r"/exports/([a-z0-9_]+)/?$", parts.path)
    if m:
        return _one(m[1])
    if query.get("service"):
        fmt = service_format(query["service"][0])
        if fmt:
            return fmt
    name = parts.path.rsplit("/", 1)[-1].lower()
    if name.endswith(".shp.zip"):
        return "shp"
    if "." in name:
        return _name(name.rsplit(".", 1)[1])
    return None


# data.gouv.fr counts these as closed formats (udata ``CLOSED_FORMATS``), XLS/XLSX included.
CLOSED_FORMATS = frozenset({"pdf", "doc", "docx", "word", "xls", "excel", "xlsx"})

# Open standards a program can read directly (CRPA L300-4: « standard ouvert, aisément
# réutilisable et exploitable par un système de traitement automatisé »). Office formats,
# PDF, images and bare archives are not in it; the OGC data-access services (WMS, WFS, WMTS,
# WCS, OGC API) and the OSGeo Tile Map Service are. Not in it: WPS (processing), CSW
# (catalogue) and SOS, which give no dataset's data as such, and the ESRI REST API, a vendor's.
OPEN_MACHINE_READABLE = frozenset({
    "csv", "json", "geojson", "jsonl", "jsonld", "xml", "rdf", "ttl", "ods", "shp", "kml", "kmz", "gpx",
    "parquet", "gtfs", "wms", "wfs", "wmts", "wcs", "tms", "ogcapi",
})


def is_open_format(fmt: str | None) -> bool:
    return fmt in OPEN_MACHINE_READABLE
