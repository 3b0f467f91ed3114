"""The MNIST landscape slice: the stored trajectory, PCA and filter-normalised directions, the
plane's honesty numbers, the job (stoppable, kept with the run, deleted with it), the page."""

import pytest
import torch

from losslab.config import MnistConfig, SliceConfig
from losslab.jobs.executors import LocalExecutor
from losslab.jobs.service import JobService
from losslab.models import build_model
from losslab.slices import pca_directions, random_directions, run_slice, trajectory
from losslab.labs.mnist import CHECKPOINTS
from losslab.training import ListReporter, train
from tests.conftest import app

TINY = MnistConfig(train_subset=100, batch_size=5, epochs=5, model="mlp", hidden=16)  # 100 steps


def _trained(config=TINY):
    rep = ListReporter()
    train(config, rep)
    return [s for s, _ in rep.checkpoints], trajectory([b for _, b in rep.checkpoints])


def test_a_run_stores_about_fifty_checkpoints_from_start_to_end(tiny_mnist):
    steps, weights = _trained()
    total = TINY.epochs * TINY.steps_per_epoch
    assert steps[0] == 0 and steps[-1] == total and steps == sorted(steps)
    assert CHECKPOINTS <= len(steps) <= CHECKPOINTS + 2
    assert weights.shape == (len(steps), sum(p.numel() for p in build_model(TINY).parameters()))
    first = torch.nn.utils.parameters_to_vector(build_model(TINY).parameters()).detach()
    assert torch.allclose(weights[0], first, atol=1e-3)  # float16 storage of the initial weights


def test_pca_plane_explains_the_path_and_the_path_ends_at_the_final_weights(tiny_mnist):
    steps, weights = _trained()
    d1, d2, explained = pca_directions(weights)
    assert all(0.0 <= e <= 1.0 for e in explained) and sum(explained) <= 1.0 + 1e-9
    assert explained[0] >= explained[1]
    assert float(d1 @ d2) == pytest.approx(0.0, abs=1e-5) and float(d1.norm()) == pytest.approx(1.0, rel=1e-5)
    rep = ListReporter()
    result = run_slice(SliceConfig(run="r1", grid=11, images=100), TINY, steps, weights, rep)
    r = [p for _, kind, p in rep.snapshots if kind == "slice"][0]
    assert result.status == "completed" and len(r["loss"]) == 11 and len(r["loss"][0]) == 11
    assert r["path"][-1] == (0.0, 0.0)  # the final weights are the plane's origin
    start = weights[0] - weights[-1]
    assert r["path"][0] == pytest.approx((float(start @ d1), float(start @ d2)), rel=1e-5)
    # at the final weights the plane and the run agree exactly; elsewhere the gap is what was off the plane
    assert r["plane_loss"][-1] == pytest.approx(r["path_loss"][-1], rel=1e-6)
    assert r["alphas"][0] < min(p[0] for p in r["path"]) and r["alphas"][-1] > max(p[0] for p in r["path"])
    assert [row for row in r["accuracy"] if not all(0 <= a <= 1 for a in row)] == []


def test_random_directions_are_filter_normalised_and_leave_biases_alone(tiny_mnist):
    model = build_model(TINY)
    d1, d2 = random_directions(model, seed=3)
    offset = 0
    for p in model.parameters():
        part = d1[offset:offset + p.numel()].reshape(p.shape)
        if p.dim() >= 2:
            assert torch.allclose(part.norm(dim=1), p.detach().norm(dim=1), rtol=1e-4)
        else:
            assert torch.count_nonzero(part) == 0
        offset += p.numel()
    assert not torch.equal(d1, d2)
    assert torch.equal(random_directions(model, seed=3)[0], d1)  # seeded


