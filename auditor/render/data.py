"""The data of every report, read from the history store (never by crawling again).

Three reports — the territory (dashboard), one commune (its sheet), the gaps — are plain
dicts of JSON values, the same for every output format: the HTML and Markdown templates
read them, the CSV and XLSX writers flatten them, the JSON export is them (its schema is
``reports/report.schema.json``). Texts are in the report's language; values that come from
the portals (titles, URLs) are kept as they are: each renderer escapes them for its format.

What a body *owes* and where it stands are the audit's own verdicts, stored with each body's
summary (:mod:`auditor.auditing.obligations`: met, unmet, published but not as open data, waived, not
owed, not evaluated with its reason); reports never infer « met » from the absence of a
finding. Every total shown anywhere (dashboard tiles, gap report, CLI summary, JSON, CSV,
XLSX) comes from :func:`totals`: communes and their population are counted once, the
metropolis is a body of its own and its population is never added to its members'.
"""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

from ..crawling.classify import KIND_SCHEMAS
from ..crawling.http import explain_in
from ..history.history import by_commune, compare_rows, previous_audit, severity_counts
from ..history.history import unseen
from ..auditing.obligations import GAPS, OBLIGATIONS, tally
from ..auditing.scores.datagouv import CRITERIA
from ..history.store import Store
from ..i18n import t

SCHEMA_VERSION = 2
# the obligation that already says a kind is missing (no second gap for the same absence)
PRESENCE_RULE = {"subventions": "SUB-01", "marches": "DECP-01", "deliberations": "ACT-01", "budget": "BUD-01",
                 "catalogue": "RN-CAT-01"}
SCDL_POPULATION = 3500  # communes expected to publish the SCDL datasets (the CRPA threshold)
SEVERITIES = ("error", "warning", "info")
MQA_MAX, MQA_BIN = 405, 45
SCDL_PUBLISHED = ("declared", "published")


class ReportError(Exception):
    """A report that cannot be made (no audit stored, unknown run or commune); French message."""


@lru_cache(maxsize=1)
def rule_catalogue() -> dict[str, Any]:
    from ..auditing.rules import load_rules

    return {r.code: r for r in load_rules()}


def _text(d: dict[str, str] | None, lang: str) -> str:
    d = d or {}
    return d.get(lang) or d.get("fr") or ""


# -- runs ------------------------------------------------------------------------------------------
def resolve_run(store: Store, run_id: int | None, lang: str = "fr") -> dict[str, Any]:
    if run_id is None:
        run_id = store.latest_run("audit")
        if run_id is None:
            raise ReportError(t("cli.no_run", lang, store=store.path))
    run = store.run(run_id)
    if not run or run["kind"] != "audit" or run["status"] != "complete":
        raise ReportError(t("cli.unknown_run", lang, run=run_id, store=store.path))
    return run


def _run_info(run: dict[str, Any] | None) -> dict[str, Any] | None:
    """A run as reports show it; ``partial`` when a portal could not be collected in full, named
    with its error in ``not_collected``."""
    if not run:
        return None
    cov = run["stats"].get("portals") or {}
    missing = [dict(p, status=status) for status in ("failed", "partial", "skipped") for p in cov.get(status, [])]
    return {"id": run["id"], "as_of": _as_of(run), "started_at": run["started_at"], "finished_at": run["finished_at"],
            "territory": run["territory"], "rules": run["stats"].get("rules"), "partial": bool(missing),
            "not_collected": missing}


def _as_of(run: dict[str, Any]) -> str:
    """The day a run audited (its ``as_of``, else the day it started)."""
    return (run["stats"].get("as_of") or run["started_at"])[:10]


