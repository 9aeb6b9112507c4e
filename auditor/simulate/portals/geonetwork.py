"""Simulated MEL platform (``data.lillemetropole.fr``): GeoNetwork 4 and its OGC API.

Serves, for the datasets the portal hosts:

* ``POST /geonetwork/srv/api/search/records/_search``: an Elasticsearch answer over one
  index document per dataset with a record (``d.record``), shaped like the real index
  (``resourceTitleObject {default, langfre}``, ``contactForResource[]``, ``licenseObject[]``,
  ``cl_maintenanceAndUpdateFrequency[]`` with ISO 19115 codes, ``link[]``...), plus what a
  real catalogue also holds and crawlers must leave out: one metadata template
  (``isTemplate: "y"``), a WMS *service* record, an interactive map and a stand-alone feature
  catalogue. As GeoNetwork indexes them: a record migrated from the old Opendatasoft portal,
  whose feature catalogue is embedded, has ``resourceType: ["featureCatalog"]`` and level
  (``cl_level``) ``dataset`` (as the real MEL record of the captured search); the resource's
  citation dates are each a ``resourceTemporalDateRange`` beside its declared temporal extent,
  which alone is ``resourceTemporalExtentDateRange``; most records state the INSPIRE « Pas de
  restriction d'accès public » before their licence in ``licenseObject`` (GeoNetwork indexes
  every ``otherConstraints`` there); a geographic record names its GeoServer layers (WMS, WFS,
  WMTS, some TMS), several of them on one service URL. Supports ``from`` / ``size`` with
  Elasticsearch's 10 000 window (400 beyond), ``sort``, ``search_after``,
  ``track_total_hits``, ``_source`` filtering, and ``match_all`` / ``bool`` / ``term`` /
  ``terms`` / ``ids`` / ``exists`` queries; other query clauses are accepted and ignored.
* ``GET /geonetwork/srv/api/records/{uuid}/attachments/{name}``: non-table files.
* ``GET /catalogue/dataset/{uuid}``: a small HTML landing page.
* ``GET /geoserver/ows``, ``/geoserver/gwc/service/wmts``, ``/geoserver/gwc/service/tms/1.0.0``:
  the services the layers are served from (a capabilities document).
* ``GET /data/ogcapi/``, ``/conformance``, ``/collections`` (paged by ``limit``/``offset``,
  or by the portal option ``collections_limit``; the option ``ogcapi_status`` makes it answer
  that status), ``/collections/{id}``,
  ``/collections/{id}/items?f=json|geojson|csv|shapefile&limit=N|-1&offset=``: one collection
  per dataset with ``d.collection``, with or without a record.

A SimFile whose ``status`` is not 200 makes its URL answer that status.
"""
from __future__ import annotations

import fnmatch
import hashlib
import html
import json
import threading
from typing import Any
from urllib.parse import unquote

from ...crawling.territory.registry import load_registry
from .. import content
from ..server import PortalApp, Reply, Request, json_reply, not_found
from ..urls import TABLE_FORMATS, file_url
from ..world import SimDataset, SimFile

GN = "/geonetwork/srv/api"
OGC = "/data/ogcapi"
OWS = "/geoserver/ows"
WMTS = "/geoserver/gwc/service/wmts"
TMS = "/geoserver/gwc/service/tms/1.0.0"
INSPIRE_ACCESS = ("Pas de restriction d'accès public",
                  "http://inspire.ec.europa.eu/metadata-codelist/LimitationsOnPublicAccess/noLimitations")
WINDOW = 10000
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
MEL_ORG = "Métropole Européenne de Lille"
OLD_ODS = "https://opendata.lillemetropole.fr"
CODELISTS = "http://standards.iso.org/iso/19115/resources/Codelists/cat/codelists.xml"

# canonical licence id -> (free text as typed in the catalogue, anchor link or None)
LICENCES = {
    "lov2": ("Licence Ouverte v2.0 (Etalab)", "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"),
    "lo1": ("Licence Ouverte (Etalab)", None),
    "odbl": ("ODbL 1.0", "https://opendatacommons.org/licenses/odbl/1-0/"),
    "cc-by": ("Creative Commons Attribution 4.0 (CC BY 4.0)", "https://creativecommons.org/licenses/by/4.0/"),
    "cc-by-nc": ("CC BY-NC 4.0", "https://creativecommons.org/licenses/by-nc/4.0/"),
    "other-closed": ("Réutilisation soumise à autorisation préalable", None),
}

