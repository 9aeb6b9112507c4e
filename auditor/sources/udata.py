"""data.gouv.fr (udata API v1): the datasets of the territory's organisations.

data.gouv.fr hosts far more than the territory, so the crawl is organisation-driven:

1. **Organisations.** The ids or slugs of option ``organizations`` (fetched with
   ``GET /api/1/organizations/{id-or-slug}/``) plus, unless option ``discover`` is false,
   a search per commune of the registry and one for the metropolis
   (``GET /api/1/organizations/?q=<name>&page_size=20``). A found organisation is kept
   when its ``business_number_id`` (a SIRET) starts with the body's SIREN, or, when it
   declares no SIRET, when its name folds to ``ville de <commune>``, ``commune de …``,
   ``mairie de …`` or the bare name. Each match is recorded as an ``organisation-found``
   event saying which body it was matched to and how.
2. **Datasets.** ``GET /api/1/organizations/{id}/datasets/?page_size=100&page=N`` for each
   organisation: first pages, then the remaining pages (from udata's ``total`` and
   ``page_size``) in parallel. Option ``datasets`` adds datasets by id or slug
   (``GET /api/1/datasets/{id}/``; a 410 means deleted).
3. **Records.** Each udata dataset becomes a :class:`~auditor.model.Dataset` with the
   dataset object as received in ``raw`` (resources, their ``extras`` such as
   ``check:available``, and the ``quality`` block included). Deleted, archived and private
   datasets are skipped with an info event.

The SIREN of a dataset's organisation comes from the organisation object fetched in step 1:
the organisation reference embedded in a dataset carries no SIRET.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Iterator
from urllib.parse import quote

from ..http import FetchError
from ..model import Dataset, Distribution, Publisher
from ..normalize.dates import parse_date
from ..normalize.formats import media_type_for, normalize_format
from ..normalize.frequency import normalize_frequency
from ..normalize.text import fold
from .base import SourceContext

KIND = "udata"

PAGE_SIZE = 100
SEARCH_PAGE_SIZE = 20
NAME_PREFIXES = ("ville de ", "ville d ", "commune de ", "commune d ", "mairie de ", "mairie d ", "")

# udata resource ``type`` -> Distribution.kind
RESOURCE_KINDS = {"main": "file", "update": "file", "documentation": "documentation",
                  "api": "api", "code": "other", "other": "other"}


@dataclass
class Organisation:
    """An organisation to crawl: its udata object and why it was chosen."""

    data: dict[str, Any]
    body: str | None = None  # INSEE code or "MEL" it was matched to (discovery)
    how: str = "option"  # siren | name | option

    @property
    def id(self) -> str:
        return str(self.data.get("id") or "")

    @property
    def name(self) -> str | None:
        return _text(self.data.get("name"))

    @property
    def siren(self) -> str | None:
        bn = "".join(ch for ch in str(self.data.get("business_number_id") or "") if ch.isdigit())
        return bn[:9] if len(bn) >= 9 else None


# -- crawl ---------------------------------------------------------------------------------
def crawl(ctx: SourceContext) -> Iterator[Dataset]:
    """Yield one Dataset per public, live dataset of the territory's organisations."""
    orgs = find_organisations(ctx)
    if not orgs:
        ctx.event("no-organisation", "Aucune organisation du territoire trouvée sur ce portail.",
                  level="warning", url=f"{ctx.base}/api/1/organizations/")
    seen: set[str] = set()
    for org, record in _org_records(ctx, orgs):
        ds = _record(ctx, record, org)
        if ds is not None and ds.source_id not in seen:
            seen.add(ds.source_id)
            yield ds
    for ref in _as_list(ctx.option("datasets")):
        record = _fetch_dataset(ctx, ref)
        if record is None:
            continue
        ref_org = record.get("organization")
        org_id = ref_org.get("id") if isinstance(ref_org, dict) else None
        org = next((o for o in orgs if o.id == org_id), None)
        ds = _record(ctx, record, org)
        if ds is not None and ds.source_id not in seen:
            seen.add(ds.source_id)
            yield ds


