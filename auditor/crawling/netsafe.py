"""Network safety: fetching a URL that a person typed without reaching the internal network (SSRF), and time
budgets that hold however slowly a server sends its bytes.

**Fetching a URL from outside** (the self-check page, ``auditor check URL``: :func:`download`):

* only ``http`` and ``https``; a malformed URL (port out of range, broken IPv6 literal…) is refused with
  :class:`UnsafeURL` and a French reason, never a traceback;
* the host name is resolved **once** per download (:class:`AddressPolicy`, with an injectable ``resolve``
  function) and every address it gives must be public — only globally routable addresses pass
  (:func:`address_refusal`: loopback, private ranges, shared address space 100.64.0.0/10, link-local and
  cloud metadata 169.254.169.254, documentation and benchmark ranges, multicast, reserved; IPv6 outside
  2000::/3, unique-local, site-local, Teredo, and the IPv6 forms that embed an IPv4 address — IPv4-mapped
  ``::ffff:a.b.c.d``, IPv4-compatible ``::a.b.c.d``, NAT64 ``64:ff9b::/96``, 6to4 ``2002::/16`` — judged by
  the IPv4 address they carry; the local-use NAT64 prefix ``64:ff9b:1::/48`` refused), unless private
  addresses are explicitly allowed (``allow_private``, or per host with ``allowed_hosts``);
* the connection is made **to the address that was checked** — the transport never resolves the name
  again (a DNS answer that changes between the check and the connection, « DNS rebinding », cannot steer
  it) — while the request carries the original ``Host`` header and TLS uses the original name for SNI and
  certificate verification; the address actually connected to is checked again before a single byte of
  the request is sent, for every scheme, hop and connection;
* redirects are followed by hand, at most ``max_redirects``, each hop checked the same way;
* no proxy from the environment is used (a proxy would connect in our place, unchecked);
* the body is streamed to a temporary file and cut at ``max_bytes``; the whole download, every hop
  included, must finish within ``max_seconds``.

Errors are :class:`UnsafeURL` (refused) or :class:`DownloadError` (failed), with French messages meant for
the person who gave the URL.

**Time budgets** (:class:`Budget`): a deadline on the monotonic clock and a cancel switch. While a budget is
current (``with budget:``), every connection that the guarded transport (:class:`GuardedAdapter`, mounted
by :func:`download`, :class:`auditor.crawling.http.HttpClient` and the file stage) opens or uses in that thread is
watched by one watchdog thread: at the deadline, or as soon as :meth:`Budget.cancel` is called from any
thread, its socket is shut down, which ends a connect, a TLS handshake or a read in progress at once. A
server that trickles its headers or its body one byte at a time is therefore cut at the deadline, not at
the next read timeout; connect timeouts are capped by what is left of the budget. After a cut the caller
sees a transport error and checks :attr:`Budget.expired` to report a timeout, never a truncated body.

Hooks for the service: ``download(..., budget=Budget(seconds))`` bounds a check request as a whole, and
``budget.cancel()`` (from another thread: a client gone, a shutdown) ends its download at once with
:class:`DownloadError` (« téléchargement annulé »).
"""
from __future__ import annotations

import contextvars
import heapq
import ipaddress
import itertools
import math
import os
import socket
import tempfile
import threading
import time
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Callable, Iterable
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from .. import __version__

DEFAULT_USER_AGENT = (
    f"auditor/{__version__} (audit open data des communes; "
    "+https://github.com/mel-opendata/auditor)"
)

Resolver = Callable[[str, int], Iterable[str]]  # (host, port) -> IP addresses, as text


class UnsafeURL(Exception):
    pass


class DownloadError(Exception):
    pass


@dataclass
class Download:
    path: str  # temporary file; the caller deletes it
    url: str  # final URL after redirects
    size: int
    content_type: str | None
    filename: str | None


# -- which addresses are public ------------------------------------------------------------------------------

