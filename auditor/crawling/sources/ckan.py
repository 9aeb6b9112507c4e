"""CKAN portals (and DKAN 7, which imitates CKAN's action API).

Listing, option ``api``:

* ``package_search`` (default): ``GET {base}/api/3/action/package_search?rows=1000&start=N``
  (options ``rows``, ``q``, ``fq``, ``sort``); the first page gives the total, the others are
  fetched in parallel. A portal whose ``ckan.search.rows_max`` is below ``rows`` silently
  returns fewer rows: the page size is then taken from the first page.
* ``package_list``: the list of names, then ``package_show?id=`` for each (in parallel). This is
  what DKAN 7 offers; its ``package_show`` answers ``result`` as a *list*, with French dates
  (``mar, 10/12/2019 - 09:23``) and sizes (``42 octets``).

Every answer is the CKAN envelope ``{help, success, result}``; ``success: false`` on the first
request stops the portal (:class:`~auditor.crawling.http.FetchError`), on a later page it is an
``incomplete-listing`` event. Organisations are read once each (``organization_show``) to find
a SIREN/SIRET in their ``extras`` (option ``organisations: false`` to skip).

Field mapping. The package is CKAN's (``ckan/logic/schema.py``, ``default_create_package_schema``:
``author``, ``maintainer`` and their e-mails, ``license_id``, ``notes``, ``url``, ``owner_org``,
``extras``, ``groups``, ``tags``, ``resources``; ``package_show`` adds ``organization``,
``license_title``, ``license_url``, ``metadata_created``, ``metadata_modified``). What an extra
means is ckanext-dcat's (``docs/mapping.md``: a ``custom:`` field is an extra, or a first-level
key with ckanext-scheming), ckanext-harvest's (``harvest_*``) or ckanext-spatial's ISO harvester
(``guid``, ``frequency-of-update``, ``temporal-extent-*``, as the real DKAN capture
``dkan-package_show.hautsdefrance.udata-fixture.json`` shows). One source per record field; a
field named below as a fallback is the vendor's documented fallback, nothing else is used:

* **publisher** (``dct:publisher``): the ``publisher`` object (ckanext-scheming) or the
  ``publisher_name`` extra (``publisher_uri`` when it has no name), else the package's
  ``organization`` title — ckanext-dcat: "if no publisher or publisher_* fields are found, [the
  publisher is] the organization the CKAN dataset belongs to". Never ``author`` nor
  ``maintainer``: CKAN calls them the dataset's author and maintainer, and ckanext-dcat maps
  them to the contact point. DKAN 7 has no organisations: its publisher is the dataset's
  group (DKAN's "Groups" are its publishers; in the real capture the group « Région
  Hauts-de-France », described « Conseil régional des Hauts-de-France », is the
  ``resource_group_id`` of every resource), read only for DKAN answers;
* **organisation**: ``organization.id`` (DKAN: the publishing group's id); its SIREN from the
  organisation's ``extras`` (a key naming a SIREN or SIRET, as ``organization_show`` returns
  them), never from the package's own extras;
* **contact** (``dcat:contactPoint``): the ``contact`` object or the ``contact_name`` /
  ``contact_email`` extras, else ``maintainer`` / ``maintainer_email``, else ``author`` /
  ``author_email`` (ckanext-dcat's documented fallbacks);
* **licence**: ``license_id``; ``license_title`` when there is no id (DKAN gives a URL there);
* **dates**: ``issued`` extra, else ``metadata_created``; ``modified`` extra, else
  ``metadata_modified`` (ckanext-dcat's fallbacks); ``metadata_modified`` as such;
* **frequency**: the ``frequency`` extra (ckanext-dcat), else ckanext-spatial's
  ``frequency-of-update``; **temporal coverage**: ``temporal_start`` / ``temporal_end``
  (ckanext-dcat), else ckanext-spatial's ``temporal-extent-begin`` / ``-end``;
* **spatial**: the ``spatial_text`` label, else the ``spatial_uri``, else ``spatial``
  (ckanext-dcat; ``spatial`` is ckanext-spatial's geometry);
* **harvest**: present when ckanext-harvest's ``harvest_object_id`` or ``harvest_source_id``
  extra is; ``remote_id`` is the ``guid`` extra, ``source_id`` / ``source_title`` the
  ``harvest_source_*`` extras;
* **identity**: the landing page ``{base}/dataset/{name}``, the ``uri``, ``identifier`` and
  ``guid`` extras;
* resources become distributions (``url``, ``name``, ``description``, ``format``,
  ``mimetype``, ``size``, ``resource_type``, ``last_modified`` else ``created``, ``schema``).
"""
from __future__ import annotations