# -- organisations -------------------------------------------------------------------------
def find_organisations(ctx: SourceContext) -> list[Organisation]:
    """The organisations to crawl: option ``organizations`` then discovered ones, once each.

    The first request of the crawl is sent alone and unguarded, so that an unreachable
    portal raises :class:`FetchError`; the others run in parallel and their failures
    become events."""
    refs = [str(r) for r in _as_list(ctx.option("organizations"))]
    targets = _discovery_targets(ctx) if ctx.option("discover", True) is not False else []
    jobs: list[tuple[str, Any]] = [("org", r) for r in refs] + [("search", t) for t in targets]
    if not jobs:
        return []

    def run(job: tuple[str, Any], first: bool = False) -> list[Organisation | None]:
        kind, arg = job
        try:
            return [_fetch_org(ctx, arg)] if kind == "org" else _search(ctx, *arg)
        except FetchError as exc:
            if kind == "org" and exc.status in (404, 410):
                ctx.event("organisation-not-found",
                          f"Organisation « {arg} » introuvable sur le portail (HTTP {exc.status}).",
                          url=exc.url, organisation=arg)
                return []
            if first:  # the portal itself is unreachable
                raise
            ctx.event("incomplete-listing",
                      f"Recherche d'organisations interrompue ({exc.message}) : des organisations "
                      "du territoire peuvent manquer.", level="error", url=exc.url, error=exc.code)
            return []

    results = [run(jobs[0], first=True)] + list(ctx.map(run, jobs[1:]))
    out: list[Organisation] = []
    ids: set[str] = set()
    for found in results:
        for org in found:
            if org is None or not org.id or org.id in ids:
                continue
            ids.add(org.id)
            out.append(org)
            if org.how != "option":
                ctx.event("organisation-found",
                          f"Organisation « {org.name} » rattachée à {ctx.registry.name_of(org.body)} "
                          f"({'par SIREN' if org.how == 'siren' else 'par son nom'}).",
                          level="info", url=_org_url(ctx, org.id), organisation=org.id,
                          organisation_name=org.name, body=org.body, method=org.how,
                          siren=org.siren)
    return out


def _discovery_targets(ctx: SourceContext) -> list[tuple[str, str, tuple[str, ...]]]:
    """(body code, name, SIRENs) for each commune and the metropolis."""
    reg = ctx.registry
    targets = [(c.insee, c.name, (c.siren,)) for c in sorted(reg.communes.values(), key=lambda c: c.insee)]
    targets.append(("MEL", reg.metropole.name, tuple(reg.metropole_sirens)))
    return targets


def _search(ctx: SourceContext, code: str, name: str, sirens: tuple[str, ...]) -> list[Organisation]:
    resp = ctx.get_json(f"{ctx.base}/api/1/organizations/",
                        params={"q": name, "page_size": SEARCH_PAGE_SIZE})
    out = []
    for data in _page_items(resp.data):
        how = match_organisation(data, name, sirens)
        if how:
            out.append(Organisation(data, code, how))
    return out


def match_organisation(org: dict[str, Any], name: str, sirens: tuple[str, ...]) -> str | None:
    """``"siren"`` or ``"name"`` when udata organisation ``org`` belongs to the body named
    ``name`` with SIRENs ``sirens``, else ``None``. The name is only trusted when the
    organisation declares no SIRET."""
    bn = "".join(ch for ch in str(org.get("business_number_id") or "") if ch.isdigit())
    if bn:
        return "siren" if any(bn.startswith(s) for s in sirens) else None
    folded = fold(str(org.get("name") or ""))
    target = fold(name)
    if folded and any(folded == prefix + target for prefix in NAME_PREFIXES):
        return "name"
    return None


def _fetch_org(ctx: SourceContext, ref: str) -> Organisation | None:
    resp = ctx.get_json(_org_url(ctx, ref))
    if not isinstance(resp.data, dict) or not resp.data.get("id"):
        ctx.event("invalid-record", f"Organisation « {ref} » illisible.", url=resp.url)
        return None
    return Organisation(resp.data, None, "option")


def _org_url(ctx: SourceContext, ref: str) -> str:
    return f"{ctx.base}/api/1/organizations/{quote(ref, safe='')}/"


