"""Running the territory audit from the service: on demand or on a schedule, never two at
once, with its progress readable while it runs.

The lock is twofold: a thread lock inside the process, and the store's ``running`` audit row
of a live process (another ``auditor serve`` or a manual ``auditor audit``), so that two
runs never overlap even across processes.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

from ...config import Config
from ...history.store import Store


@dataclass
class Schedule:
    """Monthly on ``day`` at ``hour``:``minute`` (UTC), or every ``every_days`` days."""

    day: int | None = None
    hour: int = 3
    minute: int = 0
    every_days: int | None = None

    @classmethod
    def parse(cls, text: str | None) -> "Schedule | None":
        """``"monthly 1 03:00"``, ``"every 30 days"``, or nothing (no schedule)."""
        if not text:
            return None
        words = text.lower().split()
        try:
            if words[0] in ("monthly", "mensuel") and len(words) >= 2:
                hour, minute = (words[2].split(":") + ["0"])[:2] if len(words) > 2 else ("3", "0")
                schedule = cls(day=int(words[1]), hour=int(hour), minute=int(minute))
                if 1 <= schedule.day <= 31 and 0 <= schedule.hour < 24 and 0 <= schedule.minute < 60:
                    return schedule  # (an hour of 25 would only fail later, in the scheduler's thread)
            elif words[0] in ("every", "tous", "toutes") and len(words) >= 2 and int(words[1]) >= 1:
                return cls(every_days=int(words[1]))
        except (ValueError, IndexError):
            pass
        raise ValueError(f"planification illisible : {text!r} (ex. « monthly 1 03:00 » ou « every 30 days »)")

    def due(self, now: datetime, last: datetime | None) -> bool:
        if self.every_days:
            return last is None or now - last >= timedelta(days=self.every_days)
        target = now.replace(day=min(self.day or 1, 28), hour=self.hour, minute=self.minute, second=0, microsecond=0)
        return now >= target and (last is None or last < target)


@dataclass
class Progress:
    state: str = "idle"  # idle | running | done | failed
    run_id: int | None = None
    started_at: str | None = None
    finished_at: str | None = None
    stage: str | None = None
    portals: dict[str, int] = field(default_factory=dict)
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class AuditRunner:
    def __init__(self, config: Config, schedule: Schedule | None = None,
                 audit: Callable[..., int] | None = None):
        self.config = config
        self.schedule = schedule
        self.progress = Progress()
        self._lock = threading.Lock()
        self._audit = audit or _run_audit
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- runs -------------------------------------------------------------------------------
    def busy(self) -> bool:
        """An audit of this service, or an alive one of another process (CLI or service: the store's
        lease), is running."""
        if self._lock.locked():
            return True
        try:
            with Store(self.config.store_path) as store:
                return store.active_run("audit") is not None
        except Exception:  # no store yet
            return False

    def start(self) -> bool:
        """Start an audit in the background; False when one is already running."""
        if self.busy() or not self._lock.acquire(blocking=False):
            return False
        self.progress = Progress(state="running", started_at=_now(), stage="crawl")
        threading.Thread(target=self._run, daemon=True, name="audit").start()
        return True

    def _run(self) -> None:
        try:
            self.progress.run_id = self._audit(self.config, self._on_progress)
            self.progress.state = "done"
        except Exception as exc:  # recorded, shown on the page, never raised into the server
            from ...auditing.audit import NothingCollected
            from ...history.store import RunLocked

            self.progress.state = "failed"
            if isinstance(exc, NothingCollected):
                self.progress.error = f"Audit non réalisé : {exc}."
            elif isinstance(exc, RunLocked):
                self.progress.error = f"Audit refusé : {exc}."
            else:
                self.progress.error = f"L'audit a échoué sur une erreur interne : {exc!r}"
        finally:
            self.progress.finished_at = _now()
            self.progress.stage = None
            self._lock.release()

    def _on_progress(self, stage: str, portal: str, count: int) -> None:
        self.progress.stage = stage
        if portal and portal != "*":
            self.progress.portals[portal] = count

    # -- schedule ---------------------------------------------------------------------------
    def start_scheduler(self, tick: float = 30.0) -> None:
        if self.schedule is None or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._loop, args=(tick,), daemon=True, name="scheduler")
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _loop(self, tick: float) -> None:
        while not self._stop.wait(tick):
            if self.schedule and self.schedule.due(datetime.now(timezone.utc), self._last_audit()):
                self.start()

    def _last_audit(self) -> datetime | None:
        try:
            with Store(self.config.store_path) as store:
                row = store.db.execute("SELECT MAX(started_at) FROM runs WHERE kind = 'audit'").fetchone()
        except Exception:
            return None
        return datetime.fromisoformat(row[0]) if row and row[0] else None


def _run_audit(config: Config, progress) -> int:
    from ...auditing.audit import audit_and_store
    from ...auditing.rules import load_rules

    with Store(config.store_path) as store:
        run_id, _, _ = audit_and_store(config, store, load_rules(), progress=progress)
    return run_id


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()

