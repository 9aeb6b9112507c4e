"""History of every run in SQLite (one file, no server).

Schema changes are numbered migrations applied in order at open time (table
``schema_version``). A run is written in two steps: its row is created as ``running``, then
everything it produced is written in one transaction and the row is marked ``complete``.
A run killed midway therefore leaves a ``running`` row with nothing else, which the next
open marks ``interrupted``; earlier runs are never touched.

A running run holds a lease (``lease_until``), renewed by a heartbeat while its process works
on it: a run is alive only while its lease holds and its process exists. A run whose lease
expired is interrupted, even if its PID was given to another process since (a container
restarted, the service is PID 1 again). Two audits never run at once: :meth:`Store.begin_run`
refuses an audit while another one is alive (:class:`RunLocked`), for the CLI and the service
alike, atomically.
"""
from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any, Iterator

from ..crawling.crawl import portal_coverage
from ..model import CrawlEvent, Dataset, Finding

MIGRATIONS: list[str] = [
    # 1: runs, portals, datasets, crawl events, unresolved publishers
    """
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,                -- crawl | audit
        started_at TEXT NOT NULL,
        finished_at TEXT,
        status TEXT NOT NULL,              -- running | complete | interrupted | failed
        pid INTEGER,
        territory TEXT,
        config TEXT,
        stats TEXT                         -- JSON
    );
    CREATE TABLE portals (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        name TEXT NOT NULL, kind TEXT NOT NULL, url TEXT NOT NULL, title TEXT, owner TEXT,
        status TEXT NOT NULL, datasets INTEGER NOT NULL,
        error_code TEXT, error_message TEXT, duration REAL,
        PRIMARY KEY (run_id, name)
    );
    CREATE TABLE datasets (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        uid TEXT NOT NULL, portal TEXT NOT NULL, source_id TEXT NOT NULL,
        commune TEXT,                      -- INSEE code, MEL, or NULL when unresolved
        publisher_kind TEXT NOT NULL, title TEXT, copy_of TEXT,
        record TEXT NOT NULL,              -- the normalised record, JSON
        PRIMARY KEY (run_id, uid)
    );
    CREATE INDEX datasets_commune ON datasets (run_id, commune);
    CREATE TABLE events (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        portal TEXT, code TEXT NOT NULL, level TEXT NOT NULL, message TEXT NOT NULL,
        url TEXT, detail TEXT
    );
    CREATE INDEX events_run ON events (run_id, portal);
    CREATE TABLE unresolved_publishers (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        raw TEXT, portals TEXT NOT NULL, datasets TEXT NOT NULL
    );
    """,
    # 2: audits: findings, scores, per-commune summaries
    """
    CREATE TABLE findings (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        fingerprint TEXT NOT NULL,
        rule TEXT NOT NULL, severity TEXT NOT NULL, grp TEXT, scope TEXT NOT NULL,
        portal TEXT, commune TEXT, dataset TEXT, distribution TEXT,
        waived INTEGER NOT NULL DEFAULT 0,
        record TEXT NOT NULL,              -- the finding, JSON (texts in every language)
        PRIMARY KEY (run_id, fingerprint)
    );
    CREATE INDEX findings_commune ON findings (run_id, commune);
    CREATE INDEX findings_rule ON findings (run_id, rule);
    CREATE TABLE scores (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        target TEXT NOT NULL,              -- dataset uid, or commune code for aggregates
        kind TEXT NOT NULL,                -- dataset | commune
        datagouv REAL, mqa INTEGER, mqa_band TEXT,
        detail TEXT NOT NULL,              -- JSON
        PRIMARY KEY (run_id, kind, target)
    );
    CREATE TABLE communes (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        code TEXT NOT NULL, name TEXT NOT NULL, status TEXT NOT NULL,
        summary TEXT NOT NULL,             -- JSON
        PRIMARY KEY (run_id, code)
    );
    """,
    # 3: a running run's lease (epoch seconds), renewed by its heartbeat
    """
    ALTER TABLE runs ADD COLUMN lease_until REAL;
    """,
]

LEASE = 120.0  # seconds a running run stays alive without a heartbeat


class RunLocked(Exception):
    """An audit is already running (``run``: its row); the message is French."""

    def __init__(self, run: dict[str, Any]):
        super().__init__(f"un audit est déjà en cours (n° {run['id']}, commencé le {run['started_at']}) : "
                         f"attendez sa fin avant d'en lancer un autre")
        self.run = run


