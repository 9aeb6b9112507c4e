"""``auditor serve``: every endpoint of the Flask application (test client, and a real waitress server
on 127.0.0.1 for a few calls), its bad requests, the store-backed pages of a real small audit of the
simulated territory, the audit runner (progress, no overlap, schedule), a fuzz test over every route of
the OpenAPI document that never gets a 500, and uploaded names that never become paths."""
from __future__ import annotations

import io
import json
import os
import re
import shutil
import threading
import time
import zipfile
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from hypothesis import HealthCheck, given, settings, strategies as st
from openapi_spec_validator import validate as validate_openapi

from auditor.config import load_config
from auditor.crawling.crawl import now_iso
from auditor.interfaces.server.app import ServeOptions, create_app
from auditor.interfaces.server.openapi import openapi_document
from auditor.interfaces.server.runner import AuditRunner, Schedule
from auditor.simulate.demo import write_config
from auditor.simulate.evolve import audit_months
from auditor.simulate.generator import generate
from auditor.simulate.server import SimTerritory
from auditor.history.store import Store
from tests.schema_server import SCHEMAS, SchemaServer
from tests.service_helpers import static_site, waitress_server

SUB = SCHEMAS / "scdl__subventions" / "2.1.1"
VALID = SUB / "exemple_valide.csv"
CELLS = SUB / "exemple_invalide_erreurs_cellules.csv"
TOKEN = "s3cret-jeton"

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def schemas():
    with SchemaServer() as server:
        yield server.url