import html
import re
from typing import Any, Iterator

from ..http import FetchError
from ...model import Dataset, Distribution, Publisher
from ...normalize.dates import parse_date
from ...normalize.formats import media_type_for, normalize_format
from ...normalize.frequency import normalize_frequency
from ...normalize.text import strip_html
from .base import SourceContext

KIND = "ckan"

ROWS = 1000
_API_FORMATS = {"wms", "wfs", "ogcapi"}
_SIZE = re.compile(r"^\s*([\d\s.,]+)\s*([a-zA-Zé]*)\s*$")
_UNITS = {"": 1, "o": 1, "octet": 1, "octets": 1, "b": 1, "byte": 1, "bytes": 1,
          "k": 1024, "ko": 1024, "kio": 1024, "kb": 1024, "kib": 1024,
          "m": 1024 ** 2, "mo": 1024 ** 2, "mio": 1024 ** 2, "mb": 1024 ** 2, "mib": 1024 ** 2,
          "g": 1024 ** 3, "go": 1024 ** 3, "gio": 1024 ** 3, "gb": 1024 ** 3, "gib": 1024 ** 3}
_HTML = re.compile(r"<(p|br|div|span|a|ul|li|strong|em|b|i|h\d)\b[^>]*>", re.I)


class ApiError(Exception):
    """A CKAN answer with ``success: false`` (or no envelope at all)."""


def crawl(ctx: SourceContext) -> Iterator[Dataset]:
    api = str(ctx.option("api", "package_search"))
    if api == "package_list":
        packages = _list_and_show(ctx)
    else:
        packages = _search(ctx)
    sirens = _organisation_sirens(ctx, packages) if ctx.option("organisations", True) else {}
    seen: set[str] = set()
    for pkg, dkan in packages:
        try:
            ds = to_dataset(pkg, ctx.name, ctx.base, dkan=dkan)
        except Exception as exc:  # one bad package must not stop the portal
            ctx.event("invalid-record", f"jeu de données illisible : {exc!r}")
            continue
        if ds is None:
            ctx.event("invalid-record", "jeu de données sans identifiant (ni id, ni name)")
            continue
        if ds.source_id in seen:
            continue
        seen.add(ds.source_id)
        if not ds.organisation_siren and ds.organisation_id:
            ds.organisation_siren = sirens.get(ds.organisation_id)
        yield ds


# -- API calls ------------------------------------------------------------------------------
def _action(ctx: SourceContext, action: str, params: dict[str, Any] | None = None) -> Any:
    """``result`` of a CKAN action; ApiError when the envelope says it failed."""
    url = f"{ctx.base}/api/3/action/{action}"
    data = ctx.get_json(url, params=params).data
    if not isinstance(data, dict) or "result" not in data and "success" not in data:
        raise ApiError(f"réponse sans enveloppe CKAN ({type(data).__name__})")
    if data.get("success") is False:
        err = data.get("error") or {}
        msg = err.get("message") or err.get("__type") if isinstance(err, dict) else str(err)
        raise ApiError(f"{action} : {msg or 'échec'}")
    return data.get("result")


def _api_failure(ctx: SourceContext, message: str, url: str) -> FetchError:
    """The portal answered its first request with an error envelope: the portal fails."""
    ctx.event("api-error", message, level="error", url=url)
    return FetchError("api-error", message, url)


