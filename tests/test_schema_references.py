"""Schema references as people write them: a name, the schema.data.gouv.fr address, the address of a file of
the schema's repository at a release tag, a local path. Each resolves to the same catalogue entry online (the
local mirror on 127.0.0.1), offline (a closed port: the shipped snapshot) and with a schema folder; relative
paths start from the folder of the description naming them, whatever the current folder
(:meth:`SchemaCatalog.resolve_reference`, :func:`auditor.tabular.references.parse_reference`)."""
from __future__ import annotations

import json
import shutil
import socket
from pathlib import Path

import pytest

from auditor.selfcheck.describe import read_description
from auditor.crawling.http import HttpClient, HttpConfig
from auditor.tabular.catalog import CatalogError, SchemaCatalog, SchemaNotFound
from auditor.tabular.references import declared_name, parse_reference
from auditor.tabular.snapshot_file import default_snapshot

from .schema_server import SCHEMAS, SchemaServer
from .service_helpers import run_cli, schema_options

SUB = SCHEMAS / "scdl__subventions" / "2.1.1"
CELLS = SUB / "exemple_invalide_erreurs_cellules.csv"
VALID = SUB / "exemple_valide.csv"
SITE = "https://schema.data.gouv.fr"

# (reference, the catalogue entry it names)
FORMS = [
    ("scdl/subventions@2.1.1", "scdl/subventions@2.1.1"),
    ("scdl/subventions@v2.1.1", "scdl/subventions@2.1.1"),
    ("subventions@2.1.1", "scdl/subventions@2.1.1"),
    ("scdl/deliberations@2.1.3", "scdl/deliberations@2.1.3"),
    (f"{SITE}/schemas/scdl/subventions/2.1.1/schema.json", "scdl/subventions@2.1.1"),
    (f"{SITE}/schemas/scdl/deliberations/2.1.3/schema.json", "scdl/deliberations@2.1.3"),
    (f"{SITE}/scdl/subventions/2.1.1/", "scdl/subventions@2.1.1"),  # the documentation page
    (f"{SITE}/schemas/etalab/schema-irve/2.3.1/schema-statique.json", "etalab/schema-irve-statique@2.3.1"),
    ("https://gitlab.com/opendatafrance/scdl/subventions/-/raw/v2.1.1/schema.json", "scdl/subventions@2.1.1"),
    ("https://gitlab.com/opendatafrance/scdl/subventions/raw/v2.1.1/schema.json", "scdl/subventions@2.1.1"),
    ("https://gitlab.com/opendatafrance/scdl/deliberations/-/blob/v2.1.3/schema.json", "scdl/deliberations@2.1.3"),
    ("https://raw.githubusercontent.com/etalab/schema-irve/v2.3.1/schema-statique.json",
     "etalab/schema-irve-statique@2.3.1"),
    ("https://github.com/etalab/schema-irve/blob/v2.3.0/schema-dynamique.json", "etalab/schema-irve-dynamique@2.3.0"),
    ("https://raw.githubusercontent.com/scdl/subventions/v2.1.1/schema.json", "scdl/subventions@2.1.1"),
]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def quick() -> HttpClient:
    return HttpClient(HttpConfig(timeout=2.0, total_timeout=5.0, retries=0))


@pytest.fixture(scope="module")
def online():
    with SchemaServer() as server:
        yield SchemaCatalog(server.url, http=quick())


@pytest.fixture(scope="module")
def offline():
    return SchemaCatalog(f"http://127.0.0.1:{closed_port()}", http=quick(), snapshot=default_snapshot())


@pytest.fixture(scope="module")
def folder():
    return SchemaCatalog(str(SCHEMAS))


@pytest.mark.parametrize("text,expected", FORMS)
def test_each_form_names_the_same_entry_online_offline_and_in_a_folder(text, expected, online, offline, folder):
    for catalog in (online, offline, folder):
        resolved = catalog.resolve_reference(text)
        assert resolved.ref == expected, (catalog.base_url, resolved.ref)
        assert resolved.type == "tableschema" and resolved.document["fields"]
    assert offline.snapshot_used


def test_mirror_address_and_latest_release(online, offline):
    assert online.resolve_reference(f"{online.base_url}/schemas/scdl/subventions/2.1.1/schema.json").ref == \
        "scdl/subventions@2.1.1"
    latest = online.get("scdl/subventions").latest
    for text in ("scdl/subventions", f"{SITE}/schemas/scdl/subventions/latest/schema.json",
                 "https://gitlab.com/opendatafrance/scdl/subventions"):
        assert online.resolve_reference(text).ref == offline.resolve_reference(text).ref == f"scdl/subventions@{latest}"
    branch = online.resolve_reference("https://gitlab.com/opendatafrance/scdl/subventions/-/raw/master/schema.json")
    assert branch.version == latest and "« master » n'est pas une version publiée" in branch.notes[-1]
    assert online.resolve_reference("https://github.com/etalab/schema-irve").type == "datapackage"