@pytest.fixture(scope="module")
def audited(tmp_path_factory):
    """A store holding one real audit of the simulated territory (seed 7)."""
    data = tmp_path_factory.mktemp("serve-store")
    (month,) = audit_months(generate(7), 1, data)
    return data / "auditor.sqlite", month.run_id


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A plain web server on 127.0.0.1 serving the SCDL examples (for the URL checks)."""
    root = tmp_path_factory.mktemp("site")
    shutil.copy(VALID, root / "subventions.csv")
    with static_site(root) as url:
        yield url


def options(tmp_path: Path, schemas: str, store: Path | None = None, **kw) -> ServeOptions:
    return ServeOptions(store_path=store or tmp_path / "absent" / "auditor.sqlite", work_dir=tmp_path / "work",
                        schema_base=schemas, cache_dir=tmp_path / "cache", **kw)


def client(opts: ServeOptions, runner: AuditRunner | None = None):
    return create_app(opts, runner).test_client()


def upload(path: Path, name: str | None = None, **fields) -> dict:
    return {"file": (io.BytesIO(path.read_bytes()), name or path.name), **fields}


def tree(root: Path, skip: tuple[str, ...] = ("cache",)) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*")
            if not p.relative_to(root).parts[0] in skip}


def is_json_error(r, status: int) -> dict:
    assert r.status_code == status, r.get_data(as_text=True)[:300]
    assert r.mimetype == "application/json"
    body = r.get_json()
    assert body["error"]["status"] == status and body["error"]["message"]
    return body["error"]


def is_error_page(r, status: int) -> str:
    assert r.status_code == status and r.mimetype == "text/html"
    text = r.get_data(as_text=True)
    assert 'id="error-message"' in text and "Traceback" not in text
    return text


# -- the self-check page and API ------------------------------------------------------------------
def test_home_page_schema_list_health_and_openapi(tmp_path, schemas):
    c = client(options(tmp_path, schemas))
    r = c.get("/")
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "default-src 'none'" in r.headers["Content-Security-Policy"]
    assert '<option value="scdl/subventions">' in page and "Taille maximale : 50 Mo." in page
    assert "Vérifiez un fichier avant de le publier" in page
    assert "Check a file before publishing it" in c.get("/?lang=en").get_data(as_text=True)
    listed = {s["name"]: s for s in c.get("/api/v1/schemas").get_json()["schemas"]}
    assert "2.1.1" in listed["scdl/subventions"]["versions"] and listed["scdl/subventions"]["latest"]
    assert c.get("/api/v1/health").get_json() == {"status": "ok", "version": "0.1.0"}
    doc = c.get("/api/v1/openapi.json").get_json()
    validate_openapi(doc)  # a valid OpenAPI 3.1 document
    assert doc["openapi"].startswith("3.") and doc["paths"]
    for path, item in doc["paths"].items():
        for method, op in item.items():
            assert op["responses"] and all(code.isdigit() for code in op["responses"]), (path, method)
    routes = {str(r) for r in c.application.url_map.iter_rules() if str(r).startswith("/api/")}
    assert {p.replace("{code}", "<code>") for p in doc["paths"]} | {"/api/v1/openapi.json"} == routes


def test_schema_list_asked_again_once_the_catalogue_is_back(tmp_path, monkeypatch):
    """A catalogue unreachable when the service starts leaves the list empty for a while, not for good."""
    folder = tmp_path / "schemas"  # a local catalogue, absent at first
    c = client(options(tmp_path, str(folder)))
    assert c.get("/api/v1/schemas").get_json() == {"schemas": []}
    folder.symlink_to(SCHEMAS, target_is_directory=True)
    assert c.get("/api/v1/schemas").get_json() == {"schemas": []}  # not asked again at once
    monkeypatch.setattr("auditor.interfaces.server.app.SCHEMA_RETRY", 0.0)
    listed = {s["name"] for s in c.get("/api/v1/schemas").get_json()["schemas"]}
    assert "scdl/subventions" in listed
    assert '<option value="scdl/subventions">' in c.get("/").get_data(as_text=True)


def test_check_api_valid_invalid_and_guessed(tmp_path, schemas):
    c = client(options(tmp_path, schemas))
    r = c.post("/api/v1/check", data=upload(VALID, schema="scdl/subventions@2.1.1"))
    body = r.get_json()
    assert r.status_code == 200 and body["valid"] and body["target"] == "exemple_valide.csv"
    assert body["schema"]["name"] == "scdl/subventions" and body["schema"]["guessed"] is False
    assert body["report"]["rows"] == 29 and body["findings"] == []
    r = c.post("/api/v1/check?schema=scdl/subventions@2.1.1", data=upload(CELLS))
    body = r.get_json()
    assert r.status_code == 200 and not body["valid"]
    assert {"dateConvention", "montant"} <= {f["location"]["field"] for f in body["findings"]}
    assert all(f["detail"]["fr"] and f["fix"]["fr"] for f in body["findings"])
    body = c.post("/api/v1/check", data=upload(VALID)).get_json()
    assert body["valid"] and body["schema"]["guessed"] and body["schema"]["confidence"]["fr"] == "certain"
    assert (tmp_path / "work").is_dir() and not any((tmp_path / "work").iterdir())


def test_check_page_shows_verdict_and_errors(tmp_path, schemas):
    c = client(options(tmp_path, schemas))
    page = c.post("/verifier?lang=fr", data=upload(VALID, schema="scdl/subventions")).get_data(as_text=True)
    assert 'id="verdict">Fichier conforme' in page and "<strong>scdl/subventions</strong>" in page
    r = c.post("/verifier?lang=fr", data=upload(CELLS))
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "Fichier non conforme" in page and '<table id="findings">' in page
    assert "(deviné, certain)" in page and "dateConvention" in page
    page = c.post("/verifier?lang=en", data=upload(CELLS)).get_data(as_text=True)
    assert "Non-compliant file" in page and "(guessed, certain)" in page
    unknown = {"file": (io.BytesIO(b"piscine;horaires\nBeaulieu;9h-18h\n"), "piscines.csv")}
    page = c.post("/verifier?lang=fr", data=unknown).get_data(as_text=True)
    assert 'id="verdict">Fichier lisible — contenu non validé faute de schéma' in page


def test_bad_requests(tmp_path, schemas):
    opts = options(tmp_path, schemas, max_upload=2048)
    c = client(opts)
    assert is_json_error(c.post("/api/v1/check"), 400)["message"] == "Choisissez un fichier ou donnez une adresse."
    assert "Choisissez un fichier" in is_error_page(c.post("/verifier", data={"schema": ""}), 400)
    assert is_json_error(c.post("/api/v1/check", data={"file": (io.BytesIO(b""), "")}), 400)
    assert is_json_error(c.post("/api/v1/check", json=[1, 2]), 400)
    assert is_json_error(c.post("/api/v1/check", data=b"{pas du json", content_type="application/json"), 400)
    small = tmp_path / "petit.csv"
    small.write_text("a,b\n1,2\n")
    err = is_json_error(c.post("/api/v1/check", data=upload(small, schema="scdl/inexistant")), 400)
    assert err["message"].startswith("Schéma inconnu : Schéma « scdl/inexistant » inconnu du catalogue")
    err = is_json_error(c.post("/api/v1/check?lang=en", data=upload(small, schema="scdl/subventions@9.9")), 400)
    assert err["message"].startswith("Unknown schema: ")
    # oversized: a French refusal, JSON for the API and a page for the form
    big = {"file": (io.BytesIO(b"a,b\n" + b"1,2\n" * 2000), "gros.csv")}
    assert is_json_error(c.post("/api/v1/check", data=big), 413)["message"] == \
        "Fichier trop volumineux : la limite est de 2 Ko."
    big = {"file": (io.BytesIO(b"a,b\n" + b"1,2\n" * 2000), "gros.csv")}
    assert "Fichier trop volumineux : la limite est de 2 Ko." in is_error_page(c.post("/verifier", data=big), 413)
    # wrong methods and unknown addresses
    assert is_json_error(c.get("/api/v1/check"), 405)["message"] == "Méthode non autorisée pour cette adresse."
    assert is_json_error(c.get("/api/v1/nulle-part"), 404)["message"] == "Page introuvable."
    assert "Page introuvable." in is_error_page(c.get("/nulle-part"), 404)
    assert not any((tmp_path / "work").iterdir())


def test_urls_private_addresses_refused_unless_allowed(tmp_path, schemas, site):
    c = client(options(tmp_path, schemas))
    err = is_json_error(c.post("/api/v1/check", json={"url": f"{site}/subventions.csv"}), 400)
    assert err["message"].startswith("adresse refusée : 127.0.0.1 désigne une adresse interne")
    for url in ("file:///etc/passwd", "ftp://example.org/x.csv", "http://[::1]/x", "http://169.254.169.254/latest"):
        assert is_json_error(c.post("/api/v1/check", data={"url": url}), 400)["message"].startswith("adresse refusée")
    page = is_error_page(c.post("/verifier", data={"url": f"{site}/subventions.csv"}), 400)
    assert "adresse refusée" in page
    c = client(options(tmp_path / "prive", schemas, allow_private_urls=True))
    body = c.post("/api/v1/check", json={"url": f"{site}/subventions.csv", "schema": "scdl/subventions@2.1.1"}).get_json()
    assert body["valid"] and body["target"] == "subventions.csv" and body["report"]["rows"] == 29
    assert is_json_error(c.post("/api/v1/check", data={"url": f"{site}/absent.csv"}), 422)["message"] == \
        "le serveur répond HTTP 404"
    assert not any((tmp_path / "prive" / "work").iterdir())


@pytest.mark.parametrize("name", ["../../x.csv", "/tmp/x.csv", "..\\..\\x.csv", "a/../../../x.csv", "x.csv\x00.txt",
                                  "....//....//x.csv", "%2e%2e%2fx.csv"])
def test_uploaded_names_never_become_paths(tmp_path, schemas, name):
    work = tmp_path / "work"
    c = client(options(tmp_path, schemas))
    before = tree(tmp_path)
    parent_before = set(os.listdir(tmp_path.parent))
    cwd_before = set(os.listdir("."))
    r = c.post("/api/v1/check", data={"file": (io.BytesIO(VALID.read_bytes()), name)})
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    assert "/" not in r.get_json()["target"]
    assert not any(work.iterdir())
    assert tree(tmp_path) == before and set(os.listdir(tmp_path.parent)) == parent_before
    assert set(os.listdir(".")) == cwd_before and not Path("/tmp/x.csv").exists()


def zip_bytes(members: dict[str, bytes], *, raw_names: bool = False) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo("x")
            info.filename = name  # as given, even "../.." (a hostile tool does not clean names)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return buf.getvalue()


def test_zip_uploads_are_expanded_safely(tmp_path, schemas):
    c = client(options(tmp_path, schemas))
    good = zip_bytes({"a/valide.csv": VALID.read_bytes(), "cellules.csv": CELLS.read_bytes()})
    r = c.post("/api/v1/check", data={"file": (io.BytesIO(good), "envoi.zip")})
    body = r.get_json()
    assert r.status_code == 200 and body["kind"] == "archive" and not body["valid"]
    assert [(x["target"], x["valid"]) for x in body["results"]] == [("envoi.zip/a/valide.csv", True),
                                                                    ("envoi.zip/cellules.csv", False)]
    assert body["findings"] and all(f["target"] == "envoi.zip/cellules.csv" for f in body["findings"])
    assert body["schema"]["name"] == "scdl/subventions"
    page = c.post("/verifier", data={"file": (io.BytesIO(good), "envoi.zip")}).get_data(as_text=True)
    assert "Fichier non conforme" in page and "2 élément(s) vérifié(s) dans l&#39;archive" in page
    assert "<th>Fichier</th>" in page and "<td>envoi.zip/cellules.csv</td>" in page
    before = tree(tmp_path)
    for members, message in (({"../../evil.csv": b"a\n1\n"}, "sortirait du dossier d'extraction"),
                             ({"zeros.csv": b"0" * (4 * 1024 * 1024)}, "bombe de décompression")):
        err = is_json_error(c.post("/api/v1/check", data={"file": (io.BytesIO(zip_bytes(members)), "x.zip")}), 422)
        assert message in err["message"]
    assert tree(tmp_path) == before and not (tmp_path.parent / "evil.csv").exists()
    assert not any((tmp_path / "work").iterdir())


# -- the territory pages from the store ------------------------------------------------------------
def test_store_pages_and_commune_api(tmp_path, schemas, audited):
    store, run_id = audited
    empty = client(options(tmp_path / "vide", schemas))
    for path in ("/tableau-de-bord", "/ecarts", "/communes/59350", "/index.html"):
        assert "Aucun audit enregistré pour le moment." in is_error_page(empty.get(path), 404)
    assert is_json_error(empty.get("/api/v1/communes/59350"), 404)["message"] == "Aucun audit enregistré pour le moment."
    assert empty.get("/api/v1/runs").get_json() == {"runs": [], "progress": None}
    assert empty.get("/api/v1/runs/progress").get_json() == {"state": "idle"}

    c = client(options(tmp_path, schemas, store=store))
    for path in ("/tableau-de-bord", "/index.html", "/ecarts", "/ecarts.html", "/communes/59350",
                 "/communes/59350.html"):
        r = c.get(path)
        assert r.status_code == 200 and r.mimetype == "text/html", path
    assert "Lille" in c.get("/communes/59350").get_data(as_text=True)
    assert len(c.get("/tableau-de-bord").get_data(as_text=True)) > 10_000
    is_error_page(c.get("/communes/00000"), 404)
    body = c.get("/api/v1/communes/59350").get_json()
    assert body["run"] == run_id and body["summary"] and isinstance(body["findings"], list)
    assert is_json_error(c.get("/api/v1/communes/00000"), 404)["message"] == "Page introuvable."
    runs = c.get("/api/v1/runs").get_json()["runs"]
    assert [(r["id"], r["kind"], r["status"]) for r in runs] == [(run_id, "audit", "complete")]
    page = c.get("/audits").get_data(as_text=True)
    assert f"<td>{run_id}</td>" in page and "Lancer un audit" not in page  # no runner: no button
    assert is_json_error(c.post("/api/v1/runs"), 403)["message"] == "Jeton d'accès manquant ou invalide."
    is_error_page(c.post("/audits"), 403)


# -- the audit runner -------------------------------------------------------------------------------
class SlowAudit:
    """An audit that reports progress, then waits until released (to observe a run in progress)."""

    def __init__(self, run_id: int = 4242):
        self.release = threading.Event()
        self.calls = 0
        self.run_id = run_id

    def __call__(self, config, progress) -> int:
        self.calls += 1
        progress("crawl", "portail-a", 12)
        progress("crawl", "portail-b", 3)
        progress("files", "*", 0)
        assert self.release.wait(30)
        return self.run_id


def form_token(page: str) -> str:
    """The token of the audits page's form."""
    match = re.search(r'name="csrf" value="([0-9a-f]{64})"', page)
    assert match, "the audits form carries no token"
    return match.group(1)


