"""data.gouv.fr (udata API v1): the datasets of the territory's organisations.

data.gouv.fr hosts far more than the territory, so the crawl is organisation-driven:

1. **Organisations.** Option ``organizations`` lists organisations to crawl, each an id, a
   slug, a SIRET or a SIREN, or a table pinning it to a body of the territory::

       organizations = ["58b69c62c751df4b175dd7a4", "21590005800014",
                        { id = "mairie-allennes-les-marais", commune = "59005" }]

   An id or slug is fetched (``GET /api/1/organizations/{id-or-slug}/``). A SIRET or SIREN
   cannot be: udata looks organisations up by id or slug only (``Organization.get``) and its
   list endpoint filters by ``q`` and ``badge`` only (``OrgApiParser``), so the body of that
   SIREN is taken from the registry and its name searched, and the organisation kept is the one
   that declares that SIRET (below). A value that finds nothing, or a ``commune`` unknown to
   the territory, is a **configuration error** (event ``config-error`` naming the value, and the
   listing is incomplete); when nothing at all is found the portal fails with code
   ``config-error`` and ``auditor`` exits 2. A pinned organisation's records are attributed to
   its commune: the commune's SIREN (from the registry) stands for the organisation's.

   Unless option ``discover`` is false, each commune of the registry and the metropolis is
   also searched (``GET /api/1/organizations/?q=…&page_size=100``). udata splits ``q`` on
   spaces and quotes each piece, so that MongoDB's ``$text`` search on the name ANDs them as
   *phrases* (udata ``core/organization/api.py``, ``OrgApiParser.parse_filters``; text index
   ``$name``): "Allennes-les-Marais" is one phrase that "Commune d'Allennes les Marais" does
   not contain. The query is therefore the words of the name, hyphens and apostrophes folded
   to spaces, one-letter elisions (``d'``, ``l'``) and words with a ligature (``œ``, which
   the index does not fold) left out. Each organisation found is kept, strongest evidence
   first, when:

   * its ``business_number_id`` (udata ``org_fields``: the SIRET the organisation declares)
     starts with the body's SIREN — method ``siren``; a declared SIRET of another body
     rejects it, whatever its name;
   * else, when it declares none, the ``siretisation:found_siret`` extra (data.gouv.fr's own
     SIRENE matching, shown in the real organisation object
     ``organization_metadata.datagouv_client-fixture.json``) starts with the SIREN — method
     ``siretisation``; a SIRET found for another body rejects it;
   * else its name is the body's name, once folded (accents, case, hyphens, apostrophes)
     and stripped of "Ville de", "Commune d'", "Mairie du"… — method ``name``.

   Each match is recorded as an ``organisation-found`` event (body, method, SIREN and where
   the SIREN was read).
2. **Datasets.** ``GET /api/1/organizations/{id}/datasets/?page_size=100&page=N`` for each
   organisation: first pages, then the remaining pages (from udata's ``total`` and
   ``page_size``) in parallel. Option ``datasets`` adds datasets by id or slug
   (``GET /api/1/datasets/{id}/``; a 410 means deleted).
3. **Records.** Each udata dataset becomes a :class:`~auditor.model.Dataset`, the dataset
   object as received kept in ``raw``. Deleted, archived and private datasets are skipped with
   an info event.

Field mapping (udata ``core/dataset/api_fields.py``, ``dataset_fields`` / ``resource_fields``;
one udata field per record field, never another one as a silent fallback):

=====================  ======================================================================
record                 udata API v1
=====================  ======================================================================
source_id              ``id``
title, description     ``title``, ``description`` (Markdown)
keywords               ``tags``
publisher (raw)        ``organization.name`` exactly as written, else the ``owner`` user's
                       name (a dataset belongs to an organisation or to a user)
organisation_id        ``organization.id``
organisation_siren     the organisation object of step 1 (``business_number_id``, else
                       ``siretisation:found_siret``), or the SIREN of the commune it is pinned to
licence                ``license`` (an id; ``notspecified`` when none was chosen)
issued                 ``created_at`` ("harvested creation date if any, else the site's");
                       a record without it (udata's database shape, as in harvest snapshots)
                       gets it computed the same way: ``harvest.created_at`` else
                       ``internal.created_at_internal``
modified               ``last_update`` ("the resources last modification date")
metadata_modified      ``last_modified``
frequency              ``frequency``
temporal coverage      ``temporal_coverage.start`` / ``.end``
spatial                ``spatial.zones``, ``spatial.granularity``
contact                ``contact_points`` (role ``contact`` first)
landing_page           ``page``
harvest                the ``harvest`` block (``dataset_harvest_fields``: backend, source_id,
                       remote_id, domain, remote_url, uri, dct_identifier…); when it is null,
                       the identity older responses kept in ``extras`` before udata's
                       migration ``2022-10-10-migrate-harvest-extras`` moved it:
                       ``harvest:remote_id``, ``harvest:source_id``, ``harvest:domain``,
                       ``harvest:last_update``, ``harvest:archived(_at)``, with the
                       ``remote_url``, ``uri`` and ``dct:identifier`` extras the harvesters
                       wrote beside them
identity_keys          ``page``, ``uri``, and the harvest's ``remote_url``, ``uri``,
                       ``dct_identifier``, ``remote_id``
distributions          ``resources``: ``url``, ``title``, ``description``, ``format``,
                       ``mime``, ``filesize``, ``type``, ``last_modified``, ``schema``, ``id``
=====================  ======================================================================
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Callable, Iterator
from urllib.parse import quote

from ..http import FetchError
from ...model import Dataset, Distribution, Publisher
from ...normalize.dates import parse_date
from ...normalize.formats import media_type_for, normalize_format
from ...normalize.frequency import normalize_frequency
from ...normalize.text import fold
from ..territory.registry import MEL_CODE
from ..territory.resolve import _strip_prefix
from .base import SourceContext

KIND = "udata"

PAGE_SIZE = 100
SEARCH_PAGE_SIZE = 100
SEARCH_MAX_PAGES = 3  # 300 organisations whose name has every word of a commune's: plenty

# udata resource ``type`` -> Distribution.kind
RESOURCE_KINDS = {"main": "file", "update": "file", "documentation": "documentation",
                  "api": "api", "code": "other", "other": "other"}
# the identity udata's 2022 migration moved from ``extras`` to the ``harvest`` block
LEGACY_HARVEST_EXTRAS = {"harvest:remote_id": "remote_id", "harvest:source_id": "source_id",
                         "harvest:domain": "domain", "harvest:last_update": "last_update",
                         "harvest:archived": "archived", "harvest:archived_at": "archived_at",
                         "remote_url": "remote_url", "uri": "uri", "dct:identifier": "dct_identifier"}
FOUND_SIRET = "siretisation:found_siret"
_WORDS = re.compile(r"[^\W\d_]+|\d+")
_LIGATURES = set("œŒæÆ")
METHODS = {"siren": "par son SIRET (business_number_id)",
           "siretisation": "par le SIRET que data.gouv.fr lui a trouvé (siretisation)",
           "name": "par son nom", "siret-option": "par le SIRET donné dans la configuration",
           "config": "par la configuration (organizations … commune)"}


@dataclass
class OrgRef:
    """One entry of option ``organizations``: an id, slug, SIRET or SIREN, and the body it is
    pinned to (``commune``), if any."""

    value: str
    commune: str | None = None

    @property
    def digits(self) -> str:
        return re.sub(r"[\s.]", "", self.value)

    @property
    def is_siret(self) -> bool:
        """A SIRET (14 digits) or a SIREN (9): udata cannot fetch an organisation by either."""
        return self.digits.isdigit() and len(self.digits) in (9, 14)

    def __str__(self) -> str:
        return self.value


@dataclass
class Organisation:
    """An organisation to crawl: its udata object and why it was chosen."""

    data: dict[str, Any]
    body: str | None = None  # INSEE code or "MEL" it was matched or pinned to
    how: str = "option"  # siren | siretisation | name | siret-option | config | option
    pinned_siren: str | None = None  # the SIREN of the body it is pinned to in the configuration

    @property
    def id(self) -> str:
        return str(self.data.get("id") or "")

    @property
    def name(self) -> str | None:
        return _text(self.data.get("name"))

    @property
    def siren(self) -> str | None:
        if self.pinned_siren:
            return self.pinned_siren
        siret, _ = declared_siret(self.data)
        return siret[:9] if siret else None

    @property
    def siren_source(self) -> str | None:
        if self.pinned_siren:
            return "configuration"
        return declared_siret(self.data)[1]


def declared_siret(org: dict[str, Any]) -> tuple[str | None, str | None]:
    """(SIRET or SIREN, field it was read from) of udata organisation object ``org``:
    ``business_number_id``, else the ``siretisation:found_siret`` extra; (None, None) when
    neither holds one."""
    bn = _digits(org.get("business_number_id"))
    if len(bn) >= 9:
        return bn, "business_number_id"
    extras = org.get("extras") if isinstance(org.get("extras"), dict) else {}
    found = _digits(extras.get(FOUND_SIRET))
    if len(found) >= 9:
        return found, FOUND_SIRET
    return None, None


# -- options ---------------------------------------------------------------------------------
def parse_organizations(value: Any) -> list[OrgRef]:
    """The entries of option ``organizations`` (ValueError, in French, for a malformed one)."""
    if value is None:
        return []
    if isinstance(value, (str, dict)):
        value = [value]
    if not isinstance(value, list):
        raise ValueError("organizations doit être une liste d'identifiants, de slugs, de SIRET ou de tables "
                         "{ id = \"…\", commune = \"…\" }")
    out = []
    for item in value:
        if isinstance(item, str) and item.strip():
            out.append(OrgRef(item.strip()))
        elif isinstance(item, dict):
            unknown = set(item) - {"id", "commune"}
            if unknown:
                raise ValueError(f"organizations : clé(s) inconnue(s) {', '.join(sorted(unknown))} "
                                 "(clés possibles : id, commune)")
            ref, commune = item.get("id"), item.get("commune")
            if not isinstance(ref, str) or not ref.strip():
                raise ValueError(f"organizations : {item!r} sans « id » (identifiant, slug ou SIRET)")
            if commune is not None and (not isinstance(commune, str) or not commune.strip()):
                raise ValueError(f"organizations : commune = {commune!r} pour « {ref} » : un code INSEE "
                                 "(\"59005\") ou \"MEL\" est attendu")
            out.append(OrgRef(ref.strip(), commune.strip() if commune else None))
        else:
            raise ValueError(f"organizations : {item!r} n'est ni un identifiant, ni un slug, ni un SIRET, "
                             "ni une table { id = \"…\", commune = \"…\" }")
    return out


def check_options(options: dict[str, Any]) -> str | None:
    """What is wrong with a udata source's options (French), or None."""
    try:
        refs = parse_organizations(options.get("organizations"))
    except ValueError as exc:
        return str(exc)
    if options.get("discover", True) is False and not refs and not options.get("datasets"):
        return "discover = false sans organizations ni datasets : il n'y a rien à collecter"
    return None


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
    """The organisations to crawl: those of option ``organizations`` (pinned ones first), then
    the discovered ones, once each.

    The first request of the crawl is sent alone and unguarded, so that an unreachable
    portal raises :class:`FetchError`; the others run in parallel and their failures
    become events. References of the configuration that find nothing are configuration
    errors; when nothing at all is found because of them, :class:`FetchError` ``config-error``."""
    reg = ctx.registry
    problems: list[tuple[str, str]] = []  # (value, French reason)
    try:
        refs = parse_organizations(ctx.option("organizations"))
    except ValueError as exc:
        problems.append((str(ctx.option("organizations")), str(exc)))
        refs = []
    kept = []
    for ref in refs:
        if ref.commune and reg.get(ref.commune) is None:
            problems.append((ref.value, f"commune = « {ref.commune} » : aucune collectivité du territoire "
                                        "n'a ce code (code INSEE, ou MEL)"))
        else:
            kept.append(ref)
    refs = sorted(kept, key=lambda r: r.commune is None)  # pinned first: the pin wins
    bodies = {code: (name, sirens) for code, name, sirens in _discovery_targets(ctx)}
    searched = list(bodies) if ctx.option("discover", True) is not False else []
    siret_refs: list[tuple[OrgRef, str]] = []
    for ref in refs:
        if not ref.is_siret:
            continue
        body = reg.by_siren.get(ref.digits[:9])
        if body is None:
            problems.append((ref.value, "ce SIRET n'est celui d'aucune collectivité du territoire ; udata ne "
                                        "cherche pas une organisation par SIRET : donnez son identifiant ou "
                                        "son slug"))
            continue
        code = MEL_CODE if body.kind == "metropole" else body.insee
        siret_refs.append((ref, code))
        if code not in searched:
            searched.append(code)
    jobs: list[tuple[str, Any]] = [("org", r) for r in refs if not r.is_siret] + [("search", c) for c in searched]
    if not jobs:
        _config_errors(ctx, problems, found=False)
        return []

    def run(job: tuple[str, Any], first: bool = False) -> tuple[str, Any]:
        """("ok", result), ("missing", HTTP status) or ("failed", None)."""
        kind, arg = job
        try:
            if kind == "org":
                return "ok", _fetch_org(ctx, arg)
            return "ok", _candidates(ctx, bodies[arg][0])
        except FetchError as exc:
            if kind == "org" and exc.status in (404, 410):
                return "missing", exc.status
            if first:  # the portal itself is unreachable
                raise
            ctx.event("incomplete-listing",
                      f"Recherche d'organisations interrompue ({exc.message}) : des organisations "
                      "du territoire peuvent manquer.", level="error", url=exc.url, error=exc.code)
            return "failed", None

    results = [run(jobs[0], first=True)] + list(ctx.map(run, jobs[1:]))
    fetched: dict[str, dict[str, Any] | None] = {}
    candidates: dict[str, list[dict[str, Any]] | None] = {}
    for (kind, arg), (state, value) in zip(jobs, results):
        if kind == "search":
            candidates[arg] = value if state == "ok" else None
        elif state == "missing":
            problems.append((arg.value, f"aucune organisation n'a cet identifiant ou ce slug sur {ctx.base} "
                                        f"(HTTP {value})"))
        else:
            fetched[arg.value] = value
    found: list[Organisation] = []
    siret_body = dict((id(ref), code) for ref, code in siret_refs)
    for ref in refs:  # pinned ones first
        if not ref.is_siret:
            hits = [fetched[ref.value]] if fetched.get(ref.value) else []
        elif id(ref) not in siret_body or candidates.get(siret_body[id(ref)]) is None:
            continue  # not a body of the territory (said above), or its search failed (listing incomplete)
        else:
            code = siret_body[id(ref)]
            hits = [o for o in candidates[code] or [] if _siret_matches(o, ref.digits)]
            if not hits:
                name = bodies[code][0]
                problems.append((ref.value, f"aucune organisation de data.gouv.fr ne déclare ce SIRET parmi "
                                            f"celles que donne la recherche « {search_query(name)} » ({name})"))
        for data in hits:
            if ref.commune:
                found.append(_pinned(ctx, data, ref))
            elif ref.is_siret:
                found.append(Organisation(data, siret_body[id(ref)], "siret-option"))
            else:
                found.append(Organisation(data, None, "option"))
    for code in (searched if ctx.option("discover", True) is not False else []):
        name, sirens = bodies[code]
        for data in candidates.get(code) or []:
            how = match_organisation(data, name, sirens)
            if how:
                found.append(Organisation(data, code, how))
    out: list[Organisation] = []
    ids: set[str] = set()
    for org in found:
        if not org.id or org.id in ids:
            continue
        ids.add(org.id)
        out.append(org)
        if org.how != "option":
            siren_source = org.siren_source
            ctx.event("organisation-found",
                      f"Organisation « {org.name} » rattachée à {ctx.registry.name_of(org.body)} "
                      f"({METHODS[org.how]}).",
                      level="info", url=_org_url(ctx, org.id), organisation=org.id,
                      organisation_name=org.name, body=org.body, method=org.how,
                      siren=org.siren, siren_source=siren_source)
    _config_errors(ctx, problems, found=bool(out))
    return out


