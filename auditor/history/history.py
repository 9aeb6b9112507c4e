"""What changed between two audits, and every stored run with its counts.

Two runs are compared by finding fingerprint (stable across runs: rule, the portal-independent
key of the dataset, resource or body, and what exactly is wrong; never a URL): a fingerprint
only in the later run is **new**, in both **still open**, only in the earlier one **fixed** —
unless the run without it could not see it (its portal was not collected in full, its file
could not be downloaded, its obligation was not evaluated): it is then **unverified**, never
counted as fixed nor as new. Waived findings take part like the others (a waiver does not fix
anything) and are counted apart.

How the territory evolves over every stored audit (obligations met, SCDL datasets published)
is :func:`auditor.render.data.trend`, beside the obligations it counts.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from .store import Store

Row = dict[str, Any]  # a finding's identity columns (Store.finding_rows)


@dataclass
class Comparison:
    before: int | None
    after: int
    new: list[Row] = field(default_factory=list)
    fixed: list[Row] = field(default_factory=list)
    still_open: list[Row] = field(default_factory=list)
    unverified: list[Row] = field(default_factory=list)  # in one run only, and the other could not see them

    def counts(self) -> dict[str, int]:
        return {"new": len(self.new), "fixed": len(self.fixed), "open": len(self.still_open),
                "unverified": len(self.unverified)}

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
    for name, rows in (("new", c.new), ("fixed", c.fixed), ("open", c.still_open), ("unverified", c.unverified)):
        for r in rows:
            out.setdefault(key(r), {"new": 0, "fixed": 0, "open": 0, "unverified": 0})[name] += 1
    return out


def compare_rows(before: Iterable[Row], after: Iterable[Row], before_id: int | None = None,
                 after_id: int = 0, unseen: Callable[[Row], bool] | None = None,
                 unseen_before: Callable[[Row], bool] | None = None) -> Comparison:
    """``unseen(row)``: whether the later run could not have seen an earlier finding again;
    ``unseen_before(row)``: whether the earlier run could not have seen a later one (see
    :func:`unseen`). Such findings are unverified, neither fixed nor new."""
    a = {r["fingerprint"]: r for r in before}
    b = {r["fingerprint"]: r for r in after}
    gone = [r for fp, r in a.items() if fp not in b]
    came = [r for fp, r in b.items() if fp not in a]
    blind = unseen or (lambda r: False)
    blind_before = unseen_before or (lambda r: False)
    return Comparison(before_id, after_id,
                      new=[r for r in came if not blind_before(r)],
                      fixed=[r for r in gone if not blind(r)],
                      still_open=[r for fp, r in b.items() if fp in a],
                      unverified=[r for r in gone if blind(r)] + [r for r in came if blind_before(r)])


def unseen(store: Store, run_id: int) -> Callable[[Row], bool]:
    """Whether run ``run_id`` could not see a finding of an earlier run again: a finding on a
    portal that this run did not collect in full, or on an obligation it did not evaluate."""
    run = store.run(run_id) or {"stats": {}}
    cov = run["stats"].get("portals") or {}
    portals = {p["name"] for status in ("failed", "partial", "skipped", "gone") for p in cov.get(status, [])}
    states = {code: s.get("obligations") or {} for code, s in store.commune_summaries(run_id).items()}
    files = {f.get("dataset") for f in (run["stats"].get("files") or {}).get("failed", [])}

    def blind(r: Row) -> bool:
        if r["scope"] == "commune":
            return (states.get(r["commune"]) or {}).get(r["rule"], {}).get("state") == "not-evaluated"
        if r["scope"] == "file" and r["dataset"] in files:
            return True  # its file could not be downloaded this time
        return r["scope"] != "portal" and r["portal"] in portals
    return blind


def compare(store: Store, before: int | None, after: int, commune: str | None = None) -> Comparison:
    """Compare run ``before`` (None: nothing before, every finding is new) with ``after``."""
    rows_a = store.finding_rows(before, commune) if before else []
    return compare_rows(rows_a, store.finding_rows(after, commune), before, after, unseen(store, after),
                        unseen(store, before) if before else None)


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
        out.append({"id": r["id"], "kind": r["kind"], "status": r["status"], "partial": r["partial"],
                    "not_collected": r["not_collected"], "error": r["stats"].get("error"), "started_at": r["started_at"],
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
