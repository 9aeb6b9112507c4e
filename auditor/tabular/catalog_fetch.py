"""Fetching for the schema catalogue: documents read from a local schema folder (either layout, see
`local_path_for`) or over HTTP through :class:`auditor.crawling.http.HttpClient`, cached on disk with conditional
requests; when the network fails, the cached copy, then the dated snapshot shipped with the package
(:mod:`auditor.tabular.snapshot_file`), each said in :attr:`CatalogFetcher.notes`. Once the site could not be
reached, the network is not tried again for a minute (an offline check does not wait on every document)."""
from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import yaml

from ..crawling.http import FetchError, HttpClient, failure
from ..normalize.text import fold
from .catalog_model import SITE, CatalogError, CatalogUnavailable, SchemaInfo, TableFields
from .snapshot_file import Snapshot

CATALOG_MAX_AGE = 3600.0  # seconds a cached catalogue is used without asking the server
DOCUMENT_MAX_AGE = 7 * 24 * 3600.0  # a released schema document does not change
UNREACHABLE_PAUSE = 60.0  # seconds the network is not tried again once the site could not be reached
_NETWORK_CODES = ("dns-error", "connection-error", "timeout", "tls-error", "deadline", "server-error")  # site down


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


class CatalogFetcher:
    """How the catalogue (`auditor.tabular.catalog.SchemaCatalog`, built on this) reads its documents: a local
    folder, or HTTP with cache, offline fallback on the cached copy then on the shipped snapshot, and notes."""

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

    # -- documents --------------------------------------------------------------------------
    def _document(self, url: str) -> Any:
        with self._lock:
            if url in self._documents:
                return self._documents[url]
        doc = load_document(self._read(url, DOCUMENT_MAX_AGE), url)
        with self._lock:
            self._documents[url] = doc
        return doc


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
    return failure(exc.code)
