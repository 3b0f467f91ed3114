"""The loss families' views: Barron's α slider in the explorer and the regression lab's three
quantile lines, each with the claim its page makes checked on its data."""

import math

import pytest

from losslab import panel
from losslab.config import RegressionConfig
from losslab.losses import LOSSES, run_name
from losslab.labs.regression import exact_line, regression_points
from losslab.training import train
from tests.conftest import app


def _grad_at(curve, r):
    xs, _, grads = curve
    return grads[min(range(len(xs)), key=lambda k: abs(xs[k] - r))]


def test_barron_caption_claims_hold_on_the_drawn_curves():
    family = panel.barron_family(0.5)
    assert list(family)[0] == 0.5 and set(panel.BARRON_CASES) <= set(family)
    # α = 2: the gradient is the residual itself (an outlier pulls hardest)
    assert _grad_at(family[2.0], 5.0) == pytest.approx(5.0, rel=1e-6)
    # α = 1 levels off at 1 and never passes it
    g1 = [g for x, g in zip(family[1.0][0], family[1.0][2]) if x >= 0]
    assert all(b >= a for a, b in zip(g1, g1[1:])) and 0.95 < g1[-1] < 1.0
    # α = 0 falls back towards 0 beyond √2 c (Cauchy's gradient peaks there)
    g0 = [_grad_at(family[0.0], r) for r in (math.sqrt(2), 3.0, 5.0, 6.0)]
    assert g0 == sorted(g0, reverse=True) and g0[-1] < 0.5 * g0[0]
    # below 0 a far point is all but ignored
    assert _grad_at(family[-2.0], 5.0) < 0.1 and _grad_at(family[-10.0], 5.0) < 0.01
    # lower α, less pull, all along the family
    pulls = [_grad_at(family[a], 5.0) for a in (2.0, 1.0, 0.5, 0.0, -2.0, -10.0)]
    assert pulls == sorted(pulls, reverse=True)


def test_barron_view_draws_the_chosen_alpha(app_env):
    at = app("explorer")
    at.slider(key="ex_barron").set_value(-2.0).run()
    assert not at.exception, at.exception
    assert any("At α = -2 a point 5 c away pulls with gradient 0.0951" in c.value for c in at.caption)


@pytest.mark.parametrize("tau", [0.1, 0.5, 0.9])
def test_quantile_line_lies_above_about_tau_of_the_points(tau):
    """The lab's hint: "the τ = 0.9 line lies above about 90 % of the points". From the exact answer:
    the pinball loss's minimum has at most τ·n points below it and at most (1 − τ)·n above (its
    subgradient in the intercept), the others on it; the trained run ends on that line."""
    config = RegressionConfig(data="synthetic", n_points=200, loss="quantile", loss_param=tau)
    xs, ys, _ = regression_points(config)
    best = exact_line(config)
    r = [y - (best.theta[0] * x + best.theta[1]) for x, y in zip(xs, ys)]
    below, above = sum(v < -1e-9 for v in r), sum(v > 1e-9 for v in r)
    assert below <= tau * len(xs) and above <= (1 - tau) * len(xs) and len(xs) - below - above <= 2
    result = train(config)
    assert result.final["final/gap"] <= 0.01
    # the run's line is the exact line to within 0.05 kg over the data: the same points below it
    assert result.final["final/line_distance"] < 0.05
    run_below = sum(y < result.final["slope"] * x + result.final["intercept"] - 0.05 for x, y in zip(xs, ys))
    assert run_below == sum(v < -0.05 for v in r)


def test_quantile_button_starts_three_runs_told_apart_by_tau(app_env):
    at = app("regression", {"data": "synthetic", "epochs": "50"})
    at.button(key="reg_quantiles_go").click().run()
    assert not at.exception, at.exception
    from losslab.jobs import service as service_mod

    runs = service_mod.get_service().list_runs(None)
    assert sorted((r["config"]["loss"], r["config"]["loss_param"]) for r in runs) == \
        [("quantile", 0.1), ("quantile", 0.5), ("quantile", 0.9)]
    assert {run_name(LOSSES["quantile"], r["config"]["loss_param"]) for r in runs} == \
        {f"{LOSSES['quantile'].label} · τ = {tau}" for tau in (0.1, 0.5, 0.9)}
