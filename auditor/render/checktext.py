"""Terminal rendering of self-check results (``auditor check``, ``auditor ci``): one block per checked
item, findings grouped by rule with their rows and columns, the fix once per rule, coloured when the
output is a terminal (``NO_COLOR`` respected). Untrusted text (cell values, titles) is stripped of control
characters so that a file cannot drive the terminal."""
from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
COLOURS = {"error": "31", "warning": "33", "info": "36", "ok": "32", "dim": "2", "bold": "1"}


def safe(text: Any) -> str:
    """``text`` without terminal control characters (newlines and tabs kept as spaces)."""
    return _CONTROL.sub("?", str(text).replace("\n", " ").replace("\t", " ").replace("\r", " "))


class Painter:
    def __init__(self, colour: bool):
        self.colour = colour

    def __call__(self, text: str, style: str) -> str:
        return f"\x1b[{COLOURS[style]}m{text}\x1b[0m" if self.colour else text


def render_results(results: list[dict[str, Any]], *, lang: str = "fr", colour: bool = False,
                   max_shown: int | None = 20, known: set[str] | None = None) -> str:
    """Text for the ``to_dict()`` of `CheckResult`s. ``known``: baseline fingerprints (shown as such)."""
    p = Painter(colour)
    fr = lang == "fr"
    out: list[str] = []
    for r in results:
        out.extend(_header(r, p, lang))
        groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for f in r["findings"]:
            groups[f["rule"]].append(f)
        for rule, items in sorted(groups.items(), key=lambda kv: (_rank(kv[1][0]["severity"]), kv[0])):
            first = items[0]
            title = first["title"].get(lang) or first["title"].get("fr", "")
            out.append("  " + p(f"{rule} {safe(title)}", first["severity"]) + p(f" ({len(items)})", "dim"))
            shown = items if max_shown is None else items[:max_shown]
            for f in shown:
                mark = p(" [connu]" if fr else " [known]", "dim") if known and f["fingerprint"] in known else ""
                detail = safe(f["detail"].get(lang) or f["detail"].get("fr", ""))
                field = str((f.get("location") or {}).get("field") or "\0")
                where = "" if detail.startswith(("Ligne ", "Row ", "Colonne ", "Column ", field)) else _where(f, fr)
                out.append(f"    {where}{detail}{mark}")
            if len(items) > len(shown):
                more = len(items) - len(shown)
                out.append(p(f"    … et {more} autre(s) (--all pour tout afficher)" if fr else
                             f"    … and {more} more (--all to show everything)", "dim"))
            fix = first["fix"].get(lang) or first["fix"].get("fr")
            if fix:
                out.append(p(("    Correction : " if fr else "    Fix: ") + safe(fix), "dim"))
        out.append("")
    out.append(_summary(results, p, fr))
    return "\n".join(out) + "\n"


def _header(r: dict[str, Any], p: Painter, lang: str) -> list[str]:
    fr = lang == "fr"
    lines = [p(safe(r["target"]), "bold")]
    s = r.get("schema")
    if s:
        how = ""
        if s.get("guessed"):
            conf = (s.get("confidence") or {}).get(lang) or ""
            how = f" (deviné : {conf})" if fr else f" (guessed: {conf})"
        lines.append(f"  {'Schéma' if fr else 'Schema'} : {safe(s.get('name'))} {safe(s.get('version') or '')}{how}")
    elif r["kind"] in ("table", "decp"):
        lines.append("  " + ("Aucun schéma : seule la lecture a été vérifiée." if fr else
                             "No schema: only reading was checked."))
        for c in [c for c in r.get("candidates", []) if c["confidence"].get("en") != "no schema matches"][:3]:
            conf = c["confidence"][lang]
            lines.append(p(f"    {'candidat' if fr else 'candidate'} : {c['name']}@{c['version']} ({conf}, "
                           f"{round(100 * c['score'])} %)", "dim"))
    rep = r.get("report") or {}
    if rep.get("rows") or rep.get("dialect"):
        d = rep.get("dialect") or {}
        unit = ("contrat(s) lu(s)" if fr else "contract(s) read") if r["kind"] == "decp" else \
            ("ligne(s) lue(s)" if fr else "row(s) read")
        bits = [f"{rep.get('rows', 0)} {unit}"]
        if d.get("encoding"):
            bits.append(str(d["encoding"]))
        if d.get("delimiter"):
            bits.append(("séparateur « %s »" if fr else "delimiter “%s”") % d["delimiter"].replace("\t", "TAB"))
        lines.append(p("  " + " · ".join(bits), "dim"))
    for note in r.get("notes", []):
        lines.append(p("  " + safe(note), "dim"))
    verdict = ("conforme" if fr else "compliant") if r["valid"] else ("non conforme" if fr else "not compliant")
    if r["valid"] and not s and r["kind"] in ("table", "decp"):
        verdict = "lisible ; contenu non validé faute de schéma" if fr else "readable; content not validated (no schema)"
    lines.append("  " + p(("✓ " if r["valid"] else "✗ ") + verdict, "ok" if r["valid"] else "error"))
    return lines


def _where(f: dict[str, Any], fr: bool) -> str:
    loc = f.get("location") or {}
    bits = []
    if loc.get("row"):
        bits.append(f"{'ligne' if fr else 'row'} {loc['row']}")
    if loc.get("field"):
        bits.append(f"« {safe(loc['field'])} »" if fr else f"“{safe(loc['field'])}”")
    elif loc.get("column"):
        bits.append(f"{'colonne' if fr else 'column'} {loc['column']}")
    return (", ".join(bits) + " : ") if bits else ""


def _rank(severity: str) -> int:
    return {"error": 0, "warning": 1}.get(severity, 2)


def _summary(results: list[dict[str, Any]], p: Painter, fr: bool) -> str:
    counts: dict[str, int] = defaultdict(int)
    for r in results:
        for f in r["findings"]:
            counts[f["severity"]] += 1
    bad = sum(1 for r in results if not r["valid"])
    if fr:
        text = (f"{len(results)} élément(s) vérifié(s), {bad} non conforme(s) : {counts['error']} erreur(s), "
                f"{counts['warning']} avertissement(s), {counts['info']} information(s).")
    else:
        text = (f"{len(results)} item(s) checked, {bad} not compliant: {counts['error']} error(s), "
                f"{counts['warning']} warning(s), {counts['info']} info.")
    return p(text, "error" if bad else "ok")
