"""The schema catalogue snapshot shipped with auditor, and checks without network.

The snapshot (``auditor/data/schema-snapshot.json.xz``) holds the catalogue and every version's schema documents,
never the example files; it is built by ``python3 -m auditor.tabular.snapshot`` from a mirror folder or a site.
Offline (the catalogue pointed at a closed 127.0.0.1 port, nothing cached), ``auditor check`` validates an SCDL
file from it and says so with its date; with the snapshot removed, a file that needs a schema exits 2 with one
French sentence (what was missing, how to fix it), never ✓ and never a transport error.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from auditor.crawling.http import HttpClient, HttpConfig
from auditor.tabular.catalog import CatalogUnavailable, SchemaCatalog
from auditor.tabular.snapshot import build, main
from auditor.tabular.snapshot_file import CATALOG_PATH, ENV, FILENAME, Snapshot, default_snapshot

from .schema_server import SCHEMAS, SchemaServer
from .service_helpers import run_cli

ROOT = Path(__file__).resolve().parents[1]
SUB = SCHEMAS / "scdl__subventions" / "2.1.1"
VALID = SUB / "exemple_valide.csv"
CELLS = SUB / "exemple_invalide_erreurs_cellules.csv"
TRANSPORT_WORDS = ("HTTPSConnectionPool", "HTTPConnectionPool", "NameResolutionError", "Max retries", "Traceback")


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def offline() -> str:
    """The address of a schema catalogue that cannot be reached: a closed port on 127.0.0.1."""
    return f"http://127.0.0.1:{closed_port()}"


def quick() -> HttpClient:
    return HttpClient(HttpConfig(timeout=2.0, total_timeout=5.0, retries=0))


def run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess:
    """``auditor`` as a fresh machine runs it: its own empty cache, no inherited snapshot setting."""
    base = {k: v for k, v in os.environ.items() if k != ENV}
    base.update(AUDITOR_CACHE=str(cwd / ".cache"), HOME=str(cwd), **env)
    return subprocess.run([sys.executable, "-m", "auditor", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env=base)


# -- the shipped snapshot -------------------------------------------------------------------------------

def test_shipped_snapshot_holds_the_catalogue_and_the_schemas_not_the_examples():
    snap = default_snapshot()
    assert snap is not None, "auditor/data/schema-snapshot.json.xz is missing"
    assert (ROOT / "auditor" / "data" / FILENAME).stat().st_size < 200 * 1024  # compact
    listed = json.loads(snap.read("/" + CATALOG_PATH))["schemas"]
    assert {"scdl/subventions", "scdl/deliberations", "etalab/schema-irve-statique"} <= {s["name"] for s in listed}
    assert json.loads(snap.read("/schemas/scdl/subventions/2.1.1/schema.json"))["fields"][0]["name"] == "nomAttribuant"
    assert json.loads(snap.read("/schemas/scdl/deliberations/2.1.3/schema.json"))["fields"]
    assert not [k for k in snap.files if "exemple" in k.lower() or not k.endswith((".json", ".yml", ".yaml"))]
    assert snap.date[:4].isdigit() and snap.date_fr.split()[-1] == snap.date[:4]
    # the accented name DECP asks for is served from the copy whose accents the mirror dropped
    assert snap.read("/schemas/139bercy/format-commande-publique/2.0.2/marchés.json") is not None


def test_snapshot_is_the_mirror_folder_as_built_by_the_script(tmp_path, capsys):
    """The shipped file is what the script builds from ../shared/data/schemas (refresh it at release)."""
    out = tmp_path / FILENAME
    assert main(["--from", str(SCHEMAS), "--output", str(out), "--date", "2026-12-08"]) == 0
    assert "document(s) de schéma" in capsys.readouterr().out
    built = Snapshot.from_bytes(out.read_bytes())
    assert built.files == default_snapshot().files and built.date == "2026-12-08"
    assert main(["--from", str(tmp_path / "absent"), "--output", str(out)]) == 2
    assert main(["--from", str(SCHEMAS), "--date", "8/12/2026", "--output", str(out)]) == 2


def test_snapshot_built_from_a_site_over_http_holds_the_same_documents():
    with SchemaServer() as server:
        site = build(server.url, on_date="2026-12-08")
    folder = build(str(SCHEMAS), on_date="2026-12-08")
    assert site.files[CATALOG_PATH] == folder.files[CATALOG_PATH]
    versions = {k for k in folder.files if k.endswith(("/schema.json", "datapackage.json"))}
    assert versions and versions <= set(site.files)


def test_installed_product_finds_its_snapshot_from_any_folder(tmp_path):
    script = ("from auditor.tabular.snapshot_file import default_snapshot; s = default_snapshot(); "
              "print(s is not None and b'scdl/subventions' in s.read('/schemas/schemas.json'))")
    proc = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True,
                          timeout=60, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert proc.returncode == 0 and proc.stdout.strip() == "True", proc.stderr


# -- the catalogue falls back on it ------------------------------------------------------------------------

def test_catalogue_prefers_the_site_then_its_cache_then_the_snapshot(tmp_path):
    snap = default_snapshot()
    with SchemaServer() as server:
        online = SchemaCatalog(server.url, http=quick(), cache_dir=tmp_path / "cache", snapshot=snap)
        assert online.resolve("scdl/subventions@2.1.1").document["fields"]
        assert online.notes == [] and not online.snapshot_used
        server.fail = True
        cached = SchemaCatalog(server.url, http=quick(), cache_dir=tmp_path / "cache", snapshot=snap, max_age=0)
        cached.resolve("scdl/subventions@2.1.1")
        assert not cached.snapshot_used and "copie en cache" in cached.notes[0]
        # a version never fetched: the snapshot has it
        assert cached.resolve("scdl/subventions@2.0.0").version == "2.0.0" and cached.snapshot_used
        assert any("instantané" in n and snap.date_fr in n for n in cached.notes)


def test_offline_catalogue_without_snapshot_says_so_in_french(offline):
    bare = SchemaCatalog(offline, http=quick())
    with pytest.raises(CatalogUnavailable) as exc:
        bare.names()
    message = exc.value.message
    assert "connexion impossible" in message and "ni instantané du catalogue" in message
    assert not any(w in message for w in TRANSPORT_WORDS)
    shipped = SchemaCatalog(offline, http=quick(), snapshot=default_snapshot())
    assert "scdl/subventions" in shipped.names() and shipped.snapshot_used
    with pytest.raises(CatalogUnavailable, match="ne l'a pas"):  # listed, but absent from the snapshot
        shipped.resolve("cnigfr/schema-friches@1.0.1")


# -- auditor check without network ---------------------------------------------------------------------

def test_offline_check_validates_an_scdl_file_from_the_snapshot(tmp_path, offline):
    shutil.copy(CELLS, tmp_path / "subventions.csv")
    shutil.copy(VALID, tmp_path / "valide.csv")
    proc = run(["check", "subventions.csv", "--schemas", offline, "--color", "never"], tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert "Schéma : scdl/subventions 2.1.1 (deviné : certain)" in proc.stdout and "✓" not in proc.stdout
    date = default_snapshot().date_fr
    assert f"instantané du catalogue livré avec auditor, daté du {date}" in proc.stdout
    assert "injoignable (connexion impossible ou interrompue)" in proc.stdout
    assert not any(w in proc.stdout + proc.stderr for w in TRANSPORT_WORDS)
    proc = run(["check", "subventions.csv", "--schemas", offline, "--format", "json"], tmp_path)
    (result,) = json.loads(proc.stdout)["results"]
    assert proc.returncode == 1 and not result["valid"] and result["report"]["rows"] == 29
    assert {"row": 5, "field": "dateConvention"}.items() <= next(
        f["location"] for f in result["findings"] if f["location"].get("field") == "dateConvention").items()
    proc = run(["check", "valide.csv", "--schema", "scdl/subventions@2.1.1", "--schemas", offline,
                "--format", "json"], tmp_path)
    (result,) = json.loads(proc.stdout)["results"]
    assert proc.returncode == 0 and result["valid"] and result["report"]["rows"] == 29
    assert result["schema"]["name"] == "scdl/subventions" and any(date in n for n in result["notes"])


def test_without_snapshot_a_file_needing_a_schema_exits_2(tmp_path, offline):
    """The snapshot removed (a folder without it), nothing cached, no network: never « lisible » with ✓."""
    shutil.copy(CELLS, tmp_path / "subventions.csv")
    (tmp_path / "vide").mkdir()
    no_snapshot = {ENV: str(tmp_path / "vide")}
    proc = run(["check", "subventions.csv", "--schemas", offline, "--color", "never"], tmp_path, **no_snapshot)
    assert proc.returncode == 2 and proc.stdout == ""
    err = proc.stderr
    assert err.startswith("auditor check : subventions.csv : le catalogue des schémas n'a pas pu être lu")
    assert "n'est pas validé" in err and "--schemas" in err and "miroir" in err and "dossier" in err
    assert err.count("\n") == 1 and not any(w in err for w in TRANSPORT_WORDS)
    # a schema given on the command line, or declared by a data package
    proc = run(["check", "subventions.csv", "--schema", "scdl/subventions@2.1.1", "--schemas", offline],
               tmp_path, **no_snapshot)
    assert proc.returncode == 2 and "le schéma « scdl/subventions@2.1.1 » n'a pas pu être chargé" in proc.stderr
    (tmp_path / "datapackage.json").write_text(json.dumps({"name": "s", "title": "Subventions", "resources": [
        {"path": "subventions.csv", "schema": "scdl/subventions@2.1.1"}]}), encoding="utf-8")
    proc = run(["check", "datapackage.json", "--schemas", offline], tmp_path, **no_snapshot)
    assert proc.returncode == 2 and proc.stdout == ""
    assert "subventions.csv : le schéma « scdl/subventions@2.1.1 » déclaré par datapackage.json n'a pas pu être " \
           "chargé" in proc.stderr and "--schemas" in proc.stderr
    # only --no-guess (no schema wanted) reads the file: readable, not validated, no tick
    proc = run(["check", "subventions.csv", "--no-guess", "--schemas", offline, "--color", "never"], tmp_path,
               **no_snapshot)
    assert proc.returncode == 0 and "– lisible ; contenu non validé faute de schéma" in proc.stdout
    assert "✓" not in proc.stdout


def test_schemas_folder_that_does_not_exist_exits_2(tmp_path, capsys):
    shutil.copy(CELLS, tmp_path / "subventions.csv")
    for given in (str(tmp_path / "nope"), (tmp_path / "nope").as_uri()):
        code, out, err = run_cli(capsys, "check", str(tmp_path / "subventions.csv"), "--schemas", given)
        assert code == 2 and out == "" and f"--schemas « {given} » : ce dossier n'existe pas" in err
    code, _, err = run_cli(capsys, "ci", str(tmp_path), "--schemas", str(tmp_path / "nope"))
    assert code == 2 and "ce dossier n'existe pas" in err
