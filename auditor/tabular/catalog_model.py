"""What the schema catalogue hands out, shared by its fetching, resolving and guessing-index modules and by its
users: its errors (`CatalogError` and kin, messages in French), the data classes of schemas and versions, and the
ordering of release names (`version_key`)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

SITE = "https://schema.data.gouv.fr"
SCHEMA_TYPES = ("tableschema", "jsonschema", "datapackage", "other")


class CatalogError(Exception):
    """A catalogue problem; ``message`` is in French, for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class CatalogUnavailable(CatalogError):
    """Neither the network nor a cached copy could provide a document."""


class SchemaNotFound(CatalogError, LookupError):
    """Unknown schema name or version; ``suggestions`` lists the close matches."""

    def __init__(self, message: str, suggestions: list[str]):
        super().__init__(message)
        self.suggestions = suggestions


@dataclass
class SchemaVersion:
    name: str  # the catalogue's release name, e.g. "2.1.1"
    url: str  # where the document is fetched from (already rewritten against the base)
    listed: bool = True  # False for a version found in a local folder but absent from the catalogue
    prerelease: bool = False  # "0.5beta", "2.1.1-betagouv-draft", "1.0.0-withdrawn"...
    type: str | None = None  # when it differs from the schema's (IRVE: table schemas before the data package)


@dataclass
class SchemaInfo:
    name: str
    title: str
    type: str  # tableschema | jsonschema | datapackage | other
    versions: list[SchemaVersion]  # release order, oldest first
    description: str = ""
    labels: list[str] = field(default_factory=list)
    examples: list[dict[str, Any]] = field(default_factory=list)  # as the catalogue gives them
    homepage: str | None = None
    listed: bool = True

    @property
    def latest(self) -> str | None:
        """The latest release listed by the catalogue (unlisted versions and drafts only as a last resort)."""
        for pool in ([v for v in self.versions if v.listed and not v.prerelease],
                     [v for v in self.versions if not v.prerelease], self.versions):
            if pool:
                return pool[-1].name
        return None

    def version(self, name: str) -> SchemaVersion | None:
        for v in self.versions:
            if v.name == name:
                return v
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "title": self.title, "type": self.type, "labels": list(self.labels),
            "latest": self.latest, "listed": self.listed,
            "versions": [{"name": v.name, "url": v.url, "listed": v.listed, "prerelease": v.prerelease}
                         for v in self.versions],
        }


@dataclass
class PackageResource:
    """One table of a data package schema (e.g. IRVE: ``irve-statique``, ``irve-dynamique``)."""

    name: str
    title: str | None
    schema_ref: str | None  # the resource's ``schema`` as written (relative path), None when inline
    schema_name: str | None = None  # the catalogue entry holding that table schema, when known
    schema_version: str | None = None
    schema_url: str | None = None
    document: dict[str, Any] | None = None
    note: str | None = None


@dataclass
class ResolvedSchema:
    name: str
    version: str
    type: str
    url: str
    document: Any
    title: str = ""
    is_latest: bool = False
    listed: bool = True
    declared_version: str | None = None  # the ``version`` written inside the document, if any
    notes: list[str] = field(default_factory=list)
    resources: list[PackageResource] = field(default_factory=list)  # data packages only

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.version}"

    def to_dict(self) -> dict[str, Any]:
        """The ``schema`` block of a validation report."""
        return {"name": self.name, "version": self.version, "url": self.url, "type": self.type,
                "declared_version": self.declared_version, "notes": list(self.notes)}


@dataclass(frozen=True)
class TableFields:
    """Field names of one table schema version, for schema guessing."""

    name: str
    version: str
    fields: tuple[str, ...]
    required: frozenset[str]
    listed: bool = True
    prerelease: bool = False
    rank: int = 0  # position of the version in release order


# -- version strings ----------------------------------------------------------------------------

_VERSION = re.compile(r"^v?(\d+(?:\.\d+)*)(.*)$", re.I)


def version_key(name: str) -> tuple:
    """Sort key for release names: numeric parts, then a release after its own pre-releases."""
    m = _VERSION.match(name.strip())
    if not m:
        return ((), 0, name)
    nums = tuple(int(p) for p in m.group(1).split("."))
    nums = nums + (0,) * (3 - len(nums)) if len(nums) < 3 else nums
    return (nums, 0 if m.group(2) else 1, m.group(2))


def is_prerelease(name: str) -> bool:
    m = _VERSION.match(name.strip())
    return not m or bool(m.group(2))


def same_version(a: str, b: str) -> bool:
    """``v1.1`` and ``1.1.0`` name the same release; ``2.0`` and ``2.1.0`` do not."""
    return version_key(str(a)) == version_key(str(b))


def parse_ref(ref: str) -> tuple[str, str | None]:
    """``"scdl/subventions@2.1.1"`` → ``("scdl/subventions", "2.1.1")``; no ``@`` → version None."""
    name, sep, version = ref.strip().rpartition("@")
    if not sep:
        return ref.strip(), None
    return name.strip(), (version.strip() or None)
