"""Simulated CKAN portal (action API v3), or DKAN 7 with portal option ``flavour: "dkan"``.

Serves ``world.hosted(name)`` with its organisations (``world.organisations_on(name)``):

* ``/api/3/action/package_search`` — ``q`` (words in name, title, notes, tags; ``*:*`` or
  empty = all), ``fq`` (``field:value`` terms on ``organization``, ``owner_org``, ``name``,
  ``id``, ``tags``, ``license_id``, ``res_format``), ``rows`` (default 10, capped at 1000
  like ``ckan.search.rows_max``), ``start``, ``sort`` (default ``score desc,
  metadata_modified desc``), ``facet.field``; exact envelope with ``help``, ``sort``,
  ``facets``, ``search_facets``;
* ``package_show?id=`` (id or name), ``package_list`` (``limit``/``offset``),
  ``organization_show?id=`` (SIRET in ``extras``), ``organization_list``;
* landing pages ``/dataset/{name}`` and files at ``urls.file_url(...)``.

CKAN spells licences with its own ids (``etalab-2.0``, ``fr-lo``, ``odc-odbl``,
``notspecified``), frequencies as French labels in ``extras``. The ``author`` of a package is
a person (or nobody), never the publishing body; the ``maintainer`` is the contact service. A
package with an organisation is published by it; one without carries its publisher as
ckanext-dcat stores ``dct:publisher``, in a ``publisher_name`` extra. The DKAN flavour answers
``package_show`` with a *list*, French dates (``mar, 10/12/2019 - 09:23``), sizes in
``octets``, no organisations (the publisher is the dataset's group; a dataset in no group has
no publisher), licence as a URL title.
"""
from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from datetime import datetime
from typing import Any

from .. import content, urls
from ..server import PortalApp, Reply, Request, json_reply
from ..world import SimDataset, SimOrganisation
# French CKANs type the same French labels as Opendatasoft domains in their "frequency" extra
from .opendatasoft import FREQUENCIES

ROWS_MAX = 1000

# canonical licence -> (CKAN license_id, license_title, license_url)
LICENCES: dict[str | None, tuple[str, str, str]] = {
    "lov2": ("etalab-2.0", "Licence Ouverte / Open Licence version 2.0",
             "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"),
    "lo1": ("fr-lo", "Licence Ouverte / Open Licence",
            "https://www.etalab.gouv.fr/wp-content/uploads/2014/05/Licence_Ouverte.pdf"),
    "odbl": ("odc-odbl", "Open Data Commons Open Database License (ODbL)",
             "http://www.opendefinition.org/licenses/odc-odbl"),
    "cc-by": ("cc-by", "Creative Commons Attribution", "http://www.opendefinition.org/licenses/cc-by"),
    "cc-by-nc": ("cc-nc", "Creative Commons Non-Commercial (Any)",
                 "http://creativecommons.org/licenses/by-nc/2.0/"),
    "other-closed": ("other-closed", "Other (Not Open)", ""),
    None: ("notspecified", "License not specified", ""),
}
OPEN = {"etalab-2.0", "fr-lo", "odc-odbl", "cc-by"}

FORMAT_LABELS = {"csv": "CSV", "json": "JSON", "geojson": "GeoJSON", "shp": "SHP", "pdf": "PDF",
                 "zip": "ZIP", "xlsx": "XLSX", "api": "API"}
_FR_DAYS = ["lun", "mar", "mer", "jeu", "ven", "sam", "dim"]
SORTABLE = {"name", "title", "metadata_modified", "metadata_created", "id"}


def _slug(text: str) -> str:
    return "-".join(p for p in re.sub(r"[^a-z0-9]+", "-", text.lower()).split("-") if p)