def test_slice_stops_between_rows_and_writes_no_half_result(tiny_mnist):
    steps, weights = _trained()
    calls = {"n": 0}

    def stop_after_three_rows():
        calls["n"] += 1
        return calls["n"] > 3

    rep = ListReporter()
    result = run_slice(SliceConfig(run="r1", grid=21, images=100), TINY, steps, weights, rep, stop_after_three_rows)
    assert result.status == "stopped" and result.steps == 3
    assert [kind for _, kind, _ in rep.snapshots] == []
    assert [r[4] for r in rep.rows] == [1, 2, 3]  # progress row by row


def test_slice_job_reads_the_stored_trajectory_and_goes_with_its_run(tmp_path, tiny_mnist):
    db = tmp_path / "runs.sqlite3"
    svc = JobService(db, LocalExecutor(db, workers=1, threads=1))
    try:
        run_id = svc.submit(TINY, "alice")
        assert svc.wait(run_id, timeout=120)["status"] == "completed"
        stored = svc.conn.execute("SELECT COUNT(*) FROM checkpoints WHERE run = ?", (run_id,)).fetchone()[0]
        assert stored >= CHECKPOINTS
        job = svc.submit(SliceConfig(run=run_id, method="random", grid=11, images=100), "alice", label=f"slice:{run_id}:random")
        done = svc.wait(job, timeout=120)
        assert done["status"] == "completed", done["error"]
        assert svc.latest_snapshot(job, "slice")[1]["source"] == run_id
        assert [r["id"] for r in svc.runs_labelled(f"slice:{run_id}:random")] == [job]
        # a slice of something that is not a finished MNIST run fails in one sentence
        bad = svc.submit(SliceConfig(run="nosuchrun"), "alice")
        failed = svc.wait(bad, timeout=60)
        assert failed["status"] == "failed" and "no finished MNIST run 'nosuchrun'" in failed["error"]
        svc.delete(run_id, "alice")
        assert svc.conn.execute("SELECT COUNT(*) FROM checkpoints WHERE run = ?", (run_id,)).fetchone()[0] == 0
    finally:
        svc.close()


def test_bad_slice_config_gets_one_sentence():
    with pytest.raises(ValueError, match="run must be the id of an MNIST run"):
        SliceConfig(run="../../etc/passwd")
    with pytest.raises(ValueError, match=r"grid must be in \[11, 61\]"):
        SliceConfig(run="abc", grid=500)


def test_mnist_page_computes_a_slice_and_shows_it(app_env):
    from losslab.jobs import service as service_mod

    svc = service_mod.get_service()
    run_id = svc.submit(TINY, "the-lecturer-token-xyzxyz")  # anyone who sees a run may slice it
    svc.wait(run_id, timeout=120)
    at = app("mnist", {"run": run_id})
    assert not at.exception, at.exception
    assert any("The landscape, sliced" in h.value for h in at.subheader)
    at.button(key="mn_slice_go_pca").click().run()
    assert not at.exception, at.exception
    jobs = svc.runs_labelled(f"slice:{run_id}:pca")
    assert len(jobs) == 1 and jobs[0]["config"]["method"] == "pca"
    svc.wait(jobs[0]["id"], timeout=120)
    at = app("mnist", {"run": run_id})
    assert not at.exception, at.exception
    assert any("of the trajectory's variance" in c.value for c in at.caption)


def test_a_slice_measures_all_images_by_default_and_a_stored_number_still_replays(tiny_mnist):
    assert SliceConfig(run="abc").images == 0  # all of them
    old = SliceConfig.from_dict({"task": "slice", "run": "abc", "method": "pca", "grid": 11, "images": 1000, "seed": 0})
    assert old.images == 1000
    steps, weights = _trained()
    rep = ListReporter()
    run_slice(SliceConfig(run="r1", grid=11), TINY, steps, weights, rep)
    assert [p for _, k, p in rep.snapshots if k == "slice"][0]["images"] == TINY.train_subset  # all the run's images
    rep = ListReporter()
    run_slice(SliceConfig(run="r1", grid=11, images=60), TINY, steps, weights, rep)
    r = [p for _, k, p in rep.snapshots if k == "slice"][0]
    assert (r["images"], r["test_images"]) == (60, 50)  # the first 60 of each (the tiny test set has 50)
