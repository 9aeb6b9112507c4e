"""Fetching user-given URLs: SSRF refusals, redirects, size and time caps."""
from __future__ import annotations

import os
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from auditor.crawling import netsafe
from auditor.crawling.netsafe import DownloadError, UnsafeURL, address_refusal, check_url, download


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


# -- only global addresses pass (issue: IPv6 forms embedding IPv4, 100.64.0.0/10) ------------------------------

REFUSED = ["127.0.0.1", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254", "0.0.0.0", "255.255.255.255",
           "100.64.0.1", "100.127.255.254", "192.0.2.1", "198.18.0.1", "224.0.0.1", "240.0.0.1",
           "::1", "::", "fe80::1", "fe80::1%lo", "fc00::1", "fd12:3456::1", "fec0::1", "ff02::1", "2001:db8::1",
           "100::1", "3fff::1",
           "::127.0.0.1", "::10.0.0.1", "::ffff:127.0.0.1", "::ffff:169.254.169.254",  # IPv4-compatible, -mapped
           "64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe", "64:ff9b::6440:1",  # NAT64 of 127.0.0.1, 169.254.169.254, 100.64.0.1
           "64:ff9b:1::1", "64:ff9b:1::808:808",  # local-use NAT64
           "2002:7f00:1::1", "2002:a00:1::", "2002:a9fe:a9fe::1",  # 6to4 of 127.0.0.1, 10.0.0.1, 169.254.169.254
           "2001:0:4136:e378:8000:63bf:3fff:fdd2", "2001::1"]  # Teredo
ACCEPTED = ["8.8.8.8", "93.184.216.34", "2a00:1450:4007:80e::200e", "2606:4700::6810:84e5",
            "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1"]  # embedding a public IPv4 address


@pytest.mark.parametrize("address", REFUSED)
def test_only_global_addresses_pass(address):
    assert address_refusal(address), address
    with pytest.raises(UnsafeURL, match="interne ou réservée"):
        check_url("http://portail.example/f.csv", resolve=lambda host, port: [address])


@pytest.mark.parametrize("address", ACCEPTED)
def test_global_addresses_and_ipv4_forms_of_them_pass(address):
    assert address_refusal(address) is None, address
    assert check_url("http://portail.example/f.csv", resolve=lambda host, port: [address]) == [address]


@pytest.mark.parametrize("address", ["100.64.0.1", "100.100.100.200", "100.127.255.254"])
def test_shared_address_space_is_refused(address):
    """100.64.0.0/10 (carrier-grade NAT, and Alibaba's metadata at 100.100.100.200) is not public."""
    with pytest.raises(UnsafeURL, match=address.replace(".", r"\.")):
        check_url("http://portail.example/", resolve=lambda host, port: [address])
    with pytest.raises(UnsafeURL):
        check_url(f"http://{address}/")
    assert check_url("http://portail.example/", allow_private=True, resolve=lambda host, port: [address])


@pytest.mark.parametrize("url", ["http://[::127.0.0.1]/", "http://[::ffff:127.0.0.1]:8080/", "http://[64:ff9b::7f00:1]/",
                                 "http://[2002:7f00:1::1]/", "http://[64:ff9b:1::a00:1]/", "https://[::ffff:a9fe:a9fe]/",
                                 "http://2130706433/", "http://0x7f.1/", "http://127.1/", "http://[::]/"])
def test_ipv4_in_ipv6_and_odd_spellings_of_loopback_are_refused(url):
    with pytest.raises(UnsafeURL):
        check_url(url)


def test_every_address_of_a_name_must_be_public():
    with pytest.raises(UnsafeURL, match="10.0.0.7"):
        check_url("http://portail.example/", resolve=lambda host, port: ["93.184.216.34", "10.0.0.7"])


@pytest.mark.parametrize("url, why", [("http://portail.example:99999/f.csv", "port"),
                                      ("http://portail.example:0/f.csv", "port"),
                                      ("http://[::1/f.csv", "IPv6"), ("http://[portail.example]/f.csv", "IPv6"),
                                      ("http://portail.example:http/f.csv", "port")])
def test_malformed_urls_are_refused_in_french(url, why):
    with pytest.raises(UnsafeURL, match=f"adresse invalide.*{why}"):
        check_url(url, allow_private=True)
    with pytest.raises(UnsafeURL, match="adresse invalide"):
        download(url, allow_private=True)


# -- the connection goes to the checked address (DNS rebinding) ------------------------------------------------

@pytest.fixture()
def recorder():
    """A server on 127.0.0.1 that records every request it receives (a connection alone is not one)."""
    seen: list[tuple[str, dict]] = []

    class H(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_GET(self):
            seen.append((self.path, dict(self.headers)))
            body = b"secret interne\n"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)

    srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield srv.server_address[1], seen
    srv.shutdown()
    srv.server_close()


