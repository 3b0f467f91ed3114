"""Faults on a real server: a restart while runs are active, a worker killed mid-run."""

from __future__ import annotations

import os
import signal
import time

import pytest

from losslab.config import RegressionConfig
from losslab.jobs.service import JobService
from losslab.jobs.store import FINAL_STATUSES
from tests.conftest import wait_for
from tests.e2e.conftest import Server

pytestmark = pytest.mark.e2e


def wait(predicate, timeout=60.0):
    return wait_for(predicate, timeout, interval=0.1)


def open_home(browser, url):
    """A visit starts the server's session and with it the worker pool (and its recovery)."""
    pg = browser.new_page()
    pg.goto(url)
    pg.wait_for_function("() => document.body.innerText.includes('see how loss functions behave')")
    pg.close()


def test_restart_with_active_runs_every_run_ends_with_metrics(tmp_path, browser):
    srv = Server(tmp_path, None).start()
    # This process only queues runs and reads them; the server's workers train them.
    svc = JobService(tmp_path / "losslab.sqlite3", max_per_owner=10)
    open_home(browser, srv.url)
    ids = [svc.submit(RegressionConfig(epochs=100_000, seed=i), "alice") for i in range(3)]
    wait(lambda: sum(bool(svc.metrics(i)) for i in ids) >= 2)  # two workers busy, one queued
    before = {i: len(svc.metrics(i).get("train/loss", ([], []))[0]) for i in ids}
    srv.stop(kill=True)  # the server dies without warning, mid-run
    time.sleep(1.0)
    srv.start(port=srv.port)
    open_home(browser, srv.url)
    runs = {i: wait(lambda i=i: (r := svc.get(i)) and r["status"] != "running" and r) for i in ids}
    interrupted = [i for i, r in runs.items() if r["status"] == "interrupted"]
    assert len(interrupted) >= 2, {i: r["status"] for i, r in runs.items()}
    for i in interrupted:
        assert len(svc.metrics(i)["train/loss"][0]) >= before[i] > 0  # committed metrics survive
        assert "restarted" in runs[i]["error"]
    for i in ids:  # the queued one runs after the restart; stop it to finish
        svc.stop(i, "alice")
        assert wait(lambda i=i: svc.get(i)["status"] in FINAL_STATUSES)
    srv.stop()


def test_worker_killed_mid_run_is_reported_and_the_next_run_works(server, page):
    page.goto(f"{server.url}/regression?epochs=100000")
    page.get_by_role("button", name="▶ Start").click()
    page.wait_for_url("**run=*")
    run_id = page.url.split("run=")[1].split("&")[0]
    svc = JobService(server.home / "losslab.sqlite3")
    wait(lambda: svc.metrics(run_id))
    os.kill(int(svc.get(run_id)["worker"].split(":")[0]), signal.SIGKILL)
    page.wait_for_function("() => document.body.innerText.includes('worker process running this run was killed')",
                           timeout=30_000)
    assert svc.get(run_id)["status"] == "failed"
    page.goto(f"{server.url}/regression?epochs=500")
    page.get_by_role("button", name="▶ Start").click()
    page.wait_for_function("() => /completed/.test(document.querySelector(\"[data-testid='stMain']\").innerText)",
                           timeout=60_000)
