"""Time budgets that hold on the bytes actually received (issue: « max_seconds=5 took 40 s », « a crawl with
total_timeout = 10 took 152 s », « a portal that never stops holds the audit and its lock »).

A local server on 127.0.0.1 trickles its headers or its body one byte at a time, each byte well within any
read timeout: only a deadline counted on the whole exchange can stop it. Every test asserts the wall time."""
from __future__ import annotations

import json
import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from auditor.config import load_config
from auditor.crawling.crawl import crawl
from auditor.crawling.http import FetchError, HttpClient, HttpConfig
from auditor.crawling.netsafe import Budget, DownloadError, download
from auditor.auditing.validation import FileCache, StageStats

TICK = 0.05  # seconds between two trickled bytes


class Trickler:
    """A raw HTTP server: ``/headers`` trickles its header lines, ``/body`` its body (with a Content-Length),
    ``/body10`` an HTTP/1.0 body without length (its end is the connection's), forever; ``/ckan/<name>/…``
    a minimal CKAN: ``ok`` answers, ``stuck`` trickles its first page, ``endless`` trickles every page but
    the first, which announces more."""

    def __init__(self, tls=None, silent: bool = False):
        self.tls, self.silent = tls, silent  # tls: a server SSLContext; silent: accept, then never answer
        self.stop = threading.Event()
        self.requests: list[str] = []
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(32)
        self.sock.settimeout(0.2)
        self.base = f"{'https' if tls else 'http'}://127.0.0.1:{self.sock.getsockname()[1]}"
        self.thread = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self) -> "Trickler":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join(5)
        self.sock.close()

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (socket.timeout, OSError):
                continue
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        if self.silent:
            self.stop.wait(120)
            conn.close()
            return
        with conn:
            conn.settimeout(5)
            data = b""
            try:
                if self.tls is not None:
                    conn = self.tls.wrap_socket(conn, server_side=True)
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(4096)
                    if not chunk:
                        return
                    data += chunk
                target = data.split(b" ", 2)[1].decode()
                self.requests.append(target)
                path = urlsplit(target).path
                if path.startswith("/ckan/"):
                    self._ckan(conn, target)
                elif path == "/headers":
                    conn.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
                    self._drip(conn)
                elif path == "/body":
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nContent-Length: 1000000\r\n\r\n")
                    self._drip(conn)
                elif path == "/body10":
                    conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: text/csv\r\nConnection: close\r\n\r\n")
                    self._drip(conn)
                else:
                    conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
            except OSError:
                return

    def _drip(self, conn: socket.socket) -> None:
        started = time.monotonic()
        while not self.stop.is_set() and time.monotonic() - started < 120:
            conn.sendall(b"a")
            time.sleep(TICK)

    def _ckan(self, conn: socket.socket, target: str) -> None:
        name = target.split("/")[2]
        start = int(parse_qs(urlsplit(target).query).get("start", ["0"])[0])
        if name == "stuck" or (name == "endless" and start > 0):
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
                         b'{"success": true, "result": {"count": 2, "results": [')
            self._drip(conn)
            return
        body = json.dumps({"success": True, "result": {"count": 2 if name == "endless" else 1, "results": [{
            "id": f"{name}-1", "name": f"{name}-1", "title": f"Jeu {name}", "notes": "", "resources": [],
            "organization": {"id": "org", "title": "Ville de Roubaix"}}]}}).encode()
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
                     + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)


@pytest.fixture()
def trickler():
    with Trickler() as t:
        yield t


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory):
    from tests.test_netsafe import make_certificate

    return make_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture()
def tls_trickler(tls_files):
    import ssl

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(tls_files[1], tls_files[2])
    with Trickler(tls=ctx) as t:
        yield t


@contextmanager
def wall(limit: float):
    started = time.monotonic()
    yield
    took = time.monotonic() - started
    assert took < limit, f"{took:.1f} s, budget {limit} s"


# -- netsafe.download (max_seconds) ------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/headers", "/body", "/body10"])
def test_download_is_cut_at_max_seconds(trickler, tmp_path, path):
    """Issue: `max_seconds=5` took 40 s while the server trickled."""
    with wall(2 + 1.5), pytest.raises(DownloadError, match="délai de 2 s dépassé"):
        download(trickler.base + path, allow_private=True, max_seconds=2, read_timeout=10, directory=str(tmp_path))
    assert not list(tmp_path.iterdir())  # no partial file left, never a truncated file handed over


