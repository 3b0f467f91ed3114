"""SQLite store (WAL) for runs, metric rows and snapshots in $LOSSLAB_HOME.

Every process opens its own connection; WAL lets readers poll while a worker commits."""

from __future__ import annotations

import hmac
import json
import os
import sqlite3
import time
from pathlib import Path

from ..i18n import Problem, render

# 2: checkpoints (an MNIST run's weight trajectory); 3: runs.version (bumped by every commit of
# a run's rows: a poll that finds it unchanged does no other work), resume state, attempts;
# 4: lessons, the students' answers, revealed lessons, runs found by label.
SCHEMA_VERSION = 4
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
ACTIVE_STATUSES = ("queued", "running")

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    task TEXT NOT NULL,
    config TEXT NOT NULL,            -- the config as JSON: replayable exactly
    status TEXT NOT NULL,            -- queued | running | completed | stopped | diverged | failed | interrupted
    created REAL NOT NULL,           -- unix seconds
    started REAL,
    ended REAL,
    error TEXT,                      -- one line for the UI (tracebacks go to the server log)
    diverged_at INTEGER,
    final TEXT,                      -- final metrics as JSON
    stop_requested INTEGER NOT NULL DEFAULT 0,
    worker TEXT,                     -- claim token "pid:random" of the worker running it
    label TEXT,                      -- e.g. "compare: mse" to group runs started together
    version INTEGER NOT NULL DEFAULT 0,  -- bumped on every commit of this run's rows or status
    resumed_at INTEGER,              -- the step a run resumed from after a restart (NULL: never)
    attempts INTEGER NOT NULL DEFAULT 0  -- resumes after a restart or a killed worker
);
CREATE INDEX IF NOT EXISTS runs_owner ON runs(owner, created);
CREATE INDEX IF NOT EXISTS runs_status ON runs(status, created);
CREATE TABLE IF NOT EXISTS metrics (
    run TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    step INTEGER NOT NULL,
    epoch INTEGER NOT NULL,
    split TEXT NOT NULL,             -- train | test
    name TEXT NOT NULL,              -- loss | mse | accuracy
    value REAL,                      -- NULL stands for NaN (SQLite has no NaN)
    time REAL NOT NULL,
    PRIMARY KEY (run, split, name, step)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS snapshots (
    run TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    step INTEGER NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    PRIMARY KEY (run, kind, step)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS resume (
    run TEXT PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
    step INTEGER NOT NULL,
    state BLOB NOT NULL              -- torch.save of model, optimizer, RNG and loop position
);
CREATE TABLE IF NOT EXISTS checkpoints (
    run TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    step INTEGER NOT NULL,
    weights BLOB NOT NULL,           -- every parameter, flattened, float16 (~50 per run)
    PRIMARY KEY (run, step)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS runs_label ON runs(label, created);
CREATE TABLE IF NOT EXISTS lessons (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,             -- the lecturer's owner token: their runs are highlighted
    record TEXT NOT NULL,            -- lessons.Lesson.to_record() as JSON
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS answers (
    lesson TEXT NOT NULL,            -- a saved lesson's id or a built-in one's
    owner TEXT NOT NULL,             -- never leaves the server (the export numbers students instead)
    choice INTEGER NOT NULL,         -- (the student's runs: their runs labelled with the lesson)
    time REAL NOT NULL,
    PRIMARY KEY (lesson, owner)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS reveals (lesson TEXT PRIMARY KEY, time REAL NOT NULL);
"""


MIGRATED_COLUMNS = (("version", "INTEGER NOT NULL DEFAULT 0"), ("resumed_at", "INTEGER"),
                    ("attempts", "INTEGER NOT NULL DEFAULT 0"))


def home_dir() -> Path:
    """$LOSSLAB_HOME, else a per-user folder; the Docker image points it at a volume."""
    env = os.environ.get("LOSSLAB_HOME")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(base) / "losslab"


def connect(path: Path | None = None) -> sqlite3.Connection:
    path = Path(path) if path else home_dir() / "losslab.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    # isolation_level=None: we issue BEGIN ourselves, so a read never holds a transaction open.
    conn = sqlite3.connect(str(path), timeout=30, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA busy_timeout = 30000")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")  # WAL + NORMAL: durable at checkpoints, far fewer fsyncs
    conn.execute("PRAGMA foreign_keys = ON")
    if conn.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
        conn.execute("BEGIN IMMEDIATE")
        try:
            if conn.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
                for statement in SCHEMA.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                columns = {r[1] for r in conn.execute("PRAGMA table_info(runs)")}
                for column, kind in MIGRATED_COLUMNS:  # an older store: CREATE IF NOT EXISTS kept its runs table
                    if column not in columns:
                        conn.execute(f"ALTER TABLE runs ADD COLUMN {column} {kind}")
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return conn


class Transaction:
    """`with Transaction(conn):` BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on error."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def __enter__(self):
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type, exc, tb):
        self.conn.execute("ROLLBACK" if exc_type else "COMMIT")
        return False


def encode_value(value: float):
    return None if value != value else value  # NaN → NULL


def run_row(row: sqlite3.Row | None, viewer: str | None = None) -> dict | None:
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
