"""A lab's link carries the whole lab: a random valid config → its URL → the page opened from
that link (AppTest) → Start → the config the service receives equals the original, and both
configs train to the same first 20 loss values."""

import math
import random

import pytest

from losslab import fields
from losslab.config import MnistConfig, RegressionConfig, to_query
from losslab.jobs import service as service_mod
from losslab.losses import LOSSES
from losslab.training import ListReporter, train
from tests.conftest import app

PAGES = {RegressionConfig: ("regression", "reg"), MnistConfig: ("mnist", "mn")}


def random_config(cls, rng: random.Random):
    """Every field a lab's form shows gets a random valid value; hidden ones keep their default."""
    values = {}
    for name, spec in fields.specs(cls).items():
        if not spec.url or spec.widget == "none" or not spec.shown(values):
            continue
        if name == "loss_param":
            param = LOSSES[values["loss"]].param
            values[name] = None if param is None else round(rng.uniform(param.low, param.high), 3)
        elif name == "data":
            values[name] = rng.choice(["seed", "synthetic"])  # "custom" needs an upload, tested elsewhere
        elif spec.choices:
            values[name] = rng.choice(spec.allowed())
        elif spec.kind is int:
            values[name] = rng.randint(int(spec.low), int(spec.high))
        else:
            low = spec.low if not spec.low_open else spec.high / 1000
            values[name] = round(rng.uniform(low, spec.high), 4)
    if cls is MnistConfig:
        values["batch_size"] = rng.randint(1, values["train_subset"] or 60_000)
    return cls(**values)


def url(at) -> dict:
    """The lab's settings in the page's query string as {name: text} (AppTest keeps each value
    as a list); the language the app adds to every link is left out."""
    return {k: v[-1] if isinstance(v, list) else v for k, v in at.query_params.items() if k != "lang"}


def first_losses(config, n=20):
    reporter = ListReporter()
    steps = iter(range(n + 1))
    # Pace and the reporting interval change when values are seen, not what they are.
    config = config.replace(speed=0.0, eval_every=1) if config.task == "regression" else config.replace(speed=0.0)
    train(config, reporter, should_stop=lambda: next(steps, n) >= n)
    return [v for _, v in reporter.series("train", "loss")][:n]


@pytest.mark.parametrize("cls", [RegressionConfig, MnistConfig], ids=["regression", "mnist"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_random_config_survives_its_link(app_env, cls, seed):
    original = random_config(cls, random.Random(seed))
    page, prefix = PAGES[cls]
    query = to_query(original)
    at = app(page, query)
    assert not at.exception, at.exception
    assert [w.value for w in at.warning] == []
    at.button(key=f"{prefix}_start").click().run()
    assert not at.exception, at.exception
    runs = service_mod.get_service().list_runs(None)
    assert len(runs) == 1, [e.value for e in at.error]
    received = cls.from_dict(runs[0]["config"])
    assert received == original
    # The page writes the lab back to its address: the same link, plus the run.
    assert {k: v for k, v in url(at).items() if k not in ("run", "lang")} == query
    service_mod.get_service().stop(runs[0]["id"], at.session_state["owner"])
    a, b = first_losses(original), first_losses(received)
    assert len(a) == len(b) > 0
    assert all(x == y or (math.isnan(x) and math.isnan(y)) for x, y in zip(a, b))


def test_widget_changes_are_written_to_the_link(app_env):
    at = app("regression")
    at.selectbox(key="reg_loss").set_value("huber").run()
    at.number_input(key="reg_param_huber").set_value(2.5).run()
    at.number_input(key="reg_eval_every").set_value(50).run()
    assert url(at) == {"loss": "huber", "loss_param": "2.5", "eval_every": "50"}
    at.selectbox(key="reg_loss").set_value("mse").run()
    assert url(at) == {"eval_every": "50"}


@pytest.mark.parametrize("query, needle", [
    ({"momentum": "0.5"}, "momentum applies to SGD and RMSprop only"),   # Adam is the default
    ({"n_points": "20"}, "only the synthetic data has a number of points"),
    ({"points": "1,2"}, "comes from an uploaded file"),
    ({"colour": "red"}, "no setting called `'colour'`"),
])
def test_a_link_setting_no_widget_reads_is_named(app_env, query, needle):
    at = app("regression", query)
    assert not at.exception, at.exception
    warnings = [w.value for w in at.warning]
    assert len(warnings) == 1 and needle in warnings[0], warnings