def _config_errors(ctx: SourceContext, problems: list[tuple[str, str]], *, found: bool) -> None:
    """One ``config-error`` event per reference of the configuration that found nothing; the
    listing is then incomplete, and the portal fails when nothing at all was found."""
    if not problems:
        return
    url = f"{ctx.base}/api/1/organizations/"
    for value, reason in problems:
        ctx.event("config-error", f"Source {ctx.name}, option organizations : « {value} » : {reason}.",
                  level="error", url=url, option="organizations", value=value)
    values = ", ".join(f"« {v} »" for v, _ in problems)
    if not found:
        raise FetchError("config-error", f"aucune organisation trouvée : {values} ne désigne(nt) aucune "
                                         "organisation (voir l'option organizations)", url)
    ctx.event("incomplete-listing", f"Organisations de la configuration introuvables ({values}) : leurs jeux "
                                    "de données manquent tant que la configuration n'est pas corrigée.",
              level="error", url=url, option="organizations")


def _pinned(ctx: SourceContext, data: dict[str, Any], ref: OrgRef) -> Organisation:
    """An organisation pinned to a body by the configuration: the configuration wins over the
    SIRET it declares (a warning says so when they disagree)."""
    body = ctx.registry.get(ref.commune or "")
    code = MEL_CODE if body.kind == "metropole" else body.insee
    siret, where = declared_siret(data)
    if siret and body.siren != siret[:9] and not (body.kind == "metropole"
                                                   and siret[:9] in ctx.registry.metropole_sirens):
        ctx.event("organisation-pin-overrides",
                  f"L'organisation « {data.get('name')} » déclare le SIRET {siret} ({where}), qui n'est pas "
                  f"celui de {body.name} ; la configuration la rattache quand même à {body.name}.",
                  level="warning", url=_org_url(ctx, str(data.get("id") or ref.value)),
                  organisation=data.get("id"), body=code, siret=siret)
    return Organisation(data, code, "config", pinned_siren=body.siren)


