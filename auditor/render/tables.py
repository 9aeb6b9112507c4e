"""The report as tables (communes, findings, gaps, portals, unresolved publishers, data.gouv.fr
quality criteria), for the CSV and XLSX exports.

Cells that come from the outside can start with ``=``, ``+``, ``-`` or ``@``, which a
spreadsheet would run as a formula (CSV/formula injection): :func:`neutralise` prefixes such
text with an apostrophe. It also replaces control characters (tab and line breaks kept) and
bidirectional overrides (:func:`auditor.render.neutral.text`): a terminal showing the CSV is not
driven by them, and openpyxl, which refuses them, can write every cell. Numbers stay numbers.
"""
from __future__ import annotations

from typing import Any, Callable

from ..auditing.scores.datagouv import CRITERIA
from .data import OBLIGATIONS, gaps
from .neutral import text as neutral_text
from .texts import tr

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

Column = tuple[str, Callable[[dict[str, Any]], Any]]


def neutralise(value: Any) -> Any:
    value = neutral_text(value)
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _join(values) -> str:
    return ", ".join(str(v) for v in values or [])


def commune_columns(report: dict[str, Any], lang: str) -> list[Column]:
    cols: list[Column] = [
        (tr("col.code", lang), lambda c: c["code"]),
        (tr("col.commune", lang), lambda c: c["name"]),
        (tr("col.population", lang), lambda c: c["population"]),
        (tr("col.status", lang), lambda c: tr(f"status.{c['status']}", lang)),
        (tr("col.datasets", lang), lambda c: c["datasets"]),
        (tr("col.portals", lang), lambda c: _join(c["portals"])),
        (tr("col.obligations_met", lang), lambda c: c["obligations_met"]),
        (tr("col.obligations_owed", lang), lambda c: c["obligations_owed"]),
        (tr("col.obligations_not_evaluated", lang), lambda c: c["obligations_not_evaluated"]),
        (tr("col.unmet", lang), lambda c: _join(tr(f"obligation.{o}", lang) for o in c["unmet"])),
        (tr("col.not_evaluated", lang), lambda c: _join(
            f"{tr(f'obligation.{o}', lang)} ({tr('reason.' + str(c['obligation_details'][o].get('reason')), lang)})"
            for o in c["not_evaluated"])),
        (tr("col.blind_spots", lang), lambda c: _join(c["blind_spots"])),
    ]
    for code in OBLIGATIONS:
        cols.append((f"{code} {tr(f'obligation.{code}', lang)}",
                     lambda c, code=code: tr(f"ob.{c['obligations'][code]}", lang) if code in c["obligations"] else None))
    cols.append((tr("col.scdl", lang), lambda c: c["scdl_published"]))
    for k in report.get("scdl_kinds") or []:
        cols.append((f"SCDL {k['label']}", lambda c, kind=k["kind"]: tr(f"scdl.{c['scdl'][kind]}", lang)))
    cols += [
        (tr("col.mqa", lang), lambda c: c["mqa"]["points"] if c["mqa"] else None),
        (tr("col.datagouv", lang), lambda c: round(c["datagouv"] * 100, 1) if c["datagouv"] is not None else None),
        (tr("col.errors", lang), lambda c: c["findings"]["error"]),
        (tr("col.warnings", lang), lambda c: c["findings"]["warning"]),
        (tr("col.infos", lang), lambda c: c["findings"]["info"]),
        (tr("col.waived", lang), lambda c: c["findings"]["waived"]),
        (tr("col.new", lang), lambda c: c["changes"]["new"] if c["changes"] else None),
        (tr("col.fixed", lang), lambda c: c["changes"]["fixed"] if c["changes"] else None),
        (tr("col.trend", lang), lambda c: c["findings_delta"]),
    ]
    return cols


def finding_columns(lang: str) -> list[Column]:
    return [
        (tr("col.change", lang), lambda f: tr(f"change.{f['change']}", lang) if f["change"] else None),
        (tr("col.code", lang), lambda f: f["commune"]),
        (tr("col.commune", lang), lambda f: f["commune_name"]),
        (tr("col.rule", lang), lambda f: f["rule"]),
        (tr("col.severity", lang), lambda f: tr(f"severity.{f['severity']}", lang)),
        (tr("col.title", lang), lambda f: f["title"]),
        (tr("col.detail", lang), lambda f: f["detail"]),
        (tr("col.fix", lang), lambda f: f["fix"]),
        (tr("col.basis", lang), lambda f: f["basis"]),
        (tr("col.portal", lang), lambda f: f["portal"]),
        (tr("col.dataset", lang), lambda f: f["dataset"]),
        (tr("col.dataset_title", lang), lambda f: f["dataset_title"]),
        (tr("col.distribution", lang), lambda f: f["distribution"]),
        (tr("col.waiver", lang), lambda f: f"{f['waiver']['justification']} ({f['waiver']['expires']})" if f["waiver"] else None),
        (tr("col.fingerprint", lang), lambda f: f["fingerprint"]),
    ]


