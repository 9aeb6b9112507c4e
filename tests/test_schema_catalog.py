"""Schema catalogue (schema.data.gouv.fr served on 127.0.0.1 from the shared folder) and schema guessing.

Catalogue: listing, version pinning (the catalogue's release is trusted over the ``version`` written inside a
schema), latest release, unknown names with suggestions, offline use of the cache (with a note), ETag
revalidation, a server down with nothing cached, garbage answers, the local-folder mode (unlisted versions,
drafts, examples, data packages). Guessing: every SCDL example header and every SCDL field list guesses its own
schema first and surely; headers of generic or unknown words guess nothing.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from auditor.crawling.http import HttpClient, HttpConfig
from auditor.tabular import catalog_fetch
from auditor.tabular.catalog import (
    SCHEMA_TYPES, CatalogError, CatalogUnavailable, SchemaCatalog, SchemaNotFound, is_prerelease, parse_ref,
    same_version, version_key,
)
from auditor.tabular.field_index import field_index, table_fields, unindexed_note
from auditor.tabular.guess import NO_MATCH, GuessIndex, guess_schema
from auditor.tabular.reader import open_table

from .schema_server import SCHEMAS, SchemaServer

SITE = "https://schema.data.gouv.fr"
SUBVENTIONS = SCHEMAS / "scdl__subventions"
SCDL_EXAMPLES = sorted(p for p in SCHEMAS.glob("scdl__*/**/*") if p.suffix in (".csv", ".xlsx"))
ALL_EXAMPLES = sorted(p for p in SCHEMAS.glob("*__*/**/*") if p.suffix in (".csv", ".xlsx"))
SURE = {"certain", "probable"}


def fast_http() -> HttpClient:
    return HttpClient(HttpConfig(timeout=2.0, total_timeout=5.0, retries=1, backoff=0.01, backoff_max=0.02))


@pytest.fixture
def server():
    with SchemaServer() as srv:
        yield srv


@pytest.fixture
def remote(server, tmp_path) -> SchemaCatalog:
    return SchemaCatalog(server.url, http=fast_http(), cache_dir=tmp_path / "cache")


@pytest.fixture(scope="module")
def local() -> SchemaCatalog:
    return SchemaCatalog(str(SCHEMAS))


def fields_on_disk(version: str) -> list[str]:
    doc = json.loads((SUBVENTIONS / version / "schema.json").read_text(encoding="utf-8"))
    return [f["name"] for f in doc["fields"]]


# -- version strings ---------------------------------------------------------------------------------

def test_version_helpers():
    assert parse_ref("scdl/subventions@2.1.1") == ("scdl/subventions", "2.1.1")
    assert parse_ref(" scdl/subventions ") == ("scdl/subventions", None)
    assert parse_ref("scdl/subventions@") == ("scdl/subventions", None)
    assert same_version("v1.1", "1.1.0") and not same_version("2.0", "2.1.0")
    assert is_prerelease("2.1.1-betagouv-draft") and is_prerelease("0.5beta") and not is_prerelease("v2.1.1")
    names = ["2.1.1", "2.1.1-betagouv-draft", "1.1.0", "2.0.10", "2.0.2", "1.0.0-withdrawn"]
    assert sorted(names, key=version_key) == ["1.0.0-withdrawn", "1.1.0", "2.0.2", "2.0.10",
                                              "2.1.1-betagouv-draft", "2.1.1"]


# -- the catalogue over HTTP -------------------------------------------------------------------------

def test_schemas_list(remote, server):
    infos = remote.schemas()
    raw = json.loads((SCHEMAS / "_catalog" / "schemas.json").read_text(encoding="utf-8"))
    assert [i.name for i in infos] == sorted((s["name"] for s in raw["schemas"]), key=str.lower)
    assert {"scdl/subventions", "etalab/schema-irve", "139bercy/format-commande-publique"} <= set(remote.names())
    for info in infos:
        assert info.type in SCHEMA_TYPES and info.listed
        assert [v.name for v in info.versions] == sorted((v.name for v in info.versions), key=version_key)
        assert all(v.url.startswith(server.url + "/schemas/") for v in info.versions)
        json.dumps(info.to_dict())
    sub = remote.get("scdl/subventions")
    assert sub.type == "tableschema" and sub.latest == "2.1.1"
    assert [v.name for v in sub.versions] == ["1.1.0", "2.0.0", "2.0.1", "2.0.2", "2.1.0", "2.1.1"]
    assert server.hits["/schemas/schemas.json"] == 1
    remote.names()
    assert server.hits["/schemas/schemas.json"] == 1  # read once per catalogue


def test_version_pinning(remote, server):
    r = remote.resolve("scdl/subventions@2.1.1")
    assert (r.name, r.version, r.type, r.is_latest, r.notes) == ("scdl/subventions", "2.1.1", "tableschema", True, [])
    assert r.url == f"{server.url}/schemas/scdl/subventions/2.1.1/schema.json"
    assert [f["name"] for f in r.document["fields"]] == fields_on_disk("2.1.1")
    assert r.ref == "scdl/subventions@2.1.1"
    assert remote.resolve("scdl/subventions", "2.0.0").version == "2.0.0"
    assert remote.resolve("scdl/subventions@v2.1").version == "2.1.0"  # "v" prefix and missing ".0" tolerated


def test_catalogue_release_is_trusted_over_the_internal_version(remote):
    r = remote.resolve("scdl/subventions@2.1.0")
    assert r.version == "2.1.0" and r.declared_version == "2.0.2"  # the document says 2.0.2: it is wrong
    assert [f["name"] for f in r.document["fields"]] == fields_on_disk("2.1.0") != fields_on_disk("2.0.2")
    assert len(r.notes) == 1 and "la version du catalogue fait foi" in r.notes[0] and "« 2.0.2 »" in r.notes[0]
    assert r.to_dict()["version"] == "2.1.0" and r.to_dict()["declared_version"] == "2.0.2"
    old = remote.resolve("scdl/subventions@1.1.0")
    assert old.declared_version == "1.1" and old.notes == []  # "1.1" and "1.1.0" name the same release


def test_latest_version(remote):
    r = remote.resolve("scdl/subventions")
    assert r.version == "2.1.1" and r.is_latest
    assert remote.resolve("scdl/subventions@latest").version == "2.1.1"
    short = remote.resolve("subventions")
    assert short.name == "scdl/subventions" and "« subventions » compris comme « scdl/subventions »" in short.notes
    assert not remote.resolve("scdl/subventions@2.0.2").is_latest


def test_unknown_schema_gives_suggestions(remote):
    with pytest.raises(SchemaNotFound) as exc:
        remote.resolve("scdl/subvention")
    assert exc.value.suggestions[0] == "scdl/subventions"
    assert "Schémas proches : scdl/subventions" in exc.value.message
    assert isinstance(exc.value, LookupError) and isinstance(exc.value, CatalogError)
    with pytest.raises(SchemaNotFound) as exc:
        remote.resolve("scdl/budjet")
    assert exc.value.suggestions[0] == "scdl/budget"
    with pytest.raises(SchemaNotFound) as exc:
        remote.get("zzzz")
    assert exc.value.suggestions == [] and "inconnu du catalogue" in exc.value.message


def test_unknown_version(remote):
    with pytest.raises(SchemaNotFound) as exc:
        remote.resolve("scdl/subventions@2.1.2")
    assert "Versions publiées : 1.1.0, 2.0.0, 2.0.1, 2.0.2, 2.1.0, 2.1.1" in exc.value.message
    assert "2.1.1" in exc.value.suggestions


def test_offline_cache_is_used_with_a_note(server, tmp_path):
    cache = tmp_path / "cache"
    first = SchemaCatalog(server.url, http=fast_http(), cache_dir=cache)
    doc = first.resolve("scdl/subventions@2.1.1").document
    assert first.notes == [] and not first.offline
    server.fail = True
    again = SchemaCatalog(server.url, http=fast_http(), cache_dir=cache, max_age=0)  # must ask the server
    assert "scdl/subventions" in again.names()
    assert again.resolve("scdl/subventions@2.1.1").document == doc
    assert again.offline
    assert len(again.notes) == 1 and "copie en cache du" in again.notes[0] and "schemas.json" in again.notes[0]
    with pytest.raises(CatalogUnavailable):  # never fetched: nothing to fall back on
        again.resolve("scdl/subventions@2.0.0")


def test_offline_copy_of_a_non_ascii_document_with_the_clients_own_cache(server, tmp_path, monkeypatch):
    # as the self-check builds it: the HTTP client caches, no cache_dir; the client keys its cache by the URL as
    # sent (percent-encoded), the fallback must find the copy of "marchés.json" under that key
    monkeypatch.setattr(catalog_fetch, "DOCUMENT_MAX_AGE", 0)  # documents are asked for again
    http = HttpClient(HttpConfig(timeout=2.0, total_timeout=5.0, retries=1, backoff=0.01, backoff_max=0.02,
                                 cache_dir=str(tmp_path / "http")))
    first = SchemaCatalog(server.url, http)
    resolved = first.resolve("139bercy/format-commande-publique@1.3.0")
    doc = first.sibling(resolved, "marchés.json")
    assert isinstance(doc, dict)
    server.fail = True
    again = SchemaCatalog(server.url, http, max_age=0)
    assert again.sibling(again.resolve("139bercy/format-commande-publique@1.3.0"), "marchés.json") == doc
    assert again.offline and any("marchés.json" in n for n in again.notes)


def test_etag_revalidation(server, tmp_path):
    cache = tmp_path / "cache"
    SchemaCatalog(server.url, http=fast_http(), cache_dir=cache, max_age=0).names()
    assert server.not_modified == 0
    second = SchemaCatalog(server.url, http=fast_http(), cache_dir=cache, max_age=0)
    assert "scdl/subventions" in second.names()
    assert server.hits["/schemas/schemas.json"] == 2 and server.not_modified == 1  # 304: body from the cache
    assert second.notes == []
    SchemaCatalog(server.url, http=fast_http(), cache_dir=cache).names()  # fresh enough: not even asked
    assert server.hits["/schemas/schemas.json"] == 2


def test_server_down_and_nothing_cached(server, tmp_path):
    server.fail = True
    cat = SchemaCatalog(server.url, http=fast_http(), cache_dir=tmp_path / "cache")
    with pytest.raises(CatalogUnavailable) as exc:
        cat.names()
    assert "aucune copie en cache" in exc.value.message and "HTTP 503" in exc.value.message


def garbage_site(tmp_path: Path, catalog_body: bytes) -> Path:
    """A site whose catalogue is ``catalog_body``; subventions 2.1.1 is sound, 2.1.0 an HTML error page."""
    root = tmp_path / "site"
    (root / "_catalog").mkdir(parents=True)
    (root / "_catalog" / "schemas.json").write_bytes(catalog_body)
    (root / "scdl__subventions" / "2.1.1").mkdir(parents=True)
    shutil.copy(SUBVENTIONS / "2.1.1" / "schema.json", root / "scdl__subventions" / "2.1.1" / "schema.json")
    (root / "scdl__subventions" / "2.1.0").mkdir(parents=True)
    (root / "scdl__subventions" / "2.1.0" / "schema.json").write_text("<html><body>Maintenance</body></html>")
    return root


SOUND_CATALOG = json.dumps({"schemas": [
    {"name": "scdl/subventions", "title": "Subventions", "schema_type": "tableschema", "versions": [
        {"version_name": v, "schema_url": f"{SITE}/schemas/scdl/subventions/{v}/schema.json"}
        for v in ("2.1.0", "2.1.1")]},
    "not an entry", {"title": "no name"},
]}).encode()


@pytest.mark.parametrize("body", [b"{\"schemas\": [", b"<html>Erreur 500</html>", b"42", b"{\"schemas\": 3}", b""])
def test_garbage_catalogue(body, tmp_path):
    with SchemaServer(garbage_site(tmp_path, body)) as srv:
        cat = SchemaCatalog(srv.url, http=fast_http(), cache_dir=tmp_path / "cache")
        with pytest.raises(CatalogError) as exc:
            cat.names()
        assert "catalogue de schémas illisible" in exc.value.message


def test_garbage_schema_document(tmp_path):
    with SchemaServer(garbage_site(tmp_path, SOUND_CATALOG)) as srv:
        cat = SchemaCatalog(srv.url, http=fast_http(), cache_dir=tmp_path / "cache")
        assert cat.names() == ["scdl/subventions"]  # malformed entries skipped
        assert cat.resolve("scdl/subventions").version == "2.1.1"
        with pytest.raises(CatalogError) as exc:
            cat.resolve("scdl/subventions@2.1.0")
        assert "document de schéma illisible" in exc.value.message
        index = field_index(cat)
        assert [(t.name, t.version) for t in index] == [("scdl/subventions", "2.1.1")]
        assert cat.unindexed == ["scdl/subventions@2.1.0"] and "scdl/subventions@2.1.0" in unindexed_note(cat)
        assert not cat.notes  # said only where a guess found nothing, not on every result


def test_field_index_over_http(remote):
    index = field_index(remote)
    versions = {(t.name, t.version) for t in index}
    assert {("scdl/subventions", "2.1.1"), ("scdl/budget", "0.8.3"), ("etalab/schema-irve-statique", "2.3.1")} \
        <= versions
    sub = next(t for t in index if (t.name, t.version) == ("scdl/subventions", "2.1.1"))
    assert list(sub.fields) == fields_on_disk("2.1.1") and "nomAttribuant" in sub.required
    # catalogue entries whose documents the mirror lacks are skipped, and listed for a guess that finds nothing
    assert remote.unindexed and "indisponible" in unindexed_note(remote)


# -- a local folder ------------------------------------------------------------------------------------

def test_local_folder_unlisted_versions_and_drafts(local):
    sub = local.get("scdl/subventions")
    assert [(v.name, v.listed, v.prerelease) for v in sub.versions][-2:] == [
        ("2.1.1-betagouv-draft", False, True), ("2.1.1", True, False)]
    assert sub.latest == "2.1.1"  # a draft the catalogue does not list is never "latest"
    draft = local.resolve("scdl/subventions@2.1.1-betagouv-draft")
    assert not draft.listed and any("absente du catalogue" in n for n in draft.notes)
    assert local.get("scdl/equipements").latest == "0.1.5"  # 1.0.0-withdrawn stays behind
    decp = local.get("ColinMaudry/decp-table-schema")
    assert not decp.listed and decp.type == "tableschema" and decp.latest == "2.0.0"


def test_local_folder_examples(local):
    examples = local.examples("scdl/subventions@2.1.1")
    assert {e["source"] for e in examples} == {"catalogue", "local"}
    names = sorted(Path(e["path"]).name for e in examples if e["source"] == "local")
    assert names == sorted(p.name for p in (SUBVENTIONS / "2.1.1").glob("*.csv"))
    older = local.examples("scdl/subventions@2.0.2")
    assert {e["source"] for e in older} == {"local"}  # the catalogue's examples name the latest release


def test_data_package_resources(local):
    resources = local.resources("etalab/schema-irve@2.3.1")
    assert [(r.name, r.schema_name) for r in resources] == [
        ("irve-statique", "etalab/schema-irve-statique"), ("irve-dynamique", "etalab/schema-irve-dynamique")]
    assert all(isinstance(r.document, dict) and r.document.get("fields") for r in resources)
    assert local.resolve("etalab/schema-irve@2.0.3").type == "tableschema"  # before the package existed


# -- guessing ------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def index(local) -> GuessIndex:
    return GuessIndex(field_index(local))


def test_examples_found():
    assert len(SCDL_EXAMPLES) >= 20 and len(ALL_EXAMPLES) >= 80


@pytest.mark.parametrize("path", SCDL_EXAMPLES, ids=lambda p: str(p.relative_to(SCHEMAS)))
def test_scdl_example_header_guesses_its_schema(path, index):
    schema = path.relative_to(SCHEMAS).parts[0].replace("__", "/")
    guesses = guess_schema(open_table(path).header, index)
    assert guesses[0].name == schema and guesses[0].confidence in SURE, guesses[0].to_dict()
    assert guesses[0].score > 2 * (guesses[1].score if len(guesses) > 1 else 0)


@pytest.mark.parametrize("path", ALL_EXAMPLES, ids=lambda p: str(p.relative_to(SCHEMAS)))
def test_every_example_header_fits_its_schema_best(path, index):
    """The folder's schema fits as well as the best guess (ties: schemas with the very same fields)."""
    schema = path.relative_to(SCHEMAS).parts[0].replace("__", "/")
    guesses = guess_schema(open_table(path).header, index, limit=None)
    own = next(g for g in guesses if g.name == schema)
    assert round(own.score, 9) == round(guesses[0].score, 9) and own.confidence in SURE


