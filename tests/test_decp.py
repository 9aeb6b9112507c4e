"""DECP JSON validation against the official JSON Schemas (139bercy/format-commande-publique 1.x and 2.0.x).

Every example shipped beside the schemas is validated (pinned to its folder's release and with the release
detected from the document); invalid variants check the French messages (JSON path, value, rule); broken,
foreign and oversized files become findings, never exceptions.
"""
from __future__ import annotations

import copy
import io
import json
import re
from pathlib import Path

import pytest

from auditor import tabular
from auditor.crawling.http import HttpClient, HttpConfig
from auditor.tabular.catalog import SchemaCatalog
from auditor.tabular.decp import validate_decp
from auditor.tabular.decp_stream import CHUNK
from auditor.tabular.decp_version import looks_like_decp
from auditor.tabular.errors import CODES

from .schema_server import SCHEMAS, SchemaServer

DECP = SCHEMAS / "139bercy__format-commande-publique"
EXAMPLES = sorted(DECP.glob("*/exemples-json/*.json"))

# Official examples that do not follow their own folder's release (checked in detail below):
# 1.3.0/paquet.json has a second contract with most required properties absent; the *-avec-uid and
# paquet-result examples of 2.0.0 are 1.5.0 documents left over (their "$schema" names 1.5.0).
INVALID_PINNED = {"1.3.0/paquet.json", "2.0.0/cc-basique-avec-uid.json", "2.0.0/mar-basique-avec-uid.json",
                  "2.0.0/paquet-avec-uid.json", "2.0.0/paquet-result.json"}
INVALID_DETECTED = {"1.3.0/paquet.json"}


@pytest.fixture(scope="module")
def catalog() -> SchemaCatalog:
    return SchemaCatalog(str(SCHEMAS))


def rel(path: Path) -> str:
    return f"{path.parts[-3]}/{path.name}"


def example(release: str, name: str) -> dict:
    return json.loads((DECP / release / "exemples-json" / name).read_text(encoding="utf-8"))


def run(doc, catalog, **kw):
    data = doc if isinstance(doc, bytes) else json.dumps(doc, ensure_ascii=False).encode()
    return validate_decp(data, catalog, **kw)


def findings(report) -> set[tuple[str, str | None]]:
    return {(e.code, e.field) for e in report.errors}


def test_every_code_written_in_the_tabular_sources_is_declared():
    # the codes the validators write as literals (TableError("..."), _fail(report, "..."), the custom checks' CODE)
    src = "\n".join(p.read_text(encoding="utf-8") for p in Path(tabular.__file__).parent.rglob("*.py"))
    written = set(re.findall(r'(?:TableError|StartError)\(\s*"([a-z-]+)"', src))
    written |= set(re.findall(r'_fail\(report, "([a-z-]+)"', src))
    written |= set(re.findall(r'^(?:CODE|REVERSED) = "([a-z-]+)"', src, re.M))
    assert {"decp-error", "json-error", "too-large", "encoding-error", "schema-error", "french-siret-value"} <= written
    assert written <= set(CODES), written - set(CODES)


def test_examples_found():
    assert len(EXAMPLES) >= 40
    assert {p.parts[-3] for p in EXAMPLES} == {"1.3.0", "1.4.0", "1.5.0", "2.0.0", "2.0.1", "2.0.2"}


@pytest.mark.parametrize("path", EXAMPLES, ids=rel)
def test_example_pinned_to_its_release(path, catalog):
    report = validate_decp(path, catalog, version=path.parts[-3])
    assert report.schema["version"] == path.parts[-3]
    assert report.stop_reason == "complete"
    assert report.rows >= 1
    assert report.valid is (rel(path) not in INVALID_PINNED), [e.message["fr"] for e in report.errors]
    assert all(e.code == "decp-error" for e in report.errors)


@pytest.mark.parametrize("path", EXAMPLES, ids=rel)
def test_example_with_detected_release(path, catalog):
    report = validate_decp(path, catalog)
    assert report.valid is (rel(path) not in INVALID_DETECTED), [e.message["fr"] for e in report.errors]
    assert any(i["code"] == "decp-version" for i in report.issues)
    assert looks_like_decp(path)


