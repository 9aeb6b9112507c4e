"""What the service checks on every request before answering it, and the headers it adds to every
response: its defences as a web application.

- **Host** (DNS rebinding): a page of ``attaquant.example``, whose name then resolves to 127.0.0.1,
  may make the visitor's browser talk to the service as if it were that site. The browser still sends
  ``Host: attaquant.example``: a request whose Host name is not one of the service's is refused (400).
  The service's names are the loopback ones (127.0.0.1, localhost, ::1, which no other site can take),
  the address it listens on when that is a specific one, and the names given with ``--allowed-host``
  or ``[serve] allowed_hosts`` (``*``: any, to be used behind a proxy that checks it).
- **Origin** (CSRF): a state-changing request (anything but GET, HEAD, OPTIONS, TRACE) that a browser
  sends from another origin is refused (403): its ``Origin`` (or, without one, its ``Referer``) must be
  the service's own scheme-less origin (host and port of the Host header), and a browser's
  ``Sec-Fetch-Site`` must not say ``cross-site`` or ``same-site`` (another port of the same machine is
  the same site but another origin). A request with none of these headers comes from a program, not a
  browser, and no page can forge it. The form that starts an audit also carries a token
  (:class:`FormToken`) that only the service's own page shows.
- **Headers**: ``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY`` and the
  Content-Security-Policy with ``frame-ancestors 'none'`` (no page may frame the service and make a
  visitor click its buttons), ``Referrer-Policy: same-origin``, and cross-origin isolation
  (``Cross-Origin-Opener-Policy``, ``Cross-Origin-Resource-Policy``).
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Iterable
from urllib.parse import urlsplit

LOOPBACK = ("127.0.0.1", "localhost", "::1")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
PAGE_POLICY = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; "
               "frame-ancestors 'none'; base-uri 'none'")
API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
DEFAULT_PORTS = {"http": 80, "https": 443}

def name_of(host: str) -> str:
    """The name of a Host header value or a configured name: lower case, without port, brackets or
    final dot (``[::1]:8080`` → ``::1``, ``Exemple.FR.:80`` → ``exemple.fr``)."""
    host = host.strip().lower()
    if host.startswith("["):
        host = host[1:].split("]", 1)[0]
    elif host.count(":") == 1:
        host = host.split(":", 1)[0]
    return host.rstrip(".")


def host_names(extra: Iterable[str] = (), listen: str | None = None) -> frozenset[str]:
    """The names the service answers to: the loopback ones, ``listen`` when it is a specific address
    (not 0.0.0.0 or ::), and ``extra`` (``*`` among them: any name)."""
    names = {name_of(n) for n in (*LOOPBACK, *extra) if n and n.strip()}
    if listen and name_of(listen) not in ("", "0.0.0.0", "::"):
        names.add(name_of(listen))
    return frozenset(names)


def _port(text: str) -> int | None:
    return int(text) if text.isdigit() and len(text) <= 5 else None


def _split_host(host: str) -> tuple[str, int | None]:
    """(name, port or None) of a Host header value."""
    host = host.strip().lower()
    if host.startswith("["):
        name, _, rest = host[1:].partition("]")
        return name, _port(rest[1:]) if rest.startswith(":") else None
    if host.count(":") == 1:
        name, _, port = host.partition(":")
        return name.rstrip("."), _port(port) if port else None
    return host.rstrip("."), None


def refuse_host(request, names: frozenset[str]) -> tuple[str, int, str] | None:
    """(message key, status, detail) when the request's Host is not one of ``names``. A request with no
    Host header at all (HTTP/1.0) comes from no browser: let through."""
    raw = request.headers.get("Host")
    if raw is None or "*" in names:
        return None
    if name_of(raw) in names:
        return None
    return "service.bad_host", 400, _shown(raw)


def refuse_cross_origin(request) -> tuple[str, int, str] | None:
    """(message key, status, detail) when a state-changing request comes from another origin."""
    if request.method in SAFE_METHODS:
        return None
    site = (request.headers.get("Sec-Fetch-Site") or "").strip().lower()
    origin = request.headers.get("Origin")
    if origin is None:
        referer = request.headers.get("Referer")
        if referer:
            try:
                parts = urlsplit(referer.strip())
                origin = f"{parts.scheme}://{parts.netloc}"
            except ValueError:
                origin = "null"
    if site in ("cross-site", "same-site"):
        return "service.cross_origin", 403, _shown(origin or site)
    if origin is None:
        return None  # a program (no browser omits both on a POST): it cannot be made to send it by a page
    if not same_origin(origin, request.headers.get("Host") or ""):
        return "service.cross_origin", 403, _shown(origin)
    return None


def same_origin(origin: str, host: str) -> bool:
    """Whether ``origin`` (``scheme://host[:port]``) names the same host and port as the ``host``
    header; a Host without a port (a proxy in front) stands for the origin scheme's default port."""
    try:
        parts = urlsplit(origin.strip())
        scheme = parts.scheme.lower()
        if scheme not in DEFAULT_PORTS or not parts.hostname or parts.path not in ("", "/"):
            return False
        origin_port = parts.port or DEFAULT_PORTS[scheme]
    except ValueError:  # "null", a port out of range, brackets that do not close…
        return False
    name, port = _split_host(host)
    if not name or name != parts.hostname.rstrip("."):
        return False
    return (port or DEFAULT_PORTS[scheme]) == origin_port


def _shown(text: str) -> str:
    """A header value as it may appear in a message: printable, bounded."""
    text = "".join(c if c.isprintable() else "?" for c in text)
    return text if len(text) <= 100 else text[:99] + "…"


class FormToken:
    """The token of the audits page's form: derived from a secret drawn when the service starts, shown
    only in the service's own page (another origin cannot read it), checked when the form comes back."""

    def __init__(self) -> None:
        self._secret = secrets.token_bytes(32)
        self.value = hmac.new(self._secret, b"start-audit", hashlib.sha256).hexdigest()

    def matches(self, given: str | None) -> bool:
        return bool(given) and hmac.compare_digest(given.encode("utf-8", "replace"), self.value.encode())


def secure_headers(resp) -> None:
    """The headers every response carries (a route may have set its own Content-Security-Policy)."""
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["X-Frame-Options"] = "DENY"
    resp.headers.setdefault("Content-Security-Policy", API_POLICY)
    resp.headers.setdefault("Referrer-Policy", "same-origin")
    resp.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    resp.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")

