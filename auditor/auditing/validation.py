"""The audit's file stage: the published files that declare a schema, or belong to a dataset that looks
like an SCDL one, are downloaded (size-limited, cached between audits) and validated in full against their
schema; the validation reports become ``FileTarget`` s for the FILE-* rules (grouped by code and column).

Which files: distributions in CSV, XLSX, XLS, ODS or JSON of every record (copies included, each URL once), that
declare a schema (``schema_name``), or — when ``guess`` is on — whose dataset is classified as an SCDL kind
(:mod:`auditor.crawling.classify`): their schema is then guessed from the header and used only when the guess is
« certain » or « probable ». A declared version the catalogue does not know is replaced by the latest one
(rule SCDL-02 reports the declaration itself). The exports a portal writes from a dataset's records
(``Distribution.generated_by``, e.g. Opendatasoft's) render one table: it is validated through the CSV
export alone, whose header carries the producer's column names (the fields' labels), not through the JSON
one, keyed by the portal's own field identifiers, whoever lists it with a schema.

Downloads: one cache file per URL under ``<cache>/files/``; reused without a request for ``max_age``
seconds, then revalidated with ``If-None-Match`` / ``If-Modified-Since``; answers 429 and 5xx, timeouts and
broken connections are asked again within the audit's retry budget; a body over ``max_mb`` is cut and
reported (FILE-01), never read further. A file that still cannot be downloaded is left to the availability
rule (AVL-01), counted in the stage's statistics, and its findings of an earlier audit are « unverified »,
never « fixed ».

Time: each download must come whole within ``[http] total_timeout``, counted on the bytes actually received
(the transport, :class:`auditor.crawling.netsafe.GuardedAdapter`, cuts a server that trickles its bytes at the
deadline; such a cut is not retried), connect and read timeouts within ``[http] timeout``; and the stage as a
whole obeys the audit's deadline (``validate_files(deadline=...)``): a download in flight is cut at it, and
the files not downloaded or validated by then are recorded « non évalué » with that reason.
"""
from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from urllib.parse import urlsplit

import requests

from ..crawling.catalogue import Catalogue
from .checks.fichier_conforme import FileTarget
from ..config import ValidationConfig
from ..crawling.http import HttpClient, HttpConfig
from ..crawling.netsafe import Budget, guarded_session
from ..model import Dataset, Distribution
from ..tabular.report import TableError, TableReport

TABULAR = ("csv", "xlsx", "xls", "ods", "json")
CHUNK = 1 << 16


@dataclass
class Candidate:
    url: str
    dataset: Dataset
    distribution: Distribution
    schema: str | None  # "name@version", or None: guess


@dataclass
class StageStats:
    candidates: int = 0
    validated: int = 0
    valid: int = 0
    downloaded: int = 0
    reused: int = 0
    not_modified: int = 0
    failed: list[dict[str, str]] = field(default_factory=list)  # url, error: not downloaded
    unvalidated: list[dict[str, str]] = field(default_factory=list)  # url, error: schema unknown or unreachable
    rows: int = 0
    seconds: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def count(self, name: str, n: int = 1) -> None:
        """Add ``n`` to a counter (the stage's workers share the statistics)."""
        with self._lock:
            setattr(self, name, getattr(self, name) + n)

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}


