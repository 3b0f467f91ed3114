"""The (η, momentum) map (losslab/step_map.py): its rate is the companion matrix's spectral radius,
its Hessian the exact one, its optimum and its edge the closed forms, and real runs of losslab's
own loop at three probe cells shrink their distance to the exact minimum at the predicted rate."""

import math

import numpy as np
import pytest

from losslab import step_map as sm
from losslab.config import RegressionConfig
from losslab.labs.regression import exact_line, training_inputs

# Eight points on raw x: a valley with κ ≈ 29, so plain SGD, momentum and the optimum all differ
# (standardised heights give κ = 1, where every map cell but the optimum's row looks alike).
POINTS = tuple(zip([0.5, 0.8, 1.1, 1.5, 1.9, 2.2, 2.6, 3.0], [2.1, 2.5, 3.3, 3.9, 4.9, 5.2, 6.4, 6.8]))
VALLEY = RegressionConfig(data="custom", points=POINTS, x_scale="raw", optimizer="sgd", schedule="constant")


def companion_radius(lr, momentum, lam) -> float:
    """max |eigenvalue| of the heavy ball's map (e, e_prev) → ((1 + β − ηλ)e − βe_prev, e)."""
    return float(max(abs(np.linalg.eigvals(np.array([[1 + momentum - lr * lam, -momentum], [1.0, 0.0]])))))


def test_the_rate_is_the_companion_matrix_spectral_radius():
    rng = np.random.default_rng(0)
    for _ in range(2000):
        lam = 10 ** rng.uniform(-3, 4)
        lr, momentum = 10 ** rng.uniform(-4, 0.7) / lam, rng.uniform(0, 0.999)
        assert 1 - float(sm.gap(lr, momentum, lam)) == pytest.approx(companion_radius(lr, momentum, lam), abs=1e-12)


def test_the_gap_keeps_its_digits_where_the_rate_is_all_nines():
    # raw heights: 1 − rate ~ 1e-10; computed as 1 − rate it would keep ~6 digits, as the gap all 16
    lam, lr = 0.0173, 1e-8
    assert float(sm.gap(lr, 0.0, lam)) == pytest.approx(lr * lam, rel=1e-12)
    assert float(sm.gap(lr, 0.9, lam)) == pytest.approx(lr * lam / 0.1, rel=1e-6)  # ≈ ηλ/(1 − β)


@pytest.mark.parametrize("config", [RegressionConfig(), RegressionConfig(x_scale="raw"), VALLEY],
                         ids=["standardised", "raw", "valley"])
def test_the_mse_hessian_is_exact(config):
    x, _ = training_inputs(config)
    X = np.column_stack([x.double().numpy().ravel(), np.ones(len(x))])
    lo, hi = np.linalg.eigvalsh(2 * X.T @ X / len(X))
    found = sm.curvature(config)
    assert found.eigenvalues == pytest.approx((lo, hi), rel=1e-9)
    assert not found.local
    from losslab.landscape import conditioning  # the conditioning panel's numbers: the same facts

    assert found.eigenvalues == pytest.approx(conditioning(config).eigenvalues, rel=1e-9)


def test_the_edge_without_momentum_is_two_over_lambda_max():
    m = sm.step_map(VALLEY)
    lam_max = m.curvature.eigenvalues[1]
    assert m.edge_lr == pytest.approx(2 / lam_max)
    assert float(sm.gap(m.edge_lr * (1 - 1e-9), 0.0, lam_max)) > 0 > float(sm.gap(m.edge_lr * (1 + 1e-9), 0.0, lam_max))
    row = m.gap[0]  # β = 0
    first = int(np.argmax(row <= 0))
    assert m.lrs[first] >= m.edge_lr > m.lrs[first - 1]
    for i in (50, 120, 199):  # and 2(1 + β)/λmax with momentum
        b = m.momenta[i]
        assert float(sm.rate(sm.edge(b, lam_max) * (1 + 1e-9), b, m.curvature.eigenvalues)) > 1
        assert float(sm.rate(sm.edge(b, lam_max) * (1 - 1e-9), b, m.curvature.eigenvalues)) < 1


ROUNDER = RegressionConfig(data="custom", points=tuple(zip([-1.0, 0.0, 1.0, 2.0, 3.0], [0.5, 1.4, 2.6, 3.4, 4.6])),
                          x_scale="raw")  # κ = (2 + √2)/(2 − √2) ≈ 5.8


