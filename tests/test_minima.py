"""The exact minima every run is measured against, checked against independent solvers: SciPy's
linear programme (HiGHS) for the piecewise-linear losses, SciPy's BFGS for the smooth convex ones,
a brute-force grid with its own polish for the non-convex ones, scikit-learn for least squares and
logistic regression. Test-only oracles: losslab's own solvers never call them."""

import numpy as np
import pytest
import torch

scipy_optimize = pytest.importorskip("scipy.optimize", reason="SciPy is the test-only oracle (requirements-dev)")
sklearn_linear = pytest.importorskip("sklearn.linear_model", reason="scikit-learn is a test-only oracle")

from losslab import minima  # noqa: E402
from losslab.labs.binary import binary_data, exact_minimum, inputs  # noqa: E402
from losslab.config import BinaryConfig, RegressionConfig  # noqa: E402
from losslab.labs.regression import regression_data  # noqa: E402
from losslab.losses import LOSSES  # noqa: E402

DATASETS = {"seed": RegressionConfig(), "seed+3 outliers": RegressionConfig(outliers=3),
            "synthetic 200": RegressionConfig(data="synthetic", n_points=200, noise=4.0, outliers=5, outlier_offset=-30.0)}


def _xy(config):
    x, y = regression_data(config)
    return x.flatten().double().numpy(), y.flatten().double().numpy()


def _design(x):
    return np.stack([x, np.ones_like(x)], axis=1)


def _lp_line(name, param, x, y):
    """min over (w, b) as a linear programme in HiGHS: auxiliary u⁺, u⁻ ≥ 0 with y − Xθ = u⁺ − u⁻."""
    n, X = len(x), _design(x)
    if name == "eps_insensitive":  # min Σ t, t ≥ |y − Xθ| − ε, t ≥ 0
        c = np.r_[0, 0, np.ones(n)] / n
        A = np.block([[X, -np.eye(n)], [-X, -np.eye(n)]])
        b = np.r_[y + param, -y + param]
        res = scipy_optimize.linprog(c, A_ub=A, b_ub=b, bounds=[(None, None)] * 2 + [(0, None)] * n, method="highs")
    else:
        tau = 0.5 if name == "mae" else param
        weight = 2 if name == "mae" else 1  # |r| = 2 · pinball at τ = 0.5
        c = np.r_[0, 0, weight * tau * np.ones(n), weight * (1 - tau) * np.ones(n)] / n
        A = np.hstack([X, np.eye(n), -np.eye(n)])
        res = scipy_optimize.linprog(c, A_eq=A, b_eq=y, bounds=[(None, None)] * 2 + [(0, None)] * 2 * n, method="highs")
    assert res.status == 0
    return res.fun


def _loss_np(name, param):
    loss = LOSSES[name]
    return lambda theta, x, y: float(loss.fn(torch.tensor(theta[0] * x + theta[1])[:, None],
                                             torch.tensor(y)[:, None], param))


@pytest.mark.parametrize("data", DATASETS)
@pytest.mark.parametrize("name,param", [("mae", None), ("quantile", 0.1), ("quantile", 0.5), ("quantile", 0.9),
                                        ("eps_insensitive", 1.0), ("eps_insensitive", 0.0), ("eps_insensitive", 5.0)])
