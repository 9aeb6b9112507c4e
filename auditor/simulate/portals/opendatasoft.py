"""A simulated Opendatasoft (Huwise) portal: the Explore API v2.1 and v2.0 and the legacy
v1 search API, serving the datasets the world hosts on the portal.

Shapes follow ``docs/portal-apis.md`` §1: catalog list and lookup (v2.1 bare objects,
v2.0 ``{links, dataset}`` wrappers, v1 flat ``metas`` with ``interop_metas``), catalog
facets, records, exports and attachments, each file answering with its ``SimFile.status``.

Fields: each column of a dataset's table is a field whose label is the column as its producer
wrote it (``nomAttribuant``, the SCDL column) and whose name is the identifier ODS derives from
it, lower case, accents and other characters folded to ``_`` (``nomattribuant``); a geographic
dataset also has the ``geo_point_2d`` field ODS computes, labelled ``Geo Point`` (both as in
the OpenAPI examples). Records, the JSON and GeoJSON exports use the names; the CSV export
(``;`` unless ``delimiter``, a BOM unless ``with_bom=false`` in v2.1, none in v2.0) has the
names as header, or the labels with ``use_labels=true`` (default ``false``). A dataset offers
the exports of its table: CSV, JSON and JSON Lines, GeoJSON when it is geographic, a shapefile
only when the world says so (``GET …/exports`` lists them as ``{"_links": [{"rel": format,
"href": …}]}``, ``links`` in v2.0); asking for another export is a 400
``InvalidRESTParameterError`` (the only client error ``exportRecords`` documents besides 401
and 429).
The documented limits hold: ``limit`` in -1..100 and ``offset + limit`` <= 10000, with
the ``InvalidRESTParameterError`` bodies real portals send; ``where`` understands an ODSQL
subset (comparisons, ``AND``/``OR``/``NOT``, parentheses, ``IS [NOT] NULL``, a bare
string as full-text search), ``order_by`` any field, ``refine``/``exclude``
``facet:value``. Every answer carries ``X-RateLimit-*`` headers (Reset as a datetime
string, as captured live) and the domain's daily quota is enforced (option
``call_limit``, default 10000).

World values are canonical; they are rendered the way ODS spells them: licence labels of
the domain's licence list, HTML descriptions, French ``dcat.accrualperiodicity`` labels,
``null`` for anything unset. Portal option ``api`` (a version or a list of ``v2.1``,
``v2.0``, ``v1``) restricts which catalog APIs answer; exports and attachments (the file
URLs of :mod:`auditor.simulate.urls`) and each dataset's list of exports are always served.
"""
from __future__ import annotations

import csv
import hashlib
import html
import io
import json
import re
import threading
import unicodedata
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

from ...crawling.territory.registry import load_registry
from .. import content
from ..server import PortalApp, Reply, Request, json_reply
from ..urls import TABLE_FORMATS, file_url
from ..world import SimDataset, SimFile, SimPortal, World

MAX_LIMIT = 100
WINDOW = 10000  # offset + limit may not exceed this without group_by
APIS = ("v2.1", "v2.0", "v1")

# canonical licence id -> (label in the domain's licence list, licence URL)
LICENCES = {
    "lov2": ("Licence Ouverte v2.0 (Etalab)",
             "https://www.etalab.gouv.fr/wp-content/uploads/2017/04/ETALAB-Licence-Ouverte-v2.0.pdf"),
    "lo1": ("Licence Ouverte (Etalab)", "https://www.etalab.gouv.fr/wp-content/uploads/2014/05/Licence_Ouverte.pdf"),
    "odbl": ("Open Database License (ODbL)", "https://opendatacommons.org/licenses/odbl/"),
    "cc-by": ("CC BY 4.0", "https://creativecommons.org/licenses/by/4.0/"),
    "cc-by-nc": ("CC BY-NC 4.0", "https://creativecommons.org/licenses/by-nc/4.0/"),
    "other-closed": ("Licence fermée", None),
}

# udata frequency id -> the French label French ODS domains type in dcat.accrualperiodicity
FREQUENCIES = {
    "continuous": "Temps réel", "hourly": "Horaire", "daily": "Quotidienne",
    "weekly": "Hebdomadaire", "semimonthly": "Bimensuelle", "monthly": "Mensuelle",
    "bimonthly": "Bimestrielle", "quarterly": "Trimestrielle", "semiannual": "Semestrielle",
    "annual": "Annuelle", "biennial": "Biennale", "triennial": "Triennale",
    "quinquennial": "Quinquennale", "punctual": "Ponctuelle", "irregular": "Irrégulière",
    "never": "Jamais", "notPlanned": "Non planifiée", "unknown": "Inconnue", "other": "Autre",
}

