"""The job engine with real worker processes, on both stores: real SQLite in a temporary folder
and a real PostgreSQL server (a schema of its own per test)."""

import threading

import pytest

from losslab.config import RegressionConfig
from losslab.jobs.errors import LimitError, NotAllowed, NotFound
from losslab.jobs.service import JobService
from losslab.series import downsample
from tests.conftest import STORES, both_stores, wait_for

store_target = pytest.fixture(params=STORES)(both_stores)

LONG = RegressionConfig(epochs=100_000)          # ~20 s: long enough to act on mid-run
SLOW = RegressionConfig(epochs=2000, speed=200)   # 10 s in slow motion
SHORT = RegressionConfig(epochs=300)


def test_lifecycle_queued_running_completed(make_service):
    s = make_service(workers=1)
    run_id = s.submit(SLOW.replace(epochs=600), "alice")
    assert s.get(run_id)["status"] in ("queued", "running")
    wait_for(lambda: s.get(run_id)["status"] == "running")
    # readable while it runs
    wait_for(lambda: s.metrics(run_id).get("train/loss"))
    assert s.latest_snapshot(run_id, "line") is not None
    run = s.wait(run_id, timeout=30)
    assert run["status"] == "completed" and run["started"] <= run["ended"]
    steps, values = s.metrics(run_id)["train/loss"]
    assert steps == list(range(1, 601))
    assert run["final"]["slope"] == pytest.approx(s.latest_snapshot(run_id, "line")[1]["slope"])
    # incremental polling returns only newer rows
    assert s.metrics(run_id, after_step=590)["train/loss"][0] == list(range(591, 601))


def test_stop_mid_run_keeps_metrics(make_service):
    # How fast a stop lands is measured in benchmarks/jobs.py; here: it ends the run as stopped.
    s = make_service(workers=1)
    run_id = s.submit(LONG, "alice")
    wait_for(lambda: len(s.metrics(run_id).get("train/loss", ([], []))[0]) > 500)
    s.stop(run_id, "alice")
    run = s.wait(run_id, timeout=30)
    assert run["status"] == "stopped" and run["final"]["final/mse"] > 0
    steps = s.metrics(run_id)["train/loss"][0]
    assert len(steps) > 500 and steps == list(range(1, len(steps) + 1))


def test_stop_a_queued_run_ends_it_at_once(make_service):
    s = make_service(workers=1)
    first = s.submit(LONG, "alice")
    wait_for(lambda: s.get(first)["status"] == "running")  # the one worker is busy from here on
    second, third = s.submit(SHORT, "alice"), s.submit(SHORT, "bob")
    assert (s.get(second)["queue_position"], s.get(third)["queue_position"]) == (1, 2)
    assert s.stop(second, "alice")["status"] == "stopped"
    assert s.get(third)["queue_position"] == 1  # the queue moved up
    s.stop(first, "alice")
    s.stop(third, "bob")


def test_forty_runs_twenty_owners_two_workers_nothing_lost(make_service):
    s = make_service(workers=2, max_per_owner=3)
    ids = []
    for owner in range(20):
        for _ in range(2):
            ids.append(s.submit(RegressionConfig(epochs=150, seed=len(ids)), f"owner{owner}"))
    # a third is allowed, a fourth is refused
    ids.append(s.submit(SHORT, "owner0"))
    with pytest.raises(LimitError, match="limit is 3"):
        s.submit(SHORT, "owner0")
    errors = []

    def poll():  # readers polling while the workers commit
        try:
            while not done.is_set():
                for rid in ids[:5]:
                    s.metrics(rid)
                    s.get(rid)
        except Exception as exc:  # pragma: no cover - the assertion below reports it
            errors.append(exc)

    done = threading.Event()
    readers = [threading.Thread(target=poll) for _ in range(2)]
    for t in readers:
        t.start()
    try:
        for rid in ids:
            assert s.wait(rid, timeout=120)["status"] == "completed"
    finally:
        done.set()
        for t in readers:
            t.join()
    assert not errors, errors
    for rid in ids:
        epochs = s.get(rid)["config"]["epochs"]
        steps = s.metrics(rid)["train/loss"][0]
        assert steps == list(range(1, epochs + 1))  # none lost, none duplicated