# -- obligations -----------------------------------------------------------------------------------
def owes(rule: Any, summary: dict[str, Any]) -> bool:
    """Whether ``rule`` (a commune-level rule) applies to the commune of ``summary``."""
    cond = rule.applies_when
    if "kinds" in cond and summary.get("kind") not in cond["kinds"]:
        return False
    if "population_min" in cond and (summary.get("population") or 0) < cond["population_min"]:
        return False
    if "agents_min" in cond:
        agents = summary.get("agents")
        if agents is None:
            return summary.get("status") == "presumed"
        return agents >= cond["agents_min"]
    return True


def obligation_details(summary: dict[str, Any], rows: list[dict[str, Any]],
                       applied: list[str] | None) -> dict[str, dict[str, Any]]:
    """``{rule: {"state", "reason", "detail"}}`` for one body: the audit's stored verdicts. Runs
    stored before verdicts were recorded are read the old way (an obligation with no finding was
    taken as met), and say so with the reason ``legacy``."""
    stored = summary.get("obligations")
    if stored:
        return {code: dict(stored[code]) for code in OBLIGATIONS if code in stored}
    rules = rule_catalogue()
    hit: dict[str, list[bool]] = {}
    for r in rows:
        hit.setdefault(r["rule"], []).append(bool(r["waived"]))
    out = {}
    for code in OBLIGATIONS:
        rule = rules.get(code)
        if rule is None:
            continue
        if not owes(rule, summary):
            state = "not-owed"
        elif applied is not None and code not in applied:
            state = "not-evaluated"
        elif code in hit:
            state = "waived" if all(hit[code]) else "unmet"
        else:
            state = "met"
        out[code] = {"state": state, "reason": "not-selected" if state == "not-evaluated" else "legacy", "detail": {}}
    return out


def obligation_status(summary: dict[str, Any], rows: list[dict[str, Any]], applied: list[str] | None) -> dict[str, str]:
    """``{rule: state}`` for one body (see :func:`obligation_details`)."""
    return {code: v["state"] for code, v in obligation_details(summary, rows, applied).items()}


def scdl_status(summary: dict[str, Any]) -> dict[str, str]:
    out = {}
    for kind in KIND_SCHEMAS:
        cov = (summary.get("coverage") or {}).get(kind) or {}
        out[kind] = "declared" if cov.get("declares_schema") else "published" if cov.get("published") else "missing"
    return out


def counted(statuses: dict[str, str], wanted: tuple[str, ...]) -> int:
    """How many of ``statuses`` (SCDL statuses) are among ``wanted``."""
    return sum(1 for v in statuses.values() if v in wanted)


def scdl_expected(summary: dict[str, Any]) -> bool:
    """Whether a commune is expected to publish the SCDL datasets (3 500 inhabitants or more)."""
    return summary.get("kind", "commune") == "commune" and (summary.get("population") or 0) >= SCDL_POPULATION


