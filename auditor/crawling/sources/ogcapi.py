"""OGC API Features endpoints: every collection is a dataset.

An OGC API Features server (here the geOrchestra *data-api* of ``data.lillemetropole.fr``)
lists its collections at ``{root}/collections``::

    {"collections": [{"id": "covoit-mel", "title": "covoit-mel", "itemType": "feature",
                      "links": [{"rel": "items", "href": ".../items?f=geojson", ...},
                                {"rel": "enclosure", "href": ".../items?f=csv&limit=-1",
                                 "type": "text/csv;charset=UTF-8", "title": "Bulk download (...)"}]}],
     "links": [{"rel": "next", "href": ...}]}   # top-level links: optional, may page

``rel=enclosure`` links are bulk downloads (file distributions), the ``rel=items`` link is the
paged API. The functions here are pure (``collection_dataset``, ``collection_distributions``,
``collection_id_in_url``) or take a :class:`SourceContext` (``list_collections``) so that the
GeoNetwork source reuses them for the MEL platform, where collections with a catalogue
record are merged into that record and the others are reported as published without one
(an OGC API source of its own, ``kind = "ogcapi"``, makes every collection a dataset). Beside
a catalogue the OGC API is optional: a server without one (404, 410) is not an error.
"""
from __future__ import annotations

from functools import lru_cache

from typing import Any, Iterator
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from ..http import FetchError
from ...model import Dataset, Distribution, Publisher
from ...normalize.dates import parse_date
from ...normalize.formats import media_type_for, normalize_format
from ...normalize.text import strip_html
from .base import SourceContext

KIND = "ogcapi"

MAX_PAGES = 1000  # guard against a server whose "next" links loop


def crawl(ctx: SourceContext) -> Iterator[Dataset]:
    """One dataset per collection of the OGC API whose root is the source URL."""
    root = ctx.base
    for c in list_collections(ctx, root, first_fatal=True):
        try:
            yield collection_dataset(c, root=root, portal=ctx.name, kind=ctx.source.kind)
        except ValueError as exc:
            ctx.event("invalid-record", f"Collection illisible : {exc}", url=f"{root}/collections")


def list_collections(ctx: SourceContext, root: str, *, first_fatal: bool,
                     optional: bool = False) -> list[dict[str, Any]]:
    """Every collection object of ``{root}/collections``, following ``next`` links.

    A failure of the first request raises :class:`FetchError` when ``first_fatal`` (the
    endpoint is the whole portal), else it is reported and nothing is returned. When the
    endpoint is ``optional`` (an OGC API beside a catalogue), a first answer 404 or 410 says
    there is none: nothing is returned, with an ``info`` event, and the portal stays complete.
    A later page that fails is reported as an incomplete listing.
    """
    url: str | None = f"{root}/collections"
    params: dict[str, str] | None = {"f": "json"}
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for page in range(MAX_PAGES):
        assert url is not None
        seen.add(url)
        absent_ok = optional and page == 0
        try:
            resp = ctx.get_json(url, params=params, raise_for_status=not absent_ok)
        except FetchError as exc:
            if page == 0 and first_fatal:
                raise
            ctx.event("incomplete-listing", f"Liste des collections OGC API incomplète : {exc.message}",
                      level="error", url=url)
            break
        if resp.status in (404, 410):
            ctx.event("ogcapi-absent", f"Pas d'OGC API à {root} (HTTP {resp.status}) : seules les fiches "
                      f"du catalogue sont collectées", level="info", url=resp.url)
            return []
        if resp.status >= 400:
            ctx.event("incomplete-listing", f"Liste des collections OGC API illisible : HTTP {resp.status}",
                      level="error", url=resp.url)
            break
        data = resp.data
        colls = data.get("collections") if isinstance(data, dict) else None
        if not isinstance(colls, list):
            ctx.event("invalid-record", "Réponse /collections sans liste « collections »", url=url)
            break
        for c in colls:
            if isinstance(c, dict) and collection_id(c):
                out.append(c)
            else:
                ctx.event("invalid-record", "Collection sans identifiant ignorée", url=url)
        url = _next_link(data)
        params = None  # a next link carries its own query
        if not url or url in seen:
            break
    return out


def collection_id(c: dict[str, Any]) -> str | None:
    cid = c.get("id")
    if isinstance(cid, (str, int)) and str(cid).strip():
        return str(cid).strip()
    return None