def candidates(catalogue: Catalogue, guess: bool = True) -> list[Candidate]:
    from ..crawling.classify import KIND_SCHEMAS, kinds_of

    scdl_kinds = set(KIND_SCHEMAS) - {"marches"}
    decp_name = KIND_SCHEMAS["marches"]
    seen: set[str] = set()
    out: list[Candidate] = []
    records = sorted(catalogue.datasets, key=lambda d: d.copy_of is not None)  # primaries first
    renderings = {x.url for d in records for x in d.distributions
                  if x.generated_by and (x.format or "").lower() != "csv"}  # validated through the CSV export
    for d in records:
        kinds = kinds_of(d) if guess else set()
        looks_scdl, looks_decp = bool(kinds & scdl_kinds), "marches" in kinds
        for dist in d.distributions:
            if not dist.url or dist.url in seen or dist.url in renderings or (dist.format or "").lower() not in TABULAR:
                continue
            if dist.kind not in (None, "file"):
                continue
            fmt = (dist.format or "").lower()
            if dist.schema_name == decp_name and fmt != "json":
                continue  # the DECP format is JSON; a CSV export of it has no table schema to follow
            if dist.schema_name:
                ref = dist.schema_name + (f"@{dist.schema_version}" if dist.schema_version else "")
            elif (looks_scdl and fmt in ("csv", "xlsx", "xls", "ods")) or (looks_decp and fmt == "json"):
                ref = None  # guessed from the header, or detected as DECP from the document
            else:
                continue
            seen.add(dist.url)
            out.append(Candidate(dist.url, d, dist, ref))
    return out


class FileCache:
    """Downloaded files, one per URL, revalidated after ``max_age`` seconds."""

    def __init__(self, directory: Path, max_age: float, max_bytes: int, http: HttpConfig | None = None,
                 deadline: float | None = None):
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.max_age, self.max_bytes = max_age, max_bytes
        self.http = http or HttpConfig()
        self.deadline = deadline  # time.monotonic() past which nothing is downloaded (the audit's deadline)
        self._hosts: dict[str, threading.BoundedSemaphore] = {}
        self._hosts_lock = threading.Lock()
        self._local = threading.local()

    def _session(self) -> requests.Session:
        s = getattr(self._local, "session", None)
        if s is None:
            s = self._local.session = guarded_session(pool_maxsize=max(4, self.http.per_host))
        return s

    def _left(self) -> float:
        return float("inf") if self.deadline is None else self.deadline - time.monotonic()

    def _slots(self, url: str) -> threading.BoundedSemaphore:
        """The host's concurrency limit (``[http] per_host``), shared by the stage's workers."""
        host = urlsplit(url).netloc
        with self._hosts_lock:
            return self._hosts.setdefault(host, threading.BoundedSemaphore(max(1, self.http.per_host)))

    def fetch(self, url: str, stats: StageStats) -> tuple[Path | None, TableReport | None]:
        """(path of the file, None) or (None, report of a file too large); raises OSError/requests errors
        once the audit's retry budget (``[http] retries``, backoff, Retry-After up to ``max_retry_wait``)
        is spent on answers 429 and 5xx, timeouts and broken connections; a download cut by ``total_timeout``
        or by the audit's deadline (:class:`Cut`) is not asked again."""
        for attempt in range(self.http.retries + 1):
            try:
                slots = self._slots(url)
                if not (slots.acquire() if self.deadline is None else slots.acquire(timeout=max(0.0, self._left()))):
                    raise Cut(AUDIT_DEADLINE)
                try:
                    return self._fetch(url, stats)
                finally:
                    slots.release()
            except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError,
                    _Retry) as exc:
                if attempt >= self.http.retries:
                    raise requests.RequestException(str(exc)) from None
                wait = getattr(exc, "wait", None)
                if wait is None:
                    wait = min(self.http.backoff_max, self.http.backoff * 2 ** attempt)
                wait = min(wait, self.http.max_retry_wait)
                if wait >= self._left():
                    raise Cut(f"{exc} ; {AUDIT_DEADLINE}") from None
                time.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def _fetch(self, url: str, stats: StageStats) -> tuple[Path | None, TableReport | None]:
        key = hashlib.sha1(url.encode("utf-8")).hexdigest()
        body, meta_path = self.dir / key, self.dir / f"{key}.json"
        meta = _read_json(meta_path)
        if body.exists() and meta and time.time() - meta.get("fetched", 0) < self.max_age:
            stats.count("reused")
            return body, None
        headers = {"User-Agent": self.http.user_agent}
        if body.exists() and meta:
            if meta.get("etag"):
                headers["If-None-Match"] = meta["etag"]
            if meta.get("last_modified"):
                headers["If-Modified-Since"] = meta["last_modified"]
        if self._left() <= 0:
            raise Cut(AUDIT_DEADLINE)
        budget = Budget(self.http.total_timeout, deadline=self.deadline)
        with budget:
            try:
                return self._download(url, stats, headers, budget, key, body, meta_path, meta)
            except requests.RequestException as exc:
                if budget.expired and not isinstance(exc, Cut):
                    raise self._cut(budget) from None
                raise

    def _cut(self, budget: Budget) -> "Cut":
        if self._left() <= 0:
            return Cut(AUDIT_DEADLINE)
        return Cut(f"téléchargement de plus de {self.http.total_timeout:.0f} s (le serveur envoie ses données "
                   "trop lentement)")

    def _download(self, url, stats, headers, budget, key, body, meta_path, meta):
        left = budget.remaining()
        with self._session().get(url, headers=headers, stream=True, timeout=min(self.http.timeout, left),
                                 verify=self.http.verify_tls) as r:
            if r.status_code == 304 and body.exists():
                stats.count("not_modified")
                meta["fetched"] = time.time()
                meta_path.write_text(json.dumps(meta), "utf-8")
                return body, None
            if r.status_code == 429 or r.status_code >= 500:
                raise _Retry(f"HTTP {r.status_code}", _retry_after(r.headers.get("Retry-After")))
            r.raise_for_status()
            declared = r.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > self.max_bytes:
                return None, too_large(int(declared), self.max_bytes)
            part = self.dir / f"{key}.part{os.getpid()}"
            size = 0
            try:
                with open(part, "wb") as out:
                    for chunk in r.iter_content(CHUNK):
                        if budget.expired:
                            raise self._cut(budget)
                        size += len(chunk)
                        if size > self.max_bytes:
                            out.close()
                            part.unlink(missing_ok=True)
                            return None, too_large(None, self.max_bytes)
                        out.write(chunk)
                if budget.expired:  # cut at the deadline: what came is not the file
                    raise self._cut(budget)
            except BaseException:
                part.unlink(missing_ok=True)
                raise
            os.replace(part, body)
            stats.count("downloaded")
            meta_path.write_text(json.dumps({"url": url, "fetched": time.time(), "size": size,
                                             "etag": r.headers.get("ETag"),
                                             "last_modified": r.headers.get("Last-Modified")}), "utf-8")
        return body, None


