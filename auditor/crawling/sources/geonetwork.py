"""GeoNetwork 4 catalogues, with the OGC API Features service beside them (the MEL's
``data.lillemetropole.fr``: geOrchestra = GeoNetwork 4 + geonetwork-ui + data-api).

Records come from GeoNetwork's Elasticsearch proxy,
``POST {base}{geonetwork_path}/search/records/_search`` with an Elasticsearch body; each hit's
``_source`` is GeoNetwork's index document (``uuid``, ``resourceTitleObject`` ``{default,
langfre}``, ``contactForResource[]``, ``licenseObject[]``, ``link[]``...). Elasticsearch refuses
``from + size`` beyond 10 000 (``index.max_result_window``), so pages up to that window are
fetched in parallel with ``from``/``size`` sorted on ``uuid``, and the rest with
``search_after`` on the same sort, one page after another. A search cannot be revalidated
with a conditional request, so a one-record search fingerprints the catalogue (count, latest
``dateStamp``) and an unchanged catalogue reuses the previous crawl's listing.

**Which records.** Datasets and series only: ``resourceType`` ``dataset`` or ``series``, or
``featureCatalog`` on a record whose level (``cl_level.key``) is ``dataset`` — GeoNetwork
indexes a dataset that embeds its feature catalogue (the MEL's records migrated from its old
Opendatasoft portal) as ``featureCatalog``, and geonetwork-ui lists it as a dataset (its
search's ``must_not``: ``resourceType:featureCatalog AND !resourceType:dataset AND
!cl_level.key:dataset``, ``elasticsearch.service.ts``). Services, maps, applications and
stand-alone feature catalogues are not datasets; templates (``isTemplate``) are not records.
The search asks for these only, and a hit of another type is left out all the same.

**What each field means** follows geonetwork-ui's reading of the index document
(``libs/api/metadata-converter/src/lib/gn4/gn4.field.mapper.ts``) and GeoNetwork's indexing
(``schemas/iso19115-3.2018/.../index-fields/index.xsl``); where two index fields could hold a
value, the documented one is read and the other never stands in for it:

* title ``resourceTitleObject``, description ``resourceAbstractObject`` (HTML stripped),
  keywords ``tag``, themes the ``th_*`` thesauri and ``cl_topic``;
* dates: ``publicationDateForResource`` (earliest) is ``issued``, ``revisionDateForResource``
  (latest) is ``modified`` — never the creation date; ``changeDate`` is the record's change;
* temporal coverage: ``resourceTemporalExtentDateRange`` only (geonetwork-ui's
  ``temporalExtents``: ``gte`` the start, ``lte`` the end, open-ended without one; several
  ranges give their hull). Never ``resourceTemporalDateRange``: GeoNetwork also indexes there
  each citation date of the resource (``useDateAsTemporalExtent``), which is no coverage;
* licence: ``licenseObject`` (geonetwork-ui's ``licenses``), which GeoNetwork fills with every
  ``otherConstraints`` of the legal constraints, access constraints included: an INSPIRE
  limitation on public access (``LimitationsOnPublicAccess`` code list, « Pas de restriction
  d'accès public ») is the access rights, the first other entry the licence. The legal and
  use-limitation fields (``MD_LegalConstraints*``, ``MD_ConstraintsUseLimitation*``: geonetwork-ui's
  ``legalConstraints`` / ``otherConstraints``) are never read as a licence;
* frequency: the ``key`` of ``cl_maintenanceAndUpdateFrequency`` (an ISO 19115 code, read as
  udata reads it, see :mod:`auditor.normalize.frequency`);
* publisher: the resource contacts (``contactForResource``) by role, publisher first;
* links (``link[]``, ``urlObject`` else ``url`` as geonetwork-ui reads them): one distribution
  per link, a link being its URL, protocol and name (the layer: geonetwork-ui's
  ``identifierInService``) — three WMS layers served from one URL are three distributions, and
  the WMS and WFS of one layer two. A service protocol (``OGC:WMS``, ``OGC:WFS``, ``OGC:WMTS``, ``OGC:WCS``,
  ``OGC:WPS``, ``OGC:CSW``, ``OGC:SOS``, ``TMS``, OGC API, ``ESRI:REST``) or a ``service=``
  parameter makes an API with that format; ``WWW:DOWNLOAD*`` or a download function a file;
  the ``WWW:LINK:LANDING_PAGE`` link names the record (an identity, not a distribution).

Then the OGC API (``{base}{ogcapi_path}/collections``), optional on each source (option
``ogcapi``; a server without one, answering 404, is no error): a collection named by a record's
links (``.../collections/{id}...``) belongs to that record, whose distributions gain its bulk
downloads (see :mod:`.ogcapi`); a collection no record names is published without a catalogue
record, reported as such (event ``uncatalogued-collection``, rule PORT-02), not made up into a
dataset of the portal's owner.

Options: ``geonetwork_path`` (``/geonetwork/srv/api``), ``ogcapi_path`` (``/data/ogcapi``),
``ogcapi`` (``True``), ``page_size`` (100).
"""
from __future__ import annotations