@pytest.fixture()
def loopback_only(monkeypatch):
    """Connections the transport opens: recorded; any address but 127.0.0.1 refused without a packet sent."""
    attempts: list[str] = []
    real = netsafe._open_socket

    def guarded(address, port, timeout, options=None):
        attempts.append(address)
        if address != "127.0.0.1":
            raise ConnectionRefusedError(f"test : pas de trafic vers {address}")
        return real(address, port, timeout, options)

    monkeypatch.setattr(netsafe, "_open_socket", guarded)
    return attempts


def test_dns_rebinding_cannot_reach_loopback(recorder, loopback_only, monkeypatch):
    """The name answers a public address when it is checked, then 127.0.0.1: the client must connect to the
    address it checked, never resolve again, so the internal server receives nothing."""
    port, seen = recorder
    answers = iter([["93.184.216.34"]])
    calls = []

    def rebinding(host, port_):
        calls.append(host)
        return next(answers, ["127.0.0.1"])

    real_getaddrinfo = socket.getaddrinfo

    def system_rebinding(host, *args, **kwargs):  # any resolution behind our back also rebinds
        if host == "rebind.example":
            return real_getaddrinfo("127.0.0.1", *args, **kwargs)
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", system_rebinding)
    for url in (f"http://rebind.example:{port}/secret", f"https://rebind.example:{port}/secret"):
        calls.clear()
        answers = iter([["93.184.216.34"]])
        with pytest.raises((DownloadError, UnsafeURL)):
            download(url, resolve=rebinding, max_seconds=5)
        assert calls == ["rebind.example"]  # resolved once
    assert set(loopback_only) == {"93.184.216.34"}  # only ever the checked address
    assert seen == []  # the internal server received no request


def test_connected_address_is_checked_again_before_the_request(recorder, monkeypatch):
    """Whatever reroutes the connection (a rebinding below us, a transparent proxy): the address actually
    reached is checked before a byte of the request is sent."""
    port, seen = recorder
    real = netsafe._open_socket
    asked = []

    def rerouted(address, port_, timeout, options=None):
        asked.append(address)
        return real("127.0.0.1", port_, timeout, options)  # lands on loopback, whatever was asked

    monkeypatch.setattr(netsafe, "_open_socket", rerouted)
    for url in (f"http://public.example:{port}/secret", f"https://public.example:{port}/secret"):
        with pytest.raises(UnsafeURL, match="127.0.0.1"):
            download(url, resolve=lambda host, port_: ["93.184.216.34"], max_seconds=5)
    assert asked == ["93.184.216.34", "93.184.216.34"]
    time.sleep(0.2)
    assert seen == []


def test_allowed_private_host_gets_its_own_host_header(recorder, loopback_only):
    """With private addresses allowed, the connection still goes to the resolved address and the request
    names the host it was given."""
    port, seen = recorder
    d = download(f"http://portail.example:{port}/f.csv", allowed_hosts=frozenset({"portail.example"}),
                 resolve=lambda host, port_: ["127.0.0.1"])
    try:
        assert open(d.path, "rb").read() == b"secret interne\n"
    finally:
        os.unlink(d.path)
    assert seen[-1][1]["Host"] == f"portail.example:{port}" and loopback_only == ["127.0.0.1"]


def make_certificate(directory: Path, name: str = "portail.example") -> tuple[str, str, str]:
    """A test CA and a certificate for ``name`` signed by it: (ca.pem, cert.pem, key.pem) in ``directory``."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "auditor test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(1).not_valid_before(now - datetime.timedelta(days=1))
          .not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(2)
            .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = (directory / "ca.pem", directory / "cert.pem", directory / "key.pem")
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return tuple(str(x) for x in paths)  # type: ignore[return-value]


@pytest.fixture(scope="module")
def tls_site(tmp_path_factory):
    """An HTTPS server on 127.0.0.1 with a certificate for portail.example signed by a test CA; records SNI."""
    import ssl

    ca_file, cert_file, key_file = make_certificate(tmp_path_factory.mktemp("tls"))
    sni: list[str | None] = []
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert_file, key_file)
    ctx.sni_callback = lambda sock, name, c: sni.append(name)
    seen: list[dict] = []

    class H(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_GET(self):
            seen.append(dict(self.headers))
            body = b"a,b\n1,2\n"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
    srv.daemon_threads = True
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield srv.server_address[1], ca_file, sni, seen
    srv.shutdown()
    srv.server_close()


def test_tls_uses_the_given_name_for_sni_and_the_certificate(tls_site):
    port, ca, sni, seen = tls_site
    d = download(f"https://portail.example:{port}/f.csv", allowed_hosts=frozenset({"portail.example"}),
                 resolve=lambda host, port_: ["127.0.0.1"], verify=ca)
    try:
        assert open(d.path, "rb").read() == b"a,b\n1,2\n"
    finally:
        os.unlink(d.path)
    assert sni[-1] == "portail.example" and seen[-1]["Host"] == f"portail.example:{port}"
    # the certificate is checked against the name of the URL, not against the address connected to
    with pytest.raises(DownloadError, match="TLS"):
        download(f"https://autre.example:{port}/f.csv", allowed_hosts=frozenset({"autre.example"}),
                 resolve=lambda host, port_: ["127.0.0.1"], verify=ca)
