"""Crawl a territory: every configured source in parallel, every distribution probed, one
normalised, attributed catalogue at the end.

Portals run side by side (one thread each); their paged requests share a pool of workers;
distribution probes start as soon as a record arrives and run in one small pool per host,
sized to the per-host limit, so that a slow portal never holds up the others. A source that
fails (TLS, DNS, 5xx on its first page, a bug) is recorded as a failed portal with its error
and the crawl goes on.

Deadlines: each source has a total deadline, counted from its start (``source_deadline`` of the
configuration's ``[crawl]``, :data:`DEFAULT_SOURCE_DEADLINE` by default), and the crawl obeys the
audit's (``crawl(deadline=...)``). Past it, the source's requests — its pages and the probes of its
distributions — fail at once and those in flight are cut (:meth:`auditor.crawling.http.HttpClient.limit`);
the source is recorded ``failed`` (or ``partial``, with what it had read) with the code ``deadline``
and a French reason, its distributions not probed yet stay unjudged, and the crawl goes on. A source
whose thread still has not returned :data:`GRACE` seconds after its deadline is left behind, so that
nothing a portal does can hold the crawl, the audit or its lock.
"""
from __future__ import annotations

import math
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable
from urllib.parse import urlsplit

from .catalogue import Catalogue, build_catalogue
from ..config import Config, http_for
from .http import FetchError, HttpClient, HttpStats, Response, explain
from ..model import Availability, CrawlEvent, Dataset
from .sources import source_module
from .sources.base import SourceConfig, SourceContext
from .territory.registry import Registry, load_registry
from .territory.resolve import PublisherResolver

Progress = Callable[[str, str, int], None]  # (stage, portal, count)

DEFAULT_SOURCE_DEADLINE = 3 * 3600.0  # seconds a source may take, its probes included ([crawl] source_deadline)
GRACE = 15.0  # seconds a source's thread is waited for past its deadline before it is left behind


@dataclass
class PortalResult:
    name: str
    kind: str
    url: str
    title: str | None = None
    owner: str | None = None
    status: str = "ok"  # ok | partial | failed | skipped (left out of this run by --source)
    datasets: int = 0
    error_code: str | None = None
    error_message: str | None = None
    duration: float = 0.0


@dataclass
class CrawlResult:
    catalogue: Catalogue
    portals: list[PortalResult]
    stats: HttpStats
    registry: Registry
    started_at: str
    finished_at: str = ""
    duration: float = 0.0
    probes: int = 0
    events: list[CrawlEvent] = field(default_factory=list)


def collected(portals: list[PortalResult]) -> list[PortalResult]:
    """The portals read in full or in part (``ok``, ``partial``)."""
    return [p for p in portals if p.status in ("ok", "partial")]


def portal_coverage(portals: list[PortalResult]) -> dict:
    """What a run could see: how many portals were collected, and those failed, read in part or left
    out (with their error), as stored with the run and shown wherever the run is; a portal closed for
    good (410 Gone) is listed apart: it does not make the run partial, there is nothing left to see."""
    def item(p: PortalResult) -> dict:
        return {"name": p.name, "title": p.title, "error": p.error_message, "code": p.error_code}

    return {"collected": len(collected(portals)),
            "failed": [item(p) for p in portals if p.status == "failed" and p.error_code != "gone"],
            "gone": [item(p) for p in portals if p.status == "failed" and p.error_code == "gone"],
            "partial": [item(p) for p in portals if p.status == "partial"],
            "skipped": [item(p) for p in portals if p.status == "skipped"]}


def now_iso() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


class _Prober:
    """Probes each distinct URL once, in a pool per host sized to the per-host limit."""

    def __init__(self, http: HttpClient, per_host: int, max_age: float):
        self.http = http
        self.max_age = max_age
        self.per_host = per_host
        self.pools: dict[str, ThreadPoolExecutor] = {}
        self.futures: dict[str, Future] = {}
        self.lock = threading.Lock()

    def submit(self, url: str, portal: str) -> None:
        with self.lock:
            if url in self.futures:
                return
            try:
                host = urlsplit(url).netloc
            except ValueError:  # a malformed URL: the probe reports it (invalid-url)
                host = ""
            pool = self.pools.get(host)
            if pool is None:
                pool = self.pools[host] = ThreadPoolExecutor(self.per_host, thread_name_prefix=f"probe-{host}")
            self.futures[url] = pool.submit(probe, self.http, url, portal, self.max_age)

    def results(self, until: float = math.inf) -> dict[str, Availability]:
        """The probes' outcomes; a probe still running at ``until`` (``time.monotonic()``) is left unjudged.
        (A probe that met its portal's deadline is unjudged too: it never answered for the resource.)"""
        out: dict[str, Availability] = {}
        late = False
        for url, f in list(self.futures.items()):
            try:
                result = f.result(timeout=None if until == math.inf else max(0.0, until - time.monotonic()))
            except FutureTimeout:
                late = True
                continue
            if result is not None:
                out[url] = result
        for pool in self.pools.values():
            pool.shutdown(wait=not late, cancel_futures=late)
        return out