def test_unknown_references_are_schema_not_found(online):
    with pytest.raises(SchemaNotFound, match="Version « 9.9.9 » inconnue"):
        online.resolve_reference(f"{SITE}/schemas/scdl/subventions/9.9.9/schema.json")
    with pytest.raises(SchemaNotFound, match="inconnu du catalogue"):
        online.resolve_reference(f"{SITE}/schemas/scdl/inexistant/1.0.0/schema.json")
    with pytest.raises(SchemaNotFound, match="n'est pas un document publié"):
        online.resolve_reference(f"{SITE}/schemas/scdl/subventions/2.1.1/autre.json")
    # the web service's visitors: no local file, no address outside the catalogue
    with pytest.raises(SchemaNotFound, match="ne désigne aucun schéma"):
        online.resolve_reference(str(SUB / "schema.json"), local=False)
    with pytest.raises(SchemaNotFound, match="ne désigne aucun schéma"):
        online.resolve_reference("https://example.org/schema.json", local=False)


def test_local_paths_from_the_base_folder_whatever_the_current_one(tmp_path, monkeypatch, online):
    (tmp_path / "schemas").mkdir()
    shutil.copy(SUB / "schema.json", tmp_path / "schemas" / "subventions.json")
    (tmp_path / "ailleurs").mkdir()
    monkeypatch.chdir(tmp_path / "ailleurs")
    for text in ("schemas/subventions.json", "./schemas/subventions.json", "ailleurs/../schemas/subventions.json",
                 str(tmp_path / "schemas" / "subventions.json"), (tmp_path / "schemas" / "subventions.json").as_uri()):
        resolved = online.resolve_reference(text, tmp_path)
        assert resolved.url == (tmp_path / "schemas" / "subventions.json").as_uri(), text
        assert resolved.type == "tableschema" and resolved.name == "subventions" and resolved.version == "2.1.1"
    monkeypatch.chdir(tmp_path)
    assert online.resolve_reference("schemas/subventions.json").url.endswith("/schemas/subventions.json")
    with pytest.raises(CatalogError, match="fichier de schéma introuvable"):
        online.resolve_reference("absent.json", tmp_path / "ailleurs")


def test_parse_reference_reads_the_text_alone(tmp_path):
    assert parse_reference("scdl/subventions@2.1.1").name == "scdl/subventions"
    assert parse_reference("scdl/subventions@latest").version is None
    site = parse_reference(f"{SITE}/schemas/scdl/subventions/2.1.1/schema.json")
    assert (site.kind, site.name, site.version, site.file) == ("site", "scdl/subventions", "2.1.1", "schema.json")
    repo = parse_reference("https://raw.githubusercontent.com/etalab/schema-irve/refs/tags/v2.3.1/schema-statique.json")
    assert (repo.kind, repo.repo, repo.version, repo.file) == ("repository", "github.com/etalab/schema-irve", "v2.3.1",
                                                              "schema-statique.json")
    path = parse_reference("schema.json", tmp_path)
    assert path.kind == "path" and path.path == tmp_path / "schema.json"
    assert parse_reference("https://example.org/schema.json").kind == "url"


def test_declared_name_without_network():
    """What a description declares, for the dataset rules (SCDL-01, schema versions): names, site addresses,
    and repository addresses through the shipped snapshot's list of repositories."""
    assert declared_name("scdl/subventions@2.1.1") == ("scdl/subventions", "2.1.1")
    assert declared_name(f"{SITE}/schemas/scdl/subventions/2.1.1/schema.json") == ("scdl/subventions", "2.1.1")
    assert declared_name("https://gitlab.com/opendatafrance/scdl/subventions/-/raw/v2.1.1/schema.json") == \
        ("scdl/subventions", "v2.1.1")
    assert declared_name("https://github.com/etalab/schema-irve/raw/v2.3.1/schema-statique.json")[0] == \
        "etalab/schema-irve-statique"
    assert declared_name("schemas/local.json") == (None, None)


# -- auditor check on descriptions that declare schemas, from any folder -------------------------------------

@pytest.fixture(scope="module")
def env(tmp_path_factory):
    with schema_options(tmp_path_factory.mktemp("ref-cache")) as options:
        yield options