def collection_url(root: str, cid: str) -> str:
    """``{root}/collections/{id}`` (``:`` kept as is, as the MEL platform writes it)."""
    return f"{root}/collections/{quote(cid, safe=':@!$&()*+,;=-._~')}"


def collection_id_in_url(url: str | None) -> str | None:
    """The collection id named by an OGC API URL (``.../collections/{id}[/items]``)."""
    if not url or not isinstance(url, str):
        return None
    path = urlsplit(url.strip()).path
    marker = "/collections/"
    at = path.rfind(marker)
    if at < 0:
        return None
    segment = path[at + len(marker):].split("/", 1)[0]
    return unquote(segment) or None


def collection_distributions(c: dict[str, Any], *, with_items: bool = True) -> list[Distribution]:
    """``enclosure`` links as files, the ``items`` link as the API (``with_items``)."""
    out: list[Distribution] = []
    for link in _links(c):
        rel = str(link.get("rel") or "").lower()
        href = link.get("href")
        if not isinstance(href, str) or not href.strip():
            continue
        mtype = link.get("type") if isinstance(link.get("type"), str) else None
        title = link.get("title") if isinstance(link.get("title"), str) else None
        if rel == "enclosure":
            fmt = normalize_format(mtype, href)
            out.append(Distribution(url=href.strip(), title=title, format=fmt, format_raw=mtype,
                                    media_type=mtype or media_type_for(fmt), kind="file",
                                    size=_int(link.get("length"))))
        elif rel == "items" and with_items:
            out.append(Distribution(url=href.strip(), title=title or "OGC API Features", format="ogcapi",
                                    format_raw=mtype or "OGC API Features", media_type=mtype,
                                    kind="api"))
    return out


def collection_dataset(c: dict[str, Any], *, root: str, portal: str, kind: str = KIND) -> Dataset:
    """The dataset of a collection that has no catalogue record."""
    cid = collection_id(c)
    if not cid:
        raise ValueError("collection sans identifiant")
    landing = collection_url(root, cid)
    start, end = _temporal(c.get("extent"))
    licence, licence_url = _licence(c)
    keywords = [k.strip() for k in c.get("keywords") or [] if isinstance(k, str) and k.strip()]
    title = c.get("title") if isinstance(c.get("title"), str) and c["title"].strip() else cid
    desc = c.get("description") if isinstance(c.get("description"), str) else None
    return Dataset(
        portal=portal, portal_kind=kind, source_id=cid, title=title.strip(),
        description=strip_html(desc) or None, keywords=keywords, publisher=Publisher(raw=None),
        licence=licence, licence_url=licence_url, temporal_start=start, temporal_end=end,
        spatial=_bbox(c.get("extent")), landing_page=landing,
        distributions=collection_distributions(c), identity_keys=[landing], raw=c,
    )


@lru_cache(maxsize=1 << 16)
def url_key(url: str) -> str:
    """A comparison key for URLs: host lower-cased, path unquoted, query sorted."""
    parts = urlsplit(url.strip())
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}{unquote(parts.path)}?{query}"


# -- helpers -----------------------------------------------------------------------------
def _links(obj: dict[str, Any]) -> list[dict[str, Any]]:
    links = obj.get("links")
    return [link for link in links if isinstance(link, dict)] if isinstance(links, list) else []


def _next_link(data: Any) -> str | None:
    if not isinstance(data, dict):
        return None
    for link in _links(data):
        if str(link.get("rel") or "").lower() == "next" and isinstance(link.get("href"), str):
            return link["href"]
    return None


def _licence(c: dict[str, Any]) -> tuple[str | None, str | None]:
    for link in _links(c):
        if str(link.get("rel") or "").lower() == "license":
            href = link.get("href") if isinstance(link.get("href"), str) else None
            title = link.get("title") if isinstance(link.get("title"), str) else None
            return title or href, href
    lic = c.get("license")
    return (lic, None) if isinstance(lic, str) and lic.strip() else (None, None)


def _temporal(extent: Any) -> tuple[str | None, str | None]:
    try:
        interval = extent["temporal"]["interval"][0]
        return parse_date(interval[0]), parse_date(interval[1])
    except (KeyError, IndexError, TypeError):
        return None, None


def _bbox(extent: Any) -> str | None:
    try:
        box = extent["spatial"]["bbox"][0]
        return ",".join(str(float(v)) for v in box)
    except (KeyError, IndexError, TypeError, ValueError):
        return None


def _int(value: Any) -> int | None:
    try:
        return int(value) if value is not None and not isinstance(value, bool) else None
    except (TypeError, ValueError):
        return None