DEFAULT_KEYS = (
    "title", "description", "theme", "keyword", "license", "license_url", "language",
    "metadata_languages", "timezone", "modified", "modified_updates_on_data_change",
    "modified_updates_on_metadata_change", "data_processed", "metadata_processed",
    "records_count", "publisher", "references", "attributions", "territory",
    "geographic_reference", "geographic_reference_auto", "geographic_area",
    "geographic_area_mode", "federated", "source_domain", "source_domain_address",
    "source_domain_title", "source_dataset", "shared_catalog", "parent_domain", "oauth_scope",
)
DCAT_KEYS = ("created", "issued", "creator", "contributor", "contact_name", "contact_email",
             "accrualperiodicity", "spatial", "temporal", "granularity", "dataquality",
             "publisher_type")
DEFAULT_FACETS = ("publisher", "features", "language", "theme", "keyword")
DATE_FACETS = ("modified", "data_processed", "metadata_processed")
GEO = ("geojson", "shp")


class BadRequest(Exception):
    """An invalid parameter: answered 400 with Opendatasoft's error body."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def frequency_label(frequency: str | None) -> str | None:
    return FREQUENCIES.get(frequency, frequency) if frequency else None


def licence_label(licence: str | None) -> tuple[str | None, str | None]:
    """``(license, license_url)`` as ODS spells canonical licence id ``licence``."""
    if not licence:
        return None, None
    return LICENCES.get(licence, (licence, None))


def not_found(dataset_id: str) -> Reply:
    return json_reply({"error_code": "NotFound", "message": f"Unknown dataset: {dataset_id}"}, 404)


def bad_request(code: str, message: str, v1: bool = False) -> Reply:
    body = {"errorcode": 10001, "error": message} if v1 else {"error_code": code, "message": message}
    return json_reply(body, 400)


class App(PortalApp):
    def __init__(self, world: World, portal: SimPortal, urls: dict[str, str]):
        super().__init__(world, portal, urls)
        self.datasets = sorted(world.hosted(portal.name), key=lambda d: d.source_id)
        self.by_id = {d.source_id: d for d in self.datasets}
        api = portal.options.get("api") or APIS
        self.apis = {api} if isinstance(api, str) else set(api)
        self.call_limit = int(portal.options.get("call_limit", 10000))
        self.calls = 0
        self.lock = threading.Lock()
        self._objects: dict[str, dict[str, Any]] = {}
        self._flats: dict[str, dict[str, Any]] = {}
        self._catalog_rows: list[tuple[SimDataset, dict[str, Any]]] | None = None
        self._places: dict[str, str] | None = None

    # -- quota --------------------------------------------------------------------------
    def rate_limit_headers(self) -> dict[str, str]:
        reset = _next_midnight()
        return {"X-RateLimit-Limit": str(self.call_limit),
                "X-RateLimit-Remaining": str(max(0, self.call_limit - self.calls)),
                "X-RateLimit-Reset": reset.strftime("%Y-%m-%d %H:%M:%S+00:00")}

    def quota_reply(self) -> Reply:
        reset = _next_midnight().strftime("%Y-%m-%dT%H:%M:%SZ")
        reply = json_reply({"errorcode": 10002, "reset_time": reset, "limit_time_unit": "day",
                            "call_limit": self.call_limit,
                            "error": "Too many requests on the domain. Please contact the domain administrator."},
                           429)
        reply.headers["X-RateLimit-Remaining"] = "0"
        return reply

    # -- routing ------------------------------------------------------------------------
    def handle(self, req: Request) -> Reply:
        with self.lock:
            self.calls += 1
            over = self.calls > self.call_limit
        if over:
            return self.quota_reply()
        path = req.path
        try:
            m = re.fullmatch(r"/api/explore/v2\.1(/.*)", path)
            if m:
                return self._explore(req, m[1], "v2.1")
            m = re.fullmatch(r"/api/(?:explore/v2\.0|v2)(/.*)", path)
            if m:
                return self._explore(req, m[1], "v2.0")
            if path.startswith(("/api/datasets/1.0/", "/api/records/1.0/")):
                return self._v1(req, path)
        except BadRequest as exc:
            return bad_request(exc.code, exc.message, v1=path.startswith("/api/datasets/1.0/")
                               or path.startswith("/api/records/1.0/"))
        m = re.fullmatch(r"/explore/dataset/([^/]+)/?", path)
        if m and m[1] in self.by_id:
            d = self.by_id[m[1]]
            page = f"<!DOCTYPE html><html><head><title>{html.escape(d.title)}</title></head><body></body></html>"
            return Reply(200, page.encode(), "text/html; charset=utf-8")
        return json_reply({"error_code": "NotFound", "message": f"Unknown path: {path}"}, 404)

    def _explore(self, req: Request, rest: str, version: str) -> Reply:
        m = re.fullmatch(r"/catalog/datasets/([^/]+)/(exports|attachments)/([^/]+)/?", rest)
        if m:  # file downloads answer whatever the api option says
            d = self.by_id.get(m[1])
            if d is None:
                return not_found(m[1])
            if m[2] == "exports":
                return self._export(req, d, m[3], version)
            return self._attachment(d, m[3])
        m = re.fullmatch(r"/catalog/datasets/([^/]+)/exports/?", rest)
        if m:  # and so does the list of a dataset's exports
            d = self.by_id.get(m[1])
            if d is None:
                return not_found(m[1])
            prefix = req.path[: req.path.index("/catalog/")]
            links = [{"rel": fmt, "href": f"{self.base}{prefix}/catalog/datasets/{d.source_id}/exports/{fmt}"}
                     for fmt in self._export_formats(d)]
            return json_reply({"_links" if version == "v2.1" else "links": links})
        if version not in self.apis:
            return json_reply({"error_code": "NotFound", "message": f"Unknown path: {req.path}"}, 404)
        if rest.rstrip("/") == "/catalog/datasets":
            return self._catalog(req, version)
        if rest.rstrip("/") == "/catalog/facets":
            return self._catalog_facets(req)
        m = re.fullmatch(r"/catalog/datasets/([^/]+)(/records|/attachments)?/?", rest)
        if not m:
            return json_reply({"error_code": "NotFound", "message": f"Unknown path: {req.path}"}, 404)
        d = self.by_id.get(m[1])
        if d is None:
            return not_found(m[1])
        if m[2] == "/records":
            return self._records(req, d, version)
        if m[2] == "/attachments":
            return json_reply({"_links": [], "attachments": [
                {"href": file_url(self.portal, self.base, d, f),
                 "metas": {"mime-type": f.media_type, "title": f.title}} for f in _attachments(d)]})
        obj = self.dataset_object(d)
        return json_reply(obj if version == "v2.1" else {"links": [], "dataset": obj})

    # -- catalog ------------------------------------------------------------------------
    def _select(self, where: list[str], refine: list[str], exclude: list[str],
                order_by: str | None) -> list[SimDataset]:
        tests = [compile_where(w) for w in where if w.strip()]
        tests += [(lambda r: lambda flat: _refined(flat, r))(r) for r in refine]
        tests += [(lambda r: lambda flat: not _refined(flat, r))(r) for r in exclude]
        found = self.catalog()
        for test in tests:
            found = [p for p in found if test(p[1])]
        in_id_order = True
        for field, desc in reversed(_order(order_by or "")):
            if in_id_order and field in ("dataset_id", "datasetid") and not desc:
                continue  # the catalog is kept in id order
            present = [p for p in found if p[1].get(field) is not None]
            present.sort(key=lambda p: _sort_key(p[1][field]), reverse=desc)
            found = present + [p for p in found if p[1].get(field) is None]  # nulls always last
            in_id_order = False
        return [d for d, _ in found]

    def catalog(self) -> list[tuple[SimDataset, dict[str, Any]]]:
        """Every dataset with its queryable fields, in dataset id order."""
        if self._catalog_rows is None:
            self._catalog_rows = [(d, self.flat(d)) for d in self.datasets]
        return self._catalog_rows

    def _catalog(self, req: Request, version: str) -> Reply:
        limit, offset = _paging(req.arg("limit"), req.arg("offset"))
        found = self._select(req.args("where"), req.args("refine"), req.args("exclude"),
                             req.arg("order_by"))
        page = found[offset: offset + limit]
        objects = [self.dataset_object(d) for d in page]
        if version == "v2.1":
            return json_reply({"total_count": len(found), "results": objects})
        return json_reply({"total_count": len(found), "links": [],
                           "datasets": [{"links": [], "dataset": o} for o in objects]})

    def _catalog_facets(self, req: Request) -> Reply:
        refine = req.args("refine")
        found = self._select(req.args("where"), refine, req.args("exclude"), None)
        names = [_facet_name(f) for f in req.args("facet")] or list(DEFAULT_FACETS)
        return json_reply({"_links": [], "facets": [self._facet(n, found, refine) for n in names]})

    def _facet(self, name: str, found: list[SimDataset], refine: list[str]) -> dict[str, Any]:
        counts: dict[str, int] = {}
        for d in found:
            value = self.flat(d).get(name)
            for v in value if isinstance(value, list) else [value]:
                if v is not None and v != "":
                    counts[str(v)] = counts.get(str(v), 0) + 1
        refined = {_split_refine(r)[1] for r in refine if _split_refine(r)[0] == name}
        values = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        return {"name": name, "facets": [
            {"count": n, "state": "refined" if v in refined else "displayed", "name": v, "value": v}
            for v, n in values]}

    # -- records and files --------------------------------------------------------------
    def _records(self, req: Request, d: SimDataset, version: str) -> Reply:
        limit, offset = _paging(req.arg("limit"), req.arg("offset"))
        rows = self.rows(d)
        page = rows[offset: offset + limit]
        if version == "v2.1":
            return json_reply({"total_count": len(rows), "results": page})
        return json_reply({"total_count": len(rows), "links": [], "records": [
            {"links": [], "record": {"id": _record_id(d, offset + i), "timestamp": _stamp(d.modified),
                                     "size": len(json.dumps(r)), "fields": r}}
            for i, r in enumerate(page)]})

    def _export_formats(self, d: SimDataset) -> list[str]:
        """The exports ``d`` offers: its table's, GeoJSON when it is geographic, a shapefile when
        the world gives it one."""
        if not _has_records(d):
            return []
        return ["csv", "json", "jsonl"] + [fmt for fmt in GEO if any(f.format == fmt for f in d.files)]

    def _export(self, req: Request, d: SimDataset, fmt: str, version: str) -> Reply:
        if fmt not in self._export_formats(d):
            if not _has_records(d):
                return not_found(d.source_id)
            raise BadRequest("InvalidRESTParameterError",
                             f"Invalid value for format API parameter: {fmt} is not an available export format.")
        f = next((f for f in d.files if f.format == fmt), None)
        if f is not None and f.status != 200:
            return _file_error(d, f)
        rows = self.rows(d)
        headers = {"Content-Disposition": f'attachment; filename="{d.source_id}.{fmt}"'}
        if fmt == "csv":
            bom = (req.arg("with_bom") or ("true" if version == "v2.1" else "false")).lower() == "true"
            labels = (req.arg("use_labels") or "false").lower() == "true"
            body = _csv(rows, self.fields(d), req.arg("delimiter") or ";", bom, labels)
            return Reply(200, body, "text/csv; charset=utf-8", headers)
        if fmt == "json":
            return Reply(200, json.dumps(rows, ensure_ascii=False).encode(), "application/json; charset=utf-8", headers)
        if fmt == "jsonl":
            body = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
            return Reply(200, body.encode(), "application/jsonl; charset=utf-8", headers)
        if fmt == "geojson":
            feats = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [r["geo_point_2d"]["lon"],
                                                                                      r["geo_point_2d"]["lat"]]},
                      "properties": r} for r in rows]
            body = json.dumps({"type": "FeatureCollection", "features": feats}, ensure_ascii=False)
            return Reply(200, body.encode(), "application/geo+json", headers)
        placeholder = f or SimFile(id="shp", title=f"{d.source_id}.shp", format="shp", media_type="application/zip")
        body, _ = content.render(d, placeholder, "shp")
        headers["Content-Disposition"] = f'attachment; filename="{d.source_id}.zip"'
        return Reply(200, body, "application/zip", headers)

    def _attachment(self, d: SimDataset, attachment_id: str) -> Reply:
        f = next((f for f in _attachments(d) if _attachment_id(f) == attachment_id), None)
        if f is None:
            return json_reply({"error_code": "NotFound", "message": f"Unknown attachment: {attachment_id}"}, 404)
        if f.status != 200:
            return _file_error(d, f)
        body, ctype = content.render(d, f)
        return Reply(200, body, f.media_type or ctype,
                     {"Content-Disposition": f'attachment; filename="{f.id}.{f.format}"'})

    # -- legacy v1 ----------------------------------------------------------------------
    def _v1(self, req: Request, path: str) -> Reply:
        m = re.fullmatch(r"/api/datasets/1\.0/([^/]+)/(attachments|alternative_exports)/([^/]+)/?", path)
        if m:
            d = self.by_id.get(m[1])
            if d is None:
                return not_found(m[1])
            if m[2] == "attachments":
                return self._attachment(d, m[3])
            return json_reply({"error_code": "NotFound", "message": f"Unknown alternative export: {m[3]}"}, 404)
        if "v1" not in self.apis:
            return json_reply({"error_code": "NotFound", "message": f"Unknown path: {path}"}, 404)
        if re.fullmatch(r"/api/datasets/1\.0/search/?", path):
            return self._v1_search(req)
        if re.fullmatch(r"/api/records/1\.0/search/?", path):
            return self._v1_records(req)
        m = re.fullmatch(r"/api/datasets/1\.0/([^/]+)/?", path)
        if m and m[1] in self.by_id:
            return json_reply(self.dataset_object_v1(self.by_id[m[1]]))
        return not_found(m[1] if m else path)

    def _v1_paging(self, req: Request) -> tuple[int, int]:
        rows, start = req.arg("rows", "10"), req.arg("start", "0")
        if not (rows or "").lstrip("-").isdigit() or not (start or "").isdigit():
            raise BadRequest("InvalidRESTParameterError", "Invalid value for rows or start parameter")
        rows_n, start_n = int(rows), int(start)
        if rows_n < 0 or rows_n > WINDOW or start_n + rows_n > WINDOW:
            raise BadRequest("InvalidRESTParameterError",
                             f"start + rows should be less than or equal to {WINDOW} (found {start_n + rows_n})")
        return rows_n, start_n

    def _v1_search(self, req: Request) -> Reply:
        rows, start = self._v1_paging(req)
        refine = [f"{k[7:]}:{v}" for k, vs in req.query.items() if k.startswith("refine.") for v in vs]
        exclude = [f"{k[8:]}:{v}" for k, vs in req.query.items() if k.startswith("exclude.") for v in vs]
        sort = req.arg("sort")
        order = None
        if sort:  # v1: "sort=field" is descending, "sort=-field" ascending
            order = f"{sort[1:]} ASC" if sort.startswith("-") else f"{sort} DESC"
        found = self._select(req.args("q"), refine, exclude, order)
        body: dict[str, Any] = {
            "nhits": len(found),
            "parameters": {"timezone": "UTC", "rows": rows, "start": start, "format": "json", "staged": False},
            "datasets": [self.dataset_object_v1(d) for d in found[start: start + rows]],
        }
        facets = req.args("facet")
        if facets:
            body["parameters"]["facet"] = facets
            body["facet_groups"] = [
                {"name": g["name"], "facets": [{"name": f["name"], "path": f["value"], "count": f["count"],
                                                "state": f["state"]} for f in g["facets"]]}
                for g in (self._facet(n, found, refine) for n in facets)]
        return json_reply(body)

    def _v1_records(self, req: Request) -> Reply:
        rows_n, start = self._v1_paging(req)
        dataset_id = req.arg("dataset") or ""
        d = self.by_id.get(dataset_id)
        if d is None:
            return not_found(dataset_id)
        rows = self.rows(d)
        records = []
        for i, r in enumerate(rows[start: start + rows_n]):
            fields = dict(r)
            rec: dict[str, Any] = {"datasetid": d.source_id, "recordid": _record_id(d, start + i),
                                   "fields": fields, "record_timestamp": _stamp(d.modified)}
            if "geo_point_2d" in fields:
                point = fields["geo_point_2d"]
                fields["geo_point_2d"] = [point["lat"], point["lon"]]
                rec["geometry"] = {"type": "Point", "coordinates": [point["lon"], point["lat"]]}
            records.append(rec)
        return json_reply({"nhits": len(rows), "parameters": {"dataset": dataset_id, "timezone": "UTC",
                                                              "rows": rows_n, "start": start, "format": "json"},
                           "records": records})

    # -- rendering ----------------------------------------------------------------------
    def place(self, code: str | None) -> str | None:
        """The name of the territory ``code`` (INSEE code or ``MEL``) covers."""
        if not code:
            return None
        if self._places is None:
            reg = load_registry()
            self._places = {k: c.name for k, c in reg.communes.items()}
            self._places["MEL"] = reg.metropole.name
        return self._places.get(code, code)

    def metas(self, d: SimDataset) -> dict[str, dict[str, Any]]:
        licence, licence_url = licence_label(d.licence)
        default: dict[str, Any] = dict.fromkeys(DEFAULT_KEYS)
        place = self.place(d.spatial)
        default.update({
            "title": d.title,
            "description": f"<p>{html.escape(d.description, quote=False)}</p>" if d.description else None,
            "theme": list(d.themes) or None,
            "keyword": list(d.keywords) or None,
            "license": licence,
            "license_url": d.licence_url or licence_url,
            "language": "fr",
            "metadata_languages": ["fr"],
            "modified": _stamp(d.modified),
            "modified_updates_on_data_change": True,
            "modified_updates_on_metadata_change": False,
            "data_processed": _stamp(d.modified),
            "metadata_processed": d.metadata_modified or _stamp(d.modified),
            "records_count": d.rows if _has_records(d) else 0,
            "publisher": d.publisher,
            "territory": [place] if place else None,
            "geographic_reference_auto": True,
            "federated": False,
        })
        dcat: dict[str, Any] = dict.fromkeys(DCAT_KEYS)
        temporal = None
        if d.temporal_start or d.temporal_end:
            temporal = f"{d.temporal_start or '..'}/{d.temporal_end or '..'}"
        dcat.update({
            "created": d.issued, "issued": d.issued, "creator": d.publisher,
            "contact_name": d.contact_name, "contact_email": d.contact_email,
            "accrualperiodicity": frequency_label(d.frequency), "spatial": place,
            "temporal": temporal, "granularity": "Commune" if d.spatial and d.spatial != "MEL" else None,
        })
        return {"default": default, "dcat": dcat}

    def dataset_object(self, d: SimDataset) -> dict[str, Any]:
        """The v2.1 (and v2.0) dataset object."""
        obj = self._objects.get(d.source_id)
        if obj is None:
            obj = {
                "dataset_id": d.source_id,
                "dataset_uid": "da_" + hashlib.sha1(d.key.encode()).hexdigest()[:6],
                "attachments": [{"mimetype": f.media_type, "url": f"odsfile://{f.id}.{f.format}",
                                 "id": _attachment_id(f), "title": f.title} for f in _attachments(d)],
                "has_records": _has_records(d),
                "data_visible": True,
                "fields": self.fields(d),
                "metas": self.metas(d),
                "features": (["analyze", "geo"] if _is_geo(d) else ["analyze"]) if _has_records(d) else [],
                "visibility": "domain",
            }
            self._objects[d.source_id] = obj
        return obj

    def dataset_object_v1(self, d: SimDataset) -> dict[str, Any]:
        """The v1 dataset object: flat ``metas``, a lone keyword or theme as a plain string."""
        obj = self.dataset_object(d)
        metas = dict(obj["metas"]["default"])
        for key in ("keyword", "theme"):
            if isinstance(metas[key], list) and len(metas[key]) == 1:
                metas[key] = metas[key][0]
        metas.update({"domain": self.portal.name, "visibility": "domain"})
        return {"datasetid": d.source_id, "metas": metas, "has_records": obj["has_records"],
                "features": obj["features"], "attachments": obj["attachments"], "alternative_exports": [],
                "fields": obj["fields"], "interop_metas": {"dcat": obj["metas"]["dcat"]}, "billing_plans": []}

    def flat(self, d: SimDataset) -> dict[str, Any]:
        """Every field a catalog ``where``/``refine``/``order_by`` may name, for ``d``."""
        flat = self._flats.get(d.source_id)
        if flat is None:
            obj = self.dataset_object(d)
            flat = {}
            for template, values in obj["metas"].items():
                for k, v in values.items():
                    flat[f"{template}.{k}"] = v
                    if template == "default":
                        flat[k] = v
            flat.update({"dataset_id": d.source_id, "datasetid": d.source_id,
                         "has_records": obj["has_records"], "features": obj["features"]})
            self._flats[d.source_id] = flat
        return flat

    def fields(self, d: SimDataset) -> list[dict[str, Any]]:
        """One field per column of ``d``'s table: the column as label, ODS's identifier as name."""
        if not _has_records(d):
            return []
        sample = content.rows(d)[:1] or [{}]
        out = [{"name": field_name(k), "label": k, "type": _field_type(v), "description": None, "annotations": {}}
               for k, v in sample[0].items()]
        if _is_geo(d):
            out.append({"name": "geo_point_2d", "label": "Geo Point", "type": "geo_point_2d",
                        "description": None, "annotations": {}})
        return out

    def rows(self, d: SimDataset) -> list[dict[str, Any]]:
        """The records of ``d``, keyed by field name."""
        if not _has_records(d):
            return []
        rows = []
        for r in content.rows(d):
            rec = {field_name(k): v for k, v in r.items()}
            if _is_geo(d):
                lat = float(r.get("latitude") or r.get("EQUIP_LAT") or 50.69)
                lon = float(r.get("longitude") or r.get("EQUIP_LONG") or 3.18)
                rec["geo_point_2d"] = {"lat": lat, "lon": lon}
            rows.append(rec)
        return rows


# -- helpers --------------------------------------------------------------------------------
def _next_midnight() -> datetime:
    now = datetime.now(timezone.utc)
    return datetime(now.year, now.month, now.day, tzinfo=timezone.utc) + timedelta(days=1)


def field_name(label: str) -> str:
    """The field name ODS derives from a column header: lower case, accents removed, any other
    character than a letter or a digit folded to ``_`` (``nomAttribuant`` -> ``nomattribuant``,
    ``Date de début`` -> ``date_de_debut``)."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", label) if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "_", plain.lower()).strip("_") or "field"


