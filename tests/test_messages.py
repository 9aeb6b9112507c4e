"""One message catalogue (``auditor.i18n.MESSAGES``): every key the code and the templates use is there, in
French and English, and every key there is used.

Keys are read from the source, not from a run: in the package's modules that take ``t`` from ``auditor.i18n``,
the first argument of each ``t(...)`` call (a literal, either branch of a conditional, or an f-string or a
``"prefix." + x`` sum, which is a pattern ``prefix.<word>``), and any literal or f-string with a dot elsewhere
in those modules (keys picked in a table or returned by a helper before they reach ``t``: the spreadsheet's
sheet names, a check's verdict); in the other modules, a literal that is a dotted catalogue key (a key handed
to the module that shows it: the service's refusals); in the report templates, ``_("key")`` and ``_("prefix." ~ x ~ "suffix")``.
A pattern's word has no dot, so ``"status." ~ x`` does not reach ``status.long.*``. Where the values behind a
pattern are known to the code (the obligations, the SCDL kinds, the severities), each one's key is checked.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import auditor
from auditor.auditing.obligations import OBLIGATIONS
from auditor.crawling.classify import KIND_SCHEMAS
from auditor.i18n import MESSAGES, t

PACKAGE = Path(auditor.__file__).resolve().parent
TEMPLATES = [*(PACKAGE.parent / "reports").glob("*.j2"), *(PACKAGE / "interfaces/server/templates").glob("*.j2")]
WORD = "[^.]+"


def _pattern(node: ast.expr) -> str | None:
    """The key pattern (a regular expression) of a string expression, None when it is not a string."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return re.escape(node.value)
    if isinstance(node, ast.JoinedStr):
        return "".join(re.escape(v.value) if isinstance(v, ast.Constant) else WORD for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _pattern(node.left), _pattern(node.right)
        return (left or WORD) + (right or WORD) if left or right else None
    return None


def _uses_catalogue(tree: ast.Module) -> bool:
    return any(isinstance(n, ast.ImportFrom) and (n.module or "").endswith("i18n") and any(a.name == "t" for a in n.names)
               for n in ast.walk(tree))


def code_keys() -> tuple[set[str], set[str]]:
    """(patterns passed to ``t()``, patterns with a dot written anywhere else) in the package's modules."""
    called, elsewhere = set(), set()
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text("utf-8"))
        if path.name == "i18n.py":
            continue
        if not _uses_catalogue(tree):  # a key handed over to a module that has t (a refusal's message key)
            elsewhere.update(re.escape(n.value) for n in ast.walk(tree) if isinstance(n, ast.Constant)
                             and isinstance(n.value, str) and n.value in MESSAGES and "." in n.value)
            continue
        in_calls = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "t" and node.args:
                arg = node.args[0]
                branches = [arg.body, arg.orelse] if isinstance(arg, ast.IfExp) else [arg]
                for branch in branches:
                    in_calls.update(id(n) for n in ast.walk(branch))
                    if (pattern := _pattern(branch)) is not None:
                        called.add(pattern)
        for node in ast.walk(tree):
            if id(node) not in in_calls and isinstance(node, (ast.Constant, ast.JoinedStr)):
                pattern = _pattern(node)
                if pattern and "\\." in pattern and " " not in pattern and not pattern.startswith(WORD):
                    elsewhere.add(pattern)
    return called, elsewhere


def template_keys() -> set[str]:
    """Patterns of the keys the templates pass to ``_()``."""
    out = set()
    literal = re.compile(r"""_\(\s*(["'])([^"']+)\1\s*[,)]""")
    built = re.compile(r"""_\(\s*(["'])([^"']+)\1\s*~[^~)]*(?:~\s*(["'])([^"']*)\3)?\s*\)""")
    for path in TEMPLATES:
        text = path.read_text("utf-8")
        out.update(re.escape(m.group(2)) for m in literal.finditer(text))
        out.update(re.escape(m.group(2)) + WORD + re.escape(m.group(4) or "") for m in built.finditer(text))
    return out


def _literal(pattern: str) -> bool:
    return WORD not in pattern


def test_the_scan_finds_what_it_should():
    called, elsewhere = code_keys()
    templates = template_keys()
    assert re.escape("crawl.summary") in called and re.escape("check.summary") in called
    assert re.escape("obligation.") + WORD in called and re.escape("severity.") + WORD in called
    assert re.escape("check.valid") in elsewhere and re.escape("sheet.name.gaps") in elsewhere
    assert re.escape("crawl.portal.") + WORD in elsewhere
    assert re.escape("dashboard.title") in templates and re.escape("status.long.") + WORD in templates
    assert re.escape("sheet.") + WORD + re.escape("_list") in templates


def test_every_key_used_is_in_french_and_english():
    called, _ = code_keys()
    used = {p for p in called | template_keys() if _literal(p)}
    missing = sorted(k for k in (re.sub(r"\\(.)", r"\1", p) for p in used)
                     if k not in MESSAGES or not {"fr", "en"} <= set(MESSAGES[k]))
    assert not missing, f"keys used but not in the catalogue in French and English: {missing}"


def test_every_built_key_reaches_the_catalogue():
    called, elsewhere = code_keys()
    built = {p for p in called | template_keys() if not _literal(p)}
    dead = sorted(p for p in built if not any(re.fullmatch(p, k) for k in MESSAGES))
    assert not dead, f"key patterns that match no catalogue key: {dead}"


@pytest.mark.parametrize("key", [*(f"obligation.{c}" for c in OBLIGATIONS), *(f"kind.{k}" for k in KIND_SCHEMAS),
                                 *(f"{p}.{s}" for p in ("severity", "priority") for s in ("error", "warning", "info")),
                                 *(f"status.{s}" for s in ("bound", "presumed", "not-bound")),
                                 *(f"status.long.{s}" for s in ("bound", "presumed", "not-bound"))])
def test_keys_built_from_known_values_exist(key):
    assert {"fr", "en"} <= set(MESSAGES[key]) and all(MESSAGES[key][lang] for lang in ("fr", "en"))


def test_every_catalogue_key_is_used():
    called, elsewhere = code_keys()
    patterns = called | elsewhere | template_keys()
    unused = sorted(k for k in MESSAGES if not any(re.fullmatch(p, k) for p in patterns))
    assert not unused, f"catalogue keys nothing uses (remove them): {unused}"


def test_every_message_has_french_and_english_with_the_same_placeholders():
    names = re.compile(r"\{(\w+)")
    for key, entry in MESSAGES.items():
        assert set(entry) == {"fr", "en"}, key
        assert set(names.findall(entry["fr"])) == set(names.findall(entry["en"])), key


def test_a_missing_key_is_a_defect_not_a_silent_key():
    with pytest.raises(KeyError):
        t("no.such.key")
    assert t("severity.error", "en") == "error" and t("severity.error") == "erreur"