def wait_for(predicate, seconds: float = 30.0):
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_runner_progress_and_no_overlap(tmp_path, schemas, audited):
    store, _ = audited
    world = generate(7)
    with SimTerritory(world) as territory:
        config = load_config(write_config(territory, tmp_path / "conf"), data_dir=tmp_path / "data")
    audit = SlowAudit()
    runner = AuditRunner(config, audit=audit)
    c = client(options(tmp_path, schemas, store=store, token=TOKEN), runner)
    assert is_json_error(c.post("/api/v1/runs"), 403)
    assert is_json_error(c.post("/api/v1/runs", headers={"Authorization": "Bearer faux"}), 403)
    assert is_json_error(c.post("/api/v1/runs", headers={"Authorization": TOKEN}), 403)
    is_error_page(c.post("/audits"), 403)  # with a token, the page cannot start an audit
    assert "Lancer un audit maintenant" not in c.get("/audits").get_data(as_text=True)
    assert audit.calls == 0
    r = c.post("/api/v1/runs", headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 202 and r.get_json()["started"] and r.get_json()["progress"]["state"] == "running"
    wait_for(lambda: runner.progress.stage == "files")
    again = c.post("/api/v1/runs", headers={"Authorization": f"Bearer {TOKEN}"})
    assert is_json_error(again, 409)["message"] == "Un audit est déjà en cours."
    progress = c.get("/api/v1/runs/progress").get_json()
    assert progress["state"] == "running" and progress["portals"] == {"portail-a": 12, "portail-b": 3}
    assert c.get("/api/v1/runs").get_json()["progress"]["state"] == "running"
    page = c.get("/audits").get_data(as_text=True)
    assert 'id="progress">Audit en cours — files' in page and "portail-a : 12" in page
    audit.release.set()
    wait_for(lambda: runner.progress.state == "done")
    progress = c.get("/api/v1/runs/progress").get_json()
    assert progress["run_id"] == 4242 and progress["finished_at"] and progress["stage"] is None
    assert audit.calls == 1

    # without a token the page offers the button, and a second click while running is refused
    audit2 = SlowAudit()
    runner2 = AuditRunner(config, audit=audit2)
    c2 = client(options(tmp_path / "sans-jeton", schemas, store=store), runner2)
    page = c2.get("/audits").get_data(as_text=True)
    assert "Lancer un audit maintenant" in page
    form = {"csrf": form_token(page)}
    remote = {"REMOTE_ADDR": "192.0.2.7"}  # without a token, only this machine may start an audit
    assert "Lancer un audit maintenant" not in c2.get("/audits", environ_base=remote).get_data(as_text=True)
    assert is_json_error(c2.post("/api/v1/runs", environ_base=remote), 403)
    is_error_page(c2.post("/audits", data=form, environ_base=remote), 403)
    assert "rechargez la page" in is_error_page(c2.post("/audits"), 403).lower()  # a form the page did not serve
    assert "rechargez la page" in is_error_page(c2.post("/audits", data={"csrf": "0" * 64}), 403).lower()
    assert audit2.calls == 0
    assert "Audit lancé." in c2.post("/audits", data=form).get_data(as_text=True)
    is_error_page(c2.post("/audits", data=form), 409)
    audit2.release.set()
    wait_for(lambda: runner2.progress.state == "done")

    # a failing audit is shown, never raised into the server
    def broken(config, progress):
        raise RuntimeError("portail injoignable")

    runner3 = AuditRunner(config, audit=broken)
    c3 = client(options(tmp_path / "panne", schemas, store=store), runner3)
    assert c3.post("/api/v1/runs").status_code == 202
    wait_for(lambda: runner3.progress.state == "failed")
    assert "portail injoignable" in c3.get("/api/v1/runs/progress").get_json()["error"]
    assert "portail injoignable" in c3.get("/audits").get_data(as_text=True)


def test_a_run_of_another_process_blocks_a_new_one(tmp_path, schemas):
    world = generate(7)
    with SimTerritory(world) as territory:
        config = load_config(write_config(territory, tmp_path / "conf"), data_dir=tmp_path / "data")
    audit = SlowAudit()
    runner = AuditRunner(config, audit=audit)
    with Store(config.store_path) as store:
        running = store.begin_run("audit", now_iso(), "Essai", "conf")  # a live pid: this very process
    c = client(options(tmp_path, schemas, store=Path(config.store_path)), runner)
    assert is_json_error(c.post("/api/v1/runs"), 409)
    assert audit.calls == 0
    with Store(config.store_path) as store:
        store.fail_run(running, now_iso(), "test")
    assert c.post("/api/v1/runs").status_code == 202
    audit.release.set()
    wait_for(lambda: runner.progress.state == "done")


def test_a_real_audit_through_the_api(tmp_path, schemas):
    world = generate(7)
    with SimTerritory(world) as territory:
        config = load_config(write_config(territory, tmp_path / "conf", crawl={"probe_max_age": 0}),
                             data_dir=tmp_path / "data")
        runner = AuditRunner(config)
        c = client(options(tmp_path, schemas, store=Path(config.store_path)), runner)
        assert c.post("/api/v1/runs").status_code == 202
        seen: set[str] = set()

        def finished():
            p = c.get("/api/v1/runs/progress").get_json()
            seen.update(p["portals"])
            return p["state"] in ("done", "failed")

        wait_for(finished, 90)
    progress = c.get("/api/v1/runs/progress").get_json()
    assert progress["state"] == "done", progress["error"]
    assert seen and set(progress["portals"]) == set(world.portals)
    runs = c.get("/api/v1/runs").get_json()["runs"]
    assert runs[0]["id"] == progress["run_id"] and runs[0]["status"] == "complete"
    assert c.get("/tableau-de-bord").status_code == 200
    assert c.get("/api/v1/communes/59350").get_json()["run"] == progress["run_id"]


def test_schedule_parsing_and_due_dates():
    assert Schedule.parse(None) is None and Schedule.parse("") is None
    assert Schedule.parse("monthly 1 03:00") == Schedule(day=1, hour=3, minute=0)
    assert Schedule.parse("mensuel 15 22:30") == Schedule(day=15, hour=22, minute=30)
    assert Schedule.parse("monthly 2") == Schedule(day=2, hour=3, minute=0)
    assert Schedule.parse("every 30 days") == Schedule(every_days=30)
    assert Schedule.parse("tous 7 jours") == Schedule(every_days=7)
    for bad in ("weekly", "monthly", "monthly x", "monthly 1 25:00", "monthly 32", "monthly 1 03:75",
                "every 0 days", "every -3 days", "every", "tous les jours"):
        with pytest.raises(ValueError, match="planification illisible"):
            Schedule.parse(bad)
    utc = timezone.utc
    monthly = Schedule.parse("monthly 1 03:00")
    assert monthly.due(datetime(2026, 5, 1, 3, 0, tzinfo=utc), datetime(2026, 4, 1, 3, 0, 5, tzinfo=utc))
    assert monthly.due(datetime(2026, 5, 20, tzinfo=utc), None)
    assert not monthly.due(datetime(2026, 5, 1, 2, 59, tzinfo=utc), datetime(2026, 4, 1, 3, 0, 5, tzinfo=utc))
    assert not monthly.due(datetime(2026, 5, 9, tzinfo=utc), datetime(2026, 5, 1, 3, 0, 5, tzinfo=utc))
    assert Schedule.parse("monthly 31 03:00").due(datetime(2026, 2, 28, 4, tzinfo=utc), datetime(2026, 1, 31, tzinfo=utc))
    every = Schedule.parse("every 30 days")
    assert every.due(datetime(2026, 5, 1, tzinfo=utc), None)
    assert not every.due(datetime(2026, 5, 1, tzinfo=utc), datetime(2026, 4, 2, tzinfo=utc))
    assert every.due(datetime(2026, 5, 2, tzinfo=utc), datetime(2026, 4, 2, tzinfo=utc))


def test_scheduler_starts_a_due_audit_once(tmp_path):
    world = generate(7)
    with SimTerritory(world) as territory:
        config = load_config(write_config(territory, tmp_path / "conf"), data_dir=tmp_path / "data")
    audit = SlowAudit()
    runner = AuditRunner(config, Schedule.parse("every 30 days"), audit=audit)
    runner.start_scheduler(tick=0.02)
    try:
        wait_for(lambda: runner.progress.state == "running")
        time.sleep(0.2)  # further ticks while it runs start nothing
        assert audit.calls == 1
    finally:
        runner.stop()
        audit.release.set()
    wait_for(lambda: runner.progress.state == "done")
    assert AuditRunner(config, None).start_scheduler() is None  # no schedule: no thread


# -- a real server ----------------------------------------------------------------------------------
def test_real_waitress_server(tmp_path, schemas, audited):
    store, run_id = audited
    opts = options(tmp_path, schemas, store=store, max_upload=4096)
    with waitress_server(create_app(opts), opts) as base:
        assert requests.get(f"{base}/api/v1/health", timeout=10).json()["status"] == "ok"
        small = b"".join(VALID.read_bytes().splitlines(keepends=True)[:6])
        r = requests.post(f"{base}/api/v1/check", files={"file": ("subventions.csv", small)},
                          data={"schema": "scdl/subventions@2.1.1"}, timeout=30)
        assert r.status_code == 200 and r.json()["valid"] and r.json()["report"]["rows"] == 5
        big = b"a,b\n" + b"1,2\n" * 3000
        r = requests.post(f"{base}/api/v1/check", files={"file": ("gros.csv", big)}, timeout=30)
        assert r.status_code == 413 and r.json()["error"]["message"] == "Fichier trop volumineux : la limite est de 4 Ko."
        r = requests.post(f"{base}/verifier?lang=fr", files={"file": ("gros.csv", big)}, timeout=30)
        assert r.status_code == 413 and "Fichier trop volumineux" in r.text and "text/html" in r.headers["content-type"]
        assert requests.get(f"{base}/communes/59350", timeout=30).status_code == 200
        assert requests.get(f"{base}/api/v1/runs", timeout=10).json()["runs"][0]["id"] == run_id
        assert requests.get(f"{base}/nulle-part", timeout=10).status_code == 404
    assert not any((tmp_path / "work").iterdir())


# -- fuzzing every route of the OpenAPI document -------------------------------------------------------
OPERATIONS = sorted((path, method) for path, item in openapi_document("0").get("paths", {}).items()
                    for method in item)
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
                    max_leaves=10)