import json
import re
from typing import Any, Iterator
from urllib.parse import urlsplit

from ..http import BodyError, FetchError, parse_json
from ...model import Dataset, Distribution, Publisher
from ...normalize.dates import parse_date
from ...normalize.formats import SERVICES, format_from_url, media_type_for, normalize_format, service_format
from ...normalize.frequency import normalize_frequency
from ...normalize.text import fold, strip_html
from . import ogcapi
from .base import SourceContext

KIND = "geonetwork"

WINDOW = 10000  # Elasticsearch index.max_result_window
PAGE = 100
SEARCH = "/search/records/_search"
DATASET_TYPES = ("dataset", "series")
# Records (not templates) of datasets and series, and datasets indexed as feature catalogues
# (geonetwork-ui's must_not: a featureCatalog that is neither a dataset nor of dataset level).
QUERY = {"bool": {
    "filter": [{"term": {"isTemplate": "n"}},
               {"terms": {"resourceType": [*DATASET_TYPES, "featureCatalog"]}}],
    "must_not": [{"bool": {"filter": [{"term": {"resourceType": "featureCatalog"}}],
                           "must_not": [{"terms": {"resourceType": list(DATASET_TYPES)}},
                                        {"term": {"cl_level.key": "dataset"}}]}}]}}
SORT = [{"uuid": "asc"}]
SOURCE = {"excludes": ["linkUrl*", "linkProtocol"]}  # index-only copies of link[]

# Resource contact roles, most telling first, for the publisher string.
PRODUCER_ROLES = ("publisher", "originator", "owner")
OTHER_ROLES = ("pointOfContact", "custodian", "distributor", "author", "principalInvestigator",
               "resourceProvider", "processor", "user", "collaborator", "contributor")
FILE_FUNCTIONS = {"download", "fileaccess", "offlineaccess"}
DOC_FUNCTIONS = {"information", "completemetadata", "search"}
# An INSPIRE limitation on public access (an access constraint, not a licence): its code list,
# or its label (« Pas de restriction d'accès public », « Public access limited according to
# Article 13(1)(b) of the INSPIRE Directive »).
ACCESS_CODELIST = "inspire.ec.europa.eu/metadata-codelist/LimitationsOnPublicAccess"
ACCESS_LABEL = re.compile(r"\bacces public\b|\bpublic access\b")
LICENCE_WORDS = re.compile(r"\blicen[cs]e\b|\bodbl\b|creative commons|\bcc by\b")
ODS_DATASET = re.compile(r"^/explore/dataset/([^/?#]+)")
# The old MEL Opendatasoft portal answered under two host names.
ODS_ALIASES = {"metropole-europeenne-de-lille.opendatasoft.com": "opendata.lillemetropole.fr",
               "opendata.lillemetropole.fr": "metropole-europeenne-de-lille.opendatasoft.com"}
LANGUAGES = {"fre": "fr", "fra": "fr", "eng": "en", "ger": "de", "deu": "de", "dut": "nl", "nld": "nl"}


