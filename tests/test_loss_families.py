"""The new families keep the promises their explanations make: GCE between CE and MAE, Poly-1
at ε = 0 is CE, bounded losses stay bounded under a wrong label; JS is symmetric and ≤ log 2,
Wasserstein of a shift by d bins is d, and as Q leaves P's support KL → ∞, JS stops at log 2
and Wasserstein keeps growing (the side panel's lesson)."""

import math

import pytest
import torch

from losslab.losses import LOSSES, losses_for

pytestmark = pytest.mark.usefixtures("float64")  # tests/conftest.py: float64 default dtype, restored after


def logits(seed=0, n=32, k=10):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, k, generator=g) * 3, torch.randint(0, k, (n,), generator=g)


def value(name, pred, target, param=None):
    return float(LOSSES[name].fn(pred, target, LOSSES[name].resolve_param(param)))


def test_registry_sizes_reach_the_course_families():
    sizes = {task: len(losses_for(task)) for task in ("regression", "binary", "multiclass", "distribution")}
    assert sizes["regression"] >= 10 and sizes["binary"] >= 5 and sizes["multiclass"] >= 9 and sizes["distribution"] >= 5


def test_gce_tends_to_cross_entropy_and_equals_half_mae_at_q_one():
    z, y = logits()
    assert value("gce", z, y, 1e-6) == pytest.approx(value("cross_entropy", z, y, 0.0), rel=1e-4)
    assert value("gce", z, y, 1.0) == pytest.approx(value("mae_prob", z, y) / 2, rel=1e-12)


def test_poly1_at_zero_is_cross_entropy():
    z, y = logits(1)
    assert value("poly1", z, y, 0.0) == pytest.approx(value("cross_entropy", z, y, 0.0), rel=1e-12)


def test_a_confidently_wrong_label_costs_bounded_losses_little():
    # The model is sure of class 0; the label says 1 (a noisy label). CE explodes with confidence,
    # the bounded losses cannot exceed their bound.
    for confidence in (5.0, 50.0):
        z = torch.tensor([[confidence, 0.0, 0.0]])
        y = torch.tensor([1])
        assert value("mae_prob", z, y) <= 2.0 and value("gce", z, y, 0.7) <= 1 / 0.7
        assert value("nce_rce", z, y) <= 1.0 + -math.log(1e-4)
    assert value("cross_entropy", torch.tensor([[50.0, 0.0, 0.0]]), torch.tensor([1]), 0.0) > 49


def test_js_is_symmetric_and_bounded_by_log_two():
    g = torch.Generator().manual_seed(0)
    for _ in range(20):
        p = torch.softmax(torch.randn(1, 6, generator=g) * 3, -1)
        q = torch.softmax(torch.randn(1, 6, generator=g) * 3, -1)
        assert value("js", q, p) == pytest.approx(value("js", p, q), rel=1e-12)
        assert 0 <= value("js", q, p) <= math.log(2)


@pytest.mark.parametrize("d", [1, 2, 5])
def test_wasserstein_of_a_shift_by_d_bins_is_d(d):
    p = torch.zeros(1, 10)
    p[0, 1:4] = torch.tensor([0.2, 0.5, 0.3])
    q = torch.roll(p, d, dims=-1)
    assert value("wasserstein", q, p) == pytest.approx(d, rel=1e-12)


def test_moving_q_away_kl_explodes_js_stops_wasserstein_grows():
    from losslab import panel

    p = [0.5, 0.5] + [0.0] * 8
    rows = []
    for shift in range(0, 8):
        q = [0.0] * 10
        q[shift], q[shift + 1] = 0.5, 0.5
        rows.append({r.name: r.value for r in panel.distribution_rows(p, q)})
    assert math.isinf(rows[2]["kl_log"]) and math.isinf(rows[7]["kl_log"])  # Q's mass off P's support
    assert rows[2]["js"] == pytest.approx(math.log(2)) and rows[7]["js"] == pytest.approx(math.log(2))
    wasserstein = [r["wasserstein"] for r in rows]
    assert wasserstein == sorted(wasserstein) and wasserstein[7] == pytest.approx(7.0)


def test_reverse_kl_is_mode_seeking_and_forward_kl_mean_seeking():
    # P: two bumps. Q: one bump, either on one of P's bumps or between them.
    p = torch.tensor([[0.49, 0.01, 0.0, 0.01, 0.49]]) + 1e-6
    p = p / p.sum()
    on_a_bump = torch.tensor([[0.9, 0.1 - 2e-6, 1e-6, 1e-6, 1e-6]])
    between = torch.tensor([[0.2, 0.2, 0.2, 0.2, 0.2]])
    assert value("reverse_kl", on_a_bump, p) < value("reverse_kl", between, p)  # reverse KL prefers one bump
    assert value("kl_log", between.log(), p) < value("kl_log", on_a_bump.log(), p)  # forward KL covers both


def test_the_explorer_shows_the_move_q_away_lesson(app_env):
    from tests.conftest import app

    at = app("explorer")
    at.segmented_control(key="ex_task").set_value("distribution").run()
    assert not at.exception, at.exception
    at.slider(key="ex_move").set_value(6).run()
    summaries = [c.value for c in at.caption if "Jensen-Shannon 0.6931" in c.value]
    assert len(summaries) == 1 and "Wasserstein-1 (earth mover's) 6" in summaries[0]
    assert "KL divergence (stable, log Q) ∞" in summaries[0]