def _siret_matches(org: dict[str, Any], digits: str) -> bool:
    siret, _ = declared_siret(org)
    return bool(siret) and (siret == digits if len(digits) == 14 else siret.startswith(digits))


def _discovery_targets(ctx: SourceContext) -> list[tuple[str, str, tuple[str, ...]]]:
    """(body code, name, SIRENs) for each commune and the metropolis."""
    reg = ctx.registry
    targets = [(c.insee, c.name, (c.siren,)) for c in sorted(reg.communes.values(), key=lambda c: c.insee)]
    targets.append((MEL_CODE, reg.metropole.name, tuple(reg.metropole_sirens)))
    return targets


def search_query(name: str) -> str:
    """The ``q`` that finds every organisation whose name contains the words of ``name``, however
    it writes hyphens and apostrophes: udata ANDs the space-separated pieces as phrases."""
    words = _WORDS.findall(name)
    kept = [w for w in words if len(w) > 1 and not _LIGATURES & set(w)]
    return " ".join(kept or words or [name])


def _candidates(ctx: SourceContext, name: str) -> list[dict[str, Any]]:
    """The organisations udata's search gives for ``name`` (up to SEARCH_MAX_PAGES pages)."""
    url = f"{ctx.base}/api/1/organizations/"
    q = search_query(name)
    first = ctx.get_json(url, params={"q": q, "page_size": SEARCH_PAGE_SIZE, "page": 1}).data
    pages = [first]
    more = range(2, min(_page_count(first), SEARCH_MAX_PAGES) + 1)
    pages += [ctx.get_json(url, params={"q": q, "page_size": SEARCH_PAGE_SIZE, "page": n}).data for n in more]
    return [item for data in pages for item in _page_items(data)]


