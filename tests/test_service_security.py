"""``auditor serve`` as a web application under attack, through its WSGI application, a real waitress
server on 127.0.0.1 and a real headless Chromium: a foreign Host header (DNS rebinding) is refused;
a form posted from a page of another origin (another port of 127.0.0.1) is refused and starts no
audit, while the service's own button still works; every response carries nosniff, no framing and
its Content-Security-Policy as a header (the reports served too); hundreds of idle connections do not
make the health endpoint unreachable."""
from __future__ import annotations

import re
import socket
import time

import pytest
import requests

from auditor.config import ServeConfig, load_config
from auditor.render import html
from auditor.interfaces.server.app import ServeOptions, create_app
from auditor.interfaces.server.guard import host_names, same_origin
from auditor.interfaces.server.runner import AuditRunner
from auditor.simulate.evolve import audit_months
from auditor.simulate.generator import generate
from tests.schema_server import SCHEMAS
from tests.service_helpers import static_site, waitress_server
from tests.test_browser import chromium
from tests.test_server_api import SlowAudit, form_token, wait_for

from selenium.webdriver.common.by import By  # noqa: E402

pytestmark = pytest.mark.timeout(120)

SERVICE = "127.0.0.1:8080"  # the Host the WSGI tests claim to be


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """A store holding one real audit of the simulated territory (seed 7)."""
    data = tmp_path_factory.mktemp("security-store")
    audit_months(generate(7), 1, data)
    return data / "auditor.sqlite"


def service(tmp_path, store=None, **kw):
    """(the Flask app, its runner's SlowAudit, its options); the runner's audit never crawls anything."""
    audit = SlowAudit()
    config = load_config(data_dir=tmp_path / "data")
    opts = ServeOptions(store_path=store or tmp_path / "absent.sqlite", work_dir=tmp_path / "work",
                        schema_base=str(SCHEMAS), cache_dir=tmp_path / "cache", **kw)
    return create_app(opts, AuditRunner(config, audit=audit)), audit, opts


def message(r) -> str:
    if r.mimetype == "application/json":
        return r.get_json()["error"]["message"]
    page = r.get_data(as_text=True)
    assert "Traceback" not in page
    return re.search(r'id="error-message">([^<]*)<', page).group(1).replace("&#39;", "'")


# -- Host (DNS rebinding) ---------------------------------------------------------------------------------
def test_a_foreign_host_header_is_refused(tmp_path):
    app, audit, _ = service(tmp_path, host_names=("audit.mairie.example",))
    c = app.test_client()
    for host in ("attaquant.example", "attaquant.example:8080", "127.0.0.1.attaquant.example",
                 "localhost.attaquant.example:8080", "[::2]:8080", "audit.mairie.example.attaquant.example",
                 "0.0.0.0:8080", "", "a b"):
        r = c.get("/", headers={"Host": host})
        assert r.status_code == 400, host
        assert message(r).startswith("Nom d'hôte non autorisé : « "), host
        r = c.get("/api/v1/health", headers={"Host": host})
        assert r.status_code == 400 and message(r).startswith("Nom d'hôte non autorisé"), host
        assert c.post("/api/v1/runs", headers={"Host": host}).status_code == 400
    assert audit.calls == 0
    assert "Host name not allowed" in message(c.get("/?lang=en", headers={"Host": "attaquant.example"}))
    for host in ("127.0.0.1:8080", "localhost", "LOCALHOST.:8080", "[::1]:8080", "audit.mairie.example",
                 "Audit.Mairie.Example:443"):
        assert c.get("/api/v1/health", headers={"Host": host}).status_code == 200, host
    c = service(tmp_path / "tous", host_names=("*",))[0].test_client()
    assert c.get("/api/v1/health", headers={"Host": "n-importe-quoi.example"}).status_code == 200