@pytest.mark.parametrize("path", ["/headers", "/body", "/body10"])
def test_download_over_tls_is_cut_at_max_seconds(tls_trickler, tls_files, tmp_path, path):
    url = tls_trickler.base.replace("127.0.0.1", "portail.example") + path
    with wall(2 + 1.5), pytest.raises(DownloadError, match="délai de 2 s dépassé"):
        download(url, allowed_hosts=frozenset({"portail.example"}), resolve=lambda host, port: ["127.0.0.1"],
                 verify=tls_files[0], max_seconds=2, read_timeout=10, directory=str(tmp_path))
    assert tls_trickler.requests == [path]


def test_a_server_that_never_answers_the_tls_handshake_is_cut(tmp_path):
    with Trickler(silent=True) as silent:
        url = silent.base.replace("http:", "https:")
        with wall(1.5 + 1.5), pytest.raises(DownloadError, match="délai"):
            download(url, allow_private=True, max_seconds=1.5, read_timeout=10, directory=str(tmp_path))
        with wall(1.5 + 1.5), pytest.raises(FetchError, match="timeout"):
            HttpClient(HttpConfig(timeout=10, total_timeout=1.5, retries=2)).get(url)


def test_download_cancelled_from_another_thread(trickler, tmp_path):
    """The service's hook: a budget it holds, cancelled (client gone, shutdown) from another thread."""
    budget = Budget()
    threading.Timer(0.5, budget.cancel).start()
    with wall(0.5 + 1.5), pytest.raises(DownloadError, match="annulé"):
        download(trickler.base + "/body", allow_private=True, max_seconds=60, budget=budget, directory=str(tmp_path))
    assert not list(tmp_path.iterdir())


def test_a_caller_budget_bounds_the_download_too(trickler, tmp_path):
    with wall(1 + 1.5), pytest.raises(DownloadError, match="délai"):
        download(trickler.base + "/headers", allow_private=True, max_seconds=60, budget=Budget(1.0),
                 directory=str(tmp_path))


# -- HttpClient (total_timeout, per-portal deadline) --------------------------------------------------------------

@pytest.mark.parametrize("path", ["/headers", "/body", "/body10"])
def test_client_request_is_cut_at_total_timeout_and_not_retried(trickler, path):
    """Issue: a crawl with total_timeout = 10 took 152 s: a trickled answer is cut at total_timeout, and asking
    again would only trickle again."""
    http = HttpClient(HttpConfig(timeout=10, total_timeout=2, retries=3, backoff=0.01))
    with wall(2 + 1.5), pytest.raises(FetchError) as info:
        http.get(trickler.base + path)
    assert info.value.code == "timeout" and "trop lentement" in info.value.message
    assert trickler.requests.count(path) == 1


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
@pytest.mark.parametrize("path", ["/headers", "/body10"])
def test_client_request_over_tls_is_cut_at_total_timeout(tls_trickler, path):
    http = HttpClient(HttpConfig(timeout=10, total_timeout=2, retries=3, backoff=0.01, verify_tls=False))
    with wall(2 + 1.5), pytest.raises(FetchError) as info:
        http.get(tls_trickler.base + path)
    assert info.value.code == "timeout" and tls_trickler.requests == [path]


def test_portal_deadline_cuts_a_request_in_flight_then_refuses_at_once(trickler):
    events = []
    http = HttpClient(HttpConfig(timeout=10, total_timeout=60, retries=3, backoff=0.01),
                      on_event=lambda **kw: events.append(kw))
    http.limit("lent", time.monotonic() + 1.5, "délai de collecte de la source dépassé")
    with wall(1.5 + 1.5), pytest.raises(FetchError) as info:
        http.get(trickler.base + "/body", portal="lent")
    assert info.value.code == "deadline" and "délai de collecte" in info.value.message
    with wall(0.2), pytest.raises(FetchError, match="deadline"):
        http.get(trickler.base + "/headers", portal="lent")  # past the deadline: not even sent
    assert trickler.requests.count("/headers") == 0
    assert [e["code"] for e in events if e["code"] == "deadline"] == ["deadline"]  # reported once per portal
    other = HttpClient(HttpConfig(timeout=10, total_timeout=1, retries=0))
    other.limit("lent", time.monotonic() - 1, "passé")
    with pytest.raises(FetchError) as info:  # another portal of the same client is not concerned
        other.get(trickler.base + "/headers", portal="rapide")
    assert info.value.code == "timeout"


