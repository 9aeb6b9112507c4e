"""Opendatasoft (Huwise) portals, through the Explore API v2.1 (default), v2.0 or the
legacy v1 search API (option ``api``).

Listing: pages of 100, the first one alone (it gives the total), the others in parallel.
The catalog refuses ``offset + limit`` beyond 10000, so the listing is ordered by dataset
id and, past that window, goes on from the last id seen (``where dataset_id > "…"``,
ANDed with the user's ``where``), window after window, until the catalog is exhausted.
v1 sorts (``sort=-datasetid``) only when the catalog exceeds one window. A page that
fails after the client's retries is reported (``incomplete-listing``) and the others are
kept; when it was the last page of a full window, the next window starts from the last id
actually read, so its datasets come back there. Options: ``where`` (ODSQL filter, e.g. ``publisher="Ville de
Lille"``; sent as ``q`` in v1) and ``refine`` (``facet:value`` or a list of them).

Each dataset becomes one :class:`Dataset`. Every field is read from the one place the vendor
documents for it, never from a look-alike field as a fallback (an empty field stays empty; the
others stay in ``raw``). References: the Explore v2.1 OpenAPI document (``dataset-v2.1`` schema,
``listDatasetExportFormats``, ``exportRecords``/``exportRecordsCSV`` parameters), ODS's
"Standard metadata" and "Interoperability metadata" (DCAT template) documentation, and ODS's own
DCAT export of a dataset (real captures: ``catalog/exports/dcat`` of data.capatlantique.fr,
data.rennesmetropole.fr's quoted by abulte/ecospheres-datagouvfr-metadata), which says how the
vendor itself maps its metadata to DCAT. ``default`` is ``metas.default`` in v2.x and the flat
``metas`` in v1; ``dcat`` and ``inspire`` are ``metas.<name>`` in v2.x, ``interop_metas.<name>``
in v1.

=====================  ==============================  ===========================================
field                  read from                       documented as
=====================  ==============================  ===========================================
title                  ``default.title``               title of the dataset
description            ``default.description``         description, HTML accepted (kept as HTML)
keywords, themes       ``default.keyword``/``theme``   lists (v1: a lone value as a plain string)
publisher              ``default.publisher``           "Publisher": who published the dataset; ODS's
                                                       DCAT ``dct:publisher`` (``dcat.creator`` is
                                                       ``dct:creator``, another agent: not used)
licence, licence_url   ``default.license``/            licence label of the domain's list, its URL
                       ``license_url``
modified               ``default.modified``            "Display modification date" (set by hand or
                                                       on data/metadata change); DCAT
                                                       ``dct:modified`` (``data_processed`` is not
                                                       used for it)
metadata_modified      ``default.metadata_processed``  last processing of the metadata
language               ``default.language``            language of the data (not
                                                       ``metadata_languages``, the metadata's)
issued                 ``dcat.issued``                 DCAT "Issued" date (``dcat.created``, the
                                                       creation date, is another fact: not used)
frequency              ``dcat.accrualperiodicity``     DCAT accrual periodicity (free text)
temporal start/end     ``dcat.temporal``               DCAT temporal coverage (free text)
spatial                ``dcat.spatial``                DCAT spatial coverage; ODS's DCAT
                                                       ``dct:spatial`` (``default.territory``, the
                                                       automatic geographic reference, is not used)
spatial_granularity    ``dcat.granularity``            DCAT granularity
contact name/email     ``dcat.contact_name``/          DCAT contact point (``vcard:hasEmail`` in
                       ``contact_email``               ODS's DCAT; the INSPIRE contact is not used)
identity_keys          landing page,                   ISO file identifier of an INSPIRE record
                       ``inspire.file_identifier``
harvest                ``default.federated``,          a dataset federated from another domain
                       ``source_domain``,              (its id, address and remote dataset id);
                       ``source_domain_address``,      ``publishing.harvester``: the ODS harvester
                       ``source_dataset``              that brought it
=====================  ==============================  ===========================================

Distributions are what the dataset offers, nothing inferred:

* its exports: the formats the portal lists for the dataset (``GET …/catalog/datasets/{id}/exports``,
  operation ``listDatasetExportFormats``, "List available export formats": ``{"_links": [{"rel":
  "<format>", "href": …}]}`` in v2.1, ``{"links": […]}`` in v2.0, as v2.0 names every link list;
  the OpenAPI document reuses its generic ``links`` schema there, and ``rel`` names the format, as
  ckanext-harvest-basket reads real portals' lists; v1 has no such list, so the v2.1 one is asked),
  asked only for a dataset whose ``has_records`` is not false. Of the formats listed,
  CSV, JSON, GeoJSON and shapefile are kept (the exports data.gouv.fr's DCAT harvest of ODS portals
  asks for: ``include_exports=json,csv,shp,geojson``). A geographic dataset may or may not offer a
  shapefile (ODS's DCAT export lists no shapefile or GeoJSON for a dataset without geometry; ODS's
  documentation gives the shapefile export limits of its own: 50 000 records, one geometry type): no
  export is ever assumed from ``features``, ``fields`` or ``records_count``. A list
  that cannot be had is reported (``incomplete-listing``: the portal is then read in part) and the
  dataset gets no export. Export URLs are Explore v2.1's, whatever the API read, as ODS's own DCAT
  export gives them; the CSV one asks for ``use_labels=true``, exactly as that DCAT export does
  (``…/exports/csv?use_labels=true``): its header carries the fields' labels (``nomAttribuant``,
  the SCDL column names on an SCDL dataset), not their lower-case names (``nomattribuant``, the
  default, ``use_labels`` being ``false``), so a validation reads the columns the producer wrote.
  Its ``;`` separator and UTF-8 BOM (``delimiter`` default ``;``, ``with_bom`` default ``true``
  in v2.1) are the portal's choice: exports are marked ``generated_by="opendatasoft"`` and the
  publication rule (FILE-09) does not blame the producer for them. Their date is
  ``default.data_processed`` (the export is written from the records as last processed).
* its attachments (``attachments``: ``id``, ``title``, ``mimetype``, downloaded at the v2 path
  ``/api/v2/catalog/datasets/{id}/attachments/{attachment id}``, which ODS gives for every API
  version) and v1 alternative exports (``/api/datasets/1.0/{id}/alternative_exports/{id}``): files
  the producer uploaded, their format from their ``mimetype``.
"""
from __future__ import annotations

