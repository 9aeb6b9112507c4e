"""The rule catalogue: schema validation with file and line, selection, profiles."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from auditor.auditing import checks
from auditor.auditing.rules import RuleError, load_rule_file, load_rules, rules_dir, select_rules

GOOD = """\
group: essai
title: {fr: "Essai"}
rules:
  - code: ESS-01
    check: lien-accessible
    severity: error
    scope: distribution
    basis: {text: "CRPA art. L312-1-1"}
    title: {fr: "Titre"}
    fix: {fr: "Corriger"}
"""


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "essai.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def test_shipped_catalogue_is_valid_and_codes_are_unique():
    rules = load_rules()
    assert len(rules) >= 14
    validator = Draft202012Validator(json.loads((rules_dir() / "rule.schema.json").read_text()))
    for path in rules_dir().glob("*.yaml"):
        if path.name != "profiles.yaml":
            assert not list(validator.iter_errors(yaml.safe_load(path.read_text("utf-8")))), path
    for r in rules:
        assert r.basis["text"] and r.title["fr"] and r.fix["fr"]
        if r.basis.get("kind", "law") == "law":  # every legal rule cites its article
            assert any(w in r.basis["text"] for w in ("art.", "décret", "arrêté", "Loi")), r.code


def test_every_check_module_documents_itself():
    for ident in checks.all_ids():
        module = checks.get(ident)
        assert module.SCOPE in ("portal", "commune", "dataset", "distribution", "file")
        doc = (module.__doc__ or "").strip()
        assert len(doc) > 200 and doc.splitlines()[0].endswith("."), ident


def test_a_good_file_loads(tmp_path):
    [rule] = load_rule_file(write(tmp_path, GOOD))
    assert (rule.code, rule.group, rule.source) == ("ESS-01", "essai", "essai.yaml:4")


@pytest.mark.parametrize("change, line, reason", [
    (("severity: error", "severity: grave"), 6, "valeur 'grave' non permise"),
    (("    fix: {fr: \"Corriger\"}\n", ""), 4, "champ obligatoire manquant : fix"),
    (("code: ESS-01", "code: ess01"), 4, "mal formée"),
    (("check: lien-accessible", "check: inexistant"), 5, "contrôle inconnu « inexistant »"),
    (("scope: distribution", "scope: dataset"), 7, "porte sur « distribution »"),
    (("    title: {fr: \"Titre\"}", "    title: {fr: \"Titre\"}\n    couleur: rouge"), 4, "champ inconnu : couleur"),
    (("    severity: error", "    params: {vitesse: 3}\n    severity: error"), 6, "paramètre(s) inconnu(s) vitesse"),
    (("rules:", "rules: ["), 4, "YAML invalide"),
])
def test_malformed_rule_files_name_the_file_line_and_reason(tmp_path, change, line, reason):
    path = write(tmp_path, GOOD.replace(*change))
    with pytest.raises(RuleError) as err:
        load_rule_file(path)
    msg = str(err.value)
    assert str(path) in msg and f"ligne {line}" in msg and reason in msg, msg


def test_duplicate_codes_across_files(tmp_path):
    d = tmp_path / "r"
    d.mkdir()
    (d / "a.yaml").write_text(GOOD, encoding="utf-8")
    (d / "b.yaml").write_text(GOOD.replace("group: essai", "group: autre"), encoding="utf-8")
    with pytest.raises(RuleError, match="code ESS-01 déjà défini"):
        load_rules(d)


def test_selection_by_code_prefix_group_and_profile():
    rules = load_rules()
    codes = lambda rs: {r.code for r in rs}  # noqa: E731
    assert codes(select_rules(rules, ["SUB-01"])) == {"SUB-01"}
    assert codes(select_rules(rules, ["SUB"])) == {"SUB-01", "SUB-02"}
    assert codes(select_rules(rules, ["obligations-specifiques"], ["SUB-02", "DECP"])) == {"SUB-01", "ACT-01", "BUD-01"}
    legal = codes(select_rules(rules, profile="legal"))
    assert "SUB-01" in legal and "SCDL-01" not in legal
    assert not codes(select_rules(rules, profile="commune")) & {"SUB-01", "RN-PUB-01", "PORT-01"}
    with pytest.raises(RuleError, match="aucune règle"):
        select_rules(rules, ["NOPE-99"])
    with pytest.raises(RuleError, match="profil inconnu"):
        select_rules(rules, profile="rien")


def test_profiles_name_existing_families():
    from auditor.auditing.rules import load_profiles

    rules = load_rules()
    known = {r.group for r in rules} | {"*"}
    for name, profile in load_profiles().items():
        assert set(profile.get("select", [])) | set(profile.get("ignore", [])) <= known, name
