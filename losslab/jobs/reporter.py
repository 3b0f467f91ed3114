"""A run's reporting into the store and its end: DbReporter (metric rows, snapshots, resume state,
the stop flag), `settle` (a training.Result or the exception that ended a run, as its final status
and one sentence), `finish` (the row's end). A worker's single runs and its batches share them."""

from __future__ import annotations

import json
import logging
import os
import time
import traceback
from itertools import repeat

from .. import settings
from ..i18n import Problem
from .store import INTERNAL_ERROR, INTERRUPTED_MESSAGE, Transaction, encode_value, now, is_store_error

FLUSH_SECONDS = 0.25  # commit at most every ~0.25 s (docs/architecture.md, Runs)
# A lab admin's budget for one run or one study (LOSSLAB_MAX_RUN_SECONDS): past it the run is
# stopped, its results kept. The largest MNIST run the form allows took ~4.6 h, a study 48.
def max_run_seconds() -> float:
    return settings.get("LOSSLAB_MAX_RUN_SECONDS")


RESUME_SECONDS = 2.0  # resume state at most this often (and every ~5 % of the run at most)
STOP_CHECK_SECONDS = 0.1
log = logging.getLogger("losslab.worker")


class RunGone(Exception):
    """The run was deleted (or taken from this worker) while it trained."""


