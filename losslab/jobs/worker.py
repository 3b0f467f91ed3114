"""A worker process: claims the oldest queued run from the store, trains it, reports into the store.

Started as a fresh interpreter (spawned, not forked) and kept warm, so torch is imported once per worker, not once per run."""

from __future__ import annotations

import json
import logging
import os
import secrets
import sys
import time
import traceback

from .. import settings
from ..i18n import Problem
from .pool import ready_file
from .store import (INTERNAL_ERROR, INTERRUPTED_MESSAGE, Transaction, as_target, connect, encode_value, now,
                    is_store_error, worker_died)

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

    def metric(self, step, epoch, split, name, value):
        self.rows.append((self.run_id, step, epoch, split, name, encode_value(value), now()))

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
        if time.monotonic() - self.last_flush >= FLUSH_SECONDS:
            self.flush()

    def flush(self):
        if self.rows or self.snaps or self.checkpoints or self.resume_state:
            try:
                with Transaction(self.conn) as c:
                    c.executemany("INSERT OR IGNORE INTO metrics VALUES (?, ?, ?, ?, ?, ?, ?)", self.rows)
                    c.executemany("INSERT OR REPLACE INTO snapshots VALUES (?, ?, ?, ?)", self.snaps)
                    c.executemany("INSERT OR REPLACE INTO checkpoints VALUES (?, ?, ?)", self.checkpoints)
                    if self.resume_state:
                        c.execute("INSERT OR REPLACE INTO resume VALUES (?, ?, ?)", self.resume_state)
                    c.execute("UPDATE runs SET version = version + 1, total_steps = COALESCE(?, total_steps) WHERE id = ?",
                              (self.total_steps, self.run_id))
            except self.conn.errors:
                raise RunGone() from None  # foreign key: the run row was deleted
            self.rows, self.snaps, self.checkpoints, self.resume_state = [], [], [], None
        self.last_flush = time.monotonic()

    def should_stop(self) -> bool:
        t = time.monotonic()
        if t - self.last_check >= STOP_CHECK_SECONDS:
            self.last_check = t
            row = self.conn.execute("SELECT stop_requested, status, worker FROM runs WHERE id = ?",
                                    (self.run_id,)).fetchone()
            if row is None or row[1] != "running" or row[2] != self.token:
                raise RunGone()
            self.stop_flag = bool(row[0])
            if self.parent_pid and os.getppid() != self.parent_pid:
                self.orphaned = self.stop_flag = True  # the server died: end now, as interrupted
            if t > self.deadline:
                self.over_budget = self.stop_flag = True
            self._maybe_flush()
        return self.stop_flag


def claim(conn, token: str):
    """Take the oldest queued run (FIFO), or None. A plain read first, so idle workers polling
    never take the write lock. On PostgreSQL, workers of several hosts claiming at once each
    skip the row another has locked and take the next."""
    if conn.execute("SELECT 1 FROM runs WHERE status = 'queued' LIMIT 1").fetchone() is None:
        return None
    with Transaction(conn) as c:
        row = c.execute("SELECT id, config FROM runs WHERE status = 'queued' ORDER BY created, rowid LIMIT 1"
                        + c.skip_locked).fetchone()
        if row is None:
            return None
        c.execute("UPDATE runs SET status = 'running', started = ?, worker = ?, version = version + 1 WHERE id = ?", (now(), token, row[0]))
    return row[0], row[1]


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


def execute(conn, run_id: str, config_json: str, token: str, parent_pid: int | None = None) -> str:
    """Train one claimed run to a final status; never raises for a problem of the run itself."""
    from ..config import config_from_json
    from ..csvfile import DataError
    from ..i18n import Problem
    from ..labs import LABS
    from ..runner import run

    reporter = DbReporter(conn, run_id, token, parent_pid)
    try:
        config = config_from_json(config_json)
        saved = conn.execute("SELECT step, state FROM resume WHERE run = ?", (run_id,)).fetchone()
        state = None
        if saved is not None and config.task in LABS and LABS[config.task].resumable:
            from ..resume import unpack

            state = unpack(saved[1])
            reporter.resume_step = saved[0]
        result = run(config, reporter, reporter.should_stop, resume_state=state,
                     checkpoints=lambda source: _checkpoints(conn, source))
        reporter.flush()
        status = "interrupted" if reporter.orphaned else result.status
        error = INTERRUPTED_MESSAGE if reporter.orphaned else None
        if reporter.over_budget and not reporter.orphaned:
            budget = max_run_seconds()
            error = Problem("jobs.over_budget", limit=f"{budget:g} s" if budget < 120 else f"{budget / 60:g} min").encode()
        if result.status == "diverged":
            # a naive formula (log 0) is its own cause, not the step size: say which
            naive = config.loss_fn.stable_form is not None
            error = Problem("truth.naive_diverged" if naive else "jobs.diverged", step=result.diverged_at).encode()
        finish(conn, run_id, token, status, error=error, final=result.final, diverged_at=result.diverged_at,
               keep_resume=reporter.orphaned)
        return status
    except RunGone:
        return "gone"
    except (DataError, ValueError) as exc:
        _flush_quietly(reporter)
        finish(conn, run_id, token, "failed",
               error=exc.encode() if isinstance(exc, Problem) else str(exc).splitlines()[0])
        return "failed"
    except Exception as exc:  # a bug or an environment problem: not the student's to fix; details in the log
        if is_store_error(exc):
            raise  # the store, not the run: serve() settles the run once the store takes writes again
        log.error("run %s failed with an internal error:\n%s", run_id, traceback.format_exc())
        _flush_quietly(reporter)
        finish(conn, run_id, token, "failed", error=INTERNAL_ERROR)
        return "failed"


