"""The schema catalogue of schema.data.gouv.fr: list schemas, resolve ``name[@version]``, load documents.

The catalogue is the JSON file ``{base}/schemas/schemas.json``: one entry per schema (``name`` such as
``scdl/subventions``, ``title``, ``schema_type`` tableschema | jsonschema | datapackage | other, ``labels``,
``examples``) with its ``versions`` in release order, each with the ``schema_url`` of its document.

* The base is configurable: the real site, a mirror served over HTTP, or a local folder (``file://`` URL or path)
  laid out either like the site (``schemas/{owner}/{name}/{version}/...``) or as ``{owner}__{name}/{version}/...``
  with the catalogue in ``_catalog/schemas.json``. ``schema_url`` values, which always name
  ``https://schema.data.gouv.fr``, are rewritten relative to the configured base.
* Over HTTP everything goes through :class:`auditor.crawling.http.HttpClient`: cached on disk with conditional requests
  (the client's cache, or ``cache_dir`` given to the catalogue); when the network fails and a cached copy exists,
  the copy is used and :attr:`SchemaCatalog.notes` says so; failing that, the dated snapshot shipped with the
  package (:mod:`auditor.tabular.snapshot`, given as ``snapshot``), with a note naming its date. Once the site
  could not be reached, the network is not tried again for a minute (an offline check does not wait on every
  document).
* References as people write them (names, schema.data.gouv.fr and repository addresses, local files) are
  resolved by :meth:`SchemaCatalog.resolve_reference` (see :mod:`auditor.tabular.references`).
* The catalogue's release name is trusted, never the ``version`` written inside a schema (often stale): a
  disagreement is reported as a note on the resolved schema.
* A local folder may hold versions the catalogue no longer lists (older releases, drafts): they are added as
  *unlisted* versions, reachable by an explicit pin, never chosen as "latest".
"""
from __future__ import annotations

import difflib
import json
import os
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import yaml

from ..crawling.http import ERROR_CODES, FetchError, HttpClient
from ..normalize.text import fold
from .references import Reference, is_version, parse_reference, pick_entry, repo_key
from .snapshot import Snapshot

SITE = "https://schema.data.gouv.fr"
SCHEMA_TYPES = ("tableschema", "jsonschema", "datapackage", "other")
CATALOG_MAX_AGE = 3600.0  # seconds a cached catalogue is used without asking the server
DOCUMENT_MAX_AGE = 7 * 24 * 3600.0  # a released schema document does not change
UNREACHABLE_PAUSE = 60.0  # seconds the network is not tried again once the site could not be reached
_NETWORK_CODES = ("dns-error", "connection-error", "timeout", "tls-error", "deadline", "server-error")  # site down
_DATA_SUFFIXES = (".csv", ".xlsx", ".xls", ".json", ".geojson", ".xml", ".ods", ".tsv", ".txt")


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


# -- local folders ------------------------------------------------------------------------------

def local_path_for(root: str | os.PathLike[str], site_path: str) -> Path | None:
    """The file of a local schema folder that serves the site path ``/schemas/{owner}/{name}/{version}/{file}``
    (or ``/schemas/schemas.json``). Both layouts are understood. When the file itself is absent, a file of
    the same base name in the version folder, then its ``schema.json``, stand in for it (the folders keep the
    repository's names: IRVE's ``schema-statique.json`` is stored as ``schema.json``). None when nothing fits."""
    root = Path(root)
    parts = [unquote(p) for p in site_path.strip("/").split("/") if p]
    if parts and parts[0] == "schemas":
        parts = parts[1:]
    if parts == ["schemas.json"]:
        for cand in (root / "_catalog" / "schemas.json", root / "schemas" / "schemas.json", root / "schemas.json"):
            if cand.is_file():
                return cand
        return None
    if len(parts) < 4 or ".." in parts:
        return None
    owner, name, version, rest = parts[0], parts[1], parts[2], parts[3:]
    for folder in (root / f"{owner}__{name}" / version, root / "schemas" / owner / name / version):
        if not folder.is_dir():
            continue
        for cand in (folder.joinpath(*rest), folder / rest[-1], _folded_sibling(folder, rest[-1]),
                     folder / "schema.json" if rest[-1].startswith("schema") else None):
            if cand is not None and cand.is_file():
                return cand
    return None


