"""Runs trained as one batch (losslab.batched) are the runs trained alone (training.train).

Tolerance: a batched run differs from the run alone only by the rounding of a batched matrix
product and of a vectorised update (fused multiply-adds): every curve point (metric row) within a
relative 1e-4 (observed ≤ 6e-6 on these configs), the same rows, the same snapshot steps, the same
status; each line snapshot within a relative 1e-3 (slope, and the line's value at the data's
mean: the intercept alone cancels). The lines are looser because RMSprop divides a vanishing
gradient by its own running size near the minimum, which magnifies rounding (observed 4e-4 on
Barron's loss). Configs are stable (a chaotic one, e.g. SGD with momentum
0.9 at η 0.1 on outliers, amplifies any rounding, alone or batched)."""

from __future__ import annotations

import pytest

from losslab import batched, resume, training
from losslab.config import BinaryConfig, RegressionConfig
from losslab.labs import batch_key
from losslab.labs.regression import regression_data
from losslab.lessons import SEED
from losslab.losses import LOSSES
from losslab.models import OPTIMIZERS
from losslab.training import ListReporter

REGRESSION = [n for n, loss in LOSSES.items() if loss.task == "regression"]
BINARY = [n for n, loss in LOSSES.items() if loss.task == "binary"]
TOL, LINE_TOL = 1e-4, 1e-3


def _where(row):
    return row[0], row[2], row[3]


def _mixed_regression() -> list:
    """Every regression loss with every optimizer, with different lengths, seeds, data sizes
    (outliers), eval_every and schedules in one batch per optimizer."""
    configs = []
    for i, (loss, opt) in enumerate((loss, opt) for loss in REGRESSION for opt in OPTIMIZERS):
        configs.append(RegressionConfig(loss=loss, optimizer=opt, lr=0.05, momentum=0.5 if opt != "adam" else 0.0,
                                        epochs=150 + 10 * (i % 4), seed=i % 3, outliers=3 * (i % 2),
                                        eval_every=1 + i % 3, schedule="constant" if i % 5 == 0 else "cosine"))
    return configs


def _mixed_binary() -> list:
    configs = []
    for i, (loss, opt) in enumerate((loss, opt) for loss in BINARY for opt in OPTIMIZERS):
        configs.append(BinaryConfig(loss=loss, optimizer=opt, lr=0.05, momentum=0.5 if opt != "adam" else 0.0,
                                    epochs=60 + 5 * (i % 3), seed=i % 2, outliers=2 * (i % 2)))
    return configs


def _batch(configs, more=None, reporters=None, stops=None):
    jobs = [batched.Job(c, reporters[i] if reporters else ListReporter(), stops[i] if stops else (lambda: False))
            for i, c in enumerate(configs)]
    outcomes = {}
    batched.train_batch(jobs, more, done=lambda job, outcome: outcomes.__setitem__(id(job), outcome))
    return [(job, outcomes[id(job)]) for job in jobs]


def _same_run(job, outcome, config=None):
    """The batched run equals the run alone: status, every row, every snapshot."""
    alone = ListReporter()
    result = training.train(config or job.config, alone)
    assert not isinstance(outcome, BaseException), outcome
    assert outcome.status == result.status and outcome.steps == result.steps
    rows, expected = sorted(job.reporter.rows, key=_where), sorted(alone.rows, key=_where)  # order: free
    assert [r[:4] for r in rows] == [r[:4] for r in expected]
    for got, want in zip(rows, expected):
        assert got[4] == pytest.approx(want[4], rel=TOL, abs=1e-6), (job.config, got)
    assert [s[:2] for s in job.reporter.snapshots] == [s[:2] for s in alone.snapshots]
    if job.config.task == "regression":
        mean = float(regression_data(job.config)[0].mean())
    for (_, kind, got), (_, _, want) in zip(job.reporter.snapshots, alone.snapshots):
        if kind == "line":
            assert got["slope"] == pytest.approx(want["slope"], rel=LINE_TOL, abs=1e-6)
            at_mean = lambda line: line["slope"] * mean + line["intercept"]  # noqa: E731
            assert at_mean(got) == pytest.approx(at_mean(want), rel=LINE_TOL, abs=1e-5)
    for key, value in result.final.items():
        if isinstance(value, float) and key not in ("intercept", "minimum/intercept"):
            assert outcome.final[key] == pytest.approx(value, rel=LINE_TOL, abs=1e-5), key
    return result


def test_every_regression_loss_and_optimizer_batched_equals_alone():
    configs = _mixed_regression()
    assert len({batch_key(c) for c in configs}) == len(OPTIMIZERS)  # one program per optimizer
    by_key = {}
    for c in configs:
        by_key.setdefault(batch_key(c), []).append(c)
    for group in by_key.values():
        for job, outcome in _batch(group):
            _same_run(job, outcome)


def test_every_binary_loss_and_optimizer_batched_equals_alone():
    by_key = {}
    for c in _mixed_binary():
        by_key.setdefault(batch_key(c), []).append(c)
    for group in by_key.values():
        for job, outcome in _batch(group):
            _same_run(job, outcome)


