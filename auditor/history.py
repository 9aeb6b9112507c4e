"""What changed between two audits, and every stored run with its counts.

Two runs are compared by finding fingerprint (stable across runs: rule, commune, dataset,
file, and what exactly is wrong): a fingerprint only in the later run is **new**, only in
the earlier one **fixed**, in both **still open**. Waived findings take part like the others
(a waiver does not fix anything) and are counted apart.

How the territory evolves over every stored audit (obligations met, SCDL datasets published)
is :func:`auditor.render.data.trend`, beside the obligations it counts.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable

from .store import Store

Row = dict[str, Any]  # a finding's identity columns (Store.finding_rows)


@dataclass
class Comparison:
    before: int | None
    after: int
    new: list[Row] = field(default_factory=list)
    fixed: list[Row] = field(default_factory=list)
    still_open: list[Row] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {"new": len(self.new), "fixed": len(self.fixed), "open": len(self.still_open)}

    def by_commune(self) -> dict[str | None, dict[str, int]]:
        return _group(self, lambda r: r["commune"])

    def by_rule(self) -> dict[str, dict[str, int]]:
        return _group(self, lambda r: r["rule"])

    def status(self) -> dict[str, str]:
        """fingerprint → ``new`` | ``open`` for the later run, ``fixed`` for the earlier."""
        out = {r["fingerprint"]: "new" for r in self.new}
        out.update({r["fingerprint"]: "open" for r in self.still_open})
        out.update({r["fingerprint"]: "fixed" for r in self.fixed})
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"before": self.before, "after": self.after, "counts": self.counts(),
                "by_commune": {k or "": v for k, v in sorted(self.by_commune().items(), key=lambda kv: kv[0] or "")},
                "by_rule": dict(sorted(self.by_rule().items()))}


def _group(c: Comparison, key) -> dict[Any, dict[str, int]]:
    out: dict[Any, dict[str, int]] = {}
    for name, rows in (("new", c.new), ("fixed", c.fixed), ("open", c.still_open)):
        for r in rows:
            out.setdefault(key(r), {"new": 0, "fixed": 0, "open": 0})[name] += 1
    return out


def compare_rows(before: Iterable[Row], after: Iterable[Row], before_id: int | None = None,
                 after_id: int = 0) -> Comparison:
    a = {r["fingerprint"]: r for r in before}
    b = {r["fingerprint"]: r for r in after}
    return Comparison(before_id, after_id,
                      new=[r for fp, r in b.items() if fp not in a],
                      fixed=[r for fp, r in a.items() if fp not in b],
                      still_open=[r for fp, r in b.items() if fp in a])


def compare(store: Store, before: int | None, after: int, commune: str | None = None) -> Comparison:
    """Compare run ``before`` (None: nothing before, every finding is new) with ``after``."""
    rows_a = store.finding_rows(before, commune) if before else []
    return compare_rows(rows_a, store.finding_rows(after, commune), before, after)


def previous_audit(store: Store, run_id: int) -> int | None:
    """The complete audit run just before ``run_id``."""
    row = store.db.execute("SELECT MAX(id) FROM runs WHERE kind = 'audit' AND status = 'complete' AND id < ?",
                           (run_id,)).fetchone()
    return row[0]


def runs_table(store: Store) -> list[dict[str, Any]]:
    """Every run with its date, kind, status and counts (datasets, findings by severity)."""
    datasets = dict(store.db.execute("SELECT run_id, COUNT(*) FROM datasets WHERE copy_of IS NULL GROUP BY run_id"))
    sev: dict[int, Counter] = {}
    for run_id, severity, waived, n in store.db.execute(
            "SELECT run_id, severity, waived, COUNT(*) FROM findings GROUP BY run_id, severity, waived"):
        sev.setdefault(run_id, Counter())["waived" if waived else severity] += n
    out = []
    for r in store.runs():
        c = sev.get(r["id"], Counter())
        out.append({"id": r["id"], "kind": r["kind"], "status": r["status"], "started_at": r["started_at"],
                    "finished_at": r["finished_at"], "as_of": r["stats"].get("as_of"),
                    "territory": r["territory"], "datasets": datasets.get(r["id"], 0),
                    "findings": {k: c[k] for k in ("error", "warning", "info", "waived")} if r["kind"] == "audit" else None})
    return out


def by_commune(rows: list[dict[str, Any]]) -> dict[str | None, list[dict[str, Any]]]:
    out: dict[str | None, list[dict[str, Any]]] = {}
    for r in rows:
        out.setdefault(r["commune"], []).append(r)
    return out


def severity_counts(rows: list[dict[str, Any]]) -> dict[str, int]:
    """Findings by severity, waived ones apart."""
    c = Counter("waived" if r["waived"] else r["severity"] for r in rows)
    return {k: c[k] for k in ("error", "warning", "info", "waived")}