# udata frequency id -> the ISO 19115 MD_MaintenanceFrequencyCode an editor picks for it. ISO has
# nothing finer than "continual" (real time is written so) and no "never" ("notPlanned").
ISO_FREQUENCIES = {
    "continuous": "continual", "daily": "daily", "weekly": "weekly", "biweekly": "fortnightly",
    "semimonthly": "semimonthly", "monthly": "monthly", "quarterly": "quarterly",
    "semiannual": "biannually", "annual": "annually", "biennial": "biennially",
    "irregular": "irregular", "notPlanned": "notPlanned", "unknown": "unknown",
    "punctual": "asNeeded", "never": "notPlanned", "other": "periodic",
}
# What udata reads back from the code written for these (data.gouv.fr's SEMIC XSLT writes
# "continual" as EU CONT, udata's severalTimesADay); every other code reads back as written.
LOSSY = {"continuous": "severalTimesADay", "never": "notPlanned"}


def read_back(frequency: str | None) -> str | None:
    """The udata frequency id the platform states for ``frequency`` (``unknown`` where ISO has
    no code for it)."""
    if frequency is None:
        return None
    return LOSSY.get(frequency, frequency) if frequency in ISO_FREQUENCIES else "unknown"
ISO_LABELS = {
    "continual": "Continue", "daily": "Journalière", "weekly": "Hebdomadaire",
    "fortnightly": "Quinzomadaire", "semimonthly": "Bimensuelle", "monthly": "Mensuelle",
    "quarterly": "Trimestrielle", "biannually": "Semestrielle", "annually": "Annuelle",
    "biennially": "Biennale", "irregular": "Irrégulière", "notPlanned": "Non planifiée",
    "unknown": "Inconnue", "asNeeded": "Lorsque nécessaire",
}
FORMAT_NAMES = {"csv": "CSV", "json": "JSON", "geojson": "GeoJSON", "shp": "ESRI Shapefile",
                "pdf": "PDF", "xlsx": "XLSX", "zip": "ZIP"}
MIME = {"shp": "x-gis/x-shapefile"}  # GeoNetwork's spelling where it differs from SimFile's
ENCLOSURES = [("json", "json", "application/json", "JSON"),
              ("geojson", "geojson", "application/geo+json", "GeoJSON"),
              ("shapefile", "shp", "application/x-shapefile", "Esri Shapefile"),
              ("csv", "csv", "text/csv;charset=UTF-8", "Comma Separated Values")]
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/landing-page",
    "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/json",
    "http://www.opengis.net/spec/ogcapi-common-2/1.0/conf/collections",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
]


def lang(value: str) -> dict[str, str]:
    """A GeoNetwork multilingual value."""
    return {"default": value, "langfre": value}


def _gn_stamp(iso: str | None) -> str | None:
    """``2022-04-03T13:10:00+00:00`` / ``2022-04-03`` as GeoNetwork indexes dates."""
    if not iso:
        return None
    if len(iso) == 10:
        return f"{iso}T00:00:00.000Z"
    return iso[:19] + ".000Z" if iso.endswith(("+00:00", "Z")) else iso


def _pick(key: str, options: list[str], weights: list[int]) -> str:
    """A deterministic choice for ``key`` (no RNG state shared with the generator)."""
    n = int(hashlib.sha1(key.encode()).hexdigest()[:8], 16) % sum(weights)
    for option, w in zip(options, weights):
        if n < w:
            return option
        n -= w
    return options[-1]


