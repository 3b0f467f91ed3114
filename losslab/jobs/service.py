"""JobService: the one API the pages use to submit, stop, delete, list and poll runs.

Owners are unguessable tokens (one per browser); whoever holds a run id may watch a run,
only its owner or an admin (LOSSLAB_ADMIN_TOKEN) may stop or delete it."""

from __future__ import annotations

import hmac
import json
import secrets
import threading
from pathlib import Path
from typing import Optional

from .. import settings
from ..config import config_from_dict
from ..series import downsample
from . import executors, store
from .errors import LimitError, NotAllowed, NotFound
from .housekeeping import Housekeeping
from .lectures import Lectures
from .lessons import Lessons
from .store import FINAL_STATUSES, Transaction, connect, now, run_row
from .votes import Votes


class _System:
    """The server acting for itself (the runs CLI on the server's own terminal): allowed to stop
    any run without borrowing a student's token. Not a string, so no browser can send it."""

    def __repr__(self):
        return "SYSTEM"


SYSTEM = _System()


def new_owner_token() -> str:
    return secrets.token_urlsafe(24)


def new_run_id() -> str:
    # 12 url-safe characters (72 random bits): short enough for a link, too many to guess. Never
    # starting with "-": `python -m losslab runs show -Ab...` would read it as an option.
    while True:
        run_id = secrets.token_urlsafe(9)
        if run_id[0].isalnum():
            return run_id


class _Lease:
    """A pooled connection lent to one thread; given back when the thread's locals are dropped."""

    __slots__ = ("conn", "_give_back")

    def __init__(self, conn, give_back):
        self.conn, self._give_back = conn, give_back

    def __del__(self):
        self._give_back(self.conn)


