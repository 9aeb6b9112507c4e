"""Simulated data.gouv.fr: the udata API v1 (and the v2 dataset/resource endpoints).

Serves, for its portal, the world's organisations (:meth:`World.organisations_on`), the
datasets it hosts (:meth:`World.hosted`, each in organisation ``SimDataset.organisation``)
and the copies republished on it (:meth:`World.copies_on`), with the shapes of the real
API (``data/portals/datagouv/*.json``, docs/portal-apis.md §2):

* ``GET /api/1/organizations/`` (``q`` as udata reads it: split on spaces, each piece a
  phrase the name must contain, case and accents aside but hyphens, apostrophes and
  ligatures as written — ``OrgApiParser.parse_filters`` and MongoDB's ``$text``; so
  ``q=Allennes-les-Marais`` does not find « Commune d'Allennes les Marais »),
  ``/api/1/organizations/{id-or-slug}/`` (``business_number_id`` and ``siretisation:*``
  extras for organisations that declare a SIRET, neither for the others), only ids and slugs
  (a SIRET answers 404), ``/api/1/organizations/{org}/datasets/`` (archived datasets included,
  private and deleted ones not);
* ``GET /api/1/datasets/`` (``organization`` must be an ObjectId, ``q`` on titles; private,
  archived and deleted excluded), ``/api/1/datasets/{id-or-slug}/`` (404 private, 410
  deleted), ``/api/1/datasets/{id}/resources/{rid}/``, ``/api/1/datasets/r/{rid}`` (302);
* ``GET /api/2/datasets/{id}/`` (resources as a link object),
  ``/api/2/datasets/{id}/resources/``, ``/api/2/datasets/resources/{rid}/``;
* the files of the hosted datasets at :func:`urls.file_url`, and HTML landing pages.

Pages use udata's pager envelope ``{data, page, page_size, total, next_page,
previous_page}``; a non-integer ``page``/``page_size`` gets Flask-RESTX's 400 validation
body, a non-positive one a 400 ``{"message": …}``, a ``page_size`` over 5000 a 502 (as
observed live for 10000).

Originals have ``filetype: "file"`` resources served here; copies have ``remote``
resources pointing at the original's files, and, for mode ``harvest``, the ``harvest``
block a DCAT harvest of the original portal leaves (``CSW-DCAT`` for GeoNetwork); a copy
created before 2022 shows instead its harvest identity in ``extras`` as responses did before
udata's migration ``2022-10-10-migrate-harvest-extras`` (``harvest:remote_id``,
``harvest:source_id``, ``harvest:domain``, ``harvest:last_update``, ``remote_url``, ``uri``,
``dct:identifier``), with ``created_at`` the site's own creation date. The
``quality`` block is computed as udata's ``Dataset.compute_quality`` does. A dataset's
state can be planted through ``SimDataset.extra``: ``deleted`` / ``archived`` (ISO
timestamp) and ``private`` (true).
"""
from __future__ import annotations

import hashlib
import html
import re
import threading
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable
from urllib.parse import urlencode, urlsplit

from ...normalize.frequency import DELTAS
from ...normalize.text import fold
from ...crawling.territory.registry import load_registry
from .. import content, urls
from ..server import PortalApp, Reply, Request, json_reply
from ..world import SimCopy, SimDataset, SimFile, SimOrganisation

# canonical licence id -> udata licence id
LICENCES = {"lov2": "lov2", "odbl": "odc-odbl", "lo1": "fr-lo", None: "notspecified"}
CLOSED_FORMATS = ("pdf", "doc", "docx", "word", "xls", "excel", "xlsx")
QUALITY_DESCRIPTION_LENGTH = 100
MEL_EPCI_SIREN = "200093201"
NOT_FOUND = ("The requested URL was not found on the server. If you entered the URL manually "
             "please check your spelling and try again.")