def _stamp(day: str | None) -> str | None:
    """A world date as ODS writes datetimes: ``2024-03-05T00:00:00+00:00``."""
    if not day:
        return None
    return day if "T" in day else f"{day}T00:00:00+00:00"


def _has_records(d: SimDataset) -> bool:
    return any(f.format in TABLE_FORMATS for f in d.files)


def _is_geo(d: SimDataset) -> bool:
    return any(f.format in GEO for f in d.files)


def _attachments(d: SimDataset) -> list[SimFile]:
    return [f for f in d.files if f.format not in TABLE_FORMATS]


def _attachment_id(f: SimFile) -> str:
    """ODS derives an attachment id from its file name: ``pdf-2.pdf`` -> ``pdf-2_pdf``."""
    return f"{f.id}_{f.format}"


def _record_id(d: SimDataset, i: int) -> str:
    return hashlib.sha1(f"{d.key}:{i}".encode()).hexdigest()


def _field_type(value: Any) -> str:
    if isinstance(value, bool):
        return "text"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "double"
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return "date"
    return "text"


def _file_error(d: SimDataset, f: SimFile) -> Reply:
    if f.status == 404:
        return json_reply({"error_code": "NotFound", "message": f"File not found: {f.title}"}, 404)
    return Reply(f.status, b"<html><body><h1>Error</h1></body></html>", "text/html; charset=utf-8", etag=False)


