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

Then the OGC API (``{base}{ogcapi_path}/collections``): a collection named by a record's
links (``.../collections/{id}...``) belongs to that record, whose distributions gain its bulk
downloads; every other collection is a dataset of its own (see :mod:`.ogcapi`).

Options: ``geonetwork_path`` (``/geonetwork/srv/api``), ``ogcapi_path`` (``/data/ogcapi``),
``ogcapi`` (``True``), ``page_size`` (100).
"""
from __future__ import annotations

import json
import re
from typing import Any, Iterator
from urllib.parse import urlsplit

from ..http import BodyError, FetchError, parse_json
from ..model import Dataset, Distribution, Publisher
from ..normalize.dates import parse_date
from ..normalize.formats import format_from_url, media_type_for, normalize_format
from ..normalize.frequency import normalize_frequency
from ..normalize.text import strip_html
from . import ogcapi
from .base import SourceContext

KIND = "geonetwork"

WINDOW = 10000  # Elasticsearch index.max_result_window
PAGE = 100
SEARCH = "/search/records/_search"
QUERY = {"bool": {"filter": [{"term": {"isTemplate": "n"}}]}}  # records, not templates
SORT = [{"uuid": "asc"}]
SOURCE = {"excludes": ["linkUrl*", "linkProtocol"]}  # index-only copies of link[]

# Resource contact roles, most telling first, for the publisher string.
PRODUCER_ROLES = ("publisher", "originator", "owner")
OTHER_ROLES = ("pointOfContact", "custodian", "distributor", "author", "principalInvestigator",
               "resourceProvider", "processor", "user", "collaborator", "contributor")
FILE_FUNCTIONS = {"download", "fileaccess", "offlineaccess"}
DOC_FUNCTIONS = {"information", "completemetadata", "search"}
API_PROTOCOL = re.compile(r"^(OGC:(WMS|WFS|WMTS|WCS|CSW|SOS|WPS)|ESRI:REST)|ogc\W*api|OGC:API", re.I)
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
        try:
            records.append(dataset_from_hit(hit, portal=ctx.name, base=base, kind=ctx.source.kind))
        except ValueError as exc:
            ctx.event("invalid-record", f"Fiche GeoNetwork illisible : {exc}", url=search_url,
                      id=str(hit.get("_id")) if isinstance(hit, dict) else None)
    standalone: list[dict[str, Any]] = []
    root = base + ctx.option("ogcapi_path", "/data/ogcapi").rstrip("/")
    if ctx.option("ogcapi", True):
        standalone = attach_collections(records, ogcapi.list_collections(ctx, root, first_fatal=False))
    yield from records
    for c in standalone:
        try:
            yield ogcapi.collection_dataset(c, root=root, portal=ctx.name, kind=ctx.source.kind)
        except ValueError as exc:
            ctx.event("invalid-record", f"Collection illisible : {exc}", url=f"{root}/collections")


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
    fingerprint = json.dumps([total, src.get("dateStamp"), src.get("uuid"), size, SOURCE])

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
    dates = _resource_dates(src)
    freq_raw = _frequency_raw(src)
    start, end = _temporal(src)
    keys = [landing, uuid]
    ident = src.get("metadataIdentifier")
    if isinstance(ident, str) and ident.strip() and ident.strip() != uuid:
        keys.append(ident.strip())
    keys.extend(_resource_identifiers(src))
    for url in landings + [d.url for d in dists]:
        keys.extend(ods_landing_urls(url))
    licence, licence_url = _licence(src)
    return Dataset(
        portal=portal, portal_kind=kind, source_id=uuid,
        title=text(src.get("resourceTitleObject")) or text(src.get("resourceTitle")),
        description=strip_html(text(src.get("resourceAbstractObject"))) or None,
        keywords=_unique(texts(src.get("tag")) or _other_keywords(src)),
        themes=_themes(src),
        publisher=Publisher(raw=contact[0] if contact else _fallback_org(src)),
        licence=licence, licence_url=licence_url,
        issued=dates.get("publication") or dates.get("creation"),
        modified=dates.get("revision"),
        metadata_modified=parse_date(_first(src.get("changeDate"))) or parse_date(_first(src.get("dateStamp"))),
        frequency=normalize_frequency(freq_raw), frequency_raw=freq_raw,
        temporal_start=start, temporal_end=end, spatial=_spatial(src),
        contact_name=contact[1] if contact else None,
        contact_email=(contact[2] if contact and contact[2] else None) or _any_email(src),
        landing_page=landing, language=_language(src),
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
    """``link[]`` as distributions, and the landing pages it names (not distributions)."""
    dists: list[Distribution] = []
    landings: list[str] = []
    seen: set[str] = set()
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
        key = ogcapi.url_key(url)
        if key in seen:
            continue
        seen.add(key)
        dists.append(_distribution(link, url, protocol, function, name))
    return dists, landings


def _distribution(link: dict[str, Any], url: str, protocol: str, function: str,
                  name: str | None) -> Distribution:
    mime = _str(link.get("mimeType"))
    desc = text(link.get("descriptionObject")) or text(link.get("description"))
    lowered = url.lower()
    if API_PROTOCOL.search(protocol) or "service=wms" in lowered or "service=wfs" in lowered:
        kind = "api"
        up = protocol.upper()
        fmt = ("wms" if "WMS" in up or "service=wms" in lowered else
               "wfs" if "WFS" in up or "service=wfs" in lowered else
               "ogcapi" if re.search(r"ogc\W*api", protocol, re.I) else normalize_format(protocol))
    else:
        suffix = protocol.split(":", 2)[2] if protocol.upper().startswith("WWW:DOWNLOAD:") else None
        fmt = normalize_format(mime, suffix, url, name)
        if protocol.upper().startswith(("WWW:DOWNLOAD", "FILE:")) or function in FILE_FUNCTIONS:
            kind = "file"
        elif function in DOC_FUNCTIONS:
            kind = "documentation"
        elif not protocol and not function and format_from_url(url):
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
    """Merge the collections a record's links name into that record; return the others."""
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


