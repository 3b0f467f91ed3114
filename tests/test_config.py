"""Configs reject bad values with a message naming the field and range; JSON round-trips exactly."""

import dataclasses
import json
import math

import pytest

from losslab.config import MnistConfig, RegressionConfig, config_from_dict, config_from_json


@pytest.mark.parametrize("cls, field, value, needle", [
    (RegressionConfig, "lr", float("nan"), "lr must be a finite number in (0, 10]"),
    (RegressionConfig, "lr", float("inf"), "lr must be a finite number"),
    (RegressionConfig, "lr", 0.0, "lr must be in (0, 10]"),
    (RegressionConfig, "lr", -0.1, "lr must be in (0, 10]"),
    (RegressionConfig, "epochs", 0, "epochs must be in [1, 100000]"),
    (RegressionConfig, "epochs", 100_001, "epochs must be in [1, 100000]"),
    (RegressionConfig, "epochs", 2.5, "epochs must be an integer"),
    (RegressionConfig, "loss", "cross_entropy", "loss must be one of mse"),
    (RegressionConfig, "loss", "nope", "loss must be one of"),
    (RegressionConfig, "optimizer", "lbfgs", "optimizer must be one of"),
    (RegressionConfig, "seed", -1, "seed must be in"),
    (RegressionConfig, "speed", -1, "speed must be one of 0, 1000, 200, 50, 10, 2"),
    (RegressionConfig, "outliers", 1000, "outliers must be in [0, 100]"),
    (RegressionConfig, "data", "custom", "points must hold at least 2"),
    (MnistConfig, "loss", "mse", "loss must be one of cross_entropy"),
    (MnistConfig, "batch_size", 60_001, "batch_size must be in [1, 60000]"),
    (MnistConfig, "epochs", 51, "epochs must be in [1, 50]"),
    (MnistConfig, "label_noise", 101, "label_noise must be in [0, 100]"),
    (MnistConfig, "model", "resnet", "model must be one of linear, mlp"),
    (MnistConfig, "lr", True, "lr must be a number"),
])
def test_bad_values_name_field_and_range(cls, field, value, needle):
    with pytest.raises(ValueError) as err:
        cls(**{field: value})
    assert needle in str(err.value)


def test_batch_size_cannot_exceed_the_training_subset():
    with pytest.raises(ValueError, match=r"batch_size must be in \[1, 500\]"):
        MnistConfig(train_subset=500, batch_size=501)


def test_loss_parameter_checked_against_the_loss():
    assert RegressionConfig(loss="huber", loss_param=2.0).loss_param == 2.0
    with pytest.raises(ValueError, match=r"loss_param \(delta\) must be in \[0.01, 100\]"):
        RegressionConfig(loss="huber", loss_param=0.0)
    with pytest.raises(ValueError, match="mse has no parameter"):
        RegressionConfig(loss="mse", loss_param=1.0)
    with pytest.raises(ValueError, match="label_smoothing"):
        MnistConfig(loss_param=1.5)


def test_custom_points_validated():
    ok = RegressionConfig(data="custom", points=((1.0, 2.0), (3.0, 4.5)))
    assert ok.points[1] == (3.0, 4.5)
    with pytest.raises(ValueError, match="finite"):
        RegressionConfig(data="custom", points=((1.0, math.nan), (3.0, 4.5)))
    with pytest.raises(ValueError, match="points must be empty"):
        RegressionConfig(points=((1.0, 2.0), (3.0, 4.5)))


@pytest.mark.parametrize("config", [
    RegressionConfig(),
    RegressionConfig(loss="huber", loss_param=0.1234567890123, lr=1e-7, outliers=3, noise=0.1 + 0.2),
    RegressionConfig(data="custom", points=((0.1, 0.30000000000000004), (2.0, -1e-300))),
    MnistConfig(),
    MnistConfig(model="mlp", hidden=32, loss="focal", loss_param=1.5, optimizer="adam", lr=3e-4, train_subset=1000),
])
def test_exact_json_round_trip(config):
    text = config.to_json()
    again = config_from_json(text)
    assert again == config and type(again) is type(config)
    assert again.to_json() == text


def test_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign to field 'lr'"):
        RegressionConfig().lr = 1.0


@pytest.mark.parametrize("text, needle", [
    ("not json", "config is not valid JSON"),
    ("[1, 2]", "must be an object"),
    ('{"task": "chess"}', "task must be one of regression, mnist"),
    ('{"task": "regression", "lrr": 1}', "unknown config field(s): lrr"),
])
def test_bad_json_is_a_value_error(text, needle):
    with pytest.raises(ValueError) as err:
        config_from_json(text)
    assert needle in str(err.value)


def test_from_dict_rejects_mismatched_task():
    with pytest.raises(ValueError, match="task must be 'mnist'"):
        MnistConfig.from_dict(json.loads(RegressionConfig().to_json()))
    assert config_from_dict({"task": "mnist", "epochs": 2}).epochs == 2