OBJECT_ID = re.compile(r"^[0-9a-f]{24}$")
LEGACY_HARVEST_BEFORE = "2022"  # copies harvested earlier show their harvest identity in extras


@dataclass
class _Entry:
    """One dataset as this portal holds it: an original (``copy`` None) or a copy."""

    id: str
    slug: str
    d: SimDataset
    copy: SimCopy | None
    org: SimOrganisation | None

    @property
    def state(self) -> dict[str, Any]:
        if self.copy is not None:
            return {}
        return {k: self.d.extra.get(k) for k in ("deleted", "archived", "private")}


class App(PortalApp):
    def __init__(self, world, portal, urls_):
        self._order: list[_Entry] | None = None
        super().__init__(world, portal, urls_)
        self.registry = load_registry()
        self.orgs = world.organisations_on(portal.name)
        self.org_by_ref = {o.id: o for o in self.orgs}
        self.org_by_ref.update({o.slug: o for o in self.orgs})
        self.entries: list[_Entry] = []
        slugs: set[str] = set()

        def slug_for(key: str) -> str:
            s, n = key, 1
            while s in slugs:
                s, n = f"{key}-{n}", n + 1
            slugs.add(s)
            return s

        for d in world.hosted(portal.name):
            self.entries.append(_Entry(d.source_id, slug_for(d.key), d, None,
                                       self.org_by_ref.get(d.organisation or "")))
        for d, c in world.copies_on(portal.name):
            self.entries.append(_Entry(c.source_id, slug_for(d.key), d, c,
                                       self.org_by_ref.get(c.organisation or "")))
        self.by_ref = {e.id: e for e in self.entries}
        self.by_ref.update({e.slug: e for e in self.entries})
        self.files: dict[str, tuple[_Entry, SimFile]] = {}
        for e in self.entries:
            for f in e.d.files:
                self.files[_resource_id(e, f)] = (e, f)
        self._rendered: dict[tuple[str, str], tuple[bytes, str]] = {}
        self._lock = threading.Lock()

    # -- routing ----------------------------------------------------------------------------
    def handle(self, req: Request) -> Reply:
        p = req.path
        if p.startswith("/resources/"):
            return self.serve_file(p)
        parts = [s for s in p.split("/") if s]
        if parts[:2] == ["api", "1"]:
            return self.api1(req, parts[2:])
        if parts[:2] == ["api", "2"]:
            return self.api2(req, parts[2:])
        if parts[:3] == ["fr", "datasets", "r"] and len(parts) == 4:
            return self.redirect(parts[3])
        if parts[:2] == ["fr", "datasets"] and len(parts) == 3 and parts[2] in self.by_ref:
            e = self.by_ref[parts[2]]
            return _html(e.d.title, e.d.description or "")
        if parts[:2] in (["fr", "organizations"], ["organizations"]) and len(parts) >= 3:
            org = self.org_by_ref.get(parts[-1])
            if org:
                return _html(org.name, "")
        return _error(404, NOT_FOUND)

    def api1(self, req: Request, parts: list[str]) -> Reply:
        if parts == ["organizations"]:
            return self.list_organisations(req)
        if len(parts) >= 2 and parts[0] == "organizations":
            org = self.org_by_ref.get(parts[1])
            if org is None:
                return _error(404, NOT_FOUND)
            if len(parts) == 2:
                return json_reply(self.organisation_json(org))
            if parts[2:] == ["datasets"]:
                return self.org_datasets(req, org)
            return _error(404, NOT_FOUND)
        if parts == ["datasets"]:
            return self.list_datasets(req)
        if parts[:2] == ["datasets", "r"] and len(parts) == 3:
            return self.redirect(parts[2])
        if len(parts) >= 2 and parts[0] == "datasets":
            e, err = self.lookup(parts[1])
            if err:
                return err
            if len(parts) == 2:
                return json_reply(self.dataset_json(e))
            if len(parts) == 4 and parts[2] == "resources":
                for f in e.d.files:
                    if _resource_id(e, f) == parts[3]:
                        return json_reply(self.resource_json(e, f))
        return _error(404, NOT_FOUND)

    def api2(self, req: Request, parts: list[str]) -> Reply:
        if parts[:2] == ["datasets", "resources"] and len(parts) == 3:
            found = self.files.get(parts[2])
            if found is None or found[0].state.get("deleted") or found[0].state.get("private"):
                return _error(404, NOT_FOUND)
            e, f = found
            return json_reply({"resource": self.resource_json(e, f), "dataset_id": e.id})
        if len(parts) >= 2 and parts[0] == "datasets":
            e, err = self.lookup(parts[1])
            if err:
                return err
            if len(parts) == 2:
                return json_reply(self.dataset_v2_json(e))
            if parts[2:] == ["resources"]:
                paging = _paging(req, default_size=50)
                if isinstance(paging, Reply):
                    return paging
                items = [self.resource_json(e, f) for f in e.d.files]
                return json_reply(_page(req, items, *paging))
        return _error(404, NOT_FOUND)

    def lookup(self, ref: str) -> tuple[_Entry | None, Reply | None]:
        e = self.by_ref.get(ref)
        if e is None or e.state.get("private"):
            return None, _error(404, NOT_FOUND)
        if e.state.get("deleted"):
            return None, _error(410, "Dataset has been deleted")
        return e, None

    # -- listings ----------------------------------------------------------------------------
    def list_organisations(self, req: Request) -> Reply:
        paging = _paging(req)
        if isinstance(paging, Reply):
            return paging
        q = req.arg("q") or ""
        phrases = [_text_key(p) for p in q.split(" ") if p]
        orgs = [o for o in self.orgs if all(p in _text_key(o.name) for p in phrases)] if q else list(self.orgs)
        orgs.sort(key=lambda o: (len(o.name), o.name) if q else (o.name,))
        return json_reply(_page(req, orgs, *paging, render=self.organisation_json))

    def org_datasets(self, req: Request, org: SimOrganisation) -> Reply:
        paging = _paging(req)
        if isinstance(paging, Reply):
            return paging
        entries = [e for e in self._ordered() if e.org is org
                   and not e.state.get("deleted") and not e.state.get("private")]
        return json_reply(_page(req, entries, *paging, render=self.dataset_json))

    def list_datasets(self, req: Request) -> Reply:
        paging = _paging(req)
        if isinstance(paging, Reply):
            return paging
        entries = [e for e in self._ordered() if not any(e.state.values())]
        org = req.arg("organization")
        if org:
            if not OBJECT_ID.match(org):
                return _error(400, "Organization arg must be an identifier")
            entries = [e for e in entries if e.org is not None and e.org.id == org]
        q = fold(req.arg("q") or "")
        if q:
            entries = [e for e in entries if all(w in fold(e.d.title).split() for w in q.split())]
        return json_reply(_page(req, entries, *paging, render=self.dataset_json))

    def _ordered(self) -> list[_Entry]:
        """udata's default order: most recently created first (the world does not change
        while it is served, so the order is computed once)."""
        if self._order is None:
            self._order = sorted(self.entries, key=lambda e: (self._created_internal(e), e.id), reverse=True)
        return self._order

    # -- files ---------------------------------------------------------------------------------
    def serve_file(self, path: str) -> Reply:
        m = re.match(r"^/resources/([^/]+)/([^/]+)\.([a-z0-9]+)$", path)
        if m:
            for e in self.entries:
                if e.copy is None and e.d.key == m[1]:
                    for f in e.d.files:
                        if f.id == m[2] and f.format == m[3]:
                            if f.status != 200:
                                return Reply(f.status, b"<html><body>Not Found</body></html>",
                                             "text/html; charset=utf-8", etag=False)
                            body, ctype = self.render(e.d, f)
                            return Reply(200, body, ctype)
        return Reply(404, b"<html><body>Not Found</body></html>", "text/html; charset=utf-8", etag=False)

    def render(self, d: SimDataset, f: SimFile) -> tuple[bytes, str]:
        key = (d.key, f.id)
        with self._lock:
            found = self._rendered.get(key)
        if found is None:
            found = content.render(d, f)
            with self._lock:
                self._rendered[key] = found
        return found

    def redirect(self, rid: str) -> Reply:
        found = self.files.get(rid)
        if found is None:
            return _error(404, NOT_FOUND)
        return Reply(302, b"", "text/html; charset=utf-8",
                     {"Location": self.resource_url(*found)}, etag=False)

    # -- organisations -----------------------------------------------------------------------------
    def org_ref(self, o: SimOrganisation) -> dict[str, Any]:
        return {
            "acronym": "MEL" if o.insee is None else None,
            "badges": self.org_badges(o),
            "class": "Organization",
            "id": o.id,
            "logo": None,
            "logo_thumbnail": None,
            "name": o.name,
            "page": f"{self.base}/fr/organizations/{o.slug}/",
            "slug": o.slug,
            "uri": f"{self.base}/api/1/organizations/{o.slug}/",
        }

    @staticmethod
    def org_badges(o: SimOrganisation) -> list[dict[str, str]]:
        badges = [{"kind": "public-service"}]
        if o.siret:
            badges.append({"kind": "certified"})
        return badges

    def legal_name(self, o: SimOrganisation) -> str:
        """The SIRENE name data.gouv.fr's siretisation shows (« COMMUNE D'ALLENNES LES MARAIS »)."""
        commune = self.registry.communes.get(o.insee or "")
        if commune is None:
            return _ascii_upper(o.name)
        name = _ascii_upper(commune.name)
        return f"COMMUNE D'{name}" if name[:1] in "AEIOUYH" else f"COMMUNE DE {name}"

    def organisation_json(self, o: SimOrganisation) -> dict[str, Any]:
        n = sum(1 for e in self.entries if e.org is o and not any(e.state.values()))
        created = _stamp("2016-03-01", o.id)
        extras: dict[str, Any] = {}
        if o.siret:
            extras = {
                "siretisation:collectivite_territoriale:code_insee": o.insee or "nan",
                "siretisation:collectivite_territoriale:niveau": "commune" if o.insee else "epci",
                "siretisation:denomination_unite_legale": self.legal_name(o),
                "siretisation:est_collectivite_territoriale": "True",
                "siretisation:est_service_public": "True",
                "siretisation:found_siret": o.siret,
            }
        return {
            "acronym": "MEL" if o.insee is None else None,
            "badges": self.org_badges(o),
            "business_number_id": o.siret,
            "created_at": created,
            "deleted": None,
            "description": f"Organisation officielle de {o.name} sur {self.portal.title}.",
            "extras": extras,
            "id": o.id,
            "last_modified": _stamp("2025-06-15", o.id + "m"),
            "logo": None,
            "logo_thumbnail": None,
            "members": [],
            "metrics": {"datasets": n, "followers": _num(o.id, 40), "members": 1 + _num(o.id + "u", 6),
                        "reuses": _num(o.id + "r", 5), "views": _num(o.id + "v", 20000)},
            "name": o.name,
            "page": f"{self.base}/organizations/{o.slug}/",
            "slug": o.slug,
            "uri": f"{self.base}/api/1/organizations/{o.slug}/",
            "url": None,
        }

    # -- datasets ------------------------------------------------------------------------------------
    def dataset_json(self, e: _Entry) -> dict[str, Any]:
        d, c = e.d, e.copy
        state = e.state
        resources = [self.resource_json(e, f) for f in d.files]
        frequency = d.frequency or "unknown"
        last_update = self._last_update(e)
        created_internal = self._created_internal(e)
        description = d.description or ""
        harvest = self.harvest_json(e) if c is not None and c.mode == "harvest" else None
        legacy = harvest is not None and self.legacy_harvest(e)
        out = {
            "acronym": None,
            "archived": state.get("archived"),
            "badges": [],
            "contact_points": self.contact_points(e),
            # udata: the harvested creation date if any, else the site's (old harvests kept none)
            "created_at": created_internal if legacy else _stamp(d.issued or "2020-01-01", d.key + "c"),
            "deleted": state.get("deleted"),
            "description": description,
            "description_short": None,
            "extras": _legacy_extras(harvest) if legacy else {},
            "featured": False,
            "frequency": frequency,
            "frequency_date": _next_update(last_update, frequency),
            "harvest": None if legacy else harvest,
            "id": e.id,
            "internal": {"created_at_internal": created_internal,
                         "last_modified_internal": self._last_modified(e)},
            "last_modified": self._last_modified(e),
            "last_update": last_update,
            "license": LICENCES.get(d.licence, d.licence or "notspecified"),
            "metrics": {"discussions": _num(e.id + "d", 3), "followers": _num(e.id + "f", 12),
                        "resources_downloads": _num(e.id + "dl", 900), "reuses": _num(e.id + "r", 2),
                        "views": _num(e.id + "v", 3000)},
            "organization": self.org_ref(e.org) if e.org else None,
            "owner": None,
            "page": f"{self.base}/fr/datasets/{e.slug}/",
            "private": bool(state.get("private")),
            "quality": None,
            "resources": resources,
            "schema": None,
            "slug": e.slug,
            "spatial": _spatial(d.spatial),
            "tags": [_tag(k) for k in d.keywords],
            "temporal_coverage": ({"start": d.temporal_start, "end": d.temporal_end}
                                  if d.temporal_start or d.temporal_end else None),
            "title": d.title,
            "uri": f"{self.base}/api/1/datasets/{e.slug}/",
        }
        out["quality"] = compute_quality(out, _today(self.world.as_of))
        return out

    def dataset_v2_json(self, e: _Entry) -> dict[str, Any]:
        out = self.dataset_json(e)
        out["resources"] = {"rel": "subsection", "type": "GET", "total": len(e.d.files),
                            "href": f"{self.base}/api/2/datasets/{e.id}/resources/?page=1&page_size=50"}
        out["community_resources"] = {"rel": "subsection", "type": "GET", "total": 0,
                                      "href": f"{self.base}/api/1/datasets/community_resources/"
                                              f"?dataset={e.id}&page=1&page_size=50"}
        return out

    def contact_points(self, e: _Entry) -> list[dict[str, Any]]:
        d = e.d
        if not (d.contact_name or d.contact_email):
            return []
        return [{"contact_form": None, "email": d.contact_email, "id": _hex24(e.id + "contact"),
                 "name": d.contact_name, "role": "contact"}]

    def legacy_harvest(self, e: _Entry) -> bool:
        """A copy harvested before 2022 as older responses show it: its harvest identity in
        ``extras`` (``harvest:*``, ``remote_url``, ``uri``, ``dct:identifier``), no ``harvest``
        block (udata moved them with migration ``2022-10-10-migrate-harvest-extras``)."""
        return self._created_internal(e) < LEGACY_HARVEST_BEFORE

    def harvest_json(self, e: _Entry) -> dict[str, Any]:
        d = e.d
        orig = self.world.portals[d.portal]
        orig_base = self.urls[d.portal]
        landing = urls.landing_url(orig, orig_base, d)
        out: dict[str, Any] = {
            "backend": "DCAT",
            "created_at": _stamp(d.issued or "2020-01-01", d.key + "c"),
            "domain": urlsplit(orig_base).netloc,
            "last_update": self._last_modified(e),
            "modified_at": _stamp(d.modified or d.issued or "2020-01-01", d.key + "u"),
            "remote_id": landing,
            "remote_url": landing,
            "source_id": _hex24(f"{e.org.id if e.org else ''}:{d.portal}:source"),
            "uri": landing,
            "dct_identifier": landing,
        }
        if orig.kind == "geonetwork":
            out.update(backend="CSW-DCAT", remote_id=d.source_id, dct_identifier=d.source_id,
                       uri=f"{orig_base}/geonetwork/srv/api/records/{d.source_id}")
        return out

    # -- resources --------------------------------------------------------------------------------------
    def resource_url(self, e: _Entry, f: SimFile) -> str:
        if e.copy is None:
            return urls.file_url(self.portal, self.base, e.d, f)
        return urls.file_url(self.world.portals[e.d.portal], self.urls[e.d.portal], e.d, f)

    def resource_json(self, e: _Entry, f: SimFile) -> dict[str, Any]:
        d = e.d
        rid = _resource_id(e, f)
        remote = e.copy is not None
        url = self.resource_url(e, f)
        modified = _stamp(f.modified or d.modified or d.issued or "2020-01-01", rid + "m")
        created = _stamp(d.issued or "2020-01-01", rid + "c")
        checksum, size = None, f.size
        if not remote:
            body, _ = self.render(d, f)
            checksum = {"type": "sha1", "value": hashlib.sha1(body).hexdigest()}
            size = len(body)
        harvest = None
        if e.copy is not None and e.copy.mode == "harvest" and not self.legacy_harvest(e):
            harvest = {"created_at": created, "modified_at": modified, "uri": url, "dct_identifier": None}
        return {
            "checksum": checksum,
            "created_at": created,
            "description": f.description,
            "extras": _hydra_extras(rid, f, modified),
            "filesize": size,
            "filetype": "remote" if remote else "file",
            "format": f.format,
            "harvest": harvest,
            "id": rid,
            "internal": {"created_at_internal": created, "last_modified_internal": modified},
            "last_modified": modified,
            "latest": f"{self.base}/fr/datasets/r/{rid}",
            "metrics": {"views": _num(rid, 400)},
            "mime": f.media_type,
            "preview_url": None,
            "schema": _resource_schema(d, f, rid),
            "title": f.title,
            "type": "api" if f.content == "api" or f.format == "api" else "main",
            "url": url,
        }

    # -- dates -------------------------------------------------------------------------------------
    def _last_update(self, e: _Entry) -> str:
        dates = [f.modified for f in e.d.files if f.modified] or [e.d.modified or e.d.issued or "2020-01-01"]
        return _stamp(max(dates), e.d.key + "u")

    def _last_modified(self, e: _Entry) -> str:
        d = e.d
        base = d.metadata_modified or d.modified or d.issued or "2020-01-01"
        if e.copy is not None:  # the copy was written after the original
            return _stamp(base[:10], e.id + "h", after=base)
        return _stamp(base, d.key + "mm")

    def _created_internal(self, e: _Entry) -> str:
        d = e.d
        if e.copy is None:
            return _stamp(d.issued or "2020-01-01", d.key + "c")
        return _stamp(max(d.issued or "2020-01-01", "2021-01-01"), e.id + "ci")