def _search(ctx: SourceContext) -> list[tuple[dict, bool]]:
    rows = _int(ctx.option("rows", ROWS))
    if rows is None:
        ctx.event("invalid-option", f"option rows invalide ({ctx.option('rows')!r}) : {ROWS} utilisé")
        rows = ROWS
    base_params = {k: ctx.option(k) for k in ("q", "fq", "sort") if ctx.option(k)}
    url = f"{ctx.base}/api/3/action/package_search"
    try:
        first = _action(ctx, "package_search", {**base_params, "rows": rows, "start": 0})
    except ApiError as exc:
        raise _api_failure(ctx, str(exc), url) from None
    if not isinstance(first, dict):
        raise _api_failure(ctx, "package_search : résultat inattendu", url)
    results = _records(ctx, first.get("results"), url)
    count = _int(first.get("count")) or 0
    size = rows
    if 0 < len(results) < min(rows, count):  # the portal caps rows below what we asked
        size = len(results)

    def page(start: int) -> list[dict]:
        try:
            res = _action(ctx, "package_search", {**base_params, "rows": size, "start": start})
            return _records(ctx, (res or {}).get("results") if isinstance(res, dict) else None, url)
        except (FetchError, ApiError) as exc:
            ctx.event("incomplete-listing", f"page {start // size + 1} du catalogue illisible "
                      f"({getattr(exc, 'message', exc)})", level="error", url=url, start=start)
            return []

    packages = list(results)
    if results:
        for more in ctx.map(page, range(len(results), count, size)):
            packages.extend(more)
    ids = {p.get("id") or p.get("name") for p in packages}
    if len(ids) < count:
        ctx.event("incomplete-listing", f"le portail annonce {count} jeux de données, "
                  f"{len(ids)} ont été lus", level="warning", url=url)
    return [(p, False) for p in packages]


def _list_and_show(ctx: SourceContext) -> list[tuple[dict, bool]]:
    url = f"{ctx.base}/api/3/action/package_list"
    try:
        names = _action(ctx, "package_list")
    except ApiError as exc:
        raise _api_failure(ctx, str(exc), url) from None
    if not isinstance(names, list):
        raise _api_failure(ctx, "package_list : résultat inattendu", url)
    names = [n for n in names if isinstance(n, str) and n]

    def show(name: str) -> list[tuple[dict, bool]]:
        try:
            res = _action(ctx, "package_show", {"id": name})
        except (FetchError, ApiError) as exc:
            ctx.event("incomplete-listing", f"jeu de données {name} illisible "
                      f"({getattr(exc, 'message', exc)})", level="error",
                      url=f"{ctx.base}/api/3/action/package_show?id={name}")
            return []
        if isinstance(res, list):  # DKAN 7
            return [(p, True) for p in _records(ctx, res, url)]
        return [(p, False) for p in _records(ctx, [res], url)]

    out: list[tuple[dict, bool]] = []
    for got in ctx.map(show, names):
        out.extend(got)
    return out


def _records(ctx: SourceContext, items: Any, url: str) -> list[dict]:
    if not isinstance(items, list):
        ctx.event("invalid-record", "liste de jeux de données absente de la réponse", url=url)
        return []
    good = [p for p in items if isinstance(p, dict)]
    if len(good) < len(items):
        ctx.event("invalid-record", f"{len(items) - len(good)} entrée(s) illisible(s) ignorée(s)", url=url)
    return good


def _organisation_sirens(ctx: SourceContext, packages: list[tuple[dict, bool]]) -> dict[str, str]:
    """SIREN of each organisation, from ``organization_show`` extras (one call per organisation)."""
    ids = sorted({org["id"] for pkg, _ in packages if isinstance(org := pkg.get("organization"), dict)
                  and isinstance(org.get("id"), str) and not siren_from_extras(org.get("extras"))})

    def show(org_id: str) -> tuple[str, str | None]:
        try:
            org = _action(ctx, "organization_show", {"id": org_id, "include_datasets": "false"})
        except (FetchError, ApiError):
            return org_id, None
        return org_id, siren_from_extras(org.get("extras")) if isinstance(org, dict) else None

    return {k: v for k, v in ctx.map(show, ids) if v}