NOT_A_WEB_URL = st.text(max_size=40).filter(lambda s: "http" not in s.lower() and "//" not in s)
SCHEMA_NAMES = ["scdl/subventions", "scdl/subventions@2.1.1", "scdl/budget", "etalab/schema-irve",
                "etalab/schema-irve-statique@2.3.0", "139bercy/format-commande-publique", "scdl/deliberations@9",
                "../../reports/check.schema.json", "/etc/passwd", "subventions"]
SCHEMA = st.sampled_from(SCHEMA_NAMES) | st.text(max_size=30)
CSV_LIKE = st.lists(st.lists(st.text(max_size=8), min_size=1, max_size=5), max_size=6).map(
    lambda rows: "\n".join(",".join(r) for r in rows).encode())
SCDL_ROWS = [line.split(",") for line in VALID.read_text("utf-8").splitlines()]


@st.composite
def scdl_like(draw) -> bytes:
    """The SCDL example cut to a few rows, with some cells replaced by anything."""
    rows = [list(r) for r in SCDL_ROWS[:draw(st.integers(1, 6))]]
    for _ in range(draw(st.integers(0, 6))):
        row = draw(st.integers(0, len(rows) - 1))
        col = draw(st.integers(0, len(rows[row])))
        value = draw(st.text(max_size=12) | st.sampled_from(["", "2024-13-45", "1e400", "-0", "NaN", "oui",
                                                             "21590017600011", '"', "W123"]))
        if col < len(rows[row]):
            rows[row][col] = value
        else:
            rows[row].append(value)
    sep = draw(st.sampled_from([",", ";", "\t"]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "utf-16"]))
    return "\n".join(sep.join(r) for r in rows).encode(encoding, errors="replace")