# -- quality ----------------------------------------------------------------------------------------
def compute_quality(ds: dict[str, Any], now: datetime) -> dict[str, Any]:
    """udata's ``Dataset.compute_quality`` on a rendered dataset object (docs §2.3)."""
    q: dict[str, Any] = {}
    freq = ds.get("frequency")
    has_freq = freq not in (None, "unknown")
    # udata counts any licence document, "notspecified" included (datagouv/data.gouv.fr#1490)
    q["license"] = ds.get("license") is not None
    q["temporal_coverage"] = bool(ds.get("temporal_coverage"))
    spatial = ds.get("spatial") or {}
    q["spatial"] = bool(spatial.get("zones") or spatial.get("geom"))
    q["update_frequency"] = has_freq
    if has_freq:
        delta = DELTAS.get(freq)
        if delta is None:
            q["update_fulfilled_in_time"] = True
        else:
            last = datetime.fromisoformat(ds["last_update"])
            q["update_fulfilled_in_time"] = (last + delta - now).days >= -1
    q["dataset_description_quality"] = len(ds.get("description") or "") > QUALITY_DESCRIPTION_LENGTH
    resources = ds.get("resources") or []
    if resources:
        q["has_resources"] = True
        q["has_open_format"] = not all(not r.get("format") or r["format"].lower() in CLOSED_FORMATS
                                       for r in resources)
        q["all_resources_available"] = all((r.get("extras") or {}).get("check:available", "unknown")
                                           for r in resources if r.get("filetype") == "remote")
        q["resources_documentation"] = any(r.get("type") == "documentation" or r.get("description")
                                           for r in resources)
    keys = ("license", "temporal_coverage", "spatial", "update_frequency", "update_fulfilled_in_time",
            "dataset_description_quality", "has_open_format", "all_resources_available",
            "resources_documentation")
    q["score"] = round(sum(1 for k in keys if q.get(k)) / len(keys), 15)
    return dict(sorted(q.items()))