import json
from typing import Any, Iterator
from urllib.parse import quote

from ..http import FetchError
from ...model import Dataset, Distribution, Publisher
from ...normalize.dates import parse_date
from ...normalize.formats import media_type_for, normalize_format
from ...normalize.frequency import normalize_frequency
from .base import SourceContext

KIND = "opendatasoft"
PAGE = 100
WINDOW = 10000  # the catalog refuses offset + limit beyond this
# the exports kept, in this order, when the dataset offers them (data.gouv.fr's DCAT harvest of ODS
# portals asks for these: include_exports=json,csv,shp,geojson)
EXPORTS = ("csv", "json", "geojson", "shp")
EXPORT_PATH = "/api/explore/v2.1/catalog/datasets/{id}/exports"
# query of each export URL: the CSV header carries the fields' labels, as in ODS's own DCAT export
EXPORT_QUERY = {"csv": "?use_labels=true"}


# -- the three catalog APIs ------------------------------------------------------------------
class Explore21:
    """``/api/explore/v2.1/catalog/datasets``: ``{total_count, results: [dataset]}``."""

    name = "v2.1"
    path = "/api/explore/v2.1/catalog/datasets"
    id_field = "dataset_id"
    always_sorted = True  # order_by=dataset_id is always accepted
    items_key = "results"
    total_key = "total_count"

    def params(self, offset: int, where: list[str], refine: list[str], sort: bool) -> list[tuple[str, Any]]:
        p: list[tuple[str, Any]] = [("limit", PAGE), ("offset", offset)]
        if sort:
            p.append(("order_by", self.id_field))
        p += [("where", w) for w in where]
        p += [("refine", r) for r in refine]
        return p

    def read(self, data: Any) -> tuple[int | None, list[Any]]:
        """``(total, dataset objects)`` of a page; ``ValueError`` when it is not one."""
        if not isinstance(data, dict) or not isinstance(data.get(self.items_key), list):
            raise ValueError(f"pas de liste « {self.items_key} »")
        total = data.get(self.total_key)
        total = total if isinstance(total, int) and not isinstance(total, bool) else None
        return total, [self.unwrap(item) for item in data[self.items_key]]

    def unwrap(self, item: Any) -> Any:
        return item

    # listDatasetExportFormats: the formats a dataset offers, as links whose ``rel`` names the format
    exports_path = EXPORT_PATH
    links_key = "_links"


