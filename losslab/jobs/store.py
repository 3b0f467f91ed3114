"""The run store: runs, metric rows, snapshots, lessons. SQLite (WAL) in $LOSSLAB_HOME by default,
PostgreSQL when LOSSLAB_DATABASE_URL names one (several hosts; dialect.py holds the differences).

Every process opens its own connections; WAL lets readers poll while a worker commits."""

from __future__ import annotations

import hmac
import json
import os
import sqlite3
import threading
import time
from pathlib import Path

from .. import settings
from ..i18n import Problem, render
from . import migrations
from .dialect import PgConnection, SqliteConnection, is_url, redact

# Stored as catalogue keys (i18n.Problem.encode): each reader sees them in their own language.
INTERRUPTED_MESSAGE = Problem("jobs.interrupted").encode()
INTERNAL_ERROR = Problem("jobs.internal").encode()
FINAL_STATUSES = ("completed", "stopped", "diverged", "failed", "interrupted")
MAX_RESUMES = 2  # a run is resumed after a restart or a killed worker at most this many times


def requeue(c, where: str, params: tuple) -> int:
    """Runs matching `where` (and not asked to stop) go back to the queue to resume from their
    saved state (resumed_at: its step, 0 when none was saved yet), while they have resumes left."""
    return c.execute(
        "UPDATE runs SET status = 'queued', worker = NULL, error = NULL, attempts = attempts + 1, "
        "resumed_at = COALESCE((SELECT step FROM resume WHERE resume.run = runs.id), 0), version = version + 1 "
        f"WHERE {where} AND stop_requested = 0 AND attempts < ?", (*params, MAX_RESUMES)).rowcount


def worker_died(conn, where: str, params: tuple, reason: Problem) -> tuple[int, int]:
    """The running runs of a worker that died (a local process, a Ray actor): queued again to
    resume from their saved state while they have resumes left, else failed with `reason`.
    Returns (resumed, failed)."""
    error = Problem("jobs.gave_up", reason=reason.encode(), times=MAX_RESUMES).encode()
    mine = f"status = 'running' AND {where}"
    with Transaction(conn) as c:
        resumed = requeue(c, mine, params)
        failed = c.execute(f"UPDATE runs SET status = 'failed', ended = ?, error = ?, version = version + 1 WHERE {mine}",
                           (now(), error, *params)).rowcount
    return resumed, failed


def is_store_error(exc: BaseException) -> bool:
    """Whether an exception came from the store (disk full, read-only, locked, unreachable) rather
    than from a run: sqlite3's DatabaseError family, psycopg's Error family."""
    if isinstance(exc, sqlite3.DatabaseError):
        return True
    return any(c.__module__.startswith("psycopg") and c.__name__ in ("Error", "OperationalError", "DatabaseError")
               for c in type(exc).__mro__)


ACTIVE_STATUSES = ("queued", "running")

def home_dir() -> Path:
    """$LOSSLAB_HOME, else a per-user folder; the Docker image points it at a volume."""
    return settings.get("LOSSLAB_HOME")


def default_target():
    """LOSSLAB_DATABASE_URL (postgresql://...) when set, else the SQLite file in LOSSLAB_HOME."""
    return settings.get("LOSSLAB_DATABASE_URL") or home_dir() / "losslab.sqlite3"


def as_target(target):
    """A store address as given: a postgresql:// URL stays a string, anything else is a file."""
    if target is None:
        return default_target()
    return target if is_url(target) else Path(target)


def local_dir(target) -> Path:
    """This machine's folder beside the store (workers' ready files, the worker lock): the SQLite
    file's folder, or LOSSLAB_HOME when the store is a server."""
    return home_dir() if is_url(target) else Path(target).parent


def describe(target) -> str:
    """The store for logs and the admin page, without a password."""
    return redact(target) if is_url(target) else str(target)


def connect(target=None):
    """A connection to the store (PostgreSQL for a postgresql:// URL, else SQLite), migrated."""
    target = as_target(target)
    if is_url(target):
        conn = PgConnection(target)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: we issue BEGIN ourselves, so a read never holds a transaction open.
        conn = sqlite3.connect(str(target), timeout=30, isolation_level=None, check_same_thread=False,
                               factory=SqliteConnection)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA busy_timeout = 30000")
        conn.write_lock = _write_lock(target)
        _wal(conn)
        conn.execute("PRAGMA synchronous = NORMAL")  # WAL + NORMAL: durable at checkpoints, far fewer fsyncs
        conn.execute("PRAGMA foreign_keys = ON")
    migrations.apply(conn)
    return conn


def _wal(conn, patience: float = 30.0) -> None:
    """PRAGMA journal_mode = WAL, retried: SQLite answers "database is locked" at once, without
    its busy timeout, when another connection opens or converts the file at that moment (six
    servers starting together on a fresh store failed one time in five)."""
    deadline = time.monotonic() + patience
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


_write_locks: dict[str, threading.RLock] = {}
_write_locks_guard = threading.Lock()


def _write_lock(path: Path) -> threading.RLock:
    """One lock per SQLite file in this process, taken around each write transaction. SQLite's
    own wait for its write lock sleeps in steps of up to 100 ms; thirty students pressing Start
    together (thirty threads of one server) queued behind each other that way for seconds,
    each holder also waiting for the GIL. Threads of one process now wait on this lock, which
    wakes the next at once; other processes (the workers) still meet SQLite's busy timeout."""
    key = os.path.realpath(path)
    with _write_locks_guard:
        return _write_locks.setdefault(key, threading.RLock())


class Transaction:
    """`with Transaction(conn):` BEGIN (IMMEDIATE on SQLite) ... COMMIT, or ROLLBACK on error."""

    def __init__(self, conn):
        self.conn = conn
        self.lock = getattr(conn, "write_lock", None)  # SQLite: this process's writers take turns

    def __enter__(self):
        if self.lock is not None:
            self.lock.acquire()
        try:
            self.conn.execute(self.conn.begin)
        except BaseException:
            if self.lock is not None:
                self.lock.release()
            raise
        return self.conn

    def __exit__(self, exc_type, exc, tb):
        try:
            self.conn.execute("ROLLBACK" if exc_type else "COMMIT")
        finally:
            if self.lock is not None:
                self.lock.release()
        return False


def encode_value(value: float):
    return None if value != value else value  # NaN → NULL


def run_row(row, viewer: str | None = None) -> dict | None:
    """A run as the pages see it: the owner token stays in the store; `is_owner` says whether
    `viewer` (the asking browser's token) started it."""
    if row is None:
        return None
    d = dict(row)
    owner = d.pop("owner")
    d["is_owner"] = bool(viewer) and hmac.compare_digest(owner, viewer)
    d["error"] = render(d.get("error"))  # a stored key, in the reader's language
    d["final"] = json.loads(d["final"]) if d.get("final") else {}
    d["config"] = json.loads(d["config"])
    return d


def now() -> float:
    return time.time()