# -- package -> Dataset ---------------------------------------------------------------------
def to_dataset(pkg: dict, portal: str, base: str, *, dkan: bool = False) -> Dataset | None:
    source_id = _str(pkg.get("id")) or _str(pkg.get("name"))
    if not source_id:
        return None
    name = _str(pkg.get("name")) or source_id
    extras = extras_dict(pkg.get("extras"))
    org = pkg.get("organization") if isinstance(pkg.get("organization"), dict) else None
    groups = [g for g in _list(pkg.get("groups")) if isinstance(g, dict)]
    publisher_group = groups[0] if (dkan and not org and groups) else None
    org_id = _str(org.get("id")) if org else (_str(publisher_group.get("id")) if publisher_group else None)
    siren = siren_from_extras(org.get("extras")) if org else None
    licence_id, licence_title = _str(pkg.get("license_id")), _str(pkg.get("license_title"))
    licence_url = _str(pkg.get("license_url"))
    if not licence_url and licence_title and licence_title.startswith(("http://", "https://")):
        licence_url = licence_title
    freq_raw = _custom(pkg, extras, "frequency") or extras.get("frequency-of-update")
    contact_name, contact_email = contact_of(pkg, extras)
    keys = [f"{base}/dataset/{name}"]
    for k in ("uri", "identifier", "guid"):
        if extras.get(k):
            keys.append(extras[k])
    harvest = None
    if extras.get("harvest_object_id") or extras.get("harvest_source_id"):
        harvest = {k: v for k, v in {
            "backend": "ckan-harvest", "remote_id": extras.get("guid"),
            "source_id": extras.get("harvest_source_id"), "source_title": extras.get("harvest_source_title"),
        }.items() if v}
    themes = [] if publisher_group else [
        t for g in groups if (t := _str(g.get("title")) or _str(g.get("display_name")) or _str(g.get("name")))]
    return Dataset(
        portal=portal,
        portal_kind=KIND,
        source_id=source_id,
        title=_str(pkg.get("title")),
        description=_text(pkg.get("notes")),
        keywords=[t for tag in _list(pkg.get("tags")) if (t := _tag(tag))],
        themes=themes,
        publisher=Publisher(raw=publisher_of(pkg, org, publisher_group)),
        organisation_id=org_id,
        organisation_siren=siren,
        licence=licence_id or licence_title,
        licence_url=licence_url,
        issued=_date(_custom(pkg, extras, "issued")) or _date(pkg.get("metadata_created")),
        modified=_date(_custom(pkg, extras, "modified")) or _date(pkg.get("metadata_modified")),
        metadata_modified=_date(pkg.get("metadata_modified")),
        frequency=normalize_frequency(freq_raw),
        frequency_raw=freq_raw,
        temporal_start=_date(extras.get("temporal_start") or extras.get("temporal-extent-begin")),
        temporal_end=_date(extras.get("temporal_end") or extras.get("temporal-extent-end")),
        spatial=extras.get("spatial_text") or extras.get("spatial_uri") or extras.get("spatial"),
        contact_name=contact_name,
        contact_email=contact_email,
        landing_page=keys[0],
        language=_custom(pkg, extras, "language"),
        access_rights=extras.get("access_rights"),
        distributions=[d for r in _list(pkg.get("resources"))
                       if isinstance(r, dict) and (d := _distribution(r))],
        harvest=harvest,
        identity_keys=list(dict.fromkeys(keys)),
        raw=pkg,
    )


def publisher_of(pkg: dict, org: dict | None, dkan_group: dict | None = None) -> str | None:
    """The publisher of a package, exactly as written (see the module documentation): its
    ``publisher`` (ckanext-scheming) or ``publisher_*`` extras, else its organisation (DKAN: its
    group); never its author or maintainer."""
    agent = pkg.get("publisher")
    agent = agent[0] if isinstance(agent, list) and agent else agent
    if isinstance(agent, dict) and (_exact(agent.get("name")) or _str(agent.get("uri"))):
        return _exact(agent.get("name")) or _str(agent.get("uri"))
    extras = pkg.get("extras")
    raw = extras if isinstance(extras, dict) else {
        e.get("key"): e.get("value") for e in _list(extras) if isinstance(e, dict)}
    name = raw.get("publisher_name")
    if isinstance(name, str) and name.strip():
        return html.unescape(name)  # DKAN escapes extras; the spelling is audited, spaces included
    if _str(raw.get("publisher_uri")):
        return _str(raw.get("publisher_uri"))
    if org:
        return _exact(org.get("title")) or _str(org.get("name"))
    if dkan_group:
        return _exact(dkan_group.get("title"))
    return None


def contact_of(pkg: dict, extras: dict[str, str]) -> tuple[str | None, str | None]:
    """(name, e-mail) of the contact point: ckanext-dcat's ``contact`` / ``contact_*``, else
    ``maintainer``, else ``author`` (each with its own e-mail)."""
    contact = pkg.get("contact")
    contact = contact[0] if isinstance(contact, list) and contact else contact
    contact = contact if isinstance(contact, dict) else {}
    name = _str(contact.get("name")) or extras.get("contact_name") or _str(pkg.get("maintainer")) \
        or _str(pkg.get("author"))
    email = _str(contact.get("email")) or extras.get("contact_email") or _str(pkg.get("maintainer_email")) \
        or _str(pkg.get("author_email"))
    return name, (re.sub(r"^mailto:", "", email, flags=re.I) if email else None)


