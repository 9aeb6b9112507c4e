"""The normalised catalogue of one crawl: every record of every portal, attributed to the
commune that produced it, with copies of the same dataset grouped.

Attribution uses :class:`~auditor.crawling.territory.resolve.PublisherResolver` with, in order, the
SIREN of the portal organisation, the publisher string, and the portal's owner when the
record names no publisher. Every publisher left unresolved is listed (with its records) so
that a coordinator can add an alias rather than have the tool guess.

Copies: a data.gouv.fr harvest names its origin (``harvest.remote_id``, ``remote_url``,
``uri``), a re-publication by link shares the origin's file URLs. Records that share an
identity key (a normalised URI, a UUID) or a distribution URL form one dataset; one record is
the original (the primary) and the others point to it with ``copy_of``. The original is, in
order: the record on the publishing body's own portal (a portal whose ``owner`` is that body);
one that is not a harvest of another; the earliest ``issued``; the one on the body's configured
home portal (``[communes.<code>] home = "…"``); one on a portal that is not an aggregator
(data.gouv.fr, CKAN, a DCAT feed); then a stable order. Never the alphabetical order of portal
names alone: on the MEL platform and on Roubaix's own portal, Roubaix's record is the original
and the MEL's the republication.
"""
from __future__ import annotations

from functools import lru_cache

import re
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from datetime import datetime, timezone

from ..model import CrawlEvent, Dataset
from ..normalize.dates import to_datetime
from .territory.resolve import PublisherResolver

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
_GENERIC_PATHS = ("", "/", "/explore", "/explore/", "/catalogue", "/dataset", "/datasets")


@dataclass
class UnresolvedPublisher:
    raw: str | None
    portals: set[str] = field(default_factory=set)
    datasets: list[str] = field(default_factory=list)  # uids


@dataclass
class Catalogue:
    datasets: list[Dataset] = field(default_factory=list)
    events: list[CrawlEvent] = field(default_factory=list)
    unresolved: list[UnresolvedPublisher] = field(default_factory=list)

    def by_uid(self) -> dict[str, Dataset]:
        return {d.uid: d for d in self.datasets}

    def groups(self) -> list[list[Dataset]]:
        """Every dataset with all its copies, primary first."""
        out: dict[str, list[Dataset]] = defaultdict(list)
        for d in self.datasets:
            out[d.copy_of or d.uid].append(d)
        return [sorted(g, key=lambda d: d.copy_of is not None) for g in out.values()]


def attribute(datasets: list[Dataset], resolver: PublisherResolver,
              owners: dict[str, str | None]) -> list[UnresolvedPublisher]:
    """Resolve every record's publisher in place; ``owners`` maps portal name to the body
    that owns it. Returns the unresolved publisher strings with the records using them."""
    unresolved: dict[str | None, UnresolvedPublisher] = {}
    for d in datasets:
        p = resolver.resolve(d.publisher.raw, siren=d.organisation_siren,
                             portal_owner=owners.get(d.portal))
        d.publisher = p
        if p.kind == "unresolved":
            u = unresolved.setdefault(p.raw, UnresolvedPublisher(p.raw))
            u.portals.add(d.portal)
            u.datasets.append(d.uid)
    return sorted(unresolved.values(), key=lambda u: (u.raw is None, u.raw or ""))


def identity_keys(d: Dataset) -> set[str]:
    """The keys under which ``d`` can be recognised on another portal."""
    keys: set[str] = set()
    values = list(d.identity_keys)
    if d.landing_page:
        values.append(d.landing_page)
    h = d.harvest or {}
    for k in ("remote_id", "remote_url", "uri", "dct_identifier"):
        if h.get(k):
            values.append(str(h[k]))
    for v in values:
        key = _key(v)
        if key:
            keys.add(key)
    return keys


def _key(value: str) -> str | None:
    value = value.strip()
    m = _UUID.fullmatch(value) or (_UUID.search(value) if value.startswith("urn:uuid:") else None)
    if m:
        return "uuid:" + m.group(0).lower()
    if value.startswith(("http://", "https://")):
        return normalize_url(value)
    return None  # a bare slug is not unique across portals


@lru_cache(maxsize=1 << 16)
def normalize_url(url: str) -> str | None:
    """A comparable form of a URL: scheme-less, lower-case host without ``www.``, no
    trailing slash, no fragment. Site roots and catalogue roots return ``None``."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    host = (parts.hostname or "").lower().removeprefix("www.")
    if parts.port:
        host = f"{host}:{parts.port}"
    path = parts.path.rstrip("/")
    if path in _GENERIC_PATHS and not parts.query:
        return None
    return urlunsplit(("", host, path, parts.query, "")).lstrip("/")


def group_copies(datasets: list[Dataset], owners: dict[str, str | None] | None = None,
                 homes: dict[str, str] | None = None) -> None:
    """Set ``copy_of`` on every record that is a copy of another (in place); ``owners`` maps a portal
    to the body that owns it, ``homes`` a body to its configured home portal (see the module
    documentation for how the original is chosen)."""
    parent = list(range(len(datasets)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        ri, rj = find(i), find(j)
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)

    owner_of_key: dict[str, int] = {}
    for i, d in enumerate(datasets):
        keys = identity_keys(d)
        keys.update("file:" + k for k in (normalize_url(x.url) for x in d.distributions if x.url) if k)
        for k in keys:
            j = owner_of_key.setdefault(k, i)
            if j != i and datasets[j].portal != d.portal:
                union(i, j)
    members: dict[int, list[int]] = defaultdict(list)
    for i in range(len(datasets)):
        members[find(i)].append(i)
    for group in members.values():
        for i in group:
            datasets[i].copy_of = None
        if len(group) < 2:
            continue
        primary = min(group, key=lambda i: _primary_rank(datasets[i], owners or {}, homes or {}))
        for i in group:
            if i != primary:
                datasets[i].copy_of = datasets[primary].uid


_NEVER = datetime.max.replace(tzinfo=timezone.utc)


def _primary_rank(d: Dataset, owners: dict[str, str | None], homes: dict[str, str]) -> tuple:
    """The original of a dataset (smallest first): on its body's own portal, not a harvest, earliest
    issued, on the body's configured home portal, not on an aggregator, then a stable order."""
    body = d.publisher.code
    own = 0 if body and owners.get(d.portal) == body else 1
    issued = to_datetime(d.issued) or _NEVER
    home = 0 if body and homes.get(body) == d.portal else 1
    return (own, 1 if d.harvest else 0, issued, home, 1 if d.portal_kind in ("udata", "dcat", "ckan") else 0, d.uid)


def build_catalogue(datasets: list[Dataset], events: list[CrawlEvent], resolver: PublisherResolver,
                    owners: dict[str, str | None], homes: dict[str, str] | None = None) -> Catalogue:
    unresolved = attribute(datasets, resolver, owners)
    group_copies(datasets, owners, homes)
    return Catalogue(datasets=datasets, events=events, unresolved=unresolved)