def gap_columns(lang: str) -> list[Column]:
    return [
        (tr("col.rank", lang), lambda g: g["rank"]),
        (tr("col.code", lang), lambda g: g["code"]),
        (tr("col.commune", lang), lambda g: g["name"]),
        (tr("col.population", lang), lambda g: g["population"]),
        (tr("col.status", lang), lambda g: tr(f"status.{g['status']}", lang)),
        (tr("col.gap_type", lang), lambda g: tr(f"gap.{g['type']}", lang)),
        (tr("col.gap", lang), lambda g: g["label"]),
        (tr("col.rule", lang), lambda g: g["item"]),
        (tr("col.run_status", lang), lambda g: tr(f"ob.{g['state']}", lang) if g.get("state") else None),
        (tr("col.severity", lang), lambda g: tr(f"severity.{g['severity']}", lang)),
    ]


def portal_columns(lang: str) -> list[Column]:
    return [
        (tr("col.portal", lang), lambda p: p["name"]),
        (tr("col.title", lang), lambda p: p["title"]),
        (tr("col.kind", lang), lambda p: p["kind"]),
        (tr("col.url", lang), lambda p: p["url"]),
        (tr("col.run_status", lang), lambda p: tr(f"portal.{p['status']}", lang)),
        (tr("col.datasets", lang), lambda p: p["datasets"]),
        (tr("col.error", lang), lambda p: p["error"]),
    ]


def unresolved_columns(lang: str) -> list[Column]:
    return [
        (tr("col.publisher", lang), lambda u: u["raw"] if u["raw"] is not None else tr("unresolved.none", lang)),
        (tr("col.portals", lang), lambda u: _join(u["portals"])),
        (tr("col.datasets", lang), lambda u: u["datasets"]),
        (tr("col.examples", lang), lambda u: " ; ".join(str(x) for x in u["examples"])),
    ]


def _criterion(value: Any) -> Any:
    """A criterion as udata leaves it: true, false, or absent (empty cell)."""
    return None if value is None else ("true" if value else "false")


def quality_columns(lang: str) -> list[Column]:
    cols: list[Column] = [
        (tr("col.dataset", lang), lambda q: q["dataset"]),
        (tr("col.dataset_title", lang), lambda q: q["title"]),
        (tr("col.portal", lang), lambda q: q["portal"]),
        (tr("col.code", lang), lambda q: q["commune"]),
        (tr("col.commune", lang), lambda q: q["commune_name"]),
        (tr("col.copy_of", lang), lambda q: q["copy_of"]),
    ]
    for c in CRITERIA:
        cols.append((c, lambda q, c=c: _criterion(q["criteria"].get(c))))
    cols.append((tr("col.score", lang), lambda q: q["score"]))
    return cols


def _findings(report: dict[str, Any]) -> list[dict[str, Any]]:
    if report["report"] == "commune":
        return [f for g in report["findings"] for f in g["findings"]]
    return report.get("findings") or []


def _communes(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [report["commune"]] if report["report"] == "commune" else report.get("communes") or []


def _gaps(report: dict[str, Any]) -> list[dict[str, Any]]:
    if report["report"] == "commune":
        return gaps([report["commune"]], report["lang"])["rows"]
    return report["gaps"]["rows"]


TABLES = ("findings", "communes", "gaps", "portals", "unresolved", "quality")


def table(report: dict[str, Any], name: str) -> tuple[list[str], list[list[Any]]]:
    """Header and neutralised rows of table ``name`` (:data:`TABLES`) of ``report``."""
    lang = report["lang"]
    if name == "communes":
        cols, items = commune_columns(report, lang), _communes(report)
    elif name == "gaps":
        cols, items = gap_columns(lang), _gaps(report)
    elif name == "portals":
        cols, items = portal_columns(lang), report.get("portals") or []
    elif name == "unresolved":
        cols, items = unresolved_columns(lang), report.get("unresolved") or []
    elif name == "quality":
        cols, items = quality_columns(lang), report.get("quality") or []
    else:
        cols, items = finding_columns(lang), _findings(report)
    return [c[0] for c in cols], [[neutralise(get(item)) for _, get in cols] for item in items]