# -- helpers -----------------------------------------------------------------------------------------
def _paging(req: Request, default_size: int = 20) -> tuple[int, int] | Reply:
    """(page, page_size) from the query, or udata's error reply."""
    values = {}
    for name, default, help_ in (("page", 1, "The page to display"),
                                 ("page_size", default_size, "The page size")):
        raw = req.arg(name)
        if raw is None or raw == "":
            values[name] = default
            continue
        try:
            values[name] = int(raw)
        except ValueError:
            return json_reply({"errors": {name: f"{help_} invalid literal for int() with base 10: '{raw}'"},
                               "message": "Input payload validation failed"}, 400)
    if values["page"] < 1 or values["page_size"] < 1:
        return _error(400, "Page and page_size must be positive integers")
    if values["page_size"] > 5000:
        return Reply(502, b"<html><body><h1>502 Bad Gateway</h1></body></html>",
                     "text/html; charset=utf-8", etag=False)
    return values["page"], values["page_size"]


def _page(req: Request, items: list[Any], page: int, size: int,
          render: Callable[[Any], Any] = lambda x: x) -> dict[str, Any]:
    """udata's pager envelope; only the items of the requested page are rendered."""
    total = len(items)

    def link(n: int) -> str:
        query: dict[str, Any] = {"page": n, "page_size": size}
        query.update({k: v[-1] for k, v in req.query.items() if k not in query})
        return f"{req.base}{req.path}?{urlencode(query)}"

    start = (page - 1) * size
    return {
        "data": [render(item) for item in items[start:start + size]],
        "next_page": link(page + 1) if start + size < total else None,
        "page": page,
        "page_size": size,
        "previous_page": link(page - 1) if page > 1 and start - size < total else None,
        "total": total,
    }


