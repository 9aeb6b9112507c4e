"""Terminal rendering of self-check results (``auditor check``, ``auditor ci``): one block per checked
item (schema, legal basis, rows read, verdict), then its errors grouped by column and kind
(:mod:`auditor.render.checkgroups`): the column, what is wrong and how many rows, what the column holds in the
schema's words, the rows, a few examples without their location repeated, and the fix once per group; the rule
and the error code as a small label. ✓ only for content validated in full and found compliant. Coloured when the
output is a terminal (``NO_COLOR`` respected). Every text that comes from the checked file, its name or the
schema catalogue goes through :func:`safe` (control characters and bidirectional overrides shown as ``?``, see
:mod:`auditor.render.neutral`), so that a file can neither drive the terminal nor reverse a line."""
from __future__ import annotations

from collections import defaultdict
from typing import Any

from ..i18n import t
from .checkgroups import unlocated
from .neutral import terminal_line

COLOURS = {"error": "31", "warning": "33", "info": "36", "ok": "32", "dim": "2", "bold": "1"}


def safe(text: Any) -> str:
    """``text`` on one terminal line: newlines and tabs as spaces, control characters and bidirectional
    overrides as ``?``."""
    return terminal_line(text)


class Painter:
    def __init__(self, colour: bool):
        self.colour = colour

    def __call__(self, text: str, style: str) -> str:
        return f"\x1b[{COLOURS[style]}m{text}\x1b[0m" if self.colour else text


def render_results(results: list[dict[str, Any]], *, lang: str = "fr", colour: bool = False,
                   max_shown: int | None = 20, known: set[str] | None = None) -> str:
    """Text for the ``to_dict()`` of `CheckResult`s (with their ``groups``, see
    :mod:`auditor.render.checkgroups`): per item its schema, legal basis and verdict, then one block per group
    of errors (column, kind, count, rows, a few examples, the fix once). ``max_shown``: rows listed per group
    (None: every row and every finding's message). ``known``: baseline fingerprints (shown as such)."""
    p = Painter(colour)
    out: list[str] = []
    for r in results:
        out.extend(_header(r, p, lang))
        groups = r.get("groups")
        if groups is None:  # a result not summed up by CheckResult.to_dict(): grouped here
            from .checkgroups import group_findings

            groups = group_findings(r["findings"], {}, [], r.get("target"))
        for g in groups:
            out.extend(_group(g, r["findings"], p, lang, max_shown, known))
        out.append("")
    out.append(_summary(results, p, lang))
    return "\n".join(out) + "\n"


def _group(g: dict[str, Any], findings: list[dict[str, Any]], p: Painter, lang: str, max_shown: int | None,
           known: set[str] | None) -> list[str]:
    """One group: ``Colonne 3 « dateConvention » — Format incorrect : 4 ligne(s)  [FILE-04 · type-error]``, what
    the column holds, its rows, examples (every finding's message with ``max_shown`` None), the fix once."""
    items = [findings[i] for i in g["findings"] if i < len(findings)]
    where = _place(g, lang)
    label = _text(g["title"], lang)
    head = f"{where} — {label}" if where else label
    count = t("check.group_rows" if g["rows"] else "check.group_count", lang, n=g["count"])
    tags = " · ".join(safe(x) for x in (g["rule"], g.get("code")) if x)
    mark = ""
    if known:
        seen = sum(1 for f in items if f["fingerprint"] in known)
        mark = t("check.known", lang) if seen == len(items) else t("check.known_some", lang, n=seen) if seen else ""
    lines = ["  " + t("check.group_head", lang, head=p(safe(head), g["severity"]), count=count)
             + p(f"  [{tags}]{mark}", "dim")]
    if g.get("expected"):
        lines.append(p("    " + t("check.expected", lang, text=safe(_text(g["expected"], lang))), "dim"))
    if g["rows"]:
        rows = g["rows"] if max_shown is None else g["rows"][:max_shown]
        more = ", …" if g["count"] > len(rows) and len(set(g["rows"])) > len(rows) else ""
        lines.append("    " + t("check.rows_list", lang, rows=", ".join(map(str, rows)) + more))
    if g.get("fields"):  # a header error's group: the columns it names
        names = g["fields"] if max_shown is None else g["fields"][:max_shown]
        more = ", …" if g["count"] > len(names) else ""
        lines.append("    " + t("check.fields_list", lang, fields=", ".join(f"« {safe(n)} »" for n in names) + more))
    if max_shown is None:
        examples = [((f.get("location") or {}).get("row"), unlocated(f, lang)) for f in items]
    else:
        examples = [(e["row"], _text(e["message"], lang)) for e in g["examples"]]
    for row, message in examples:
        prefix = t("check.row", lang, n=row) + " : " if row else ""
        lines.append(f"    {prefix}{safe(message)}")
    if g.get("fix"):
        lines.append("    " + p(t("check.fix", lang, fix=safe(_text(g["fix"], lang))), "bold"))
    return lines