class DbReporter:
    """Batches metric rows and snapshots; commits them and reads the stop flag every ~0.25 s.

    Commits happen only between steps (in progress() and should_stop()), never between two rows
    of the same step: a reader asking for "rows after step N" then never misses a test/accuracy
    row that was still buffered when the train/loss row of step N was committed."""

    def __init__(self, conn, run_id: str, token: str, parent_pid: int | None):
        self.conn, self.run_id, self.token, self.parent_pid = conn, run_id, token, parent_pid
        self.rows: list[tuple] = []
        self.snaps: list[tuple] = []
        self.checkpoints: list[tuple] = []
        self.resume_state: tuple | None = None
        self.resume_step, self.last_resume = 0, time.monotonic()
        self.last_flush = self.last_check = time.monotonic()
        self.metrics_committed = False
        self.total_steps: int | None = None
        self.stop_flag = False
        self.orphaned = False
        self.deadline, self.over_budget = time.monotonic() + max_run_seconds(), False
        self.group = None  # a batch's runs share one transaction per flush (FlushGroup)
        self.gone = False  # its row was deleted while a group flush wrote it

    def metric(self, step, epoch, split, name, value):
        self.rows.append((self.run_id, step, epoch, split, name, encode_value(value), now()))

    def metric_rows(self, steps, epochs, split, name, values):
        if any(v != v for v in values):  # NaN → NULL, as metric() stores it
            values = [encode_value(v) for v in values]
        self.rows.extend(zip(repeat(self.run_id), steps, epochs, repeat(split), repeat(name), values, repeat(now())))

    def snapshot(self, step, kind, payload):
        self.snaps.append((self.run_id, step, kind, json.dumps(payload)))

    def checkpoint(self, step, weights):
        self.checkpoints.append((self.run_id, step, weights))

    def wants_resume(self, step, total_steps):
        # every ~2 s, and at most every ~5 % of the run: a restart repeats little, the store writes little
        return (time.monotonic() - self.last_resume >= RESUME_SECONDS
                and step - self.resume_step >= max(1, total_steps // 20))

    def save_resume(self, step, state):
        self.resume_state, self.resume_step, self.last_resume = (self.run_id, step, state), step, time.monotonic()
        self.flush()  # with every row up to this step, in one transaction

    def progress(self, step, total):
        self.total_steps = total  # stored with the next flush: the pages show "step k of total" from it
        if not self.metrics_committed and self.rows:  # the first step at once: the chart starts moving
            self.flush()
            self.metrics_committed = True
        else:
            self._maybe_flush()

    def _maybe_flush(self):
        if self.group.due() if self.group is not None else time.monotonic() - self.last_flush >= FLUSH_SECONDS:
            self.flush()

    def pending(self) -> bool:
        return bool(self.rows or self.snaps or self.checkpoints or self.resume_state)

    def write(self, c) -> None:
        """This run's buffered rows, snapshots, checkpoints and resume state, inside transaction c."""
        c.executemany("INSERT OR IGNORE INTO metrics VALUES (?, ?, ?, ?, ?, ?, ?)", self.rows)
        c.executemany("INSERT OR REPLACE INTO snapshots VALUES (?, ?, ?, ?)", self.snaps)
        c.executemany("INSERT OR REPLACE INTO checkpoints VALUES (?, ?, ?)", self.checkpoints)
        if self.resume_state:
            c.execute("INSERT OR REPLACE INTO resume VALUES (?, ?, ?)", self.resume_state)
        c.execute("UPDATE runs SET version = version + 1, total_steps = COALESCE(?, total_steps) WHERE id = ?",
                  (self.total_steps, self.run_id))

    def written(self) -> None:
        self.rows, self.snaps, self.checkpoints, self.resume_state = [], [], [], None
        self.last_flush = time.monotonic()

    def flush(self):
        if self.group is not None:
            return self.group.flush()
        self.flush_alone()

    def flush_alone(self):
        if self.pending():
            try:
                with Transaction(self.conn) as c:
                    self.write(c)
            except self.conn.errors:
                raise RunGone() from None  # foreign key: the run row was deleted
        self.written()

    def should_stop(self) -> bool:
        t = time.monotonic()
        if t - self.last_check >= STOP_CHECK_SECONDS:
            self.last_check = t
            row = self.conn.execute("SELECT stop_requested, status, worker FROM runs WHERE id = ?",
                                    (self.run_id,)).fetchone()
            if row is None or row[1] != "running" or row[2] != self.token or self.gone:
                raise RunGone()
            self.stop_flag = bool(row[0])
            if self.parent_pid and os.getppid() != self.parent_pid:
                self.orphaned = self.stop_flag = True  # the server died: end now, as interrupted
            if t > self.deadline:
                self.over_budget = self.stop_flag = True
            self._maybe_flush()
        return self.stop_flag


class FlushGroup:
    """The runs of a batch write together: one transaction per ~0.25 s for all of them, not one per
    run. Thirty runs flushing one by one held SQLite's single write lock most of every second, and a
    web server's own write (a student's Start) lost the race again and again in its busy handler
    while its readers waited (benchmarks/classroom.py: run links p50 3.9 s instead of 0.1 s)."""

    def __init__(self, conn):
        self.conn, self.members, self.last = conn, [], time.monotonic()

    def add(self, reporter: "DbReporter") -> None:
        reporter.group = self
        self.members.append(reporter)

    def remove(self, reporter: "DbReporter") -> None:
        if reporter in self.members:
            self.members.remove(reporter)
        reporter.group = None

    def due(self) -> bool:
        return time.monotonic() - self.last >= FLUSH_SECONDS

    def flush(self) -> None:
        busy = [r for r in self.members if r.pending()]
        if busy:
            try:
                with Transaction(self.conn) as c:
                    for r in busy:
                        r.write(c)
            except self.conn.errors:
                # a run was deleted (foreign key): each alone, so only the deleted one is told
                for r in busy:
                    try:
                        r.flush_alone()
                    except RunGone:
                        r.rows, r.snaps, r.checkpoints, r.resume_state = [], [], [], None
                        r.gone = True
        for r in busy:
            r.written()
        self.last = time.monotonic()


def finish(conn, run_id, token, status, *, error=None, final=None, diverged_at=None, keep_resume=False):
    """The run's end. `keep_resume`: an orphaned worker's run is interrupted, not ended: its last
    saved state stays, so the restarted server resumes it there (it restarted from step 0)."""
    with Transaction(conn) as c:
        if not keep_resume:
            c.execute("DELETE FROM resume WHERE run = ? AND EXISTS (SELECT 1 FROM runs WHERE id = ? AND worker = ? "
                      "AND status = 'running')", (run_id, run_id, token))  # ended: nothing left to resume
        c.execute("UPDATE runs SET status = ?, ended = ?, error = ?, final = ?, diverged_at = ?, version = version + 1 "
                  "WHERE id = ? AND worker = ? AND status = 'running'",
                  (status, now(), error, json.dumps(final or {}), diverged_at, run_id, token))


def load_job(conn, run_id: str, config_json: str, reporter: DbReporter):
    """A claimed run's config and, when it was interrupted, the state it resumes from."""
    from ..config import config_from_json
    from ..labs import LABS

    config = config_from_json(config_json)
    saved = conn.execute("SELECT step, state FROM resume WHERE run = ?", (run_id,)).fetchone()
    if saved is None or config.task not in LABS or not LABS[config.task].resumable:
        return config, None
    from ..resume import unpack

    reporter.resume_step = saved[0]
    return config, unpack(saved[1])


def settle(conn, run_id: str, token: str, config, reporter: "DbReporter", outcome) -> str:
    """End a run from what ended it: a training.Result, or the exception that ended it alone.
    Never raises for a problem of the run itself (a store error is raised: the worker settles the
    run once the store takes writes again). Returns the status written ("gone": none)."""
    from ..csvfile import DataError

    if isinstance(outcome, RunGone):
        return "gone"
    if isinstance(outcome, (DataError, ValueError)):
        _flush_quietly(reporter)
        finish(conn, run_id, token, "failed",
               error=outcome.encode() if isinstance(outcome, Problem) else str(outcome).splitlines()[0])
        return "failed"
    if isinstance(outcome, BaseException):  # a bug or an environment problem: not the student's to fix
        if is_store_error(outcome):
            raise outcome
        log.error("run %s failed with an internal error:\n%s", run_id,
                  "".join(traceback.format_exception(type(outcome), outcome, outcome.__traceback__)))
        _flush_quietly(reporter)
        finish(conn, run_id, token, "failed", error=INTERNAL_ERROR)
        return "failed"
    try:
        reporter.flush()
    except RunGone:
        return "gone"
    status = "interrupted" if reporter.orphaned else outcome.status
    error = INTERRUPTED_MESSAGE if reporter.orphaned else None
    if reporter.over_budget and not reporter.orphaned:
        budget = max_run_seconds()
        error = Problem("jobs.over_budget", limit=f"{budget:g} s" if budget < 120 else f"{budget / 60:g} min").encode()
    if outcome.status == "diverged":
        # a naive formula (log 0) is its own cause, not the step size: say which
        naive = config.loss_fn.stable_form is not None
        error = Problem("truth.naive_diverged" if naive else "jobs.diverged", step=outcome.diverged_at).encode()
    finish(conn, run_id, token, status, error=error, final=outcome.final, diverged_at=outcome.diverged_at,
           keep_resume=reporter.orphaned)
    return status


def _flush_quietly(reporter):
    """Keep what can be kept of a failing run; a flush that fails too is logged, not raised."""
    try:
        reporter.flush()
    except Exception:
        log.warning("run %s: the last metric rows could not be written:\n%s", reporter.run_id,
                    traceback.format_exc())