# -- territory -------------------------------------------------------------------------------------
def territory_report(store: Store, run_id: int | None = None, lang: str = "fr", *,
                     findings: bool = False) -> dict[str, Any]:
    """The territory report. ``findings=True`` adds every finding with its texts (exports)."""
    run = resolve_run(store, run_id, lang)
    run_id = run["id"]
    prev_id = previous_audit(store, run_id)
    prev = store.run(prev_id) if prev_id else None
    applied = run["stats"].get("rules")
    summaries = store.commune_summaries(run_id)
    rows = store.finding_rows(run_id)
    prev_rows = store.finding_rows(prev_id) if prev_id else []
    cmp = (compare_rows(prev_rows, rows, prev_id, run_id, unseen(store, run_id), unseen(store, prev_id))
           if prev_id else None)
    per_commune = by_commune(rows)
    changes = cmp.by_commune() if cmp else {}
    prev_summaries = store.commune_summaries(prev_id) if prev_id else {}
    prev_by_commune = by_commune(prev_rows)
    records = store.dataset_rows(run_id)
    scores = store.score_rows(run_id)
    commune_scores = store.score_rows(run_id, "commune")

    dg_by_commune: dict[str, list[float]] = {}
    for d in records:
        sc = scores.get(d["uid"])
        if d["copy_of"] is None and d["commune"] and sc and sc["datagouv"] is not None:
            dg_by_commune.setdefault(d["commune"], []).append(sc["datagouv"])

    communes = []
    for code, s in summaries.items():
        row = commune_row(s, per_commune.get(code, []), applied, commune_scores.get(code), dg_by_commune.get(code))
        if cmp:
            row["changes"] = changes.get(code, {"new": 0, "fixed": 0, "open": 0})
            before = prev_by_commune.get(code, [])
            row["findings_delta"] = _open(row["findings"]) - _open(severity_counts(before))
            if code in prev_summaries:
                st = obligation_status(prev_summaries[code], before, prev["stats"].get("rules"))
                row["obligations_met_delta"] = row["obligations_met"] - tally(st)["met"]
        communes.append(row)
    communes.sort(key=lambda r: (r["kind"] != "metropole", r["name"]))

    originals = [d for d in records if d["copy_of"] is None]
    titles_all = {d["uid"]: d["title"] for d in records}
    history = trend(store, run_id)
    report = {
        "report": "territory", "schema_version": SCHEMA_VERSION, "lang": lang, "generated_at": _now(),
        "territory": run["territory"], "run": _run_info(run), "previous_run": _run_info(prev),
        "obligations": [{"rule": c, "label": t(f"obligation.{c}", lang),
                         "title": _text(rule_catalogue()[c].title, lang)} for c in OBLIGATIONS if c in rule_catalogue()],
        "scdl_kinds": [{"kind": k, "schema": s, "label": t(f"kind.{k}", lang)} for k, s in KIND_SCHEMAS.items()],
        "totals": totals(communes, originals, records, rows, cmp),
        "portals": [{"name": p["name"], "kind": p["kind"], "title": p["title"], "url": p["url"], "status": p["status"],
                     "datasets": p["datasets"], "error": explain_in(p["error_code"], p["error_message"], lang)}
                    for p in store.portals(run_id)],
        "unresolved": [{"raw": u["raw"], "portals": u["portals"], "datasets": len(u["datasets"]),
                        "examples": [titles_all.get(x, x) for x in u["datasets"][:3]]} for u in store.unresolved(run_id)],
        "communes": communes,
        "rules": _rule_counts(rows, cmp, lang),
        "history": history,
        "histograms": {"mqa": _histogram([scores[d["uid"]]["mqa"] for d in originals if d["uid"] in scores],
                                         [(i, i + MQA_BIN) for i in range(0, MQA_MAX, MQA_BIN)]),
                       "datagouv": _histogram([scores[d["uid"]]["datagouv"] for d in originals if d["uid"] in scores],
                                              [(i / 10, (i + 1) / 10) for i in range(10)])},
        "gaps": gaps(communes, lang),
    }
    titles = {d["uid"]: d["title"] for d in records}
    names = {code: s["name"] for code, s in summaries.items()}
    status = cmp.status() if cmp else {}
    current = store.findings(run_id) if findings or cmp else []
    report["changes"] = None
    if cmp:
        fixed = {r["fingerprint"] for r in cmp.fixed}
        before = [f for f in store.findings(prev_id) if f.fingerprint in fixed]
        if before:
            titles = {d["uid"]: d["title"] for d in store.dataset_rows(prev_id)} | titles
        report["changes"] = {"new": [finding_dict(f, lang, titles, names, "new") for f in current
                                     if status.get(f.fingerprint) == "new"],
                             "fixed": [finding_dict(f, lang, titles, names, "fixed") for f in before]}
    if findings:
        report["findings"] = [finding_dict(f, lang, titles, names, status.get(f.fingerprint)) for f in current]
        report["quality"] = quality_rows(store, run_id, records, names)
    return report