class JobService(Housekeeping, Lessons, Votes, Lectures):
    def __init__(self, db_path: Optional[Path] = None, executor=None, *, max_per_owner: Optional[int] = None,
                 keep_per_owner: Optional[int] = None, retention_hours: Optional[int] = None):
        self.db_path = store.as_target(db_path)  # a SQLite file, or a postgresql:// URL
        self.max_per_owner = max_per_owner or settings.get("LOSSLAB_MAX_RUNS_PER_OWNER")
        self.keep_per_owner = keep_per_owner or settings.get("LOSSLAB_KEEP_RUNS_PER_OWNER")
        self.retention_hours = retention_hours or settings.get("LOSSLAB_RETENTION_HOURS")
        # Fair share on a class server: a browser without the owner cookie is a new owner, so the
        # per-owner cap alone let one student queue 30 long runs; the client's address caps that too.
        self.max_per_client = settings.get("LOSSLAB_MAX_RUNS_PER_CLIENT")
        self.max_queued = settings.get("LOSSLAB_MAX_QUEUED")          # every owner together
        self.max_finished = settings.get("LOSSLAB_MAX_FINISHED_RUNS")  # kept store-wide (prune)
        self._local = threading.local()  # one connection per thread (Streamlit runs sessions in threads)
        self._pool: list = []  # connections of finished threads, lent to new ones
        self._pool_lock = threading.Lock()
        self._closed = False
        self.executor = executor
        if executor is not None:
            self.recover(executor.scope())
            self.prune()
            executor.start()

    # --- connections --------------------------------------------------------------------
    @property
    def conn(self):
        """This thread's connection. Streamlit runs every script run in a new thread, so a
        connection is lent from a pool and returned when its thread ends: opening one (pragmas,
        schema check) on every poll of every viewer cost more than the poll's query. The lease
        lives in the thread's local storage, which Python drops as the thread exits (a finalizer
        on the Thread object waited for the garbage collector: under 100 viewers the pool ran dry
        and 9 % of the server's time went to opening connections)."""
        lease = getattr(self._local, "lease", None)
        if lease is None:
            with self._pool_lock:
                conn = self._pool.pop() if self._pool else None
            if conn is None:
                conn = connect(self.db_path)
            lease = self._local.lease = _Lease(conn, self._give_back)
        return lease.conn

    def reset_connection(self) -> None:
        """Drop this thread's connection after a store failure: the next use opens a fresh one
        (a pooled connection kept failing after the files were writable again)."""
        lease = getattr(self._local, "lease", None)
        if lease is not None:
            self._local.lease = None
            conn, lease.conn = lease.conn, None
            try:
                conn.close()
            except Exception:
                pass

    def _give_back(self, conn) -> None:
        if conn is None:
            return
        with self._pool_lock:
            if not self._closed and len(self._pool) < 32:
                self._pool.append(conn)
                return
        conn.close()

    def close(self):
        if self.executor is not None:
            self.executor.shutdown()
        lease = getattr(self._local, "lease", None)
        conn = lease.conn if lease is not None else None
        with self._pool_lock:
            self._closed = True
            pooled, self._pool = self._pool, []
        for c in pooled + ([conn] if conn is not None else []):
            c.close()
        self._local.lease = None  # its give-back finds the service closed: closing again is harmless

    # --- runs ---------------------------------------------------------------------------
    def submit(self, config, owner: str, label: Optional[str] = None, client: Optional[str] = None) -> str:
        """Queue a run. A dict is validated into a config first; a bad one never reaches a worker.
        Limits: per owner, per client address (`client`, "address:…"), and the whole queue."""
        if isinstance(config, dict):
            config = config_from_dict(config)
        if not owner:
            raise NotAllowed("jobs.no_owner")
        run_id = new_run_id()
        with Transaction(self.conn) as c:  # count and insert atomically: the cap holds under races
            c.lock(f"owner {owner}")  # (PostgreSQL: replicas' submits of one owner queue here)
            active = c.execute("SELECT COUNT(*) FROM runs WHERE owner = ? AND status IN ('queued', 'running')",
                               (owner,)).fetchone()[0]
            if active >= self.max_per_owner:
                raise LimitError("jobs.limit", active=active, limit=self.max_per_owner)
            if client:
                c.lock(f"client {client}")
                from_client = c.execute("SELECT COUNT(*) FROM runs WHERE client = ? AND status IN ('queued', 'running')",
                                        (client,)).fetchone()[0]
                if from_client >= self.max_per_client:
                    raise LimitError("jobs.client_limit", active=from_client, limit=self.max_per_client)
            queued = c.execute("SELECT COUNT(*) FROM runs WHERE status = 'queued'").fetchone()[0]
            if queued >= self.max_queued:
                raise LimitError("jobs.queue_full", queued=queued)
            c.execute("INSERT INTO runs (id, owner, task, config, status, created, label, client) "
                      "VALUES (?, ?, ?, ?, 'queued', ?, ?, ?)",
                      (run_id, owner, config.task, config.to_json(), now(), label, client))
        self.prune(owner)
        if self.executor is not None:
            self.executor.notify()
        return run_id

    def get(self, run_id: str, viewer: Optional[str] = None) -> Optional[dict]:
        """The run with its config, status, whether `viewer` owns it and, while queued, its
        position in the queue."""
        if not isinstance(run_id, str) or not run_id or len(run_id) > 64:
            return None
        run = run_row(self.conn.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone(), viewer)
        if run and run["status"] == "queued":
            run["queue_position"] = self.conn.execute(
                "SELECT COUNT(*) FROM runs WHERE status = 'queued' AND (created, rowid) <= "
                "(SELECT created, rowid FROM runs WHERE id = ?)", (run_id,)).fetchone()[0]
        return run

    def _owned(self, run_id: str, owner, admin: Optional[str] = None) -> None:
        """The owner token is compared with the run's owner and nothing else: the lecturer's power
        comes only as `admin`, a token the UI holds after the rate-limited unlock (an owner cookie
        equal to the admin token was an unlimited guessing oracle)."""
        row = self.conn.execute("SELECT owner FROM runs WHERE id = ?", (run_id,)).fetchone() \
            if isinstance(run_id, str) else None
        if row is None:
            raise NotFound("jobs.not_found", run=repr(run_id)[:40])
        if owner is SYSTEM:
            return
        mine = isinstance(owner, str) and hmac.compare_digest(row[0].encode(), owner.encode("utf-8", "surrogatepass"))
        if not (mine or self.is_admin(admin)):
            raise NotAllowed("jobs.not_allowed")

    def stop(self, run_id: str, owner, admin: Optional[str] = None) -> dict:
        self._owned(run_id, owner, admin)
        with Transaction(self.conn) as c:
            # A queued run never started: it ends at once. A running one is told to stop and its
            # worker ends it within ~0.25 s, keeping every committed metric.
            c.execute("UPDATE runs SET status = 'stopped', ended = ?, version = version + 1 WHERE id = ? AND status = 'queued'", (now(), run_id))
            c.execute("UPDATE runs SET stop_requested = 1 WHERE id = ? AND status = 'running'", (run_id,))
        return self.get(run_id)

    def delete(self, run_id: str, owner, admin: Optional[str] = None) -> None:
        self._owned(run_id, owner, admin)
        with Transaction(self.conn) as c:
            c.execute("DELETE FROM runs WHERE id = ?", (run_id,))  # metrics and snapshots cascade
            c.execute("DELETE FROM settings WHERE key = 'pinned_run' AND value = ?", (run_id,))

    def list_runs(self, owner: Optional[str] = None, limit: int = 200) -> list[dict]:
        """An owner's runs, newest first; owner=None lists every run (the admin view)."""
        if owner is None:
            rows = self.conn.execute("SELECT * FROM runs ORDER BY created DESC LIMIT ?", (limit,))
        else:
            rows = self.conn.execute("SELECT * FROM runs WHERE owner = ? ORDER BY created DESC LIMIT ?", (owner, limit))
        return [run_row(r, owner) for r in rows.fetchall()]

    def version(self, run_id: str) -> int:
        """How many times the run's rows or status were committed: a poll compares it and stops there."""
        row = self.conn.execute("SELECT version FROM runs WHERE id = ?", (run_id,)).fetchone()
        return row[0] if row else -1

    def runs_labelled(self, label: str, viewer: Optional[str] = None) -> list[dict]:
        """Every run with this label, newest first (a slice is labelled with the run it slices)."""
        rows = self.conn.execute("SELECT * FROM runs WHERE label = ? ORDER BY created DESC", (label,)).fetchall()
        return [run_row(r, viewer) for r in rows]

    def runs_by_id(self, run_ids, viewer: Optional[str] = None) -> list[dict]:
        return [r for r in (self.get(i, viewer) for i in run_ids) if r]

    # --- metrics and snapshots ----------------------------------------------------------
    def metrics(self, run_id: str, after_step: int = 0, max_points: Optional[int] = None) -> dict:
        """{"train/loss": (steps, values), ...} for rows after `after_step`, each series
        downsampled to at most max_points (first, last and extremes kept). NaN comes back as NaN."""
        if after_step <= 0:  # the whole run in one query (dialect.py: how each store does it fastest)
            series = self.conn.series(run_id)
        else:  # a live poll's tail: one index seek per series, not a scan of the whole run
            names = self.conn.execute("SELECT DISTINCT split, name FROM metrics WHERE run = ?", (run_id,)).fetchall()
            series = []
            for split, name in names:
                rows = self.conn.execute("SELECT step, value FROM metrics WHERE run = ? AND split = ? AND name = ? "
                                         "AND step > ? ORDER BY step", (run_id, split, name, int(after_step))).fetchall()
                if rows:
                    series.append(((split, name), *zip(*rows)))
        out: dict[str, tuple[list, list]] = {}
        for (split, name), steps, values in series:
            values = [float("nan") if v is None else v for v in values]
            if max_points:
                out[f"{split}/{name}"] = downsample(steps, values, max_points)
            else:
                out[f"{split}/{name}"] = (list(steps), values)
        return out

    def metric_rows(self, run_id: str) -> list[tuple]:
        """Every metric row (step, epoch, split, name, value, time) for a CSV download."""
        return self.conn.execute("SELECT step, epoch, split, name, value, time FROM metrics WHERE run = ? "
                                 "ORDER BY step, split, name", (run_id,)).fetchall()

    def snapshots(self, run_id: str, kind: str, after_step: int = -1) -> list[tuple[int, dict]]:
        """Every snapshot of one kind after `after_step`, in step order (a path grows by polling)."""
        rows = self.conn.execute("SELECT step, payload FROM snapshots WHERE run = ? AND kind = ? AND step > ? "
                                 "ORDER BY step", (run_id, kind, int(after_step))).fetchall()
        return [(r[0], json.loads(r[1])) for r in rows]

    def latest_snapshot(self, run_id: str, kind: Optional[str] = None) -> Optional[tuple[int, dict]]:
        if kind:
            row = self.conn.execute("SELECT step, payload FROM snapshots WHERE run = ? AND kind = ? "
                                    "ORDER BY step DESC LIMIT 1", (run_id, kind)).fetchone()
        else:
            row = self.conn.execute("SELECT step, payload FROM snapshots WHERE run = ? ORDER BY step DESC LIMIT 1",
                                    (run_id,)).fetchone()
        return (row[0], json.loads(row[1])) if row else None

    def wait(self, run_id: str, timeout: float = 60.0, statuses=FINAL_STATUSES) -> dict:
        """Block until the run reaches one of `statuses` (for the CLI, tests and benchmarks)."""
        import time

        deadline = time.monotonic() + timeout
        while True:
            run = self.get(run_id)
            if run is None or run["status"] in statuses:
                return run
            if time.monotonic() > deadline:
                raise TimeoutError(f"run {run_id} still {run['status']} after {timeout} s")
            time.sleep(0.02)


_service: Optional[JobService] = None
_service_lock = threading.Lock()


def get_service() -> JobService:
    """The process-wide service, with its worker pool started on first use.

    Only one process per LOSSLAB_HOME runs workers (and recovery): it holds an exclusive lock
    on workers.lock. A second server on the same home (two `make run`s, two ports) gets a
    service without workers; its runs are queued in the shared store and the first server's
    workers train them, instead of the second marking the first's runs interrupted."""
    global _service
    with _service_lock:
        if _service is None:
            target = store.default_target()
            _service = JobService(target, executors.make(target))
        return _service