def test_the_names_the_service_answers_to():
    assert host_names() == {"127.0.0.1", "localhost", "::1"}
    assert "192.0.2.5" in host_names(listen="192.0.2.5")  # a specific listening address is a name
    assert host_names(listen="0.0.0.0") == host_names(listen="::") == host_names()  # a wildcard is not
    assert host_names(["Audit.Mairie.Example.", "[2001:db8::1]"]) >= {"audit.mairie.example", "2001:db8::1"}
    assert same_origin("http://127.0.0.1:8080", "127.0.0.1:8080")
    assert same_origin("https://audit.example", "audit.example")  # a proxy in front: the scheme's port
    assert same_origin("http://[::1]:8080", "[::1]:8080")
    for origin, host in (("http://127.0.0.1:9999", "127.0.0.1:8080"), ("http://localhost:8080", "127.0.0.1:8080"),
                         ("null", "127.0.0.1:8080"), ("http://127.0.0.1:8080/x", "127.0.0.1:8080"),
                         ("https://audit.example", "audit.example:80"), ("ftp://127.0.0.1:8080", "127.0.0.1:8080"),
                         ("http://127.0.0.1:99999", "127.0.0.1:99999"), ("http://[::1", "[::1]")):
        assert not same_origin(origin, host), (origin, host)


# -- CSRF ----------------------------------------------------------------------------------------------------
def test_cross_origin_posts_are_refused_and_start_nothing(tmp_path):
    app, audit, _ = service(tmp_path)
    c = app.test_client()
    page = c.get("/audits", headers={"Host": SERVICE}).get_data(as_text=True)
    form = {"csrf": form_token(page)}  # even with the page's token (had it leaked), another origin is refused
    foreign = [{"Origin": "http://127.0.0.1:9999"}, {"Origin": "http://attaquant.example"}, {"Origin": "null"},
               {"Referer": "http://127.0.0.1:9999/attaque.html"}, {"Sec-Fetch-Site": "cross-site"},
               {"Sec-Fetch-Site": "same-site"},  # another port of the same machine: same site, other origin
               {"Origin": f"http://{SERVICE}", "Sec-Fetch-Site": "cross-site"}]
    for headers in foreign:
        headers = {"Host": SERVICE, **headers}
        r = c.post("/audits", data=form, headers=headers)
        assert r.status_code == 403 and r.mimetype == "text/html", headers
        assert message(r).startswith("Demande refusée : elle vient d'une autre origine"), headers
        r = c.post("/api/v1/runs", headers=headers)
        assert r.status_code == 403 and "autre origine" in message(r), headers
        r = c.post("/api/v1/check", data={"url": "https://exemple.fr/x.csv"}, headers=headers)
        assert r.status_code == 403, headers
    assert audit.calls == 0
    # the service's own page (same origin) starts it; a program (no browser header at all) too
    own = {"Host": SERVICE, "Origin": f"http://{SERVICE}", "Sec-Fetch-Site": "same-origin",
           "Referer": f"http://{SERVICE}/audits"}
    assert "Audit lancé." in c.post("/audits", data=form, headers=own).get_data(as_text=True)
    audit.release.set()
    wait_for(lambda: c.get("/api/v1/runs/progress").get_json()["state"] == "done")
    assert c.post("/api/v1/runs").status_code == 202
    wait_for(lambda: audit.calls == 2)
    # behind a TLS proxy that keeps the Host: the page's origin is https, the Host has no port
    c = service(tmp_path / "proxy", host_names=("audit.example",))[0].test_client()
    r = c.post("/api/v1/check", headers={"Host": "audit.example", "Origin": "https://audit.example"})
    assert r.status_code == 400 and message(r) == "Choisissez un fichier ou donnez une adresse."