def quality_rows(store: Store, run_id: int, records: list[dict[str, Any]], names: dict[str, str]) -> list[dict[str, Any]]:
    """Every record's data.gouv.fr quality block as udata computes it (the nine criteria, a criterion
    udata leaves out being absent) and its score, for the JSON, CSV and XLSX exports."""
    scores = store.scores(run_id)
    out = []
    for d in records:
        block = (scores.get(d["uid"]) or {}).get("datagouv")
        if not block:
            continue
        out.append({"dataset": d["uid"], "title": d["title"], "portal": d["portal"], "commune": d["commune"],
                    "commune_name": names.get(d["commune"] or ""), "copy_of": d["copy_of"],
                    "criteria": {k: block[k] for k in CRITERIA if k in block}, "score": block.get("score")})
    return out


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def trend(store: Store, upto: int, commune: str | None = None) -> list[dict[str, Any]]:
    """One point per complete audit up to run ``upto``: obligations met by bound communes out of
    those evaluated (``owed`` counts the evaluated ones; ``not_evaluated`` apart), SCDL datasets published by communes of 3 500 inhabitants or more, open findings (of
    ``commune`` only when given)."""
    points = []
    for run in store.audit_runs(upto):
        summaries = store.commune_summaries(run["id"])
        if commune:
            summaries = {commune: summaries[commune]} if commune in summaries else {}
        rows = by_commune(store.finding_rows(run["id"], commune))
        applied = run["stats"].get("rules")
        met = evaluated = not_evaluated = published = expected = 0
        for code, s in summaries.items():
            if scdl_expected(s):
                sc = scdl_status(s)
                expected += len(sc)
                published += counted(sc, SCDL_PUBLISHED)
            if s.get("status") in ("bound", "presumed"):
                n = tally(obligation_status(s, rows.get(code, []), applied))
                met, evaluated, not_evaluated = met + n["met"], evaluated + n["evaluated"], not_evaluated + n["not_evaluated"]
        all_rows = [r for rs in rows.values() for r in rs]
        points.append({"run": run["id"], "as_of": _as_of(run), "partial": _run_info(run)["partial"],
                       "obligations": {"met": met, "owed": evaluated, "not_evaluated": not_evaluated,
                                       "pct": _pct(met, evaluated)},
                       "scdl": {"published": published, "expected": expected, "pct": _pct(published, expected)},
                       "findings": severity_counts(all_rows)})
    return points


def _pct(a: int, b: int) -> float | None:
    return round(100.0 * a / b, 1) if b else None


def _open(counts: dict[str, int]) -> int:
    return sum(counts[s] for s in SEVERITIES)


def commune_row(s: dict[str, Any], rows: list[dict[str, Any]], applied: list[str] | None,
                mqa: dict[str, Any] | None, dg: list[float] | None) -> dict[str, Any]:
    details = obligation_details(s, rows, applied)
    ob = {code: v["state"] for code, v in details.items()}
    n = tally(ob)
    sc = scdl_status(s)
    return {
        "code": s["code"], "name": s["name"], "kind": s.get("kind", "commune"), "population": s.get("population"),
        "agents": s.get("agents"), "status": s["status"], "reasons": list(s.get("reasons") or []),
        "prada": bool(s.get("prada")), "datasets": s.get("datasets", 0), "records": s.get("records", 0),
        "portals": list(s.get("portals") or []),
        "obligations": ob, "obligation_details": details,
        # obligations_owed: the evaluated ones, the denominator of every « x/y respectées »
        "obligations_owed": n["evaluated"], "obligations_met": n["met"],
        "obligations_not_evaluated": n["not_evaluated"],
        "unmet": [code for code, v in ob.items() if v in GAPS],
        "not_evaluated": [code for code, v in ob.items() if v == "not-evaluated"],
        "examined": list(s.get("examined") or []), "blind_spots": list(s.get("blind_spots") or []),
        "scdl": sc, "scdl_published": counted(sc, SCDL_PUBLISHED),
        "mqa": {"points": mqa["mqa"], "band": mqa["band"]} if mqa and mqa.get("mqa") is not None else None,
        "datagouv": round(sum(dg) / len(dg), 3) if dg else None,
        "findings": severity_counts(rows),
        "changes": None, "findings_delta": None, "obligations_met_delta": None,
    }


