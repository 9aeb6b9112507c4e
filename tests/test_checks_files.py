"""File-scope rules: validation reports become findings, grouped in an audit, one by one in a check."""
from __future__ import annotations

from datetime import datetime, timezone

from auditor.crawling.catalogue import Catalogue
from auditor.auditing.checks.base import CheckContext
from auditor.auditing.checks.fichier_conforme import FileTarget
from auditor.auditing.rules import evaluate_files, load_rules, select_rules
from auditor.crawling.territory.registry import load_registry


def err(code, row=None, field=None, cell=None, level="error", column=None):
    return {"code": code, "level": level, "row": row, "column": column, "field": field, "cell": cell,
            "message": {"fr": f"{code} fr {cell}", "en": f"{code} en {cell}"}}


REPORT = {"errors": [err("type-error", 3, "montant", "12,5", column=9), err("type-error", 9, "montant", "abc", column=9),
                     err("constraint-error", 4, "objet", ""), err("french-siret-value", 5, "idBeneficiaire", "123"),
                     err("missing-required-header", None, "idRAE"), err("missing-header-warn", None, "idRAE", level="warning"),
                     err("unique-error", 7, "id", "A1"), err("mystery-error", 8, "x", "?")]}


def ctx(detail):
    return CheckContext(as_of=datetime(2026, 11, 15, tzinfo=timezone.utc), registry=load_registry(),
                        catalogue=Catalogue(), applicability={}, communes={}, extra={"file_detail": detail})


def findings(detail):
    rules = select_rules(load_rules(), ["fichiers"])
    return evaluate_files(rules, [FileTarget("data/subventions.csv", REPORT)], ctx(detail))


def test_each_error_is_a_finding_in_a_file_check():
    got = sorted((f.rule, f.location["row"], f.location["field"]) for f in findings("each"))
    assert got == [("FILE-03", None, "idRAE"), ("FILE-04", 3, "montant"), ("FILE-04", 4, "objet"),
                   ("FILE-04", 8, "x"), ("FILE-04", 9, "montant"), ("FILE-05", 7, "id"),
                   ("FILE-06", 5, "idBeneficiaire"), ("FILE-07", None, "idRAE")]
    fs = findings("each")
    assert all(f.distribution == "data/subventions.csv" and f.scope == "file" for f in fs)
    assert len({f.fingerprint for f in fs}) == len(fs)


def test_errors_of_one_code_and_column_are_grouped_in_an_audit():
    fs = [f for f in findings("grouped") if f.rule == "FILE-04"]
    montant = next(f for f in fs if f.location["field"] == "montant")
    assert montant.location["count"] == 2 and montant.location["rows"] == [3, 9]
    assert montant.detail["fr"].startswith("2 erreur(s) « Format incorrect » dans la colonne « montant » (lignes 3, 9)")


def test_fingerprints_survive_rows_moving():
    moved = {"errors": [dict(e, row=(e["row"] or 0) + 10) for e in REPORT["errors"]]}
    rules = select_rules(load_rules(), ["fichiers"])
    a = {f.fingerprint for f in findings("each")}
    b = {f.fingerprint for f in evaluate_files(rules, [FileTarget("data/subventions.csv", moved)], ctx("each"))}
    assert a == b


def test_every_validator_code_belongs_to_exactly_one_file_rule():
    """The FILE rules name the validator's codes: none unknown, none claimed twice (it would give two findings
    for one error); codes nobody names fall to the catch-all rule of their level."""
    from auditor.tabular.errors import CODES

    rules = [r for r in load_rules() if r.scope == "file"]
    named: dict[tuple[str, str], list[str]] = {}
    for r in rules:
        for code in r.params.get("codes", []):
            for level in r.params.get("levels", ["error"]):
                named.setdefault((code, level), []).append(r.code)
    unknown = {code for code, _ in named if code != "*" and code not in CODES}
    assert not unknown
    twice = {k: v for k, v in named.items() if len(v) > 1}
    assert not twice
    assert ("*", "error") in named and ("*", "warning") in named
    assert named[("general-error", "error")] == ["FILE-03"]  # duplicate columns: the file's header, not the schema
