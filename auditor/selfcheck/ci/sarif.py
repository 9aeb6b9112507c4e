"""Findings as a SARIF 2.1.0 log (OASIS), for code-scanning dashboards.

One run, tool ``auditor``; each rule that produced a finding is described once (title,
fix, legal basis with its link); each finding is a result with its level, French message
(English in ``properties``), location and the stable fingerprint under ``partialFingerprints``
so that viewers can track it across commits. A location is a file path relative to the repository
root (``uriBaseId`` ``SRCROOT``, whose absolute URI is in ``originalUriBaseIds``), whatever folder was
checked (see :class:`~auditor.selfcheck.ci.repository.Locator`): a data file with its row and column when known,
a dataset description (``metadata.yaml``, ``datapackage.json``) for the findings on the dataset it
describes, a published resource by its URL; the dataset is also given as a logical location. With a baseline, results carry
``baselineState`` (``new`` or ``unchanged``).

Texts shown by a viewer (messages, rule descriptions, names) have their control characters and
bidirectional overrides replaced (:mod:`auditor.render.neutral`); file paths are written as URI
references, percent-encoded, so that the path stays exact and nothing in it acts on a viewer.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable
from urllib.parse import quote

from ... import __version__
from ...model import Finding
from ...render.neutral import text as t
from .repository import Locator

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}


def to_sarif(findings: Iterable[Finding], *, known: set[str] | None = None, lang: str = "fr",
             base_uri: str | None = None, locator: Locator | None = None) -> dict[str, Any]:
    """``base_uri``: the repository root's absolute URI (``SRCROOT``); ``locator``: places the findings
    (default: targets named relative to the current folder, taken as the root)."""
    findings = list(findings)
    locator = locator or Locator(Path.cwd(), Path.cwd())
    rules: dict[str, dict[str, Any]] = {}
    for f in findings:
        if f.rule in rules:
            continue
        rule: dict[str, Any] = {
            "id": f.rule,
            "name": f.rule,
            "shortDescription": {"text": t(f.title.get(lang) or f.title.get("fr", f.rule))},
            "fullDescription": {"text": t(f"{f.title.get(lang) or f.title.get('fr', '')}. {f.basis.get('text', '')}".strip())},
            "help": {"text": t(f.fix_text(lang) or f.title.get("fr", ""))},
            "defaultConfiguration": {"level": LEVELS.get(f.severity, "warning")},
            "properties": {"group": f.group, "basis": f.basis.get("text"), "tags": [t for t in (f.group,) if t]},
        }
        if f.basis.get("url"):
            rule["helpUri"] = f.basis["url"]
        rules[f.rule] = rule
    index = {code: i for i, code in enumerate(rules)}
    results = [_result(f, index, known, lang, locator) for f in findings]
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "auditor", "version": __version__, "semanticVersion": __version__,
                            "informationUri": "https://github.com/mel-opendata/auditor",
                            "language": lang, "rules": list(rules.values())}},
        "results": results,
        "columnKind": "unicodeCodePoints",
    }
    if base_uri:
        run["originalUriBaseIds"] = {"SRCROOT": {"uri": base_uri if base_uri.endswith("/") else base_uri + "/"}}
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def _result(f: Finding, index: dict[str, int], known: set[str] | None, lang: str, locator: Locator) -> dict[str, Any]:
    text = f.text(lang)
    fix = f.fix_text(lang)
    result: dict[str, Any] = {
        "ruleId": f.rule,
        "ruleIndex": index[f.rule],
        "level": LEVELS.get(f.severity, "warning"),
        "message": {"text": t(f"{text}\n{fix}" if fix else text)},
        "partialFingerprints": {"auditor/v1": f.fingerprint},
        "properties": {"commune": t(f.commune), "dataset": t(f.dataset), "portal": t(f.portal),
                       "message_en": t(f.text("en")), "waived": f.waived},
    }
    location: dict[str, Any] = {}
    place = locator.place(f)
    if place.path is not None or place.url is not None:
        artifact = ({"uri": uri(place.path), "uriBaseId": "SRCROOT"} if place.path is not None
                    else {"uri": uri(place.url or "")})
        physical: dict[str, Any] = {"artifactLocation": artifact}
        row, col = f.location.get("row"), f.location.get("column")
        if place.rows and isinstance(row, int) and row > 0:
            region: dict[str, Any] = {"startLine": row}
            if isinstance(col, int) and col > 0:
                region["startColumn"] = col
            physical["region"] = region
        location["physicalLocation"] = physical
    if f.dataset or f.commune:
        location["logicalLocations"] = [{"name": t(f.dataset or f.commune), "kind": "module"}]
    if location:
        result["locations"] = [location]
    if f.waived:
        result["suppressions"] = [{"kind": "external", "justification": t((f.waiver or {}).get("justification", ""))}]
    if known is not None:
        result["baselineState"] = "unchanged" if f.fingerprint in known else "new"
    return result


# what a URI reference keeps as it is (RFC 3986 reserved and unreserved characters, and existing escapes);
# in a file path, "?", "#" and "%" are part of the name and are encoded
_URL_SAFE = "/:@!$&'()*+,;=?#[]~%-._"
_PATH_SAFE = "/:@!$&'()*+,;=~-._"


def uri(path: str) -> str:
    """``path`` (a file path relative to the repository, or an http(s) URL) as a URI reference: spaces,
    non-ASCII letters, control characters and overrides percent-encoded, nothing else changed (a file
    name that is not UTF-8, read by Python as lone surrogates, is encoded as its original bytes)."""
    try:
        raw = path.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        raw = path.encode("utf-8", "surrogatepass")
    return quote(raw, safe=_URL_SAFE if path.startswith(("http://", "https://")) else _PATH_SAFE)
