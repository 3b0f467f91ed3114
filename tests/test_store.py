"""The store under concurrency, on both stores (SQLite, and a real PostgreSQL server where several
web replicas and hosts share one store): the owner cap and the queue claim hold under races."""

import threading

import pytest

from losslab.jobs.errors import LimitError
from losslab.jobs.service import JobService
from tests.conftest import STORES, both_stores
from tests.test_jobs import SHORT

store_target = pytest.fixture(params=STORES)(both_stores)


def test_the_owner_cap_holds_when_two_replicas_take_submits_at_once(store_target):
    """Two web replicas (two services on one store), 24 browser tabs of one student pressing
    Start together: exactly the cap's worth of runs is queued, the others get the limit message."""
    replicas = [JobService(store_target, max_per_owner=3) for _ in range(2)]
    barrier, accepted, refused = threading.Barrier(24), [], []

    def tab(i):
        barrier.wait()
        try:
            accepted.append(replicas[i % 2].submit(SHORT, "alice"))
        except LimitError:
            refused.append(i)

    threads = [threading.Thread(target=tab, args=(i,)) for i in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(accepted) == 3 and len(refused) == 21
    assert len(replicas[0].list_runs("alice")) == 3


def test_concurrent_claims_take_each_queued_run_exactly_once(store_target):
    """Six workers (each its own connection, as on several hosts) claim from one queue at once:
    no run is handed out twice and none is left behind."""
    from losslab.jobs.store import connect
    from losslab.jobs.worker import claim

    s = JobService(store_target, max_per_owner=100)
    queued = {s.submit(SHORT, f"owner{i % 10}") for i in range(30)}
    claimed, lock = [], threading.Lock()

    def worker(n):
        conn = connect(store_target)
        while (job := claim(conn, f"test/{n}:x")) is not None:
            with lock:
                claimed.append(job[0])
        conn.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(claimed) == sorted(queued)
    assert {r["status"] for r in s.list_runs(None, limit=100)} == {"running"}


def test_an_older_store_is_migrated_in_order_and_keeps_its_runs(tmp_path):
    """A store written by an older losslab (migrations 1 and 2 only: no resume columns, no
    lessons) opens: the missing migrations run in order, its runs are still there."""
    import sqlite3

    from losslab.jobs import migrations
    from losslab.jobs.store import connect

    db = tmp_path / "old.sqlite3"
    old = sqlite3.connect(db)
    for number in (1, 2):
        for step in migrations.MIGRATIONS[number]:
            if isinstance(step, str):
                old.execute(step)
    old.execute("INSERT INTO runs (id, owner, task, config, status, created) VALUES "
                "('r1', 'alice', 'regression', ?, 'completed', 1.0)", (SHORT.to_json(),))
    old.execute("PRAGMA user_version = 2")
    old.commit()
    old.close()
    conn = connect(db)
    assert conn.version() == migrations.LATEST
    assert {"version", "resumed_at", "attempts"} <= conn.columns("runs")
    run = JobService(db).get("r1")
    assert run["status"] == "completed" and run["attempts"] == 0 and run["config"]["epochs"] == SHORT.epochs
    assert {"id", "record"} <= conn.columns("lessons") and {"lesson", "choice"} <= conn.columns("answers")


def test_servers_starting_at_once_on_a_fresh_store_migrate_it_once(store_target):
    from losslab.jobs import migrations
    from losslab.jobs.store import connect

    barrier, versions, errors = threading.Barrier(6), [], []

    def start():
        barrier.wait()
        try:
            versions.append(connect(store_target).version())
        except Exception as exc:  # noqa: BLE001 (any failure of a racing start is the finding)
            errors.append(repr(exc))

    threads = [threading.Thread(target=start) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and versions == [migrations.LATEST] * 6


def test_a_flush_with_one_key_twice_keeps_one_row_on_both_stores(store_target):
    """A worker's batch may name a row twice (a resumed run re-reports a step): metric rows keep
    the first, snapshots the last, in one call, whichever store."""
    from losslab.jobs.store import Transaction

    s = JobService(store_target)
    run_id = s.submit(SHORT, "alice")
    with Transaction(s.conn) as c:
        c.executemany("INSERT OR IGNORE INTO metrics VALUES (?, ?, ?, ?, ?, ?, ?)",
                      [(run_id, 1, 1, "train", "loss", 2.0, 0.0), (run_id, 1, 1, "train", "loss", 9.0, 0.0),
                       (run_id, 2, 1, "train", "loss", 1.0, 0.0)])
        c.executemany("INSERT OR REPLACE INTO snapshots VALUES (?, ?, ?, ?)",
                      [(run_id, 5, "line", '{"a": 1}'), (run_id, 5, "line", '{"a": 2}')])
    assert s.metrics(run_id)["train/loss"] == ([1, 2], [2.0, 1.0])
    assert s.snapshots(run_id, "line") == [(5, {"a": 2})]


def test_threads_of_one_server_take_turns_to_write_instead_of_timing_out(tmp_path):
    """SQLite: a slow writer (here: a transaction held 0.5 s) makes the other threads of the same
    server wait their turn on the process's write lock, not on SQLite's busy timeout, which here
    is 50 ms and would fail them with "database is locked"."""
    from losslab.jobs.store import Transaction, connect

    path = tmp_path / "losslab.sqlite3"
    conns = [connect(path) for _ in range(5)]
    for c in conns:
        c.execute("PRAGMA busy_timeout = 50")
    conns[0].execute("CREATE TABLE t (n INTEGER)")
    holding, errors = threading.Event(), []

    def slow():
        with Transaction(conns[0]) as c:
            c.execute("INSERT INTO t VALUES (0)")
            holding.set()
            threading.Event().wait(0.5)

    def quick(i):
        holding.wait()
        try:
            with Transaction(conns[i]) as c:
                c.execute("INSERT INTO t VALUES (?)", (i,))
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=slow)] + [threading.Thread(target=quick, args=(i,)) for i in range(1, 5)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(10)
    assert errors == []
    assert sorted(r[0] for r in conns[0].execute("SELECT n FROM t")) == [0, 1, 2, 3, 4]