_V4_NOT_GLOBAL = tuple(ipaddress.ip_network(n) for n in (
    "0.0.0.0/8",  # « this network »
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",  # private (RFC 1918)
    "100.64.0.0/10",  # shared address space, carrier-grade NAT (RFC 6598)
    "127.0.0.0/8",  # loopback
    "169.254.0.0/16",  # link-local, cloud metadata (169.254.169.254)
    "192.0.0.0/24",  # IETF protocol assignments
    "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24",  # documentation
    "192.88.99.0/24",  # 6to4 relay anycast (deprecated)
    "198.18.0.0/15",  # benchmarking
    "224.0.0.0/4",  # multicast
    "240.0.0.0/4",  # reserved, broadcast
))
_V6_GLOBAL_UNICAST = ipaddress.ip_network("2000::/3")
_V6_NOT_GLOBAL = tuple(ipaddress.ip_network(n) for n in (
    "2001::/23",  # IETF protocol assignments, Teredo 2001::/32 among them
    "2001:db8::/32", "3fff::/20",  # documentation
))
_V4_MAPPED = ipaddress.ip_network("::ffff:0:0/96")
_V4_COMPATIBLE = ipaddress.ip_network("::/96")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")
_SIX_TO_FOUR = ipaddress.ip_network("2002::/16")
_TEREDO = ipaddress.ip_network("2001::/32")


def embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for, when it is one of the forms that carry one:
    IPv4-mapped, IPv4-compatible, NAT64 (64:ff9b::/96), 6to4 (2002::/16)."""
    if ip in _V4_MAPPED:
        return ip.ipv4_mapped
    if ip in _V4_COMPATIBLE or ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip in _SIX_TO_FOUR:
        return ip.sixtofour
    return None


def address_refusal(address: str) -> str | None:
    """Why ``address`` may not be reached from a URL given from outside (French), or None when it is a
    globally routable unicast address. Only global addresses pass; an IPv6 address that embeds an IPv4
    one is judged by the IPv4 address."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return f"{address} n'est pas une adresse IP"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in _TEREDO:
            return f"{ip} est une adresse de tunnel Teredo"
        if ip in _NAT64_LOCAL:
            return f"{ip} est une adresse NAT64 à usage local"
        v4 = embedded_ipv4(ip) if ip not in (ipaddress.IPv6Address("::"), ipaddress.IPv6Address("::1")) else None
        if v4 is not None:
            inner = address_refusal(str(v4))
            return f"{ip} contient l'adresse IPv4 {v4}, interne ou réservée" if inner else None
        if ip not in _V6_GLOBAL_UNICAST or any(ip in n for n in _V6_NOT_GLOBAL):
            return f"{ip} est une adresse interne ou réservée"
    elif any(ip in n for n in _V4_NOT_GLOBAL):
        return f"{ip} est une adresse interne ou réservée"
    if not ip.is_global or ip.is_multicast:  # what the standard library also knows to be special
        return f"{ip} est une adresse interne ou réservée"
    return None


def is_public(address: str) -> bool:
    return address_refusal(address) is None


# -- resolution, once, and the check ---------------------------------------------------------------------------

def system_resolve(host: str, port: int) -> list[str]:
    """The addresses of ``host`` as the system resolver gives them (in its order, without repeats)."""
    infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    return list(dict.fromkeys(info[4][0] for info in infos))