class App(PortalApp):
    def __init__(self, world, portal, urls):
        super().__init__(world, portal, urls)
        self.datasets = world.hosted(portal.name)
        self.by_uuid = {d.source_id: d for d in self.datasets if d.record}
        self.by_collection = {d.collection: d for d in self.datasets if d.collection}
        self._docs: list[dict[str, Any]] | None = None
        self._ordered: dict[str, list[dict[str, Any]]] = {}
        self._lock = threading.RLock()
        self._registry = None

    # -- routing ---------------------------------------------------------------------------
    def handle(self, req: Request) -> Reply:
        path = req.path
        if path == f"{GN}/search/records/_search":
            if req.method != "POST":
                return json_reply({"message": "Request method 'GET' not supported"}, 405)
            return self.search(req)
        if path.startswith(f"{GN}/records/") and "/attachments/" in path:
            uuid, name = path[len(f"{GN}/records/"):].split("/attachments/", 1)
            return self.attachment(unquote(uuid), unquote(name))
        if path.startswith("/catalogue/dataset/"):
            return self.landing(unquote(path[len("/catalogue/dataset/"):].strip("/")))
        if path in (OWS, WMTS, TMS):
            return self.capabilities(path)
        if path in (OGC, OGC + "/"):
            return json_reply(self.ogc_landing(req))
        if path == f"{OGC}/conformance":
            return json_reply({"conformsTo": CONFORMANCE})
        if path in (f"{OGC}/collections", f"{OGC}/collections/"):
            if self.portal.options.get("ogcapi_status"):  # an OGC API that is there but failing
                return json_reply({"message": "Service unavailable"}, int(self.portal.options["ogcapi_status"]))
            return self.collections(req)
        if path.startswith(f"{OGC}/collections/"):
            rest = path[len(f"{OGC}/collections/"):]
            cid, _, tail = rest.partition("/")
            d = self.by_collection.get(unquote(cid))
            if d is None:
                return not_found(f"Collection {unquote(cid)} not found")
            if tail == "":
                return json_reply(self.collection(d))
            if tail == "items":
                return self.items(d, req)
        return not_found()

    # -- GeoNetwork records ------------------------------------------------------------------
    def docs(self) -> list[dict[str, Any]]:
        with self._lock:
            if self._docs is None:
                docs = [self.record(d, i + 1) for i, d in enumerate(self.datasets) if d.record]
                docs.append(self.template(len(docs) + 1))
                docs.extend(self.not_datasets(len(docs) + 1))
                self._docs = docs
            return self._docs

    def record(self, d: SimDataset, n: int) -> dict[str, Any]:
        """The index document of ``d``, keys as GeoNetwork 4 names them."""
        src: dict[str, Any] = {
            "uuid": d.source_id, "id": str(n), "metadataIdentifier": d.source_id,
            "docType": "metadata", "isTemplate": "n", "draft": "n", "isPublishedToAll": "true",
            "isHarvested": "false", "documentStandard": "iso19115-3.2018",
            "mainLanguage": "fre", "resourceLanguage": ["fre"], "resourceTitleObject": lang(d.title),
        }
        src.update(self._scope(d))
        if d.description:
            src["resourceAbstractObject"] = lang(d.description)
        tags = list(dict.fromkeys(d.keywords + d.themes))
        if tags:
            src["tag"] = [lang(k) for k in tags]
            src["tagNumber"] = str(len(tags))
        if d.keywords:
            src["th_otherKeywords-"] = [lang(k) for k in d.keywords]
        if d.themes:
            src["th_otherKeywords-theme"] = [lang(t) for t in d.themes]
            src["keywordType-theme"] = [lang(t) for t in d.themes]
        src.update(self._contacts(d))
        src.update(self._constraints(d))
        src.update(self._dates(d))
        if d.frequency:
            code = ISO_FREQUENCIES.get(d.frequency, "unknown")
            src["cl_maintenanceAndUpdateFrequency"] = [
                lang(ISO_LABELS.get(code, code)) | {"key": code, "link": f"{CODELISTS}#MD_MaintenanceFrequencyCode"}]
        src.update(self._temporal(d))
        if d.spatial:
            src["extentDescriptionObject"] = [lang(self._place(d.spatial))]
            src["geom"] = [{"type": "Polygon", "coordinates": [[[2.79, 50.5], [3.29, 50.5], [3.29, 50.8],
                                                                [2.79, 50.8], [2.79, 50.5]]]}]
        formats = sorted({FORMAT_NAMES.get(f.format, f.format.upper()) for f in d.files})
        src["format"] = formats
        src["link"] = self._links(d)
        return src

    def _place(self, code: str) -> str:
        if code == "MEL":
            return MEL_ORG
        with self._lock:
            if self._registry is None:
                self._registry = load_registry()
        commune = self._registry.communes.get(code)
        return commune.name if commune else code

    def _contacts(self, d: SimDataset) -> dict[str, Any]:
        """Resource contact (its role varies) and metadata contact, with GeoNetwork's derived
        ``{role}OrgForResourceObject`` / ``{role}OrgObject`` keys."""
        out: dict[str, Any] = {}
        email = d.contact_email or ""
        blank = {"website": "", "address": "", "phone": "", "logo": "", "position": ""}
        if not d.publisher:
            out["contactForResource"] = [blank | {"role": "pointOfContact", "individual": d.contact_name or "",
                                                  "email": email}]
            return out
        role = _pick(d.key, ["publisher", "originator", "owner", "pointOfContact"], [5, 3, 1, 1])
        resource = [blank | {"role": role, "organisationObject": lang(d.publisher),
                             "individual": d.contact_name or "", "email": email}]
        if role != "pointOfContact" and _pick(d.key + "/poc", ["yes", "no"], [1, 2]) == "yes":
            # the platform's team as point of contact: must not be taken for the producer
            resource.append(blank | {"role": "pointOfContact", "organisationObject": lang(MEL_ORG),
                                     "individual": "Équipe open data", "email": "opendata@lillemetropole.fr"})
        out["contactForResource"] = resource
        orgs = [c["organisationObject"] for c in resource]
        out["OrgForResourceObject"] = orgs[0] if len(orgs) == 1 else orgs
        for c in resource:
            out.setdefault(f"{c['role']}OrgForResourceObject", c["organisationObject"])
        out["contact"] = [blank | {"role": "publisher", "organisationObject": lang(d.publisher),
                                   "individual": "", "email": email}]
        out["OrgObject"] = lang(d.publisher)
        out["publisherOrgObject"] = lang(d.publisher)
        return out

    def _scope(self, d: SimDataset) -> dict[str, Any]:
        """``resourceType`` as GeoNetwork indexes it: a record migrated from the old Opendatasoft
        portal embeds its feature catalogue (``featureCatalog``, level ``dataset``); a few records
        describe a series."""
        if d.source_id == d.key:
            return {"resourceType": ["featureCatalog"],
                    "cl_level": [lang("Jeu de données") | {"key": "dataset", "link": f"{CODELISTS}#MD_ScopeCode"}]}
        return {"resourceType": [_pick(d.key + "/scope", ["dataset", "series"], [9, 1])]}

    def _constraints(self, d: SimDataset) -> dict[str, Any]:
        """``licenseObject``: every ``otherConstraints`` of the legal constraints, the INSPIRE
        access constraint (most records state it) before the licence."""
        items = []
        if _pick(d.key + "/access", ["yes", "no"], [2, 1]) == "yes":
            items.append(lang(INSPIRE_ACCESS[0]) | {"link": INSPIRE_ACCESS[1]})
        if d.licence:
            text, link = LICENCES.get(d.licence, (d.licence, None))
            items.append(lang(text) | ({"link": link} if link else {}))
        if not items:
            return {}
        return {"licenseObject": items, "MD_LegalConstraintsOtherConstraintsObject": [dict(i) for i in items]}

    def _temporal(self, d: SimDataset) -> dict[str, Any]:
        """The declared temporal extent (``resourceTemporalExtentDateRange``), and in
        ``resourceTemporalDateRange`` each citation date of the resource (GeoNetwork's
        ``useDateAsTemporalExtent``) then the extent."""
        out: dict[str, Any] = {}
        ranges = [{"gte": _gn_stamp(v), "lte": _gn_stamp(v)} for v in sorted({v for v in (d.issued, d.modified) if v})]
        extent = {k: _gn_stamp(v) for k, v in (("gte", d.temporal_start), ("lte", d.temporal_end)) if v}
        if extent:
            out["resourceTemporalExtentDateRange"] = [extent]
            ranges.append(dict(extent))
        if ranges:
            out["resourceTemporalDateRange"] = ranges
        return out

    def _dates(self, d: SimDataset) -> dict[str, Any]:
        out: dict[str, Any] = {}
        dates = [("creation", d.issued), ("publication", d.issued), ("revision", d.modified)]
        present = [(kind, _gn_stamp(v)) for kind, v in dates if v]
        if present:
            out["resourceDate"] = [{"type": kind, "date": v} for kind, v in present]
            for kind, v in present:
                out[f"{kind}DateForResource"] = [v]
        stamp = _gn_stamp(d.metadata_modified or d.modified)
        if stamp:
            out["changeDate"] = out["dateStamp"] = out["indexingDate"] = stamp
        if d.issued:
            out["createDate"] = _gn_stamp(d.issued)
        return out

    def _links(self, d: SimDataset) -> list[dict[str, Any]]:
        links = []
        for f in d.files:
            table = f.format in TABLE_FORMATS and bool(d.collection)
            mime = MIME.get(f.format, f.media_type)
            link = {"protocol": f"WWW:DOWNLOAD:{mime}" if table else "WWW:DOWNLOAD-1.0-http--download",
                    "function": "download", "applicationProfile": "", "mimeType": mime,
                    "urlObject": lang(file_url(self.portal, self.base, d, f)),
                    "nameObject": lang(f.title), "group": 0}
            if f.description:
                link["descriptionObject"] = lang(f.description)
            links.append(link)
        if d.collection:
            links.append({"protocol": "OGC API Features", "function": "", "applicationProfile": "",
                          "mimeType": "application/json",
                          "urlObject": lang(f"{self.base}{OGC}/collections/{d.collection}"),
                          "nameObject": lang(d.collection), "descriptionObject": lang(d.title), "group": 1})
            links.extend(self._layers(d))
        if d.source_id == d.key:  # came from the old MEL Opendatasoft portal: its page is kept
            ods = self.urls.get("ancien-mel-ods", OLD_ODS)
            links.append({"protocol": "WWW:LINK:LANDING_PAGE", "function": "", "applicationProfile": "",
                          "mimeType": "", "urlObject": lang(f"{ods}/explore/dataset/{d.key}/information/"),
                          "nameObject": lang("Landing Page"), "group": 2})
        return links

    def _layers(self, d: SimDataset) -> list[dict[str, Any]]:
        """A geographic record's GeoServer layers: each on the one WMS and WFS URL (a record may
        describe several layers), the first also as WMTS, some as TMS."""
        if not any(f.format in ("geojson", "shp") for f in d.files):
            return []
        names = [d.collection] + ([f"{d.collection}_lignes", f"{d.collection}_points"]
                                  if _pick(d.key + "/layers", ["one", "three"], [2, 1]) == "three" else [])
        services = [("OGC:WMS", OWS), ("OGC:WFS", OWS)]
        out = [self._service_link(protocol, path, name, d.title) for name in names for protocol, path in services]
        out.append(self._service_link("OGC:WMTS", WMTS, names[0], d.title))
        if _pick(d.key + "/tms", ["no", "yes"], [2, 1]) == "yes":
            out.append(self._service_link("TMS", TMS, names[0], d.title))
        return out

    def _service_link(self, protocol: str, path: str, name: str, title: str) -> dict[str, Any]:
        return {"protocol": protocol, "function": "", "applicationProfile": "", "mimeType": "",
                "urlObject": lang(f"{self.base}{path}"), "nameObject": lang(name),
                "descriptionObject": lang(title), "group": 3}

    def template(self, n: int) -> dict[str, Any]:
        return {"uuid": "modele-fiche-donnees-ouvertes", "id": str(n), "docType": "metadata",
                "isTemplate": "y", "draft": "n", "resourceTitleObject": lang("Modèle de fiche (données ouvertes)"),
                "resourceType": ["dataset"], "link": []}

    def not_datasets(self, n: int) -> list[dict[str, Any]]:
        """Records a catalogue holds beside its datasets: the WMS service, an interactive map, a
        stand-alone feature catalogue (GeoNetwork indexes all three; none is a dataset)."""
        stamp = _gn_stamp(self.world.as_of)
        mel = [{"role": "pointOfContact", "organisationObject": lang(MEL_ORG), "email": "opendata@lillemetropole.fr"}]
        common = {"docType": "metadata", "isTemplate": "n", "draft": "n", "isPublishedToAll": "true",
                  "mainLanguage": "fre", "contactForResource": mel, "changeDate": stamp, "dateStamp": stamp,
                  "licenseObject": [lang(LICENCES["lov2"][0]) | {"link": LICENCES["lov2"][1]}]}
        records = [
            ("service-wms-mel", ["service"], "Service WMS de la Métropole Européenne de Lille",
             [self._service_link("OGC:WMS", OWS, "", "GetCapabilities")]),
            ("carte-interactive-equipements", ["interactiveMap"], "Carte interactive des équipements métropolitains",
             [{"protocol": "WWW:LINK", "function": "browsing", "urlObject": lang(f"{self.base}/carte/equipements"),
               "nameObject": lang("Carte"), "group": 0}]),
            ("catalogue-attributs-voirie", ["featureCatalog"], "Catalogue d'attributs de la voirie", []),
        ]
        return [common | {"uuid": uuid, "id": str(n + i), "metadataIdentifier": uuid, "resourceType": kind,
                          "resourceTitleObject": lang(title), "link": links}
                for i, (uuid, kind, title, links) in enumerate(records)]

    def capabilities(self, path: str) -> Reply:
        """What the GeoServer services answer (their capabilities), enough for a link check."""
        kind = {OWS: "WMS", WMTS: "WMTS", TMS: "TileMapService"}[path]
        body = (f'<?xml version="1.0" encoding="UTF-8"?><Capabilities service="{kind}">'
                f'<Title>GeoServer - {MEL_ORG}</Title></Capabilities>').encode("utf-8")
        return Reply(200, body, "application/xml")

    def search(self, req: Request) -> Reply:
        try:
            body = json.loads(req.body.decode("utf-8") or "{}")
            if not isinstance(body, dict):
                raise ValueError("body is not an object")
            start = int(body.get("from", 0) or 0)
            size = int(body.get("size", 10))
        except (ValueError, TypeError, UnicodeDecodeError) as exc:
            return _es_error(400, "parsing_exception", f"Failed to parse request body: {exc}")
        after = body.get("search_after")
        sort = _sort_spec(body.get("sort"))
        if after is not None and not sort:
            return _es_error(400, "illegal_argument_exception", "Sort must contain at least one field.")
        if after is not None and start > 0:
            return _es_error(400, "illegal_argument_exception",
                             "`from` parameter must be set to 0 when `search_after` is used.")
        if start < 0 or size < 0:
            return _es_error(400, "illegal_argument_exception", "[from] and [size] must be positive")
        if start + size > WINDOW:
            return _es_error(400, "illegal_argument_exception",
                             f"Result window is too large, from + size must be less than or equal to: "
                             f"[{WINDOW}] but was [{start + size}]. See the scroll api for a more efficient "
                             f"way to request large data sets. This limit can be set by changing the "
                             f"[index.max_result_window] index level setting.")
        matched = self._matching(body.get("query"), sort)
        if after is not None:
            if not isinstance(after, list) or len(after) != len(sort):
                return _es_error(400, "illegal_argument_exception",
                                 "search_after has a different number of sort values than sort")
            matched = [doc for doc in matched if _after(_sort_values(doc, sort), after, sort)]
        page = matched[start:start + size]
        hits = []
        for doc in page:
            hit: dict[str, Any] = {"_index": "gn-records", "_type": "_doc", "_id": doc["uuid"],
                                   "_score": None if sort else 1.0}
            filtered = _filter_source(doc, body.get("_source", True))
            if filtered is not None:
                hit["_source"] = filtered
            if sort:
                hit["sort"] = _sort_values(doc, sort)
            hits.append(hit)
        out: dict[str, Any] = {"took": 1, "timed_out": False,
                               "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
                               "hits": {"max_score": None if sort else 1.0, "hits": hits}}
        total = len(self._matching(body.get("query"), sort))
        tracked = body.get("track_total_hits", WINDOW)
        if tracked is True:
            out["hits"]["total"] = {"value": total, "relation": "eq"}
        elif tracked is not False:
            cap = int(tracked) if isinstance(tracked, int) else WINDOW
            out["hits"]["total"] = ({"value": total, "relation": "eq"} if total <= cap
                                    else {"value": cap, "relation": "gte"})
        return json_reply(out)

    def _matching(self, query: Any, sort: list[tuple[str, str]]) -> list[dict[str, Any]]:
        key = json.dumps([query, sort], sort_keys=True, default=str)
        with self._lock:
            found = self._ordered.get(key)
        if found is not None:
            return found
        docs = [doc for doc in self.docs() if _match(query, doc)]
        for field, order in reversed(sort):
            docs.sort(key=lambda doc: _sort_key(doc, field, order), reverse=(order == "desc"))
        with self._lock:
            self._ordered[key] = docs
        return docs

    def attachment(self, uuid: str, name: str) -> Reply:
        d = self.by_uuid.get(uuid)
        if d is None:
            return not_found(f"Metadata {uuid} not found")
        for f in d.files:
            if f"{f.id}.{f.format}" == name:
                if f.status != 200:
                    return json_reply({"message": f"Resource {name} unavailable"}, f.status)
                body, ctype = content.render(d, f)
                return Reply(200, body, ctype)
        return not_found(f"Resource {name} not found")

    def landing(self, uuid: str) -> Reply:
        d = self.by_uuid.get(uuid)
        if d is None:
            return Reply(404, b"<html><body>Page introuvable</body></html>", "text/html; charset=utf-8")
        page = (f"<!DOCTYPE html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>{html.escape(d.title)}"
                f"</title></head><body><h1>{html.escape(d.title)}</h1><p>{html.escape(d.description or '')}"
                f"</p></body></html>")
        return Reply(200, page.encode("utf-8"), "text/html; charset=utf-8")

    # -- OGC API -----------------------------------------------------------------------------
    def ogc_landing(self, req: Request) -> dict[str, Any]:
        root = f"{req.base}{OGC}"
        return {"title": "geOrchestra Data API", "description": "data-api provides an API to access datas",
                "links": [{"href": f"{root}/", "rel": "self", "type": "application/json",
                           "title": "This document as JSON"},
                          {"href": f"{root}/conformance", "rel": "conformance", "type": "application/json",
                           "title": "Conformance"},
                          {"href": f"{root}/collections", "rel": "data", "type": "application/json",
                           "title": "Collections"}]}

    def collections(self, req: Request) -> Reply:
        all_ = [d for d in self.datasets if d.collection]
        limit = _int(req.arg("limit"), self.portal.options.get("collections_limit"))
        offset = max(0, _int(req.arg("offset"), 0) or 0)
        if limit is None or limit < 0:
            return json_reply({"collections": [self.collection(d) for d in all_]})
        page = all_[offset:offset + limit]
        root = f"{self.base}{OGC}/collections"
        links = [{"href": f"{root}?f=json&offset={offset}&limit={limit}", "rel": "self",
                  "type": "application/json", "title": "This document"}]
        if offset + limit < len(all_):
            links.append({"href": f"{root}?f=json&offset={offset + limit}&limit={limit}", "rel": "next",
                          "type": "application/json", "title": "Next page"})
        return json_reply({"collections": [self.collection(d) for d in page], "links": links})

    def collection(self, d: SimDataset) -> dict[str, Any]:
        items = f"{self.base}{OGC}/collections/{d.collection}/items"
        geo = any(f.format in ("geojson", "shp") for f in d.files)
        links = [{"href": f"{items}?f=geojson", "rel": "items", "type": "application/geo+json",
                  "title": d.collection}]
        for param, _, mtype, label in ENCLOSURES:
            links.append({"href": f"{items}?f={param}&limit=-1", "rel": "enclosure", "type": mtype,
                          "title": f"Bulk download ({label})"})
        out: dict[str, Any] = {"id": d.collection, "title": d.title}
        if d.description:
            out["description"] = d.description
        out["links"] = links
        out["itemType"] = "feature" if geo else "record"
        if geo:
            out["crs"] = [CRS84]
        return out

    def items(self, d: SimDataset, req: Request) -> Reply:
        param = req.arg("f", "json") or "json"
        fmt = {"shapefile": "shp"}.get(param, param)
        if fmt not in ("json", "geojson", "csv", "shp"):
            return json_reply({"message": f"Unsupported format {param}"}, 400)
        for f in d.files:
            if f.format == fmt and f.status != 200:
                return json_reply({"message": "Internal error"}, f.status)
        sim = next((f for f in d.files if f.format == fmt), None) or SimFile(
            id=f"{fmt}-ogc", title=f"{d.key}.{fmt}", format=fmt, media_type="application/octet-stream")
        rows = content.rows(d)
        limit = _int(req.arg("limit"), 10)
        offset = max(0, _int(req.arg("offset"), 0) or 0)
        if fmt in ("csv", "shp"):  # bulk formats: the whole table
            body, ctype = content.render(d, sim, fmt)
            return Reply(200, body, "application/x-shapefile" if fmt == "shp" else ctype)
        page = rows[offset:] if limit is None or limit < 0 else rows[offset:offset + limit]
        base = f"{self.base}{OGC}/collections/{d.collection}/items?f={param}"
        links = [{"href": base, "rel": "self", "type": "application/json", "hreflang": None,
                  "title": "This document", "length": None}]
        if limit is not None and limit >= 0 and offset + limit < len(rows):
            links.append({"href": f"{base}&offset={offset + limit}&limit={limit}", "rel": "next",
                          "type": "application/json", "hreflang": None, "title": "Next page", "length": None})
        if fmt == "json":
            records = [{"@id": str(offset + i + 1)} | r for i, r in enumerate(page)]
            return json_reply({"numberMatched": len(rows), "numberReturned": len(page), "records": records,
                               "links": links})
        features = [{"type": "Feature", "id": str(offset + i + 1), "geometry": _point(r), "properties": r}
                    for i, r in enumerate(page)]
        body = json.dumps({"type": "FeatureCollection", "numberMatched": len(rows),
                           "numberReturned": len(page), "features": features, "links": links},
                          ensure_ascii=False).encode("utf-8")
        return Reply(200, body, "application/geo+json")


