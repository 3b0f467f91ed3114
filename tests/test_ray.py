"""The Ray executor on a real local Ray cluster of two nodes (one CPU each) and a real PostgreSQL
store: runs of many owners spread over both nodes with every metric row exactly once, stop
mid-run, and a killed actor's run resumes on another actor from its saved state."""

from __future__ import annotations

import pytest

from losslab.config import RegressionConfig
from losslab.jobs.service import JobService
from tests.conftest import wait_for
from tests.services import RayCluster, ray_missing

pytestmark = [pytest.mark.ray, pytest.mark.postgres]
SPREAD = RegressionConfig(epochs=8000, lr=0.05)
LONG = RegressionConfig(epochs=6000, speed=1000)  # ~6 s: resume saves every ~2 s


@pytest.fixture(scope="module")
def cluster():
    why = ray_missing()
    if why:
        pytest.skip(why)
    c = RayCluster(nodes=2, cpus=1)
    yield c
    c.shutdown()


@pytest.fixture
def ray_service(cluster, postgres, tmp_path, monkeypatch):
    from losslab.jobs.ray_executor import RayExecutor

    monkeypatch.setenv("LOSSLAB_HOME", str(tmp_path))
    url = postgres.fresh()
    executor = RayExecutor(url, workers=2, address=cluster.address)
    service = JobService(url, executor, max_per_owner=3)
    assert executor.wait_ready(timeout=180), "the Ray actors never warmed up"
    yield service
    service.close()
    executor.kill()


def _steps(service, run_id):
    return service.metrics(run_id)["train/loss"][0]


def test_twenty_runs_of_ten_owners_spread_over_both_nodes_nothing_lost(ray_service, cluster):
    s = ray_service
    assert cluster.nodes() == 2
    status = s.executor.status()
    assert status["executor"] == "ray" and status["alive"] == 2 and status["nodes"] == 2
    # Runs started together train as one batch on one actor: two optimizers make two batches, so
    # both actors (one per node) take work; each batch trains ~2 s, long enough for the other to claim.
    configs = [SPREAD.replace(optimizer="adam" if i % 2 else "sgd", seed=i) for i in range(20)]
    ids = [s.submit(c, f"owner{i % 10}") for i, c in enumerate(configs)]
    runs = [s.wait(run_id, timeout=240) for run_id in ids]
    assert {r["status"] for r in runs} == {"completed"}
    for run_id in ids:  # every step's row exactly once, none missing
        assert _steps(s, run_id) == list(range(1, SPREAD.epochs + 1))
    tokens = {r["worker"] for r in runs}
    assert all(t.startswith("ray/") for t in tokens)
    infos = {i["token"]: i["node"][:12] for i in s.executor.infos if i}
    used = {infos[t] for t in tokens if t in infos}
    assert len(used) == 2, f"runs trained on {used} only"


def test_stop_reaches_an_actor_mid_run(ray_service):
    """(How soon: benchmarks/jobs.py --executor ray measures it.)"""
    s = ray_service
    run_id = s.submit(RegressionConfig(epochs=100_000), "alice")
    wait_for(lambda: s.get(run_id)["status"] == "running" and s.metrics(run_id), timeout=120)
    s.stop(run_id, "alice")
    run = s.wait(run_id, timeout=30)
    assert run["status"] == "stopped"
    steps = _steps(s, run_id)
    assert 0 < len(steps) < 100_000 and steps == list(range(1, len(steps) + 1))


def test_a_killed_actors_run_resumes_on_another_actor(ray_service):
    import ray

    s = ray_service
    run_id = s.submit(LONG, "alice")
    wait_for(lambda: s.conn.execute("SELECT step FROM resume WHERE run = ?", (run_id,)).fetchone(), timeout=120)
    token = s.get(run_id)["worker"]
    index = int(token.split("/")[1].split(":")[0])
    ray.kill(s.executor.actors[index], no_restart=True)
    run = s.wait(run_id, timeout=180)
    assert run["status"] == "completed" and run["attempts"] == 1 and run["resumed_at"] > 0
    assert run["worker"] != token
    assert _steps(s, run_id) == list(range(1, LONG.epochs + 1))  # no gap, no duplicate across the resume
    wait_for(lambda: s.executor.status()["alive"] == 2, timeout=180)  # the dead actor was replaced
    assert s.executor.status()["restarts"] >= 1


