"""Faults on a real server: a restart while runs are active, a worker killed mid-run."""

from __future__ import annotations

import os
import signal
import time

import pytest

from losslab.config import RegressionConfig
from losslab.jobs.service import SYSTEM, JobService
from losslab.jobs.store import FINAL_STATUSES
from losslab.jobs.worker import token_pid
from tests.conftest import STORES, both_stores, wait_for
from tests.e2e.conftest import Server

store_target = pytest.fixture(params=STORES)(both_stores)

pytestmark = pytest.mark.e2e


def wait(predicate, timeout=60.0):
    return wait_for(predicate, timeout, interval=0.1)


def open_home(browser, url):
    """A visit starts the server's session and with it the worker pool (and its recovery)."""
    pg = browser.new_page()
    pg.goto(url)
    pg.wait_for_function("() => document.body.innerText.includes('see how loss functions behave')")
    return pg


def test_restart_with_active_runs_resumes_them_with_their_metrics(tmp_path, browser, store_target):
    # On SQLite in the server's home, and on a PostgreSQL server (LOSSLAB_DATABASE_URL).
    url = store_target if isinstance(store_target, str) else None
    srv = Server(tmp_path, None, {"LOSSLAB_DATABASE_URL": url} if url else None).start()
    # This process only queues runs and reads them; the server's workers train them.
    svc = JobService(url or tmp_path / "losslab.sqlite3", max_per_owner=10)
    open_home(browser, srv.url)
    ids = [svc.submit(RegressionConfig(epochs=100_000, seed=i), "alice") for i in range(3)]
    wait(lambda: sum(bool(svc.metrics(i)) for i in ids) >= 2)  # two workers busy, one queued
    # past their first resume points (saved every ~2 s): the run was killed past step 12,000
    wait(lambda: sum(len(svc.metrics(i).get("train/loss", ([], []))[0]) > 12_000 for i in ids) >= 2)
    before = {i: len(svc.metrics(i).get("train/loss", ([], []))[0]) for i in ids}
    srv.stop(kill=True)  # the server dies without warning, mid-run
    time.sleep(1.0)
    srv.start(port=srv.port)
    page = open_home(browser, srv.url)
    # the runs that were training are queued again and go on from their saved state
    resumed = [i for i in ids if before[i] and wait(lambda i=i: (r := svc.get(i))["attempts"] == 1 and r)]
    assert len(resumed) >= 2
    for i in resumed:
        wait(lambda i=i: len(svc.metrics(i).get("train/loss", ([], []))[0]) > before[i])  # training again
        steps = svc.metrics(i)["train/loss"][0]
        assert steps == list(range(1, len(steps) + 1))  # committed metrics survive, nothing twice
        # the server alone was killed, its workers left orphaned: they keep the resume point
        # (they deleted it, and the run trained again from step 0)
        assert svc.get(i)["resumed_at"] > 0
    page.goto(f"{srv.url}/regression?run={resumed[0]}")
    page.wait_for_function("() => document.body.innerText.includes('Resumed at step')", timeout=30_000)
    for i in ids:  # stop them to finish
        svc.stop(i, "alice")
        assert wait(lambda i=i: svc.get(i)["status"] in FINAL_STATUSES)
    srv.stop()


def test_worker_killed_mid_run_resumes_on_a_new_worker_and_says_so(server, page):
    page.goto(f"{server.url}/regression?epochs=100000")
    page.get_by_role("button", name="▶ Start").click()
    page.wait_for_url("**run=*")
    run_id = page.url.split("run=")[1].split("&")[0]
    svc = JobService(server.home / "losslab.sqlite3")
    wait(lambda: svc.metrics(run_id))
    os.kill(token_pid(svc.get(run_id)["worker"]), signal.SIGKILL)
    page.wait_for_function("() => document.body.innerText.includes('Resumed at step')", timeout=30_000)
    run = wait(lambda: (r := svc.get(run_id))["status"] == "running" and r["attempts"] == 1 and r)
    assert run["resumed_at"] is not None
    svc.stop(run_id, SYSTEM)
    assert wait(lambda: svc.get(run_id)["status"] == "stopped")
    page.goto(f"{server.url}/regression?epochs=500")
    page.get_by_role("button", name="▶ Start").click()
    page.wait_for_function("() => /completed/.test(document.querySelector(\"[data-testid='stMain']\").innerText)",
                           timeout=60_000)