class Explore20(Explore21):
    """``/api/v2/catalog/datasets``: ``{total_count, links, datasets: [{links, dataset}]}``."""

    name = "v2.0"
    path = "/api/v2/catalog/datasets"
    items_key = "datasets"

    def unwrap(self, item: Any) -> Any:
        return item.get("dataset") if isinstance(item, dict) else item

    exports_path = "/api/v2/catalog/datasets/{id}/exports"
    links_key = "links"  # v2.0 names its links ``links`` everywhere (v2.1: ``_links``)


class Search1(Explore21):
    """``/api/datasets/1.0/search/``: ``{nhits, parameters, datasets: [flat dataset]}``. v1 lists no
    exports of its own: the v2.1 list is asked (the export URLs are v2.1's)."""

    name = "v1"
    path = "/api/datasets/1.0/search/"
    id_field = "datasetid"
    always_sorted = False  # sort only when the catalog is too large for one window
    items_key = "datasets"
    total_key = "nhits"

    def params(self, offset: int, where: list[str], refine: list[str], sort: bool) -> list[tuple[str, Any]]:
        p: list[tuple[str, Any]] = [("rows", PAGE), ("start", offset)]
        if sort:
            p.append(("sort", "-" + self.id_field))  # v1: "-field" sorts ascending
        if where:
            p.append(("q", " AND ".join(f"({w})" for w in where) if len(where) > 1 else where[0]))
        for r in refine:
            facet, _, value = r.partition(":")
            p.append((f"refine.{facet.strip()}", value.strip().strip('"')))
        return p


APIS = {"v2.1": Explore21(), "v2": Explore21(), "v2.0": Explore20(), "v1": Search1(), "v1.0": Search1()}


# -- crawl -----------------------------------------------------------------------------------
def crawl(ctx: SourceContext) -> Iterator[Dataset]:
    """Every dataset of the portal (or of the ``where``/``refine`` selection)."""
    version = str(ctx.option("api", "v2.1"))
    api = APIS.get(version)
    if api is None:
        raise ValueError(f"option api inconnue pour Opendatasoft : {version!r} (v2.1, v2.0 ou v1)")
    batch: list[Any] = []
    for obj in _listing(ctx, api):
        batch.append(obj)
        if len(batch) == PAGE:
            yield from _read_all(ctx, api, batch)
            batch = []
    yield from _read_all(ctx, api, batch)


def _read_all(ctx: SourceContext, api: Explore21, objs: list[Any]) -> Iterator[Dataset]:
    """The records of ``objs``, in order; each dataset's list of exports is asked in parallel."""
    for ds in ctx.map(lambda obj: read_dataset(ctx, api, obj), objs):
        if ds is not None:
            yield ds


