"""Move a point: each point's influence against direct refits (numpy lstsq, scipy as oracles), the
edited points as part of a run's config (trained on exactly, in the link, exported, checked with one
sentence), and the page: a removed point moves the lines."""

import json

import numpy as np
import pytest
import torch
from scipy.optimize import linprog, minimize

from losslab import edits as point_edits
from losslab import influence as inf
from losslab.config import RegressionConfig, to_query
from losslab.fields import parse
from losslab.labs.regression import regression_data
from losslab.losses import LOSSES
from losslab.training import ListReporter, train
from tests.conftest import app

SEED = RegressionConfig()
OUTLIERS = RegressionConfig(outliers=3, noise=1.5, seed=4)
DATA = {"seed": SEED, "outliers": OUTLIERS}


def _xy(config):
    x, y = regression_data(config)
    return x.double().flatten().numpy(), y.double().flatten().numpy()


def _influence(config, losses=(("mse", None),)):
    found = inf.points(config)
    return found, inf.influence(found.xs, found.ys, losses)


def _lstsq(x, y):
    X = np.stack([x, np.ones_like(x)], axis=1)
    return np.linalg.lstsq(X, y, rcond=None)[0]


@pytest.mark.parametrize("name", DATA)
def test_leverage_and_cooks_distance_are_those_of_a_refit_without_each_point(name):
    """Cook's distance is by definition ‖Ŷ − Ŷ₍ᵢ₎‖² / (p·s²) with Ŷ₍ᵢ₎ from a refit without point i;
    leverage the hat matrix's diagonal X(XᵀX)⁻¹Xᵀ, here from raw heights (the module uses z)."""
    x, y = _xy(DATA[name])
    found, result = _influence(DATA[name])
    assert np.allclose(found.xs, x.astype(np.float32)) and np.allclose(found.ys, y.astype(np.float32))
    X = np.stack([x, np.ones_like(x)], axis=1)
    theta = _lstsq(x, y)
    n, p = len(x), 2
    s2 = np.sum((y - X @ theta) ** 2) / (n - p)
    hat = X @ np.linalg.pinv(X.T @ X) @ X.T
    assert np.allclose(result.leverage, np.diag(hat), rtol=1e-9, atol=1e-12)
    assert result.leverage.sum() == pytest.approx(2.0)  # trace of the hat matrix: the number of weights
    fit = result.fits[("mse", None)]
    for i in range(n):
        keep = np.arange(n) != i
        refit = _lstsq(x[keep], y[keep])
        cooks = np.sum((X @ theta - X @ refit) ** 2) / (p * s2)
        assert result.cooks[i] == pytest.approx(cooks, rel=1e-7)
        assert fit.without[i] == pytest.approx(refit, rel=1e-7, abs=1e-9)
        moved = np.abs(X[[x.argmin(), x.argmax()]] @ (refit - theta)).max()
        assert fit.shift[i] == pytest.approx(moved, rel=1e-6, abs=1e-9)
    if name == "outliers":  # the injected outliers (the last three) pull hardest
        assert set(np.argsort(result.cooks)[-3:]) == {10, 11, 12}


def _huber_oracle(x, y, delta):
    """scipy's BFGS from the least-squares line on the mean Huber loss, in standardised x."""
    m, sd = x.mean(), x.std()
    z = (x - m) / sd

    def f(theta):
        r = theta[0] * z + theta[1] - y
        a = np.abs(r)
        return np.mean(np.where(a <= delta, 0.5 * r ** 2, delta * (a - 0.5 * delta)))

    best = minimize(f, _lstsq(z, y), method="Nelder-Mead", options=dict(xatol=1e-12, fatol=1e-15, maxiter=40_000))
    a, c = best.x
    return np.array([a / sd, c - a * m / sd]), best.fun


def _lad_oracle(x, y):
    """MAE's line as scipy's linear programme: min Σ t_i subject to −t ≤ a·x + b − y ≤ t (HiGHS, exact vertex)."""
    n = len(x)
    cost = np.r_[0.0, 0.0, np.ones(n)]
    A = np.block([[x[:, None], np.ones((n, 1)), -np.eye(n)], [-x[:, None], -np.ones((n, 1)), -np.eye(n)]])
    found = linprog(cost, A_ub=A, b_ub=np.r_[y, -y], bounds=[(None, None)] * 2 + [(0, None)] * n, method="highs")
    return found.x[:2], found.fun / n


def _mean_abs(theta, x, y):
    return np.mean(np.abs(theta[0] * x + theta[1] - y))