def match_organisation(org: dict[str, Any], name: str, sirens: tuple[str, ...]) -> str | None:
    """``"siren"``, ``"siretisation"`` or ``"name"`` when udata organisation ``org`` belongs to
    the body named ``name`` with SIRENs ``sirens``, else ``None``. The name is only trusted when
    the organisation has no SIRET at all: a SIRET of another body rejects it."""
    siret, where = declared_siret(org)
    if siret:
        if not any(siret.startswith(s) for s in sirens):
            return None
        return "siren" if where == "business_number_id" else "siretisation"
    folded, target = fold(str(org.get("name") or "")), fold(name)
    if folded and target and target in (folded, _strip_prefix(folded)):
        return "name"
    return None


def _fetch_org(ctx: SourceContext, ref: OrgRef) -> dict[str, Any] | None:
    resp = ctx.get_json(_org_url(ctx, ref.value))
    if not isinstance(resp.data, dict) or not resp.data.get("id"):
        ctx.event("invalid-record", f"Organisation « {ref} » illisible.", url=resp.url)
        return None
    return resp.data


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
    """The normalised record of udata dataset object ``data`` (API v1 shape; see the module
    documentation for where each field comes from)."""
    ident = data.get("id")
    if not ident:
        raise ValueError("jeu de données sans identifiant")
    harvest = harvest_identity(data)
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
        publisher=Publisher(raw=_publisher(data)),
        organisation_id=org_id,
        organisation_siren=org.siren if org and org.id == org_id else None,
        licence=_text(data.get("license")),
        issued=parse_date(_created_at(data)),
        modified=parse_date(data.get("last_update")),
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


