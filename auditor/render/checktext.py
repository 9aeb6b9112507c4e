"""Terminal rendering of self-check results (``auditor check``, ``auditor ci``): one block per checked
item, findings grouped by rule with their rows and columns, the fix once per rule, coloured when the
output is a terminal (``NO_COLOR`` respected). Every text that comes from the checked file, its name or the
schema catalogue goes through :func:`safe` (control characters and bidirectional overrides shown as ``?``, see
:mod:`auditor.render.neutral`), so that a file can neither drive the terminal nor reverse a line."""
from __future__ import annotations

from collections import defaultdict
from typing import Any

from .neutral import terminal_line
from .texts import tr

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
    """Text for the ``to_dict()`` of `CheckResult`s. ``known``: baseline fingerprints (shown as such)."""
    p = Painter(colour)
    out: list[str] = []
    for r in results:
        out.extend(_header(r, p, lang))
        groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for f in r["findings"]:
            groups[f["rule"]].append(f)
        for rule, items in sorted(groups.items(), key=lambda kv: (_rank(kv[1][0]["severity"]), kv[0])):
            first = items[0]
            title = first["title"].get(lang) or first["title"].get("fr", "")
            out.append("  " + p(f"{safe(rule)} {safe(title)}", first["severity"]) + p(f" ({len(items)})", "dim"))
            shown = items if max_shown is None else items[:max_shown]
            for f in shown:
                mark = p(tr("check.known", lang), "dim") if known and f["fingerprint"] in known else ""
                detail = safe(f["detail"].get(lang) or f["detail"].get("fr", ""))
                field = str((f.get("location") or {}).get("field") or "\0")
                where = "" if detail.startswith(("Ligne ", "Row ", "Colonne ", "Column ", field)) else _where(f, lang)
                out.append(f"    {where}{detail}{mark}")
            if len(items) > len(shown):
                out.append(p("    " + tr("check.more", lang, n=len(items) - len(shown)), "dim"))
            fix = first["fix"].get(lang) or first["fix"].get("fr")
            if fix:
                out.append(p("    " + tr("check.fix", lang, fix=safe(fix)), "dim"))
        out.append("")
    out.append(_summary(results, p, lang))
    return "\n".join(out) + "\n"


def _header(r: dict[str, Any], p: Painter, lang: str) -> list[str]:
    lines = [p(safe(r["target"]), "bold")]
    s = r.get("schema")
    if s:
        how = tr("check.guessed", lang, confidence=(s.get("confidence") or {}).get(lang) or "") if s.get("guessed") else ""
        lines.append("  " + tr("check.schema", lang, name=safe(s.get("name")), version=safe(s.get("version") or "")) + how)
    elif r["kind"] in ("table", "decp"):
        lines.append("  " + tr("check.no_schema", lang))
        for c in [c for c in r.get("candidates", []) if c["confidence"].get("en") != "no schema matches"][:3]:
            lines.append(p("    " + tr("check.candidate", lang, name=safe(c["name"]), version=safe(c["version"]),
                                       confidence=c["confidence"][lang], pct=round(100 * c["score"])), "dim"))
    rep = r.get("report") or {}
    if rep.get("rows") or rep.get("dialect"):
        d = rep.get("dialect") or {}
        bits = [tr("check.contracts" if r["kind"] == "decp" else "check.rows", lang, n=rep.get("rows", 0))]
        if d.get("encoding"):
            bits.append(safe(d["encoding"]))
        if d.get("delimiter"):
            bits.append(tr("check.delimiter", lang, delimiter=safe(str(d["delimiter"]).replace("\t", "TAB"))))
        lines.append(p("  " + " · ".join(bits), "dim"))
    for note in r.get("notes", []):
        lines.append(p("  " + safe(note), "dim"))
    verdict = tr("check.valid" if r["valid"] else "check.invalid", lang)
    mark, style = ("✓ ", "ok") if r["valid"] else ("✗ ", "error")
    if r["valid"] and not s and r["kind"] in ("table", "decp"):  # nothing validated the content: no ✓
        verdict, mark, style = tr("check.readable", lang), "– ", "warning"
    lines.append("  " + p(mark + verdict, style))
    return lines


def _where(f: dict[str, Any], lang: str) -> str:
    loc = f.get("location") or {}
    bits = []
    if loc.get("row"):
        bits.append(tr("check.row", lang, n=loc["row"]))
    if loc.get("field"):
        bits.append(tr("check.field", lang, name=safe(loc["field"])))
    elif loc.get("column"):
        bits.append(tr("check.column", lang, n=loc["column"]))
    return (", ".join(bits) + " : ") if bits else ""


def _rank(severity: str) -> int:
    return {"error": 0, "warning": 1}.get(severity, 2)


def _summary(results: list[dict[str, Any]], p: Painter, lang: str) -> str:
    counts: dict[str, int] = defaultdict(int)
    for r in results:
        for f in r["findings"]:
            counts[f["severity"]] += 1
    bad = sum(1 for r in results if not r["valid"])
    text = tr("check.summary", lang, n=len(results), bad=bad, error=counts["error"], warning=counts["warning"],
              info=counts["info"])
    return p(text, "error" if bad else "ok")