def package(folder: Path, schema: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(CELLS, folder / "subventions.csv")
    path = folder / "datapackage.json"
    path.write_text(json.dumps({"name": "subventions", "title": "Subventions de la ville de Roubaix",
                                "licenses": [{"name": "etalab-2.0", "title": "Licence Ouverte v2.0"}],
                                "resources": [{"path": "subventions.csv", "format": "csv", "schema": schema}]}),
                    encoding="utf-8")
    return path


@pytest.mark.parametrize("schema", [f"{SITE}/schemas/scdl/subventions/2.1.1/schema.json",
                                    "https://gitlab.com/opendatafrance/scdl/subventions/-/raw/v2.1.1/schema.json",
                                    "schemas/subventions.json"])
def test_data_package_declaring_an_address_or_a_local_file_from_its_folder(tmp_path, monkeypatch, capsys, env, schema):
    path = package(tmp_path / "jeu", schema)
    (tmp_path / "jeu" / "schemas").mkdir()
    shutil.copy(SUB / "schema.json", tmp_path / "jeu" / "schemas" / "subventions.json")
    monkeypatch.chdir(tmp_path / "jeu")
    code, out, err = run_cli(capsys, "check", "datapackage.json", "--format", "json", *env)
    assert code == 1, err
    description, data = json.loads(out)["results"]
    assert data["target"] == "subventions.csv" and not data["schema"]["guessed"] and not data["valid"]
    assert data["schema"]["version"] == "2.1.1"
    assert "FILE-02" not in {f["rule"] for f in data["findings"]}
    assert "dateConvention" in {f["location"].get("field") for f in data["findings"]}
    if "://" in schema:  # a published schema, declared: SCDL-01 (no schema declared) must not fire
        assert data["schema"]["name"] == "scdl/subventions"
        assert "SCDL-01" not in {f["rule"] for f in description["findings"]}
        (dist,) = read_description(path).distributions
        assert (dist.schema_name, dist.schema_url) == ("scdl/subventions", schema)
    monkeypatch.chdir(tmp_path)  # the same package named from its parent folder
    code, out, _ = run_cli(capsys, "check", "jeu/datapackage.json", "--format", "json", *env)
    assert code == 1 and json.loads(out)["results"][1]["target"] == "jeu/subventions.csv"


def test_relative_description_and_schema_file_from_another_folder(tmp_path, monkeypatch, capsys, env):
    """``auditor check metadata.yaml`` from its folder, and ``--schema`` naming a local file by a relative path,
    once ended in « relative path can't be expressed as a file URI »."""
    (tmp_path / "deliberations" / "donnees").mkdir(parents=True)
    shutil.copy(CELLS, tmp_path / "deliberations" / "donnees" / "subventions.csv")
    (tmp_path / "deliberations" / "metadata.yaml").write_text(
        "titre: Délibérations\nlicence: Licence Ouverte v2.0\nressources:\n  - chemin: deliberations.csv\n"
        "    format: csv\n    schema: scdl/deliberations@2.1.3\n  - chemin: donnees/subventions.csv\n"
        f"    schema: {SITE}/schemas/scdl/subventions/2.1.1/schema.json\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path / "deliberations")
    code, out, err = run_cli(capsys, "check", "metadata.yaml", "--format", "json", *env)
    description, data = json.loads(out)["results"]  # deliberations.csv is absent: not checked
    assert code == 1 and description["kind"] == "dataset", err
    assert data["target"] == "donnees/subventions.csv" and not data["valid"]
    assert data["schema"]["name"] == "scdl/subventions" and not data["schema"]["guessed"]
    shutil.copy(SUB / "schema.json", tmp_path / "schema-subventions.json")
    shutil.copy(VALID, tmp_path / "deliberations" / "valide.csv")
    code, out, err = run_cli(capsys, "check", "valide.csv", "--schema", "../schema-subventions.json", "--format",
                             "json", *env)
    (result,) = json.loads(out)["results"]
    assert code == 0 and result["valid"] and result["schema"]["url"] == (tmp_path / "schema-subventions.json").as_uri()
    code, out, err = run_cli(capsys, "check", "valide.csv", "--schema", "absent.json", *env)
    assert code == 2 and out == "" and "fichier de schéma introuvable" in err


def test_declared_schema_unknown_exits_2_naming_the_declaration(tmp_path, capsys, env):
    path = package(tmp_path, "scdl/subvention@2.1.1")
    code, out, err = run_cli(capsys, "check", str(path), *env)
    assert code == 2 and out == ""
    assert "subventions.csv : le schéma « scdl/subvention@2.1.1 » déclaré par datapackage.json est inconnu" in err
    assert "scdl/subventions" in err and "Corrigez la déclaration" in err


def test_relative_schema_folder(tmp_path, monkeypatch, capsys):
    """``--schemas schemas`` (a relative folder) from its parent: catalogue URI and validation alike."""
    monkeypatch.chdir(SCHEMAS.parent)
    relative = SchemaCatalog(SCHEMAS.name)
    assert relative.catalog_url == (SCHEMAS / "_catalog" / "schemas.json").resolve().as_uri()  # ../shared may be a link
    assert relative.resolve_reference(f"{SITE}/schemas/scdl/subventions/2.1.1/schema.json").ref == \
        "scdl/subventions@2.1.1"
    code, out, err = run_cli(capsys, "check", str(CELLS), "--schemas", SCHEMAS.name, "--cache-dir",
                             str(tmp_path), "--format", "json")
    (result,) = json.loads(out)["results"]
    assert code == 1 and result["schema"]["name"] == "scdl/subventions" and result["report"]["rows"] == 29, err
