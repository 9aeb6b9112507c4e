"""``auditor ci`` validates each file against the schema it declares (data package, metadata file,
``.auditor.toml``, ``--schema``), and fails a file that looks like a catalogue table without fitting it,
naming the closest schema versions, instead of passing it as « readable, not validated »."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from auditor.selfcheck.ci.declared import DeclarationError, command_line, glob_regex, read_config
from auditor.selfcheck.ci.lookalike import closest
from auditor.tabular.catalog import SchemaCatalog
from auditor.tabular.field_index import table_fields
from tests.helpers import SHARED
from tests.schema_server import SCHEMAS
from tests.service_helpers import run_cli, schema_options
from tests.test_ci_repo import EXTRACT, REPO, SUBVENTIONS, copy_repo

DELIBERATIONS = "deliberations/deliberations-2024.csv"


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    with schema_options(tmp_path_factory.mktemp("ci-declared-cache")) as options:
        yield options


def ci_json(capsys, env, *args) -> tuple[int, dict, str]:
    code, out, err = run_cli(capsys, "ci", *args, "--format", "json", *env)
    return code, (json.loads(out) if out else {}), err


def by_target(doc: dict) -> dict[str, dict]:
    return {r["target"]: r for r in doc["results"]}


def test_each_file_is_validated_against_the_schema_it_declares(capsys, env):
    code, doc, _ = ci_json(capsys, env, str(REPO))
    results = by_target(doc)
    # metadata.yaml declares scdl/deliberations@2.1.3: that version is used, not the guessed latest (2.1.5);
    # Validata refuses 2.1.3 itself (its BUDGET_ANNEE example breaks its own pattern), which 2.1.5 fixed
    delib = results[DELIBERATIONS]
    assert (delib["schema"]["name"], delib["schema"]["version"], delib["schema"]["guessed"]) == \
        ("scdl/deliberations", "2.1.3", False)
    assert "Schéma déclaré dans deliberations/metadata.yaml." in delib["notes"]
    assert [f["rule"] for f in delib["findings"]] == ["FILE-02"]
    # .auditor.toml: a glob pattern to a catalogue version, a path to a local Table Schema next to it
    prenoms = results["prenoms/prenoms-2023.csv"]
    assert (prenoms["schema"]["name"], prenoms["schema"]["version"], prenoms["schema"]["guessed"]) == \
        ("scdl/prenoms", "1.1.5", False)
    assert any(n.startswith("Schéma déclaré dans ") and "(« prenoms/*.csv »)" in n for n in prenoms["notes"])
    assert prenoms["valid"] and not prenoms["findings"]
    piscines = results["equipements/piscines.csv"]
    assert piscines["schema"]["name"] == "piscines-armentieres" and not piscines["valid"]
    assert [(f["rule"], f["location"]["row"], f["location"]["field"]) for f in piscines["findings"]] == \
        [("FILE-04", 3, "bassins")]
    # the data package's declaration as before
    assert results[SUBVENTIONS]["schema"]["version"] == "2.1.1" and not results[SUBVENTIONS]["schema"]["guessed"]


def test_a_file_that_looks_like_a_schema_without_fitting_it_fails(capsys, env):
    code, doc, _ = ci_json(capsys, env, str(REPO))
    extract = by_target(doc)[EXTRACT]
    assert code == 1 and not extract["valid"] and extract["schema"] is None
    (finding,) = extract["findings"]
    assert finding["rule"] == "FILE-03" and finding["severity"] == "error"
    detail = finding["detail"]["fr"]
    assert detail.startswith("Ces colonnes ressemblent au schéma scdl/subventions sans y correspondre assez")
    assert "dernière version publiée : 2.1.1" in detail and "dateConvention" not in detail.split(" : ", 2)[-1][:40]
    assert "--schema \"fichier=scdl/subventions@2.1.1\"" in detail and "referenceDecision" in detail
    assert finding["detail"]["en"].startswith("These columns look like the schema scdl/subventions")
    # ordinary columns (nom, adresse, capacite) look like nothing: read, not validated, not failed
    salles = by_target(doc)["equipements/salles.csv"]
    assert salles["valid"] and salles["schema"] is None and not salles["findings"]
    # --no-guess: no comparison, no failure
    code, doc, _ = ci_json(capsys, env, str(REPO), "--no-guess")
    assert not by_target(doc)[EXTRACT]["findings"]


def test_declaring_the_extract_validates_it(tmp_path, capsys, env):
    repo = copy_repo(tmp_path)
    config = repo / ".auditor.toml"
    config.write_text(config.read_text("utf-8") + '"subventions/*-extrait.csv" = "scdl/subventions@2.1.1"\n',
                      encoding="utf-8")
    code, doc, _ = ci_json(capsys, env, str(repo))
    extract = by_target(doc)[EXTRACT]
    assert extract["schema"]["version"] == "2.1.1" and not extract["schema"]["guessed"]
    missing = {f["location"]["field"] for f in extract["findings"] if f["rule"] == "FILE-03"}
    assert {"objet", "nature", "conditionsVersement"} <= missing  # required columns the extract lacks
    # --schema MOTIF=RÉF wins over .auditor.toml and the descriptions
    code, doc, _ = ci_json(capsys, env, str(repo), "--schema", "**/*.csv=scdl/subventions@2.0.2")
    assert {r["schema"]["version"] for r in doc["results"] if r["schema"]} == {"2.0.2"}
    assert any(n == "Schéma déclaré dans --schema (« **/*.csv »)." for n in by_target(doc)[SUBVENTIONS]["notes"])


def test_references_as_people_write_them(tmp_path, capsys, env):
    """In .auditor.toml, the schema's schema.data.gouv.fr address and the raw address of its repository's
    release name the catalogue entry (served here by the local mirror)."""
    repo = copy_repo(tmp_path)
    (repo / ".auditor.toml").write_text(
        '[schemas]\n"prenoms/*.csv" = "https://schema.data.gouv.fr/schemas/scdl/prenoms/1.1.5/schema.json"\n'
        '"subventions/*-extrait.csv" = '
        '"https://gitlab.com/opendatafrance/scdl/subventions/-/raw/v2.1.1/schema.json"\n', encoding="utf-8")
    code, doc, err = ci_json(capsys, env, str(repo))
    results = by_target(doc)
    assert (results["prenoms/prenoms-2023.csv"]["schema"]["name"],
            results["prenoms/prenoms-2023.csv"]["schema"]["version"]) == ("scdl/prenoms", "1.1.5"), err
    assert (results[EXTRACT]["schema"]["name"], results[EXTRACT]["schema"]["version"]) == ("scdl/subventions", "2.1.1")


def test_schema_for_a_single_file(tmp_path, capsys, env, monkeypatch):
    monkeypatch.chdir(REPO)
    code, doc, _ = ci_json(capsys, env, EXTRACT, "--schema", "scdl/subventions@2.1.1")
    (result,) = doc["results"]
    assert code == 1 and result["target"].endswith(EXTRACT)
    assert result["schema"]["version"] == "2.1.1" and any(f["rule"] == "FILE-03" for f in result["findings"])
    # a single file without --schema: its declaration (here the data package's) still holds
    code, doc, _ = ci_json(capsys, env, SUBVENTIONS)
    (result,) = doc["results"]
    assert result["schema"]["version"] == "2.1.1" and result["schema"]["guessed"] is False
    code, doc, _ = ci_json(capsys, env, EXTRACT)
    assert code == 1 and [f["rule"] for f in doc["results"][0]["findings"]] == ["FILE-03"]
    # usage errors: one sentence, exit 2
    code, _, err = ci_json(capsys, env, ".", "--schema", "scdl/subventions@2.1.1")
    assert code == 2 and err.startswith("auditor ci : --schema « scdl/subventions@2.1.1 » : dans un dossier, précisez")
    code, _, err = ci_json(capsys, env, EXTRACT, "--schema", "scdl/subventionz@2.1.1")
    assert code == 2 and err.startswith("auditor ci : schéma inconnu : ") and "scdl/subventions" in err


def test_a_broken_configuration_is_a_french_error(tmp_path, capsys, env):
    repo = copy_repo(tmp_path)
    config = repo / ".auditor.toml"
    for text, words in [('[schemas]\n"a.csv" = 3\n', "« a.csv » doit associer un chemin"),
                        ('[schema]\n"a.csv" = "scdl/subventions"\n', "clé « schema » inconnue"),
                        ('schemas = "scdl/subventions"\n', "« schemas » doit être une table [schemas]"),
                        ('[schemas\n', "n'est pas un fichier TOML valide")]:
        config.write_text(text, encoding="utf-8")
        code, _, err = ci_json(capsys, env, str(repo))
        assert code == 2 and err.startswith("auditor ci : ") and ".auditor.toml" in err and words in err, err
        assert len(err.strip().splitlines()) == 1
    # a pattern that names no file is said (a renamed file), without failing
    config.write_text('[schemas]\n"ancien/*.csv" = "scdl/subventions"\n', encoding="utf-8")
    code, _, err = ci_json(capsys, env, str(repo))
    assert code == 1 and "« ancien/*.csv » ne désigne aucun fichier vérifié" in err


def test_the_nearest_configuration_up_to_the_root_is_used(tmp_path, capsys, env):
    repo = copy_repo(tmp_path)
    shutil.move(repo / ".auditor.toml", tmp_path / ".auditor.toml")  # above the checked folder
    text = (tmp_path / ".auditor.toml").read_text("utf-8")
    for folder in ("prenoms", "equipements", "schemas"):  # patterns and local schemas from the file's folder
        text = text.replace(f'"{folder}/', f'"depot/{folder}/')
    (tmp_path / ".auditor.toml").write_text(text, encoding="utf-8")
    code, doc, _ = ci_json(capsys, env, str(repo), "--root", str(tmp_path))
    assert by_target(doc)["prenoms/prenoms-2023.csv"]["schema"]["version"] == "1.1.5"
    code, doc, _ = ci_json(capsys, env, str(repo), "--root", str(repo))  # the root stops the search
    assert by_target(doc)["prenoms/prenoms-2023.csv"]["schema"]["guessed"] is True


def test_spreadsheets_are_checked_too(tmp_path, capsys, env):
    """XLS and ODS files of a repository are read and reported (here two real subvention tables whose French
    headers match no schema: read in full, not validated, not failed)."""
    files = SHARED / "data" / "files" / "xls-ods"
    repo = tmp_path / "depot"
    shutil.copytree(files, repo)
    code, doc, _ = ci_json(capsys, env, str(repo))
    rows = {Path(r["target"]).suffix: r["report"]["rows"] for r in doc["results"]}
    assert code == 0 and rows == {".xls": 467, ".ods": 76}


def test_glob_patterns():
    cases = {("data/*.csv", "data/a.csv"): True, ("data/*.csv", "data/x/a.csv"): False,
             ("**/*.csv", "a.csv"): True, ("**/*.csv", "a/b/c.csv"): True, ("a/**", "a/b/c.xlsx"): True,
             ("[ab].csv", "b.csv"): True, ("[!ab].csv", "a.csv"): False, ("[a-c].csv", "b.csv"): True,
             ("f?.csv", "f1.csv"): True, ("f?.csv", "f/.csv"): False, ("./x.csv", "x.csv"): True,
             ("a[.csv", "a[.csv"): True, ("a.csv", "axcsv"): False}
    assert {k: bool(glob_regex(k[0]).fullmatch(k[1])) for k in cases} == cases


def test_command_line_and_config_parsing(tmp_path):
    bare, mapping = command_line(["data/*.csv=s.json", "https://x.fr/s.json?a=b"], single=True,
                                 folder=tmp_path / "depot", cwd=tmp_path)
    assert bare == "https://x.fr/s.json?a=b" and [p for p, _, _ in mapping.entries] == ["data/*.csv"]
    declared = mapping.match(tmp_path / "depot" / "data" / "a.csv")  # the pattern from the checked folder,
    assert declared.schema == "s.json" and declared.base == tmp_path.resolve()  # the schema file from here
    with pytest.raises(DeclarationError, match="un seul schéma"):
        command_line(["scdl/a", "scdl/b"], single=True, folder=tmp_path, cwd=tmp_path)
    path = tmp_path / ".auditor.toml"
    path.write_text('[schemas]\n"data/*.csv" = " scdl/subventions@2.1.1 "\n"**/*.csv" = "scdl/x"\n', encoding="utf-8")
    mapping = read_config(path, ".auditor.toml")
    declared = mapping.match(tmp_path / "data" / "s.csv")
    assert (declared.schema, declared.base, declared.source) == \
        ("scdl/subventions@2.1.1", tmp_path.resolve(), ".auditor.toml (« data/*.csv »)")
    assert mapping.match(tmp_path / "autre" / "s.csv").schema == "scdl/x"  # the first entry that matches wins
    assert mapping.match(tmp_path.parent / "s.csv") is None and mapping.unused() == []


def test_what_looks_like_a_catalogue_table():
    catalog = SchemaCatalog(str(SCHEMAS))
    subventions = list(table_fields(catalog, "scdl/subventions", "2.1.1").fields)
    deliberations = list(table_fields(catalog, "scdl/deliberations", "2.1.5").fields)
    assert closest(subventions, catalog) == []  # fits: used, not failed
    assert closest(subventions[:10], catalog)[0].name == "scdl/subventions"  # « possible »
    for cut in (subventions[:5], subventions[-5:], subventions[:3], deliberations[2:6]):
        assert closest(cut, catalog), cut
    for ordinary in (["nom", "adresse", "capacite", "accessible_pmr"],
                     ["nom", "adresse", "commune", "code_postal", "telephone", "email", "latitude", "longitude"],
                     ["id", "nom", "adresse", "commune", "insee", "lat", "lon", "url"],
                     ["exercice", "chapitre", "article", "libelle", "montant"], subventions[:2]):
        assert closest(ordinary, catalog) == [], ordinary
