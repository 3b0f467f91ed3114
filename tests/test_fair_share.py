"""Fair share on a class server: one student cannot starve the class however many cookies they
drop (a cap per client address), the queue has a bound, a run has a time budget, and the store
has a size bound for everyone's finished runs together."""

import time

import pytest

from losslab.config import RegressionConfig
from losslab.jobs.errors import LimitError
from losslab.jobs.service import JobService

LONG = RegressionConfig(epochs=100_000)


def test_fresh_cookies_from_one_address_share_its_cap(tmp_path, monkeypatch):
    """10 cookie-less sessions (10 owners) from one address queued 30 long runs before."""
    monkeypatch.setenv("LOSSLAB_MAX_RUNS_PER_CLIENT", "6")
    svc = JobService(tmp_path / "runs.sqlite3")  # no workers: everything stays queued
    for i in range(6):
        svc.submit(LONG, f"fresh-cookie-{i}-abcdefghijklmnop", client="address:198.51.100.7")
    with pytest.raises(LimitError, match="Your computer already has 6 runs"):
        svc.submit(LONG, "fresh-cookie-7-abcdefghijklmnop", client="address:198.51.100.7")
    svc.submit(LONG, "another-student-abcdefghijklmnop", client="address:198.51.100.8")  # the next student starts


def test_the_queue_has_a_bound_with_one_sentence(tmp_path, monkeypatch):
    monkeypatch.setenv("LOSSLAB_MAX_QUEUED", "4")
    svc = JobService(tmp_path / "runs.sqlite3", max_per_owner=10)
    for i in range(4):
        svc.submit(LONG, f"student-{i}-abcdefghijklmnopqr")
    with pytest.raises(LimitError, match="queue is full \\(4 runs waiting\\)"):
        svc.submit(LONG, "student-9-abcdefghijklmnopqr")


def test_a_run_past_its_time_budget_is_stopped_and_keeps_its_results(make_service, monkeypatch):
    monkeypatch.setenv("LOSSLAB_MAX_RUN_SECONDS", "1")
    svc = make_service(workers=1)
    run_id = svc.submit(LONG, "student-abcdefghijklmnopqrstu")
    run = svc.wait(run_id, timeout=60)
    assert run["status"] == "stopped" and "time limit of 1 s per run" in run["error"]
    steps = svc.metrics(run_id)["train/loss"][0]
    assert 0 < len(steps) < LONG.epochs and steps == list(range(1, len(steps) + 1))


def test_the_store_keeps_a_bounded_number_of_finished_runs_of_anyone(tmp_path, monkeypatch):
    monkeypatch.setenv("LOSSLAB_MAX_FINISHED_RUNS", "3")
    svc = JobService(tmp_path / "runs.sqlite3")
    ids = []
    for i in range(5):  # five owners, one finished run each: the per-owner bound never bites
        ids.append(svc.submit(RegressionConfig(epochs=5), f"owner-{i}-abcdefghijklmnopq"))
        svc.stop(ids[-1], f"owner-{i}-abcdefghijklmnopq")  # queued → stopped: finished
        time.sleep(0.01)
    svc.prune()
    assert [svc.get(i) is not None for i in ids] == [False, False, True, True, True]
