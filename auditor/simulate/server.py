"""Local HTTP servers that play the simulated portals on 127.0.0.1.

One server (own port, so own "host") per portal. The server does what every real portal
does whatever its API: HTTP/1.1 keep-alive, ``ETag`` on every 200 and ``304 Not Modified``
on a matching ``If-None-Match`` (GET and HEAD), ``Last-Modified`` when the app gives one.
On top, it plays faults (:class:`~auditor.simulate.world.Faults`: latency, 500/502, 429
with ``Retry-After``, stalls, garbage or HTML bodies, truncated bodies, dropped
connections) and broken portals (TLS failure, DNS failure, 410 Gone, 503), and logs every
fault it injected so tests can compare with what the crawler recorded.

Portal apps (one per API kind, in :mod:`auditor.simulate.portals`) only map a
:class:`Request` to a :class:`Reply`.
"""
from __future__ import annotations

import hashlib
import json
import random
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

from .world import Faults, SimPortal, World


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case keys
    base: str  # this portal's base URL, e.g. http://127.0.0.1:41234
    body: bytes = b""

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else default

    def args(self, name: str) -> list[str]:
        return self.query.get(name, [])


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    etag: bool = True  # add an ETag and answer conditional requests

    @property
    def is_document(self) -> bool:
        """An API document (JSON, XML, RDF): the kind of body a garbage fault can spoil."""
        ct = self.content_type.lower()
        return any(t in ct for t in ("json", "xml", "turtle", "rdf", "ld+json"))


def json_reply(obj: Any, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, json.dumps(obj, ensure_ascii=False).encode("utf-8"),
                 "application/json; charset=utf-8", dict(headers or {}))


def not_found(message: str = "Not found") -> Reply:
    return json_reply({"message": message}, 404)


class PortalApp:
    """Base of a simulated portal API. Subclasses implement :meth:`handle`."""

    def __init__(self, world: World, portal: SimPortal, urls: dict[str, str]):
        self.world = world
        self.portal = portal
        self.urls = urls  # base URL of every simulated portal, by name

    @property
    def base(self) -> str:
        return self.urls[self.portal.name]

    def handle(self, req: Request) -> Reply:  # pragma: no cover - abstract
        raise NotImplementedError

    def rate_limit_headers(self) -> dict[str, str]:
        """Extra headers on every answer (Opendatasoft adds its quota headers)."""
        return {}

    def quota_reply(self) -> Reply:
        """What this portal answers to a request over quota."""
        return json_reply({"message": "Too many requests"}, 429)


@dataclass
class FaultLog:
    entries: list[dict[str, Any]] = field(default_factory=list)
    requests: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, portal: str, kind: str, method: str, path: str) -> None:
        with self.lock:
            self.entries.append({"portal": portal, "kind": kind, "method": method, "path": path})


class _FaultPicker:
    def __init__(self, faults: Faults, name: str):
        self.faults = faults
        self.rng = random.Random(f"{faults.seed}:{name}")
        self.lock = threading.Lock()

    def pick(self, method: str) -> str | None:
        f = self.faults
        if f.rate <= 0:
            return None
        with self.lock:
            if self.rng.random() >= f.rate:
                return None
            kinds = list(f.kinds)
            if method == "HEAD":  # no body to spoil
                kinds = [k for k in kinds if k not in ("garbage", "html", "truncated")] or ["500"]
            return self.rng.choice(kinds)