def crawl(ctx: SourceContext) -> Iterator[Dataset]:
    base = ctx.base
    search_url = base + ctx.option("geonetwork_path", "/geonetwork/srv/api").rstrip("/") + SEARCH
    hits = listing(ctx, search_url, int(ctx.option("page_size", PAGE)))
    records: list[Dataset] = []
    for hit in hits:
        src = hit.get("_source") if isinstance(hit, dict) else None
        if isinstance(src, dict) and resource_type(src) is None:
            continue  # a service, a map, a template... that the server did not filter out
        try:
            records.append(dataset_from_hit(hit, portal=ctx.name, base=base, kind=ctx.source.kind))
        except ValueError as exc:
            ctx.event("invalid-record", f"Fiche GeoNetwork illisible : {exc}", url=search_url,
                      id=str(hit.get("_id")) if isinstance(hit, dict) else None)
    if ctx.option("ogcapi", True):
        root = base + ctx.option("ogcapi_path", "/data/ogcapi").rstrip("/")
        collections = ogcapi.list_collections(ctx, root, first_fatal=False, optional=True)
        for c in attach_collections(records, collections):
            report_uncatalogued(ctx, root, c)
    yield from records


def report_uncatalogued(ctx: SourceContext, root: str, c: dict[str, Any]) -> None:
    """The event saying that collection ``c`` is published without a catalogue record."""
    cid = ogcapi.collection_id(c) or ""
    title = c.get("title") if isinstance(c.get("title"), str) and c["title"].strip() else None
    ctx.event("uncatalogued-collection",
              f"Collection OGC API « {title or cid} » ({cid}) publiée sans fiche dans le catalogue",
              url=ogcapi.collection_url(root, cid), collection=cid, title=title)


