"""Truthful lines: at the lab's defaults, with only the loss changed, every convex loss ends within
1 % of its own exact minimum (losslab.minima, itself tested against SciPy); a run that does not
says why and its fix works; lessons' numbers come from exact answers; the seed's program stays."""

import json
import subprocess
import sys

import pytest

from losslab import lessons
from losslab.config import BinaryConfig, RegressionConfig
from losslab.labs.regression import exact_line, regression_points
from losslab.losses import LOSSES
from losslab.training import train
from losslab.truth import GAP_LIMIT, diagnose
from tests.conftest import ROOT

CONVEX_REGRESSION = [("mse", None), ("mae", None), ("huber", None), ("smooth_l1", None), ("log_cosh", None),
                     ("barron", None), ("barron", 1.5), ("quantile", 0.1), ("quantile", 0.5), ("quantile", 0.9),
                     ("eps_insensitive", None)]


@pytest.mark.parametrize("outliers", [0, 3])
@pytest.mark.parametrize("loss,param", CONVEX_REGRESSION)
def test_every_convex_regression_loss_reaches_its_minimum_at_the_defaults(loss, param, outliers):
    """A decaying step on standardised heights: Adam's error at the end is ~η_T, and η_T → 0."""
    assert LOSSES[loss].is_convex(param)
    result = train(RegressionConfig(loss=loss, loss_param=param, outliers=outliers))
    assert result.final["final/gap"] <= GAP_LIMIT, result.final
    assert diagnose(RegressionConfig(loss=loss, loss_param=param), result.final) is None


@pytest.mark.parametrize("loss", ["bce_logits", "bce", "hinge", "squared_hinge_binary"])
@pytest.mark.parametrize("flips", [0.0, 10.0])
def test_every_convex_binary_loss_reaches_its_minimum_at_the_defaults(loss, flips):
    result = train(BinaryConfig(loss=loss, flips=flips))
    assert result.final["final/gap"] <= GAP_LIMIT, result.final


def test_binary_runs_without_an_exact_answer_say_nothing_false():
    result = train(BinaryConfig(model="net", epochs=20))
    assert "final/gap" not in result.final and "final/bce" in result.final
    assert diagnose(BinaryConfig(model="net"), result.final) is None


def test_tukey_at_the_defaults_is_stuck_and_the_mae_start_finds_the_global_minimum():
    """Every residual from the seed's starting line is 50-90 kg, far beyond c = 4.685: no point pulls."""
    config = RegressionConfig(loss="tukey")
    result = train(config)
    assert result.final["final/gap"] > 1.0  # several times the global minimum
    found = diagnose(config, result.final)
    assert found.reason == "local" and found.fix == {"init": "l1_line"}
    best = exact_line(config)
    assert found.values["slope"] == f"{best.theta[0]:.4g}"
    fixed = train(config.replace(**found.fix))
    assert fixed.final["final/gap"] <= GAP_LIMIT
    assert fixed.final["slope"] == pytest.approx(best.theta[0], rel=1e-3)


def test_raw_heights_leave_huber_short_and_standardising_fixes_it():
    config = RegressionConfig(loss="huber", x_scale="raw", schedule="constant")
    result = train(config)
    found = diagnose(config, result.final)
    assert result.final["final/gap"] > GAP_LIMIT and found.reason == "valley"
    assert train(config.replace(**found.fix)).final["final/gap"] <= GAP_LIMIT


def test_a_short_run_is_called_short_and_more_epochs_reach_the_minimum():
    config = RegressionConfig(loss="mae", epochs=300)
    result = train(config)
    found = diagnose(config, result.final)
    assert found.reason == "short" and found.fix == {"epochs": 1200}
    assert train(config.replace(**found.fix)).final["final/gap"] < result.final["final/gap"]


def test_the_seed_lesson_is_the_course_texts_program():
    """Raw heights, Adam at a constant η = 0.1, 10,000 steps: MSE 1.86175, the least-squares optimum
    (test_landscape checks its curve step for step against a plain PyTorch loop)."""
    config = lessons.BUILTIN["seed"].config
    assert (config.x_scale, config.schedule, config.optimizer, config.lr, config.epochs) == ("raw", "constant", "adam", 0.1, 10_000)
    result = train(config)
    assert result.final["final/mse"] == pytest.approx(1.86175, abs=5e-4)
    assert result.final["final/gap"] <= 1e-3