def test_official_invalid_example_130(catalog):
    report = validate_decp(DECP / "1.3.0/exemples-json/paquet.json", catalog, version="1.3.0")
    missing = ["acheteur", "codeCPV", "lieuExecution", "dureeMois", "dateNotification", "datePublicationDonnees",
               "montant", "formePrix", "titulaires", "modifications"]
    assert findings(report) == {("decp-error", f"marches[1].{m}") for m in missing}
    msg = next(e.message["fr"] for e in report.errors if e.field == "marches[1].acheteur")
    assert msg == "marches[1] : la propriété obligatoire « acheteur » est absente."


def test_stale_examples_of_200(catalog):
    path = DECP / "2.0.0/exemples-json/cc-basique-avec-uid.json"
    pinned = validate_decp(path, catalog, version="2.0.0")
    assert findings(pinned) == {("decp-error", "marches[0].uid"), ("decp-error", "marches[0].lieuExecution"),
                                ("decp-error", "marches[0].considerationsSociales"),
                                ("decp-error", "marches[0].considerationsEnvironnementales")}
    assert pinned.errors[0].message["fr"] == ("marches[0] : la propriété « uid » (valeur « 21350238800019200"
                                              "10345211200 ») n'est pas prévue par le schéma.")
    detected = validate_decp(path, catalog)  # its "$schema" names 1.5.0, which it follows
    assert detected.valid and detected.schema["version"] == "1.5.0" and not detected.schema["detected"]
    assert "déclarée par la propriété « $schema »" in detected.issues[0]["message"]["fr"]
    paquet = validate_decp(DECP / "2.0.0/exemples-json/paquet-result.json", catalog, version="2.0.0")
    assert ("decp-error", "marches[0].modifications[0].id") in findings(paquet)
    assert ("decp-error", "marches[1].formePrix") in findings(paquet)


@pytest.mark.parametrize("release, name, expected", [
    ("2.0.1", "marches_concessions.json", "2.0.2"),  # object layout: latest 2.0.x
    ("2.0.0", "mar-basique.json", "2.0.0"),  # a list of contracts with 2.0 fields
    ("1.4.0", "mar-basique.json", "1.4.0"),  # its procedure wording was renamed in 1.5.0
    ("1.5.0", "paquet.json", "1.5.0"),
    ("1.3.0", "cc-basique.json", "1.5.0"),  # a single contract: newest 1.x it fits
])
def test_release_detection(release, name, expected, catalog):
    doc = example(release, name)
    doc.pop("$schema", None)
    report = run(doc, catalog)
    assert report.valid and report.schema["version"] == expected and report.schema["detected"]
    assert "decp-version" in {i["code"] for i in report.issues}


# -- invalid variants: one rule each, messages name the path, the value and the rule ---------------------

def marche20() -> dict:
    return example("2.0.2", "marches_concessions.json")


@pytest.mark.parametrize("change, field, cell, words", [
    (lambda m: m.update(montant=-5), "montant", "-5", ["supérieure ou égale à 1"]),
    (lambda m: m.update(dureeMois="12"), "dureeMois", "12",
     ["est une chaîne de caractères alors qu'elle doit être un nombre entier"]),
    (lambda m: m.update(nature="Marché public"), "nature", "Marché public",
     ["n'est pas autorisée", "« Marché de partenariat »"]),
    (lambda m: m.update(codeCPV="ABC"), "codeCPV", "ABC", ["ne respecte pas le format attendu"]),
    (lambda m: m.update(objet="x" * 1001), "objet", "x" * 119 + "…", ["ne doit pas comporter plus de 1000 caractère(s)",
                                                                    "au lieu de 1001"]),
    (lambda m: m.update(titulaires=[]), "titulaires", None, ["au moins 1 élément(s) (au lieu de 0)"]),
    (lambda m: m.pop("objet"), "objet", None, ["la propriété obligatoire « objet » est absente"]),
    (lambda m: m.update(couleur="bleu"), "couleur", "bleu", ["la propriété « couleur » (valeur « bleu ») n'est pas prévue par le schéma"]),
    (lambda m: m["acheteur"].update(id=12), "acheteur.id", "12", ["est un nombre entier alors qu'elle doit être"]),
])
def test_invalid_variant_20(change, field, cell, words, catalog):
    doc = marche20()
    change(doc["marches"]["marche"][1])
    report = run(doc, catalog)
    assert report.schema["version"] == "2.0.2"
    assert not report.valid and report.stop_reason == "complete" and report.rows == 4
    path = f"marches.marche[1].{field}"
    assert findings(report) == {("decp-error", path)}, [e.message["fr"] for e in report.errors]
    err = report.errors[0]
    assert err.cell == cell and err.row is None and err.level == "error"
    assert err.message["fr"].startswith(path.rsplit(".", 1)[0] if field in ("objet", "couleur") else path)
    for w in words:
        assert w in err.message["fr"], err.message["fr"]
    if cell is not None and len(cell) < 100:
        assert f"« {cell} »" in err.message["fr"]
    assert err.message["en"]