def _place(g: dict[str, Any], lang: str) -> str:
    """``Colonne 3 « nom »``, ``« nom »`` (a column absent from the file), ``Colonne 3``, or "" (the file)."""
    if g.get("field") and g.get("column"):
        return t("check.column_named", lang, n=g["column"], name=g["field"])
    if g.get("field"):
        return t("check.field", lang, name=g["field"])
    if g.get("column"):
        return t("check.column", lang, n=g["column"]).capitalize()
    return ""


def _text(texts: dict[str, str], lang: str) -> str:
    return texts.get(lang) or texts.get("fr") or ""


def _header(r: dict[str, Any], p: Painter, lang: str) -> list[str]:
    lines = [p(safe(r["target"]), "bold")]
    s = r.get("schema")
    if s:
        how = t("check.guessed", lang, confidence=(s.get("confidence") or {}).get(lang) or "") if s.get("guessed") else ""
        lines.append("  " + t("check.schema", lang, name=safe(s.get("name")), version=safe(s.get("version") or "")) + how)
    elif r["kind"] in ("table", "decp"):
        lines.append("  " + t("check.no_schema", lang))
        for c in [c for c in r.get("candidates", []) if c["confidence"].get("en") != "no schema matches"][:3]:
            lines.append(p("    " + t("check.candidate", lang, name=safe(c["name"]), version=safe(c["version"]),
                                       confidence=c["confidence"][lang], pct=round(100 * c["score"])), "dim"))
    if r.get("basis"):
        lines.append(p("  " + t("check.basis", lang, text=safe(_text(r["basis"], lang))), "dim"))
    rep = r.get("report") or {}
    if rep.get("rows") or rep.get("dialect"):
        d = rep.get("dialect") or {}
        bits = [t("check.contracts" if r["kind"] == "decp" else "check.rows", lang, n=rep.get("rows", 0))]
        if d.get("encoding"):
            bits.append(safe(d["encoding"]))
        if d.get("delimiter"):
            bits.append(t("check.delimiter", lang, delimiter=safe(str(d["delimiter"]).replace("\t", "TAB"))))
        lines.append(p("  " + " · ".join(bits), "dim"))
    for note in r.get("notes", []):
        lines.append(p("  " + safe(note), "dim"))
    mark, key, style = verdict(r)
    lines.append("  " + p(f"{mark} {t(key, lang)}", style))
    return lines


def verdict(r: dict[str, Any]) -> tuple[str, str, str]:
    """(mark, text key, style) of a result: ✓ only for content validated in full and found compliant; – for
    content not validated (no schema, a schema the validator refuses) or validated in part."""
    from .checkgroups import validation

    state = r.get("validation") or validation(r)
    if not r["valid"]:
        return "✗", "check.invalid", "error"
    if state == "complete":
        return "✓", "check.valid", "ok"
    if state == "partial":
        return "–", "check.partial", "warning"
    if not r.get("schema") and r["kind"] in ("table", "decp"):
        return "–", "check.readable", "warning"
    return "–", "check.unusable", "warning"


def _summary(results: list[dict[str, Any]], p: Painter, lang: str) -> str:
    counts: dict[str, int] = defaultdict(int)
    for r in results:
        for f in r["findings"]:
            counts[f["severity"]] += 1
    bad = sum(1 for r in results if not r["valid"])
    text = t("check.summary", lang, n=len(results), bad=bad, error=counts["error"], warning=counts["warning"],
              info=counts["info"])
    return p(text, "error" if bad else "ok")