FILE_BODY = (st.binary(max_size=600) | CSV_LIKE | scdl_like()
             | st.sampled_from([VALID.read_bytes()[:800], b"PK\x03\x04", b"", b'{"marches": [', b"[{}]"]))
FORM = st.fixed_dictionaries({}, optional={
    "file": st.tuples(FILE_BODY, st.text(max_size=20)),
    "url": NOT_A_WEB_URL, "schema": SCHEMA, "lang": st.sampled_from(["fr", "en", "de", ""]) | st.text(max_size=5)})
QUERY = st.dictionaries(st.sampled_from(["lang", "schema", "x"]) | st.text(min_size=1, max_size=6),
                        st.text(max_size=20), max_size=3)


@pytest.fixture(scope="module")
def fuzz_client(tmp_path_factory, schemas, audited):
    store, _ = audited
    root = tmp_path_factory.mktemp("fuzz")
    runner = AuditRunner(load_config(_minimal_config(root), data_dir=root / "data"), audit=SlowAudit())
    opts = options(root, schemas, store=store, token=TOKEN, max_upload=64 * 1024)
    c = client(opts, runner)
    yield c
    runner._audit.release.set()
    assert not any((root / "work").iterdir())


def _minimal_config(root: Path) -> Path:
    world = generate(7)
    with SimTerritory(world) as territory:
        return write_config(territory, root / "conf")


