"""The HTTP client against a real local server that misbehaves on purpose."""
from __future__ import annotations

import email.utils
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from auditor.crawling.http import FetchError, HttpClient, HttpConfig, parse_reset, retry_wait


class Script:
    """Per path, a list of answers played in order (the last one repeats)."""

    def __init__(self):
        self.answers: dict[str, list[dict]] = {}
        self.seen: list[tuple[str, str, dict]] = []
        self.active = 0
        self.max_active = 0
        self.lock = threading.Lock()


@pytest.fixture()
def server():
    script = Script()

    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def do_HEAD(self):
            self.do_GET(head=True)

        def do_GET(self, head=False):
            with script.lock:
                script.seen.append((self.command, self.path, dict(self.headers)))
                script.active += 1
                script.max_active = max(script.max_active, script.active)
                queue = script.answers.get(self.path.split("?")[0], [{"status": 404}])
                ans = queue.pop(0) if len(queue) > 1 else queue[0]
            done = False
            try:
                time.sleep(ans.get("sleep", 0))
                with script.lock:  # no longer active before the client can see an answer and send the next request
                    script.active -= 1
                    done = True
                body = ans.get("body", b"")
                if isinstance(body, (dict, list)):
                    body = json.dumps(body).encode()
                etag = ans.get("etag")
                if etag and self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(ans.get("status", 200))
                for k, v in ans.get("headers", {}).items():
                    self.send_header(k, v)
                if etag:
                    self.send_header("ETag", etag)
                self.send_header("Content-Length", str(ans.get("length", len(body))))
                self.end_headers()
                if not head:
                    self.wfile.write(body)
                if ans.get("close"):
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
            finally:
                if not done:
                    with script.lock:
                        script.active -= 1

    srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    script.base = f"http://127.0.0.1:{srv.server_address[1]}"
    yield script
    srv.shutdown()
    srv.server_close()


def client(tmp_path=None, events=None, **kw):
    cfg = dict(timeout=1.0, total_timeout=5.0, retries=3, backoff=0.01, backoff_max=0.02, max_retry_wait=3.0)
    cfg.update(kw)
    if tmp_path is not None:
        cfg["cache_dir"] = str(tmp_path / "cache")
    sink = (lambda **e: events.append(e)) if events is not None else None
    return HttpClient(HttpConfig(**cfg), on_event=sink)


def test_retries_5xx_then_succeeds_and_records_each_failure(server):
    server.answers["/a"] = [{"status": 500}, {"status": 502}, {"body": {"ok": 1}}]
    events = []
    r = client(events=events).get_json(server.base + "/a", portal="p")
    assert r.data == {"ok": 1} and r.attempts == 3
    assert [e["code"] for e in events] == ["server-error", "server-error"]
    assert all(e["level"] == "info" and e["portal"] == "p" for e in events)


def test_gives_up_after_retries_with_a_stable_code(server):
    server.answers["/a"] = [{"status": 503}]
    events = []
    with pytest.raises(FetchError) as err:
        client(events=events, retries=2).get(server.base + "/a")
    assert err.value.code == "server-error" and err.value.status == 503
    assert [e["level"] for e in events] == ["info", "info", "error"]


def test_429_honours_retry_after_seconds(server):
    server.answers["/a"] = [{"status": 429, "headers": {"Retry-After": "1"}}, {"body": {"x": 1}}]
    t0 = time.monotonic()
    r = client().get_json(server.base + "/a")
    assert r.data == {"x": 1}
    assert time.monotonic() - t0 >= 0.95


def test_429_with_a_daily_quota_is_reported_not_slept_through(server):
    reset = time.strftime("%Y-%m-%d %H:%M:%S+00:00", time.gmtime(time.time() + 6 * 3600))
    server.answers["/a"] = [{"status": 429, "headers": {"X-RateLimit-Reset": reset}}]
    t0 = time.monotonic()
    with pytest.raises(FetchError) as err:
        client().get(server.base + "/a")
    assert err.value.code == "rate-limited"
    assert time.monotonic() - t0 < 2


def test_rate_limit_reset_forms():
    now = 1_750_000_000.0
    assert parse_reset("2025-07-31 00:00:00+00:00", now) == 1753920000.0
    assert parse_reset("1753920000", now) == 1753920000.0
    assert parse_reset("1753920000000", now) == 1753920000.0
    assert parse_reset("30", now) == now + 30
    assert parse_reset("n'importe quoi", now) is None
    http_date = email.utils.formatdate(now + 120, usegmt=True)
    assert retry_wait({"retry-after": http_date}, now=now) == pytest.approx(120, abs=1)
    assert retry_wait({"retry-after": "7"}, now=now) == 7
    assert retry_wait({}, now=now) is None


def test_invalid_json_and_html_pages_are_retried(server):
    server.answers["/a"] = [{"body": b'{"results": ['}, {"body": b"<!DOCTYPE html><html>maintenance</html>"},
                            {"body": {"results": []}}]
    events = []
    r = client(events=events).get_json(server.base + "/a")
    assert r.data == {"results": []}
    assert [e["code"] for e in events] == ["invalid-json", "html-instead-of-json"]


def test_truncated_body_is_retried(server):
    server.answers["/a"] = [{"body": b'{"a": 1}', "length": 100, "close": True}, {"body": {"a": 2}}]
    events = []
    r = client(events=events).get_json(server.base + "/a")
    assert r.data == {"a": 2}
    assert events[0]["code"] == "truncated-body"