def test_invalid_concession_in_20_list(catalog):
    doc = marche20()
    doc["marches"]["contrat-concession"][0]["valeurGlobale"] = "beaucoup"
    report = run(doc, catalog)
    assert findings(report) == {("decp-error", "marches.contrat-concession[0].valeurGlobale")}
    assert "« beaucoup »" in report.errors[0].message["fr"]


def test_1x_list_rules(catalog):
    doc = example("1.5.0", "paquet.json")
    marche, concession = doc["marches"]
    doc["marches"] = [marche, concession, copy.deepcopy(marche)]
    report = run(doc, catalog)
    assert findings(report) == {("decp-error", "marches[2]")}
    assert report.errors[0].message["fr"] == ("marches[2] : ce contrat est identique à marches[0] : chaque "
                                              "élément de la liste doit être unique.")
    doc["marches"] = []
    report = run(doc, catalog)
    assert findings(report) == {("decp-error", "marches")}
    assert "au moins 1 élément(s) (au lieu de 0)" in report.errors[0].message["fr"]


def test_1x_contract_resembling_a_concession_gets_concession_errors(catalog):
    doc = example("1.5.0", "paquet.json")
    doc["marches"][1]["nature"] = "Concession"
    report = run(doc, catalog)
    assert findings(report) == {("decp-error", "marches[1].nature")}
    assert "« Concession de travaux »" in report.errors[0].message["fr"]


def test_layout_other_than_the_pinned_release(catalog):
    report = run(marche20(), catalog, version="1.5.0")
    assert ("decp-error", "marches") in findings(report)
    first = report.errors[0]
    assert first.field == "marches" and first.message["fr"] == (
        "marches : la valeur est un objet alors qu'elle doit être une liste.")
    assert any(e.field.startswith("marches.contrat-concession[0].") for e in report.errors)


def test_required_marches_in_203(catalog):
    report = run({"marches": {}}, catalog, version="2.0.3-untagged-HEAD")
    assert findings(report) == {("decp-error", "marches")}
    assert "la propriété obligatoire « marche » est absente" in report.errors[0].message["fr"]


# -- not DECP, not JSON, too big ---------------------------------------------------------------------

@pytest.mark.parametrize("doc", [{"foo": 1}, [1, 2]])
def test_not_a_decp_document(doc, catalog):
    report = run(doc, catalog)
    assert not report.valid
    assert ("decp-error", "$") in findings(report)
    assert "ne contient pas de liste « marches »" in report.errors[0].message["fr"]


def test_scalar_contracts(catalog):
    report = run({"marches": [1, "x"]}, catalog)
    assert findings(report) == {("decp-error", "marches[0]"), ("decp-error", "marches[1]")}
    assert "la valeur « x » est une chaîne de caractères alors qu'elle doit être un objet" in \
        report.errors[1].message["fr"]


@pytest.mark.parametrize("data, code, words", [
    (b"", "json-error", "Le fichier est vide."),
    (json.dumps(example("1.5.0", "paquet.json")).encode()[:700], "json-error", "fichier tronqué"),
    (json.dumps(example("1.5.0", "paquet.json")).encode() + b" ,", "json-error", "du texte suit la fin"),
    (b'{"marches": [NaN]}', "json-error", "caractère ou mot inattendu"),
    (json.dumps(example("1.5.0", "paquet.json"), ensure_ascii=False).encode("latin-1"), "encoding-error",
     "n'est pas encodé en UTF-8"),
])
def test_broken_files(data, code, words, catalog):
    report = run(data, catalog)
    assert report.stop_reason == "unreadable" and not report.valid
    assert report.errors[-1].code == code
    assert words in report.errors[-1].message["fr"]


def test_bom_is_accepted(catalog):
    report = run(b"\xef\xbb\xbf" + json.dumps(example("2.0.2", "concessions.json")).encode(), catalog)
    assert report.valid and report.dialect["bom"] is True