AUDIT_DEADLINE = "délai de l'audit dépassé : fichier non téléchargé"


class Cut(requests.RequestException):
    """A download stopped by a deadline (``total_timeout``, the audit's): not asked again."""


class _Retry(Exception):
    """An answer worth asking again (429, 5xx), after ``wait`` seconds when the server says so."""

    def __init__(self, message: str, wait: float | None = None):
        super().__init__(message)
        self.wait = wait


def _retry_after(value: str | None) -> float | None:
    return float(value) if value and value.strip().isdigit() else None


def too_large(size: int | None, limit: int) -> TableReport:
    """``size``: the size the server declared, None when the download went past the limit."""
    mb = limit // (1024 * 1024)
    fr = (f"Fichier de {size} octets, au-delà de la limite de {mb} Mo de l'audit" if size else
          f"Fichier de plus de {mb} Mo, la limite de l'audit")
    en = f"File of {size} bytes, over the audit's {mb} MB limit" if size else f"File over the audit's {mb} MB limit"
    return TableReport(stop_reason="too_large", errors=[TableError(code="too-large", message={
        "fr": f"{fr} : il n'a pas été validé.", "en": f"{en}: it was not validated."})])


def validate_files(catalogue: Catalogue, config: ValidationConfig, cache_dir: Path, *,
                   http: HttpConfig | None = None, progress=None,
                   deadline: float | None = None) -> tuple[list[FileTarget], StageStats]:
    """Download and validate every candidate file; the FileTargets for the FILE-* rules. ``http``: the
    audit's HTTP settings (timeout, User-Agent, TLS), used for the files and the schema catalogue;
    ``deadline`` (``time.monotonic()`` clock): the audit's, past which no file is downloaded or validated
    (each is recorded not evaluated, with that reason)."""
    from .filecheck import CheckOptions, FileChecker
    from ..tabular.catalog import SchemaCatalog

    started = time.monotonic()
    stats = StageStats()
    todo = candidates(catalogue, config.guess)
    stats.candidates = len(todo)
    http = replace(http or HttpConfig(), cache_dir=str(Path(cache_dir) / "schemas"))
    cache = FileCache(Path(cache_dir) / "files", config.max_age, config.max_mb * 1024 * 1024, http, deadline)
    client = HttpClient(http)
    if deadline is not None:
        client.limit(None, deadline, "délai de l'audit dépassé : catalogue des schémas non consulté")
    catalog = SchemaCatalog(config.schemas, client)
    checker = FileChecker(CheckOptions(schema_base=config.schemas, max_bytes=config.max_mb * 1024 * 1024, rules=[]),
                          catalog)

    def one(c: Candidate) -> FileTarget | None:
        try:
            path, refused = cache.fetch(c.url, stats)
        except Cut as exc:
            stats.failed.append({"url": c.url, "dataset": c.dataset.uid, "commune": c.dataset.publisher.code,
                                 "error": str(exc)[:300]})
            return None
        except (OSError, ValueError, requests.RequestException) as exc:  # ValueError: a URL that cannot be parsed
            stats.failed.append({"url": c.url, "dataset": c.dataset.uid, "commune": c.dataset.publisher.code,
                                 "error": f"téléchargement impossible (détail technique : {str(exc)[:300]})"})
            return None
        if refused is not None:
            return _target(c, refused.to_dict())
        if deadline is not None and time.monotonic() >= deadline:
            stats.unvalidated.append({"url": c.url, "dataset": c.dataset.uid, "commune": c.dataset.publisher.code,
                                      "error": "délai de l'audit dépassé : fichier non validé"})
            return None
        try:
            result = checker.check_file(path, name=c.url, schema=_ref(checker, c.schema))
        except Exception as exc:  # noqa: BLE001 - an unknown schema, a catalogue down: recorded, never fatal
            stats.unvalidated.append({"url": c.url, "dataset": c.dataset.uid, "commune": c.dataset.publisher.code,
                                      "error": f"validation impossible : {exc}"[:300]})
            return None
        if result.report is None or (result.schema is None and c.schema is None):
            return None  # no schema guessed with confidence: nothing to say about the content
        stats.count("validated")
        stats.count("rows", result.report.get("rows", 0))
        stats.count("valid", int(bool(result.report.get("valid"))))
        if progress:
            progress("files", c.dataset.portal, stats.validated)
        return _target(c, result.report)

    with ThreadPoolExecutor(max_workers=config.workers) as pool:
        targets = [t for t in pool.map(one, todo) if t is not None]
    stats.seconds = round(time.monotonic() - started, 3)
    return targets, stats


def _ref(checker, ref: str | None) -> str | None:
    """A declared reference the catalogue can resolve: an unknown version falls back to the latest."""
    if ref is None:
        return None
    from ..tabular.catalog import CatalogError, parse_ref

    name, version = parse_ref(ref)
    try:
        info = checker.catalog.get(name)
    except (LookupError, CatalogError):
        return ref
    if version and info.version(version) is None:
        return name
    return ref


def _target(c: Candidate, report: dict[str, Any]) -> FileTarget:
    from .rules import resource_key

    return FileTarget(location=c.url, report=report, dataset=c.dataset.uid, commune=c.dataset.publisher.code,
                      portal=c.dataset.portal, resource=resource_key(c.dataset, c.distribution))


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
