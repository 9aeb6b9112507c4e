"""Where each simulated portal puts a dataset's page and files.

One place for the URL scheme, because portals point at each other: a data.gouv.fr harvest
names the original's landing page, and its resources link to the original's files, exactly
as real harvests do. Every renderer serves the URLs built here.
"""
from __future__ import annotations

from .world import SimDataset, SimFile, SimPortal

TABLE_FORMATS = ("csv", "json", "geojson", "shp")


def landing_url(portal: SimPortal, base: str, d: SimDataset) -> str:
    if portal.kind == "geonetwork":
        if not d.record:
            return f"{base}/data/ogcapi/collections/{d.collection}"
        return f"{base}/catalogue/dataset/{d.source_id}"
    if portal.kind == "opendatasoft":
        return f"{base}/explore/dataset/{d.source_id}/"
    if portal.kind == "udata":
        return f"{base}/fr/datasets/{d.key}/"
    if portal.kind == "ckan":
        return f"{base}/dataset/{d.key}"
    if portal.kind == "dcat":
        return f"{base}/donnees/{d.key}"
    raise ValueError(portal.kind)


def file_url(portal: SimPortal, base: str, d: SimDataset, f: SimFile) -> str:
    fmt = f.format
    if portal.kind == "geonetwork":
        if fmt in TABLE_FORMATS and d.collection:
            param = {"shp": "shapefile"}.get(fmt, fmt)
            return f"{base}/data/ogcapi/collections/{d.collection}/items?f={param}&limit=-1"
        return f"{base}/geonetwork/srv/api/records/{d.source_id}/attachments/{f.id}.{fmt}"
    if portal.kind == "opendatasoft":
        if fmt in TABLE_FORMATS:  # the CSV with the fields' labels as header, as ODS's DCAT export links it
            query = "?use_labels=true" if fmt == "csv" else ""
            return f"{base}/api/explore/v2.1/catalog/datasets/{d.source_id}/exports/{fmt}{query}"
        return f"{base}/api/v2/catalog/datasets/{d.source_id}/attachments/{f.id}_{fmt}"
    if portal.kind == "udata":
        return f"{base}/resources/{d.key}/{f.id}.{fmt}"
    if portal.kind == "ckan":
        return f"{base}/dataset/{d.key}/resource/{d.key}-{f.id}/download/{f.id}.{fmt}"
    if portal.kind == "dcat":
        return f"{base}/files/{d.key}/{f.id}.{fmt}"
    raise ValueError(portal.kind)