def test_piecewise_linear_minimum_equals_the_linear_programme(data, name, param):
    x, y = _xy(DATASETS[data])
    found = minima.line(LOSSES[name], LOSSES[name].resolve_param(param), torch.tensor(x), torch.tensor(y))
    assert found.method == "linear_programme" and found.certified
    assert found.loss == pytest.approx(_lp_line(name, LOSSES[name].resolve_param(param), x, y), rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("data", DATASETS)
@pytest.mark.parametrize("name,param", [("huber", None), ("huber", 5.0), ("smooth_l1", 0.3), ("log_cosh", None),
                                        ("barron", 1.0), ("barron", 1.5)])
def test_smooth_convex_minimum_is_at_least_as_low_as_bfgs(data, name, param):
    x, y = _xy(DATASETS[data])
    xm, xs = x.mean(), x.std()
    f = _loss_np(name, LOSSES[name].resolve_param(param))
    # BFGS in standardised coordinates (the raw valley is too narrow for it), mapped back
    g = lambda v: f((v[0] / xs, v[1] - v[0] * xm / xs), x, y)  # noqa: E731
    res = scipy_optimize.minimize(g, np.array([0.0, y.mean()]), method="BFGS", options={"gtol": 1e-12})
    found = minima.line(LOSSES[name], LOSSES[name].resolve_param(param), torch.tensor(x), torch.tensor(y))
    assert found.method == "convex" and found.certified
    assert found.loss <= res.fun + 1e-10 * max(1, res.fun)
    assert found.loss == pytest.approx(res.fun, rel=1e-7)
    assert found.theta[0] == pytest.approx(res.x[0] / xs, rel=1e-4, abs=1e-6)


@pytest.mark.parametrize("data", DATASETS)
def test_mse_minimum_is_scikit_learns_least_squares(data):
    x, y = _xy(DATASETS[data])
    fit = sklearn_linear.LinearRegression().fit(x[:, None], y)
    found = minima.line(LOSSES["mse"], None, torch.tensor(x), torch.tensor(y))
    assert found.method == "closed_form"
    assert found.theta[0] == pytest.approx(fit.coef_[0], rel=1e-9)
    assert found.theta[1] == pytest.approx(fit.intercept_, rel=1e-9)


@pytest.mark.parametrize("data", DATASETS)
@pytest.mark.parametrize("name,param", [("cauchy", None), ("tukey", None), ("tukey", 2.0), ("barron", 0.0),
                                        ("barron", -2.0)])
def test_non_convex_global_search_finds_no_worse_than_brute_force(data, name, param):
    """scipy.optimize.brute over 120 × 120 standardised lines around the data, each polished by
    Nelder-Mead: the global search must be at least as low (and so the global minimum's value)."""
    x, y = _xy(DATASETS[data])
    xm, xs = x.mean(), x.std()
    f = _loss_np(name, LOSSES[name].resolve_param(param))
    g = lambda v: f((v[0] / xs, v[1] - v[0] * xm / xs), x, y)  # noqa: E731
    reach = 2 * np.abs(y - y.mean()).max() + 1
    ranges = ((-reach, reach), (y.mean() - reach, y.mean() + reach))
    v = scipy_optimize.brute(g, ranges, Ns=120, finish=None)
    res = scipy_optimize.minimize(g, v, method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-14, "maxiter": 4000})
    found = minima.line(LOSSES[name], LOSSES[name].resolve_param(param), torch.tensor(x), torch.tensor(y))
    assert found.method == "global_search"
    assert found.loss <= res.fun + 1e-9 * max(1.0, res.fun)


BINARY = {"blobs": BinaryConfig(), "moons+squares": BinaryConfig(data="moons", features=("squares", "product")),
          "blobs, 20 % flips, outliers": BinaryConfig(flips=20.0, outliers=5)}


def _binary_design(config):
    d = binary_data(config)
    X = inputs(config, d.train_x).double().numpy()
    return np.hstack([X, np.ones((len(X), 1))]), d.train_y.flatten().double().numpy()


@pytest.mark.parametrize("data", BINARY)
def test_logistic_minimum_equals_scikit_learns_unpenalised_logistic_regression(data):
    config = BINARY[data]
    X, y = _binary_design(config)
    fit = sklearn_linear.LogisticRegression(C=np.inf, fit_intercept=False, tol=1e-12, max_iter=10_000).fit(X, y)
    z = X @ fit.coef_[0]
    oracle = float(np.mean(np.logaddexp(0, z) - y * z))
    found = exact_minimum(config)
    assert found.method == "convex" and found.certified
    assert found.loss <= oracle + 1e-9 and found.loss == pytest.approx(oracle, rel=1e-6)
    assert exact_minimum(config.replace(loss="bce")).loss == pytest.approx(found.loss, rel=1e-12)  # naive BCE: same function


@pytest.mark.parametrize("data", BINARY)
def test_hinge_minimum_equals_the_linear_programme(data):
    config = BINARY[data].replace(loss="hinge")
    X, y = _binary_design(config)
    n, p = X.shape
    s = 2 * y - 1
    # min Σ t / n, t ≥ 1 − s·Xθ, t ≥ 0
    res = scipy_optimize.linprog(np.r_[np.zeros(p), np.ones(n) / n], A_ub=np.hstack([-s[:, None] * X, -np.eye(n)]),
                                 b_ub=-np.ones(n), bounds=[(None, None)] * p + [(0, None)] * n, method="highs")
    found = exact_minimum(config)
    assert found.method == "linear_programme" and found.certified
    assert found.loss == pytest.approx(res.fun, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("data", BINARY)
def test_squared_hinge_minimum_is_at_least_as_low_as_bfgs(data):
    config = BINARY[data].replace(loss="squared_hinge_binary")
    X, y = _binary_design(config)
    s = 2 * y - 1
    f = lambda th: float(np.mean(np.maximum(0, 1 - s * (X @ th)) ** 2))  # noqa: E731
    res = scipy_optimize.minimize(f, np.zeros(X.shape[1]), method="BFGS", options={"gtol": 1e-12})
    found = exact_minimum(config)
    assert found.certified and found.loss <= res.fun + 1e-10 and found.loss == pytest.approx(res.fun, rel=1e-7)


def test_no_exact_answer_where_none_exists():
    assert exact_minimum(BinaryConfig(model="net")) is None
    assert exact_minimum(BinaryConfig(loss="binary_focal")) is None


def test_gap_is_relative_and_falls_back_to_the_excess_at_a_zero_minimum():
    assert minima.gap(1.01, 1.0) == pytest.approx(0.01)
    assert minima.gap(0.25, 0.0) == 0.25
    assert minima.gap(float("nan"), 1.0) == float("inf")
