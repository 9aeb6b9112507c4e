"""The SQLite history: migrations, atomic runs, a killed run leaves earlier runs intact."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

from auditor.store import MIGRATIONS, Store


def test_migrations_are_applied_once(tmp_path):
    path = tmp_path / "h.sqlite"
    with Store(path) as s:
        assert s.version == len(MIGRATIONS)
    with Store(path) as s:  # reopening applies nothing twice
        assert s.version == len(MIGRATIONS)
        rows = s.db.execute("SELECT COUNT(*) FROM schema_version").fetchone()[0]
        assert rows == len(MIGRATIONS)


def test_killed_run_is_marked_interrupted_and_earlier_runs_survive(tmp_path):
    path = tmp_path / "h.sqlite"
    with Store(path) as s:
        first = s.begin_run("crawl", "2026-10-01T00:00:00+00:00", "T", "c")
        s.db.execute("UPDATE runs SET status='complete' WHERE id=?", (first,))
    # a second process starts a run, begins writing its datasets in a transaction, and is killed
    script = textwrap.dedent(f"""
        import time, json
        from auditor.store import Store
        s = Store({str(path)!r})
        run = s.begin_run("crawl", "2026-11-01T00:00:00+00:00", "T", "c")
        s.db.execute("BEGIN IMMEDIATE")
        for i in range(1000):
            s.db.execute("INSERT INTO datasets VALUES (?, ?, 'p', ?, NULL, 'unresolved', 't', NULL, '{{}}')",
                         (run, f"p:{{i}}", str(i)))
        print("writing", flush=True)
        time.sleep(60)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "writing"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    time.sleep(0.1)
    with Store(path) as s:
        runs = {r["id"]: r["status"] for r in s.runs()}
        assert runs == {first: "complete", first + 1: "interrupted"}
        assert s.db.execute("SELECT COUNT(*) FROM datasets").fetchone()[0] == 0
        assert s.latest_run() == first