def _folded_sibling(folder: Path, filename: str) -> Path | None:
    """``marchés.json`` asked, ``marches.json`` stored (accents dropped by the copy)."""
    want = fold(filename)
    for p in folder.iterdir():
        if p.is_file() and fold(p.name) == want:
            return p
    return None


def _schema_file_in(folder: Path, hint: str | None) -> Path | None:
    """The schema document of an unlisted version folder."""
    names = [hint] if hint else []
    names += ["schema.json", "datapackage.json", "schema.yml", "schema.yaml"]
    for n in names:
        if n and (folder / n).is_file():
            return folder / n
    cands = sorted(p for p in folder.glob("*.json") if not fold(p.stem).startswith(("exemple", "example")))
    return cands[0] if len(cands) == 1 else None


def _infer_type(doc: Any) -> str:
    if isinstance(doc, dict):
        if isinstance(doc.get("fields"), list):
            return "tableschema"
        if isinstance(doc.get("resources"), list) and "$schema" not in doc:
            return "datapackage"
        if "$schema" in doc or "properties" in doc or "definitions" in doc:
            return "jsonschema"
    return "other"


def load_document(body: bytes, url: str = "") -> Any:
    """JSON, or YAML for ``.yml``/``.yaml`` documents (and JSON that does not parse as such)."""
    text = body.decode("utf-8-sig", errors="replace")
    is_yaml = url.lower().endswith((".yml", ".yaml"))
    if not is_yaml:
        try:
            return json.loads(text)
        except ValueError:
            pass
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CatalogError(f"document de schéma illisible ({url}) : {exc}") from None
    if not isinstance(doc, (dict, list)):  # an HTML error page or plain text parses as a YAML string
        raise CatalogError(f"document de schéma illisible ({url}) : ni JSON ni YAML structuré")
    return doc


# -- the catalogue ------------------------------------------------------------------------------