def _csv(rows: list[dict[str, Any]], fields: list[dict[str, Any]], delimiter: str, bom: bool,
         labels: bool = False) -> bytes:
    """The CSV export: the fields' names as header, or their labels (``use_labels=true``)."""
    buf = io.StringIO()
    names = [f["name"] for f in fields]
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    w.writerow([f["label"] for f in fields] if labels else names)
    for r in rows:
        out = []
        for n in names:
            v = r.get(n)
            if isinstance(v, dict) and "lat" in v:
                v = f"{v['lat']}, {v['lon']}"
            out.append("" if v is None else v)
        w.writerow(out)
    return ("\ufeff" if bom else "").encode() + buf.getvalue().encode("utf-8")


def _paging(limit: str | None, offset: str | None) -> tuple[int, int]:
    """``(limit, offset)`` checked as the Explore API does (400 otherwise)."""
    limit = "10" if limit is None else limit
    offset = "0" if offset is None else offset
    if not re.fullmatch(r"-?\d+", limit.strip()) or not -1 <= int(limit) <= MAX_LIMIT:
        raise BadRequest("InvalidRESTParameterError",
                         f"Invalid value for limit API parameter: {limit} was found but -1 <= limit <= {MAX_LIMIT} "
                         f"is expected.")
    if not re.fullmatch(r"\d+", offset.strip()):
        raise BadRequest("InvalidRESTParameterError",
                         f"Invalid value for offset API parameter: {offset} was found but offset >= 0 is expected.")
    n, start = int(limit), int(offset)
    n = MAX_LIMIT if n == -1 else n
    if start + n > WINDOW:
        raise BadRequest("InvalidRESTParameterError",
                         f"Invalid value for offset API parameter: offset + limit should be less than or equal to "
                         f"{WINDOW} ({start + n} found). Please use the /exports endpoint to get more results.")
    return n, start