def _fallback_org(src: dict[str, Any]) -> str | None:
    for key in ("publisherOrgForResourceObject", "originatorOrgForResourceObject",
                "ownerOrgForResourceObject", "publisherOrgObject", "OrgForResourceObject", "OrgObject"):
        found = text(src.get(key), strip=False)
        if found:
            return found
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


def _licence(src: dict[str, Any]) -> tuple[str | None, str | None]:
    for key in ("licenseObject", "MD_LegalConstraintsOtherConstraintsObject",
                "MD_ConstraintsUseLimitationObject", "MD_LegalConstraintsUseLimitationObject"):
        for item in _list(src.get(key)):
            label = text(item)
            if label:
                link = item.get("link") if isinstance(item, dict) else None
                return label, link if isinstance(link, str) and link.startswith("http") else None
    return None, None


def _resource_dates(src: dict[str, Any]) -> dict[str, str]:
    """Latest creation / publication / revision date of the resource."""
    found: dict[str, list[str]] = {}
    for item in _list(src.get("resourceDate")):
        if isinstance(item, dict) and isinstance(item.get("type"), str):
            found.setdefault(item["type"], []).append(item.get("date"))
    for kind in ("creation", "publication", "revision"):
        found.setdefault(kind, []).extend(_list(src.get(f"{kind}DateForResource")))
    out = {}
    for kind, values in found.items():
        dates = sorted(d for d in (_day(v) for v in values) if d)
        if dates:
            out[kind] = dates[-1]
    return out


def _day(value: Any) -> str | None:
    """An ISO date; GeoNetwork indexes a plain ``gco:Date`` as midnight UTC, given back as
    the date alone."""
    iso = parse_date(value)
    if iso and iso.endswith("T00:00:00+00:00"):
        return iso[:10]
    return iso


def _frequency_raw(src: dict[str, Any]) -> str | None:
    for item in _list(src.get("cl_maintenanceAndUpdateFrequency")):
        if isinstance(item, dict):
            key = item.get("key")
            if isinstance(key, str) and key.strip():
                return key.strip()
            label = text(item)
            if label:
                return label
        elif isinstance(item, str) and item.strip():
            return item.strip()
    return None


def _temporal(src: dict[str, Any]) -> tuple[str | None, str | None]:
    starts, ends = [], []
    for key in ("resourceTemporalDateRange", "resourceTemporalExtentDateRange"):
        for r in _list(src.get(key)):
            if isinstance(r, dict):
                starts.append(_day(r.get("gte")))
                ends.append(_day(r.get("lte")))
    starts = [s for s in starts if s]
    ends = [e for e in ends if e]
    return (min(starts) if starts else None), (max(ends) if ends else None)


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


def _other_keywords(src: dict[str, Any]) -> list[str]:
    return [t for key, value in src.items() if key.startswith("th_otherKeywords-")
            and isinstance(value, list) for t in texts(value)]


def _language(src: dict[str, Any]) -> str | None:
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