# -- listing ---------------------------------------------------------------------------------
def _org_records(ctx: SourceContext, orgs: list[Organisation]) -> Iterator[tuple[Organisation, dict]]:
    """(organisation, udata dataset dict) for every dataset listed by every organisation."""
    if not orgs:
        return

    def page(job: tuple[Organisation, int]) -> Any:
        org, n = job
        return ctx.get_json(f"{ctx.base}/api/1/organizations/{quote(org.id, safe='')}/datasets/",
                            params={"page_size": PAGE_SIZE, "page": n}).data

    firsts = list(ctx.map(lambda org: _listing_page(ctx, page, (org, 1)), orgs))
    rest: list[tuple[Organisation, int]] = []
    for org, first in zip(orgs, firsts):
        rest += [(org, n) for n in range(2, _page_count(first) + 1)]
    pages = list(ctx.map(lambda job: _listing_page(ctx, page, job), rest))
    by_org: dict[str, list[Any]] = {}
    for (org, _), data in zip(rest, pages):
        by_org.setdefault(org.id, []).append(data)
    for org, first in zip(orgs, firsts):
        for data in [first] + by_org.get(org.id, []):
            for item in _page_items(data):
                yield org, item


def _listing_page(ctx: SourceContext, fetch: Callable[[Any], Any], job: tuple[Organisation, int]) -> Any:
    org, n = job
    try:
        return fetch(job)
    except FetchError as exc:
        ctx.event("incomplete-listing",
                  f"Page {n} des jeux de données de l'organisation « {org.name} » inaccessible "
                  f"({exc.message}) : liste incomplète.",
                  level="error", url=exc.url, organisation=org.id, page=n, error=exc.code)
        return None


def _page_count(data: Any) -> int:
    """Pages announced by a udata pager envelope (1 when it says nothing usable)."""
    if not isinstance(data, dict):
        return 1
    total, size = data.get("total"), data.get("page_size")
    if isinstance(total, int) and isinstance(size, int) and size > 0:
        return max(1, math.ceil(total / size))
    return 1


def _page_items(data: Any) -> list[dict[str, Any]]:
    if isinstance(data, dict):
        data = data.get("data")
    return [x for x in data if isinstance(x, dict)] if isinstance(data, list) else []


def _fetch_dataset(ctx: SourceContext, ref: Any) -> dict[str, Any] | None:
    url = f"{ctx.base}/api/1/datasets/{quote(str(ref), safe='')}/"
    try:
        data = ctx.get_json(url).data
    except FetchError as exc:
        if exc.status == 410:
            ctx.event("dataset-deleted", f"Le jeu de données « {ref} » a été supprimé (410).",
                      level="info", url=url)
        elif exc.status == 404:
            ctx.event("dataset-not-found", f"Jeu de données « {ref} » introuvable (404).", url=url)
        else:
            ctx.event("dataset-unreachable", f"Jeu de données « {ref} » inaccessible ({exc.message}).",
                      level="error", url=url)
        return None
    return data if isinstance(data, dict) else None


# -- one record --------------------------------------------------------------------------------
def _record(ctx: SourceContext, data: dict[str, Any], org: Organisation | None) -> Dataset | None:
    ident = data.get("id")
    page = _text(data.get("page"))
    for state, label in (("deleted", "supprimé"), ("archived", "archivé"), ("private", "privé")):
        if data.get(state):
            ctx.event("dataset-skipped",
                      f"Jeu de données « {data.get('title') or ident} » {label} : ignoré.",
                      level="info", url=page, dataset=ident, state=state)
            return None
    try:
        return to_dataset(data, portal=ctx.name, org=org)
    except (ValueError, TypeError, AttributeError, KeyError) as exc:
        ctx.event("invalid-record", f"Jeu de données illisible ({exc}).", url=page, dataset=ident)
        return None