def test_every_scdl_field_list_guesses_its_own_version(local, index):
    checked = 0
    for info in local.schemas():
        if not info.name.startswith("scdl/"):
            continue
        for v in info.versions:
            tf = table_fields(local, info.name, v.name)
            if tf is None:
                continue
            best = guess_schema(list(tf.fields), index)[0]
            assert (best.name, best.score, best.confidence) == (info.name, 1.0, "certain")
            assert v.name == best.version or v.name in best.equivalent_versions
            checked += 1
    assert checked >= 50


def test_version_choice(index):
    old = guess_schema(fields_on_disk("2.0.2"), index)[0]
    assert old.version == "2.0.2" and old.equivalent_versions == ["1.1.0", "2.0.0", "2.0.1"]
    new = guess_schema(fields_on_disk("2.1.1"), index)[0]
    assert new.version == "2.1.1" and new.equivalent_versions == ["2.1.0"]
    draft = guess_schema(fields_on_disk("2.1.1-betagouv-draft"), index)[0]
    assert draft.version == "2.1.1-betagouv-draft" and not draft.listed  # only the draft has these fields


@pytest.mark.parametrize("header", [["foo", "bar", "baz"], [], ["", "  "], ["xq7", "zz_12", "colonne3"]])
def test_unknown_header_guesses_nothing(header, index):
    assert guess_schema(header, index) == []


