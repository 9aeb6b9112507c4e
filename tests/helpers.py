"""Shared test helpers: run one source against a URL with the real HTTP client."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from auditor.crawling.http import HttpClient, HttpConfig
from auditor.model import CrawlEvent, Dataset
from auditor.crawling.sources import source_module
from auditor.crawling.sources.base import SourceConfig, SourceContext
from auditor.crawling.territory.registry import load_registry

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
PORTALS = SHARED / "data" / "portals"

FAST_HTTP = dict(timeout=2.0, total_timeout=10.0, retries=5, backoff=0.01, backoff_max=0.05,
                 max_retry_wait=5.0, per_host=8)


def run_source(kind: str, url: str, *, name: str = "test", owner: str | None = None,
               options: dict | None = None, cache_dir: str | None = None,
               http: HttpClient | None = None) -> tuple[list[Dataset], list[CrawlEvent]]:
    """Crawl one portal with source ``kind``; returns (datasets, events)."""
    events: list[CrawlEvent] = []

    def emit(**kw):
        events.append(CrawlEvent(**kw))

    client = http or HttpClient(HttpConfig(cache_dir=cache_dir, **FAST_HTTP), on_event=emit)
    if http is not None:
        http.on_event = emit
    cfg = SourceConfig(name=name, kind=kind, url=url, owner=owner, options=options or {})
    with ThreadPoolExecutor(max_workers=16) as pool:
        ctx = SourceContext(source=cfg, http=client, registry=load_registry(), executor=pool, emit=emit)
        datasets = list(source_module(kind).crawl(ctx))
    return datasets, events