def _listing(ctx: SourceContext, api: Explore21) -> Iterator[Any]:
    """Dataset objects of the catalog, each id once, window after window of 10000."""
    url = ctx.base + api.path
    where = [w for w in _strings(ctx.option("where")) if w.strip()]
    refine = _strings(ctx.option("refine"))
    seen: set[str] = set()
    after: str | None = None
    sort = api.always_sorted
    first = True
    while True:
        filters = where + ([f"{api.id_field} > {_literal(after)}"] if after is not None else [])

        def page(offset: int, filters=filters, sort=sort) -> tuple[int | None, list[Any]] | None:
            return _page(ctx, api, url, api.params(offset, filters, refine, sort))

        if first:  # an unreachable portal stops here, with its FetchError
            resp = ctx.get_json(url, params=api.params(0, filters, refine, sort))
            head = _read(ctx, api, resp.data, resp.url)
        else:
            head = page(0)
        if head is None:
            return
        total, items = head
        if first and total is not None and total > WINDOW and not sort:
            sort = True  # continuing past the window needs a stable order from the start
            continue
        first = False
        window = _Window(ctx, page, items, total)
        last_id, new = None, 0
        for obj in window:
            ident = _dataset_id(obj)
            if ident is not None:
                last_id = ident  # pages come in the catalog's order: the last one read is the highest
                if ident in seen:
                    continue
                seen.add(ident)
                new += 1
            yield obj
        if not window.more:
            return
        if last_id is None or not new:  # the catalog does not move on: stop rather than loop
            ctx.event("incomplete-listing", "Impossible de poursuivre la liste du catalogue au-delà de "
                      f"{len(seen)} jeux de données.", level="error", url=url)
            return
        after = last_id


class _Window:
    """The datasets of one window (at most 10000 from offset 0): pages after the first in
    parallel when the total is known, one after the other otherwise. ``more`` tells,
    once iterated, whether the catalog goes on beyond the window."""

    def __init__(self, ctx: SourceContext, page, items: list[Any], total: int | None):
        self.ctx, self.page, self.items, self.total = ctx, page, items, total
        self.more = False

    def __iter__(self) -> Iterator[Any]:
        yield from self.items
        if self.total is not None:
            self.more = self.total > WINDOW
            for result in self.ctx.map(self.page, range(PAGE, min(self.total, WINDOW), PAGE)):
                if result is not None:
                    yield from result[1]
            return
        items, offset = self.items, 0
        while len(items) >= PAGE:
            offset += PAGE
            if offset + PAGE > WINDOW:
                self.more = True
                return
            result = self.page(offset)
            if result is None:
                return
            items = result[1]
            yield from items


def _page(ctx: SourceContext, api: Explore21, url: str,
          params: list[tuple[str, Any]]) -> tuple[int | None, list[Any]] | None:
    """One listing page, or ``None`` (reported) when it cannot be had."""
    try:
        resp = ctx.get_json(url, params=params)
    except FetchError as exc:
        ctx.event("incomplete-listing", f"Page du catalogue inaccessible : {exc.message}", level="error",
                  url=exc.url)
        return None
    return _read(ctx, api, resp.data, resp.url)


def _read(ctx: SourceContext, api: Explore21, data: Any, url: str) -> tuple[int | None, list[Any]] | None:
    try:
        return api.read(data)
    except ValueError as exc:
        ctx.event("incomplete-listing", f"Page du catalogue illisible : {exc}", level="error", url=url)
        return None


# -- one dataset -----------------------------------------------------------------------------
def read_dataset(ctx: SourceContext, api: Explore21, obj: Any) -> Dataset | None:
    """The normalised record of one dataset object, or ``None`` (reported) if unreadable."""
    ident = _dataset_id(obj)
    if ident is None:
        ctx.event("invalid-record", "Jeu de données sans identifiant ignoré.", url=ctx.base + api.path,
                  record=_excerpt(obj))
        return None
    try:
        metas = _templates(obj, v1=isinstance(api, Search1))
        ds = _dataset(ctx.name, ctx.base, ident, obj, metas)
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        ctx.event("invalid-record", f"Jeu de données {ident} illisible : {exc}",
                  url=landing_page(ctx.base, ident), record=_excerpt(obj))
        return None
    if obj.get("has_records") is not False:  # a dataset without records has nothing to export
        ds.distributions[:0] = exports(ctx.base, ident, offered_exports(ctx, api, ident),
                                       _text(metas["default"].get("data_processed")))
    return ds


def landing_page(base: str, ident: str) -> str:
    return f"{base}/explore/dataset/{quote(ident, safe='@')}/"