def totals(communes: list[dict[str, Any]], originals: list[Any], records: list[Any], rows: list[dict[str, Any]],
           cmp: Any = None) -> dict[str, Any]:
    """Every total a report, an export or the CLI shows, computed once: ``communes`` are the
    communes (the metropolis is never one of them, nor is its population added to theirs);
    ``metropole`` says whether the metropolis itself is bound; obligations count evaluated ones
    (``owed``) with the not evaluated apart, of every body, the metropolis included."""
    only = [c for c in communes if c["kind"] == "commune"]
    metropole = [c for c in communes if c["kind"] != "commune"]
    return {
        "communes": len(only),
        "population": sum(c["population"] or 0 for c in only),
        "bound": sum(1 for c in only if c["status"] == "bound"),
        "presumed": sum(1 for c in only if c["status"] == "presumed"),
        "not_bound": sum(1 for c in only if c["status"] == "not-bound"),
        "bound_population": sum(c["population"] or 0 for c in only if c["status"] in ("bound", "presumed")),
        "metropole": {"bound": any(c["status"] in ("bound", "presumed") for c in metropole),
                      "population": sum(c["population"] or 0 for c in metropole)} if metropole else None,
        "publishing": sum(1 for c in only if c["datasets"]),
        "datasets": len(originals), "records": len(records),
        "obligations": {"owed": sum(c["obligations_owed"] for c in communes),
                        "met": sum(c["obligations_met"] for c in communes),
                        "not_evaluated": sum(c["obligations_not_evaluated"] for c in communes)},
        "findings": severity_counts(rows),
        "changes": cmp.counts() if cmp else None,
    }


def audit_totals(audit: Any) -> dict[str, Any]:
    """:func:`totals` of an audit just run (before or without reading the store back): what the
    CLI prints, equal to what the reports of the stored run show."""
    rows = [{"fingerprint": f.fingerprint, "rule": f.rule, "severity": f.severity, "scope": f.scope,
             "portal": f.portal, "commune": f.commune, "dataset": f.dataset, "distribution": f.distribution,
             "waived": int(f.waived)} for f in audit.findings]
    per = by_commune(rows)
    communes = [commune_row(s, per.get(code, []), None, None, None) for code, s in audit.communes.items()]
    records = audit.crawl.catalogue.datasets
    return totals(communes, [d for d in records if d.copy_of is None], records, rows)


def _rule_counts(rows, cmp, lang: str) -> list[dict[str, Any]]:
    rules = rule_catalogue()
    by_rule: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_rule.setdefault(r["rule"], []).append(r)
    changes = cmp.by_rule() if cmp else {}
    out = []
    for code, rs in sorted(by_rule.items()):
        rule = rules.get(code)
        out.append({"rule": code, "title": _text(rule.title, lang) if rule else code,
                    "severity": rs[0]["severity"], "count": sum(1 for r in rs if not r["waived"]),
                    "waived": sum(1 for r in rs if r["waived"]),
                    "changes": changes.get(code, {"new": 0, "fixed": 0, "open": 0}) if cmp else None})
    if cmp:  # rules whose every finding was fixed
        for code, ch in sorted(changes.items()):
            if code not in by_rule:
                rule = rules.get(code)
                out.append({"rule": code, "title": _text(rule.title, lang) if rule else code,
                            "severity": rule.severity if rule else "info", "count": 0, "waived": 0, "changes": ch})
    return out


def _histogram(values: list[float | None], bins: list[tuple[float, float]]) -> list[dict[str, Any]]:
    counts = [0] * len(bins)
    for v in values:
        if v is None:
            continue
        for i, (lo, hi) in enumerate(bins):
            if lo <= v < hi or (i == len(bins) - 1 and v >= lo):
                counts[i] += 1
                break
    return [{"from": lo, "to": hi, "count": n} for (lo, hi), n in zip(bins, counts)]