@pytest.mark.parametrize("name", DATA)
def test_a_robust_loss_moves_as_scipy_refits_it_without_each_point(name):
    x, y = _xy(DATA[name])
    found, result = _influence(DATA[name], (("huber", 1.0), ("mae", None)))
    huber, mae = result.fits[("huber", 1.0)], result.fits[("mae", None)]
    line, value = _huber_oracle(x, y, 1.0)
    assert huber.loss == pytest.approx(value, rel=1e-9)
    assert (huber.slope, huber.intercept) == pytest.approx(tuple(line), rel=1e-6, abs=1e-6)
    lad, lad_value = _lad_oracle(x, y)
    assert mae.loss == pytest.approx(lad_value, rel=1e-9, abs=1e-12)
    for i in range(len(x)):
        keep = np.arange(len(x)) != i
        line, value = _huber_oracle(x[keep], y[keep], 1.0)
        assert huber.without[i] == pytest.approx(line, rel=1e-6, abs=1e-6), i
        # MAE's minimum may be a segment of lines: the value is what is unique
        _, lad_value = _lad_oracle(x[keep], y[keep])
        assert _mean_abs(mae.without[i], x[keep], y[keep]) == pytest.approx(lad_value, rel=1e-9, abs=1e-12), i
    assert huber.exact and mae.exact


def test_an_outlier_moves_mse_far_more_than_huber_or_mae():
    """The lesson the table teaches: leaving out an outlier swings the least-squares line, barely the robust ones."""
    found, result = _influence(OUTLIERS, (("mse", None), ("huber", 1.0), ("mae", None)))
    outlier = found.kinds.index("outlier")
    mse, huber, mae = (result.fits[k].shift[outlier] for k in (("mse", None), ("huber", 1.0), ("mae", None)))
    assert mse > 3 * huber and mse > 3 * mae


def test_a_run_on_edited_points_trains_on_exactly_those_points_and_ends_on_their_line():
    config = RegressionConfig(edits="-10,-2,160:85")
    x, y = _xy(config)
    assert len(x) == 9 and x[-1] == 160.0 and y[-1] == 85.0 and 157.5 not in x.tolist()
    reporter = ListReporter()
    result = train(config, reporter)
    assert result.status == "completed"
    final = result.final
    slope, intercept = _lstsq(x, y)  # the edited data's own least-squares line, not the seed's
    assert final["slope"] == pytest.approx(slope, rel=2e-4)
    assert final["intercept"] == pytest.approx(intercept, rel=2e-4, abs=0.02)
    assert final["final/gap"] < 1e-4
    assert abs(slope - 0.74867) > 0.05  # far from the unedited line: the edit mattered
    snapshot = reporter.snapshots[-1][2]
    assert len(snapshot["residuals"]) == 9


@pytest.mark.parametrize("edits, needle", [
    ("-11", "point 11 cannot be removed: there are only 10 points"),
    ("170:nan", "needs two numbers"),
    ("170:-5", "weight must be between 1 and 650 kg"),
    ("1805:80", "height must be between 50 and 300 cm"),
    ("-1,-2,-3,-4,-5,-6,-7,-8,-9", "at least 2 points; the edits leave 1"),
    ("-1,-2,-3,-4,-5,-6,-7,-8,-9,-10", "the edits leave 0"),
    (",".join(["170:70"] * 51), "at most 50 points can be added; got 51"),
    ("-3,-3", "remove point 3 twice"),
    ("x3", "neither -N"),
])
def test_a_bad_edit_is_one_sentence(edits, needle):
    with pytest.raises(ValueError) as caught:
        RegressionConfig(edits=edits)
    message = str(caught.value)
    assert needle in message and "\n" not in message and "Traceback" not in message


def test_a_bad_edit_in_a_link_is_said_and_the_rest_of_the_link_is_kept(app_env):
    at = app("regression", {"edits": "-3,170:-5", "outliers": "2"})
    assert not at.exception, at.exception
    warnings = [w.value for w in at.warning]
    assert len(warnings) == 1 and "weight must be between 1 and 650 kg" in warnings[0], warnings
    assert at.number_input(key="reg_outliers").value == 2  # nothing else lost
    assert at.session_state["reg_edits"] == ""


def test_the_points_table_turns_rows_into_edits_and_refuses_half_rows():
    from losslab.i18n import Problem
    from losslab.ui.points import table_edits

    config = RegressionConfig(edits="-1,180:80")
    found = inf.points(config)
    assert found.numbers[0] == "2" and found.numbers[-1] == "+1"
    edited = table_edits(found, point_edits.parse(config.edits),
                         {"deleted_rows": [len(found.xs) - 1], "edited_rows": {"0": {"y": 60.0}},
                          "added_rows": [{"x": 150.0, "y": 45.5}]})
    assert point_edits.text(edited) == "-1,-2,157.5:60,150:45.5"
    with pytest.raises(Problem):
        table_edits(found, point_edits.parse(config.edits), {"added_rows": [{"x": 150.0}]})
    bad = table_edits(found, point_edits.parse(config.edits), {"edited_rows": {"1": {"y": -4.0}}})
    with pytest.raises(ValueError, match="weight must be between"):
        config.replace(edits=point_edits.text(bad))