def big_decp(n: int) -> bytes:
    marche = example("2.0.2", "marches_concessions.json")["marches"]["marche"][0]
    parts = []
    for i in range(n):
        m = dict(marche, id=f"{i:012d}")
        if i % 10 == 3:
            m["montant"] = -1
        parts.append(json.dumps(m, ensure_ascii=False))
    return ('{"marches": {"marche": [' + ",".join(parts) + "]}}").encode()


class CountingReader(io.BytesIO):
    def __init__(self, data: bytes):
        super().__init__(data)
        self.served = 0

    def read(self, n=-1):
        out = super().read(n)
        self.served += len(out)
        return out


def test_size_limit_path_is_not_read(tmp_path, catalog):
    path = tmp_path / "decp.json"
    path.write_bytes(json.dumps(example("1.5.0", "paquet.json")).encode())
    report = validate_decp(path, catalog, max_bytes=100)
    assert report.stop_reason == "too_large" and not report.valid and report.rows == 0
    assert report.errors[0].code == "too-large"
    assert "au-delà de la limite de 100 octets" in report.errors[0].message["fr"]


def test_size_limit_stream_stops_at_the_limit(catalog):
    data = big_decp(400)
    reader = CountingReader(data)
    report = validate_decp(reader, catalog, max_bytes=200_000)
    assert len(data) > 500_000
    assert report.stop_reason == "too_large" and report.errors[-1].code == "too-large"
    assert reader.served <= 200_000 + CHUNK
    assert 0 < report.rows < 400  # the contracts before the limit were checked


def test_error_limit_stops_reading(catalog):
    data = big_decp(400)
    reader = CountingReader(data)
    report = validate_decp(reader, catalog, limit_errors=5)
    assert report.stop_reason == "error_limit" and len(report.errors) == 5
    assert reader.served < len(data) / 2  # streamed: the rest of the file was never read
    assert [e.field for e in report.errors] == [f"marches.marche[{i}].montant" for i in (3, 13, 23, 33, 43)]


def test_whole_stream(catalog):
    report = validate_decp(io.BytesIO(big_decp(400)), catalog)
    assert report.rows == report.rows_checked == 400 and report.stop_reason == "complete"
    assert report.counts == {"decp-error": 40}


def test_raw_schema_dict(catalog):
    schema = {"$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
              "properties": {"n": {"type": "integer", "minimum": 1}}, "required": ["n", "m"]}
    report = run({"n": 0}, catalog, schema=schema)
    assert findings(report) == {("decp-error", "n"), ("decp-error", "m")}


def test_looks_like_decp(tmp_path):
    csv = tmp_path / "x.csv"
    csv.write_text("a;b\n1;2\n")
    assert not looks_like_decp(csv)
    assert not looks_like_decp(b'{"data": [1]}')
    assert looks_like_decp(b'\xef\xbb\xbf  {"marches": {"marche": []}}')


# -- schemas from a catalogue served over HTTP ---------------------------------------------------------

def fast_http() -> HttpClient:
    return HttpClient(HttpConfig(timeout=2.0, total_timeout=5.0, retries=1, backoff=0.01, backoff_max=0.02))


def test_schemas_fetched_over_http_and_cached(tmp_path):
    with SchemaServer() as server:
        cat = SchemaCatalog(server.url, http=fast_http(), cache_dir=tmp_path / "cache")
        # 1.3.0: the catalogue names contrats-concessions.json; paquet.json and marchés.json are fetched beside it
        report = validate_decp(DECP / "1.3.0/exemples-json/paquet-avec-uid.json", cat, version="1.3.0")
        assert report.valid, [e.message["fr"] for e in report.errors]
        assert any("paquet.json" in p for p in server.hits)
        assert validate_decp(DECP / "2.0.2/exemples-json/concessions.json", cat).valid
        server.fail = True
        offline = SchemaCatalog(server.url, http=fast_http(), cache_dir=tmp_path / "cache", max_age=0)
        report = validate_decp(DECP / "2.0.2/exemples-json/concessions.json", offline)
        assert report.valid
        assert any(i["code"] == "catalog-note" and "copie en cache" in i["message"]["fr"] for i in report.issues)
        down = SchemaCatalog(server.url, http=fast_http(), cache_dir=tmp_path / "empty")
        report = validate_decp(DECP / "2.0.2/exemples-json/concessions.json", down)
        assert report.stop_reason == "unreadable" and report.errors[0].code == "schema-error"
        assert "indisponible" in report.errors[0].message["fr"]
