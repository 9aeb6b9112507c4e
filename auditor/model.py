"""The normalised records every stage exchanges: plain dataclasses, no behaviour beyond
(de)serialisation.

A :class:`Dataset` is DCAT-like and portal-neutral: whatever the portal (Opendatasoft,
data.gouv.fr, GeoNetwork, CKAN, a DCAT file), a source turns each of its datasets into one
of these, keeps the portal's own metadata in ``raw`` for audit, and the catalogue stage
attributes it to a commune (``publisher``) and groups copies of the same dataset.

Dates are ISO 8601 strings (``YYYY-MM-DD`` or a full timestamp with offset), already
normalised by :mod:`auditor.normalize.dates`; ``None`` means the portal gave none (the raw
value, if unparseable, stays in ``raw``).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any


@dataclass
class Availability:
    """The outcome of probing a distribution URL (HEAD, falling back to a ranged GET)."""

    ok: bool
    status: int | None = None
    checked_at: str | None = None
    error: str | None = None
    content_type: str | None = None
    size: int | None = None
    from_cache: bool = False


@dataclass
class Distribution:
    url: str
    title: str | None = None
    description: str | None = None
    format: str | None = None  # normalised short name: "csv", "json", "geojson", "pdf", ...
    format_raw: str | None = None
    media_type: str | None = None
    size: int | None = None
    kind: str = "file"  # file | api | documentation | other
    modified: str | None = None
    schema_name: str | None = None  # e.g. "scdl/subventions"
    schema_version: str | None = None
    schema_url: str | None = None
    source_id: str | None = None
    availability: Availability | None = None
    # the portal kind that writes this file from the dataset's records (an Opendatasoft export), None for a
    # file as its producer published it: the dialect of such an export (separator, BOM) is the portal's choice
    generated_by: str | None = None


@dataclass
class Publisher:
    """Who produced a dataset, as given (``raw``) and as resolved against the territory.

    ``kind`` is ``commune``, ``metropole``, ``other`` (a known non-commune body) or
    ``unresolved``; ``method`` says how it was resolved (``siren``, ``name``, ``alias``,
    ``portal-owner``), so that a reader can judge the attribution.
    """

    raw: str | None = None
    kind: str = "unresolved"
    insee: str | None = None
    siren: str | None = None
    name: str | None = None
    method: str | None = None

    @property
    def code(self) -> str | None:
        """INSEE code of the commune, ``MEL`` for the metropolis, else ``None``."""
        return "MEL" if self.kind == "metropole" else self.insee


@dataclass
class Dataset:
    portal: str  # name of the source in the territory configuration
    portal_kind: str  # geonetwork | ogcapi | opendatasoft | udata | dcat | ckan
    source_id: str  # the portal's own identifier
    title: str | None = None
    description: str | None = None
    keywords: list[str] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    publisher: Publisher = field(default_factory=Publisher)
    organisation_id: str | None = None  # portal-side organisation id (udata, CKAN)
    organisation_siren: str | None = None  # SIREN declared by the portal organisation
    licence: str | None = None  # raw licence label or id as published
    licence_url: str | None = None
    issued: str | None = None
    modified: str | None = None  # last data change
    metadata_modified: str | None = None
    frequency: str | None = None  # normalised udata frequency id ("monthly", "irregular"...)
    frequency_raw: str | None = None
    temporal_start: str | None = None
    temporal_end: str | None = None
    spatial: str | None = None
    spatial_granularity: str | None = None
    contact_name: str | None = None
    contact_email: str | None = None
    landing_page: str | None = None
    language: str | None = None
    access_rights: str | None = None
    resource_type: str | None = None  # what the record describes, where the portal says: "dataset" or "series"
    distributions: list[Distribution] = field(default_factory=list)
    harvest: dict[str, Any] | None = None  # where a harvested copy came from
    identity_keys: list[str] = field(default_factory=list)  # URIs naming the same dataset
    copy_of: str | None = None  # uid of the primary copy when this one is a duplicate
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def uid(self) -> str:
        return f"{self.portal}:{self.source_id}"

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["uid"] = self.uid
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Dataset":
        d = dict(d)
        d.pop("uid", None)
        d["publisher"] = Publisher(**d.get("publisher") or {})
        dists = []
        for dist in d.get("distributions") or []:
            dist = dict(dist)
            if dist.get("availability"):
                dist["availability"] = Availability(**dist["availability"])
            dists.append(Distribution(**dist))
        d["distributions"] = dists
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})


@dataclass
class Commune:
    insee: str
    name: str
    siren: str
    population: int | None = None  # population municipale in force
    population_year: int | None = None
    associated: list[tuple[str, str]] = field(default_factory=list)  # (insee, name) COMA/COMD
    agents: int | None = None  # ETP; not published nationally, set in configuration
    kind: str = "commune"  # commune | metropole


@dataclass
class CrawlEvent:
    """Something that happened while crawling: a retried error, a portal that failed,
    a publisher left unresolved. ``level`` is ``info`` (recovered), ``warning`` or ``error``.
    """

    portal: str
    code: str  # stable: http-retry, http-error, tls-error, dns-error, invalid-json, ...
    level: str
    message: str
    url: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class Finding:
    """One problem found: the product. ``fingerprint`` is stable across runs so history can
    tell new, fixed and still-open findings apart, and a CI baseline can suppress known ones.
    Texts are kept in every language (``{"fr": ..., "en": ...}``)."""

    rule: str
    severity: str  # error | warning | info
    title: dict[str, str]
    detail: dict[str, str] = field(default_factory=dict)
    fix: dict[str, str] = field(default_factory=dict)
    basis: dict[str, str] = field(default_factory=dict)  # text (article or method), url
    group: str | None = None
    scope: str = "dataset"  # portal | commune | dataset | distribution | file
    portal: str | None = None
    commune: str | None = None  # INSEE code, MEL, or None
    dataset: str | None = None  # dataset uid
    distribution: str | None = None  # distribution URL
    location: dict[str, Any] = field(default_factory=dict)  # row, column, field...
    fingerprint: str = ""
    waived: bool = False
    waiver: dict[str, Any] | None = None  # justification, expires, by

    def text(self, lang: str = "fr") -> str:
        """Title and detail in ``lang`` (French when missing)."""
        title = self.title.get(lang) or self.title.get("fr", "")
        detail = self.detail.get(lang) or self.detail.get("fr")
        return f"{title} : {detail}" if detail and lang == "fr" else f"{title}: {detail}" if detail else title

    def fix_text(self, lang: str = "fr") -> str:
        return self.fix.get(lang) or self.fix.get("fr", "")