class Store:
    def __init__(self, path: str | os.PathLike[str], lease: float = LEASE):
        self.path = Path(path)
        self.lease = lease
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self._migrate()
        self._mark_interrupted()

    # -- schema ---------------------------------------------------------------------------
    @property
    def version(self) -> int:
        row = self.db.execute("SELECT MAX(version) FROM schema_version").fetchone()
        return row[0] or 0

    def _migrate(self) -> None:
        self.db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TEXT)")
        current = self.version
        for number, sql in enumerate(MIGRATIONS, start=1):
            if number <= current:
                continue
            with self.transaction():
                for statement in _statements(sql):
                    self.db.execute(statement)
                self.db.execute("INSERT INTO schema_version VALUES (?, datetime('now'))", (number,))

    def transaction(self):
        return _Transaction(self.db)

    def _mark_interrupted(self) -> None:
        for row in self.db.execute("SELECT * FROM runs WHERE status = 'running'").fetchall():
            if not _holds(dict(row)):
                self.db.execute("UPDATE runs SET status = 'interrupted' WHERE id = ? AND status = 'running'",
                                (row["id"],))

    def active_run(self, kind: str = "audit") -> dict[str, Any] | None:
        """The alive running run of ``kind`` (lease held, process existing), if any."""
        for row in self.db.execute("SELECT * FROM runs WHERE status = 'running' AND kind = ? ORDER BY id",
                                   (kind,)).fetchall():
            if _holds(dict(row)):
                return dict(row)
        return None

    # -- writing --------------------------------------------------------------------------
    def begin_run(self, kind: str, started_at: str, territory: str, config: str) -> int:
        """Open a run (``running``, with a lease its heartbeat renews); an audit while another audit
        is alive raises :class:`RunLocked`, atomically."""
        with self.transaction():
            if kind == "audit":
                alive = self.active_run("audit")
                if alive is not None:
                    raise RunLocked(alive)
            cur = self.db.execute(
                "INSERT INTO runs (kind, started_at, status, pid, territory, config, lease_until) "
                "VALUES (?, ?, 'running', ?, ?, ?, ?)",
                (kind, started_at, os.getpid(), territory, config, time.time() + self.lease))
        run_id = int(cur.lastrowid)
        threading.Thread(target=_heartbeat, args=(self.path, run_id, self.lease), daemon=True,
                         name=f"lease-{run_id}").start()
        return run_id

    def save_crawl(self, run_id: int, result: Any) -> None:
        """Write a :class:`~auditor.crawling.crawl.CrawlResult` and mark the run complete, atomically."""
        with self.transaction():
            self._write_crawl(run_id, result)

    def save_audit(self, run_id: int, audit: Any) -> None:
        """Write an :class:`~auditor.auditing.audit.AuditResult` (its crawl included) and mark the run
        complete, in one transaction."""
        with self.transaction():
            self._write_crawl(run_id, audit.crawl)
            self.db.executemany(
                "INSERT OR REPLACE INTO findings VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(run_id, f.fingerprint, f.rule, f.severity, f.group, f.scope, f.portal, f.commune, f.dataset,
                  f.distribution, int(f.waived), json.dumps(asdict(f), ensure_ascii=False)) for f in audit.findings])
            rows = []
            for uid, sc in audit.scores.items():
                dg, mq = sc.get("datagouv") or {}, sc.get("mqa") or {}
                rows.append((run_id, uid, "dataset", dg.get("score"), mq.get("points"), mq.get("band"),
                             json.dumps(sc, ensure_ascii=False)))
            for code, sc in audit.commune_scores.items():
                mq = sc.get("mqa") or {}
                rows.append((run_id, code, "commune", None, mq.get("points"), mq.get("band"),
                             json.dumps(sc, ensure_ascii=False)))
            self.db.executemany("INSERT INTO scores VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
            self.db.executemany(
                "INSERT INTO communes VALUES (?, ?, ?, ?, ?)",
                [(run_id, code, s["name"], s["status"], json.dumps(s, ensure_ascii=False))
                 for code, s in audit.communes.items()])
            self.db.execute("UPDATE runs SET stats = json_set(stats, '$.as_of', ?, '$.findings', ?, '$.rules', json(?), "
                            "'$.files', json(?)) WHERE id = ?",
                            (audit.as_of.isoformat(), len(audit.findings), json.dumps(sorted(r.code for r in audit.rules)),
                             json.dumps(audit.file_stats, ensure_ascii=False), run_id))

    def _write_crawl(self, run_id: int, result: Any) -> None:
        cat = result.catalogue
        self.db.executemany(
            "INSERT INTO portals VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(run_id, p.name, p.kind, p.url, p.title, p.owner, p.status, p.datasets, p.error_code,
              p.error_message, p.duration) for p in result.portals])
        self.db.executemany(
            "INSERT INTO datasets VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(run_id, d.uid, d.portal, d.source_id, d.publisher.code, d.publisher.kind, d.title,
              d.copy_of, json.dumps(d.to_dict(), ensure_ascii=False)) for d in cat.datasets])
        self.db.executemany(
            "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(run_id, e.portal, e.code, e.level, e.message, e.url, json.dumps(e.detail, ensure_ascii=False))
             for e in result.events])
        self.db.executemany(
            "INSERT INTO unresolved_publishers VALUES (?, ?, ?, ?)",
            [(run_id, u.raw, json.dumps(sorted(u.portals)), json.dumps(u.datasets)) for u in cat.unresolved])
        stats = {
            "requests": result.stats.requests, "not_modified": result.stats.not_modified,
            "conditional": result.stats.conditional, "retries": result.stats.retries,
            "failures": result.stats.failures, "bytes": result.stats.bytes,
            "probes": result.probes, "duration": round(result.duration, 3),
            "portals": portal_coverage(result.portals),
        }
        self.db.execute("UPDATE runs SET status = 'complete', finished_at = ?, stats = ? WHERE id = ?",
                        (result.finished_at, json.dumps(stats, ensure_ascii=False), run_id))

    def fail_run(self, run_id: int, finished_at: str, message: str, **stats: Any) -> None:
        """Mark a run failed with its French ``message`` (and what else is known of it)."""
        self.db.execute("UPDATE runs SET status = 'failed', finished_at = ?, stats = ? WHERE id = ?",
                        (finished_at, json.dumps({"error": message, **stats}, ensure_ascii=False), run_id))

    # -- reading --------------------------------------------------------------------------
    def runs(self) -> list[dict[str, Any]]:
        """Every run, oldest first, with ``not_collected``: the portals it could not collect in full
        (a complete run with any is partial). Running runs whose lease expired are interrupted first."""
        self._mark_interrupted()
        rows = self.db.execute("SELECT * FROM runs ORDER BY id").fetchall()
        return [_with_coverage(dict(r) | {"stats": json.loads(r["stats"] or "{}")}) for r in rows]

    def latest_run(self, kind: str | None = None) -> int | None:
        sql = "SELECT MAX(id) FROM runs WHERE status = 'complete'" + (" AND kind = ?" if kind else "")
        row = self.db.execute(sql, (kind,) if kind else ()).fetchone()
        return row[0]

    def datasets(self, run_id: int, commune: str | None = None) -> Iterator[Dataset]:
        sql = "SELECT record FROM datasets WHERE run_id = ?" + (" AND commune = ?" if commune else "") + " ORDER BY uid"
        for row in self.db.execute(sql, (run_id, commune) if commune else (run_id,)):
            yield Dataset.from_dict(json.loads(row["record"]))

    def portals(self, run_id: int) -> list[dict[str, Any]]:
        return [dict(r) for r in self.db.execute("SELECT * FROM portals WHERE run_id = ? ORDER BY name", (run_id,))]

    def events(self, run_id: int) -> list[CrawlEvent]:
        rows = self.db.execute("SELECT * FROM events WHERE run_id = ? ORDER BY rowid", (run_id,))
        return [CrawlEvent(portal=r["portal"], code=r["code"], level=r["level"], message=r["message"],
                           url=r["url"], detail=json.loads(r["detail"] or "{}")) for r in rows]

    def unresolved(self, run_id: int) -> list[dict[str, Any]]:
        rows = self.db.execute("SELECT * FROM unresolved_publishers WHERE run_id = ?", (run_id,))
        return [{"raw": r["raw"], "portals": json.loads(r["portals"]), "datasets": json.loads(r["datasets"])}
                for r in rows]

    def findings(self, run_id: int, commune: str | None = None) -> list[Finding]:
        sql = "SELECT record FROM findings WHERE run_id = ?" + (" AND commune = ?" if commune else "") + " ORDER BY rule, fingerprint"
        return [Finding(**json.loads(r["record"])) for r in self.db.execute(sql, (run_id, commune) if commune else (run_id,))]

    def commune_summaries(self, run_id: int) -> dict[str, dict[str, Any]]:
        rows = self.db.execute("SELECT code, summary FROM communes WHERE run_id = ?", (run_id,))
        return {r["code"]: json.loads(r["summary"]) for r in rows}

    def scores(self, run_id: int, kind: str = "dataset") -> dict[str, dict[str, Any]]:
        rows = self.db.execute("SELECT target, detail FROM scores WHERE run_id = ? AND kind = ?", (run_id, kind))
        return {r["target"]: json.loads(r["detail"]) for r in rows}

    # -- light reading, for reports (no JSON records parsed) ----------------------------------
    def run(self, run_id: int) -> dict[str, Any] | None:
        row = self.db.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        return dict(row) | {"stats": json.loads(row["stats"] or "{}")} if row else None

    def audit_runs(self, upto: int | None = None) -> list[dict[str, Any]]:
        """Complete audit runs, oldest first (up to run ``upto`` included)."""
        sql = "SELECT * FROM runs WHERE kind = 'audit' AND status = 'complete'" + (" AND id <= ?" if upto else "")
        rows = self.db.execute(sql + " ORDER BY id", (upto,) if upto else ())
        return [dict(r) | {"stats": json.loads(r["stats"] or "{}")} for r in rows]

    def finding_rows(self, run_id: int, commune: str | None = None) -> list[dict[str, Any]]:
        """Identity columns of a run's findings: fingerprint, rule, severity, scope, portal,
        commune, dataset, distribution, waived."""
        sql = ("SELECT fingerprint, rule, severity, scope, portal, commune, dataset, distribution, waived "
               "FROM findings WHERE run_id = ?" + (" AND commune = ?" if commune else ""))
        return [dict(r) for r in self.db.execute(sql, (run_id, commune) if commune else (run_id,))]

    def dataset_rows(self, run_id: int) -> list[dict[str, Any]]:
        """uid, portal, commune, publisher_kind, title, copy_of of every record of a run."""
        sql = "SELECT uid, portal, commune, publisher_kind, title, copy_of FROM datasets WHERE run_id = ? ORDER BY uid"
        return [dict(r) for r in self.db.execute(sql, (run_id,))]

    def score_rows(self, run_id: int, kind: str = "dataset") -> dict[str, dict[str, Any]]:
        """``{target: {"datagouv": score or None, "mqa": points or None, "band": ...}}``."""
        # runs stored before MQA points had their column: read them from the detail
        rows = self.db.execute("SELECT target, datagouv, COALESCE(mqa, json_extract(detail, '$.mqa.points')) AS mqa, "
                               "mqa_band FROM scores WHERE run_id = ? AND kind = ?", (run_id, kind))
        return {r["target"]: {"datagouv": r["datagouv"], "mqa": r["mqa"], "band": r["mqa_band"]} for r in rows}

    def event_counts(self, run_id: int) -> dict[str, int]:
        """Crawl events of a run by level."""
        rows = self.db.execute("SELECT level, COUNT(*) AS n FROM events WHERE run_id = ? GROUP BY level", (run_id,))
        return {r["level"]: r["n"] for r in rows}

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _with_coverage(run: dict[str, Any]) -> dict[str, Any]:
    cov = run["stats"].get("portals") or {}
    run["not_collected"] = [p["name"] for status in ("failed", "partial", "skipped") for p in cov.get(status, [])]
    run["partial"] = run["status"] == "complete" and bool(run["not_collected"])
    return run


class _Transaction:
    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, exc_type, *exc: Any) -> None:
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")


def _statements(sql: str) -> list[str]:
    return [s.strip() for s in sql.split(";") if s.strip()]


def _holds(run: dict[str, Any]) -> bool:
    """Whether a running run is alive: its lease has not expired (runs stored before leases: its
    process exists) and its process exists (on this machine: a PID that is ours counts)."""
    lease = run.get("lease_until")
    if lease is not None and lease < time.time():
        return False
    return run.get("pid") == os.getpid() or _alive(run.get("pid"))


def _heartbeat(path: Path, run_id: int, lease: float) -> None:
    """Renew a run's lease every quarter of it, while the run is still running (own connection)."""
    while True:
        time.sleep(lease / 4)
        try:
            db = sqlite3.connect(path, timeout=30, isolation_level=None)
            try:
                cur = db.execute("UPDATE runs SET lease_until = ? WHERE id = ? AND status = 'running'",
                                 (time.time() + lease, run_id))
            finally:
                db.close()
        except sqlite3.Error:
            return
        if cur.rowcount == 0:
            return


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
