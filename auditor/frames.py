"""The history as pandas DataFrames, for analysts' notebooks.

Each function reads the SQLite history (``store``: its path, an open :class:`~auditor.history.store.Store`,
or None for the history ``auditor report`` finds without options) and returns one row per item
and per complete audit, with the audit's number (``run``) and the day it judged (``as_of``, a
date): every audit by default, one with ``run=N``, the latest with ``run="latest"``.

* :func:`runs` — the complete audits and their counts;
* :func:`findings` — every finding: rule, severity, body, dataset, file, waived, texts;
* :func:`obligations` — the audit's verdict on each obligation of each body (met, unmet,
  not-open, waived, not-owed, not-evaluated, with the reason when not evaluated);
* :func:`communes` — each body (communes and the metropolis): status, population, datasets,
  findings, obligations met and evaluated, MQA points;
* :func:`scores` — each dataset record's data.gouv.fr score and MQA points and band.

pandas is imported only here: the command line never imports this module.
"""
from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import pandas as pd

from .history.history import runs_table
from .auditing.obligations import tally
from .render.data import _as_of, obligation_details
from .history.store import Store

SEVERITIES = ("error", "warning", "info")


@contextmanager
def _opened(store: Store | str | Path | None) -> Iterator[Store]:
    if isinstance(store, Store):
        yield store
        return
    if store is None:
        from .history.default_store import territory_config

        store = territory_config()[0].store_path
    if not Path(store).exists():
        raise FileNotFoundError(f"aucun historique à {store}")
    with Store(store) as opened:
        yield opened


def _audits(store: Store, run: int | str | None) -> list[dict[str, Any]]:
    audits = store.audit_runs()
    if run is None:
        return audits
    if run == "latest":
        return audits[-1:]
    chosen = [r for r in audits if r["id"] == run]
    if not chosen:
        raise ValueError(f"audit n° {run} introuvable ou inachevé dans {store.path}")
    return chosen


def _frame(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=columns)
    frame["as_of"] = pd.to_datetime(frame["as_of"])
    return frame


def runs(store: Store | str | Path | None = None) -> pd.DataFrame:
    """One row per complete audit: run, as_of, started_at, territory, partial (a portal not
    collected in full), datasets, findings by severity (error, warning, info) and waived."""
    columns = ["run", "as_of", "started_at", "territory", "partial", "datasets", *SEVERITIES, "waived"]
    with _opened(store) as s:
        rows = [{"run": r["id"], "as_of": (r["as_of"] or r["started_at"])[:10], "started_at": r["started_at"],
                 "territory": r["territory"], "partial": r["partial"], "datasets": r["datasets"], **r["findings"]}
                for r in runs_table(s) if r["kind"] == "audit" and r["status"] == "complete"]
    return _frame(rows, columns)


def findings(store: Store | str | Path | None = None, run: int | str | None = None, lang: str = "fr") -> pd.DataFrame:
    """One row per finding: run, as_of, commune (INSEE code, ``MEL``, or None when the publisher
    is unresolved), commune_name, rule, severity, group, scope, portal, dataset, distribution,
    waived, title and detail (in ``lang``), fingerprint (the same finding keeps it from one
    audit to the next)."""
    columns = ["run", "as_of", "commune", "commune_name", "rule", "severity", "group", "scope", "portal", "dataset",
               "distribution", "waived", "title", "detail", "fingerprint"]
    rows = []
    with _opened(store) as s:
        for r in _audits(s, run):
            names = dict(s.db.execute("SELECT code, name FROM communes WHERE run_id = ?", (r["id"],)))
            for (record,) in s.db.execute("SELECT record FROM findings WHERE run_id = ? ORDER BY rule, fingerprint",
                                          (r["id"],)):
                f = json.loads(record)
                rows.append({"run": r["id"], "as_of": _as_of(r), "commune": f.get("commune"),
                             "commune_name": names.get(f.get("commune")), "rule": f["rule"], "severity": f["severity"],
                             "group": f.get("group"), "scope": f["scope"], "portal": f.get("portal"),
                             "dataset": f.get("dataset"), "distribution": f.get("distribution"),
                             "waived": bool(f.get("waived")), "title": _text(f.get("title"), lang),
                             "detail": _text(f.get("detail"), lang), "fingerprint": f["fingerprint"]})
    frame = _frame(rows, columns)
    frame["severity"] = pd.Categorical(frame["severity"], categories=SEVERITIES, ordered=True)
    return frame