@pytest.mark.parametrize("header", [["id", "nom", "date"], ["nom", "adresse", "commune", "code_postal"],
                                    ["qsdf", "nomBeneficiaire"]])
def test_generic_header_has_low_confidence(header, index):
    guesses = guess_schema(header, index)
    assert guesses and all(g.confidence == NO_MATCH and g.score < 0.4 for g in guesses)
    assert guesses[0].confidence_en == "no schema matches"


def test_normalised_and_partial_headers(index):
    fields = fields_on_disk("2.1.1")
    shouted = [f.upper() for f in fields]
    g = guess_schema(shouted, index)[0]
    assert g.ref == "scdl/subventions@2.1.1" and g.confidence == "probable" and round(g.score, 3) == 0.9
    assert ("NOMATTRIBUANT", "nomAttribuant") in g.renamed and g.extra == []
    half = guess_schema(fields[:8], index)[0]
    assert half.name == "scdl/subventions" and half.confidence == "possible"
    assert set(half.missing) == set(fields[8:]) and set(half.missing_required) <= set(fields[8:])
    assert half.missing_required
    d = half.to_dict()
    assert json.loads(json.dumps(d, ensure_ascii=False)) == d and d["confidence"]["en"] == "possible"


def test_guess_with_a_remote_catalogue(remote):
    best = guess_schema(fields_on_disk("2.1.1"), remote)[0]
    assert (best.ref, best.confidence) == ("scdl/subventions@2.1.1", "certain")
    assert guess_schema(["foo", "bar"], remote) == []