def test_a_killed_actors_batch_every_run_resumes(ray_service):
    """Runs started together train as one batch on an actor; killed, each of them resumes."""
    import ray

    s = ray_service
    ids = [s.submit(RegressionConfig(epochs=60_000, seed=k), f"student{k}") for k in range(4)]

    def a_batch():
        runs = [s.get(i) for i in ids]
        by_worker = {}
        for r in runs:
            if r["status"] == "running" and s.conn.execute("SELECT 1 FROM resume WHERE run = ?", (r["id"],)).fetchone():
                by_worker.setdefault(r["worker"], []).append(r["id"])
        return next(((w, rs) for w, rs in by_worker.items() if len(rs) >= 2), None)

    token, batch = wait_for(a_batch, timeout=120, what="two runs training as one batch, their state saved")
    ray.kill(s.executor.actors[int(token.split("/")[1].split(":")[0])], no_restart=True)
    for run_id in batch:
        run = s.wait(run_id, timeout=240)
        assert run["status"] == "completed" and run["attempts"] == 1 and run["resumed_at"] > 0
        assert _steps(s, run_id) == list(range(1, 60_001))  # every step once across the kill
    for run_id in ids:
        assert s.wait(run_id, timeout=240)["status"] == "completed"


def test_the_lecturer_page_shows_the_clusters_actors_and_nodes(ray_service, monkeypatch):
    from losslab.jobs import service as service_mod
    from tests.conftest import ROOT, app

    monkeypatch.setenv("LOSSLAB_ADMIN_TOKEN", "lecture-secret")
    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(service_mod, "_service", ray_service)  # the app's service is this one
    at = app("admin")
    at.text_input(key="admin_input").set_value("lecture-secret").run()
    assert not at.exception, at.exception
    assert any(m.label == "Workers alive" and m.value == "2 / 2" for m in at.metric)
    caption = " ".join(c.value for c in at.caption)
    assert "Ray cluster: 2 of 2 actors alive on 2 node(s)" in caption and "postgresql://losslab@" in caption
    table = at.dataframe[0].value
    assert list(table.columns) == ["Actor", "Node", "Process", "Alive"] and list(table["Alive"]) == ["✓", "✓"]


def test_a_lost_nodes_run_resumes_on_the_other_node(ray_service, cluster):
    """The worker node dies (its raylet and actor killed, no warning): the run it trained resumes
    from its saved state on the head node's actor; a new node brings the pool back to two."""
    s = ray_service
    ids = [s.submit(LONG, "alice"), s.submit(LONG, "bob")]  # one on each actor
    for run_id in ids:
        wait_for(lambda run_id=run_id: s.conn.execute("SELECT step FROM resume WHERE run = ?", (run_id,)).fetchone(),
                 timeout=120)
    node = next(n for n in cluster.cluster.worker_nodes)
    node_of = {i["token"]: i["node"] for i in s.executor.infos if i}
    lost = [r for r in ids if node_of.get(s.get(r)["worker"]) == node.node_id]
    assert len(lost) == 1
    cluster.cluster.remove_node(node, allow_graceful=False)
    runs = {r: s.wait(r, timeout=300) for r in ids}
    assert {r["status"] for r in runs.values()} == {"completed"}
    assert runs[lost[0]]["attempts"] == 1 and runs[lost[0]]["resumed_at"] > 0
    for run_id in ids:
        assert _steps(s, run_id) == list(range(1, LONG.epochs + 1))
    cluster.cluster.add_node(num_cpus=1)  # capacity again: the replacement actor starts there
    wait_for(lambda: s.executor.status()["alive"] == 2, timeout=180)