def _facet_name(facet: str) -> str:
    m = re.match(r'facet\(\s*name\s*=\s*"([^"]+)"', facet)
    return m[1] if m else facet.strip()


def _split_refine(refine: str) -> tuple[str, str]:
    name, _, value = refine.partition(":")
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    return name.strip(), value


def _refined(flat: dict[str, Any], refine: str) -> bool:
    name, value = _split_refine(refine)
    have = flat.get(name)
    if name in DATE_FACETS and isinstance(have, str):
        return have.startswith(value.replace("/", "-"))
    if isinstance(have, list):
        return value in [str(v) for v in have]
    return have is not None and str(have) == value


def _order(order_by: str) -> list[tuple[str, bool]]:
    out = []
    for part in order_by.split(","):
        words = part.split()
        if not words:
            continue
        if len(words) > 2 or (len(words) == 2 and words[1].upper() not in ("ASC", "DESC")):
            raise BadRequest("ODSQLError", f"ODSQL query is malformed: {part.strip()} Clause(s) containing the "
                                           f"error(s): order_by.")
        out.append((words[0], len(words) == 2 and words[1].upper() == "DESC"))
    return out


def _sort_key(value: Any) -> Any:
    if isinstance(value, list):
        value = value[0] if value else ""
    return (0, value, "") if isinstance(value, (int, float)) else (1, 0, str(value).lower())


