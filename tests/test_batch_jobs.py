"""A class presses Start: runs started together train as one batch in a real worker process, on
both stores; each keeps its own rows, status, stop button and resume (jobs/batch.py)."""

from __future__ import annotations

import os
import signal

import pytest

from losslab.config import RegressionConfig
from losslab.jobs.worker import token_pid
from losslab.training import train
from tests.conftest import STORES, both_stores, wait_for

store_target = pytest.fixture(params=STORES)(both_stores)

LONGISH = RegressionConfig(epochs=60_000)  # long enough to act on while the batch trains


def _submit(s, configs):
    return [s.submit(c, f"student-{i}") for i, c in enumerate(configs)]


def _one_batch(s, ids):
    """Wait until every run trains under one worker (one batch); returns its token."""
    def together():
        runs = [s.get(i) for i in ids]
        workers = {r["worker"] for r in runs}
        return all(r["status"] == "running" for r in runs) and len(workers) == 1 and workers.pop()
    return wait_for(together, timeout=60, what="every run in one batch")


def test_runs_started_together_train_as_one_batch_with_their_own_rows(make_service):
    s = make_service(workers=1)
    configs = [RegressionConfig(epochs=4000, seed=k, lr=0.05 * (1 + k)) for k in range(4)]
    ids = _submit(s, configs)
    seen = []
    wait_for(lambda: seen.append(s.batches()) or any(n >= 2 for n in seen[-1]), timeout=60,
             what="two or more runs trained together")
    for run_id, config in zip(ids, configs):
        run = s.wait(run_id, timeout=120)
        assert run["status"] == "completed" and run["total_steps"] == config.epochs
        steps, _ = s.metrics(run_id)["train/mse"]
        assert steps == list(range(1, config.epochs + 1))
        alone = train(config)
        assert run["final"]["final/mse"] == pytest.approx(alone.final["final/mse"], rel=1e-4)
    assert s.batches() == []


def test_stopping_one_run_of_a_batch_stops_only_it_and_a_diverging_one_ends_alone(make_service):
    s = make_service(workers=1)
    wild = RegressionConfig(optimizer="sgd", lr=5.0, epochs=60_000, schedule="constant")
    ids = _submit(s, [LONGISH.replace(optimizer="sgd"), LONGISH.replace(optimizer="sgd", seed=1), wild])
    _one_batch(s, ids[:2])
    s.stop(ids[0], "student-0")
    stopped = s.wait(ids[0], timeout=60)
    assert stopped["status"] == "stopped"
    diverged = s.wait(ids[2], timeout=60)
    assert diverged["status"] == "diverged" and "too high" in diverged["error"]
    assert diverged["diverged_at"] == train(wild).diverged_at
    other = s.wait(ids[1], timeout=180)
    assert other["status"] == "completed"
    assert s.metrics(ids[1])["train/loss"][0][-1] == LONGISH.epochs


def test_a_worker_killed_mid_batch_every_run_resumes_from_its_saved_state(make_service):
    s = make_service(workers=1)
    ids = _submit(s, [LONGISH.replace(seed=k) for k in range(3)])
    token = _one_batch(s, ids)
    wait_for(lambda: all(s.conn.execute("SELECT 1 FROM resume WHERE run = ?", (i,)).fetchone() for i in ids),
             timeout=60, what="each run's resume state saved")
    os.kill(token_pid(token), signal.SIGKILL)
    for run_id in ids:
        run = s.wait(run_id, timeout=180)
        assert run["status"] == "completed" and run["attempts"] == 1 and run["resumed_at"] > 0
        steps, _ = s.metrics(run_id)["train/loss"]
        assert steps == list(range(1, LONGISH.epochs + 1))  # every step once across the kill


def test_a_run_deleted_mid_batch_leaves_it_and_a_config_that_does_not_load_fails_alone(make_service):
    s = make_service(workers=1)
    ids = _submit(s, [LONGISH.replace(epochs=20_000, seed=k) for k in range(3)])
    _one_batch(s, ids)
    # a stored config that does not load (an older server's, edited by hand) waits in the queue
    from losslab.jobs.store import Transaction, now
    with Transaction(s.conn) as c:
        c.execute("INSERT INTO runs (id, owner, task, config, status, created) VALUES (?, ?, ?, ?, 'queued', ?)",
                  ("badconfig", "student-9", "regression", '{"task": "regression", "epochs": -5}', now()))
    s.delete(ids[0], "student-0")
    for run_id in ids[1:]:
        assert s.wait(run_id, timeout=180)["status"] == "completed"
    assert s.get(ids[0]) is None
    bad = s.wait("badconfig", timeout=60)
    assert bad["status"] == "failed" and "epochs" in bad["error"]


def test_the_lecturer_page_shows_how_many_runs_each_worker_trains_together(app_env, monkeypatch):
    from losslab.jobs.service import get_service
    from tests.conftest import app

    monkeypatch.setenv("LOSSLAB_ADMIN_TOKEN", "lecture-secret")
    s = get_service()
    ids = _submit(s, [LONGISH.replace(seed=k) for k in range(3)])
    _one_batch(s, ids)
    at = app("admin")
    at.text_input(key="admin_input").set_value("lecture-secret").run()
    assert not at.exception, at.exception
    caption = " ".join(c.value for c in at.caption)
    assert "Training now: 3 runs as 1 batched program(s), one per busy worker: 3 runs." in caption
    for run_id, owner in zip(ids, ("student-0", "student-1", "student-2")):
        s.stop(run_id, owner)
