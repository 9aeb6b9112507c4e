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
from ..i18n import t
from .data import OBLIGATIONS, gaps
from .neutral import text as neutral_text

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
        (t("col.code", lang), lambda c: c["code"]),
        (t("col.commune", lang), lambda c: c["name"]),
        (t("col.population", lang), lambda c: c["population"]),
        (t("col.status", lang), lambda c: t(f"status.{c['status']}", lang)),
        (t("col.datasets", lang), lambda c: c["datasets"]),
        (t("col.portals", lang), lambda c: _join(c["portals"])),
        (t("col.obligations_met", lang), lambda c: c["obligations_met"]),
        (t("col.obligations_owed", lang), lambda c: c["obligations_owed"]),
        (t("col.obligations_not_evaluated", lang), lambda c: c["obligations_not_evaluated"]),
        (t("col.unmet", lang), lambda c: _join(t(f"obligation.{o}", lang) for o in c["unmet"])),
        (t("col.not_evaluated", lang), lambda c: _join(
            f"{t(f'obligation.{o}', lang)} ({t('reason.' + str(c['obligation_details'][o].get('reason')), lang)})"
            for o in c["not_evaluated"])),
        (t("col.blind_spots", lang), lambda c: _join(c["blind_spots"])),
    ]
    for code in OBLIGATIONS:
        cols.append((f"{code} {t(f'obligation.{code}', lang)}",
                     lambda c, code=code: t(f"ob.{c['obligations'][code]}", lang) if code in c["obligations"] else None))
    cols.append((t("col.scdl", lang), lambda c: c["scdl_published"]))
    for k in report.get("scdl_kinds") or []:
        cols.append((f"SCDL {k['label']}", lambda c, kind=k["kind"]: t(f"scdl.{c['scdl'][kind]}", lang)))
    cols += [
        (t("col.mqa", lang), lambda c: c["mqa"]["points"] if c["mqa"] else None),
        (t("col.datagouv", lang), lambda c: round(c["datagouv"] * 100, 1) if c["datagouv"] is not None else None),
        (t("col.errors", lang), lambda c: c["findings"]["error"]),
        (t("col.warnings", lang), lambda c: c["findings"]["warning"]),
        (t("col.infos", lang), lambda c: c["findings"]["info"]),
        (t("col.waived", lang), lambda c: c["findings"]["waived"]),
        (t("col.new", lang), lambda c: c["changes"]["new"] if c["changes"] else None),
        (t("col.fixed", lang), lambda c: c["changes"]["fixed"] if c["changes"] else None),
        (t("col.trend", lang), lambda c: c["findings_delta"]),
    ]
    return cols


def finding_columns(lang: str) -> list[Column]:
    return [
        (t("col.change", lang), lambda f: t(f"change.{f['change']}", lang) if f["change"] else None),
        (t("col.code", lang), lambda f: f["commune"]),
        (t("col.commune", lang), lambda f: f["commune_name"]),
        (t("col.rule", lang), lambda f: f["rule"]),
        (t("col.severity", lang), lambda f: t(f"severity.{f['severity']}", lang)),
        (t("col.title", lang), lambda f: f["title"]),
        (t("col.detail", lang), lambda f: f["detail"]),
        (t("col.fix", lang), lambda f: f["fix"]),
        (t("col.basis", lang), lambda f: f["basis"]),
        (t("col.portal", lang), lambda f: f["portal"]),
        (t("col.dataset", lang), lambda f: f["dataset"]),
        (t("col.dataset_title", lang), lambda f: f["dataset_title"]),
        (t("col.distribution", lang), lambda f: f["distribution"]),
        (t("col.waiver", lang), lambda f: f"{f['waiver']['justification']} ({f['waiver']['expires']})" if f["waiver"] else None),
        (t("col.fingerprint", lang), lambda f: f["fingerprint"]),
    ]


def gap_columns(lang: str) -> list[Column]:
    return [
        (t("col.rank", lang), lambda g: g["rank"]),
        (t("col.code", lang), lambda g: g["code"]),
        (t("col.commune", lang), lambda g: g["name"]),
        (t("col.population", lang), lambda g: g["population"]),
        (t("col.status", lang), lambda g: t(f"status.{g['status']}", lang)),
        (t("col.gap_type", lang), lambda g: t(f"gap.{g['type']}", lang)),
        (t("col.gap", lang), lambda g: g["label"]),
        (t("col.rule", lang), lambda g: g["item"]),
        (t("col.run_status", lang), lambda g: t(f"ob.{g['state']}", lang) if g.get("state") else None),
        (t("col.severity", lang), lambda g: t(f"severity.{g['severity']}", lang)),
    ]


def portal_columns(lang: str) -> list[Column]:
    return [
        (t("col.portal", lang), lambda p: p["name"]),
        (t("col.title", lang), lambda p: p["title"]),
        (t("col.kind", lang), lambda p: p["kind"]),
        (t("col.url", lang), lambda p: p["url"]),
        (t("col.run_status", lang), lambda p: t(f"portal.{p['status']}", lang)),
        (t("col.datasets", lang), lambda p: p["datasets"]),
        (t("col.error", lang), lambda p: p["error"]),
    ]


def unresolved_columns(lang: str) -> list[Column]:
    return [
        (t("col.publisher", lang), lambda u: u["raw"] if u["raw"] is not None else t("unresolved.none", lang)),
        (t("col.portals", lang), lambda u: _join(u["portals"])),
        (t("col.datasets", lang), lambda u: u["datasets"]),
        (t("col.examples", lang), lambda u: " ; ".join(str(x) for x in u["examples"])),
    ]


def _criterion(value: Any) -> Any:
    """A criterion as udata leaves it: true, false, or absent (empty cell)."""
    return None if value is None else ("true" if value else "false")


def quality_columns(lang: str) -> list[Column]:
    cols: list[Column] = [
        (t("col.dataset", lang), lambda q: q["dataset"]),
        (t("col.dataset_title", lang), lambda q: q["title"]),
        (t("col.portal", lang), lambda q: q["portal"]),
        (t("col.code", lang), lambda q: q["commune"]),
        (t("col.commune", lang), lambda q: q["commune_name"]),
        (t("col.copy_of", lang), lambda q: q["copy_of"]),
    ]
    for c in CRITERIA:
        cols.append((c, lambda q, c=c: _criterion(q["criteria"].get(c))))
    cols.append((t("col.score", lang), lambda q: q["score"]))
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
