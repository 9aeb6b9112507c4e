"""The one HTTP client every source uses.

What it guarantees, so that no source has to think about it:

* an identifying ``User-Agent``;
* a connect/read timeout and a total deadline per request (``total_timeout``), and a cap on body size;
  the deadline holds on the bytes actually received: the transport (:class:`auditor.crawling.netsafe.GuardedAdapter`)
  shuts the connection down when it passes, so a server that trickles its headers or its body is cut there,
  and a request cut that way is not retried (it would trickle again) — only a silent server (no byte for
  ``timeout`` seconds) is;
* a deadline per portal and for the whole client (:meth:`HttpClient.limit`: the crawl's per-source and
  per-audit deadlines): once it has passed, requests fail at once with the code ``deadline`` (no retry,
  one event per portal), waits for a slot, a backoff or a ``Retry-After`` never go past it, and a request
  in flight is cut at it;
* retries with exponential backoff and jitter on 5xx, 429, timeouts, dropped connections,
  truncated bodies and bodies that fail to parse; ``Retry-After`` (seconds or HTTP date) and
  Opendatasoft's ``X-RateLimit-Reset`` (epoch or datetime) are honoured, and a wait longer
  than ``max_retry_wait`` is reported instead of slept through (a daily quota);
* at most ``per_host`` requests in flight per host; a 429 pauses the whole host;
* an on-disk cache with conditional requests (``ETag`` / ``Last-Modified``);
* every failure, recovered or not, reported to ``on_event`` with a stable code.

Errors that retrying cannot fix (TLS, DNS, 4xx) fail at once with :class:`FetchError`.
"""
from __future__ import annotations

import email.utils
import json
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable
from urllib.parse import urlsplit

import requests

from ..i18n import t
from .httpcache import HttpCache
from .netsafe import DEFAULT_USER_AGENT, Budget, GuardedAdapter  # noqa: F401 - DEFAULT_USER_AGENT is re-exported

EventSink = Callable[..., None]


@dataclass
class HttpConfig:
    timeout: float = 30.0  # connect and read timeout, seconds
    total_timeout: float = 180.0  # one attempt of a request, headers and body included, on the bytes received
    retries: int = 4  # extra attempts after the first
    backoff: float = 0.5  # first backoff, doubled at each attempt
    backoff_max: float = 30.0
    max_retry_wait: float = 120.0  # longest Retry-After we accept to sleep through
    per_host: int = 6
    user_agent: str = DEFAULT_USER_AGENT
    cache_dir: str | None = None
    max_body: int = 256 * 1024 * 1024
    verify_tls: bool = True


class FetchError(Exception):
    """A request that failed for good. ``code`` is stable (see :data:`ERROR_CODES`)."""

    def __init__(self, code: str, message: str, url: str, status: int | None = None):
        super().__init__(f"{code}: {message} ({url})")
        self.code = code
        self.message = message
        self.url = url
        self.status = status


