"""File formats as portals label them (``CSV``, ``text/csv``, ``ESRI Shapefile``,
``http://publications.europa.eu/resource/authority/file-type/CSV``, an export URL...),
reduced to one short lower-case name, and the media type that goes with it.
"""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

# short name -> canonical media type
MEDIA_TYPES = {
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
    "gpx": "application/gpx+xml",
    "parquet": "application/vnd.apache.parquet",
    "gtfs": "application/zip",
    "html": "text/html",
    "txt": "text/plain",
    "png": "image/png",
    "jpeg": "image/jpeg",
    "wms": "application/vnd.ogc.wms_xml",
    "wfs": "application/vnd.ogc.wfs_xml",
    "ogcapi": "application/json",
}

_ALIASES = {
    "esri shapefile": "shp", "shapefile": "shp", "shape": "shp", "x-shapefile": "shp",
    "x-zipped-shp": "shp", "zipped shapefile": "shp",
    "geo+json": "geojson", "vnd.geo+json": "geojson",
    "comma separated values": "csv", "x-csv": "csv", "vnd.ms-excel": "xls", "excel": "xls",
    "spreadsheetml": "xlsx", "vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "msword": "doc", "word": "doc",
    "vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "vnd.oasis.opendocument.spreadsheet": "ods", "vnd.oasis.opendocument.text": "odt",
    "ld+json": "jsonld", "json-ld": "jsonld", "rdf+xml": "rdf", "rdfxml": "rdf", "turtle": "ttl",
    "n3": "ttl", "plain": "txt", "text": "txt", "jpg": "jpeg",
    "vnd.google-earth.kml+xml": "kml", "gpx+xml": "gpx", "ooxml": "xlsx",
    "ogc:wms": "wms", "ogc:wfs": "wfs", "ogc:api features": "ogcapi", "ogc api features": "ogcapi",
    "jsonlines": "jsonl", "x-ndjson": "jsonl", "vnd.apache.parquet": "parquet",
}


def normalize_format(*hints: str | None) -> str | None:
    """The short format name from the first hint that says one (label, media type, URL)."""
    for hint in hints:
        fmt = _one(hint)
        if fmt:
            return fmt
    return None


def media_type_for(fmt: str | None) -> str | None:
    return MEDIA_TYPES.get(fmt) if fmt else None


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
    if "/" in text:  # a media type
        text = text.split("/", 1)[1]
    text = text.lstrip(".")
    if text in MEDIA_TYPES:
        return text
    if text in _ALIASES:
        return _ALIASES[text]
    if text.endswith("+json") or text == "x-json":
        return "json"
    if text.endswith("+xml"):
        return "xml"
    return None


def format_from_url(url: str) -> str | None:
    """Format told by a URL: a ``format=`` / ``f=`` query parameter, an ``/exports/{fmt}``
    path (Opendatasoft), or the file extension."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    for key in ("format", "f", "outputformat"):
        if key in query and query[key]:
            fmt = _one(query[key][0])
            if fmt:
                return fmt
    m = re.search(r"/exports/([a-z0-9_]+)/?$", parts.path)
    if m:
        return _one(m[1])
    name = parts.path.rsplit("/", 1)[-1]
    if "." in name:
        return _one(name.rsplit(".", 1)[1])
    return None


# data.gouv.fr counts these as closed formats (udata ``CLOSED_FORMATS``), XLS/XLSX included.
CLOSED_FORMATS = frozenset({"pdf", "doc", "docx", "word", "xls", "excel", "xlsx"})

# Open standards a program can read directly (CRPA L300-4: « standard ouvert, aisément
# réutilisable et exploitable par un système de traitement automatisé »). Office formats,
# PDF, images and bare archives are not in it; OGC web services and OGC API are.
OPEN_MACHINE_READABLE = frozenset({
    "csv", "json", "geojson", "jsonl", "jsonld", "xml", "rdf", "ttl", "ods", "shp", "kml", "gpx",
    "parquet", "gtfs", "wms", "wfs", "ogcapi",
})


def is_open_format(fmt: str | None) -> bool:
    return fmt in OPEN_MACHINE_READABLE