# -- Elasticsearch subset ------------------------------------------------------------------
def _es_error(status: int, kind: str, reason: str) -> Reply:
    cause = {"type": kind, "reason": reason}
    return json_reply({"error": {"root_cause": [cause], "type": "search_phase_execution_exception",
                                 "reason": "all shards failed", "phase": "query", "grouped": True,
                                 "failed_shards": [{"shard": 0, "index": "gn-records", "reason": cause}]},
                       "status": status}, status)


def _values(doc: dict[str, Any], field: str) -> list[Any]:
    """Values of a dotted field (``.keyword`` ignored), lists flattened."""
    if field == "_id":
        field = "uuid"
    if field.endswith(".keyword"):
        field = field[: -len(".keyword")]
    current = [doc]
    for part in field.split("."):
        nxt = []
        for item in current:
            for it in item if isinstance(item, list) else [item]:
                if isinstance(it, dict) and part in it:
                    val = it[part]
                    nxt.extend(val if isinstance(val, list) else [val])
        current = nxt
    return current


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _match(query: Any, doc: dict[str, Any]) -> bool:
    """Whether ``doc`` satisfies the supported part of ``query`` (unknown clauses match)."""
    if not isinstance(query, dict) or not query:
        return True
    ok = True
    for kind, arg in query.items():
        if kind == "bool" and isinstance(arg, dict):
            must = _as_list(arg.get("must")) + _as_list(arg.get("filter"))
            should = _as_list(arg.get("should"))
            ok &= all(_match(q, doc) for q in must)
            ok &= not any(_match(q, doc) for q in _as_list(arg.get("must_not")))
            if should and not must:
                ok &= any(_match(q, doc) for q in should)
        elif kind in ("term", "terms") and isinstance(arg, dict):
            for field, wanted in arg.items():
                if field == "boost":
                    continue
                if isinstance(wanted, dict):
                    wanted = wanted.get("value", wanted.get("values"))
                wanted_set = {_scalar(w) for w in _as_list(wanted)}
                ok &= bool(wanted_set & {_scalar(v) for v in _values(doc, field)})
        elif kind == "ids" and isinstance(arg, dict):
            ok &= doc.get("uuid") in {str(v) for v in _as_list(arg.get("values"))}
        elif kind == "exists" and isinstance(arg, dict):
            ok &= bool(_values(doc, str(arg.get("field", ""))))
    return ok


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _sort_spec(sort: Any) -> list[tuple[str, str]]:
    """``[(field, "asc"|"desc")]``; ``_score`` is dropped (every hit scores the same)."""
    out = []
    for item in _as_list(sort):
        if isinstance(item, str):
            field, order = item, "desc" if item == "_score" else "asc"
        elif isinstance(item, dict) and item:
            field, spec = next(iter(item.items()))
            order = spec.get("order", "asc") if isinstance(spec, dict) else str(spec)
        else:
            continue
        if field != "_score":
            out.append((field, "desc" if str(order).lower() == "desc" else "asc"))
    return out