class BodyError(ValueError):
    """Raised by a body parser: the body is unusable (invalid JSON, HTML page, ...)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


#: the stable codes of a request that failed for good; their words are the catalogue's ``http.<code>`` messages
ERROR_CODES = ("tls-error", "dns-error", "connection-error", "timeout", "deadline", "truncated-body", "body-too-large", "rate-limited", "http-error", "gone", "config-error", "server-error", "invalid-json", "html-instead-of-json", "invalid-rdf", "html-instead-of-rdf", "invalid-body", "invalid-url", "too-many-redirects")


def failure(code: str | None, lang: str = "fr") -> str:
    """What a failure of ``code`` is, in plain words (``http.<code>`` of the message catalogue)."""
    if code in ERROR_CODES or code == "internal-error":
        return t(f"http.{code}", lang)
    return t("http.failed", lang)


def explain_in(code: str | None, explained: str | None, lang: str) -> str | None:
    """A stored :func:`explain` sentence in ``lang``: the failure's words from its code, the technical detail kept
    as it was (it is the server's or the library's own)."""
    if lang == "fr" or not explained or code not in ERROR_CODES:
        return explained
    what = failure(code)
    if not explained.startswith(what):
        return explained
    rest = explained[len(what):]
    if rest.startswith(" (détail technique : "):
        rest = " (technical detail: " + rest[len(" (détail technique : "):]
    return failure(code, lang) + rest


def explain(code: str, message: str, url: str | None = None) -> str:
    """What a reader is told of a request that failed for good: the failure in plain French
    (from its stable ``code``), then the technical detail and the address."""
    what = failure(code)
    tech = f"{message} ; {url}" if url else message
    return f"{what} (détail technique : {tech})" if tech else what


@dataclass
class Response:
    url: str
    status: int
    headers: dict[str, str]  # lower-case keys
    content: bytes
    from_cache: bool = False  # served from the cache after a 304
    attempts: int = 1
    data: Any = None  # parsed body, when a parser was given

    @property
    def text(self) -> str:
        return self.content.decode(_charset(self.headers) or "utf-8", errors="replace")


@dataclass
class HttpStats:
    requests: int = 0  # requests sent on the network
    not_modified: int = 0  # 304 answers
    fresh: int = 0  # answered from the cache without asking (max_age)
    fingerprint_hits: int = 0  # listings reused because their fingerprint was unchanged
    conditional: int = 0  # requests sent with a validator
    retries: int = 0
    failures: int = 0
    bytes: int = 0
    by_status: Counter = field(default_factory=Counter)
    by_host: Counter = field(default_factory=Counter)  # requests sent, per host


def parse_json(body: bytes) -> Any:
    """Parser for JSON APIs: tells an HTML error page apart from broken JSON."""
    head = body[:512].lstrip().lower()
    if head.startswith(b"<!doctype html") or head.startswith(b"<html"):
        raise BodyError("html-instead-of-json", "page HTML reçue au lieu de JSON")
    if not body.strip():
        raise BodyError("invalid-json", "réponse vide")
    try:
        return json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BodyError("invalid-json", f"JSON invalide : {exc}") from None


class _Host:
    def __init__(self, slots: int):
        self.slots = threading.BoundedSemaphore(slots)
        self.not_before = 0.0
        self.lock = threading.Lock()


class HttpClient:
    """Requests with retries, a per-host concurrency limit, conditional requests and a cache.

    ``overrides`` gives a portal (by source name) settings of its own (retry budget, timeouts),
    the ``[[sources]]`` ``http`` table of the configuration. A host that refused connections, or
    whose name or certificate failed, through a whole retry round is given up for the rest of
    the client's life: later requests to it fail at once with the same error, instead of
    spending the retry budget again on every request kind."""

    GIVE_UP = ("connection-error", "dns-error", "tls-error")

    def __init__(self, config: HttpConfig | None = None, on_event: EventSink | None = None,
                 overrides: dict[str, HttpConfig] | None = None):
        self.config = config or HttpConfig()
        self.overrides = dict(overrides or {})
        self._dead: dict[str, tuple[str, str]] = {}  # host -> (code, message) of the round that failed
        self.on_event = on_event
        self.cache = HttpCache(self.config.cache_dir) if self.config.cache_dir else None
        self.stats = HttpStats()
        self._stats_lock = threading.Lock()
        self._hosts: dict[str, _Host] = {}
        self._hosts_lock = threading.Lock()
        self._local = threading.local()
        self._limits: dict[str | None, tuple[float, str]] = {}  # portal (None: all) -> (monotonic deadline, why)
        self._limit_reported: set[str | None] = set()
        self._limits_lock = threading.Lock()

    def limit(self, portal: str | None, deadline: float, reason: str) -> None:
        """No request of ``portal`` (``None``: of any portal) may run past ``deadline`` (``time.monotonic()``
        clock): later requests fail at once with the code ``deadline`` and ``reason`` (French), requests in
        flight are cut at it, waits never go past it. A tighter deadline replaces a looser one."""
        with self._limits_lock:
            old = self._limits.get(portal)
            if old is None or deadline < old[0]:
                self._limits[portal] = (deadline, reason)

    def deadline_hit(self, portal: str | None) -> bool:
        """Whether a request of ``portal`` failed on its deadline."""
        with self._stats_lock:
            return portal in self._limit_reported

    def deadline_for(self, portal: str | None) -> tuple[float, str] | None:
        """The deadline a request of ``portal`` must meet, and why: the portal's or the client's, the earliest."""
        with self._limits_lock:
            found = [x for x in (self._limits.get(portal) if portal is not None else None, self._limits.get(None))
                     if x is not None]
        return min(found) if found else None

    # -- public API -------------------------------------------------------------------
    def get(self, url: str, **kw: Any) -> Response:
        return self.request("GET", url, **kw)

    def head(self, url: str, **kw: Any) -> Response:
        return self.request("HEAD", url, **kw)

    def get_json(self, url: str, **kw: Any) -> Response:
        """GET a JSON document; ``response.data`` holds it. Broken JSON is retried."""
        kw.setdefault("headers", {}).setdefault("Accept", "application/json")
        return self.request("GET", url, parse=parse_json, **kw)

    def request(
        self,
        method: str,
        url: str,
        *,
        params: dict[str, Any] | list[tuple[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        data: Any = None,
        portal: str | None = None,
        parse: Callable[[bytes], Any] | None = None,
        raise_for_status: bool = True,
        conditional: bool = True,
        max_body: int | None = None,
        truncate: bool = False,
        max_age: float | None = None,
        allow_redirects: bool = True,
    ) -> Response:
        """Send a request with retries. ``parse`` turns the body into ``response.data`` and
        may raise :class:`BodyError` to have the request retried; ``truncate`` stops reading
        at ``max_body`` bytes instead of failing (for probes); ``max_age`` accepts a cached
        answer confirmed less than that many seconds ago without asking the server."""
        cfg = self.overrides.get(portal or "", self.config)
        try:
            full_url = requests.Request(method, url, params=params).prepare().url or url
            host = urlsplit(full_url).netloc
        except (requests.RequestException, ValueError) as exc:
            raise self._fail(portal, "invalid-url", str(exc), url) from None
        limit = self.deadline_for(portal)
        if limit is not None and time.monotonic() >= limit[0]:
            raise self._past_deadline(portal, limit, full_url)
        if host in self._dead:
            code, message = self._dead[host]
            with self._stats_lock:
                self.stats.failures += 1
            raise FetchError(code, f"{message} (hôte abandonné pour cette collecte)", full_url)
        cached = self.cache.get(method, full_url) if (self.cache and conditional) else None
        if cached is not None and max_age is not None and cached.age() < max_age:
            with self._stats_lock:
                self.stats.fresh += 1
            out = Response(full_url, cached.status, cached.headers, cached.body, from_cache=True, attempts=0)
            if parse is None:
                return out
            try:
                out.data = parse(out.content)
                return out
            except BodyError:
                pass  # damaged entry: ask the server
        attempt = 0
        while True:
            attempt += 1
            send_headers = {"User-Agent": cfg.user_agent}
            send_headers.update(headers or {})
            if cached is not None:
                if cached.etag:
                    send_headers["If-None-Match"] = cached.etag
                if cached.last_modified:
                    send_headers["If-Modified-Since"] = cached.last_modified
            try:
                resp = self._send(method, full_url, host, send_headers, data, max_body, truncate,
                                  allow_redirects, cfg, limit)
            except _Retryable as exc:
                if exc.code == "deadline":
                    raise self._past_deadline(portal, limit, full_url) from None
                if isinstance(exc, _Fatal) or attempt > cfg.retries:
                    if exc.code in self.GIVE_UP:
                        self._dead.setdefault(host, (exc.code, exc.message))
                    if isinstance(exc, _Fatal):
                        raise self._fail(portal, exc.code, exc.message, full_url) from None
                self._retry_or_fail(portal, exc.code, exc.message, full_url, attempt, None, cfg=cfg, limit=limit)
                continue
            resp.attempts = attempt
            status = resp.status
            if status == 304 and cached is not None:
                with self._stats_lock:
                    self.stats.not_modified += 1
                merged = dict(cached.headers)
                merged.update({k: v for k, v in resp.headers.items() if k in ("etag", "last-modified", "date")})
                out = Response(full_url, cached.status, merged, cached.body, from_cache=True, attempts=attempt)
                if parse is not None:
                    try:
                        out.data = parse(out.content)
                    except BodyError:  # a damaged cache entry: drop it and fetch afresh
                        self.cache.delete(method, full_url)
                        cached = None
                        continue
                self.cache.put(method, full_url, cached.status, merged, cached.body)  # confirmed now
                return out
            if status == 429:
                wait = retry_wait(resp.headers)
                if wait is not None and wait > cfg.max_retry_wait:
                    raise self._fail(
                        portal, "rate-limited",
                        f"quota épuisé, réinitialisation dans {int(wait)} s", full_url, status,
                    )
                self._pause_host(host, wait)
                self._retry_or_fail(portal, "rate-limited", "HTTP 429", full_url, attempt, status, wait, cfg=cfg,
                                    limit=limit)
                continue
            if status >= 500:
                wait = retry_wait(resp.headers)
                self._retry_or_fail(portal, "server-error", f"HTTP {status}", full_url, attempt, status, wait, cfg=cfg,
                                    limit=limit)
                continue
            if status >= 400:
                if status in (404, 410) and method == "HEAD" and self.cache and conditional:
                    # remembered so that a probe within max_age need not ask again
                    self.cache.put(method, full_url, status, resp.headers, b"")
                if raise_for_status:
                    raise self._fail(portal, "http-error", f"HTTP {status}", full_url, status)
                return resp
            if parse is not None and 200 <= status < 300:
                try:
                    resp.data = parse(resp.content)
                except BodyError as exc:
                    self._retry_or_fail(portal, exc.code, str(exc), full_url, attempt, status, cfg=cfg, limit=limit)
                    continue
            if self.cache and conditional and 200 <= status < 300 and method in ("GET", "HEAD"):
                if resp.headers.get("etag") or resp.headers.get("last-modified"):
                    self.cache.put(method, full_url, status, resp.headers, resp.content)
            return resp

    # -- internals --------------------------------------------------------------------
    def _session(self) -> requests.Session:
        s = getattr(self._local, "session", None)
        if s is None:
            s = requests.Session()
            adapter = GuardedAdapter(pool_connections=32, pool_maxsize=max(8, self.config.per_host))
            s.mount("http://", adapter)
            s.mount("https://", adapter)
            self._local.session = s
        return s

    def _host(self, host: str) -> _Host:
        with self._hosts_lock:
            h = self._hosts.get(host)
            if h is None:
                h = self._hosts[host] = _Host(self.config.per_host)
            return h

    def _pause_host(self, host: str, wait: float | None) -> None:
        if wait:
            h = self._host(host)
            with h.lock:
                h.not_before = max(h.not_before, time.monotonic() + wait)

    def _send(self, method, url, host, headers, data, max_body, truncate, allow_redirects, cfg,
              limit: tuple[float, str] | None = None) -> Response:
        """One attempt. Its budget: ``total_timeout`` from when it is sent, or the portal's deadline when that
        comes first; the transport cuts the connection at the end of the budget, whatever arrives."""
        h = self._host(host)
        hard = limit[0] if limit is not None else None
        delay = h.not_before - time.monotonic()
        if delay > 0:
            if hard is not None and time.monotonic() + delay >= hard:
                raise _Fatal("deadline", "attente du serveur au-delà du délai")
            time.sleep(delay)
        limit_bytes = max_body or cfg.max_body
        wait_slot = None if hard is None else max(0.0, hard - time.monotonic())
        if not h.slots.acquire(timeout=wait_slot):
            raise _Fatal("deadline", "pas de place libre avant le délai")
        try:
            budget = Budget(cfg.total_timeout)
            by_limit = hard is not None and hard < budget.deadline
            if by_limit:
                budget.deadline = hard
            left = budget.remaining()
            if left <= 0:
                raise _Fatal("deadline", "délai atteint")
            with self._stats_lock:
                self.stats.requests += 1
                self.stats.by_host[host] += 1
                if "If-None-Match" in headers or "If-Modified-Since" in headers:
                    self.stats.conditional += 1

            def cut() -> _Retryable:
                if by_limit:
                    return _Fatal("deadline", "délai atteint pendant la requête")
                return _Fatal("timeout", f"plus de {cfg.total_timeout:.0f} s pour recevoir la réponse "
                                         "(le serveur envoie ses données trop lentement)")

            with budget:
                try:
                    r = self._session().request(
                        method, url, headers=headers, data=data, stream=True,
                        timeout=(min(cfg.timeout, left), min(cfg.timeout, left)), verify=cfg.verify_tls,
                        allow_redirects=allow_redirects,
                    )
                except requests.exceptions.SSLError as exc:
                    raise cut() if budget.expired else _Fatal("tls-error", _short(exc))
                except requests.exceptions.Timeout as exc:
                    raise cut() if budget.expired else _Retryable("timeout", _short(exc))
                except requests.exceptions.TooManyRedirects as exc:
                    raise _Fatal("too-many-redirects", _short(exc))
                except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                        requests.exceptions.InvalidSchema) as exc:
                    raise _Fatal("invalid-url", _short(exc))
                except requests.exceptions.ConnectionError as exc:
                    if budget.expired:
                        raise cut()
                    if _is_dns_error(exc):
                        raise _Fatal("dns-error", _short(exc))
                    raise _Retryable("connection-error", _short(exc))
                except requests.RequestException as exc:
                    raise cut() if budget.expired else _Retryable("connection-error", _short(exc))
                except ValueError as exc:  # a URL even urllib3 cannot parse
                    raise _Fatal("invalid-url", _short(exc))
                try:
                    chunks = []
                    size = 0
                    if method != "HEAD":
                        for chunk in r.iter_content(chunk_size=65536):
                            chunks.append(chunk)
                            size += len(chunk)
                            if size > limit_bytes:
                                if truncate:
                                    chunks[-1] = chunk[: len(chunk) - (size - limit_bytes)]
                                    break
                                raise _Fatal("body-too-large", f"plus de {limit_bytes} octets")
                            if budget.expired:
                                raise cut()
                    if budget.expired:  # the connection was cut: what came is not the answer
                        raise cut()
                    body = b"".join(chunks)
                except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError) as exc:
                    raise cut() if budget.expired else _Retryable("truncated-body", _short(exc))
                except requests.exceptions.Timeout as exc:
                    raise cut() if budget.expired else _Retryable("timeout", _short(exc))
                except requests.exceptions.ConnectionError as exc:
                    raise cut() if budget.expired else _Retryable("connection-error", _short(exc))
                finally:
                    r.close()
        finally:
            h.slots.release()
        with self._stats_lock:
            self.stats.bytes += len(body)
            self.stats.by_status[r.status_code] += 1
        hdrs = {k.lower(): v for k, v in r.headers.items()}
        return Response(r.url, r.status_code, hdrs, body)

    def _retry_or_fail(self, portal, code, message, url, attempt, status, wait=None, *, cfg=None,
                       limit: tuple[float, str] | None = None) -> None:
        cfg = cfg or self.config
        if attempt > cfg.retries:
            raise self._fail(portal, code, f"{message} (après {attempt} tentatives)", url, status)
        if wait is None:
            wait = min(cfg.backoff_max, cfg.backoff * 2 ** (attempt - 1)) * (0.5 + random.random() / 2)
        if limit is not None and time.monotonic() + wait >= limit[0]:  # the retry would start past the deadline
            raise self._fail(portal, code, f"{message} (après {attempt} tentative(s) ; pas de nouvelle tentative "
                                           f"avant le délai : {limit[1]})", url, status)
        with self._stats_lock:
            self.stats.retries += 1
        self._emit(portal, code, "info", f"{message} ; nouvelle tentative dans {wait:.1f} s", url,
                   {"attempt": attempt, "status": status})
        time.sleep(wait)

    def _past_deadline(self, portal, limit: tuple[float, str] | None, url: str) -> FetchError:
        """The request of a portal past its deadline: one event per portal, then silent failures."""
        reason = limit[1] if limit is not None else "délai dépassé"
        with self._stats_lock:
            self.stats.failures += 1
            first = portal not in self._limit_reported
            self._limit_reported.add(portal)
        if first:
            self._emit(portal, "deadline", "error", reason, url, {})
        return FetchError("deadline", reason, url)

    def _fail(self, portal, code, message, url, status=None) -> FetchError:
        with self._stats_lock:
            self.stats.failures += 1
        self._emit(portal, code, "error", message, url, {"status": status})
        return FetchError(code, message, url, status)

    def _emit(self, portal, code, level, message, url, detail) -> None:
        if self.on_event is not None:
            self.on_event(portal=portal, code=code, level=level, message=message, url=url, detail=detail)


class _Retryable(Exception):
    def __init__(self, code: str, message: str):
        self.code, self.message = code, message


class _Fatal(_Retryable):
    pass


def retry_wait(headers: dict[str, str], now: float | None = None) -> float | None:
    """Seconds to wait according to ``Retry-After`` or ``X-RateLimit-Reset`` (only when
    the remaining quota is exhausted or the answer is a 429), or ``None``."""
    now = time.time() if now is None else now
    ra = headers.get("retry-after")
    if ra:
        ra = ra.strip()
        if ra.isdigit():
            return float(ra)
        try:
            dt = email.utils.parsedate_to_datetime(ra)
            return max(0.0, dt.timestamp() - now)
        except (TypeError, ValueError):
            pass
    reset = headers.get("x-ratelimit-reset")
    if reset and not _quota_left(headers):
        ts = parse_reset(reset, now)
        if ts is not None:
            return max(0.0, ts - now)
    return None


def _quota_left(headers: dict[str, str]) -> bool:
    """True when ``X-RateLimit-Remaining`` says calls are left: Opendatasoft sends its
    quota headers on every answer, and a 5xx then must not wait for the quota reset."""
    try:
        return int(headers.get("x-ratelimit-remaining", "").strip()) > 0
    except ValueError:
        return False


def parse_reset(value: str, now: float) -> float | None:
    """``X-RateLimit-Reset`` as a POSIX timestamp. Opendatasoft documents an epoch but
    sends a datetime (``2025-07-31 00:00:00+00:00``); small integers are delays."""
    value = value.strip()
    try:
        n = float(value)
    except ValueError:
        n = None
    if n is not None:
        if n > 1e12:  # milliseconds
            return n / 1000
        if n > 1e9:
            return n
        return now + n
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            dt = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.timestamp()


def _charset(headers: dict[str, str]) -> str | None:
    ct = headers.get("content-type", "")
    for part in ct.split(";")[1:]:
        k, _, v = part.strip().partition("=")
        if k.lower() == "charset" and v:
            return v.strip('"')
    return None


def _is_dns_error(exc: BaseException) -> bool:
    seen = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        name = type(cur).__name__
        text = str(cur)
        if name in ("NameResolutionError", "gaierror") or "Name or service not known" in text \
                or "Temporary failure in name resolution" in text or "nodename nor servname" in text:
            return True
        cur = cur.__cause__ or cur.__context__ or (cur.args[0] if cur.args and isinstance(cur.args[0], BaseException) else None)
    return False


def _short(exc: BaseException) -> str:
    text = str(exc)
    return text if len(text) < 300 else text[:297] + "..."