# -- listing -----------------------------------------------------------------------------
def search_body(size: int, offset: int = 0, after: list[Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"query": QUERY, "size": size, "sort": SORT, "track_total_hits": True,
                            "_source": SOURCE}
    if after is not None:
        body["search_after"] = after
    else:
        body["from"] = offset
    return body


def listing(ctx: SourceContext, url: str, size: int = PAGE) -> list[dict[str, Any]]:
    """Every hit, reusing the previous crawl's listing when the catalogue has not changed.

    A POSTed search cannot be revalidated with ``If-None-Match``; instead one tiny search
    (the record count and the most recent ``dateStamp``) fingerprints the catalogue: any
    record added, removed or edited changes it."""
    probe = _search(ctx, url, {"query": QUERY, "size": 1, "track_total_hits": True,
                               "sort": [{"dateStamp": "desc"}, {"uuid": "asc"}],
                               "_source": ["uuid", "dateStamp"]})
    total, _ = _total(probe)
    top = _hits(probe)[:1]
    src = top[0].get("_source", {}) if top and isinstance(top[0], dict) else {}
    fingerprint = json.dumps([total, src.get("dateStamp"), src.get("uuid"), size, SOURCE, QUERY])

    def build() -> tuple[list[dict[str, Any]], bool]:
        failures: list[FetchError] = []
        hits = search_all(ctx, url, size, failures)
        return hits, not failures

    return ctx.snapshot(f"{url}#records", fingerprint, build)


def search_all(ctx: SourceContext, url: str, size: int = PAGE,
               failures: list[FetchError] | None = None) -> list[dict[str, Any]]:
    """Every hit of the catalogue, each once. The first request's failure propagates; later
    failures are reported and appended to ``failures``."""
    failures = [] if failures is None else failures
    size = max(1, min(size, WINDOW))
    first = _search(ctx, url, search_body(size, 0))
    total, exact = _total(first)
    pages: list[list[dict[str, Any]] | None] = [_hits(first)]
    full = len(pages[0]) == size
    offsets = [o for o in range(size, min(total, WINDOW), size) if o + size <= WINDOW] if full else []

    def page(offset: int) -> list[dict[str, Any]] | None:
        try:
            return _hits(_search(ctx, url, search_body(size, offset)))
        except FetchError as exc:
            failures.append(exc)
            _incomplete(ctx, url, exc, offset=offset)
            return None

    pages.extend(ctx.map(page, offsets))
    hits: list[dict[str, Any]] = []
    seen: set[str] = set()
    for p in pages:
        _keep(p or [], hits, seen)
    covered = (offsets[-1] if offsets else 0) + size
    if full and (not exact or total > covered):
        _search_after(ctx, url, size, hits, seen, failures)
    return hits


def _search_after(ctx: SourceContext, url: str, size: int, hits: list[dict[str, Any]],
                  seen: set[str], failures: list[FetchError]) -> None:
    """Pages beyond the ``from``/``size`` window: ``search_after`` the greatest sort values
    seen so far (pages that failed inside the window are fetched again this way)."""
    try:
        after = max((v for v in (_sort_values(h) for h in hits) if v is not None), default=None)
    except TypeError:  # sort values of mixed types: cannot order them
        after = None
    while after is not None:
        try:
            batch = _hits(_search(ctx, url, search_body(size, after=after)))
        except FetchError as exc:
            failures.append(exc)
            _incomplete(ctx, url, exc, after=after)
            return
        before = len(hits)
        _keep(batch, hits, seen)
        nxt = _sort_values(batch[-1]) if batch else None
        try:
            advanced = nxt is not None and nxt > after
        except TypeError:
            advanced = False
        if len(batch) < size or not advanced or len(hits) == before:
            return
        after = nxt


def _search(ctx: SourceContext, url: str, body: dict[str, Any]) -> dict[str, Any]:
    resp = ctx.http.request("POST", url, data=json.dumps(body).encode("utf-8"), portal=ctx.name,
                            headers={"Content-Type": "application/json", "Accept": "application/json"},
                            parse=_parse_search)
    return resp.data


def _parse_search(body: bytes) -> dict[str, Any]:
    """Parser for ``_search`` answers: a JSON object with ``hits.hits`` (else retried)."""
    data = parse_json(body)
    hits = data.get("hits") if isinstance(data, dict) else None
    if not isinstance(hits, dict) or not isinstance(hits.get("hits"), list):
        raise BodyError("invalid-json", "réponse de recherche sans « hits »")
    return data


def _total(data: dict[str, Any]) -> tuple[int, bool]:
    """(total, exact) from ``hits.total`` (an object in ES 7+, a number before)."""
    total = data["hits"].get("total")
    if isinstance(total, dict):
        try:
            return int(total.get("value") or 0), total.get("relation", "eq") == "eq"
        except (TypeError, ValueError):
            return 0, False
    if isinstance(total, int) and not isinstance(total, bool):
        return total, True
    return 0, False


def _hits(data: dict[str, Any]) -> list[dict[str, Any]]:
    return list(data["hits"]["hits"])


def _keep(batch: list[Any], hits: list[dict[str, Any]], seen: set[str]) -> None:
    for h in batch:
        key = _hit_id(h)
        if key is None or key not in seen:
            if key is not None:
                seen.add(key)
            hits.append(h)


def _hit_id(hit: Any) -> str | None:
    if not isinstance(hit, dict):
        return None
    src = hit.get("_source") if isinstance(hit.get("_source"), dict) else {}
    uid = src.get("uuid") or hit.get("_id")
    return str(uid) if uid else None


def _sort_values(hit: Any) -> list[Any] | None:
    if isinstance(hit, dict) and isinstance(hit.get("sort"), list) and hit["sort"]:
        return hit["sort"]
    uid = _hit_id(hit)
    return [uid] if uid else None


def _incomplete(ctx: SourceContext, url: str, exc: FetchError, **where: Any) -> None:
    ctx.event("incomplete-listing", f"Page de résultats GeoNetwork illisible : {exc.message}",
              level="error", url=url, **where)


# -- one record --------------------------------------------------------------------------
def resource_type(src: dict[str, Any]) -> str | None:
    """``dataset`` or ``series`` for a record that describes one (``featureCatalog`` of dataset
    level: ``dataset``), ``None`` for anything else (service, map, application, stand-alone
    feature catalogue...)."""
    types = [t for t in _list(src.get("resourceType")) if isinstance(t, str)]
    for t in DATASET_TYPES:
        if t in types:
            return t
    if "featureCatalog" in types and any(isinstance(c, dict) and c.get("key") == "dataset"
                                         for c in _list(src.get("cl_level"))):
        return "dataset"
    return None


def dataset_from_hit(hit: dict[str, Any], *, portal: str, base: str, kind: str = KIND) -> Dataset:
    """The normalised record of one Elasticsearch hit (``ValueError`` if unreadable)."""
    if not isinstance(hit, dict) or not isinstance(hit.get("_source"), dict):
        raise ValueError("résultat sans « _source »")
    src = hit["_source"]
    uuid = src.get("uuid") or hit.get("_id")
    if not isinstance(uuid, (str, int)) or not str(uuid).strip():
        raise ValueError("fiche sans « uuid »")
    uuid = str(uuid).strip()
    landing = f"{base}/catalogue/dataset/{uuid}"
    contact = _producer_contact(src)
    dists, landings = links_to_distributions(src.get("link"))
    freq_raw = _frequency_raw(src)
    start, end = _temporal(src)
    keys = [landing, uuid]
    ident = src.get("metadataIdentifier")
    if isinstance(ident, str) and ident.strip() and ident.strip() != uuid:
        keys.append(ident.strip())
    keys.extend(_resource_identifiers(src))
    for url in landings + [d.url for d in dists]:
        keys.extend(ods_landing_urls(url))
    licence, licence_url, access = _constraints(src)
    return Dataset(
        portal=portal, portal_kind=kind, source_id=uuid,
        title=text(src.get("resourceTitleObject")),
        description=strip_html(text(src.get("resourceAbstractObject"))) or None,
        keywords=_unique(texts(src.get("tag"))),
        themes=_themes(src),
        publisher=Publisher(raw=contact[0] if contact else None),
        licence=licence, licence_url=licence_url, access_rights=access,
        issued=_resource_date(src, "publication", min), modified=_resource_date(src, "revision", max),
        metadata_modified=parse_date(_first(src.get("changeDate"))),
        frequency=normalize_frequency(freq_raw), frequency_raw=freq_raw,
        temporal_start=start, temporal_end=end, spatial=_spatial(src),
        contact_name=contact[1] if contact else None,
        contact_email=(contact[2] if contact and contact[2] else None) or _any_email(src),
        landing_page=landing, language=_language(src), resource_type=resource_type(src),
        distributions=dists, harvest=_harvest(src, uuid),
        identity_keys=_unique(keys), raw=src,
    )


def text(value: Any, strip: bool = True) -> str | None:
    """The text of a GeoNetwork multilingual value (``{default, langfre, ...}``), a string, or
    the first of a list; ``strip=False`` keeps it exactly as written (a publisher's name, whose
    spelling is audited), but never a blank one."""
    if isinstance(value, str):
        return (value.strip() if strip else value) if value.strip() else None
    if isinstance(value, dict):
        for key in ("langfre", "default"):
            if isinstance(value.get(key), str) and value[key].strip():
                return value[key].strip() if strip else value[key]
        for key, val in value.items():
            if key.startswith("lang") and isinstance(val, str) and val.strip():
                return val.strip() if strip else val
        return None
    if isinstance(value, list):
        for item in value:
            found = text(item, strip)
            if found:
                return found
    return None


def texts(value: Any) -> list[str]:
    """Texts of every item of a list (or of the one value)."""
    items = value if isinstance(value, list) else [value] if value is not None else []
    return [t for t in (text(i) for i in items) if t]


def links_to_distributions(links: Any) -> tuple[list[Distribution], list[str]]:
    """``link[]`` as distributions, one per link (its URL, protocol and name: the layers of one
    service are as many distributions), and the landing pages it names (not distributions)."""
    dists: list[Distribution] = []
    landings: list[str] = []
    seen: set[tuple[str, str, str]] = set()
    for link in _list(links):
        if not isinstance(link, dict):
            continue
        url = text(link.get("urlObject")) or text(link.get("url"))
        if not url or not url.startswith(("http://", "https://", "ftp://")):
            continue
        protocol = _str(link.get("protocol"))
        function = (text(link.get("function")) or "").lower()
        name = text(link.get("nameObject")) or text(link.get("name"))
        if "LANDING_PAGE" in protocol.upper() or (name or "").lower() == "landing page":
            landings.append(url)
            continue
        if function == "browsegraphic":
            continue
        key = (ogcapi.url_key(url), protocol.upper(), name or "")  # WMS and WFS of a layer share URL and name
        if key in seen:
            continue
        seen.add(key)
        dists.append(_distribution(link, url, protocol, function, name))
    return dists, landings


def _distribution(link: dict[str, Any], url: str, protocol: str, function: str,
                  name: str | None) -> Distribution:
    mime = _str(link.get("mimeType"))
    desc = text(link.get("descriptionObject")) or text(link.get("description"))
    by_url = format_from_url(url)
    service = service_format(protocol) or (by_url if by_url in SERVICES else None)
    if service:
        kind, fmt = "api", service
    else:
        suffix = protocol.split(":", 2)[2] if protocol.upper().startswith("WWW:DOWNLOAD:") else None
        fmt = normalize_format(mime, suffix, url, name)
        if protocol.upper().startswith(("WWW:DOWNLOAD", "FILE:")) or function in FILE_FUNCTIONS:
            kind = "file"
        elif function in DOC_FUNCTIONS:
            kind = "documentation"
        elif not protocol and not function and by_url:
            kind = "file"  # a bare link to a file (no protocol filled in)
        else:
            kind = "other"
    return Distribution(url=url, title=name or desc, description=desc if desc != name else None,
                        format=fmt, format_raw=mime or protocol or None,
                        media_type=mime if "/" in mime else media_type_for(fmt), kind=kind)


def ods_landing_urls(url: str) -> list[str]:
    """Landing pages of the Opendatasoft dataset an URL belongs to (records migrated from the
    old MEL ODS portal keep their ODS links), under each host name of that portal."""
    parts = urlsplit(url)
    m = ODS_DATASET.match(parts.path)
    if not m or not parts.netloc:
        return []
    hosts = [parts.netloc.lower()]
    if hosts[0] in ODS_ALIASES:
        hosts.append(ODS_ALIASES[hosts[0]])
    return [f"https://{h}/explore/dataset/{m[1]}/" for h in hosts]


def attach_collections(records: list[Dataset], collections: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Merge the collections a record's links name into that record; return the others (those
    published without a catalogue record)."""
    by_id: dict[str, list[Dataset]] = {}
    for d in records:
        for cid in {ogcapi.collection_id_in_url(x.url) for x in d.distributions} - {None}:
            by_id.setdefault(cid, []).append(d)
    standalone = []
    for c in collections:
        cid = ogcapi.collection_id(c) or ""
        owners = by_id.get(cid)
        if not owners:
            standalone.append(c)
            continue
        for d in owners:
            have = {ogcapi.url_key(x.url) for x in d.distributions}
            has_api = any(x.kind == "api" and ogcapi.collection_id_in_url(x.url) == cid
                          for x in d.distributions)
            for dist in ogcapi.collection_distributions(c, with_items=not has_api):
                if ogcapi.url_key(dist.url) not in have:
                    have.add(ogcapi.url_key(dist.url))
                    d.distributions.append(dist)
    return standalone


# -- fields ------------------------------------------------------------------------------
def _producer_contact(src: dict[str, Any]) -> tuple[str, str | None, str | None] | None:
    """(organisation, individual, email) of the resource contact that best says who produced
    the data: role publisher, then originator, owner; then the metadata publisher; then any
    other resource contact."""
    resource = [c for c in _list(src.get("contactForResource")) if isinstance(c, dict)]
    metadata = [c for c in _list(src.get("contact")) if isinstance(c, dict)]
    order = ([(resource, r) for r in PRODUCER_ROLES] + [(metadata, "publisher")]
             + [(resource, r) for r in OTHER_ROLES] + [(resource, None)])
    for contacts, role in order:
        for c in contacts:
            org = text(c.get("organisationObject"), strip=False) or text(c.get("organisation"), strip=False)
            if org and (role is None or c.get("role") == role):
                return org, text(c.get("individual")), _email(c)
    return None


def _email(contact: dict[str, Any]) -> str | None:
    mail = text(contact.get("email"))
    return mail if mail and "@" in mail else None


def _any_email(src: dict[str, Any]) -> str | None:
    for key in ("contactForResource", "contact"):
        for c in _list(src.get(key)):
            if isinstance(c, dict) and _email(c):
                return _email(c)
    return None


def _resource_identifiers(src: dict[str, Any]) -> list[str]:
    """``resourceIdentifier`` codes that can name the data globally: URIs and long codes
    (a short local code such as ``1`` would match unrelated datasets)."""
    out = []
    for item in _list(src.get("resourceIdentifier")):
        if not isinstance(item, dict):
            continue
        for value in (item.get("code"), item.get("link")):
            if isinstance(value, str) and (value.startswith(("http://", "https://", "urn:"))
                                           or len(value.strip()) >= 12):
                out.append(value.strip())
    return out


def _constraints(src: dict[str, Any]) -> tuple[str | None, str | None, str | None]:
    """(licence, its link, access rights) from ``licenseObject``: an INSPIRE limitation on
    public access is the access rights, the first other entry the licence."""
    licence: tuple[str | None, str | None] = (None, None)
    access = None
    for item in _list(src.get("licenseObject")):
        label = text(item)
        if not label:
            continue
        link = item.get("link") if isinstance(item, dict) and isinstance(item.get("link"), str) else ""
        if is_access_constraint(label, link):
            access = access or label
        elif licence[0] is None:
            licence = (label, link if link.startswith(("http://", "https://")) else None)
    return licence[0], licence[1], access


def is_access_constraint(label: str, link: str = "") -> bool:
    """Whether a legal constraint is a limitation on public access (INSPIRE code list, by its
    anchor or its label), not the conditions of reuse."""
    if ACCESS_CODELIST.lower() in link.lower():
        return True
    folded = fold(label)
    return bool(ACCESS_LABEL.search(folded)) and not LICENCE_WORDS.search(folded)


def _resource_date(src: dict[str, Any], kind: str, pick: Any) -> str | None:
    """The earliest (``pick=min``) or latest (``max``) ``{kind}DateForResource``."""
    dates = [d for d in (_day(v) for v in _list(src.get(f"{kind}DateForResource"))) if d]
    return pick(dates) if dates else None


def _day(value: Any) -> str | None:
    """An ISO date; GeoNetwork indexes a plain ``gco:Date`` as midnight UTC, given back as
    the date alone."""
    iso = parse_date(value)
    if iso and iso.endswith("T00:00:00+00:00"):
        return iso[:10]
    return iso


def _frequency_raw(src: dict[str, Any]) -> str | None:
    """The ISO 19115 code (``key``) of the first ``cl_maintenanceAndUpdateFrequency``."""
    item = _first(src.get("cl_maintenanceAndUpdateFrequency"))
    if isinstance(item, dict):
        key = item.get("key")
        return key.strip() if isinstance(key, str) and key.strip() else None
    return item.strip() if isinstance(item, str) and item.strip() else None


def _temporal(src: dict[str, Any]) -> tuple[str | None, str | None]:
    """The declared temporal extent, ``resourceTemporalExtentDateRange`` (``gte``, ``lte``):
    several ranges give their hull, open at an end where one range is."""
    ranges = [(_day(r.get("gte")), _day(r.get("lte"))) for r in _list(src.get("resourceTemporalExtentDateRange"))
              if isinstance(r, dict)]
    ranges = [r for r in ranges if r != (None, None)]
    if not ranges:
        return None, None
    starts, ends = [s for s, _ in ranges], [e for _, e in ranges]
    return (None if None in starts else min(starts)), (None if None in ends else max(ends))


def _spatial(src: dict[str, Any]) -> str | None:
    described = text(src.get("extentDescriptionObject"))
    if described:
        return described
    geom = _first(src.get("geom"))
    return json.dumps(geom, separators=(",", ":")) if isinstance(geom, dict) else None


def _themes(src: dict[str, Any]) -> list[str]:
    """Thesaurus keywords of type theme and keywords of named thesauri (``th_*``)."""
    out: list[str] = []
    for key, value in src.items():
        if not key.startswith("th_") or not isinstance(value, list) or key.endswith(("Number", "_tree")):
            continue
        if key.startswith("th_otherKeywords-") and key != "th_otherKeywords-theme":
            continue
        out.extend(texts(value))
    return _unique(out + texts(src.get("cl_topic")))


def _language(src: dict[str, Any]) -> str | None:
    """``mainLanguage``, else the first ``resourceLanguage`` (geonetwork-ui's ``defaultLanguage``)."""
    lang = _first(src.get("mainLanguage")) or _first(src.get("resourceLanguage"))
    if not isinstance(lang, str) or not lang.strip():
        return None
    return LANGUAGES.get(lang.strip().lower(), lang.strip())


def _harvest(src: dict[str, Any], uuid: str) -> dict[str, Any] | None:
    if str(src.get("isHarvested")).lower() != "true":
        return None
    return {"backend": "geonetwork", "remote_id": uuid, "source_catalogue": src.get("sourceCatalogue"),
            "harvester": src.get("harvesterUuid")}


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _first(value: Any) -> Any:
    items = _list(value)
    return items[0] if items else None


def _str(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(i for i in items if i))