def _checkpoints(conn, run_id: str):
    """A landscape slice's source: its MNIST run's task, config and weight trajectory, from the store."""
    row = conn.execute("SELECT task, config FROM runs WHERE id = ?", (run_id,)).fetchone()
    if row is None:
        return None
    points = conn.execute("SELECT step, weights FROM checkpoints WHERE run = ? ORDER BY step", (run_id,)).fetchall()
    return row[0], row[1], [tuple(p) for p in points]


def _flush_quietly(reporter):
    """Keep what can be kept of a failing run; a flush that fails too is logged, not raised."""
    try:
        reporter.flush()
    except Exception:
        log.warning("run %s: the last metric rows could not be written:\n%s", reporter.run_id,
                    traceback.format_exc())


def warm(threads: int) -> None:
    """Import torch and everything a run needs, map MNIST, and take torch's first step: paid once
    per worker (a local process or a Ray actor), a student's first run shows its first point in
    tens of milliseconds."""
    # Training yields to the web server: on a class server the pages stay responsive while
    # every core trains (a run takes a little longer instead of every page loading slowly).
    # Not allowed to (a negative increment without root) or a bad value: the worker trains anyway;
    # `serve` has already named a bad value in one sentence before any worker started.
    try:
        os.nice(settings.get("LOSSLAB_WORKER_NICE"))
    except (OSError, ValueError):
        pass
    import torch

    torch.set_num_threads(max(1, threads))
    from .. import datasets, runner, training  # noqa: F401  (warm: import everything a run needs before the first claim)
    from ..csvfile import DataError

    try:
        datasets.mnist_tensors()  # memory-mapped: shared with the other workers through the page cache
    except DataError:
        pass  # no MNIST here: regression runs still work, MNIST runs fail with the install command
    from ..config import RegressionConfig

    training.train(RegressionConfig(epochs=3))


def serve(conn, token: str, keep_going, parent_pid: int | None = None, poll_seconds: float = 0.05,
          target=None) -> None:
    """The claim-train-report loop every worker runs, wherever it lives. A store that stops
    accepting writes (disk full, read-only, unreachable) never kills it: the failure is logged, the
    connection reopened, and the run it held is settled (queued to resume, or failed with the
    reason) as soon as the store takes writes again."""
    run_id, backoff = None, 0.5
    while keep_going():
        try:
            if run_id is not None:  # the store failed under this run: settle it first
                worker_died(conn, "id = ? AND worker = ?", (run_id, token), Problem("jobs.store_failed"))
                log.warning("run %s settled after the store failed: queued to resume or failed", run_id)
                run_id, backoff = None, 0.5
            job = claim(conn, token)
            if job is None:
                time.sleep(poll_seconds)
                continue
            run_id = job[0]
            execute(conn, job[0], job[1], token, parent_pid)
            run_id = None
        except Exception as exc:  # the store itself, not a run: wait, reconnect, try again
            log.error("the run store failed (%s); retrying in %.1f s", str(exc).splitlines()[0] if str(exc) else exc, backoff)
            time.sleep(backoff)
            backoff = min(backoff * 2, 10.0)
            if target is not None:
                try:
                    conn.close()
                except Exception:
                    pass
                try:
                    conn = connect(target)
                except Exception as again:
                    log.error("cannot reconnect to the run store yet (%s)", again)


def token_pid(token: str) -> int:
    """The process id in a local worker's claim token "pool/pid:random"."""
    return int(token.rsplit("/", 1)[-1].split(":")[0])


def worker_main(target: str, threads: int, parent_pid: int, pool: str) -> None:
    """The body of a local worker process: warm up, then claim and run until the parent dies."""
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s worker %(process)d %(message)s")
    warm(threads)
    target = as_target(target)
    conn = connect(target)
    token = f"{pool}/{os.getpid()}:{secrets.token_hex(4)}"
    ready_file(target, os.getpid()).touch()  # warm: torch, the training code and MNIST are loaded
    serve(conn, token, lambda: os.getppid() == parent_pid, parent_pid, target=target)


if __name__ == "__main__":
    worker_main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