def _make_handler(app: PortalApp, log: FaultLog, picker: _FaultPicker):
    portal = app.portal

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "auditor-sim/1.0"

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def do_GET(self) -> None:
            self._serve("GET")

        def do_HEAD(self) -> None:
            self._serve("HEAD")

        def do_POST(self) -> None:
            self._serve("POST")

        def _serve(self, method: str) -> None:
            with log.lock:
                log.requests += 1
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            if portal.faults.latency:
                time.sleep(portal.faults.latency)
            if portal.broken == "gone":
                return self._send(method, Reply(410, b"<html><body><h1>410 Gone</h1></body></html>",
                                                "text/html; charset=utf-8", etag=False))
            if portal.broken == "down":
                return self._send(method, Reply(503, b"<html><body>Service Unavailable</body></html>",
                                                "text/html; charset=utf-8", etag=False))
            fault = picker.pick(method)
            split = urlsplit(self.path)
            if fault and fault not in BODY_FAULTS:
                log.add(portal.name, fault, method, self.path)
            if fault == "timeout":
                time.sleep(portal.faults.timeout_sleep)
            elif fault in ("500", "502"):
                return self._send(method, Reply(int(fault), b"<html><body>Internal Server Error</body></html>",
                                                "text/html; charset=utf-8", etag=False))
            elif fault == "429":
                r = app.quota_reply()
                r.headers["Retry-After"] = str(portal.faults.retry_after)
                r.etag = False
                return self._send(method, r)
            elif fault == "reset":
                self.close_connection = True
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                return
            req = Request(method=method if method != "HEAD" else "GET", path=split.path,
                          query=parse_qs(split.query, keep_blank_values=True),
                          headers={k.lower(): v for k, v in self.headers.items()},
                          base=app.base, body=body)
            try:
                reply = app.handle(req)
            except Exception as exc:  # a bug in the simulator must show, not hang the client
                reply = json_reply({"message": f"simulator error: {exc!r}"}, 500)
            if fault in BODY_FAULTS:
                if not (reply.status == 200 and reply.is_document) or self._not_modified(reply):
                    fault = "500"  # no body to spoil (a file, an error, a 304): fail plainly instead
                log.add(portal.name, fault, method, self.path)
                if fault == "500":
                    return self._send(method, Reply(500, b"<html><body>Internal Server Error</body></html>",
                                                    "text/html; charset=utf-8", etag=False))
            if fault == "garbage":
                reply = Reply(200, reply.body[: max(1, len(reply.body) // 3)], reply.content_type, etag=False)
            elif fault == "html":
                reply = Reply(200, b"<!DOCTYPE html><html><body><h1>Maintenance en cours</h1></body></html>",
                              "text/html; charset=utf-8", etag=False)
            self._send(method, reply, truncate=(fault == "truncated"))

        def _not_modified(self, reply: Reply) -> bool:
            inm = self.headers.get("If-None-Match")
            return bool(inm and reply.etag and _etag(reply.body) in [t.strip() for t in inm.split(",")])

        def _send(self, method: str, reply: Reply, truncate: bool = False) -> None:
            headers = dict(app.rate_limit_headers())
            headers.update(reply.headers)
            status = reply.status
            body = reply.body
            if reply.etag and status == 200:
                tag = _etag(body)
                headers["ETag"] = tag
                inm = self.headers.get("If-None-Match")
                if inm and tag in [t.strip() for t in inm.split(",")]:
                    status, body = 304, b""
            self.send_response(status)
            if status != 304:
                self.send_header("Content-Type", reply.content_type)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)) if status != 304 else "0")
            self.end_headers()
            if method == "HEAD" or status == 304:
                return
            if truncate:
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.close_connection = True
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                return
            self.wfile.write(body)

    return Handler


BODY_FAULTS = ("garbage", "html", "truncated")


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha1(body).hexdigest() + '"'


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request, client_address) -> None:  # client went away: not our problem
        pass


class _TlsBrokenServer:
    """Accepts connections on an https:// URL and answers in clear text, so that the
    client's TLS handshake fails as it does against a portal with a broken certificate."""

    def __init__(self, host: str):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.stopped = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stopped:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            try:
                conn.recv(1024)
                conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            except OSError:
                pass
            finally:
                conn.close()

    def shutdown(self) -> None:
        self.stopped = True
        try:
            self.sock.close()
        except OSError:
            pass


class SimTerritory:
    """All portals of a world, served on 127.0.0.1. Use as a context manager."""

    def __init__(self, world: World, host: str = "127.0.0.1", ports: dict[str, int] | None = None):
        from .portals import APPS  # late import: portal modules import this one

        self.world = world
        self.host = host
        self.urls: dict[str, str] = {}
        self.log = FaultLog()
        self._servers: list[Any] = []
        self._threads: list[threading.Thread] = []
        pending: list[tuple[SimPortal, ThreadingHTTPServer]] = []
        for name, portal in world.portals.items():
            if portal.broken == "dns":
                self.urls[name] = f"http://{name}.portail-disparu.invalid"
                continue
            if portal.broken == "tls":
                srv = _TlsBrokenServer(host)
                self._servers.append(srv)
                self.urls[name] = f"https://{host}:{srv.port}"
                continue
            server = _QuietServer((host, (ports or {}).get(name, 0)), BaseHTTPRequestHandler)
            self.urls[name] = f"http://{host}:{server.server_address[1]}"
            pending.append((portal, server))
        for portal, server in pending:
            app = APPS[portal.kind](world, portal, self.urls)
            server.RequestHandlerClass = _make_handler(app, self.log, _FaultPicker(portal.faults, portal.name))
            self._servers.append(server)
            t = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
            t.start()
            self._threads.append(t)

    def source_url(self, name: str) -> str:
        """The URL a crawler configuration gives for portal ``name``."""
        portal = self.world.portals[name]
        base = self.urls[name]
        if portal.kind == "dcat":
            ext = {"turtle": "ttl", "jsonld": "jsonld"}.get(portal.options.get("format", "xml"), "rdf")
            return f"{base}/catalogue.{ext}"
        return base

    def stop(self) -> None:
        for s in self._servers:
            s.shutdown()
            if hasattr(s, "server_close"):
                s.server_close()

    def __enter__(self) -> "SimTerritory":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def serve(world: World, **kw: Any) -> SimTerritory:
    return SimTerritory(world, **kw)


Handler = Callable[[Request], Reply]