def test_ownership_non_owner_cannot_stop_or_delete_admin_can(make_service, monkeypatch):
    monkeypatch.setenv("LOSSLAB_ADMIN_TOKEN", "teacher-secret")
    s = make_service(workers=1)
    run_id = s.submit(LONG, "alice")
    with pytest.raises(NotAllowed):
        s.stop(run_id, "bob")
    with pytest.raises(NotAllowed):
        s.delete(run_id, "bob")
    with pytest.raises(NotAllowed):
        s.stop(run_id, "")
    # the admin token offered as an owner token (a forged owner cookie) is an owner token: no power
    with pytest.raises(NotAllowed):
        s.stop(run_id, "teacher-secret")
    with pytest.raises(NotAllowed):
        s.stop(run_id, "bob", admin="wrong-secret")
    assert s.get(run_id)["status"] in ("queued", "running")  # bob changed nothing
    s.stop(run_id, "bob", admin="teacher-secret")
    assert s.wait(run_id, timeout=5)["status"] == "stopped"
    s.delete(run_id, "bob", admin="teacher-secret")
    assert s.get(run_id) is None
    with pytest.raises(NotFound):
        s.stop(run_id, "alice")


def test_invalid_config_rejected_at_submit(make_service):
    s = make_service(workers=1)
    with pytest.raises(ValueError, match="lr must be"):
        s.submit({"task": "regression", "lr": -1}, "alice")
    assert s.list_runs("alice") == []


def test_diverged_run_reports_the_step(make_service):
    s = make_service(workers=1)
    run_id = s.submit(RegressionConfig(x_scale="raw", optimizer="sgd", lr=0.01, epochs=500), "alice")
    run = s.wait(run_id, timeout=60)
    assert run["status"] == "diverged" and run["diverged_at"] > 1
    assert f"step {run['diverged_at']}" in run["error"]


def test_retention_keeps_newest_runs_per_owner(store_target):
    s = JobService(store_target, keep_per_owner=2)
    ids = [s.submit(SHORT, "alice") for _ in range(3)]
    s.conn.execute("UPDATE runs SET status = 'completed'")
    s.prune("alice")
    assert [r["id"] for r in s.list_runs("alice")] == ids[::-1][:2]


def test_downsample_keeps_ends_and_extremes():
    steps = list(range(10_000))
    values = [1.0] * 10_000
    values[4321] = 99.0
    values[7000] = -5.0
    s, v = downsample(steps, values, 2000)
    assert len(s) <= 2000 and s[0] == 0 and s[-1] == 9999
    assert 99.0 in v and -5.0 in v and s == sorted(s)


def test_retention_deletes_finished_runs_older_than_the_limit_with_their_metrics(store_target):
    s = JobService(store_target, retention_hours=1)
    old, active = s.submit(SHORT, "alice"), s.submit(SHORT, "bob")
    s.conn.execute("UPDATE runs SET status = 'completed', created = created - 7200 WHERE id = ?", (old,))
    s.conn.execute("UPDATE runs SET created = created - 7200 WHERE id = ?", (active,))  # still queued: kept
    s.conn.execute("INSERT INTO metrics VALUES (?, 1, 1, 'train', 'loss', 1.0, 0)", (old,))
    assert s.prune() == 1
    assert s.get(old) is None and s.get(active) is not None
    assert s.conn.execute("SELECT COUNT(*) FROM metrics WHERE run = ?", (old,)).fetchone()[0] == 0