def probe(http: HttpClient, url: str, portal: str | None = None, max_age: float | None = None) -> Availability | None:
    """Does ``url`` answer? HEAD first; a ranged GET when HEAD is refused or fails. A HEAD
    answer confirmed less than ``max_age`` seconds ago is reused without asking again. None when
    the portal's deadline came first: the resource was not judged."""
    checked = now_iso()
    resp: Response | None = None
    error: FetchError | None = None
    try:
        resp = http.request("HEAD", url, portal=portal, raise_for_status=False, max_age=max_age)
    except FetchError as exc:
        error = exc
    if error is not None and error.code == "deadline":
        return None
    if error is not None and error.code in ("dns-error", "tls-error", "invalid-url"):
        return Availability(ok=False, status=None, checked_at=checked, error=error.code)
    if resp is None or resp.status in (400, 403, 405, 406, 501):
        try:
            resp = http.request("GET", url, portal=portal, raise_for_status=False, conditional=False,
                                headers={"Range": "bytes=0-0"}, max_body=65536, truncate=True)
            error = None
        except FetchError as exc:
            if exc.code == "deadline":
                return None
            return Availability(ok=False, status=exc.status, checked_at=checked, error=exc.code)
    assert resp is not None
    size = None
    cr = resp.headers.get("content-range", "")
    if "/" in cr and cr.rsplit("/", 1)[1].isdigit():
        size = int(cr.rsplit("/", 1)[1])
    elif resp.headers.get("content-length", "").isdigit() and resp.status == 200:
        size = int(resp.headers["content-length"])
    return Availability(
        ok=200 <= resp.status < 400, status=resp.status, checked_at=checked,
        error=None if 200 <= resp.status < 400 else f"http-{resp.status}",
        content_type=resp.headers.get("content-type"), size=size, from_cache=resp.from_cache,
    )