def test_the_seed_run_in_a_batch_still_ends_at_the_seeds_mse():
    (seed_job, seed), (other_job, other) = _batch([SEED, SEED.replace(seed=7, lr=0.05)])
    assert round(seed.final["final/mse"], 5) == 1.86175
    _same_run(other_job, other)


def test_a_diverging_run_ends_alone_and_the_others_go_on():
    wild = RegressionConfig(optimizer="sgd", lr=5.0, epochs=300, schedule="constant")
    calm = RegressionConfig(optimizer="sgd", lr=0.1, epochs=300, seed=3)
    (wj, wo), (cj, co) = _batch([wild, calm])
    alone = training.train(wild)
    assert wo.status == "diverged" and wo.diverged_at == alone.diverged_at
    assert wj.reporter.rows[-1][1] == wo.diverged_at  # its last row is the step it diverged at
    _same_run(cj, co)


def test_stopping_one_run_of_a_batch_stops_only_it():
    calls = {"n": 0}

    def stop_soon():
        calls["n"] += 1
        return calls["n"] > 5

    (sj, so), (oj, oo) = _batch([RegressionConfig(epochs=400), RegressionConfig(epochs=400, seed=2)],
                                stops=[stop_soon, lambda: False])
    assert so.status == "stopped" and 0 < so.steps < 400
    assert sj.reporter.snapshots[-1][0] == so.steps  # a stopped run's line where it stopped
    _same_run(oj, oo)


class _Broken(ListReporter):
    def snapshot(self, step, kind, payload):
        if step > 50:
            raise RuntimeError("this run's store broke")
        super().snapshot(step, kind, payload)


def test_a_run_that_raises_fails_alone_with_its_reason():
    (bj, bo), (oj, oo) = _batch([RegressionConfig(epochs=300), RegressionConfig(epochs=300, seed=1)],
                                reporters=[_Broken(), ListReporter()])
    assert isinstance(bo, RuntimeError) and "broke" in str(bo)
    _same_run(oj, oo)


def test_runs_that_arrive_while_a_batch_trains_join_it():
    late = [batched.Job(RegressionConfig(epochs=200, seed=s, lr=0.05), ListReporter()) for s in (4, 5)]
    waiting, asked = list(late), []

    def more(count):
        asked.append(count)
        return [waiting.pop()] if len(asked) in (20, 90) and waiting else []

    outcomes = {}
    first = batched.Job(RegressionConfig(epochs=300), ListReporter())
    batched.train_batch([first], more, done=lambda job, outcome: outcomes.__setitem__(id(job), outcome))
    assert 3 in asked  # three runs trained together
    assert len(outcomes) == 3
    for job in [first] + late:
        _same_run(job, outcomes[id(job)])


class _SaveAt(ListReporter):
    def __init__(self, at):
        super().__init__()
        self.at, self.saved = at, None

    def wants_resume(self, step, total_steps):
        return self.saved is None and step >= self.at

    def save_resume(self, step, state):
        self.saved = (step, state)


@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
def test_a_batched_runs_saved_state_resumes_alone_and_the_other_way_round(optimizer):
    config = RegressionConfig(optimizer=optimizer, lr=0.05, momentum=0.5 if optimizer != "adam" else 0.0, epochs=400)
    uninterrupted = training.train(config)
    saver = _SaveAt(150)
    _batch([config, config.replace(seed=9)], reporters=[saver, ListReporter()])
    step, blob = saver.saved
    alone = training.train(config, resume_state=resume.unpack(blob))
    assert alone.final["slope"] == pytest.approx(uninterrupted.final["slope"], rel=TOL)
    assert alone.final["intercept"] == pytest.approx(uninterrupted.final["intercept"], rel=TOL)
    # and a run saved alone resumes inside a batch
    solo_saver = _SaveAt(150)
    training.train(config, solo_saver)
    job = batched.Job(config, ListReporter(), resume_state=resume.unpack(solo_saver.saved[1]))
    outcomes = {}
    batched.train_batch([job, batched.Job(config.replace(seed=9))],
                        done=lambda j, o: outcomes.__setitem__(id(j), o))
    result = outcomes[id(job)]
    assert result.steps == config.epochs and job.reporter.rows[0][0] == solo_saver.saved[0] + 1
    assert result.final["slope"] == pytest.approx(uninterrupted.final["slope"], rel=TOL)


def test_what_trains_alone():
    assert batch_key(RegressionConfig(speed=200)) is None  # slow motion
    assert batch_key(BinaryConfig(batch_size=16)) is None  # minibatches: each run its own shuffle
    assert batch_key(RegressionConfig(loss="mae")) == batch_key(RegressionConfig(loss="huber", lr=0.3, seed=4))
    assert batch_key(RegressionConfig(optimizer="sgd")) != batch_key(RegressionConfig())


def test_a_loss_without_a_per_point_term_batches_run_by_run(monkeypatch):
    from losslab.losses import Loss

    monkeypatch.setattr(Loss, "each", property(lambda self: None))  # as a mean-only loss would be
    for job, outcome in _batch([RegressionConfig(loss="huber", epochs=150), RegressionConfig(loss="huber", epochs=150,
                                                                                                seed=2)]):
        _same_run(job, outcome)
