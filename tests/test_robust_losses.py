"""The robust regression family: Barron's general loss passes through the named losses it
claims to, and each robust loss does what its explanation says on real numbers."""

import math

import pytest
import torch

from losslab.losses import LOSSES

pytestmark = pytest.mark.usefixtures("float64")  # tests/conftest.py: float64 default dtype, restored after


R = torch.linspace(-20, 20, 81, dtype=torch.float64)



def per_point(name, param, r=R):
    return torch.stack([LOSSES[name](ri.reshape(1), torch.zeros(1, dtype=torch.float64), param) for ri in r])


@pytest.mark.parametrize("alpha, special", [
    (2.0, lambda x: x ** 2 / 2),                              # L2 (MSE / 2)
    (1.0, lambda x: torch.sqrt(x ** 2 + 1) - 1),              # pseudo-Huber / Charbonnier
    (0.0, lambda x: torch.log(x ** 2 / 2 + 1)),               # Cauchy / Lorentzian
    (-2.0, lambda x: 2 * x ** 2 / (x ** 2 + 4)),              # Geman-McClure
])
def test_barron_passes_through_the_named_losses(alpha, special):
    assert torch.allclose(per_point("barron", alpha), special(R), rtol=1e-10, atol=1e-12)


def test_barron_near_its_singular_alphas_is_continuous():
    for alpha in (0.0, 2.0):
        for eps in (1e-6, -1e-6):
            if alpha + eps <= 2:
                assert torch.allclose(per_point("barron", alpha + eps), per_point("barron", alpha), rtol=1e-5, atol=1e-8)


def test_barron_towards_welsch_is_bounded_and_far_points_pull_less_as_alpha_falls():
    welsch = 1 - torch.exp(-R ** 2 / 2)
    far = per_point("barron", -10.0)
    assert float(far.max()) <= 12 / 10  # bounded by |α − 2| / |α|: a far point adds at most that
    assert torch.allclose(far / 1.2, welsch, atol=0.15)  # α → −∞ approaches Welsch's shape
    pulls = []
    for alpha in (2.0, 1.0, 0.0, -2.0, -10.0):
        _, grad = LOSSES["barron"].value_and_grad([10.0], [0.0], alpha)
        pulls.append(abs(float(grad[0])))
    assert pulls == sorted(pulls, reverse=True) and pulls[0] > 100 * pulls[-1]


def test_barron_zero_is_the_cauchy_loss_with_c_sqrt_two():
    assert torch.allclose(per_point("barron", 0.0), per_point("cauchy", math.sqrt(2)), rtol=1e-12)


def test_tukey_ignores_points_beyond_c():
    for r in (5.0, 50.0, 5000.0):
        _, grad = LOSSES["tukey"].value_and_grad([r], [0.0], 4.685)
        assert float(grad[0]) == 0.0
    _, near = LOSSES["tukey"].value_and_grad([2.0], [0.0], 4.685)
    assert float(near[0]) > 0


def test_epsilon_insensitive_costs_nothing_inside_its_tube():
    assert float(LOSSES["eps_insensitive"].value_and_grad([0.9, -0.5], [0.0, 0.0], 1.0)[0]) == 0.0
    assert float(LOSSES["eps_insensitive"].value_and_grad([3.0], [0.0], 1.0)[0]) == pytest.approx(2.0)


@pytest.mark.parametrize("tau", [0.1, 0.5, 0.9])
def test_the_best_constant_under_the_pinball_loss_is_the_tau_quantile(tau):
    g = torch.Generator().manual_seed(0)
    y = torch.randn(2001, generator=g) * 10
    candidates = torch.linspace(-30, 30, 6001)
    losses = torch.stack([LOSSES["quantile"](c.expand_as(y), y, tau) for c in candidates])
    best = float(candidates[losses.argmin()])
    assert best == pytest.approx(float(torch.quantile(y, tau)), abs=0.02)
    assert float((y < best).double().mean()) == pytest.approx(tau, abs=0.002)


def test_the_robust_losses_pull_less_than_mse_on_an_outlier():
    from losslab import panel

    rows = {r["loss"]: r["ratio"] for r in panel.outlier_gradients([1.0, 1.5, 0.5, 2.0, 1.2], 30.0)}
    for robust in ("cauchy", "tukey", "barron", "eps_insensitive", "quantile"):
        assert rows[robust] < rows["mse"] / 5, (robust, rows[robust], rows["mse"])