class SchemaCatalog:
    """The catalogue of schema.data.gouv.fr (or of a mirror / local folder)."""

    def __init__(self, base_url: str = SITE, http: HttpClient | None = None,
                 cache_dir: str | os.PathLike[str] | None = None, *,
                 max_age: float = CATALOG_MAX_AGE, discover_local: bool = True, snapshot: Snapshot | None = None):
        base = str(base_url).rstrip("/")
        self.root: Path | None = None
        if base.startswith("file://"):
            self.root = Path(unquote(urlsplit(base).path))
        elif "://" not in base:
            self.root = Path(base)
        self.base_url = base
        self.http = http if http is not None or self.root is not None else HttpClient()
        if cache_dir and self.root is None:  # the same client, caching in ``cache_dir``
            self.http = HttpClient(replace(self.http.config, cache_dir=str(cache_dir)), self.http.on_event)
        self.max_age = max_age
        self.discover_local = discover_local
        self.notes: list[str] = []  # user-facing remarks (offline copy used...)
        self.unindexed: list[str] = []  # name@version the guessing index could not read
        self.offline = False
        self.snapshot = snapshot if self.root is None else None  # the fallback of last resort, HTTP only
        self.snapshot_used = False
        self._unreachable: tuple[float, str] | None = None  # (when, why) the site last could not be reached
        self._schemas: dict[str, SchemaInfo] | None = None
        self._body: bytes | None = None  # the list as last read
        self._loaded_at = 0.0
        self.generation = 0  # bumped when the list changes (derived indexes rebuild)
        self._documents: dict[str, Any] = {}
        self._fields: dict[str, TableFields | None] = {}
        self._lock = threading.Lock()

    # -- fetching ---------------------------------------------------------------------------
    @property
    def catalog_url(self) -> str:
        if self.root is not None:  # made absolute first: a relative folder has no file URI
            found = local_path_for(self.root, "/schemas/schemas.json")
            return (found or self.root / "_catalog" / "schemas.json").resolve().as_uri()
        return f"{self.base_url}/schemas/schemas.json"

    def rewrite(self, url: str) -> str:
        """A ``https://schema.data.gouv.fr/...`` URL moved onto the configured base."""
        if url.startswith(SITE + "/") and self.base_url != SITE and self.root is None:
            return self.base_url + url[len(SITE):]
        return url  # a local folder maps site URLs onto its files when reading

    def _read(self, url: str, max_age: float) -> bytes:
        """Body of ``url``: a local file, or through the HTTP client with cache and offline fallback."""
        if self.root is not None or url.startswith("file://"):
            path = self._local_file(url)
            if path is None:
                raise CatalogUnavailable(f"fichier introuvable dans le dossier de schémas : {url}")
            return path.read_bytes()
        down = self._unreachable
        if down is not None and time.monotonic() - down[0] < UNREACHABLE_PAUSE:
            return self._fallback(url, url, down[1], max_age)
        try:
            return self.http.get(url, max_age=max_age).content
        except FetchError as exc:
            why = _why(exc)
            if exc.code in _NETWORK_CODES:
                self._unreachable = (time.monotonic(), why)
            return self._fallback(url, exc.url or url, why, max_age)

    def _fallback(self, url: str, sent: str, why: str, max_age: float) -> bytes:
        """``url`` when the network failed: the cached copy (silently when fresh enough not to ask the site),
        else the shipped snapshot's, else :class:`CatalogUnavailable`."""
        cache = self.http.cache  # keyed by the URL as sent (``marchés.json`` percent-encoded)
        entry = None
        for key in dict.fromkeys((sent, _as_sent(url), url)) if cache is not None else ():
            entry = cache.get("GET", key)
            if entry is not None:
                break
        if entry is not None and 200 <= entry.status < 300:
            if time.time() - entry.stored_at <= max_age:
                return entry.body
            when = datetime.fromtimestamp(entry.stored_at, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
            self._note(f"téléchargement impossible ({why}) : copie en cache du {when} utilisée pour {url}")
            self.offline = True
            return entry.body
        body = self._from_snapshot(url)
        if body is not None:
            self._note(f"hors ligne, {self.host} injoignable ({why}) : schémas lus dans l'instantané du catalogue "
                       f"livré avec auditor, daté du {self.snapshot.date_fr} (les versions publiées depuis n'y sont "
                       "pas)")
            self.offline = self.snapshot_used = True
            return body
        kept = " ni instantané du catalogue livré avec auditor" if self.snapshot is None else \
            f" ; l'instantané du catalogue livré avec auditor (du {self.snapshot.date_fr}) ne l'a pas"
        raise CatalogUnavailable(f"impossible de télécharger {url} ({why}) et aucune copie en cache{kept}")

    def _from_snapshot(self, url: str) -> bytes | None:
        if self.snapshot is None or not url.startswith(self.base_url + "/"):
            return None
        return self.snapshot.read(urlsplit(url[len(self.base_url):]).path)

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).netloc or self.base_url

    def _local_file(self, url: str) -> Path | None:
        if url.startswith("file://"):
            p = Path(unquote(urlsplit(url).path))
            return p if p.is_file() else None
        if url.startswith(SITE + "/") and self.root is not None:
            return local_path_for(self.root, urlsplit(url).path)
        p = Path(url)
        return p if p.is_file() else None

    def _note(self, text: str) -> None:
        with self._lock:
            if text not in self.notes:
                self.notes.append(text)

    # -- listing ----------------------------------------------------------------------------
    def _load(self) -> dict[str, SchemaInfo]:
        """The schema list; over HTTP it is asked again (a conditional request) once ``max_age`` has passed, so
        that a long-running service sees new releases. A changed list bumps ``generation``."""
        if self._schemas is not None and (self.root is not None or time.monotonic() - self._loaded_at < self.max_age):
            return self._schemas
        if self.root is not None:
            path = local_path_for(self.root, "/schemas/schemas.json")
            if path is None:
                raise CatalogUnavailable(f"aucun catalogue (schemas.json) dans le dossier {self.root}")
            body = path.read_bytes()
        else:
            body = self._read(self.catalog_url, self.max_age)
        try:
            raw = json.loads(body.decode("utf-8-sig"))
        except ValueError as exc:
            raise CatalogError(f"catalogue de schémas illisible ({self.catalog_url}) : {exc}") from None
        entries = raw.get("schemas") if isinstance(raw, dict) else raw
        if not isinstance(entries, list):
            raise CatalogError(f"catalogue de schémas illisible ({self.catalog_url}) : pas de liste « schemas »")
        schemas: dict[str, SchemaInfo] = {}
        for entry in entries:
            info = self._info(entry)
            if info is not None:
                schemas[info.name] = info
        if self.root is not None and self.discover_local:
            self._discover(schemas)
        self._loaded_at = time.monotonic()
        if body != self._body:
            self._body, self._schemas, self._fields = body, schemas, {}
            self.generation += 1
        return self._schemas

    def _info(self, entry: Any) -> SchemaInfo | None:
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            return None
        versions = []
        for v in entry.get("versions") or []:
            if isinstance(v, dict) and v.get("version_name") and v.get("schema_url"):
                name = str(v["version_name"])
                versions.append(SchemaVersion(name, self.rewrite(str(v["schema_url"])),
                                              prerelease=is_prerelease(name)))
        versions.sort(key=lambda v: version_key(v.name))
        stype = entry.get("schema_type") if entry.get("schema_type") in SCHEMA_TYPES else "other"
        return SchemaInfo(
            name=entry["name"], title=str(entry.get("title") or entry["name"]), type=stype, versions=versions,
            description=str(entry.get("description") or ""), labels=list(entry.get("labels") or []),
            examples=[e for e in entry.get("examples") or [] if isinstance(e, dict)],
            homepage=entry.get("homepage"),
        )

    def _discover(self, schemas: dict[str, SchemaInfo]) -> None:
        """Add the versions (and schemas) of a local folder that the catalogue does not list."""
        for folder in sorted(self.root.glob("*__*")):
            if not folder.is_dir():
                continue
            owner, _, short = folder.name.partition("__")
            name = f"{owner}/{short}"
            info = schemas.get(name)
            hint = Path(urlsplit(info.versions[-1].url).path).name if info and info.versions else None
            found = []
            for vdir in sorted(p for p in folder.iterdir() if p.is_dir()):
                if info is not None and info.version(vdir.name) is not None:
                    continue
                doc_path = _schema_file_in(vdir, hint)
                if doc_path is not None:
                    url = doc_path.resolve().as_uri()
                    found.append(SchemaVersion(vdir.name, url, listed=False, prerelease=is_prerelease(vdir.name),
                                               type=_infer_type(_quiet_document(self, url))))
            if not found:
                continue
            if info is None:
                doc = _quiet_document(self, found[-1].url)
                title = doc.get("title") if isinstance(doc, dict) else None
                info = schemas[name] = SchemaInfo(name=name, title=str(title or name), type=found[-1].type,
                                                  versions=[], listed=False)
            info.versions = sorted(info.versions + found, key=lambda v: version_key(v.name))

    def schemas(self) -> list[SchemaInfo]:
        """Every schema of the catalogue (and of the local folder), sorted by name."""
        return sorted(self._load().values(), key=lambda s: s.name.lower())

    def names(self) -> list[str]:
        return [s.name for s in self.schemas()]

    def get(self, name: str) -> SchemaInfo:
        """The entry for ``name`` (case-insensitive; ``subventions`` alone when unambiguous)."""
        schemas = self._load()
        if name in schemas:
            return schemas[name]
        lower = {n.lower(): n for n in schemas}
        if name.lower() in lower:
            return schemas[lower[name.lower()]]
        tails = [n for n in schemas if n.lower().rsplit("/", 1)[-1] == name.lower()]
        if len(tails) == 1 and "/" not in name:
            return schemas[tails[0]]
        suggestions = _close(name, list(schemas), tails)
        hint = f" Schémas proches : {', '.join(suggestions)}." if suggestions else ""
        raise SchemaNotFound(f"Schéma « {name} » inconnu du catalogue {self.base_url}.{hint}", suggestions)

    def version_of(self, info: SchemaInfo, version: str | None) -> SchemaVersion:
        """The version named ``version`` (``v`` prefix and missing ``.0`` tolerated); None → latest."""
        if not info.versions:
            raise SchemaNotFound(f"Le schéma « {info.name} » n'a aucune version publiée.", [])
        if version is None or version == "latest":
            return info.version(info.latest)
        exact = info.version(version)
        if exact is not None:
            return exact
        same = [v for v in info.versions if same_version(v.name, version)]
        if same:
            return same[-1]
        names = [v.name for v in info.versions]
        suggestions = difflib.get_close_matches(version, names, n=3, cutoff=0.6)
        published = ", ".join(v.name for v in info.versions if v.listed)
        hint = f" Versions proches : {', '.join(suggestions)}." if suggestions else ""
        raise SchemaNotFound(
            f"Version « {version} » inconnue pour le schéma « {info.name} ». "
            f"Versions publiées : {published or 'aucune'}.{hint}", suggestions)

    # -- documents --------------------------------------------------------------------------
    def _document(self, url: str) -> Any:
        with self._lock:
            if url in self._documents:
                return self._documents[url]
        doc = load_document(self._read(url, DOCUMENT_MAX_AGE), url)
        with self._lock:
            self._documents[url] = doc
        return doc

    def resolve(self, ref: str, version: str | None = None) -> ResolvedSchema:
        """``resolve("scdl/subventions@2.1.1")`` or ``resolve("scdl/subventions")`` (latest release)."""
        name, pinned = parse_ref(ref)
        info = self.get(name)
        ver = self.version_of(info, version or pinned)
        doc = self._document(ver.url)
        notes = []
        if info.name != name:
            notes.append(f"« {name} » compris comme « {info.name} »")
        declared = doc.get("version") if isinstance(doc, dict) else None
        if declared is not None and not same_version(str(declared), ver.name):
            notes.append(f"le document du schéma se déclare en version « {declared} » alors que le catalogue "
                         f"le publie comme la version « {ver.name} » : la version du catalogue fait foi")
        if not ver.listed:
            notes.append(f"version « {ver.name} » absente du catalogue (copie locale)")
        stype = ver.type or info.type
        out = ResolvedSchema(
            name=info.name, version=ver.name, type=stype, url=ver.url, document=doc, title=info.title,
            is_latest=ver.name == info.latest, listed=ver.listed,
            declared_version=None if declared is None else str(declared), notes=notes,
        )
        if stype == "datapackage" and isinstance(doc, dict):
            out.resources = self._resources(info, ver, doc)
        return out

    def resolve_reference(self, text: str, base_dir: str | os.PathLike[str] | None = None, *,
                          local: bool = True) -> ResolvedSchema:
        """The schema a reference names, in any form people write (see :mod:`auditor.tabular.references`): a
        name (``scdl/subventions@2.1.1``), a schema.data.gouv.fr or mirror address, the address of a file of the
        schema's repository at a release tag, all resolved to the catalogue's entry (from the live site, its
        cached copy or the shipped snapshot alike); a local file, relative to ``base_dir`` (the folder of the
        description naming it; the current folder when None). ``local=False`` (the web service's visitors)
        refuses local files and addresses outside the catalogue. Raises :class:`SchemaNotFound` for what the
        catalogue does not know, :class:`CatalogUnavailable` when it cannot be read, :class:`CatalogError`
        for an unreadable local file."""
        ref = parse_reference(text, base_dir, site=self.base_url if self.root is None else SITE)
        if ref.kind == "catalog":
            return self.resolve(ref.name or "", ref.version)
        if ref.kind == "site":
            return self._site_member(ref, self.resolve(ref.name or "", ref.version))
        if ref.kind == "repository":
            found = self._from_repository(ref)
            if found is not None:
                return found
        if not local:
            raise SchemaNotFound(f"« {text} » ne désigne aucun schéma du catalogue {self.base_url} : donnez son "
                                 "nom et sa version (ex. scdl/subventions@2.1.1).", [])
        if ref.kind == "path":
            return _local_schema(ref.path)
        return self._remote_schema(ref.text)

    def _site_member(self, ref: Reference, resolved: ResolvedSchema) -> ResolvedSchema:
        """A schema.data.gouv.fr address naming another file than the version's document: a table of a data
        package published as its own entry (IRVE's ``schema-statique.json``), else that file itself."""
        filename = ref.file.rsplit("/", 1)[-1] if ref.file else None
        if not filename or filename == Path(urlsplit(resolved.url).path).name:
            return resolved
        owner = resolved.name.split("/", 1)[0]
        member = self._package_member(owner, Path(filename).stem, filename, resolved.version)
        if member is not None:
            return self.resolve(member.name, resolved.version)
        doc = self.sibling(resolved, filename)
        if doc is None:
            raise SchemaNotFound(f"« {filename} » n'est pas un document publié du schéma {resolved.ref}.", [])
        return replace(resolved, type=_infer_type(doc), url=urljoin(resolved.url, filename), document=doc,
                       resources=[])

    def _from_repository(self, ref: Reference) -> ResolvedSchema | None:
        """The catalogue entry published from the repository an address names, at its tag (the latest release
        for a branch or the repository page); None when the catalogue lists no such repository."""
        candidates = [(i.name, frozenset(Path(urlsplit(v.url).path).name for v in i.versions))
                      for i in self.schemas() if repo_key(i.homepage) == ref.repo]
        name = pick_entry(ref, candidates)
        if name is None and ref.name and ref.name.lower() in {n.lower() for n in self.names()}:
            name = ref.name  # an address built on the catalogue's name (owner/name) rather than the repository's
        if name is None:
            return None
        resolved = self.resolve(name, ref.version)
        if ref.ref and not is_version(ref.ref):
            resolved.notes.append(f"« {ref.ref} » n'est pas une version publiée : la dernière version publiée, "
                                  f"{resolved.version}, est utilisée")
        return resolved

    def _remote_schema(self, url: str) -> ResolvedSchema:
        """A schema document at an address outside the catalogue, fetched (and cached) like the catalogue's."""
        doc = self._document(url)
        name = Path(urlsplit(url).path).name or url
        return _outside_schema(doc, name, url)

    def sibling(self, resolved: ResolvedSchema, filename: str) -> Any | None:
        """Another document of the same version folder (``marches.json`` beside ``paquet.json``), or None."""
        url = urljoin(resolved.url, filename)
        try:
            return self._document(url)
        except CatalogError:
            return None

    def _resources(self, info: SchemaInfo, ver: SchemaVersion, doc: dict[str, Any]) -> list[PackageResource]:
        out = []
        owner = info.name.split("/", 1)[0]
        for res in doc.get("resources") or []:
            if not isinstance(res, dict):
                continue
            rname = str(res.get("name") or "")
            schema = res.get("schema")
            pr = PackageResource(name=rname, title=res.get("title"),
                                 schema_ref=schema if isinstance(schema, str) else None)
            if isinstance(schema, dict):
                pr.document = schema
            elif isinstance(schema, str):
                entry = self._package_member(owner, rname, schema, ver.name)
                if entry is not None:
                    pr.schema_name, pr.schema_version, pr.schema_url = entry.name, ver.name, entry.version(ver.name).url
                else:
                    pr.schema_url = urljoin(ver.url, schema)
                try:
                    pr.document = self._document(pr.schema_url)
                except CatalogError as exc:
                    pr.note = exc.message
            out.append(pr)
        return out

    def _package_member(self, owner: str, resource: str, path: str, version: str) -> SchemaInfo | None:
        """The catalogue's table schema entry that a data package resource points to: same owner and
        version, and the same document name or an entry named after the resource."""
        base = Path(path).name
        for info in self._load().values():
            v = info.version(version)
            if info.type != "tableschema" or v is None or not info.name.startswith(owner + "/"):
                continue
            short = info.name.split("/", 1)[1]
            if Path(urlsplit(v.url).path).name == base or short in (resource, f"schema-{resource}"):
                return info
        return None

    def resources(self, ref: str, version: str | None = None) -> list[PackageResource]:
        """The tables of a data package schema (empty for other types)."""
        return self.resolve(ref, version).resources

    def examples(self, ref: str, version: str | None = None) -> list[dict[str, Any]]:
        """Example files of a schema version: the catalogue's (which name the latest release), and for a local
        folder the data files stored beside the schema document. Each: ``title``, ``url``, ``source``."""
        name, pinned = parse_ref(ref)
        info = self.get(name)
        ver = self.version_of(info, version or pinned)
        out = []
        if ver.name == info.latest:
            for ex in info.examples:
                url = ex.get("path") or ex.get("url")
                if url:
                    out.append({"title": ex.get("title") or ex.get("name") or url, "url": url,
                                "source": "catalogue"})
        local = self._local_file(ver.url) if (self.root is not None or ver.url.startswith("file://")) else None
        if local is not None:
            schema_names = {local.name, "schemas.yml", "datapackage.json"}
            for p in sorted(local.parent.rglob("*")):
                if p.is_file() and p.suffix.lower() in _DATA_SUFFIXES and p.name not in schema_names \
                        and not _looks_like_schema(p):
                    out.append({"title": str(p.relative_to(local.parent)), "url": p.resolve().as_uri(),
                                "path": str(p), "source": "local"})
        return out

    # -- field lists for schema guessing -----------------------------------------------------
    def table_fields(self, name: str, version: str) -> TableFields | None:
        """Field names and required fields of one table schema version (cached); None if unusable."""
        info = self.get(name)
        ver = self.version_of(info, version)
        key = ver.url
        if key in self._fields:
            return self._fields[key]
        doc = self._document(ver.url)
        tf = None
        if isinstance(doc, dict) and isinstance(doc.get("fields"), list):
            names, required = [], set()
            for f in doc["fields"]:
                if isinstance(f, dict) and isinstance(f.get("name"), str):
                    names.append(f["name"])
                    if isinstance(f.get("constraints"), dict) and f["constraints"].get("required") is True:
                        required.add(f["name"])
            if names:
                rank = [v.name for v in info.versions].index(ver.name)
                tf = TableFields(info.name, ver.name, tuple(names), frozenset(required), listed=ver.listed,
                                 prerelease=ver.prerelease, rank=rank)
        self._fields[key] = tf
        return tf

    def field_index(self, *, include_unlisted: bool = True, workers: int = 8) -> list[TableFields]:
        """Field lists of every table schema version of the catalogue (fetched in parallel once)."""
        todo = [(info.name, v.name) for info in self.schemas() for v in info.versions
                if (v.type or info.type) == "tableschema" and (include_unlisted or v.listed)]
        missing: list[str] = []

        def one(nv: tuple[str, str]) -> TableFields | None:
            try:
                return self.table_fields(*nv)
            except CatalogError:
                missing.append("@".join(nv))
                return None

        if self.root is None and len(todo) > 1:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                results = list(pool.map(one, todo))
        else:
            results = [one(nv) for nv in todo]
        self.unindexed = sorted(missing)
        return [r for r in results if r is not None]

    def unindexed_note(self) -> str | None:
        """Why a guess may have missed: the schema versions the guessing index could not read (said only where a
        guess found nothing, never on every result)."""
        if not self.unindexed:
            return None
        if self.snapshot_used:
            return (f"{len(self.unindexed)} version(s) de schéma absente(s) de l'instantané n'ont pas pu être "
                    "comparées à ces colonnes")
        return (f"{len(self.unindexed)} version(s) de schéma indisponible(s) n'ont pas pu être comparées à ces "
                "colonnes : " + ", ".join(self.unindexed[:10]) + (" ..." if len(self.unindexed) > 10 else ""))


