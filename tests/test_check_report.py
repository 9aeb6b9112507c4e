"""What a clerk reads after a check, in the terminal and in the JSON: the errors grouped by column and kind with
their count, the fix that fits each kind given once, the pattern explained by the schema's own example, the first
rows with the faulty cells marked, the legal basis of the schema checked against, and never ✓ for content that
no schema validated. Real files and schemas (../shared/data/schemas), the schema catalogue read from the folder."""
from __future__ import annotations

import csv
import json
import re

import pytest

from auditor.render.checktext import render_results
from auditor.auditing.filecheck import CheckOptions
from auditor.selfcheck.selfcheck import Checker
from auditor.tabular.fixes import fix_for
from tests.schema_server import SCHEMAS

SUB = SCHEMAS / "scdl__subventions" / "2.1.1"
CELLS = SUB / "exemple_invalide_erreurs_cellules.csv"


@pytest.fixture(scope="module")
def checker(tmp_path_factory):
    return Checker(CheckOptions(schema_base=str(SCHEMAS), cache_dir=tmp_path_factory.mktemp("cache")))


@pytest.fixture(scope="module")
def cells(checker):
    return checker.check_file(CELLS, schema="scdl/subventions@2.1.1").to_dict()


def group(result, field, code, kind=None):
    found = [g for g in result["groups"] if g["field"] == field and g["code"] == code
             and (kind is None or g["kind"] == kind)]
    assert len(found) == 1, [(g["field"], g["code"], g["kind"]) for g in result["groups"]]
    return found[0]


def test_every_finding_is_in_one_group_by_column_and_kind(cells):
    indices = sorted(i for g in cells["groups"] for i in g["findings"])
    assert indices == list(range(len(cells["findings"])))
    for g in cells["groups"]:
        members = [cells["findings"][i] for i in g["findings"]]
        assert g["count"] == len(members)
        if g["field"] is None and g["fields"]:  # a header error's group: one for all the columns it names
            assert [f["location"]["field"] for f in members] == g["fields"]
            assert {(f["rule"], f["location"].get("code")) for f in members} == {(g["rule"], g["code"])}
            continue
        assert {(f["rule"], f["location"].get("field"), f["location"].get("code")) for f in members} == \
            {(g["rule"], g["field"], g["code"])}
    siret = group(cells, "idAttribuant", "french-siret-value")
    assert siret["count"] == 29 and siret["column"] == 2 and siret["rows"][:3] == [2, 3, 4]
    # the same wrong number on 28 rows is one example: examples differ by value, the rows list the rest
    values = [e["cell"] for e in siret["examples"]]
    assert values == ["21860194600000", "218601946"]
    # the empty cell of a required column is its own group, with its own fix
    required = group(cells, "montant", "constraint-error", "required")
    assert required["rows"] == [10] and "obligatoire" in required["fix"]["fr"]
    assert required["title"]["fr"] == "Valeur obligatoire manquante"


def test_fix_fits_the_kind_of_error_and_the_field_type(cells):
    date = group(cells, "dateConvention", "type-error")
    assert "AAAA-MM-JJ" in date["fix"]["fr"] and "SIRET" not in date["fix"]["fr"]
    boolean = group(cells, "notificationUE", "type-error")
    assert boolean["fix"]["fr"] == "N'écrire que « oui » pour vrai et « non » pour faux, exactement ainsi."
    bounds = group(cells, "pourcentageSubvention", "constraint-error")
    assert bounds["fix"]["fr"] == "Donner une valeur comprise entre 0.01 et 1."
    # a year error is told about years, not SIRET numbers nor GPS coordinates (one rule, FILE-06, holds both)
    year = fix_for("year-interval-value", "year-interval-value", None)["fr"]
    assert "2023/2024" in year and "SIRET" not in year and "GPS" not in year
    assert "quatre chiffres" in fix_for("type-error", "type-error", {"type": "year"})["fr"]


def test_pattern_explained_by_the_schemas_example_never_the_regex(cells):
    rna = group(cells, "rnaBeneficiaire", "constraint-error")
    assert rna["title"]["fr"] == "Valeur mal écrite"
    assert rna["fix"]["fr"] == "Écrire la valeur sur le modèle de l'exemple du schéma : « W380475558 »."
    assert rna["expected"]["fr"].startswith("Numéro d'identification RNA") and "« W380475558 »" in rna["expected"]["fr"]
    text = json.dumps([g for g in cells["groups"]], ensure_ascii=False)
    assert "\\\\d" not in text and "^W" not in text and "[0-9]{4}" not in text
    # the example's message no longer repeats the row and the column shown beside it
    assert rna["examples"][0] == {"row": 5, "column": 7, "cell": "W3222", "message": {
        "fr": "La valeur « W3222 » n'a pas la forme attendue pour cette colonne. Exemple valide : « W380475558 ».",
        "en": "'W3222' does not have the form this column expects. Valid example: 'W380475558'."}}