class App(PortalApp):
    @property
    def dkan(self) -> bool:
        return self.portal.options.get("flavour") == "dkan"

    # -- routing ------------------------------------------------------------------------------
    def handle(self, req: Request) -> Reply:
        path = req.path.rstrip("/")
        if path.startswith("/api/3/action/"):
            return self.action(path.rsplit("/", 1)[-1], req)
        if path in ("/api/3", "/api"):
            return json_reply({"version": 3})
        m = re.fullmatch(r"/dataset/([^/]+)/resource/([^/]+)/download/([^/]+)", path)
        if m:
            return self.file(m[1], m[2], m[3])
        m = re.fullmatch(r"/dataset/([^/]+)", path)
        if m:
            d = self.find(m[1])
            if d is None:
                return Reply(404, b"<html><body>Dataset not found</body></html>", "text/html; charset=utf-8")
            page = f"<!DOCTYPE html><html><head><title>{d.title}</title></head><body><h1>{d.title}</h1>"
            return Reply(200, (page + "</body></html>").encode(), "text/html; charset=utf-8")
        return Reply(404, b"<html><body>Not found</body></html>", "text/html; charset=utf-8")

    def action(self, name: str, req: Request) -> Reply:
        handlers = {
            "package_search": self.package_search, "package_show": self.package_show,
            "package_list": self.package_list, "organization_show": self.organization_show,
            "organization_list": self.organization_list,
        }
        if name not in handlers:
            return self.error(name, 400, "Bad request", f"Bad request - Action name not known: {name}")
        return handlers[name](req)

    def envelope(self, action: str, result: Any) -> Reply:
        return json_reply({"help": f"{self.base}/api/3/action/help_show?name={action}",
                           "success": True, "result": result})

    def error(self, action: str, status: int, kind: str, message: str, **fields: Any) -> Reply:
        err = {"__type": kind, "message": message} if not fields else {"__type": kind, **fields}
        return json_reply({"help": f"{self.base}/api/3/action/help_show?name={action}",
                           "success": False, "error": err}, status)

    # -- data ----------------------------------------------------------------------------------
    def datasets(self) -> list[SimDataset]:
        return self.world.hosted(self.portal.name)

    def orgs(self) -> dict[str, SimOrganisation]:
        return {o.id: o for o in self.world.organisations_on(self.portal.name)}

    def find(self, ref: str | None) -> SimDataset | None:
        for d in self.datasets():
            if ref in (d.source_id, d.key):
                return d
        return None

    # -- actions -------------------------------------------------------------------------------
    def package_search(self, req: Request) -> Reply:
        a = "package_search"
        try:
            rows = int(req.arg("rows", "10"))
            start = int(req.arg("start", "0"))
        except ValueError:
            return self.error(a, 409, "Validation Error", "", rows=["Invalid integer"])
        if rows < 0 or start < 0:
            return self.error(a, 409, "Validation Error", "", rows=["Must be a natural number"])
        rows = min(rows, ROWS_MAX)
        orgs = self.orgs()
        found = [d for d in self.datasets() if _match_q(d, req.arg("q"))
                 and _match_fq(d, req.arg("fq"), orgs.get(d.organisation or ""))]
        sort = req.arg("sort") or "score desc, metadata_modified desc"
        found = _sorted(found, sort)
        fields = []
        if req.arg("facet.field"):
            try:
                fields = [f for f in json.loads(req.arg("facet.field")) if isinstance(f, str)]
            except ValueError:
                return self.error(a, 409, "Validation Error", "", **{"facet.field": ["Invalid JSON"]})
        facets, search_facets = _facets(found, fields, orgs)
        return self.envelope(a, {
            "count": len(found), "facets": facets,
            "results": [self.package(d) for d in found[start:start + rows]],
            "sort": sort, "search_facets": search_facets,
        })

    def package_show(self, req: Request) -> Reply:
        d = self.find(req.arg("id"))
        if d is None:
            return self.error("package_show", 404, "Not Found Error", "Not found")
        pkg = self.package(d)
        return self.envelope("package_show", [pkg] if self.dkan else pkg)

    def package_list(self, req: Request) -> Reply:
        names = sorted(d.key for d in self.datasets())
        try:
            offset = int(req.arg("offset", "0"))
            limit = int(req.arg("limit")) if req.arg("limit") else None
        except ValueError:
            return self.error("package_list", 409, "Validation Error", "", limit=["Invalid integer"])
        names = names[offset:] if limit is None else names[offset:offset + limit]
        return self.envelope("package_list", names)

    def organization_show(self, req: Request) -> Reply:
        ref = req.arg("id")
        for o in self.orgs().values():
            if ref in (o.id, o.slug):
                return self.envelope("organization_show", self.organisation(o, full=True))
        return self.error("organization_show", 404, "Not Found Error", "Not found")

    def organization_list(self, req: Request) -> Reply:
        return self.envelope("organization_list", sorted(o.slug for o in self.orgs().values()))

    def file(self, key: str, resource_id: str, filename: str) -> Reply:
        d = self.find(key)
        if d is not None:
            for f in d.files:
                if resource_id == f"{d.key}-{f.id}" and filename == f"{f.id}.{f.format}":
                    if f.status != 200:
                        return Reply(f.status, b"<html><body>Error</body></html>", "text/html; charset=utf-8")
                    body, ctype = content.render(d, f)
                    return Reply(200, body, ctype)
        return Reply(404, b"<html><body>Not found</body></html>", "text/html; charset=utf-8")

    # -- rendering -----------------------------------------------------------------------------
    def date(self, iso: str | None, salt: str = "") -> str | None:
        """A date as this portal spells it: CKAN ISO without offset, DKAN French."""
        if not iso:
            return None
        dt = datetime.fromisoformat(iso if "T" in iso else f"{iso}T09:00:00")
        if self.dkan:
            return f"{_FR_DAYS[dt.weekday()]}, {dt:%d/%m/%Y - %H:%M}"
        micro = int(hashlib.sha1(f"{iso}{salt}".encode()).hexdigest()[:5], 16) % 1000000
        return dt.replace(tzinfo=None, microsecond=micro).isoformat()

    def organisation(self, o: SimOrganisation, full: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": o.id, "name": o.slug, "title": o.name, "type": "organization",
            "description": f"Organisation {o.name} sur {self.portal.title}", "image_url": "",
            "created": "2019-01-15T10:00:00.000000", "is_organization": True,
            "approval_status": "approved", "state": "active",
        }
        if full:
            out.update({
                "display_name": o.name, "image_display_url": "", "num_followers": 0,
                "package_count": sum(1 for d in self.datasets() if d.organisation == o.id),
                "extras": [{"key": "siret", "value": o.siret}] if o.siret else [],
                "groups": [], "tags": [], "users": [],
            })
        return out

    def package(self, d: SimDataset) -> dict[str, Any]:
        lic_id, lic_title, lic_url = LICENCES.get(d.licence, (d.licence, d.licence, ""))
        org = self.orgs().get(d.organisation or "")
        author = _person(d.key)
        extras = []
        if not org and d.publisher and not self.dkan:
            # no organisation: the publisher is typed as ckanext-dcat stores dct:publisher
            extras.append({"key": "publisher_name", "value": d.publisher})
        if d.frequency:
            extras.append({"key": "frequency", "value": FREQUENCIES.get(d.frequency, d.frequency)})
        if d.temporal_start:
            extras.append({"key": "temporal_start", "value": d.temporal_start})
        if d.temporal_end:
            extras.append({"key": "temporal_end", "value": d.temporal_end})
        if d.spatial:
            extras.append({"key": "spatial", "value": d.spatial})
        tags = [{"display_name": k, "id": _uuid(f"tag:{k}"), "name": k, "state": "active",
                 "vocabulary_id": None} for k in d.keywords]
        groups = [{"description": "", "display_name": t, "id": _uuid(f"group:{t}"), "image_display_url": "",
                   "name": _slug(t), "title": t} for t in d.themes]
        pkg: dict[str, Any] = {
            # the author is a person (CKAN: "the dataset's author"), never the publishing body
            "author": author, "author_email": _email(author) if author else None,
            "creator_user_id": _uuid(f"user:{self.portal.name}"),
            "extras": extras, "groups": groups, "id": d.source_id,
            "isopen": lic_id in OPEN, "license_id": lic_id, "license_title": lic_title,
            "license_url": lic_url or None,
            "maintainer": d.contact_name, "maintainer_email": d.contact_email,
            "metadata_created": self.date(d.issued, d.key),
            "metadata_modified": self.date(d.metadata_modified or d.modified, d.key),
            "name": d.key, "notes": d.description, "num_resources": len(d.files),
            "num_tags": len(tags), "organization": self.organisation(org) if org else None,
            "owner_org": org.id if org else None, "private": False, "state": "active",
            "title": d.title, "type": "dataset", "url": "", "version": None,
            "relationships_as_object": [], "relationships_as_subject": [],
            "resources": [self.resource(d, i, f) for i, f in enumerate(d.files)], "tags": tags,
        }
        if self.dkan:
            # DKAN 7: no organisations (the publisher is a group), licence URL as title,
            # capitalised states, French dates.
            for k in ("organization", "owner_org", "license_id", "license_url", "isopen",
                      "relationships_as_object", "relationships_as_subject", "num_resources", "num_tags"):
                pkg.pop(k, None)
            pkg["license_title"] = lic_url or lic_title
            pkg["state"] = "Active"
            pkg["type"] = "Dataset"
            pkg["groups"] = ([{"description": f"<p>{org.name}</p>\n", "id": org.id, "image_display_url": "",
                               "title": org.name, "name": f"group/{org.slug}"}] if org else [])
            pkg["revision_timestamp"] = self.date(d.metadata_modified or d.modified, d.key)
        return pkg

    def resource(self, d: SimDataset, i: int, f) -> dict[str, Any]:
        created = self.date(d.issued, f.id)
        modified = self.date(f.modified or d.modified, f.id)
        res: dict[str, Any] = {
            "cache_last_updated": None, "cache_url": None, "created": created,
            "datastore_active": False, "description": f.description or "",
            "format": FORMAT_LABELS.get(f.format, f.format.upper()), "hash": "",
            "id": f"{d.key}-{f.id}", "last_modified": modified, "metadata_modified": modified,
            "mimetype": f.media_type, "mimetype_inner": None, "name": f.title,
            "package_id": d.source_id, "position": i,
            "resource_type": "api" if f.content == "api" else None,
            "size": f.size, "state": "active",
            "url": urls.file_url(self.portal, self.base, d, f), "url_type": "upload",
        }
        if self.dkan:
            res = {"id": res["id"], "revision_id": "", "url": res["url"],
                   "description": f"<p>{res['description']}</p>\n",
                   "format": f.format, "state": "Active", "revision_timestamp": modified, "name": f.title,
                   "mimetype": f.format, "size": f"{f.size} octets" if f.size is not None else "",
                   "created": created, "resource_group_id": d.organisation or "",
                   "last_modified": f"Date changed  {modified}"}
        return res