def harvest_identity(data: dict[str, Any]) -> dict[str, Any] | None:
    """Where a harvested udata dataset came from: its ``harvest`` block, or, when that is null,
    the ``harvest:*`` extras (and ``remote_url``, ``uri``, ``dct:identifier``) of responses older
    than udata's 2022 migration, under the block's key names. None for a dataset not harvested."""
    h = data.get("harvest")
    if isinstance(h, dict):
        out = {k: v for k, v in h.items() if v not in (None, "", [], {})}
        if out:
            return out
    extras = data.get("extras") if isinstance(data.get("extras"), dict) else {}
    if not any(k.startswith("harvest:") and extras[k] not in (None, "") for k in extras):
        return None
    out = {key: extras[old] for old, key in LEGACY_HARVEST_EXTRAS.items() if extras.get(old) not in (None, "")}
    return out or None


def _created_at(data: dict[str, Any]) -> Any:
    """udata's ``created_at``: the harvested creation date if any, else the site's. API objects
    carry it; a database-shaped record (harvest snapshots) gets it computed the same way."""
    if "created_at" in data:
        return data.get("created_at")
    h = data.get("harvest") if isinstance(data.get("harvest"), dict) else {}
    internal = data.get("internal") if isinstance(data.get("internal"), dict) else {}
    return h.get("created_at") or internal.get("created_at_internal") or data.get("created_at_internal")


def _publisher(data: dict[str, Any]) -> str | None:
    ref = data.get("organization")
    if isinstance(ref, dict) and _text(ref.get("name")):
        return str(ref["name"])  # exactly as written: its spelling is audited
    owner = data.get("owner")
    if isinstance(owner, dict):
        name = " ".join(p for p in (_text(owner.get("first_name")), _text(owner.get("last_name"))) if p)
        return name or _text(owner.get("slug"))
    return None


def _contact(points: Any) -> tuple[str | None, str | None]:
    """Name and e-mail of the contact point (role ``contact`` first)."""
    pts = [p for p in _as_list(points) if isinstance(p, dict)]
    pts.sort(key=lambda p: 0 if p.get("role") in (None, "contact") else 1)
    for p in pts:
        name, email = _text(p.get("name")), _text(p.get("email"))
        if name or email:
            return name, email
    return None, None


def _digits(value: Any) -> str:
    return "".join(ch for ch in str(value or "") if ch.isdigit())


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