def test_preview_marks_the_faulty_cells(cells):
    preview = cells["preview"]
    with CELLS.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    assert preview["header"] == rows[0] and preview["first_row"] == 2 and len(preview["rows"]) == 15
    assert preview["rows"][3][2] == rows[4][2] == "05/12/2016"  # row 5, column 3
    date = cells["groups"].index(group(cells, "dateConvention", "type-error"))
    assert preview["marks"]["5:3"] == [date]
    one_of = next(i for i, g in enumerate(cells["groups"]) if g["code"] == "one-of-required")
    assert preview["marks"]["9:0"] == [one_of]  # a row-level error marks the row
    marked = {(int(k.split(":")[0]), int(k.split(":")[1])) for k in preview["marks"]}
    assert all(2 <= r <= 16 for r, _ in marked)
    assert (2, 1) not in marked and (5, 3) in marked


def test_legal_basis_fits_the_schema(checker, cells, tmp_path):
    assert "décret n° 2017-779" in cells["basis"]["fr"] and cells["basis"]["kind"] == "law"
    schema = json.loads((SCHEMAS / "scdl__deliberations" / "2.1.3" / "schema.json").read_text("utf-8"))
    path = tmp_path / "deliberations.csv"
    path.write_text(",".join(f["name"] for f in schema["fields"]) + "\n" + "," * (len(schema["fields"]) - 1) + "\n",
                    encoding="utf-8")
    result = checker.check_file(path, schema="scdl/deliberations@2.1.3").to_dict()
    assert "L2131-1" in result["basis"]["fr"] and "2021-1310" in result["basis"]["fr"]
    assert "2017-779" not in result["basis"]["fr"] and "subvention" not in result["basis"]["fr"]
    assert all("17 novembre 2017" not in f["basis"]["text"] for f in result["findings"])


def test_terminal_gives_the_fix_once_per_group(cells):
    text = render_results([cells], colour=False)
    siret_fix = group(cells, "idAttribuant", "french-siret-value")["fix"]["fr"]
    assert text.count("Correction : ") == len(cells["groups"]) and text.count(siret_fix) == 2  # two SIRET columns
    assert "  Colonne 2 « idAttribuant » — Numéro SIRET invalide : 29 ligne(s)  [FILE-06 · french-siret-value]" in text
    assert "    Lignes : 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, …" in text
    assert "    ligne 5 : La date « 05/12/2016 » doit être écrite « 2016-12-05 »." in text
    assert "Ligne 5, colonne 3" not in text and "^W" not in text
    assert "  Fondement : Loi n° 2000-321 art. 10 ; décret n° 2017-779" in text
    assert "✗ non conforme" in text and "✓" not in text
    # --all: every row and every finding's message, still one fix per group
    full = render_results([cells], colour=False, max_shown=None)
    assert full.count("n'est pas un numéro SIRET français valide") == 49 and full.count("Correction : ") == \
        len(cells["groups"])
    english = render_results([cells], lang="en")
    assert "  Column 3 “dateConvention” — Wrong format (date expected): 1 row(s)  [FILE-04 · type-error]" in english
    assert "Fix: Write dates as YYYY-MM-DD" in english


def test_baseline_marks_known_groups(cells):
    siret = group(cells, "idAttribuant", "french-siret-value")
    known = {cells["findings"][i]["fingerprint"] for i in siret["findings"]}
    text = render_results([cells], known=known)
    line = next(x for x in text.splitlines() if "idAttribuant » — Numéro SIRET" in x)
    assert line.endswith("[FILE-06 · french-siret-value] [connu]")
    half = set(list(sorted(known))[:3])
    text = render_results([cells], known=half)
    assert "[FILE-06 · french-siret-value] [3 connu(s)]" in text


def test_unusable_schema_is_never_ticked(checker, tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,x\n", encoding="utf-8")
    broken = {"fields": [{"name": "a", "type": "pas-un-type"}, {"name": "b", "type": "string"}]}
    result = checker.check_file(path, schema=broken).to_dict()
    assert result["valid"] and result["validation"] == "none"  # a warning only, but nothing was validated
    text = render_results([result])
    assert "✓" not in text and "– contenu non validé : le schéma est inutilisable" in text
    assert "Le schéma lui-même est en défaut" in text  # the error is shown, with its fix
    fine = checker.check_file(path, schema={"fields": [{"name": "a", "type": "integer"},
                                                       {"name": "b", "type": "string"}]}).to_dict()
    assert fine["validation"] == "complete" and "✓ conforme" in render_results([fine])
    assert fine["basis"]["kind"] == "quality" and re.search(r"L300-4", fine["basis"]["fr"])
    unknown = checker.check_file(path, schema=None).to_dict()  # no schema matches columns a and b
    assert unknown["schema"] is None and unknown["validation"] == "none"
    assert "– lisible ; contenu non validé faute de schéma" in render_results([unknown])
