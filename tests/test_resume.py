"""Runs survive a server restart and a killed worker: they resume from their saved state, with
real worker processes, on both stores (SQLite in a temporary folder, a real PostgreSQL schema)."""

import os
import signal

import pytest

from losslab.config import RegressionConfig
from losslab.jobs.executors import LocalExecutor
from losslab.jobs.service import JobService
from losslab.jobs.worker import token_pid
from tests.conftest import STORES, both_stores, wait_for
from tests.test_jobs import LONG, SHORT

store_target = pytest.fixture(params=STORES)(both_stores)


def _kill_worker_of(s, run_id, after_rows):
    wait_for(lambda: (r := s.get(run_id))["status"] == "running" and r["worker"]
             and len(s.metrics(run_id).get("train/loss", ([], []))[0]) > after_rows, timeout=60)
    os.kill(token_pid(s.get(run_id)["worker"]), signal.SIGKILL)


def test_a_killed_workers_run_resumes_twice_then_fails_with_the_reason(make_service):
    s = make_service(workers=1)
    run_id = s.submit(LONG, "alice")
    rows = 300
    for attempt in (1, 2):
        _kill_worker_of(s, run_id, rows)
        run = wait_for(lambda: (r := s.get(run_id))["attempts"] == attempt and r)
        assert run["resumed_at"] is not None
        rows = len(s.metrics(run_id)["train/loss"][0]) + 100
    _kill_worker_of(s, run_id, rows)
    run = s.wait(run_id, timeout=20)
    assert run["status"] == "failed" and "was killed (SIGKILL" in run["error"] and "resumed 2 times" in run["error"]
    kept = s.metrics(run_id)["train/loss"][0]
    assert len(kept) >= rows and kept == list(range(1, len(kept) + 1))  # no gap, no duplicate across resumes
    nxt = s.submit(SHORT, "alice")
    assert s.wait(nxt, timeout=60)["status"] == "completed"


def test_a_restart_resumes_the_run_where_it_was_saved_with_the_same_result(store_target):
    """The server goes away mid-run; after the restart the run continues from its last saved
    state: every step's row exactly once, the same final line as an uninterrupted run."""
    from losslab.training import train

    config = RegressionConfig(epochs=6000, speed=1000)  # ~6 s: several resume saves (every 2 s)
    db = store_target
    s1 = JobService(db, LocalExecutor(db, workers=1, threads=1))
    run_id = s1.submit(config, "alice")
    queued = s1.submit(SHORT, "alice")
    wait_for(lambda: s1.conn.execute("SELECT step FROM resume WHERE run = ?", (run_id,)).fetchone(), timeout=30)
    s1.executor.shutdown()  # the server goes away mid-run
    saved = s1.conn.execute("SELECT step FROM resume WHERE run = ?", (run_id,)).fetchone()[0]
    s2 = JobService(db, LocalExecutor(db, workers=1, threads=1))
    try:
        run = s2.wait(run_id, timeout=60)
        assert run["status"] == "completed" and run["resumed_at"] == saved and run["attempts"] == 1
        assert 0 < saved < config.epochs
        steps, values = s2.metrics(run_id)["train/loss"]
        assert steps == list(range(1, config.epochs + 1))
        alone = train(config.replace(speed=0.0))
        assert run["final"]["slope"] == pytest.approx(alone.final["slope"], rel=1e-5)
        assert run["final"]["intercept"] == pytest.approx(alone.final["intercept"], rel=1e-5)
        assert s2.wait(queued, timeout=60)["status"] == "completed"  # queued runs still run
    finally:
        s2.close()