# -- headers ---------------------------------------------------------------------------------------------------
def test_security_headers_on_every_response(tmp_path, store):
    app, _, _ = service(tmp_path, store=store)
    c = app.test_client()
    responses = {
        "/": c.get("/"), "/audits": c.get("/audits"), "health": c.get("/api/v1/health"),
        "openapi": c.get("/api/v1/openapi.json"), "schemas": c.get("/api/v1/schemas"),
        "runs": c.get("/api/v1/runs"), "commune api": c.get("/api/v1/communes/59350"),
        "dashboard": c.get("/tableau-de-bord"), "gaps": c.get("/ecarts"), "sheet": c.get("/communes/59350"),
        "404": c.get("/nulle-part"), "404 api": c.get("/api/v1/nulle-part"), "405": c.get("/api/v1/check"),
        "400": c.post("/verifier"), "403": c.post("/audits"), "bad host": c.get("/", headers={"Host": "x.example"}),
        "cross origin": c.post("/api/v1/runs", headers={"Origin": "http://127.0.0.1:1"}),
    }
    for name, r in responses.items():
        assert r.headers["X-Content-Type-Options"] == "nosniff", name
        assert r.headers["X-Frame-Options"] == "DENY", name
        csp = r.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp, name
        assert r.headers["Referrer-Policy"] == "same-origin", name
        if r.mimetype == "text/html":
            assert "script-src" not in csp or name in ("dashboard", "/"), name
    # the check page runs only its own script file (the schema search), nothing inline
    assert responses["/"].headers["Content-Security-Policy"].endswith("; script-src 'self'")
    assert '<script src="/schema-picker.js"></script>' in responses["/"].get_data(as_text=True)
    script = c.get("/schema-picker.js")
    assert script.status_code == 200 and script.mimetype == "text/javascript" and b"schema-search" in script.data
    # a served report sends the policy of its meta tag as a header, with what only a header can say
    for name in ("dashboard", "gaps", "sheet"):
        page = responses[name].get_data(as_text=True)
        meta = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1)
        header = responses[name].headers["Content-Security-Policy"]
        assert header.startswith(meta.replace("&#39;", "'") + "; ") and "frame-ancestors" not in meta, name
    digest = re.search(r"script-src '(sha256-[^']+)'", responses["dashboard"].headers["Content-Security-Policy"])
    assert digest and digest.group(1) == html._script()[1]


# -- in a real browser ----------------------------------------------------------------------------------------
REBIND = "rebind.example"  # a name Chromium is told resolves to 127.0.0.1 (a DNS rebinding, without any DNS)


@pytest.fixture(scope="module")
def chrome(tmp_path_factory):
    driver = chromium(tmp_path_factory.mktemp("chromium-security"), f"--host-resolver-rules=MAP {REBIND} 127.0.0.1")
    yield driver
    driver.quit()


def wait_for_url(driver, prefix: str) -> None:
    wait_for(lambda: driver.current_url.startswith(prefix)
             and driver.execute_script("return document.readyState") == "complete", 30)


def test_in_chromium_a_form_from_another_origin_is_refused(tmp_path, chrome):
    app, audit, opts = service(tmp_path)
    with waitress_server(app, opts) as base:
        token = form_token(requests.get(f"{base}/audits", timeout=10).text)
        site = tmp_path / "attaquant"
        site.mkdir()
        # the attacker's pages, served from another port of 127.0.0.1: forms posted to the service at once
        (site / "audits.html").write_text(
            f'<form id="f" method="post" action="{base}/audits"><input name="csrf" value="{token}"></form>'
            '<script>document.getElementById("f").submit()</script>', encoding="utf-8")
        (site / "api.html").write_text(
            f'<form id="f" method="post" action="{base}/api/v1/runs" enctype="text/plain"></form>'
            '<script>document.getElementById("f").submit()</script>', encoding="utf-8")
        (site / "cadre.html").write_text(f'<iframe id="cadre" src="{base}/audits"></iframe>', encoding="utf-8")
        with static_site(site) as attacker:
            chrome.get(f"{attacker}/audits.html")
            wait_for_url(chrome, f"{base}/audits")
            assert chrome.find_element(By.TAG_NAME, "h1").text == "Impossible de traiter la demande"
            assert chrome.find_element(By.ID, "error-message").text.startswith(
                "Demande refusée : elle vient d'une autre origine")
            chrome.get(f"{attacker}/api.html")
            wait_for_url(chrome, f"{base}/api/v1/runs")
            assert "autre origine" in chrome.find_element(By.TAG_NAME, "body").text
            assert audit.calls == 0
            # framed by another origin: the browser refuses to show the service inside the attacker's page
            chrome.get_log("browser")
            chrome.get(f"{attacker}/cadre.html")
            time.sleep(1)
            refused = [e["message"] for e in chrome.get_log("browser")]
            assert any("frame-ancestors" in m or "X-Frame-Options" in m for m in refused), refused
        # the service's own button still works (same origin, with the page's token)
        chrome.get(f"{base}/audits")
        chrome.find_element(By.ID, "start-audit").click()
        wait_for(lambda: "Audit lancé." in chrome.find_element(By.TAG_NAME, "body").text, 30)
        assert audit.calls == 1
        audit.release.set()
        # a DNS rebinding: the attacker's name now resolves to 127.0.0.1; the browser sends its Host
        port = base.rsplit(":", 1)[1]
        chrome.get(f"http://{REBIND}:{port}/audits")
        assert chrome.find_element(By.ID, "error-message").text.startswith(f"Nom d'hôte non autorisé : « {REBIND}:{port} »")
        assert "start-audit" not in chrome.page_source


