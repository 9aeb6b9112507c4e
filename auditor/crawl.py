"""Crawl a territory: every configured source in parallel, every distribution probed, one
normalised, attributed catalogue at the end.

Portals run side by side (one thread each); their paged requests share a pool of workers;
distribution probes start as soon as a record arrives and run in one small pool per host,
sized to the per-host limit, so that a slow portal never holds up the others. A source that
fails (TLS, DNS, 5xx on its first page, a bug) is recorded as a failed portal with its error
and the crawl goes on.
"""
from __future__ import annotations

import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable
from urllib.parse import urlsplit

from .catalogue import Catalogue, build_catalogue
from .config import Config, http_for
from .http import FetchError, HttpClient, HttpStats, Response, explain
from .model import Availability, CrawlEvent, Dataset
from .sources import source_module
from .sources.base import SourceConfig, SourceContext
from .territory.registry import Registry, load_registry
from .territory.resolve import PublisherResolver

Progress = Callable[[str, str, int], None]  # (stage, portal, count)


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
            host = urlsplit(url).netloc
            pool = self.pools.get(host)
            if pool is None:
                pool = self.pools[host] = ThreadPoolExecutor(self.per_host, thread_name_prefix=f"probe-{host}")
            self.futures[url] = pool.submit(probe, self.http, url, portal, self.max_age)

    def results(self) -> dict[str, Availability]:
        out = {url: f.result() for url, f in list(self.futures.items())}
        for pool in self.pools.values():
            pool.shutdown(wait=True)
        return out


def probe(http: HttpClient, url: str, portal: str | None = None, max_age: float | None = None) -> Availability:
    """Does ``url`` answer? HEAD first; a ranged GET when HEAD is refused or fails. A HEAD
    answer confirmed less than ``max_age`` seconds ago is reused without asking again."""
    checked = now_iso()
    resp: Response | None = None
    error: FetchError | None = None
    try:
        resp = http.request("HEAD", url, portal=portal, raise_for_status=False, max_age=max_age)
    except FetchError as exc:
        error = exc
    if error is not None and error.code in ("dns-error", "tls-error", "invalid-url"):
        return Availability(ok=False, status=None, checked_at=checked, error=error.code)
    if resp is None or resp.status in (400, 403, 405, 406, 501):
        try:
            resp = http.request("GET", url, portal=portal, raise_for_status=False, conditional=False,
                                headers={"Range": "bytes=0-0"}, max_body=65536, truncate=True)
            error = None
        except FetchError as exc:
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
          registry: Registry | None = None) -> CrawlResult:
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

    with ThreadPoolExecutor(config.workers, thread_name_prefix="fetch") as fetch_pool:
        def run(source: SourceConfig) -> None:
            res = results[source.name]
            t0 = time.monotonic()
            ctx = SourceContext(source=source, http=http, registry=registry, executor=fetch_pool, emit=emit)
            report("start", source.name, 0)
            try:
                for d in source_module(source.kind).crawl(ctx):
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
            if res.status == "ok" and any(e.portal == source.name and e.code == "incomplete-listing" for e in events):
                res.status = "partial"
            if res.status == "failed" and res.datasets:
                res.status = "partial"
            report("done", source.name, res.datasets)

        with ThreadPoolExecutor(max(1, len(sources)), thread_name_prefix="source") as source_pool:
            for f in [source_pool.submit(run, s) for s in sources]:
                f.result()

    datasets = [d for s in sources for d in collected[s.name]]
    probes = 0
    if prober:
        report("probe", "*", len(prober.futures))
        availability = prober.results()
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


def _iso_ago(seconds: float) -> str:
    return datetime.fromtimestamp(time.time() - seconds, tz=timezone.utc).replace(microsecond=0).isoformat()
