"""The regression landscape: exact surfaces checked against closed forms and independent fits,
the run's path on the surface, each point's pull, and the step-size lesson on the seed's data."""

import itertools
import math

import pytest
import torch

from losslab import landscape as land
from losslab import lessons
from losslab.config import RegressionConfig
from losslab.figures.landscape import landscape, landscapes, log_levels
from losslab.models import build_model, build_optimizer
from losslab.labs.regression import initial_line, regression_data
from losslab.training import ListReporter, train
from tests.conftest import app

SEED = lessons.SEED  # the seed's own program: raw heights, constant step
OUTLIERS = RegressionConfig(outliers=2)


@pytest.mark.parametrize("config", [SEED, OUTLIERS, RegressionConfig(data="synthetic", noise=5.0, x_scale="standardised")])
def test_mse_surface_minimum_is_the_least_squares_line(config):
    slope, intercept, loss = land.own_minimum(config.replace(loss="mse"))
    ls = land.least_squares(config)
    assert slope == pytest.approx(ls[0], abs=1e-4) and intercept == pytest.approx(ls[1], abs=1e-4)
    assert loss == pytest.approx(land.loss_at(config, *ls), rel=1e-9)


def _lad(config):
    """Least absolute deviations, independently: an optimal L1 line passes through two data points
    (a vertex of the linear programme), so the best of all pairs is exact."""
    x, y = (v.flatten().double() for v in regression_data(config))
    best = None
    for i, j in itertools.combinations(range(len(x)), 2):
        if x[i] != x[j]:
            w = (y[j] - y[i]) / (x[j] - x[i])
            b = y[i] - w * x[i]
            value = float((w * x + b - y).abs().mean())
            if best is None or value < best[0]:
                best = (value, float(w), float(b))
    return best


@pytest.mark.parametrize("config", [SEED, OUTLIERS])
def test_mae_surface_minimum_matches_a_least_absolute_deviations_fit(config):
    value, w, b = _lad(config)
    slope, intercept, loss = land.own_minimum(config.replace(loss="mae"))
    assert loss == pytest.approx(value, abs=1e-3)
    assert slope == pytest.approx(w, abs=1e-3) and intercept == pytest.approx(b, abs=1e-3)


def test_outliers_pull_mse_not_mae_on_the_map():
    """What the map shows with outliers: MSE's minimum moves with them, MAE's barely."""
    x_mean = float(regression_data(SEED)[0].mean())

    def at_mean(config):  # the minimum's line at the mean height (slope and intercept trade off along the valley)
        slope, intercept, _ = land.own_minimum(config)
        return slope * x_mean + intercept

    mse_shift = abs(at_mean(OUTLIERS) - at_mean(SEED))
    mae_shift = abs(at_mean(OUTLIERS.replace(loss="mae")) - at_mean(SEED.replace(loss="mae")))
    assert mse_shift > 3 * mae_shift


@pytest.mark.parametrize("loss", ["mse", "huber", "mae"])
def test_path_points_lie_on_the_surface(loss):
    """The loss the run reported at step s + 1 (before that update) is the surface's value at the
    weights the snapshot stored after step s."""
    config = OUTLIERS.replace(loss=loss, epochs=400)
    rep = ListReporter()
    train(config, rep)
    reported = dict(rep.series("train", "loss"))
    points = [(step, p) for step, kind, p in rep.snapshots if kind == "line" and step + 1 in reported]
    assert len(points) > 100
    for step, p in points:
        assert land.loss_at(config, p["slope"], p["intercept"]) == pytest.approx(reported[step + 1], rel=1e-5)


def test_each_points_pull_sums_to_the_total_gradient():
    for config in (OUTLIERS, OUTLIERS.replace(loss="huber"), OUTLIERS.replace(loss="tukey")):
        per_point, total = land.point_gradients(config, 0.6, -40.0)
        assert len(per_point) == 12
        for k in (0, 1):
            assert sum(g[k] for g in per_point) == pytest.approx(total[k], rel=1e-6, abs=1e-9)


def test_surface_is_the_loss_on_every_grid_point_and_holds_the_anchors():
    start = initial_line(OUTLIERS)
    s = land.surface(OUTLIERS, start, n=50)
    assert len(s.z) == 50 and len(s.z[0]) == 50
    i, j = 17, 31
    assert s.z[i][j] == pytest.approx(land.loss_at(OUTLIERS, s.slopes[j], s.intercepts[i]), rel=1e-12)
    for slope, intercept in (start, s.least_squares, s.minimum[:2]):
        assert s.slopes[0] <= slope <= s.slopes[-1] and s.intercepts[0] <= intercept <= s.intercepts[-1]


def test_conditioning_numbers_raw_and_standardised():
    raw, std = land.conditioning(SEED), land.conditioning(SEED.replace(x_scale="standardised"))
    assert raw.condition > 1e6  # the narrow valley of raw heights
    assert std.condition == pytest.approx(1.0, rel=1e-4) and std.max_sgd_lr == pytest.approx(1.0, rel=1e-4)
    x, _ = regression_data(SEED)
    h = 2 * torch.tensor([[float((x * x).mean()), float(x.mean())], [float(x.mean()), 1.0]], dtype=torch.float64)
    assert raw.eigenvalues[1] == pytest.approx(float(torch.linalg.eigvalsh(h)[1]))