# -- gaps ------------------------------------------------------------------------------------------
_GAP_ORDER = {"obligation": 0, "scdl": 1, "scdl-schema": 2}
_SEV_ORDER = {"error": 0, "warning": 1, "info": 2}


def gaps(communes: list[dict[str, Any]], lang: str = "fr") -> dict[str, Any]:
    """Obligations owed and not met (``unmet``, or ``not-open``: published but not as open data)
    and SCDL datasets missing (communes of 3 500 inhabitants or more), each ranked: obligations
    by how many communes miss them; every gap by kind, severity, then population. Obligations
    not evaluated are not gaps: ``not_evaluated`` counts them per obligation, with who."""
    rules = rule_catalogue()
    rows = []
    for c in communes:
        for code, st in c["obligations"].items():
            if st in GAPS:
                rows.append(_gap(c, "obligation", code, t(f"obligation.{code}", lang), rules[code].severity, st))
        if scdl_expected(c):
            for kind, st in c["scdl"].items():
                presence = PRESENCE_RULE.get(kind)
                if presence and c["obligations"].get(presence) in GAPS + ("not-evaluated",):
                    continue  # the obligation already says it (or the audit could not see it)
                if st == "missing":
                    rows.append(_gap(c, "scdl", kind, t(f"kind.{kind}", lang), "info"))
                elif st == "published":
                    rows.append(_gap(c, "scdl-schema", kind, t(f"kind.{kind}", lang), "info"))
    rows.sort(key=lambda r: (_GAP_ORDER[r["type"]], _SEV_ORDER[r["severity"]], r["kind"] != "commune",
                             -(r["population"] or 0), r["name"], r["item"]))
    for i, r in enumerate(rows, 1):
        r["rank"] = i
    not_evaluated: dict[str, list[dict[str, Any]]] = {}
    for c in communes:
        for code in c["not_evaluated"]:
            d = c["obligation_details"].get(code, {})
            not_evaluated.setdefault(code, []).append(
                {"code": c["code"], "name": c["name"], "kind": c["kind"], "reason": d.get("reason"),
                 "reason_label": t(f"reason.{d.get('reason')}", lang), "detail": _text(d.get("detail"), lang)})
    return {"obligations": _ranked(rows, "obligation", lang), "scdl": _ranked(rows, "scdl", lang), "rows": rows,
            "not_evaluated": [{"item": code, "label": t(f"obligation.{code}", lang),
                               "communes": sum(1 for x in xs if x["kind"] == "commune"),
                               "metropole": any(x["kind"] != "commune" for x in xs), "list": xs}
                              for code, xs in sorted(not_evaluated.items(), key=lambda kv: OBLIGATIONS.index(kv[0]))],
            "not_evaluated_total": sum(len(xs) for xs in not_evaluated.values())}


def _gap(c: dict[str, Any], kind: str, item: str, label: str, severity: str, state: str | None = None) -> dict[str, Any]:
    return {"rank": 0, "type": kind, "item": item, "label": label, "severity": severity, "code": c["code"],
            "name": c["name"], "kind": c["kind"], "population": c["population"], "status": c["status"],
            "state": state}


def _ranked(rows: list[dict[str, Any]], kind: str, lang: str) -> list[dict[str, Any]]:
    """One line per gap: how many communes miss it and their population (communes only: the
    metropolis is a body of its own, ``metropole`` says whether it misses it too)."""
    by: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        if r["type"] == kind:
            by.setdefault(r["item"], []).append(r)
    out = [{"item": item, "label": rs[0]["label"], "severity": rs[0]["severity"],
            "communes": sum(1 for r in rs if r["kind"] == "commune"),
            "metropole": any(r["kind"] != "commune" for r in rs),
            "not_open": sum(1 for r in rs if r.get("state") == "not-open"),
            "population": sum(r["population"] or 0 for r in rs if r["kind"] == "commune"),
            "list": [{"code": r["code"], "name": r["name"], "population": r["population"], "kind": r["kind"],
                      "state": r.get("state")} for r in rs]}
           for item, rs in by.items()]
    out.sort(key=lambda g: (-(g["communes"] + g["metropole"]), -g["population"], g["item"]))
    return out