def test_edits_survive_the_link_the_store_and_the_cli_text():
    config = RegressionConfig(edits="180.5:95.2, -3,-1", outliers=2, loss="huber")
    assert config.edits == "-1,-3,180.5:95.2"  # one text per edit: equal runs have equal configs
    query = to_query(config)
    assert query["edits"] == "-1,-3,180.5:95.2"
    back = RegressionConfig(**{k: parse(RegressionConfig, k, v) for k, v in query.items()})
    assert back == config
    assert RegressionConfig.from_dict(json.loads(config.to_json())) == config


def test_a_link_with_edits_starts_a_run_on_those_points(app_env):
    from losslab.jobs import service as service_mod

    at = app("regression", {"edits": "-10,200:70"})
    assert not at.exception, at.exception
    assert [w.value for w in at.warning] == []
    at.button(key="reg_start").click().run()
    runs = service_mod.get_service().list_runs(None)
    assert len(runs) == 1
    received = RegressionConfig.from_dict(runs[0]["config"])
    assert received.edits == "-10,200:70"
    assert dict(at.query_params).get("edits") in ("-10,200:70", ["-10,200:70"])
    service_mod.get_service().stop(runs[0]["id"], at.session_state["owner"])


def test_the_exported_program_trains_on_the_edited_points(make_service, tmp_path):
    from tests.test_export import _train_export_run

    config = RegressionConfig(edits="-10,-1,175:95", outliers=2, loss="huber", epochs=800, eval_every=9)
    service, run_id, text = _train_export_run(make_service, config, tmp_path)
    assert "removed = {0, 9}" in text


def _figure(at):
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    return next(sp for sp in specs if "click a point" in str(sp["layout"].get("title")))


def _line(fig, starts: str):
    trace = next(tr for tr in fig["data"] if tr["name"].startswith(starts))
    xs, ys = _values(trace["x"]), _values(trace["y"])
    slope = (ys[1] - ys[0]) / (xs[1] - xs[0])
    return slope, ys[0] - slope * xs[0]


def _values(v):
    if isinstance(v, dict):  # plotly's typed-array form: base64 of little-endian numbers
        import base64
        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"])).astype(float).tolist()
    return list(v)


def test_a_removed_point_moves_every_line_on_the_page(app_env):
    """What a click on point 10 stores (the browser's click itself: tests/e2e/test_points_browser.py):
    the figure then shows each loss's exact line on the nine points left."""
    at = app("regression")
    mse0 = _line(_figure(at), "MSE")
    assert mse0 == pytest.approx((0.74867, -64.4213), rel=1e-4)
    at.session_state["reg_edits"] = "-10"
    at.run()
    assert not at.exception, at.exception
    after = _figure(at)
    x, y = _xy(RegressionConfig(edits="-10"))
    assert len(x) == 9
    assert _line(after, "MSE (L2): its") == pytest.approx(tuple(_lstsq(x, y)), rel=1e-5)
    assert _line(after, "MSE (L2): its") != pytest.approx(mse0, rel=1e-3)
    lad, _ = _lad_oracle(x, y)
    assert _mean_abs(np.array(_line(after, "MAE (L1): its")), x, y) == pytest.approx(_mean_abs(lad, x, y), rel=1e-5)
    assert dict(at.query_params).get("edits") in ("-10", ["-10"])
    assert "9 / 10" not in str(after) and [tr for tr in after["data"] if tr["name"] == "points"][0]


def test_many_points_get_their_exact_lines_without_a_refit_per_point():
    """400 points: a refit per point and loss would cost seconds a click; the lines stay exact (minima)."""
    from losslab import minima

    config = RegressionConfig(data="synthetic", n_points=400, outliers=5)
    found, result = _influence(config, (("mse", None), ("mae", None), ("huber", 1.0)))
    x, y = (torch.tensor(v, dtype=torch.float64) for v in (found.xs, found.ys))
    for name, param in (("mae", None), ("huber", 1.0)):
        fit = result.fits[(name, param)]
        best = minima.line(LOSSES[name], param, x, y)
        assert fit.loss == pytest.approx(best.loss, rel=1e-9)
        assert np.isnan(fit.shift).all()
    assert np.isfinite(result.cooks).all() and np.isfinite(result.fits[("mse", None)].shift).all()