def _text(value: Any, lang: str) -> str | None:
    if isinstance(value, dict):
        return value.get(lang) or value.get("fr")
    return value


def _bodies(s: Store, r: dict[str, Any]) -> Iterator[tuple[dict[str, Any], dict[str, dict[str, Any]]]]:
    """Each body's summary and its obligation verdicts in audit ``r``."""
    rows: dict[str | None, list[dict[str, Any]]] = {}
    for f in s.finding_rows(r["id"]):
        rows.setdefault(f["commune"], []).append(f)
    applied = r["stats"].get("rules")
    for code, summary in sorted(s.commune_summaries(r["id"]).items()):
        yield summary, obligation_details(summary, rows.get(code, []), applied)


def obligations(store: Store | str | Path | None = None, run: int | str | None = None) -> pd.DataFrame:
    """One row per body and obligation: run, as_of, commune, commune_name, status (bound,
    presumed, not-bound), obligation (its rule code), state, reason (why it was not evaluated)."""
    columns = ["run", "as_of", "commune", "commune_name", "status", "obligation", "state", "reason"]
    rows = []
    with _opened(store) as s:
        for r in _audits(s, run):
            for summary, verdicts in _bodies(s, r):
                for code, v in verdicts.items():
                    rows.append({"run": r["id"], "as_of": _as_of(r), "commune": summary["code"],
                                 "commune_name": summary["name"], "status": summary.get("status"), "obligation": code,
                                 "state": v["state"], "reason": v.get("reason") if v["state"] == "not-evaluated" else None})
    return _frame(rows, columns)


def communes(store: Store | str | Path | None = None, run: int | str | None = None) -> pd.DataFrame:
    """One row per body (the communes and the metropolis): run, as_of, commune, name, kind,
    status, population, agents (None when unknown), datasets, error, warning, info,
    obligations_met, obligations_evaluated, obligations_not_evaluated, mqa (mean MQA points of
    its datasets, None when it publishes none)."""
    columns = ["run", "as_of", "commune", "name", "kind", "status", "population", "agents", "datasets", *SEVERITIES,
               "obligations_met", "obligations_evaluated", "obligations_not_evaluated", "mqa"]
    rows = []
    with _opened(store) as s:
        for r in _audits(s, run):
            mqa = s.score_rows(r["id"], "commune")
            for summary, verdicts in _bodies(s, r):
                n = tally({code: v["state"] for code, v in verdicts.items()})
                counts = summary.get("findings") or {}
                rows.append({"run": r["id"], "as_of": _as_of(r), "commune": summary["code"], "name": summary["name"],
                             "kind": summary.get("kind", "commune"), "status": summary.get("status"),
                             "population": summary.get("population"), "agents": summary.get("agents"),
                             "datasets": summary.get("datasets", 0), **{k: counts.get(k, 0) for k in SEVERITIES},
                             "obligations_met": n["met"], "obligations_evaluated": n["evaluated"],
                             "obligations_not_evaluated": n["not_evaluated"],
                             "mqa": (mqa.get(summary["code"]) or {}).get("mqa")})
    frame = _frame(rows, columns)
    for column in ("population", "agents"):
        frame[column] = frame[column].astype("Int64")  # None stays missing, the rest integers
    frame["mqa"] = frame["mqa"].astype("float64")
    return frame


def scores(store: Store | str | Path | None = None, run: int | str | None = None) -> pd.DataFrame:
    """One row per dataset record: run, as_of, dataset (its uid), portal, commune, title, copy_of
    (the original's uid when the record is a copy harvested elsewhere), datagouv (the
    data.gouv.fr quality score, 0 to 1), mqa (MQA points, out of 405), mqa_band."""
    columns = ["run", "as_of", "dataset", "portal", "commune", "title", "copy_of", "datagouv", "mqa", "mqa_band"]
    rows = []
    with _opened(store) as s:
        for r in _audits(s, run):
            sc = s.score_rows(r["id"])
            for d in s.dataset_rows(r["id"]):
                x = sc.get(d["uid"]) or {}
                rows.append({"run": r["id"], "as_of": _as_of(r), "dataset": d["uid"], "portal": d["portal"],
                             "commune": d["commune"], "title": d["title"], "copy_of": d["copy_of"],
                             "datagouv": x.get("datagouv"), "mqa": x.get("mqa"), "mqa_band": x.get("band")})
    frame = _frame(rows, columns)
    frame[["datagouv", "mqa"]] = frame[["datagouv", "mqa"]].astype("float64")
    return frame