def test_retry_waits_never_go_past_the_deadline(trickler):
    http = HttpClient(HttpConfig(timeout=10, total_timeout=60, retries=5, backoff=30, backoff_max=30))
    http.limit(None, time.monotonic() + 2, "délai de l'audit dépassé")
    with wall(0.5), pytest.raises(FetchError) as info:  # a 404 is not retried; a backoff of 30 s is not slept
        http.get(trickler.base + "/nowhere")
    assert info.value.code == "http-error"


# -- the file stage's downloads ----------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/headers", "/body10"])
def test_file_stage_download_is_cut_at_total_timeout(trickler, tmp_path, path):
    cache = FileCache(tmp_path, max_age=0, max_bytes=10 ** 7,
                      http=HttpConfig(timeout=10, total_timeout=2, retries=3, backoff=0.01))
    with wall(2 + 1.5), pytest.raises(Exception, match="trop lentement"):
        cache.fetch(trickler.base + path, StageStats())
    assert trickler.requests.count(path) == 1 and not list(tmp_path.iterdir())


def test_file_stage_obeys_the_audit_deadline(trickler, tmp_path):
    cache = FileCache(tmp_path, max_age=0, max_bytes=10 ** 7, deadline=time.monotonic() + 1.5,
                      http=HttpConfig(timeout=10, total_timeout=60, retries=3, backoff=0.01))
    with wall(1.5 + 1.5), pytest.raises(Exception, match="délai de l'audit"):
        cache.fetch(trickler.base + "/body", StageStats())
    with wall(0.2), pytest.raises(Exception, match="délai de l'audit"):
        cache.fetch(trickler.base + "/headers", StageStats())
    assert "/headers" not in trickler.requests


# -- a crawl: per-source deadline ----------------------------------------------------------------------------------

def _config(tmp_path: Path, base: str, names: list[str], **http):
    settings = {"timeout": 10.0, "total_timeout": 60.0, "retries": 2, "backoff": 0.01, **http}
    lines = ['[territory]', 'name = "Test"', '[http]'] + [f"{k} = {v!r}" for k, v in settings.items()]
    lines += ["[crawl]", "probe = false"]
    for name in names:
        lines += ["[[sources]]", f'name = "{name}"', 'kind = "ckan"', f'url = "{base}/ckan/{name}"',
                  "[sources.options]", "organisations = false", "rows = 1"]
    path = tmp_path / "territoire.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return load_config(path, data_dir=tmp_path / "data")


def test_a_source_past_its_deadline_is_recorded_and_the_crawl_goes_on(trickler, tmp_path):
    """Issue: a portal that never stops holds the crawl forever. Each source has its deadline: the stuck one
    fails, the endless one keeps what it read (partial), the healthy one is collected, within the deadline."""
    config = _config(tmp_path, trickler.base, ["ok", "stuck", "endless"])
    config.source_deadline = 2.0  # [crawl] source_deadline
    with wall(2 + 3):
        result = crawl(config)
    by_name = {p.name: p for p in result.portals}
    assert by_name["ok"].status == "ok" and by_name["ok"].datasets == 1
    assert (by_name["stuck"].status, by_name["stuck"].error_code) == ("failed", "deadline")
    assert (by_name["endless"].status, by_name["endless"].error_code) == ("partial", "deadline")
    for name in ("stuck", "endless"):
        assert "délai" in by_name[name].error_message and "source_deadline" in by_name[name].error_message
    assert {d.portal for d in result.catalogue.datasets} == {"ok", "endless"}


def test_an_audit_past_its_deadline_is_saved_and_releases_its_lock(trickler, tmp_path):
    """Issue: a portal that never stops would hold the audit, and the audit lock, forever."""
    from auditor.auditing.audit import audit_and_store
    from auditor.auditing.rules import load_rules
    from auditor.history.store import Store

    config = _config(tmp_path, trickler.base, ["ok", "stuck"])
    rules = load_rules()
    with Store(tmp_path / "audit.sqlite") as store:
        with wall(2 + 10):
            run_id, result, audit = audit_and_store(config, store, rules, max_seconds=2)
        stuck = next(p for p in result.portals if p.name == "stuck")
        assert (stuck.status, stuck.error_code) == ("failed", "deadline")
        assert "délai de l'audit dépassé" in stuck.error_message
        assert store.begin_run("audit", "2030-01-01T00:00:00+00:00", "Test", "x")  # the lock is free again
