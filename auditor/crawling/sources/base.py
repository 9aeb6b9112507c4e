"""What every source module shares: its configuration, its context, its contract.

A source module (one per portal kind) exposes::

    KIND = "opendatasoft"

    def crawl(ctx: SourceContext) -> Iterator[Dataset]:
        '''Yield one normalised Dataset per dataset of the portal.'''

It fetches only through ``ctx.http`` (retries, cache, rate limits are done there), runs
independent requests in parallel with ``ctx.map``, reports anything odd with ``ctx.event``
and never raises for a single bad record: a record it cannot read becomes an event and the
crawl goes on. A failure that stops the whole portal (TLS, DNS, first page unreachable)
raises :class:`~auditor.crawling.http.FetchError`; the crawler records it as a finding for that
portal. Attribution to communes and grouping of copies are done later, by the catalogue.
"""
from __future__ import annotations

import json
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, TypeVar

from ..http import HttpClient, Response
from ..territory.registry import Registry

T = TypeVar("T")
R = TypeVar("R")


@dataclass
class SourceConfig:
    name: str
    kind: str
    url: str
    owner: str | None = None  # INSEE code or "MEL" when the portal belongs to one body
    title: str | None = None
    enabled: bool = True
    options: dict[str, Any] = field(default_factory=dict)
    http: dict[str, Any] = field(default_factory=dict)  # its own HTTP settings (retries, timeout…) over [http]


@dataclass
class SourceContext:
    source: SourceConfig
    http: HttpClient
    registry: Registry
    executor: Executor
    emit: Callable[..., None]  # emit(portal=, code=, level=, message=, url=, detail=)

    @property
    def name(self) -> str:
        return self.source.name

    @property
    def base(self) -> str:
        return self.source.url.rstrip("/")

    def option(self, key: str, default: Any = None) -> Any:
        return self.source.options.get(key, default)

    def get_json(self, url: str, **kw: Any) -> Response:
        return self.http.get_json(url, portal=self.name, **kw)

    def get(self, url: str, **kw: Any) -> Response:
        return self.http.get(url, portal=self.name, **kw)

    def event(self, code: str, message: str, *, level: str = "warning", url: str | None = None,
              **detail: Any) -> None:
        self.emit(portal=self.name, code=code, level=level, message=message, url=url, detail=detail)

    def snapshot(self, key: str, fingerprint: str, build: Callable[[], tuple[Any, bool]]) -> Any:
        """A listing that cannot be revalidated with a conditional GET (a POSTed search, say)
        but whose ``fingerprint`` (record count, latest change...) tells when it changed:
        the listing stored under ``key`` with the same fingerprint is reused, else ``build()``
        runs and its result is stored when it says it is complete. JSON-able results only."""
        cache = self.http.cache
        if cache is not None:
            entry = cache.get("SNAPSHOT", key)
            if entry is not None and entry.headers.get("fingerprint") == fingerprint:
                try:
                    value = json.loads(entry.body)
                except ValueError:
                    value = None
                if value is not None:
                    self.http.stats.fingerprint_hits += 1
                    return value
        value, complete = build()
        if cache is not None and complete:
            cache.put("SNAPSHOT", key, 200, {"fingerprint": fingerprint},
                      json.dumps(value, ensure_ascii=False).encode("utf-8"))
        return value

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        """``fn`` over ``items`` in parallel, results in order. ``fn`` must not call ``map``."""
        futures = [self.executor.submit(fn, item) for item in items]
        for f in futures:
            yield f.result()
