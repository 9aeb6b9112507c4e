"""Fetching user-given URLs: SSRF refusals, redirects, size and time caps."""
from __future__ import annotations

import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from auditor.netsafe import DownloadError, UnsafeURL, check_url, download


@pytest.fixture()
def server():
    class H(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_GET(self):
            if self.path.startswith("/loop"):
                n = int(self.path.split("/")[-1])
                self.send_response(302)
                self.send_header("Location", f"/loop/{n + 1}")
                self.end_headers()
                return
            if self.path == "/to-meta":
                self.send_response(302)
                self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
                self.end_headers()
                return
            if self.path == "/slow":
                self.send_response(200)
                self.end_headers()
                for _ in range(30):
                    self.wfile.write(b"x" * 10)
                    self.wfile.flush()
                    time.sleep(0.1)
                return
            body = b"a;b\n1;2\n" * (1000 if self.path == "/big" else 1)
            self.send_response(200)
            self.send_header("Content-Type", "text/csv")
            self.send_header("Content-Disposition", 'attachment; filename="subventions.csv"')
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()


@pytest.mark.parametrize("url", ["http://127.0.0.1/x", "http://localhost:8080/", "http://10.1.2.3/", "http://192.168.0.1/",
                                 "http://169.254.169.254/latest/meta-data/", "http://[::1]/", "http://0.0.0.0/",
                                 "file:///etc/passwd", "ftp://example.org/f.csv", "gopher://x/"])
def test_internal_and_odd_urls_are_refused(url):
    with pytest.raises(UnsafeURL):
        check_url(url)


def test_loopback_allowed_only_when_asked(server):
    with pytest.raises(UnsafeURL):
        download(server + "/f.csv")
    d = download(server + "/f.csv", allow_private=True)
    try:
        assert open(d.path, "rb").read() == b"a;b\n1;2\n" and d.filename == "subventions.csv"
    finally:
        os.unlink(d.path)


def test_redirect_to_an_internal_address_is_refused(server):
    with pytest.raises(UnsafeURL, match="169.254.169.254"):  # the trusted first hop redirects to cloud metadata
        download(server + "/to-meta", allowed_hosts=frozenset({"127.0.0.1"}))


def test_bounded_redirects_size_and_time(server, tmp_path):
    with pytest.raises(DownloadError, match="trop de redirections"):
        download(server + "/loop/0", allow_private=True, max_redirects=3)
    with pytest.raises(DownloadError, match="trop volumineux"):
        download(server + "/big", allow_private=True, max_bytes=1000, directory=str(tmp_path))
    with pytest.raises(DownloadError, match="délai"):
        download(server + "/slow", allow_private=True, max_seconds=1.0, directory=str(tmp_path))
    assert not list(tmp_path.iterdir())  # nothing left behind
