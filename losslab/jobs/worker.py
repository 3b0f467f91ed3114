"""A worker process: claims the oldest queued run from the store (with every queued run that can
train beside it: jobs/batch.py), trains it, reports into the store.

Started as a fresh interpreter (spawned, not forked) and kept warm, so torch is imported once per worker, not once per run."""

from __future__ import annotations

import logging
import os
import secrets
import sys
import time

from .. import settings
from ..i18n import Problem
from .batch import batch_cap, claim_batch, execute_batch
from .pool import ready_file
from .reporter import (FLUSH_SECONDS, DbReporter, RunGone, finish, log, max_run_seconds,  # noqa: F401 (the workers' API)
                       settle, load_job)
from .store import Transaction, as_target, connect, now, worker_died


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


def execute(conn, run_id: str, config_json: str, token: str, parent_pid: int | None = None) -> str:
    """Train one claimed run alone to a final status; never raises for a problem of the run itself."""
    from ..runner import run

    reporter = DbReporter(conn, run_id, token, parent_pid)
    config = None
    try:
        config, state = load_job(conn, run_id, config_json, reporter)
        outcome = run(config, reporter, reporter.should_stop, resume_state=state,
                      checkpoints=lambda source: _checkpoints(conn, source))
    except Exception as exc:
        outcome = exc
    return settle(conn, run_id, token, config, reporter, outcome)


def _checkpoints(conn, run_id: str):
    """A landscape slice's source: its MNIST run's task, config and weight trajectory, from the store."""
    row = conn.execute("SELECT task, config FROM runs WHERE id = ?", (run_id,)).fetchone()
    if row is None:
        return None
    points = conn.execute("SELECT step, weights FROM checkpoints WHERE run = ? ORDER BY step", (run_id,)).fetchall()
    return row[0], row[1], [tuple(p) for p in points]


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
    from ..batched import Job, train_batch
    from ..config import RegressionConfig

    training.train(RegressionConfig(epochs=3))
    train_batch([Job(RegressionConfig(epochs=3)), Job(RegressionConfig(epochs=3, seed=1))])


def serve(conn, token: str, keep_going, parent_pid: int | None = None, poll_seconds: float = 0.05,
          target=None) -> None:
    """The claim-train-report loop every worker runs, wherever it lives. A store that stops
    accepting writes (disk full, read-only, unreachable) never kills it: the failure is logged, the
    connection reopened, and the run it held is settled (queued to resume, or failed with the
    reason) as soon as the store takes writes again."""
    busy, backoff = False, 0.5
    while keep_going():
        try:
            if busy:  # the store failed under this worker's runs: settle them first
                resumed, failed = worker_died(conn, "worker = ?", (token,), Problem("jobs.store_failed"))
                log.warning("%d run(s) settled after the store failed: %d queued to resume, %d failed",
                            resumed + failed, resumed, failed)
                busy, backoff = False, 0.5
            claimed, key = claim_batch(conn, token, batch_cap())
            if not claimed:
                time.sleep(poll_seconds)
                continue
            busy = True
            if key is None:  # a run that trains alone (MNIST, a study, a slice, slow motion, batching off)
                execute(conn, claimed[0][0], claimed[0][1], token, parent_pid)
            else:
                execute_batch(conn, claimed, key, token, parent_pid)
            busy = False
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