def gap_report(store: Store, run_id: int | None = None, lang: str = "fr") -> dict[str, Any]:
    return gaps_of(territory_report(store, run_id, lang))


def gaps_of(t: dict[str, Any]) -> dict[str, Any]:
    """The gap report drawn from a territory report already built (same run, same language)."""
    lang = t["lang"]
    return {"report": "gaps", "schema_version": SCHEMA_VERSION, "lang": lang, "generated_at": t["generated_at"],
            "territory": t["territory"], "run": t["run"], "previous_run": t["previous_run"], "gaps": t["gaps"],
            "totals": t["totals"], "unresolved": t["unresolved"],
            "portals": [p for p in t["portals"] if p["status"] != "ok"]}


# -- findings --------------------------------------------------------------------------------------
def finding_dict(f: Any, lang: str, titles: dict[str, str], names: dict[str, str], change: str | None) -> dict[str, Any]:
    return {
        "fingerprint": f.fingerprint, "rule": f.rule, "severity": f.severity, "group": f.group, "scope": f.scope,
        "title": _text(f.title, lang), "detail": _text(f.detail, lang), "fix": _text(f.fix, lang),
        "basis": f.basis.get("text", ""), "basis_url": f.basis.get("url"),
        "commune": f.commune, "commune_name": names.get(f.commune or "", None),
        "portal": f.portal, "dataset": f.dataset, "dataset_title": titles.get(f.dataset or "", None),
        "distribution": f.distribution, "waived": bool(f.waived),
        "waiver": {"justification": f.waiver.get("justification"), "expires": f.waiver.get("expires"),
                   "by": f.waiver.get("by")} if f.waived and f.waiver else None,
        "change": change,
    }


# -- one commune -----------------------------------------------------------------------------------
def find_commune(summaries: dict[str, dict[str, Any]], text: str, run_id: int, lang: str = "fr") -> str:
    """The code of the commune named by ``text`` (INSEE code, ``MEL``, or its name) among the
    ``summaries`` of run ``run_id``."""
    from ..normalize.text import fold

    if text in summaries:
        return text
    if text.upper() in summaries:
        return text.upper()
    wanted = fold(text)
    for code, s in summaries.items():
        if fold(s["name"]) == wanted:
            return code
    raise ReportError(t("cli.unknown_commune", lang, commune=text, run=run_id))