# -- an ODSQL subset for ``where`` ------------------------------------------------------------
_TOKEN = re.compile(r"""\s*(?:(?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|(?P<num>-?\d+(?:\.\d+)?)
                    |(?P<op><=|>=|!=|=|<|>|\(|\)|,)|(?P<word>[A-Za-z_][A-Za-z0-9_.]*|`[^`]+`))""", re.X)
Predicate = Callable[[dict[str, Any]], bool]


def compile_where(text: str) -> Predicate:
    """A predicate over a dataset's fields for ODSQL ``text`` (raises :class:`BadRequest`)."""
    tokens = _tokens(text)
    parser = _Parser(tokens, text)
    pred = parser.expr()
    if parser.pos != len(tokens):
        parser.fail()
    return pred


def _tokens(text: str) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if not m:
            raise BadRequest("ODSQLError", f"ODSQL query is malformed: {text} Clause(s) containing the error(s): where.")
        pos = m.end()
        if m["str"]:
            raw = m["str"][1:-1]
            out.append(("value", re.sub(r"\\(.)", r"\1", raw)))
        elif m["num"]:
            out.append(("value", float(m["num"]) if "." in m["num"] else int(m["num"])))
        elif m["op"]:
            out.append(("op", m["op"]))
        else:
            word = m["word"].strip("`")
            upper = word.upper()
            if upper in ("AND", "OR", "NOT", "IS", "NULL", "TRUE", "FALSE", "DATE"):
                out.append(("kw", upper))
            else:
                out.append(("field", word))
    return out