def _dataset(portal: str, base: str, ident: str, obj: dict[str, Any], metas: dict[str, dict[str, Any]]) -> Dataset:
    """The record of ``obj`` (see the module's table for where each field comes from), with its
    attachments; its exports are added by :func:`read_dataset`."""
    default, dcat, inspire = metas.get("default", {}), metas.get("dcat", {}), metas.get("inspire", {})
    landing = landing_page(base, ident)
    frequency_raw = _text(dcat.get("accrualperiodicity"))
    start, end = _temporal(_text(dcat.get("temporal")))
    keys = [landing]
    file_identifier = _text(inspire.get("file_identifier"))
    if file_identifier:
        keys.append(file_identifier)
    return Dataset(
        portal=portal,
        portal_kind=KIND,
        source_id=ident,
        title=_text(default.get("title")),
        description=_text(default.get("description")),
        keywords=_texts(default.get("keyword")),
        themes=_texts(default.get("theme")),
        publisher=Publisher(raw=_text(default.get("publisher"), strip=False)),
        licence=_text(default.get("license")),
        licence_url=_text(default.get("license_url")),
        issued=parse_date(_text(dcat.get("issued"))),
        modified=parse_date(_text(default.get("modified"))),
        metadata_modified=parse_date(_text(default.get("metadata_processed"))),
        frequency=normalize_frequency(frequency_raw),
        frequency_raw=frequency_raw,
        temporal_start=start,
        temporal_end=end,
        spatial=_text(dcat.get("spatial")),
        spatial_granularity=_text(dcat.get("granularity")),
        contact_name=_text(dcat.get("contact_name")),
        contact_email=_text(dcat.get("contact_email")),
        landing_page=landing,
        language=_text(default.get("language")),
        distributions=_files(base, ident, obj),
        harvest=_harvest(default, metas),
        identity_keys=keys,
        raw=obj,
    )


def _templates(obj: dict[str, Any], v1: bool) -> dict[str, dict[str, Any]]:
    """Metadata templates by name; v1 keeps ``default`` flat in ``metas`` and the others in
    ``interop_metas`` and ``extra_metas``. Anything that is not a dict counts as empty."""
    out: dict[str, dict[str, Any]] = {}
    if v1:
        out["default"] = _dict(obj.get("metas"))
        for group in ("extra_metas", "interop_metas"):
            for name, values in _dict(obj.get(group)).items():
                out[name] = _dict(values)
    else:
        for name, values in _dict(obj.get("metas")).items():
            out[name] = _dict(values)
    out.setdefault("default", {})
    return out


def offered_exports(ctx: SourceContext, api: Explore21, ident: str) -> list[str]:
    """The export formats the portal lists for dataset ``ident`` (the ``rel`` of each link of its
    ``/exports`` answer), or ``[]`` (reported: the portal is then read in part) when the list
    cannot be had."""
    url = ctx.base + api.exports_path.format(id=quote(ident, safe="@"))
    try:
        resp = ctx.get_json(url)
    except FetchError as exc:
        ctx.event("incomplete-listing", f"Liste des exports du jeu de données {ident} inaccessible : {exc.message}",
                  level="error", url=exc.url)
        return []
    links = resp.data.get(api.links_key) if isinstance(resp.data, dict) else None
    if not isinstance(links, list):
        ctx.event("incomplete-listing", f"Liste des exports du jeu de données {ident} illisible : pas de liste "
                  f"« {api.links_key} »", level="error", url=resp.url)
        return []
    return [rel for rel in (_text(link.get("rel")) for link in links if isinstance(link, dict)) if rel]


def exports(base: str, ident: str, offered: list[str], data_processed: str | None) -> list[Distribution]:
    """The exports of :data:`EXPORTS` among the ``offered`` formats, as Explore v2.1 URLs."""
    path = base + EXPORT_PATH.format(id=quote(ident, safe="@"))
    modified = parse_date(data_processed)
    have = {fmt.lower() for fmt in offered}
    return [Distribution(url=f"{path}/{fmt}{EXPORT_QUERY.get(fmt, '')}", title=f"{ident}.{fmt}",
                         format=normalize_format(fmt), format_raw=fmt, media_type=media_type_for(normalize_format(fmt)),
                         kind="file", modified=modified, source_id=fmt, generated_by=KIND)
            for fmt in EXPORTS if fmt in have]