# -- idle connections ------------------------------------------------------------------------------------------
def idle_sockets(base: str, n: int) -> list[socket.socket]:
    host, port = base.rsplit("/", 1)[1].split(":")
    socks = []
    for _ in range(n):
        s = socket.create_connection((host, int(port)), timeout=5)
        socks.append(s)
    return socks


def health_time(base: str, timeout: float) -> float:
    started = time.monotonic()
    r = requests.get(f"{base}/api/v1/health", timeout=timeout)
    assert r.status_code == 200 and r.json()["status"] == "ok"
    return time.monotonic() - started


def test_idle_connections_do_not_make_the_service_unreachable(tmp_path):
    app, _, opts = service(tmp_path)
    with waitress_server(app, opts) as base:
        socks = idle_sockets(base, 300)  # waitress' default limit is 100: the 101st client waited two minutes
        try:
            assert health_time(base, 5) < 2
        finally:
            for s in socks:
                s.close()
    # past the limit, idle connections are closed after channel_timeout and the service answers again
    limits = ServeConfig(connection_limit=10, channel_timeout=1, cleanup_interval=1)
    app, _, opts = service(tmp_path / "petit", limits=limits)
    with waitress_server(app, opts) as base:
        socks = idle_sockets(base, 25)
        try:
            assert health_time(base, 15) < 8
            socks[0].settimeout(5)
            assert socks[0].recv(10) == b""  # the server closed the idle one
        finally:
            for s in socks:
                s.close()


def test_a_url_check_is_cancelled_when_its_client_leaves(tmp_path):
    """A clerk closes the tab while the service downloads a slow URL: the download stops within a
    second or two, instead of holding a worker until the service's url_timeout."""
    import json as json_module
    import socket as socket_module
    import time as time_module

    from auditor.interfaces.server.app import ServeOptions, create_app
    from tests.schema_server import SchemaServer
    from tests.service_helpers import waitress_server
    from tests.test_deadlines import Trickler

    ended: list[float] = []

    class Recording(Trickler):
        def _drip(self, conn):
            try:
                super()._drip(conn)
            finally:
                ended.append(time_module.monotonic())

    with SchemaServer() as schemas, Recording() as slow:
        opts = ServeOptions(store_path=tmp_path / "absent.sqlite", work_dir=tmp_path / "work",
                            schema_base=schemas.url, cache_dir=tmp_path / "cache", allow_private_urls=True,
                            url_timeout=60.0)
        with waitress_server(create_app(opts), opts) as base:
            port = int(base.rsplit(":", 1)[1])
            body = json_module.dumps({"url": slow.base + "/body"})
            client = socket_module.create_connection(("127.0.0.1", port))
            client.sendall((f"POST /api/v1/check HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n{body}").encode())
            for _ in range(100):  # the download has started
                if slow.requests:
                    break
                time_module.sleep(0.05)
            assert slow.requests
            left = time_module.monotonic()
            client.close()
            for _ in range(200):
                if ended:
                    break
                time_module.sleep(0.05)
    assert ended and ended[0] - left < 3, "the download went on after the client left"