def _error(status: int, message: str) -> Reply:
    return json_reply({"message": message}, status)


def _html(title: str, text: str) -> Reply:
    body = (f"<!DOCTYPE html><html lang=\"fr\"><head><title>{html.escape(title)} - data.gouv.fr</title>"
            f"</head><body><h1>{html.escape(title)}</h1><p>{html.escape(text)}</p></body></html>")
    return Reply(200, body.encode("utf-8"), "text/html; charset=utf-8")


def _hash(seed: str) -> int:
    return int(hashlib.sha1(seed.encode("utf-8")).hexdigest(), 16)


def _num(seed: str, top: int) -> int:
    return _hash(seed) % (top + 1)


def _hex24(seed: str) -> str:
    return hashlib.sha1(seed.encode("utf-8")).hexdigest()[:24]


def _resource_id(e: _Entry, f: SimFile) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"udata:{e.id}:{f.id}"))


def _stamp(value: str, seed: str, after: str | None = None) -> str:
    """A udata timestamp (``2019-06-26T19:17:42.238000+00:00``) for an ISO date or
    timestamp; a bare date gets a time derived from ``seed``; ``after`` bumps it past that."""
    h = _hash(seed)
    if "T" in value:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
        dt = dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)
    else:
        dt = datetime.fromisoformat(value[:10]).replace(
            hour=6 + h % 13, minute=h // 13 % 60, second=h // 780 % 60, tzinfo=timezone.utc)
    dt = dt.replace(microsecond=(h // 46800 % 1000) * 1000)
    if after:
        floor = datetime.fromisoformat(after.replace("Z", "+00:00")) if "T" in after else None
        if floor is not None:
            floor = floor if floor.tzinfo else floor.replace(tzinfo=timezone.utc)
            if dt <= floor:
                dt = floor + timedelta(minutes=5 + h % 50)
    return dt.astimezone(timezone.utc).isoformat()


def _today(as_of: str) -> datetime:
    """00:00 UTC on the world's day, the audit's « now » for that day (``--as-of`` with a bare date):
    quality flags move once a day, so ETags stay stable."""
    return datetime.fromisoformat(as_of).replace(tzinfo=timezone.utc)


def _next_update(last_update: str, frequency: str) -> str | None:
    delta = DELTAS.get(frequency)
    if delta is None:
        return None
    return (datetime.fromisoformat(last_update) + delta).isoformat()


def _spatial(code: str | None) -> dict[str, Any] | None:
    if not code:
        return None
    if code == "MEL":
        return {"geom": None, "granularity": "fr:commune", "zones": [f"fr:epci:{MEL_EPCI_SIREN}"]}
    if code.isdigit():
        return {"geom": None, "granularity": "poi", "zones": [f"fr:commune:{code}"]}
    return {"geom": None, "granularity": "other", "zones": []}


def _tag(keyword: str) -> str:
    """udata tags are slugs (``état civil`` → ``etat-civil``)."""
    return fold(keyword).replace(" ", "-")


def _ascii_upper(text: str) -> str:
    return fold(text).upper()


def _legacy_extras(harvest: dict[str, Any]) -> dict[str, Any]:
    """The ``extras`` holding a harvest identity before udata's 2022 migration."""
    out = {f"harvest:{k}": harvest[k] for k in ("remote_id", "source_id", "domain", "last_update") if harvest.get(k)}
    out.update({"remote_url": harvest.get("remote_url"), "uri": harvest.get("uri"),
                "dct:identifier": harvest.get("dct_identifier")})
    return {k: v for k, v in out.items() if v}


def _text_key(text: str) -> str:
    """How MongoDB's text search compares a phrase with an indexed name (udata's ``$name`` index):
    case and diacritics aside, but hyphens, apostrophes and ligatures as written."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _resource_schema(d: SimDataset, f: SimFile, rid: str) -> dict[str, Any] | None:
    if d.schema and f.format in ("csv", "json"):
        return {"name": d.schema[0], "url": None, "version": d.schema[1]}
    # datasets without schema show both spellings of "none", as the real API does
    return {"name": None, "url": None, "version": None} if _hash(rid) % 2 else None


def _hydra_extras(rid: str, f: SimFile, modified: str) -> dict[str, Any]:
    """The crawler (hydra) checks of a resource: present on broken files and on one in
    three of the others."""
    if f.status == 200 and _hash(rid + "x") % 3:
        return {}
    ok = f.status < 400
    extras: dict[str, Any] = {
        "check:available": ok,
        "check:date": modified[:19],
        "check:status": f.status,
        "check:timeout": False,
    }
    if ok:
        extras["check:headers:content-type"] = f.media_type
        extras["analysis:last-modified-at"] = modified[:19] + "+00:00"
        extras["analysis:last-modified-detection"] = "last-modified-header"
    return extras