class AddressPolicy:
    """Which addresses a download may connect to, and the addresses each host resolved to. A host is
    resolved once (with ``resolve``, the system resolver by default): the checked addresses are pinned and
    every connection to that host and port goes to one of them."""

    def __init__(self, *, allow_private: bool = False, allowed_hosts: Iterable[str] = frozenset(),
                 resolve: Resolver | None = None, resolve_timeout: float = 10.0):
        self.allow_private = allow_private
        self.allowed_hosts = frozenset(h.lower() for h in allowed_hosts)
        self.resolve = resolve or system_resolve
        self.resolve_timeout = resolve_timeout
        self._pins: dict[tuple[str, int], list[str]] = {}
        self._lock = threading.Lock()

    def private_allowed(self, host: str) -> bool:
        return self.allow_private or host.lower().rstrip(".") in self.allowed_hosts

    def check(self, host: str, address: str) -> None:
        """Raise :class:`UnsafeURL` when ``host`` may not be reached at ``address``."""
        if self.private_allowed(host):
            return
        why = address_refusal(address)
        if why:
            raise UnsafeURL(f"adresse refusée : {host} désigne une adresse interne ou réservée ({why})")

    def addresses(self, host: str, port: int, timeout: float | None = None) -> list[str]:
        """The checked addresses of ``host`` (resolved on first use, then pinned)."""
        key = (host.lower(), port)
        with self._lock:
            pinned = self._pins.get(key)
        if pinned is not None:
            return pinned
        literal = host.strip("[]")
        try:
            ipaddress.ip_address(literal.split("%", 1)[0])
            found = [literal]
        except ValueError:
            found = self._resolve(host, port, timeout)
        for address in found:
            self.check(host, address)
        with self._lock:
            return self._pins.setdefault(key, found)

    def _resolve(self, host: str, port: int, timeout: float | None) -> list[str]:
        limit = self.resolve_timeout if timeout is None else min(timeout, self.resolve_timeout)
        box: dict[str, object] = {}

        def run() -> None:
            try:
                box["ok"] = [str(a) for a in self.resolve(host, port)]
            except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
                box["error"] = exc

        worker = threading.Thread(target=run, daemon=True, name="resolve")  # a resolver has no timeout of its own
        worker.start()
        worker.join(max(0.0, limit))
        if worker.is_alive():
            raise DownloadError(f"nom de domaine introuvable : {host} (pas de réponse en {limit:.0f} s)")
        if "error" in box:
            exc = box["error"]
            if isinstance(exc, (socket.gaierror, UnicodeError, OSError, ValueError)):
                raise DownloadError(f"nom de domaine introuvable : {host} ({exc})") from None
            raise exc  # type: ignore[misc]
        found = box.get("ok") or []
        if not found:
            raise DownloadError(f"nom de domaine introuvable : {host} (aucune adresse)")
        return found  # type: ignore[return-value]

    def connect(self, conn: HTTPConnection, timeout: float | None) -> socket.socket:
        """A socket connected to one of the checked addresses of ``conn``'s host, the peer checked again."""
        host, port = conn.host, conn.port or (443 if isinstance(conn, HTTPSConnection) else 80)
        errors = []
        for address in self.addresses(getattr(conn, "_dns_host", host), port, timeout):
            try:
                sock = _open_socket(address, port, timeout, conn.socket_options)
            except TimeoutError as exc:
                raise ConnectTimeoutError(conn, f"Connection to {host} timed out ({exc})") from None
            except OSError as exc:
                errors.append(f"{address} : {exc}")
                continue
            try:
                peer = sock.getpeername()[0]
                self.check(host, peer)  # the address actually reached, before any byte of the request
            except BaseException:
                sock.close()
                raise
            return sock
        raise NewConnectionError(conn, f"Failed to establish a new connection: {' ; '.join(errors)}")


def _open_socket(address: str, port: int, timeout: float | None, options=None) -> socket.socket:
    """A TCP connection to the IP address ``address`` (never a name: nothing is resolved here)."""
    family, kind, proto, _, sockaddr = socket.getaddrinfo(address, port, type=socket.SOCK_STREAM,
                                                          flags=socket.AI_NUMERICHOST)[0]
    sock = socket.socket(family, kind, proto)
    try:
        for opt in options or ():
            sock.setsockopt(*opt)
        sock.settimeout(timeout)
        sock.connect(sockaddr)
    except BaseException:
        sock.close()
        raise
    return sock


def check_url(url: str, *, allow_private: bool = False, allowed_hosts: frozenset[str] = frozenset(),
              resolve: Resolver | None = None, policy: AddressPolicy | None = None) -> list[str]:
    """Refuse (:class:`UnsafeURL`) a URL that is malformed, not http(s), or whose host is not public; the
    checked addresses otherwise (pinned in ``policy`` when one is given)."""
    scheme, host, port = parse_target(url)
    policy = policy or AddressPolicy(allow_private=allow_private, allowed_hosts=allowed_hosts, resolve=resolve)
    return policy.addresses(host, port)