def commune_report(store: Store, code: str, run_id: int | None = None, lang: str = "fr") -> dict[str, Any]:
    run = resolve_run(store, run_id, lang)
    run_id = run["id"]
    summaries = store.commune_summaries(run_id)
    code = find_commune(summaries, code, run_id, lang)
    prev_id = previous_audit(store, run_id)
    prev = store.run(prev_id) if prev_id else None
    summary = summaries[code]
    rows = store.finding_rows(run_id, code)
    prev_rows = store.finding_rows(prev_id, code) if prev_id else []
    cmp = compare_rows(prev_rows, rows, prev_id, run_id, unseen(store, run_id),
                       unseen(store, prev_id) if prev_id else None)
    status = cmp.status() if prev_id else {}
    scores = store.score_rows(run_id)
    records = list(store.datasets(run_id, commune=code))
    originals = [d for d in records if d.copy_of is None]
    dg = [scores[d.uid]["datagouv"] for d in originals if scores.get(d.uid, {}).get("datagouv") is not None]
    row = commune_row(summary, rows, run["stats"].get("rules"), store.score_rows(run_id, "commune").get(code), dg)
    if prev_id:
        row["changes"] = cmp.counts()
        row["findings_delta"] = _open(row["findings"]) - _open(severity_counts(prev_rows))

    titles = {d.uid: d.title for d in records}
    names = {code: summary["name"]}
    findings = [finding_dict(f, lang, titles, names, status.get(f.fingerprint)) for f in store.findings(run_id, code)]
    fixed_fps = {r["fingerprint"] for r in cmp.fixed}
    fixed = [finding_dict(f, lang, titles, names, "fixed") for f in store.findings(prev_id, code)
             if f.fingerprint in fixed_fps] if prev_id else []
    rules = rule_catalogue()
    kinds_of: dict[str, list[str]] = {}
    for kind, cov in (summary.get("coverage") or {}).items():
        for item in cov.get("datasets", []):
            kinds_of.setdefault(item["dataset"], []).append(kind)
    copies: dict[str, list[str]] = {}
    for d in records:
        if d.copy_of:
            copies.setdefault(d.copy_of, []).append(d.portal)
    counts = Counter(f["dataset"] for f in findings if not f["waived"])
    publications = [{
        "uid": d.uid, "title": d.title, "portal": d.portal, "portals": sorted({d.portal, *copies.get(d.uid, [])}),
        "landing_page": d.landing_page, "last_update": (d.modified or d.metadata_modified or d.issued or None),
        "licence": d.licence, "formats": sorted({x.format for x in d.distributions if x.format}),
        "kinds": sorted(kinds_of.get(d.uid, [])), "mqa": scores.get(d.uid, {}).get("mqa"),
        "datagouv": scores.get(d.uid, {}).get("datagouv"), "findings": counts.get(d.uid, 0),
    } for d in sorted(originals, key=lambda d: (d.title or "").lower())]
    fixes = {f["rule"]: f["fix"] for g in [findings] for f in g if f["rule"] in row["obligations"]}
    owed = []
    for c, st in row["obligations"].items():
        d = row["obligation_details"].get(c, {})
        owed.append({"rule": c, "label": t(f"obligation.{c}", lang), "title": _text(rules[c].title, lang),
                     "fix": fixes.get(c) or _text(rules[c].fix, lang), "basis": rules[c].basis.get("text", ""),
                     "basis_url": rules[c].basis.get("url"), "status": st, "reason": d.get("reason"),
                     "reason_label": t(f"reason.{d.get('reason')}", lang) if st == "not-evaluated" else "",
                     "detail": _text(d.get("detail"), lang)})
    scdl = [{"kind": k, "label": t(f"kind.{k}", lang), "schema": KIND_SCHEMAS[k], "status": st,
             "datasets": [{"uid": i["dataset"], "title": i["title"], "portals": i["portals"],
                           "last_update": i["last_update"], "declared_schemas": i["declared_schemas"]}
                          for i in (summary.get("coverage") or {}).get(k, {}).get("datasets", [])]}
            for k, st in row["scdl"].items()]
    groups = [{"severity": s, "label": t(f"priority.{s}", lang),
               "findings": sorted((f for f in findings if f["severity"] == s), key=lambda f: (f["rule"], f["dataset_title"] or ""))}
              for s in SEVERITIES]
    files = [dict(f, title=titles.get(f.get("dataset") or "", f.get("dataset")),
                  state_label=t(f"file.{f['state']}", lang),
                  reason_label=t(f"reason.{f['reason']}", lang) if f.get("reason") else "")
             for f in summary.get("files") or []]
    return {
        "report": "commune", "schema_version": SCHEMA_VERSION, "lang": lang, "generated_at": _now(),
        "territory": run["territory"], "run": _run_info(run), "previous_run": _run_info(prev),
        "commune": row, "owes": owed, "publications": publications, "scdl": scdl, "files": files,
        "findings": groups,
        "changes": {"new": [f for f in findings if f["change"] == "new"], "fixed": fixed,
                    "open": sum(1 for f in findings if f["change"] == "open")} if prev_id else None,
        "history": trend(store, run_id, code),
    }