def test_a_long_running_catalogue_sees_a_new_release_and_rebuilds_its_guess_index(tmp_path):
    """The service keeps one catalogue for its lifetime: once ``max_age`` has passed, the list is asked again
    (conditionally); a changed list bumps ``generation`` and the guessing index follows it."""
    root = tmp_path / "site"
    shutil.copytree(SUBVENTIONS / "2.1.0", root / "scdl__subventions" / "2.1.0")
    shutil.copytree(SUBVENTIONS / "2.1.1", root / "scdl__subventions" / "2.1.1")
    listing = json.loads((SCHEMAS / "_catalog" / "schemas.json").read_text("utf-8"))
    entry = next(e for e in listing["schemas"] if e["name"] == "scdl/subventions")
    one = dict(entry, versions=[v for v in entry["versions"] if v["version_name"] == "2.1.0"])
    (root / "_catalog").mkdir()
    (root / "_catalog" / "schemas.json").write_text(json.dumps({"schemas": [one]}), "utf-8")
    header = fields_on_disk("2.1.1")
    with SchemaServer(root) as srv:
        cat = SchemaCatalog(srv.url, http=fast_http(), cache_dir=tmp_path / "cache", max_age=3600)
        assert cat.get("scdl/subventions").latest == "2.1.0" and cat.generation == 1
        assert guess_schema(header, cat)[0].version == "2.1.0"
        (root / "_catalog" / "schemas.json").write_text(json.dumps({"schemas": [entry]}), "utf-8")
        assert cat.get("scdl/subventions").latest == "2.1.0"  # within max_age: not asked again
        cat.max_age = 0
        assert cat.get("scdl/subventions").latest == "2.1.1" and cat.generation == 2
        assert guess_schema(header, cat)[0].version == "2.1.1"
        hits = srv.hits["/schemas/schemas.json"]
        assert cat.get("scdl/subventions").latest == "2.1.1" and cat.generation == 2  # same list: kept
        assert srv.hits["/schemas/schemas.json"] == hits + 1 and srv.not_modified >= 1