@settings(max_examples=250, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_fuzz_every_route_never_gives_a_500(fuzz_client, data):
    path, method = data.draw(st.sampled_from(OPERATIONS), label="operation")
    if "{code}" in path:
        code = data.draw(st.sampled_from(["59350", "59017", "59999"]) | st.text(min_size=1, max_size=12), label="code")
        path = path.replace("{code}", quote(code, safe=""))
    query = data.draw(QUERY, label="query")
    kind = data.draw(st.sampled_from(["none", "form", "json", "raw"]), label="body")
    kw: dict = {"query_string": query}
    if kind == "form":
        form = data.draw(FORM, label="form")
        if "file" in form:
            content, name = form["file"]
            form["file"] = (io.BytesIO(content), name)
        kw["data"] = form
        kw["content_type"] = "multipart/form-data"
    elif kind == "json":
        kw["json"] = data.draw(JSON | st.fixed_dictionaries({}, optional={"url": NOT_A_WEB_URL, "schema": SCHEMA}),
                               label="json")
    elif kind == "raw":
        kw["data"] = data.draw(st.binary(max_size=300), label="raw")
        kw["content_type"] = data.draw(st.sampled_from(["multipart/form-data; boundary=xyz", "application/json",
                                                        "text/csv", "application/x-www-form-urlencoded"]))
    if data.draw(st.booleans(), label="token"):
        kw["headers"] = {"Authorization": data.draw(st.sampled_from(["Bearer faux", "Bearer", "", "Basic eA=="]))}
    r = getattr(fuzz_client, method)(path, **kw)
    assert r.status_code < 500, (method, path, kw, r.get_data(as_text=True)[:500])
    assert r.mimetype == "application/json", (method, path, r.mimetype)
    body = json.loads(r.get_data(as_text=True))
    if r.status_code >= 400:
        assert set(body) == {"error"} and body["error"]["status"] == r.status_code


@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(content=FILE_BODY, name=st.text(max_size=20) | st.sampled_from(["a.csv", "a.xlsx", "a.json", "a.zip"]),
       schema=st.none() | SCHEMA, page=st.booleans(), lang=st.sampled_from(["fr", "en"]))
def test_fuzz_uploads_never_give_a_500(fuzz_client, content, name, schema, page, lang):
    form = {"file": (io.BytesIO(content), name or "f.csv")}
    if schema is not None:
        form["schema"] = schema
    r = fuzz_client.post("/verifier" if page else "/api/v1/check", data=form, query_string={"lang": lang},
                         content_type="multipart/form-data")
    assert r.status_code < 500, (name, schema, content[:200], r.get_data(as_text=True)[:500])
    assert r.status_code in (200, 400, 413, 422), r.status_code
    assert r.mimetype == ("text/html" if page else "application/json")