def test_read_timeout_is_retried(server):
    server.answers["/a"] = [{"sleep": 1.5, "body": {"late": 1}}, {"body": {"ok": 1}}]
    events = []
    r = client(events=events, timeout=0.5).get_json(server.base + "/a")
    assert r.data == {"ok": 1}
    assert events[0]["code"] == "timeout"


def test_404_is_not_retried(server):
    events = []
    with pytest.raises(FetchError) as err:
        client(events=events).get(server.base + "/missing")
    assert err.value.code == "http-error" and err.value.status == 404
    assert len(server.seen) == 1


def test_dns_failure_is_immediate():
    events = []
    with pytest.raises(FetchError) as err:
        client(events=events).get("http://portail-disparu.invalid/api")
    assert err.value.code == "dns-error"
    assert [e["code"] for e in events] == ["dns-error"]


def test_tls_failure_is_immediate(server):
    https = server.base.replace("http://", "https://")
    with pytest.raises(FetchError) as err:
        client().get(https + "/a")
    assert err.value.code == "tls-error"


def test_conditional_requests_serve_304_from_cache(server, tmp_path):
    server.answers["/a"] = [{"body": {"v": 1}, "etag": '"abc"'}]
    c = client(tmp_path)
    assert c.get_json(server.base + "/a").data == {"v": 1}
    again = client(tmp_path)  # a new process reading the same cache
    r = again.get_json(server.base + "/a")
    assert r.data == {"v": 1} and r.from_cache
    assert again.stats.not_modified == 1 and again.stats.conditional == 1
    assert server.seen[-1][2].get("If-None-Match") == '"abc"'


def test_head_is_cached_and_revalidated_too(server, tmp_path):
    server.answers["/f.csv"] = [{"body": b"a;b\n1;2\n", "etag": '"f1"'}]
    client(tmp_path).head(server.base + "/f.csv")
    again = client(tmp_path)
    r = again.head(server.base + "/f.csv")
    assert r.status == 200 and r.from_cache and again.stats.not_modified == 1


def test_per_host_concurrency_limit(server):
    from concurrent.futures import ThreadPoolExecutor

    server.answers["/slow"] = [{"sleep": 0.2, "body": {"ok": 1}}]
    c = client(per_host=3)
    with ThreadPoolExecutor(12) as pool:
        list(pool.map(lambda _: c.get_json(server.base + "/slow"), range(12)))
    assert server.max_active == 3


def test_identifying_user_agent(server):
    server.answers["/a"] = [{"body": {}}]
    client().get(server.base + "/a")
    assert server.seen[0][2]["User-Agent"].startswith("auditor/")


def test_body_size_cap(server):
    server.answers["/big"] = [{"body": b"x" * 5000}]
    with pytest.raises(FetchError) as err:
        client(max_body=1000).get(server.base + "/big")
    assert err.value.code == "body-too-large"
    r = client(max_body=1000).get(server.base + "/big", truncate=True)
    assert len(r.content) == 1000


def test_max_age_reuses_a_recently_confirmed_answer_without_asking(server, tmp_path):
    server.answers["/f.csv"] = [{"body": b"a;b\n", "etag": '"f1"'}]
    client(tmp_path).head(server.base + "/f.csv")
    sent = len(server.seen)
    again = client(tmp_path)
    r = again.head(server.base + "/f.csv", max_age=3600)
    assert r.from_cache and again.stats.fresh == 1 and again.stats.requests == 0
    assert len(server.seen) == sent
    again.head(server.base + "/f.csv", max_age=0)  # too old: revalidated
    assert again.stats.not_modified == 1 and len(server.seen) == sent + 1


def test_a_missing_file_is_remembered_within_max_age_only(server, tmp_path):
    client(tmp_path).head(server.base + "/absent.csv", raise_for_status=False)
    again = client(tmp_path)
    r = again.head(server.base + "/absent.csv", raise_for_status=False, max_age=3600)
    assert r.status == 404 and again.stats.requests == 0
    r = again.head(server.base + "/absent.csv", raise_for_status=False)
    assert r.status == 404 and again.stats.requests == 1


def test_a_host_refusing_connections_is_given_up_after_one_round():
    """A dead portal costs one retry round, not one per request kind: the next requests to the same
    host fail at once with the same error; other hosts are not affected."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    events = []
    http = client(events=events, retries=2)
    with pytest.raises(FetchError) as err:
        http.get(f"http://127.0.0.1:{port}/api/datasets", portal="mort")
    assert err.value.code == "connection-error"
    sent = http.stats.requests
    assert sent == 3 and [e["level"] for e in events] == ["info", "info", "error"]
    started = time.monotonic()
    for path in ("/api/v1/datasets", "/catalog.rdf", "/files/a.csv"):
        with pytest.raises(FetchError) as again:
            http.head(f"http://127.0.0.1:{port}{path}", portal="mort")
        assert again.value.code == "connection-error" and "abandonné" in again.value.message
    assert time.monotonic() - started < 0.5 and http.stats.requests == sent and len(events) == 3


def test_a_portal_has_its_own_retry_budget(server):
    server.answers["/a"] = [{"status": 503}]
    http = HttpClient(HttpConfig(timeout=1.0, retries=3, backoff=0.01, backoff_max=0.02),
                      overrides={"lent": HttpConfig(timeout=1.0, retries=0, backoff=0.01)})
    with pytest.raises(FetchError):
        http.get(server.base + "/a", portal="lent")
    assert len(server.seen) == 1
    with pytest.raises(FetchError):
        http.get(server.base + "/a", portal="autre")
    assert len(server.seen) == 1 + 4