class _Parser:
    def __init__(self, tokens: list[tuple[str, Any]], text: str):
        self.tokens = tokens
        self.text = text
        self.pos = 0

    def fail(self):
        raise BadRequest("ODSQLError", f"ODSQL query is malformed: {self.text} Clause(s) containing the error(s): "
                                       f"where.")

    def peek(self) -> tuple[str, Any] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, Any]:
        tok = self.peek()
        if tok is None:
            self.fail()
        self.pos += 1
        return tok  # type: ignore[return-value]

    def expr(self) -> Predicate:
        left = self.conj()
        while self.peek() == ("kw", "OR"):
            self.take()
            right = self.conj()
            left = (lambda a, b: lambda row: a(row) or b(row))(left, right)
        return left

    def conj(self) -> Predicate:
        left = self.unary()
        while self.peek() == ("kw", "AND"):
            self.take()
            right = self.unary()
            left = (lambda a, b: lambda row: a(row) and b(row))(left, right)
        return left

    def unary(self) -> Predicate:
        tok = self.take()
        if tok == ("kw", "NOT"):
            inner = self.unary()
            return lambda row: not inner(row)
        if tok == ("op", "("):
            inner = self.expr()
            if self.take() != ("op", ")"):
                self.fail()
            return inner
        if tok[0] == "value" and isinstance(tok[1], str):  # bare string: full-text search
            needle = tok[1].lower()
            return lambda row: any(needle in str(row.get(k) or "").lower() for k in ("title", "description",
                                                                                     "keyword", "publisher"))
        if tok[0] != "field":
            self.fail()
        field = tok[1]
        op = self.take()
        if op == ("kw", "IS"):
            negate = self.peek() == ("kw", "NOT")
            if negate:
                self.take()
            if self.take() != ("kw", "NULL"):
                self.fail()
            return lambda row: (row.get(field) is None) != negate
        if op[0] != "op" or op[1] not in ("=", "!=", "<", "<=", ">", ">="):
            self.fail()
        value = self.literal()
        return _comparison(field, op[1], value)

    def literal(self) -> Any:
        tok = self.take()
        if tok == ("kw", "DATE"):
            tok = self.take()
        if tok[0] == "value":
            return tok[1]
        if tok in (("kw", "TRUE"), ("kw", "FALSE")):
            return tok[1] == "TRUE"
        self.fail()


def _comparison(field: str, op: str, value: Any) -> Predicate:
    def one(have: Any) -> bool:
        if have is None:
            return False
        if isinstance(value, bool) or isinstance(have, bool):
            return op in ("=", "!=") and (have == value) == (op == "=")
        if isinstance(value, (int, float)) and isinstance(have, (int, float)):
            a, b = have, value
        else:
            a, b = str(have), str(value)
        return {"=": a == b, "!=": a != b, "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]

    def test(row: dict[str, Any]) -> bool:
        have = row.get(field)
        if isinstance(have, list):
            return any(one(v) for v in have)
        return one(have)

    return test