def test_a_second_server_on_the_same_home_shares_the_first_ones_workers(store_target, tmp_path):
    # Two processes on one LOSSLAB_HOME: the first holds the worker lock and trains; the second
    # only queues. Its start-up must not mark the first server's running run as interrupted.
    import subprocess
    import sys
    import textwrap

    from tests.conftest import ROOT

    script = textwrap.dedent("""
        import sys, time
        from losslab.jobs.service import get_service
        from losslab.config import RegressionConfig
        svc = get_service()
        print("workers" if svc.executor else "no-workers", flush=True)
        if svc.executor:
            run_id = svc.submit(RegressionConfig(epochs=100_000), "alice")
            print(run_id, flush=True)
            sys.stdin.readline()   # keep serving until told to stop
            svc.stop(run_id, "alice")
            svc.wait(run_id, timeout=10)
            svc.close()
    """)
    env = {**__import__("os").environ, "LOSSLAB_HOME": str(tmp_path), "LOSSLAB_WORKERS": "1"}
    target = tmp_path / "losslab.sqlite3"
    if isinstance(store_target, str):  # PostgreSQL: both servers find it through the variable
        env["LOSSLAB_DATABASE_URL"] = target = store_target
    first = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, env=env, text=True,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert first.stdout.readline().strip() == "workers"
        run_id = first.stdout.readline().strip()
        svc = JobService(target)
        wait_for(lambda: svc.get(run_id)["status"] == "running", timeout=60)
        second = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, text=True,
                                capture_output=True, timeout=120)
        assert second.stdout.strip() == "no-workers"
        assert svc.get(run_id)["status"] == "running"  # not interrupted by the second start-up
    finally:
        first.communicate("stop\n", timeout=60)


def test_commits_happen_between_steps_so_polling_after_a_step_misses_nothing(store_target):
    # The reporter buffers every row of a step and commits only at step boundaries, so a reader
    # that asks for "rows after step N" (as the live chart does) can never skip a test row of N.
    from losslab.jobs.store import connect
    from losslab.jobs.worker import DbReporter, FLUSH_SECONDS

    s = JobService(store_target)
    run_id = s.submit(SHORT, "alice")
    conn = connect(store_target)
    conn.execute("UPDATE runs SET status = 'running', worker = 't' WHERE id = ?", (run_id,))
    rep = DbReporter(conn, run_id, "t", None)
    rep.metric(1, 1, "train", "loss", 1.0)
    rep.progress(1, 10)  # the first step is committed at once
    assert s.metrics(run_id)["train/loss"][0] == [1]
    rep.last_flush -= 2 * FLUSH_SECONDS  # a flush is due...
    rep.metric(2, 1, "train", "loss", 0.9)
    rep.metric(2, 1, "test", "accuracy", 0.5)
    assert list(s.metrics(run_id, after_step=1)) == []  # ...but not in the middle of step 2
    rep.progress(2, 10)
    assert set(s.metrics(run_id, after_step=1)) == {"train/loss", "test/accuracy"}


def test_an_internal_error_is_logged_and_named_as_such(store_target, tmp_path, monkeypatch, caplog):
    """A bug in training is not the student's to fix: the run says 'internal error', the
    traceback goes to the server log. A data problem keeps its one actionable sentence."""
    from losslab import training
    from losslab.config import MnistConfig
    from losslab.jobs import worker
    from losslab.i18n import render
    from losslab.jobs.store import INTERNAL_ERROR, connect

    db = store_target
    svc = JobService(db)
    broken_run = svc.submit(SHORT, "alice")
    conn = connect(db)

    def broken_train(*args, **kwargs):
        raise RuntimeError("a bug in the training loop")

    monkeypatch.setattr(training, "train", broken_train)
    with caplog.at_level("ERROR"):
        assert worker.execute(conn, *worker.claim(conn, "tok:1"), "tok:1") == "failed"
    assert svc.get(broken_run)["error"] == "internal error (see the server log)" == render(INTERNAL_ERROR)
    assert "a bug in the training loop" in caplog.text and "Traceback" in caplog.text
    monkeypatch.undo()

    monkeypatch.setenv("LOSSLAB_DATA_DIR", str(tmp_path / "no-mnist-here"))
    from losslab import datasets

    datasets.mnist_tensors.cache_clear()
    no_data = svc.submit(MnistConfig(), "bob")
    assert worker.execute(conn, *worker.claim(conn, "tok:2"), "tok:2") == "failed"
    assert svc.get(no_data)["error"].startswith("MNIST is not installed in")
    datasets.mnist_tensors.cache_clear()