def _first_value(doc: dict[str, Any], field: str) -> Any:
    vals = [v for v in _values(doc, field) if not isinstance(v, (dict, list))]
    return vals[0] if vals else None


def _sort_key(doc: dict[str, Any], field: str, order: str) -> tuple:
    v = _first_value(doc, field)
    missing = v is None
    # missing values last, whatever the order
    return ((not missing) if order == "desc" else missing, _scalar(v) if v is not None else "")


def _sort_values(doc: dict[str, Any], sort: list[tuple[str, str]]) -> list[Any]:
    return [_first_value(doc, field) for field, _ in sort]


def _after(values: list[Any], after: list[Any], sort: list[tuple[str, str]]) -> bool:
    """Whether a hit with sort ``values`` comes after the ``search_after`` point."""
    for v, a, (_, order) in zip(values, after, sort):
        if v is None or a is None:
            if v is None and a is None:
                continue
            return v is None  # missing values sort last
        sv, sa = _scalar(v), _scalar(a)
        if sv != sa:
            return sv > sa if order == "asc" else sv < sa
    return False


def _filter_source(doc: dict[str, Any], spec: Any) -> dict[str, Any] | None:
    if spec is False:
        return None
    if spec is True or spec is None:
        return doc
    includes: list[str] = []
    excludes: list[str] = []
    if isinstance(spec, (str, list)):
        includes = [str(s) for s in _as_list(spec)]
    elif isinstance(spec, dict):
        includes = [str(s) for s in _as_list(spec.get("includes", spec.get("include")))]
        excludes = [str(s) for s in _as_list(spec.get("excludes", spec.get("exclude")))]
    out = {}
    for key, value in doc.items():
        if includes and not any(fnmatch.fnmatchcase(key, p) or p.startswith(key + ".") for p in includes):
            continue
        if any(fnmatch.fnmatchcase(key, p) for p in excludes):
            continue
        out[key] = value
    return out


def _int(value: str | None, default: Any) -> Any:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def _point(row: dict[str, Any]) -> dict[str, Any]:
    lat = row.get("latitude") or row.get("EQUIP_LAT") or 50.63
    lon = row.get("longitude") or row.get("EQUIP_LONG") or 3.06
    return {"type": "Point", "coordinates": [float(lon), float(lat)]}

