"""The job service's housekeeping: the lecturer's admin token and shared run, the counts on the
lecturer's page, recovery at start-up (resume what a restart interrupted), pruning old runs
(the service's refusals live in errors.py)."""

from __future__ import annotations

import hmac
import threading
from typing import Optional

from .. import settings
from . import store
from .errors import NotAllowed, NotFound
from .store import FINAL_STATUSES, Transaction, now


class Housekeeping:
    """Mixed into JobService (which provides `conn`, `retention_hours`, `keep_per_owner`)."""

    @staticmethod
    def is_admin(token: Optional[str]) -> bool:
        """Constant-time, on bytes: a typed token may hold any character (compare_digest refuses
        non-ASCII str and raised a traceback per try)."""
        admin = settings.get("LOSSLAB_ADMIN_TOKEN")
        if not admin or not isinstance(token, str) or not token:
            return False
        return hmac.compare_digest(admin.encode("utf-8"), token.encode("utf-8", "surrogatepass"))

    def health(self, max_age: float = 5.0) -> tuple[bool, str]:
        """(ok, one line) for the health endpoint the image's HEALTHCHECK and the proxy poll: the
        store takes a write, and (with a local pool) the supervisor and at least one worker live.
        Probed at most every `max_age` seconds; a dead pool or a full disk was invisible before."""
        cached = getattr(self, "_health", None)
        if cached and now() - cached[0] < max_age:
            return cached[1]
        # One probe at a time. Streamlit asks on every browser connection: when the probe waited
        # for the store's write lock (a batch of 30 runs writing), every viewer opening a link
        # queued behind its own probe (classroom: run links p50 3.8 s). The others take the last answer.
        lock = self.__dict__.setdefault("_health_lock", threading.Lock())
        if not lock.acquire(blocking=cached is None):
            return cached[1]
        try:
            result = self._probe()
        finally:
            lock.release()
        return result

    def _probe(self) -> tuple[bool, str]:
        result = (True, "ok")
        try:
            with Transaction(self.conn) as c:
                c.execute("INSERT OR REPLACE INTO settings VALUES ('health_probe', ?)", (str(now()),))
        except Exception as exc:
            result = (False, f"run store not writable: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")
            self.reset_connection()
        executor = getattr(self, "executor", None)
        if result[0] and executor is not None:
            status = executor.status()
            if not status.get("supervisor", True):
                result = (False, "worker supervisor stopped")
            elif status.get("alive", 1) == 0:
                result = (False, f"no worker alive (0 of {status.get('workers')})")
        self._health = (now(), result)
        return result

    def guard_failures(self, keys: list, since: float) -> dict:
        """{key: [times]} of wrong admin tokens after `since` (jobs.keyguard)."""
        out = {k: [] for k in keys}
        if keys:
            marks = ", ".join("?" for _ in keys)
            for key, when in self.conn.execute(f"SELECT key, time FROM guard_failures WHERE key IN ({marks}) "
                                                "AND time > ?", (*keys, since)).fetchall():
                out[key].append(when)
        return out

    def guard_record(self, keys: list, now: float, forget_before: float) -> None:
        with Transaction(self.conn) as c:
            c.execute("DELETE FROM guard_failures WHERE time <= ?", (forget_before,))  # bounded table
            for key in keys:
                c.execute("INSERT INTO guard_failures VALUES (?, ?)", (key, now))

    def pin(self, run_id: Optional[str], token: str) -> None:
        """Share one run with the whole class: every visitor's home page shows it."""
        if not self.is_admin(token):
            raise NotAllowed("jobs.pin_not_allowed")
        with Transaction(self.conn) as c:
            if run_id is None:
                c.execute("DELETE FROM settings WHERE key = 'pinned_run'")
            else:
                if not c.execute("SELECT 1 FROM runs WHERE id = ?", (run_id,)).fetchone():
                    raise NotFound("jobs.not_found", run=repr(run_id)[:40])
                c.execute("INSERT OR REPLACE INTO settings VALUES ('pinned_run', ?)", (run_id,))

    def pinned(self) -> Optional[str]:
        row = self.conn.execute("SELECT value FROM settings WHERE key = 'pinned_run'").fetchone()
        return row[0] if row else None

    def counts(self) -> dict:
        rows = self.conn.execute("SELECT status, COUNT(*) FROM runs GROUP BY status").fetchall()
        return {status: n for status, n in rows}

    def batches(self) -> list[int]:
        """How many runs each busy worker trains together now (one program per worker), largest first."""
        rows = self.conn.execute("SELECT worker, COUNT(*) FROM runs WHERE status = 'running' AND worker IS NOT NULL "
                                 "GROUP BY worker").fetchall()
        return sorted((n for _, n in rows), reverse=True)

    def recover(self, scope: tuple[str, tuple] = ("1 = 1", ())) -> int:
        """At start-up: runs left `running` by a stopped server (or ended `interrupted` by their
        orphaned worker) are queued again and resume from their last saved state, at most
        MAX_RESUMES times; beyond that, or when a stop was asked for, they end `interrupted`
        (committed metrics stay). Queued runs stay queued: they never started. `scope` (the
        executor's) limits this to its own workers' runs on a store other hosts share."""
        where, params = scope
        with Transaction(self.conn) as c:
            resumed = store.requeue(c, f"({where}) AND (status = 'running' OR (status = 'interrupted' AND error = ?))",
                                    (*params, store.INTERRUPTED_MESSAGE))
            c.execute("UPDATE runs SET status = 'interrupted', ended = ?, error = ?, version = version + 1 "
                      f"WHERE ({where}) AND status = 'running'", (now(), store.INTERRUPTED_MESSAGE, *params))
        return resumed

    def prune(self, owner: Optional[str] = None) -> int:
        """Keep the disk bounded: finished runs beyond the newest N per owner, and finished runs
        older than the retention period, are deleted."""
        cutoff = now() - self.retention_hours * 3600
        final = ",".join(f"'{s}'" for s in FINAL_STATUSES)
        with Transaction(self.conn) as c:
            deleted = c.execute(f"DELETE FROM runs WHERE status IN ({final}) AND created < ?", (cutoff,)).rowcount
            owners = [owner] if owner else [r[0] for r in c.execute("SELECT DISTINCT owner FROM runs")]
            for o in owners:
                deleted += c.execute(
                    f"DELETE FROM runs WHERE owner = ? AND status IN ({final}) AND id NOT IN "
                    "(SELECT id FROM runs WHERE owner = ? ORDER BY created DESC LIMIT ?)",
                    (o, o, self.keep_per_owner)).rowcount
            # and store-wide: fresh cookies are fresh owners, so the per-owner bound alone let the disk
            # grow without end; the oldest finished runs of anyone go first
            deleted += c.execute(f"DELETE FROM runs WHERE status IN ({final}) AND id NOT IN "
                                 f"(SELECT id FROM runs WHERE status IN ({final}) ORDER BY created DESC LIMIT ?)",
                                 (getattr(self, "max_finished", 5000),)).rowcount
        return deleted