@pytest.mark.parametrize("config", [VALLEY, ROUNDER, RegressionConfig(), RegressionConfig(x_scale="raw")],
                         ids=["valley", "rounder", "round", "raw seed"])
def test_the_optimum_is_the_closed_form_and_the_grids_minimum(config):
    m = sm.step_map(config)
    lo, hi = m.curvature.eigenvalues
    o, k = m.optimum, math.sqrt(hi / lo)
    grid_min = float(1 - m.gap.max())
    assert grid_min >= o.rate - 1e-12  # no cell beats the closed form
    assert float(sm.rate(o.lr, o.momentum, (lo, hi))) == pytest.approx(o.rate, abs=1e-7)  # and it is reached there
    if not o.capped:
        assert o.momentum == pytest.approx(((k - 1) / (k + 1)) ** 2, abs=1e-12)
        assert o.lr == pytest.approx(4 / (math.sqrt(hi) + math.sqrt(lo)) ** 2)
        assert o.rate == pytest.approx(math.sqrt(o.momentum), abs=1e-9)
        assert o.rate == pytest.approx((k - 1) / (k + 1), abs=1e-9)
    else:  # raw heights (κ ≈ 4·10⁶): β* is above the form's 0.99, the best cell lies on the top row
        assert o.momentum == m.momenta[-1] and 0.99 < o.free_momentum < 1
        assert o.rate == pytest.approx(float(sm.rate(sm.best_lr(0.99, (lo, hi)), 0.99, (lo, hi))))
    # within the grid's resolution: its best cell is within two cells of the ★ on both axes, a
    # rate at most 0.02 (κ = 1: 1.7 %, the rate |1 − ηλ| across one cell of η) above the ★'s
    i, j = np.unravel_index(int(np.argmax(m.gap)), m.gap.shape)
    assert abs(math.log(m.lrs[j] / o.lr)) <= 2 * math.log(m.lrs[1] / m.lrs[0])
    assert abs(m.momenta[i] - o.momentum) <= 2 * (m.momenta[1] - m.momenta[0])
    assert grid_min - o.rate < 0.02


def test_the_best_step_at_each_momentum_is_the_balanced_one():
    eig = sm.curvature(VALLEY).eigenvalues
    lrs = np.geomspace(1e-4, 1.0, 20001)
    for b in (0.0, 0.3, 0.47, 0.6, 0.9):
        best = float(sm.rate(sm.best_lr(b, eig), b, eig))
        assert best <= float(sm.rate(lrs, b, eig).min()) + 1e-9


def test_an_adam_run_has_no_point_on_the_map():
    assert sm.step_map(RegressionConfig(x_scale="raw")).current is None  # the default optimizer is Adam


def test_other_losses_get_a_local_map_at_their_own_minimum():
    config = RegressionConfig(loss="huber", loss_param=1.0, outliers=2)
    found = sm.curvature(config)
    assert found.local
    # Huber's Hessian at θ: the mean of [z, 1][z, 1]ᵀ over the points inside δ
    x, y = training_inputs(config)
    X = np.column_stack([x.double().numpy().ravel(), np.ones(len(x))])
    inside = np.abs(X @ np.array(found.minimum) - y.double().numpy().ravel()) < 1.0
    assert 0 < inside.sum() < len(X)  # the outliers are outside: not MSE's Hessian
    h = X[inside].T @ X[inside] / len(X)
    assert found.eigenvalues == pytest.approx(tuple(np.linalg.eigvalsh(h)), rel=1e-9)


@pytest.mark.parametrize("loss", ["mae", "quantile", "eps_insensitive"])
def test_piecewise_linear_losses_get_no_map(loss):
    assert sm.step_map(RegressionConfig(loss=loss)) is None


def test_no_curvature_in_a_direction_gets_no_map():
    same_x = tuple((1.0, y) for y in (1.0, 2.0, 3.0))  # every point at one x: slope and intercept trade freely
    assert sm.step_map(RegressionConfig(data="custom", points=same_x, x_scale="raw")) is None


# --- the map against real runs ---------------------------------------------------------------

