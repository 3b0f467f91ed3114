"""The bad-input sweep: uploads, URL parameters and config values at and past every limit each
get one clear sentence; nothing crashes and nothing is queued by mistake."""

import dataclasses
import math

import pytest

from losslab.config import MAX_LR, MnistConfig, RegressionConfig
from losslab.jobs import service as service_mod
from tests.conftest import app


def regression_page():
    at = app("app_pages/regression.py")
    at.radio(key="reg_data").set_value("custom").run()
    return at


BIG = b"x,y\n" + b"".join(f"{i},{i * 0.5}\n".encode() for i in range(100_000))


@pytest.mark.parametrize("name, data, needle", [
    ("empty.csv", b"", "The file is empty"),
    ("image.csv", bytes(range(256)) * 8, "binary file"),
    ("huge.csv", BIG, "limit"),
    ("nan.csv", b"x,y\n1,2\n2,nan\n3,4\n", "Row 2 holds NaN"),
    ("text.csv", b"x,y\n1,2\n2,heavy\n", "Row 2 is not two numbers"),
    ("one.csv", b"x,y\n1,2\n", "at least 2 data rows"),
])
def test_bad_uploads_get_one_sentence_and_no_start(app_env, name, data, needle):
    at = regression_page()
    at.file_uploader(key="reg_upload").set_value((name, data, "text/csv")).run()
    assert not at.exception, at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and needle in errors[0], errors
    assert at.button(key="reg_start").disabled


def test_good_upload_trains_on_those_points(app_env):
    at = regression_page()
    at.file_uploader(key="reg_upload").set_value(("mine.csv", b"a,b\n1,3\n2,5\n3,7\n", "text/csv")).run()
    at.number_input(key="reg_epochs").set_value(50).run()
    at.button(key="reg_start").click().run()
    assert not at.exception, at.exception
    run = service_mod.get_service().list_runs(None)[0]
    assert run["config"]["points"] == [[1.0, 3.0], [2.0, 5.0], [3.0, 7.0]]


def test_another_owners_run_by_link_can_be_watched_not_stopped(app_env):
    svc = service_mod.get_service()
    run_id = svc.submit(RegressionConfig(epochs=100_000), "the-other-student-token-xyz")
    at = app("app_pages/regression.py", {"run": run_id})
    assert not at.exception
    assert not [b for b in at.button if b.key == "reg_stop"]
    assert any("someone else started" in c.value for c in at.caption)
    with pytest.raises(service_mod.NotAllowed):
        svc.stop(run_id, at.session_state["owner"])
    svc.stop(run_id, "the-other-student-token-xyz")


@pytest.mark.parametrize("query", [{"epochs": "nan"}, {"epochs": "1e308"}, {"lr": "-inf"}, {"seed": "-5"},
                                   {"outliers": "99999999999999999999"}, {"noise": "1e400"}, {"run": "x" * 500}])
def test_nan_and_huge_numbers_in_the_url(app_env, query):
    at = app("app_pages/regression.py", query)
    assert not at.exception, at.exception
    assert at.warning, "a sentence says what was ignored"


def _numeric_limits(cls):
    """(field, value at the limit, value just past it) for every bounded numeric field."""
    limits = {
        RegressionConfig: {"lr": (MAX_LR, MAX_LR * 1.0001), "epochs": (100_000, 100_001), "momentum": (0.99, 1.0),
                           "seed": (2**31 - 1, 2**31), "speed": (1000, 1000.5), "outliers": (100, 101),
                           "noise": (1000, 1000.1), "n_points": (1000, 1001), "eval_every": (1_000_000, 1_000_001),
                           "outlier_offset": (-1000, -1000.1)},
        MnistConfig: {"lr": (MAX_LR, 10.5), "epochs": (50, 51), "batch_size": (60_000, 60_001),
                      "train_subset": (60_000, 60_001), "label_noise": (100, 100.5), "hidden": (4096, 4097),
                      "momentum": (0.99, 0.995)},
    }[cls]
    for f in dataclasses.fields(cls):
        if f.name in limits:
            yield f.name, *limits[f.name]


@pytest.mark.parametrize("cls, field, at_limit, past", [
    (cls, *row) for cls in (RegressionConfig, MnistConfig) for row in _numeric_limits(cls)])
def test_config_values_at_and_past_every_limit(cls, field, at_limit, past):
    assert getattr(cls(**{field: at_limit}), field) == at_limit
    with pytest.raises(ValueError) as err:
        cls(**{field: past})
    assert str(err.value).startswith(field) and "must be" in str(err.value)
    for bad in (math.nan, math.inf, -math.inf):
        with pytest.raises(ValueError, match=field):
            cls(**{field: bad})