def _custom(pkg: dict, extras: dict[str, str], key: str) -> str | None:
    """A ckanext-dcat ``custom:`` field: an extra, or a first-level key under ckanext-scheming."""
    return extras.get(key) or _str(pkg.get(key))


def _distribution(res: dict) -> Distribution | None:
    url = _str(res.get("url"))
    if not url:
        return None
    fmt_raw = _str(res.get("format"))
    mimetype = _str(res.get("mimetype"))
    media = mimetype if mimetype and "/" in mimetype else None
    fmt = normalize_format(fmt_raw, mimetype, url)
    rtype = (_str(res.get("resource_type")) or "").lower()
    kind = "api" if rtype == "api" or fmt in _API_FORMATS else \
        "documentation" if rtype in ("documentation", "doc") else "file"
    schema = res.get("schema")
    schema_name = schema_version = schema_url = None
    if isinstance(schema, dict):
        schema_name, schema_version = _str(schema.get("name")), _str(schema.get("version"))
        schema_url = _str(schema.get("url"))
    elif isinstance(schema, str) and schema.strip():
        schema_url = schema.strip() if schema.strip().startswith("http") else None
        schema_name = None if schema_url else schema.strip()
    return Distribution(
        url=url,
        title=_str(res.get("name")),
        description=_text(res.get("description")),
        format=fmt,
        format_raw=fmt_raw or mimetype,
        media_type=media or media_type_for(fmt),
        size=parse_size(res.get("size")),
        kind=kind,
        modified=_date(res.get("last_modified")) or _date(res.get("created")),
        schema_name=schema_name,
        schema_version=schema_version,
        schema_url=schema_url,
        source_id=_str(res.get("id")),
    )


# -- value helpers --------------------------------------------------------------------------
def extras_dict(extras: Any) -> dict[str, str]:
    """CKAN ``extras`` (a list of ``{key, value}``, sometimes a dict) as ``{key: text}``;
    DKAN HTML-escapes the values (``&quot;``)."""
    items = extras.items() if isinstance(extras, dict) else (
        (e.get("key"), e.get("value")) for e in _list(extras) if isinstance(e, dict))
    out = {}
    for k, v in items:
        if isinstance(k, str) and v not in (None, "", [], {}):
            text = html.unescape(v).strip() if isinstance(v, str) else str(v)
            if text and text != "[]":
                out[k.strip().lower()] = text
    return out


def siren_from_extras(extras: Any) -> str | None:
    """The SIREN (first 9 digits of a SIRET) found in an extra whose key names one."""
    for key, value in extras_dict(extras).items():
        if "siren" in key or "siret" in key or key == "business_number_id":
            digits = re.sub(r"\D", "", value)
            if len(digits) in (9, 14):
                return digits[:9]
    return None


def parse_size(value: Any) -> int | None:
    """Bytes for ``1234``, ``"1234"``, DKAN's ``"42 octets"``, ``"1,5 Mo"``, ``"3 KB"``."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return int(value) if value >= 0 else None
    m = _SIZE.match(str(value))
    if not m:
        return None
    number = m[1].replace(" ", "").replace("\u00a0", "")
    if "," in number and "." not in number:
        number = number.replace(",", ".")
    unit = _UNITS.get(m[2].lower())
    try:
        n = float(number)
    except ValueError:
        return None
    return int(n * unit) if unit is not None and n >= 0 else None


def _date(value: Any) -> str | None:
    """parse_date, tolerating DKAN's ``"Date changed  jeu, 19/12/2019 - 03:00"``."""
    iso = parse_date(value)
    if iso is None and isinstance(value, str):
        m = re.search(r"([a-zéû]{2,4}\.?,?\s+)?\d{1,2}/\d{1,2}/\d{4}.*$", value, re.I)
        if m:
            iso = parse_date(m[0])
    return iso


def _text(value: Any) -> str | None:
    text = _str(value)
    if text and _HTML.search(text):
        text = strip_html(text)
    return text or None


def _tag(tag: Any) -> str | None:
    if isinstance(tag, dict):
        return _str(tag.get("display_name")) or _str(tag.get("name"))
    return _str(tag)


def _str(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    text = str(value).strip()
    return text or None


def _exact(value: Any) -> str | None:
    """A name exactly as written (its spelling is audited), never a blank one."""
    return value if isinstance(value, str) and value.strip() else None


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