def observed_rate(config, top: float = 1e-1):
    """Train with losslab's own loop; the distance of its (w, b) to the exact least-squares minimum,
    per step, over the late window where it fell from `top` to 10⁻⁵ of where it started (above
    float32's floor): exp of the least-squares slope of log distance, the geometric mean per step
    (the endpoints alone would carry the phase of an oscillating, complex-root run)."""
    from losslab.training import ListReporter, train

    rep = ListReporter()
    result = train(config, rep)
    # the line in cm: on raw x the model's own (w, b); on standardised x a fixed linear map of them,
    # which changes the distance by a bounded factor and its rate not at all
    w_star = np.array(exact_line(config).theta)
    snaps = [(s, p["slope"], p["intercept"]) for s, kind, p in rep.snapshots if kind == "line"]
    steps = np.array([s for s, _, _ in snaps], dtype=float)
    d = np.array([math.hypot(w - w_star[0], b - w_star[1]) for _, w, b in snaps])
    begin, end = steps[np.argmax(d < top * d[0])], steps[np.argmax(d < 1e-5 * d[0])]
    window = (steps >= begin) & (steps <= end)
    assert window.sum() >= 20, "too few snapshots in the window"
    return result, math.exp(np.polyfit(steps[window], np.log(d[window]), 1)[0])


# (η·λmax, β): plain gradient descent; a real root of the flat direction with momentum; both
# directions complex (rate √β). Each at least 0.05 from a double root (a² − 4β = 0).
PROBES = [(0.3, 0.0), (0.5, 0.5), (1.0, 0.9)]


@pytest.mark.parametrize("scaled_lr, momentum", PROBES)
def test_a_real_run_converges_at_the_predicted_rate(scaled_lr, momentum):
    eig = sm.curvature(VALLEY).eigenvalues
    lr = scaled_lr / eig[1]
    assert min(abs((1 + momentum - lr * lam) ** 2 - 4 * momentum) for lam in eig) > 0.05
    predicted = float(sm.rate(lr, momentum, eig))
    epochs = min(2000, int(math.log(1e-6) / math.log(predicted)) + 20)  # to 10⁻⁶, one snapshot every ≤ 10 steps
    result, observed = observed_rate(VALLEY.replace(lr=lr, momentum=momentum, epochs=epochs))
    assert result.status == "completed"
    print(f"η = {lr:.4g}, β = {momentum}: predicted {predicted:.6f}, observed {observed:.6f}")
    assert observed == pytest.approx(predicted, rel=0.01)
    assert 1 - observed == pytest.approx(1 - predicted, rel=0.03)  # and the speed (1 − rate) itself


def test_a_huber_run_near_its_own_minimum_converges_at_the_local_rate():
    # The outliers sit on Huber's linear arms: near its minimum the loss is MSE/2 on the other points.
    # From the seed's line it first crawls along those arms (its distance even grows): the window
    # starts at 10⁻² of the start's distance, in the quadratic region.
    config = RegressionConfig(loss="huber", outliers=2, optimizer="sgd", lr=0.3, momentum=0.3, schedule="constant",
                              epochs=300)
    predicted = float(sm.rate(0.3, 0.3, sm.curvature(config).eigenvalues))
    result, observed = observed_rate(config, top=1e-2)
    print(f"Huber, local: predicted {predicted:.6f}, observed {observed:.6f}")
    assert observed == pytest.approx(predicted, rel=0.01)


def test_a_cell_beyond_the_edge_diverges():
    from losslab.training import train

    eig = sm.curvature(VALLEY).eigenvalues
    lr = 1.1 * float(sm.edge(0.5, eig[1]))
    assert float(sm.rate(lr, 0.5, eig)) > 1
    result = train(VALLEY.replace(lr=lr, momentum=0.5, epochs=3000))
    assert result.status == "diverged"


def test_the_map_has_200_by_200_cells_and_marks_an_sgd_run():
    m = sm.step_map(VALLEY.replace(lr=0.05, momentum=0.3))
    assert m.gap.shape == (200, 200) and m.momenta[0] == 0 and m.momenta[-1] == 0.99
    assert m.lrs[0] <= 1e-3 / m.curvature.eigenvalues[1] * 1.0001 and m.lrs[-1] > 2 * 1.99 / m.curvature.eigenvalues[1]
    assert m.current[:2] == (0.05, 0.3) and m.current[2] == pytest.approx(float(sm.rate(0.05, 0.3, m.curvature.eigenvalues)))
    lr, b, r = sm.picks(m.lrs, m.curvature.eigenvalues)
    assert set(np.round(b, 2)) <= set(np.round(np.arange(0, 1, 0.01), 2))  # the form's β steps
    assert r == pytest.approx(sm.rate(lr, b, m.curvature.eigenvalues))