def _as_sent(url: str) -> str:
    """``url`` as the HTTP client sends it (and keys its cache): percent-encoded."""
    import requests

    try:
        return requests.Request("GET", url).prepare().url or url
    except (requests.RequestException, ValueError):
        return url


def _why(exc: FetchError) -> str:
    """Why a download failed, in French and without the transport's internals."""
    if exc.status:
        return f"HTTP {exc.status}"
    return ERROR_CODES.get(exc.code, exc.code)


def _local_schema(path: Path | None) -> ResolvedSchema:
    """A schema document in a local file (JSON or YAML)."""
    if path is None or not path.is_file():
        raise CatalogError(f"fichier de schéma introuvable : {path}")
    try:
        body = path.read_bytes()
    except OSError as exc:
        raise CatalogError(f"fichier de schéma illisible : {path} ({exc.strerror or exc})") from None
    doc = load_document(body, path.name)
    return _outside_schema(doc, path.name, path.resolve().as_uri())


def _outside_schema(doc: Any, fallback_name: str, url: str) -> ResolvedSchema:
    info = doc if isinstance(doc, dict) else {}
    return ResolvedSchema(name=str(info.get("name") or fallback_name), version=str(info.get("version") or ""),
                          type=_infer_type(doc), url=url, document=doc, title=str(info.get("title") or ""))


def _looks_like_schema(path: Path) -> bool:
    if path.suffix.lower() != ".json" or fold(path.stem).startswith(("exemple", "example")) \
            or "exemple" in fold(str(path.parent.name)):
        return False
    return path.stat().st_size < 5_000_000 and _infer_type(_quiet_json(path)) != "other"


def _quiet_document(catalog: SchemaCatalog, url: str) -> Any:
    try:
        return catalog._document(url)
    except CatalogError:
        return None


def _quiet_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except (ValueError, OSError):
        return None


def _close(query: str, names: list[str], extra: list[str]) -> list[str]:
    q = query.lower()
    out = list(extra)
    out += [n for n in names if q and q in n.lower() and n not in out]
    by_lower = {n.lower(): n for n in names}
    out += [by_lower[m] for m in difflib.get_close_matches(q, list(by_lower), n=5, cutoff=0.5)
            if by_lower[m] not in out]
    tails = {n.lower().rsplit("/", 1)[-1]: n for n in names}
    out += [tails[m] for m in difflib.get_close_matches(q.rsplit("/", 1)[-1], list(tails), n=3, cutoff=0.6)
            if tails[m] not in out]
    return out[:5]