def to_dataset(data: dict[str, Any], *, portal: str, org: Organisation | None = None) -> Dataset:
    """The normalised record of udata dataset object ``data`` (API v1 shape)."""
    ident = data.get("id")
    if not ident:
        raise ValueError("jeu de données sans identifiant")
    harvest = _harvest(data.get("harvest"))
    org_ref = data.get("organization") if isinstance(data.get("organization"), dict) else {}
    org_id = _text(org_ref.get("id")) or (org.id if org else None)
    tc = data.get("temporal_coverage") if isinstance(data.get("temporal_coverage"), dict) else {}
    spatial = data.get("spatial") if isinstance(data.get("spatial"), dict) else {}
    zones = [str(z) for z in _as_list(spatial.get("zones")) if z]
    contact_name, contact_email = _contact(data.get("contact_points"))
    freq_raw = _text(data.get("frequency"))
    h = harvest or {}
    return Dataset(
        portal=portal,
        portal_kind=KIND,
        source_id=str(ident),
        title=_text(data.get("title")),
        description=_text(data.get("description")),
        keywords=[str(t) for t in _as_list(data.get("tags")) if t],
        publisher=Publisher(raw=_publisher(data, org)),
        organisation_id=org_id,
        organisation_siren=org.siren if org and org.id == org_id else None,
        licence=_text(data.get("license")),
        issued=parse_date(data.get("created_at")) or parse_date(h.get("issued_at"))
        or parse_date(h.get("created_at")),
        modified=parse_date(data.get("last_update")) or parse_date(h.get("modified_at")),
        metadata_modified=parse_date(data.get("last_modified")),
        frequency=normalize_frequency(freq_raw),
        frequency_raw=freq_raw,
        temporal_start=parse_date(tc.get("start")),
        temporal_end=parse_date(tc.get("end")),
        spatial=", ".join(zones) or None,
        spatial_granularity=_text(spatial.get("granularity")),
        contact_name=contact_name,
        contact_email=contact_email,
        landing_page=_text(data.get("page")),
        distributions=[to_distribution(r) for r in _as_list(data.get("resources"))
                       if isinstance(r, dict) and r.get("url")],
        harvest=harvest,
        identity_keys=_unique([data.get("page"), data.get("uri"), h.get("remote_url"), h.get("uri"),
                               h.get("dct_identifier"), h.get("remote_id")]),
        raw=data,
    )


def to_distribution(r: dict[str, Any]) -> Distribution:
    """The Distribution of a udata resource object (API v1, or the ``resource`` of API v2)."""
    if isinstance(r.get("resource"), dict):  # API v2 /datasets/resources/{rid}/ envelope
        r = r["resource"]
    fmt_raw = _text(r.get("format"))
    url = str(r.get("url") or "")
    fmt = normalize_format(fmt_raw, r.get("mime"), url)
    schema = r.get("schema") if isinstance(r.get("schema"), dict) else {}
    size = r.get("filesize")
    return Distribution(
        url=url,
        title=_text(r.get("title")),
        description=_text(r.get("description")),
        format=fmt,
        format_raw=fmt_raw,
        media_type=_text(r.get("mime")) or media_type_for(fmt),
        size=size if isinstance(size, int) and not isinstance(size, bool) else None,
        kind=RESOURCE_KINDS.get(str(r.get("type") or "main"), "other"),
        modified=parse_date(r.get("last_modified")),
        schema_name=_text(schema.get("name")),
        schema_version=_text(schema.get("version")),
        schema_url=_text(schema.get("url")),
        source_id=_text(r.get("id") or r.get("_id")),
    )


def _harvest(h: Any) -> dict[str, Any] | None:
    if not isinstance(h, dict):
        return None
    out = {k: v for k, v in h.items() if v not in (None, "", [], {})}
    return out or None


def _publisher(data: dict[str, Any], org: Organisation | None) -> str | None:
    ref = data.get("organization")
    if isinstance(ref, dict) and _text(ref.get("name")):
        return str(ref["name"])  # exactly as written: its spelling is audited
    owner = data.get("owner")
    if isinstance(owner, dict):
        name = " ".join(p for p in (_text(owner.get("first_name")), _text(owner.get("last_name"))) if p)
        return name or _text(owner.get("slug"))
    return org.name if org else None


def _contact(points: Any) -> tuple[str | None, str | None]:
    """Name and e-mail of the contact point (role ``contact`` first)."""
    pts = [p for p in _as_list(points) if isinstance(p, dict)]
    pts.sort(key=lambda p: 0 if p.get("role") in (None, "contact") else 1)
    for p in pts:
        name, email = _text(p.get("name")), _text(p.get("email"))
        if name or email:
            return name, email
    return None, None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def _unique(values: list[Any]) -> list[str]:
    out: list[str] = []
    for v in values:
        t = _text(v)
        if t and t not in out:
            out.append(t)
    return out
