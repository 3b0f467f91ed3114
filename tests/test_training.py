"""train(): the seed reproduced, determinism, divergence, stop, snapshots, MNIST on tiny and real data."""

import pytest

from losslab.figures.mnist import decode_image
from losslab.config import MnistConfig, RegressionConfig
from losslab.training import ListReporter, train


def test_regression_seed_reaches_least_squares_optimum():
    rep = ListReporter()
    result = train(RegressionConfig(), rep)
    assert result.status == "completed" and result.steps == 10_000
    assert result.final["final/mse"] == pytest.approx(1.86175, abs=0.005)
    assert result.final["slope"] == pytest.approx(0.74867, abs=2e-3)
    assert result.final["intercept"] == pytest.approx(-64.4213, abs=0.3)
    steps = [s for s, _ in rep.series("train", "loss")]
    assert steps == list(range(1, 10_001))
    line = [p for _, kind, p in rep.snapshots if kind == "line"]
    assert 150 <= len(line) <= 210 and len(line[-1]["residuals"]) == 10


def test_same_seed_same_curve_other_seed_other_start():
    cfg = RegressionConfig(epochs=50)
    a, b, c = ListReporter(), ListReporter(), ListReporter()
    train(cfg, a)
    train(cfg, b)
    train(cfg.replace(seed=1), c)
    assert a.rows == b.rows
    assert a.snapshots[0] == b.snapshots[0] and a.snapshots[0] != c.snapshots[0]


def test_same_initial_weights_across_losses():
    firsts = []
    for loss in ("mse", "mae", "huber"):
        rep = ListReporter()
        train(RegressionConfig(loss=loss, epochs=1), rep)
        firsts.append((rep.snapshots[0][2]["slope"], rep.snapshots[0][2]["intercept"]))
    assert firsts[0] == firsts[1] == firsts[2]


def test_too_high_learning_rate_diverges_with_the_step():
    rep = ListReporter()
    result = train(RegressionConfig(x_scale="raw", optimizer="sgd", lr=0.01, epochs=500), rep)  # raw cm: 2/λmax ≈ 3e-5
    assert result.status == "diverged" and 1 < result.diverged_at < 500
    assert rep.rows[-1][0] == result.diverged_at


def test_stop_is_honoured_within_one_step():
    calls = []

    def should_stop():
        calls.append(1)
        return len(calls) > 100

    result = train(RegressionConfig(), ListReporter(), should_stop)
    assert result.status == "stopped" and result.steps == 100


def test_outliers_pull_mse_more_than_mae():
    fits = {}
    for loss in ("mse", "mae"):
        r = train(RegressionConfig(loss=loss, outliers=3, outlier_offset=40.0, epochs=5000, lr=0.1))
        fits[loss] = r.final["intercept"] + 175 * r.final["slope"]  # predicted weight at 175 cm
    clean = -64.4213 + 175 * 0.74867
    assert abs(fits["mse"] - clean) > 3 * abs(fits["mae"] - clean)


def test_mnist_tiny_learns_and_snapshots(tiny_mnist):
    rep = ListReporter()
    result = train(MnistConfig(epochs=5, batch_size=20, lr=0.05, eval_every=5), rep)
    assert result.status == "completed" and result.steps == 50
    assert result.final["test/accuracy"] > 0.9
    snaps = [p for _, kind, p in rep.snapshots if kind == "mnist"]
    assert len(snaps) == 10
    last = snaps[-1]
    assert sum(map(sum, last["confusion"])) == 50
    assert len(last["digits"]) == 24 and len(last["digits"][0]["probs"]) == 10
    img = decode_image(last["digits"][0]["image"])
    assert len(img) == 28 and max(img[2]) == 255  # class 0's bright block in rows 2..4


def test_mnist_subset_and_label_noise_change_the_data(tiny_mnist):
    from losslab.labs.mnist import mnist_data

    clean = mnist_data(MnistConfig(train_subset=100, batch_size=10))
    noisy = mnist_data(MnistConfig(train_subset=100, batch_size=10, label_noise=30))
    assert len(clean.rows) == len(clean.train_y) == 100 and bool((clean.rows == noisy.rows).all())
    assert (clean.train_y != noisy.train_y).sum().item() == 30
    assert bool((clean.train_y == clean_labels(clean)).all())  # the clean run's labels are MNIST's own


def clean_labels(data):
    from losslab import datasets

    return datasets.mnist_tensors()[1][data.rows]


def test_mnist_seed_config_on_real_data(real_mnist):
    result = train(MnistConfig())
    assert result.status == "completed" and result.steps == 9380
    assert result.final["test/accuracy"] >= 0.913


def test_slow_motion_waits_between_steps_but_stops_at_once():
    # At 2 steps/s the loop sleeps between steps; a stop during that sleep ends the run there
    # (the loop asks should_stop while it waits, not only once per step).
    calls = []

    def should_stop():
        calls.append(1)
        return len(calls) >= 5

    result = train(RegressionConfig(epochs=1000, speed=2.0), ListReporter(), should_stop)
    assert result.status == "stopped" and result.steps <= 2
    assert len(calls) >= 5  # asked several times within the first steps' waits


@pytest.mark.parametrize("gamma", [0.0, 0.25, 0.5, 0.99])
def test_focal_below_one_trains_mnist_without_nan(tiny_mnist, gamma):
    # γ < 1 used to end every MNIST run "diverged": the loop's NaN came from the code, not the lesson.

    result = train(MnistConfig(loss="focal", loss_param=gamma, epochs=8, batch_size=20, lr=0.5, eval_every=10))
    assert result.status == "completed" and result.final["test/accuracy"] > 0.9


def test_the_memorisation_meter_watches_only_noisy_runs(tiny_mnist):
    noisy, clean = ListReporter(), ListReporter()
    train(MnistConfig(epochs=3, batch_size=20, lr=0.05, label_noise=40, eval_every=5), noisy)
    train(MnistConfig(epochs=3, batch_size=20, lr=0.05, eval_every=5), clean)
    shares = [v for _, v in noisy.series("train", "memorised")]
    assert len(shares) == len(noisy.series("test", "accuracy")) > 1 and all(0 <= s <= 1 for s in shares)
    assert clean.series("train", "memorised") == []


@pytest.mark.parametrize("kind", ["mnist", "binary"])
def test_a_run_resumed_mid_epoch_ends_where_an_uninterrupted_run_ends(kind, tiny_mnist):
    """Resume state saved mid-epoch (model, optimizer, the epoch's batch order) continues the
    same run: the same losses after the resume point and the same final weights."""
    from losslab import resume
    from losslab.config import BinaryConfig
    from losslab.training import ListReporter

    config = (MnistConfig(train_subset=100, batch_size=10, epochs=3, model="mlp", hidden=8) if kind == "mnist"
              else BinaryConfig(batch_size=16, epochs=6))

    class SaveAt(ListReporter):
        state = None

        def wants_resume(self, step, total):
            return step == 13  # inside the second epoch

        def save_resume(self, step, state):
            self.state = state

    whole, first = ListReporter(), SaveAt()
    train(config, whole)
    train(config, first, should_stop=lambda: first.state is not None)
    rest = ListReporter()
    result = train(config, rest, resume_state=resume.unpack(first.state))
    assert rest.series("train", "loss")[0][0] == 14
    assert rest.series("train", "loss") == whole.series("train", "loss")[13:]
    assert result.final["train/loss"] == pytest.approx(whole.series("train", "loss")[-1][1])
