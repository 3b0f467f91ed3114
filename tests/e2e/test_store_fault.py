"""A store that stops accepting writes, on a real server: its PostgreSQL server stopped mid-run,
then started again (as a failing volume or a database restart would do). Before, the workers
crashed in their error path, the supervisor thread died, the run stayed "running" for ever,
pooled connections kept failing after the store was back, and /_stcore/health said "ok"
throughout: no proxy or container runtime could notice."""

from __future__ import annotations

import time
import urllib.error
import urllib.request

import pytest

from losslab.config import RegressionConfig
from losslab.jobs.service import JobService
from tests.conftest import own_postgres_server, wait_for
from tests.e2e.conftest import Server

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]


def _health(url) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
    except OSError as e:
        return 0, str(e)


@pytest.fixture
def own_postgres():
    """A PostgreSQL server of this test's own: it is stopped and started mid-test."""
    yield from own_postgres_server()


def test_a_store_that_stops_taking_writes_is_noticed_reported_and_recovered(own_postgres, tmp_path):
    url = own_postgres.fresh()
    srv = Server(tmp_path, None, {"LOSSLAB_DATABASE_URL": url}).start()
    try:
        svc = JobService(url)
        run_id = svc.submit(RegressionConfig(epochs=100_000), "student-token-abcdefghijklmnop")
        wait_for(lambda: len(svc.metrics(run_id).get("train/loss", ([], []))[0]) > 12_000, 90, 0.2)
        assert _health(srv.url) == (200, "ok")
        own_postgres.pause()
        status, said = wait_for(lambda: (h := _health(srv.url))[0] == 503 and h, 30, 0.5)
        assert "run store not writable" in said  # the proxy and the container's HEALTHCHECK now see it
        time.sleep(3)  # the worker meets the failure in its flush, its error path and its claim loop
        own_postgres.resume()
        assert wait_for(lambda: _health(srv.url) == (200, "ok"), 30, 0.5)  # fresh connections, not dead pooled ones
        svc.reset_connection()
        # settled once the store took writes again: queued to resume from its saved state, and
        # training again on the same pool (no worker crashed, the supervisor lives)
        run = wait_for(lambda: (r := svc.get(run_id))["attempts"] >= 1 and r["status"] == "running" and r, 60, 0.2)
        assert run["resumed_at"] and run["resumed_at"] > 0
        svc.stop(run_id, "student-token-abcdefghijklmnop")
        wait_for(lambda: svc.get(run_id)["status"] == "stopped", 30, 0.2)
        steps = svc.metrics(run_id)["train/loss"][0]
        assert steps == list(range(1, len(steps) + 1))  # no row lost or doubled across the outage
        other = svc.submit(RegressionConfig(epochs=300), "student-token-abcdefghijklmnop")
        assert svc.wait(other, timeout=60)["status"] == "completed"
    finally:
        srv.stop()