# -- people ---------------------------------------------------------------------------------------
FIRST_NAMES = ["Camille", "Julien", "Sophie", "Karim", "Nathalie", "Thomas", "Aurélie", "Mehdi"]
LAST_NAMES = ["Lefebvre", "Dubois", "Martin", "Delattre", "Vandenbussche", "Haddad", "Leroy", "Dupont"]


def _person(seed: str) -> str | None:
    """The person who created a package (its ``author``), or nobody for one package in five."""
    h = int(hashlib.sha1(f"author:{seed}".encode()).hexdigest(), 16)
    if h % 5 == 0:
        return None
    return f"{FIRST_NAMES[h % len(FIRST_NAMES)]} {LAST_NAMES[h // 7 % len(LAST_NAMES)]}"


def _email(person: str) -> str:
    first, last = (re.sub(r"[^a-z]", "", unicodedata.normalize("NFKD", p).encode("ascii", "ignore")
                          .decode().lower()) for p in person.split(" ", 1))
    return f"{first}.{last}@agents.example.fr"


# -- search helpers -----------------------------------------------------------------------------
def _uuid(seed: str) -> str:
    h = hashlib.sha1(seed.encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"


def _match_q(d: SimDataset, q: str | None) -> bool:
    if not q or q.strip() in ("*:*", "*"):
        return True
    hay = " ".join([d.key, d.title, d.description or "", *d.keywords]).lower()
    return all(w in hay for w in q.lower().split())


def _match_fq(d: SimDataset, fq: str | None, org: SimOrganisation | None) -> bool:
    if not fq:
        return True
    values = {
        "organization": [org.slug] if org else [], "owner_org": [org.id] if org else [],
        "name": [d.key], "id": [d.source_id], "tags": d.keywords,
        "license_id": [LICENCES.get(d.licence, (d.licence,))[0]],
        "res_format": [FORMAT_LABELS.get(f.format, f.format.upper()) for f in d.files],
    }
    for term in re.findall(r'[+-]?(\w+):("[^"]*"|\S+)', fq):
        field, value = term[0], term[1].strip('"')
        if field in values and value not in values[field]:
            return False
    return True


def _sorted(found: list[SimDataset], sort: str) -> list[SimDataset]:
    out = sorted(found, key=lambda d: d.key)  # stable tie-break
    for part in reversed([p.strip() for p in sort.split(",") if p.strip()]):
        field, _, direction = part.partition(" ")
        if field not in SORTABLE:
            continue
        attr = {"name": "key", "id": "source_id", "metadata_created": "issued"}.get(field, field)
        out.sort(key=lambda d: getattr(d, attr) or "", reverse=direction.strip().lower() == "desc")
    return out


def _facets(found: list[SimDataset], fields: list[str], orgs: dict[str, SimOrganisation]):
    facets: dict[str, dict[str, int]] = {}
    search: dict[str, Any] = {}
    for field in fields:
        counts: dict[str, int] = {}
        for d in found:
            if field == "organization":
                vals = [orgs[d.organisation].slug] if d.organisation in orgs else []
            elif field == "tags":
                vals = d.keywords
            elif field == "res_format":
                vals = sorted({FORMAT_LABELS.get(f.format, f.format.upper()) for f in d.files})
            elif field == "license_id":
                vals = [LICENCES.get(d.licence, (d.licence,))[0]]
            else:
                vals = []
            for v in vals:
                counts[v] = counts.get(v, 0) + 1
        facets[field] = counts
        search[field] = {"title": field, "items": [{"count": c, "display_name": n, "name": n}
                                                   for n, c in sorted(counts.items())]}
    return facets, search