def parse_target(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an http(s) URL, or :class:`UnsafeURL` with a French reason."""
    try:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        host = parts.hostname
        port = parts.port
    except ValueError as exc:
        text = str(exc)
        if "IPv6" in text:  # an unclosed bracket, or a name between brackets
            why = "adresse IPv6 mal formée (entre crochets, une adresse IPv6 complète est attendue)"
        elif text.startswith("Port"):
            why = "le port doit être un nombre de 1 à 65535"
        else:
            why = text
        raise UnsafeURL(f"adresse refusée : adresse invalide, {why} ({url[:200]!r})") from None
    if scheme not in ("http", "https"):
        raise UnsafeURL(f"adresse refusée : seuls http et https sont acceptés ({parts.scheme or 'aucun schéma'})")
    if not host:
        raise UnsafeURL("adresse refusée : nom d'hôte manquant")
    if port == 0:
        raise UnsafeURL("adresse refusée : adresse invalide, le port doit être un nombre de 1 à 65535")
    return scheme, host, port or (443 if scheme == "https" else 80)


# -- time budgets ------------------------------------------------------------------------------------------------

_current: contextvars.ContextVar["Budget | None"] = contextvars.ContextVar("auditor_budget", default=None)


def current_budget() -> "Budget | None":
    return _current.get()


class Budget:
    """A time budget: a deadline on the monotonic clock (none: unlimited) and a cancel switch.

    ``with budget:`` makes it current in this thread (budgets nest: the inner one also obeys the outer);
    the guarded transport then watches every connection it opens or uses, and shuts them down at the
    deadline or on :meth:`cancel`. ``reason`` says, in French, whose deadline it is."""

    def __init__(self, seconds: float | None = None, *, deadline: float | None = None, reason: str | None = None):
        self.deadline = math.inf if deadline is None else deadline
        if seconds is not None:
            self.deadline = min(self.deadline, time.monotonic() + seconds)
        self.reason = reason
        self.parent: Budget | None = None
        self.cancelled = False
        self.fired = False
        self._conns: set = set()
        self._lock = threading.Lock()
        self._token = None
        self._active = False

    def remaining(self) -> float:
        left = self.deadline - time.monotonic()
        if self.parent is not None:
            left = min(left, self.parent.remaining())
        return 0.0 if self.cancelled else left

    @property
    def expired(self) -> bool:
        return self.cancelled or self.fired or self.remaining() <= 0 or (
            self.parent is not None and self.parent.expired)

    def cancel(self) -> None:
        """End whatever runs under this budget now (from any thread)."""
        self.cancelled = True
        self._fire()

    def __enter__(self) -> "Budget":
        self.parent = _current.get()
        self._token = _current.set(self)
        self._active = True
        if self.deadline < math.inf:
            _WATCHDOG.add(self)
        return self

    def __exit__(self, *exc) -> None:
        self._active = False
        if self._token is not None:
            _current.reset(self._token)
            self._token = None
        with self._lock:
            self._conns.clear()

    def attach(self, conn) -> None:
        """Watch ``conn`` — a connection, whose socket is looked up when the budget fires, or a socket — (shut
        down at the deadline or on cancel) until the budget is left. A socket is attached as such once the
        request is sent: a connection answered « Connection: close » or in HTTP/1.0 lets go of its socket
        while the body is still being read from it."""
        budget: Budget | None = self
        while budget is not None:
            with budget._lock:
                if budget.fired:
                    _shutdown(conn)
                else:
                    budget._conns.add(conn)
            budget = budget.parent

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            conns = list(self._conns)
        for conn in conns:
            _shutdown(conn)


def _shutdown(conn) -> None:
    sock = conn if isinstance(conn, socket.socket) else getattr(conn, "sock", None)
    if sock is None:
        return
    try:
        socket.socket.shutdown(sock, socket.SHUT_RDWR)  # the descriptor itself, TLS or not
    except (OSError, ValueError, TypeError):
        pass


class _Watchdog:
    """One daemon thread that fires each active budget at its deadline."""

    def __init__(self):
        self._heap: list[tuple[float, int, Budget]] = []
        self._cond = threading.Condition()
        self._seq = itertools.count()
        self._thread: threading.Thread | None = None

    def add(self, budget: Budget) -> None:
        with self._cond:
            while self._heap and not self._heap[0][2]._active:  # budgets left since: forgotten
                heapq.heappop(self._heap)
            entry = (budget.deadline, next(self._seq), budget)
            heapq.heappush(self._heap, entry)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, daemon=True, name="budget-watchdog")
                self._thread.start()
            if self._heap[0] is entry:  # the earliest deadline now: the watchdog must wake up sooner
                self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                while True:
                    while self._heap and not self._heap[0][2]._active:
                        heapq.heappop(self._heap)
                    if not self._heap:
                        self._cond.wait()
                        continue
                    delay = self._heap[0][0] - time.monotonic()
                    if delay <= 0:
                        budget = heapq.heappop(self._heap)[2]
                        break
                    self._cond.wait(delay)
            if budget._active and budget.deadline <= time.monotonic():
                budget._fire()


_WATCHDOG = _Watchdog()


# -- the guarded transport ----------------------------------------------------------------------------------------

class _Watched:
    """urllib3 connection behaviour: the current budget watches the connection and caps its connect
    timeout; with an :class:`AddressPolicy`, the connection goes to a checked address only."""

    policy: AddressPolicy | None = None

    def _new_conn(self):
        budget = _current.get()
        timeout = self.timeout if isinstance(self.timeout, (int, float)) else None
        if budget is not None:
            if budget.expired:
                raise ConnectTimeoutError(self, f"Connection to {self.host}: time budget spent")
            left = budget.remaining()
            timeout = left if timeout is None else min(timeout, left)
        if self.policy is not None:
            return self.policy.connect(self, timeout)
        saved = self.timeout
        self.timeout = timeout
        try:
            return super()._new_conn()
        finally:
            self.timeout = saved

    def connect(self):
        budget = _current.get()
        if budget is not None:
            budget.attach(self)
        super().connect()
        if budget is not None and self.sock is not None:
            budget.attach(self.sock)

    def request(self, *args, **kwargs):
        budget = _current.get()
        if budget is not None:
            budget.attach(self)
        super().request(*args, **kwargs)
        if budget is not None and self.sock is not None:
            budget.attach(self.sock)  # the response is read from it, even once the connection lets it go


class _WatchedHTTPConnection(_Watched, HTTPConnection):
    pass


class _WatchedHTTPSConnection(_Watched, HTTPSConnection):
    pass


def _pool_classes(policy: AddressPolicy | None) -> dict[str, type]:
    http_conn = type("GuardedHTTPConnection", (_WatchedHTTPConnection,), {"policy": policy})
    https_conn = type("GuardedHTTPSConnection", (_WatchedHTTPSConnection,), {"policy": policy})
    return {"http": type("GuardedHTTPConnectionPool", (HTTPConnectionPool,), {"ConnectionCls": http_conn}),
            "https": type("GuardedHTTPSConnectionPool", (HTTPSConnectionPool,), {"ConnectionCls": https_conn})}


_UNGUARDED_POOLS = _pool_classes(None)


class GuardedAdapter(HTTPAdapter):
    """A requests transport whose connections obey the current :class:`Budget` and, with a ``policy``,
    connect only to addresses the policy checked (resolved once, never again by the transport)."""

    def __init__(self, policy: AddressPolicy | None = None, **kwargs):
        self.policy = policy
        self._pools = _pool_classes(policy) if policy is not None else _UNGUARDED_POOLS
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = self._pools

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        if self.policy is not None:
            raise UnsafeURL("adresse refusée : un mandataire (proxy) ne peut pas servir à un téléchargement vérifié")
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        manager.pool_classes_by_scheme = self._pools
        return manager


def guarded_session(policy: AddressPolicy | None = None, *, pool_maxsize: int = 10) -> requests.Session:
    """A requests session on the guarded transport (with ``policy``: environment proxies ignored)."""
    session = requests.Session()
    adapter = GuardedAdapter(policy, pool_connections=32, pool_maxsize=pool_maxsize)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    if policy is not None:
        session.trust_env = False
    return session


# -- the download ------------------------------------------------------------------------------------------------

def download(url: str, *, max_bytes: int = 50 * 1024 * 1024, max_seconds: float = 60.0, max_redirects: int = 5,
             allow_private: bool = False, allowed_hosts: frozenset[str] = frozenset(), directory: str | None = None,
             user_agent: str = DEFAULT_USER_AGENT, resolve: Resolver | None = None, budget: Budget | None = None,
             connect_timeout: float = 10.0, read_timeout: float = 30.0, verify: bool | str = True) -> Download:
    """Download ``url`` safely (see the module docstring). ``resolve``: the resolution function (tests,
    a local stub resolver); ``budget``: the caller's own budget (a per-request deadline, a cancel switch),
    obeyed on top of ``max_seconds``; ``verify``: TLS verification, or the path of the CA bundle to trust."""
    policy = AddressPolicy(allow_private=allow_private, allowed_hosts=allowed_hosts, resolve=resolve)
    session = guarded_session(policy)
    current = url
    try:
        with (budget if budget is not None else nullcontext()), Budget(max_seconds) as mine:
            def stopped() -> DownloadError:
                if mine.cancelled or (mine.parent is not None and mine.parent.cancelled):
                    return DownloadError("téléchargement annulé")
                return DownloadError(f"délai de {max_seconds:.0f} s dépassé" if mine.remaining() <= 0
                                     or mine.fired or max_seconds <= 0 else "délai de la demande dépassé")

            for _hop in range(max_redirects + 1):
                scheme, host, port = parse_target(current)
                if mine.expired:
                    raise stopped()
                policy.addresses(host, port, mine.remaining())  # resolved once and checked, before any request
                left = mine.remaining()
                try:
                    r = session.get(current, stream=True, allow_redirects=False,
                                    timeout=(min(connect_timeout, left), min(read_timeout, left)),
                                    headers={"User-Agent": user_agent}, verify=verify)
                except requests.exceptions.SSLError as exc:
                    raise (stopped() if mine.expired else DownloadError(f"erreur TLS (certificat) : {exc}")) from None
                except requests.RequestException as exc:
                    raise (stopped() if mine.expired else DownloadError(f"téléchargement impossible : {exc}")) from None
                with r:
                    if r.is_redirect:
                        location = r.headers.get("location")
                        if not location:
                            raise DownloadError("redirection sans adresse")
                        try:
                            current = urljoin(current, location)
                        except ValueError:
                            raise UnsafeURL(f"adresse refusée : redirection vers une adresse invalide ({location[:200]!r})") from None
                        continue
                    if r.status_code >= 400:
                        raise DownloadError(f"le serveur répond HTTP {r.status_code}")
                    declared = r.headers.get("content-length")
                    if declared and declared.isdigit() and int(declared) > max_bytes:
                        raise DownloadError(f"fichier trop volumineux : {int(declared)} octets (limite {max_bytes})")
                    fd, path = tempfile.mkstemp(prefix="auditor-", dir=directory)
                    size = 0
                    try:
                        with os.fdopen(fd, "wb") as out:
                            for chunk in r.iter_content(65536):
                                size += len(chunk)
                                if size > max_bytes:
                                    raise DownloadError(f"fichier trop volumineux : plus de {max_bytes} octets")
                                if mine.expired:
                                    raise stopped()
                                out.write(chunk)
                        if mine.expired:  # cut by the deadline: what came is not the file
                            raise stopped()
                    except requests.RequestException as exc:
                        os.unlink(path)
                        raise (stopped() if mine.expired else DownloadError(f"téléchargement interrompu : {exc}")) from None
                    except BaseException:
                        os.unlink(path)
                        raise
                    return Download(path=path, url=current, size=size, content_type=r.headers.get("content-type"),
                                    filename=_filename(r, current))
            raise DownloadError(f"trop de redirections (plus de {max_redirects})")
    finally:
        session.close()


def _filename(r: requests.Response, url: str) -> str | None:
    cd = r.headers.get("content-disposition", "")
    if "filename=" in cd:
        return os.path.basename(cd.split("filename=", 1)[1].strip().strip('"').split(";")[0])
    name = os.path.basename(urlsplit(url).path)
    return name or None