def test_sgd_below_two_over_lambda_max_stays_bounded_and_above_it_diverges():
    k = land.conditioning(SEED)
    below, above = (SEED.replace(optimizer="sgd", lr=f * k.max_sgd_lr, epochs=3000) for f in (0.98, 1.02))
    rep = ListReporter()
    result = train(below, rep)
    losses = [v for _, v in rep.series("train", "loss")]
    assert result.status == "completed" and all(math.isfinite(v) for v in losses)
    assert all(b <= a * (1 + 1e-6) for a, b in zip(losses[20:], losses[21:]))  # non-increasing after the first steps
    # on raw heights the intercept then crawls: after 3,000 steps it has covered under 2 % of its way
    ls_intercept = land.least_squares(SEED)[1]
    assert abs(result.final["intercept"] - initial_line(SEED)[1]) < 0.02 * abs(ls_intercept - initial_line(SEED)[1])
    rep = ListReporter()
    result = train(above, rep)
    losses = [v for _, v in rep.series("train", "loss")]
    assert result.status == "diverged"
    assert losses[200] > 10 * losses[0] and losses[600] > 10 * losses[200]
    # standardised heights: the same limit (2/λmax = 1), but both weights now converge at the same
    # rate |1 − ηλ| = 0.96 per step: the line is found in a few hundred steps, intercept included
    std = SEED.replace(x_scale="standardised", optimizer="sgd", lr=0.98, epochs=400)
    assert train(std).final["final/mse"] == pytest.approx(land.loss_at(std.replace(loss="mse"),
                                                                      *land.least_squares(std)), rel=1e-4)


def test_seed_adam_spikes_are_the_path_zigzagging_across_the_valley():
    """The page's words on the seed's Adam run, against the run's own numbers: from about step
    4,400 the loss spikes; there each step swings the slope by a few hundredths of a kg/cm (wider
    than the valley) while the intercept moves by hundredths of a kg."""
    rep = ListReporter()
    train(SEED, rep)
    reported = [v for _, v in rep.series("train", "loss")]
    # the same run step by step, keeping the weights (its losses are the run's, so are its weights)
    x, y = regression_data(SEED)
    model, opt = build_model(SEED), build_optimizer(build_model(SEED), SEED)
    model = build_model(SEED)
    opt = build_optimizer(model, SEED)
    weights, losses = [], []
    for _ in range(SEED.epochs):
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        opt.step()
        losses.append(loss.item())
        weights.append((model.weight.item(), model.bias.item()))
    assert losses == reported
    running, spikes = math.inf, []
    for i, v in enumerate(losses):
        if i > 1000 and v > 1.5 * running:
            spikes.append(i)
        running = min(running, v)
    assert 4000 <= spikes[0] + 1 <= 4800  # "from about step 4,400"
    d_slope = sorted(abs(weights[i][0] - weights[i - 1][0]) for i in spikes)
    d_intercept = sorted(abs(weights[i][1] - weights[i - 1][1]) for i in spikes)
    valley = math.sqrt(1.0 / float((x * x).mean()))  # the slope off the floor that costs 1 kg² more
    median = len(spikes) // 2
    assert 0.01 < d_slope[median] < 0.1 and d_slope[median] > 2 * valley
    assert d_intercept[median] < 0.1


def test_figures_have_log_levels_fixed_axes_and_the_marks():
    s = land.surface(OUTLIERS, initial_line(OUTLIERS), n=30)
    d = {"slopes": s.slopes, "intercepts": s.intercepts, "z": s.z, "minimum": s.minimum,
         "least_squares": s.least_squares}
    path = [(0, *initial_line(OUTLIERS)), (10, 0.5, -10.0)]
    fig = landscape(d, path, title="t", x_title="slope (kg/cm)", y_title="intercept (kg)")
    contour = fig.data[0]
    assert contour.z.max() == pytest.approx(math.log10(max(max(r) for r in s.z)))
    assert list(fig.layout.xaxis.range) == [s.slopes[0], s.slopes[-1]]
    names = [tr.name for tr in fig.data[1:]]
    assert names == ["the run's path", "start", "now (step 10)", "least squares (MSE's minimum)",
                     "this loss's own minimum"]
    assert fig.layout.xaxis.title.text == "slope (kg/cm)" and fig.layout.title.text == "t"
    both = landscapes([d, d], [path, path], ["a", "b"], title="t", x_title="x", y_title="y")
    assert [a.text for a in both.layout.annotations][:2] == ["a", "b"]
    assert log_levels([[0.0, 1.0], [10.0, 100.0]]).min() == pytest.approx(-1.0)


def test_step_size_button_starts_the_pair_around_two_over_lambda_max(app_env):
    from losslab.jobs import service as service_mod

    svc = service_mod.get_service()
    run_id = svc.submit(SEED.replace(epochs=50), "someone-else-token-abcdef")
    svc.wait(run_id, timeout=60)
    at = app("regression", {"run": run_id})
    assert not at.exception, at.exception
    assert any("The landscape" in h.value for h in at.subheader)
    at.button(key="reg_try_lr").click().run()
    assert not at.exception, at.exception
    mine = [r for r in svc.list_runs(None) if r["id"] != run_id]
    k = land.conditioning(SEED)
    assert sorted(r["config"]["lr"] / k.max_sgd_lr for r in mine) == pytest.approx([0.98, 1.02])
    assert {r["config"]["optimizer"] for r in mine} == {"sgd"}