def test_outliers_lesson_numbers_are_the_exact_minima():
    """9.15 kg (MSE), 0.46 kg (MAE), 0.50 kg (Huber): MAE moves least, not Huber (the runs agree)."""
    facts = lessons.moves_at_175()
    assert (facts["mse"], facts["mae"], facts["huber"]) == ("9.15", "0.46", "0.50")
    text = lessons.BUILTIN["outliers"].say("explanation")
    assert "9.15 kg" in text and "0.46 kg" in text and "0.50 kg" in text
    lesson = lessons.BUILTIN["outliers"]
    xs_clean = regression_points(lesson.config.replace(outliers=0))
    moved = {}
    for config in lesson.configs():
        r = train(config)
        assert r.final["final/gap"] <= GAP_LIMIT
        clean = exact_line(config.replace(outliers=0)).theta
        moved[config.loss] = abs(r.final["slope"] * 175 + r.final["intercept"] - (clean[0] * 175 + clean[1]))
    assert len(xs_clean[0]) == 10
    assert moved["mse"] == pytest.approx(9.15, abs=0.05) and moved["mae"] < moved["huber"] < 1.0


def test_cli_quantile_09_prints_its_gap_and_leaves_at_most_one_point_above():
    out = subprocess.run([sys.executable, "-m", "losslab", "train", "regression", "--loss", "quantile",
                          "--loss-param", "0.9", "--json"], cwd=ROOT, capture_output=True, text=True, check=True)
    final = json.loads(out.stdout)["final"]
    assert final["final/gap"] <= 0.01
    xs, ys, _ = regression_points(RegressionConfig())
    above = sum(y > final["slope"] * x + final["intercept"] for x, y in zip(xs, ys))
    assert above <= 1
    # the exact τ = 0.9 line: two points on it, eight below (at most (1 − τ)·n = 1 above)
    best = exact_line(RegressionConfig(loss="quantile", loss_param=0.9))
    r = [y - (best.theta[0] * x + best.theta[1]) for x, y in zip(xs, ys)]
    assert sum(abs(v) < 1e-6 for v in r) == 2 and sum(v < -1e-6 for v in r) == 8


def test_the_page_says_why_a_run_stopped_short_and_its_fix_starts_the_right_run(app_env):
    """A finished Tukey run at the defaults: one sentence with the reason and the global minimum's
    line; the button queues the same config started from the MAE line. Korean too."""
    from losslab.jobs import service as service_mod
    from tests.conftest import app

    svc = service_mod.get_service()
    config = RegressionConfig(loss="tukey", epochs=300)
    run_id = svc.submit(config, "student-token-abcdefghijklmnop")
    svc.wait(run_id, timeout=60)
    at = app("regression", {"run": run_id})
    assert not at.exception, at.exception
    best = exact_line(config)
    warning = [w.value for w in at.warning if "exact minimum" in w.value]
    assert len(warning) == 1 and "not convex" in warning[0] and f"{best.theta[0]:.4g}" in warning[0]
    at.button(key=f"truth_fix_{run_id}").click().run()
    assert not at.exception, at.exception
    started = [r for r in svc.list_runs(None) if r["id"] != run_id]
    assert len(started) == 1 and started[0]["config"]["init"] == "l1_line"
    assert RegressionConfig.from_dict(started[0]["config"]) == config.replace(init="l1_line")
    ko = app("regression", {"run": run_id, "lang": "ko"})
    assert any("정확한 최솟값" in w.value for w in ko.warning)


def test_a_naive_bce_divergence_names_log_0_not_the_step_size(app_env):
    from losslab.jobs import service as service_mod
    from losslab.lessons import saturating

    svc = service_mod.get_service()
    run_id = svc.submit(saturating(BinaryConfig(), "bce"), "student-token-abcdefghijklmnop")
    run = svc.wait(run_id, timeout=60)
    assert run["status"] == "diverged"
    from losslab.i18n import render

    assert "log 0" in render(run["error"]) and "too high" not in render(run["error"])