def _files(base: str, ident: str, obj: dict[str, Any]) -> list[Distribution]:
    """Attachments (v2 download path, which ODS gives for every API version) and v1
    alternative exports."""
    out = []
    quoted = quote(ident, safe="@")
    for key, path in (("attachments", f"{base}/api/v2/catalog/datasets/{quoted}/attachments"),
                      ("alternative_exports", f"{base}/api/datasets/1.0/{quoted}/alternative_exports")):
        items = obj.get(key) if isinstance(obj.get(key), list) else []
        for item in items:
            if not isinstance(item, dict) or not _text(item.get("id")):
                continue
            aid = _text(item.get("id"))
            mimetype = _text(item.get("mimetype"))
            out.append(Distribution(
                url=f"{path}/{quote(aid, safe='')}", title=_text(item.get("title")),
                description=_text(item.get("description")), format=normalize_format(mimetype), format_raw=mimetype,
                media_type=mimetype, kind="file", source_id=aid))
    return out


def _harvest(default: dict[str, Any], metas: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """Where a federated (``default.federated`` true: its source domain's id and address, the remote
    dataset id) or harvested (``publishing.harvester``) dataset comes from, when ODS says so."""
    federated = default.get("federated") is True
    harvester = _text(metas.get("publishing", {}).get("harvester"))
    if not (federated or harvester):
        return None
    out: dict[str, Any] = {"backend": "opendatasoft-federation" if federated else harvester}
    if federated:
        domain, address = _text(default.get("source_domain")), _text(default.get("source_domain_address"))
        remote = _text(default.get("source_dataset"))
        out.update({k: v for k, v in (("domain", domain), ("domain_address", address), ("remote_id", remote)) if v})
        if address and remote:
            host = address if "://" in address else f"https://{address}"
            out["remote_url"] = landing_page(host.rstrip("/"), remote)
    if harvester:
        out["harvester"] = harvester
    return out


def _temporal(text: str | None) -> tuple[str | None, str | None]:
    """``(start, end)`` of a free-text temporal coverage: an ISO interval (``a/b``, ``..``
    for an open end), ``a - b``, ``du a au b``, or a single date."""
    if not text:
        return None, None
    low = text.strip()
    for sep in ("/", " - ", " au ", " à "):
        if sep in low:
            a, b = low.split(sep, 1)
            break
    else:
        return parse_date(low), None
    a = a.strip()
    if a.lower().startswith("du "):
        a = a[3:]
    return (parse_date(a) if a not in ("", "..") else None,
            parse_date(b.strip()) if b.strip() not in ("", "..") else None)


# -- small readers ---------------------------------------------------------------------------
def _dataset_id(obj: Any) -> str | None:
    if not isinstance(obj, dict):
        return None
    ident = obj.get("dataset_id", obj.get("datasetid"))
    return ident.strip() if isinstance(ident, str) and ident.strip() else None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any, strip: bool = True) -> str | None:
    """A non-empty string from a string, a number or the first usable item of a list (``strip=False``:
    exactly as written, for a publisher's name)."""
    if isinstance(value, list):
        return next((t for t in (_text(v, strip) for v in value) if t), None)
    if isinstance(value, bool) or value is None or isinstance(value, dict):
        return None
    text = str(value)
    return (text.strip() if strip else text) if text.strip() else None


def _texts(value: Any) -> list[str]:
    """A list of strings from a list or a single string (v1 gives both)."""
    items = value if isinstance(value, list) else [value]
    return [t for t in (_text(v) for v in items if not isinstance(v, list)) if t]


def _strings(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, (list, tuple)) else [str(value)]


def _literal(value: str) -> str:
    """An ODSQL string literal."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _excerpt(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, default=str)[:300]
