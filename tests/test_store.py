"""The SQLite history: migrations, atomic runs, a killed run leaves earlier runs intact."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from auditor.history.store import MIGRATIONS, Store


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
        from auditor.history.store import Store
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


def test_a_run_lives_by_its_lease_not_by_a_pid_that_may_be_reused(tmp_path):
    """A container restarted and the service is PID 1 again: the old running row names a live PID (ours
    here), but its lease expired, so it is interrupted and does not block audits forever."""
    from auditor.history.store import RunLocked

    path = tmp_path / "h.sqlite"
    with Store(path) as s:
        s.db.execute("INSERT INTO runs (kind, started_at, status, pid, territory, config, lease_until) "
                     "VALUES ('audit', '2026-11-01T00:00:00+00:00', 'running', ?, 'T', 'c', ?)",
                     (os.getpid(), time.time() - 1))
    with Store(path) as s:
        assert [r["status"] for r in s.runs()] == ["interrupted"] and s.active_run("audit") is None
        run = s.begin_run("audit", "2026-11-02T00:00:00+00:00", "T", "c")
        with pytest.raises(RunLocked, match="un audit est déjà en cours"):
            s.begin_run("audit", "2026-11-02T00:00:01+00:00", "T", "c")  # the CLI and the service alike
        crawl = s.begin_run("crawl", "2026-11-02T00:00:02+00:00", "T", "c")  # a crawl writes no audit
        s.fail_run(run, "2026-11-02T00:00:03+00:00", "test")
        s.fail_run(crawl, "2026-11-02T00:00:03+00:00", "test")
        assert s.begin_run("audit", "2026-11-02T00:00:04+00:00", "T", "c")


def test_the_heartbeat_renews_the_lease_while_the_run_works(tmp_path):
    with Store(tmp_path / "h.sqlite", lease=0.4) as s:
        run = s.begin_run("audit", "2026-11-02T00:00:00+00:00", "T", "c")
        time.sleep(1.0)  # more than the lease: only the heartbeat keeps it alive
        assert s.active_run("audit")["id"] == run
        s.fail_run(run, "2026-11-02T00:00:01+00:00", "test")
        assert s.active_run("audit") is None


def test_the_cli_refuses_an_audit_while_another_runs(tmp_path, capsys):
    from auditor.interfaces.cli import main

    conf = tmp_path / "t.toml"
    conf.write_text('[[sources]]\nname = "x"\nkind = "ckan"\nurl = "http://127.0.0.1:9"\n', encoding="utf-8")
    data = tmp_path / "data"
    with Store(data / "auditor.sqlite") as s:  # the service's audit, alive in this process
        running = s.begin_run("audit", "2026-11-02T00:00:00+00:00", "T", "c")
    assert main(["audit", "--config", str(conf), "--data-dir", str(data)]) == 2
    assert "Audit refusé : un audit est déjà en cours (n° 1" in capsys.readouterr().err
    with Store(data / "auditor.sqlite") as s:
        assert [r["status"] for r in s.runs()] == ["running"]  # nothing else written
        s.fail_run(running, "2026-11-02T00:00:01+00:00", "test")