def crawl(config: Config, *, only: list[str] | None = None, progress: Progress | None = None,
          registry: Registry | None = None, deadline: float | None = None) -> CrawlResult:
    """Crawl the configured sources (``only``: those named). ``deadline``: the audit's (``time.monotonic()``
    clock), on top of each source's own ``source_deadline``."""
    started = time.monotonic()
    registry = registry or load_registry(config.communes_csv, config.agents)
    events: list[CrawlEvent] = []
    lock = threading.Lock()

    def emit(**kw) -> None:
        with lock:
            events.append(CrawlEvent(**kw))

    sources = [s for s in config.sources if s.enabled and (not only or s.name in only)]
    http = HttpClient(config.http, on_event=emit, overrides={s.name: http_for(config, s) for s in sources if s.http})
    results = {s.name: PortalResult(s.name, s.kind, s.url, s.title, s.owner) for s in sources}
    collected: dict[str, list[Dataset]] = {s.name: [] for s in sources}
    prober = _Prober(http, config.http.per_host, config.probe_max_age) if config.probe else None
    report = progress or (lambda stage, portal, n: None)
    source_deadline = float(getattr(config, "source_deadline", None) or DEFAULT_SOURCE_DEADLINE)
    limits: dict[str, tuple[float, str]] = {}
    for s in sources:  # every source starts now (one thread each)
        limits[s.name] = _source_limit(started, source_deadline, deadline)
        http.limit(s.name, *limits[s.name])

    fetch_pool = ThreadPoolExecutor(config.workers, thread_name_prefix="fetch")
    source_pool = ThreadPoolExecutor(max(1, len(sources)), thread_name_prefix="source")
    abandoned: dict[str, list[Dataset]] = {}  # sources left behind: what they had read by then
    try:
        def run(source: SourceConfig) -> None:
            res = results[source.name]
            t0 = time.monotonic()
            until, why = limits[source.name]
            ctx = SourceContext(source=source, http=http, registry=registry, executor=fetch_pool, emit=emit)
            report("start", source.name, 0)
            try:
                for d in source_module(source.kind).crawl(ctx):
                    if time.monotonic() >= until + GRACE:  # records still coming long past the deadline
                        raise FetchError("deadline", why, source.url)
                    collected[source.name].append(d)
                    if prober:
                        for dist in d.distributions:
                            if dist.url and dist.url.startswith(("http://", "https://")):
                                prober.submit(dist.url, source.name)
                    if len(collected[source.name]) % 50 == 0:
                        report("datasets", source.name, len(collected[source.name]))
            except FetchError as exc:
                code = "gone" if exc.status == 410 else exc.code  # closed for good: not a blind spot
                res.status, res.error_code, res.error_message = "failed", code, explain(code, exc.message, exc.url)
            except Exception as exc:  # a source bug must not stop the territory's crawl
                res.status, res.error_code = "failed", "internal-error"
                res.error_message = explain("internal-error", repr(exc), source.url)
                emit(portal=source.name, code="internal-error", level="error",
                     message=f"erreur interne pendant la collecte : {exc!r}", url=source.url, detail={})
            res.datasets = len(collected[source.name])
            res.duration = time.monotonic() - t0
            if res.status == "ok" and time.monotonic() >= until and http.deadline_hit(source.name):  # pages lost
                res.status, res.error_code, res.error_message = "failed", "deadline", explain("deadline", why, source.url)
            if res.status == "ok" and any(e.portal == source.name and e.code == "incomplete-listing" for e in events):
                res.status = "partial"
            if res.status == "failed" and res.datasets:
                res.status = "partial"
            report("done", source.name, res.datasets)

        futures = {s.name: source_pool.submit(run, s) for s in sources}
        for s in sources:
            try:
                futures[s.name].result(timeout=max(0.0, limits[s.name][0] - time.monotonic()) + GRACE)
            except FutureTimeout:  # its thread is stuck past the deadline: left behind, recorded as such
                got = abandoned[s.name] = list(collected[s.name])
                results[s.name] = PortalResult(
                    s.name, s.kind, s.url, s.title, s.owner, status="partial" if got else "failed", datasets=len(got),
                    error_code="deadline", error_message=explain("deadline", limits[s.name][1], s.url),
                    duration=time.monotonic() - started)
                emit(portal=s.name, code="deadline", level="error", message=limits[s.name][1], url=s.url, detail={})
    finally:
        source_pool.shutdown(wait=not abandoned, cancel_futures=bool(abandoned))
        fetch_pool.shutdown(wait=not abandoned, cancel_futures=bool(abandoned))

    datasets = [d for s in sources for d in abandoned.get(s.name, collected[s.name])]
    probes = 0
    if prober:
        report("probe", "*", len(prober.futures))
        last = max((limit for limit, _ in limits.values()), default=math.inf)
        availability = prober.results(until=last + GRACE)
        probes = len(availability)
        for d in datasets:
            for dist in d.distributions:
                if dist.url in availability:
                    dist.availability = availability[dist.url]
    resolver = PublisherResolver(registry, config.aliases, config.others)
    owners = {s.name: s.owner for s in sources}
    catalogue = build_catalogue(datasets, events, resolver, owners, config.homes)
    for u in catalogue.unresolved:
        emit(portal=sorted(u.portals)[0], code="unresolved-publisher", level="warning",
             message=f"producteur non attribué à une commune : {u.raw!r} ({len(u.datasets)} jeu(x) de données)",
             url=None, detail={"raw": u.raw, "datasets": u.datasets[:20], "portals": sorted(u.portals)})
    finished = now_iso()
    skipped = [PortalResult(s.name, s.kind, s.url, s.title, s.owner, status="skipped")
               for s in config.sources if s.enabled and s.name not in results]
    return CrawlResult(catalogue=catalogue, portals=[results[s.name] for s in sources] + skipped, stats=http.stats,
                       registry=registry, started_at=_iso_ago(time.monotonic() - started), finished_at=finished,
                       duration=time.monotonic() - started, probes=probes, events=events)


def _source_limit(start: float, source_deadline: float, audit_deadline: float | None) -> tuple[float, str]:
    """A source's deadline (``time.monotonic()`` clock) and the French reason given when it is reached."""
    own = (start + source_deadline,
           f"délai de collecte de la source dépassé ({source_deadline:.0f} s, [crawl] source_deadline) : "
           "collecte de ce portail arrêtée")
    if audit_deadline is not None and audit_deadline < own[0]:
        return audit_deadline, "délai de l'audit dépassé : collecte de ce portail arrêtée"
    return own


def _iso_ago(seconds: float) -> str:
    return datetime.fromtimestamp(time.time() - seconds, tz=timezone.utc).replace(microsecond=0).isoformat()
