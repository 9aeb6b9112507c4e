"""The simulated territory as data: what every simulated portal serves, and the ground truth.

The generator (:mod:`auditor.simulate.generator`) builds a :class:`World` from a seed; each
portal server (:mod:`auditor.simulate.portals`) renders the part of the world it hosts in
its own API's shapes. Portal-neutral on purpose: a dataset here says *what* is published
(title, publisher string as typed by a human, licence label as the portal spells it, files),
and each portal decides *how* its API says it.

Ground truth lives here too: which records a crawl must find (one per portal copy), which
commune each belongs to, which copies are the same dataset, which publisher strings cannot
be resolved, and which defects were planted.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Portal kinds a simulated portal can speak (one renderer each).
PORTAL_KINDS = ("geonetwork", "opendatasoft", "udata", "ckan", "dcat")


@dataclass
class SimFile:
    """One distribution. ``content`` names how the server produces the bytes
    (see :mod:`auditor.simulate.content`); ``status`` lets a file be broken (404, 500)."""

    id: str  # unique within the dataset, URL-safe
    title: str
    format: str  # csv, json, geojson, xlsx, pdf, shp, zip, api
    media_type: str
    content: str = "table"  # table | pdf | zip | api
    size: int | None = None  # declared size; the served size is whatever content yields
    description: str | None = None
    status: int = 200  # what the server answers for this file
    modified: str | None = None
    # how a table is written: CSV encoding ("utf-8", "cp1252", "bom-cp1252": a UTF-8 BOM then Windows-1252
    # bytes) and separator; columns left out; formatted-but-empty rows after the last XLSX row
    encoding: str = "utf-8"
    delimiter: str = ","
    drop_columns: list[str] = field(default_factory=list)
    blank_rows: int = 0


@dataclass
class SimCopy:
    """The same dataset republished on another portal (a data.gouv.fr harvest, usually)."""

    portal: str
    source_id: str
    mode: str = "harvest"  # harvest (harvest block names the origin) | link (resources point at origin)
    organisation: str | None = None  # udata organisation id hosting the copy


@dataclass
class SimDataset:
    key: str  # unique ground-truth key
    owner: str  # INSEE code of the producing commune, "MEL", or "other"
    portal: str  # name of the portal hosting the original
    source_id: str  # identifier on that portal
    kind: str  # prenoms, equipements, parcs-jardins, subventions, deliberations, budget, marches, catalogue, misc
    title: str
    description: str | None
    publisher: str | None  # as typed on the portal; None = not filled in
    keywords: list[str] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    licence: str | None = None  # label or id as the portal spells it
    licence_url: str | None = None
    issued: str | None = None
    modified: str | None = None
    metadata_modified: str | None = None
    frequency: str | None = None  # udata frequency id; each portal spells it its own way
    temporal_start: str | None = None
    temporal_end: str | None = None
    spatial: str | None = None  # INSEE code of the covered commune, or "MEL"
    contact_name: str | None = None
    contact_email: str | None = None
    schema: tuple[str, str] | None = None  # (name, version) declared for the tabular files
    rows: int = 20  # rows in generated tables
    files: list[SimFile] = field(default_factory=list)
    copies: list[SimCopy] = field(default_factory=list)
    organisation: str | None = None  # udata / CKAN organisation id for originals there
    collection: str | None = None  # OGC API collection id (MEL platform)
    record: bool = True  # False: an OGC API collection with no catalogue record
    defects: list[str] = field(default_factory=list)  # planted defect codes (ground truth)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class SimOrganisation:
    """An organisation on a udata or CKAN portal."""

    id: str
    portal: str
    name: str
    slug: str
    siret: str | None = None  # business_number_id
    insee: str | None = None  # commune it belongs to (for the siretisation extras)


@dataclass
class Faults:
    """What a simulated portal does wrong. ``rate`` of requests fail with one of ``kinds``
    (``500``, ``502``, ``429``, ``timeout``, ``garbage``, ``html``, ``truncated``, ``reset``),
    deterministically from ``seed``; ``latency`` seconds are added to every request."""

    rate: float = 0.0
    kinds: tuple[str, ...] = ("500", "429", "timeout", "garbage", "truncated")
    latency: float = 0.0
    timeout_sleep: float = 3.0  # how long a "timeout" fault stalls before answering
    retry_after: int = 0  # Retry-After value sent with a 429 fault
    seed: int = 0


@dataclass
class SimPortal:
    name: str
    kind: str  # one of PORTAL_KINDS
    title: str
    owner: str | None = None  # INSEE code or "MEL" when the portal belongs to one body
    options: dict[str, Any] = field(default_factory=dict)  # kind-specific (api version...)
    broken: str | None = None  # None | "tls" | "dns" | "gone" (410) | "down" (503 always)
    faults: Faults = field(default_factory=Faults)


@dataclass
class World:
    seed: int
    portals: dict[str, SimPortal]
    datasets: list[SimDataset]
    organisations: list[SimOrganisation] = field(default_factory=list)
    unresolved_publishers: set[str] = field(default_factory=set)  # expected to stay unresolved
    aliases: dict[str, str] = field(default_factory=dict)  # publisher aliases for the config
    others: list[str] = field(default_factory=list)  # known non-commune publishers
    as_of: str = "2026-11-15"  # the day the world describes: dates are relative to it
    agents: dict[str, int] = field(default_factory=dict)  # staff counts the config declares

    # -- what a portal serves -------------------------------------------------------------
    def hosted(self, portal: str) -> list[SimDataset]:
        """Datasets whose original lives on ``portal``."""
        return [d for d in self.datasets if d.portal == portal]

    def copies_on(self, portal: str) -> list[tuple[SimDataset, SimCopy]]:
        """(original, copy) pairs for the copies republished on ``portal``."""
        return [(d, c) for d in self.datasets for c in d.copies if c.portal == portal]

    def organisations_on(self, portal: str) -> list[SimOrganisation]:
        return [o for o in self.organisations if o.portal == portal]

    def dataset(self, key: str) -> SimDataset:
        for d in self.datasets:
            if d.key == key:
                return d
        raise KeyError(key)

    # -- ground truth ---------------------------------------------------------------------
    def reachable_portals(self) -> set[str]:
        return {name for name, p in self.portals.items() if p.broken is None}

    def expected_records(self) -> dict[str, str]:
        """``{uid: owner}`` for every record a crawl of the reachable portals must find,
        copies included (uid = ``portal:source_id``). An OGC API collection without a catalogue
        record (``record=False``) is no record: the platform is reported for it."""
        ok = self.reachable_portals()
        out: dict[str, str] = {}
        for d in self.datasets:
            if d.portal in ok and d.record:
                out[f"{d.portal}:{d.source_id}"] = d.owner
            for c in d.copies:
                if c.portal in ok:
                    out[f"{c.portal}:{c.source_id}"] = d.owner
        return out

    def expected_groups(self) -> list[set[str]]:
        """Sets of uids that are copies of one dataset (only groups of two or more)."""
        ok = self.reachable_portals()
        groups = []
        for d in self.datasets:
            uids = {f"{c.portal}:{c.source_id}" for c in d.copies if c.portal in ok}
            if d.portal in ok:
                uids.add(f"{d.portal}:{d.source_id}")
            if len(uids) > 1:
                groups.append(uids)
        return groups

    def distribution_count(self) -> int:
        return sum(len(d.files) * (1 + len(d.copies)) for d in self.datasets)
