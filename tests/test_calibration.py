"""Calibration: ECE against an independent NumPy implementation, temperature scaling that
keeps accuracy exactly and never raises held-out NLL, and the snapshot every MNIST run stores."""

import numpy as np
import pytest
import torch

from losslab import calibration
from losslab.config import MnistConfig
from losslab.training import ListReporter, train


def numpy_ece(logits: np.ndarray, labels: np.ndarray, bins: int = 15) -> float:
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    conf, pred = p.max(axis=1), p.argmax(axis=1)
    ece = 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        m = (conf > lo) & (conf <= hi) if b else (conf >= lo) & (conf <= hi)
        if m.any():
            ece += m.mean() * abs((pred[m] == labels[m]).mean() - conf[m].mean())
    return float(ece)


def sample(seed=0, n=4000, k=10, sharpness=4.0):
    g = torch.Generator().manual_seed(seed)
    labels = torch.randint(0, k, (n,), generator=g)
    logits = torch.randn(n, k, generator=g, dtype=torch.float64)
    logits[torch.arange(n), labels] += 1.5  # right more often than not
    return logits * sharpness, labels


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_ece_matches_an_independent_numpy_implementation(seed):
    logits, labels = sample(seed)
    ours = calibration.reliability(logits, labels)["ece"]
    assert ours == pytest.approx(numpy_ece(logits.numpy(), labels.numpy()), abs=1e-9)


def test_temperature_scaling_keeps_accuracy_and_lowers_nll_on_overconfident_logits():
    held, held_y = sample(1, sharpness=6.0)  # overconfident: too sharp for how often it is right
    test, test_y = sample(2, sharpness=6.0)
    t = calibration.fit_temperature(held, held_y)
    assert t > 1.5
    assert calibration.nll(held, held_y, t) <= calibration.nll(held, held_y, 1.0)
    before, after = calibration.reliability(test, test_y), calibration.reliability(test, test_y, t)
    assert after["accuracy"] == before["accuracy"]
    assert after["ece"] < before["ece"] / 2 and after["nll"] < before["nll"]


def test_a_well_calibrated_model_keeps_its_temperature_near_one():
    g = torch.Generator().manual_seed(3)
    logits = torch.randn(20000, 5, generator=g, dtype=torch.float64) * 2
    labels = torch.multinomial(torch.softmax(logits, 1), 1, generator=g).squeeze(1)  # labels drawn from the model
    assert calibration.fit_temperature(logits, labels) == pytest.approx(1.0, abs=0.05)


def test_every_finished_mnist_run_stores_its_calibration(tiny_mnist):
    rep = ListReporter()
    train(MnistConfig(epochs=3, batch_size=20, lr=0.05, train_subset=100), rep)
    (step, kind, snap), = [s for s in rep.snapshots if s[1] == "calibration"]
    assert snap["held_unseen"] and snap["held_out"] == 100  # the 100 training images it did not train on
    assert snap["held_nll_after"] <= snap["held_nll_before"]
    assert snap["after"]["accuracy"] == snap["before"]["accuracy"]
    assert len(snap["before"]["bins"]) == 15 and sum(b["count"] for b in snap["before"]["bins"]) == 50


def test_the_mnist_lab_shows_the_calibration_of_a_finished_run(app_env):
    from losslab.jobs import service as service_mod
    from tests.conftest import app

    svc = service_mod.get_service()
    run_id = svc.submit(MnistConfig(epochs=2, batch_size=20, lr=0.05, loss="multi_hinge", label_noise=20),
                        "calibration-owner-0123456789")
    assert svc.wait(run_id, timeout=120)["status"] == "completed"
    at = app("mnist", {"run": run_id})
    assert not at.exception, at.exception
    assert "Calibration: can its confidence be trusted?" in [s.value for s in at.subheader]
    assert any(c.value.startswith("Expected calibration error") for c in at.caption)
    assert any("of the wrongly-labelled training images are predicted as their wrong label" in c.value
               for c in at.caption)  # the memorisation meter of a run with label noise
    at.toggle(key="mn_temperature").set_value(True).run()
    assert not at.exception
