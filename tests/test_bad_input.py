"""The bad-input sweep: uploads, URL parameters and config values at and past every limit each
get one clear sentence; nothing crashes and nothing is queued by mistake."""

import math

import pytest

from losslab import fields
from losslab.config import MnistConfig, RegressionConfig
from losslab.jobs import service as service_mod
from tests.conftest import app


def regression_page():
    at = app("regression")
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
    at = app("regression", {"run": run_id})
    assert not at.exception
    assert not [b for b in at.button if b.key == "reg_stop"]
    assert any("someone else started" in c.value for c in at.caption)
    with pytest.raises(service_mod.NotAllowed):
        svc.stop(run_id, at.session_state["owner"])
    svc.stop(run_id, "the-other-student-token-xyz")


@pytest.mark.parametrize("query, needle", [
    ({"epochs": "nan"}, "Ignored `epochs=nan` from the link: epochs must be a whole number"),
    ({"epochs": "1e308"}, "Ignored `epochs=1e308` from the link: epochs must be in [1, 100000]"),
    ({"lr": "-inf"}, "Ignored `lr=-inf` from the link: lr must be a finite number in (0, 10]"),
    ({"seed": "-5"}, "Ignored `seed=-5` from the link: seed must be in [0, 2147483647]"),
    ({"outliers": "99999999999999999999"}, "outliers must be in [0, 100]"),
    ({"noise": "1e400"}, "Ignored `noise=1e400` from the link: noise must be a finite number in [0, 1000]"),
    ({"run": "x" * 500}, "is not valid: open the run again from the Runs page"),
])
def test_nan_and_huge_numbers_in_the_url(app_env, query, needle):
    at = app("regression", query)
    assert not at.exception, at.exception
    warnings = [w.value for w in at.warning]
    assert len(warnings) == 1 and needle in warnings[0], warnings


def _bounded_fields():
    """(config class, field, value at the limit, value just past it) for every bounded numeric
    field of both tasks, read from the field table: a new limit is tested without an edit here."""
    for cls in (RegressionConfig, MnistConfig):
        for name, spec in fields.specs(cls).items():
            if spec.low is None or spec.choices:
                continue
            past = 1 if spec.kind is int else max(abs(spec.high) * 1e-4, 1e-3)
            yield cls, name, spec.kind(spec.high), spec.kind(spec.high + past)
            lower = spec.kind(spec.low) if not spec.low_open else None
            below = spec.kind(spec.low - (1 if spec.kind is int else max(abs(spec.low) * 1e-4, 1e-3)))
            yield cls, name, lower, spec.kind(spec.low) if spec.low_open else below


def test_every_bounded_field_of_both_tasks_is_tried():
    tried = {(cls.task, name) for cls, name, *_ in _bounded_fields()}
    for name in ("seed", "speed", "eval_every", "lr", "epochs", "momentum"):
        assert ("mnist", name) in tried or fields.specs(MnistConfig)[name].choices
    assert ("mnist", "seed") in tried and ("mnist", "eval_every") in tried and ("regression", "n_points") in tried


@pytest.mark.parametrize("cls, field, at_limit, past", list(_bounded_fields()),
                         ids=lambda v: v.task if isinstance(v, type) else str(v))
def test_config_values_at_and_past_every_limit(cls, field, at_limit, past):
    if at_limit is not None:
        assert getattr(cls(**{field: at_limit}), field) == at_limit
    with pytest.raises(ValueError) as err:
        cls(**{field: past})
    assert str(err.value).startswith(field) and "must be" in str(err.value)
    for bad in (math.nan, math.inf, -math.inf):
        with pytest.raises(ValueError, match=field):
            cls(**{field: bad})


@pytest.mark.parametrize("cls, field", [(c, n) for c in (RegressionConfig, MnistConfig)
                                        for n, s in fields.specs(c).items() if s.choices])
def test_every_choice_field_refuses_a_value_outside_its_choices(cls, field):
    with pytest.raises(ValueError, match=f"^{field} must be one of"):
        cls(**{field: 12345.5 if fields.specs(cls)[field].kind is float else "no-such-choice"})


def test_uploads_are_judged_on_their_bytes_and_parsed_once(monkeypatch):
    """A 2 MB upload used to cost 16 s of server CPU (four full parses before the row check) on
    every rerun, and a line over 128 KB raised csv.Error (Streamlit's generic error)."""
    from losslab import csvfile
    from losslab.csvfile import DataError, parse_points_csv

    decoded = []
    real_decode = csvfile.decode
    monkeypatch.setattr(csvfile, "decode", lambda data: decoded.append(len(data)) or real_decode(data))
    many = b"x,y\n" + b"".join(b"%d,%d\n" % (i, 2 * i) for i in range(150_000))[:2_000_000]
    with pytest.raises(DataError, match="rows"):
        parse_points_csv(many)
    long_line = b"x,y\n1,2\n" + b"3," + b"4" * 200_000 + b"\n5,6\n"
    with pytest.raises(DataError, match="Line 3 is 200,002 characters long"):
        parse_points_csv(long_line)
    assert decoded == []  # both refused on the raw bytes, before decoding or parsing
    quoted = b'x,y\n1,2\n"3,4\n' + b"5,6\n" * 3
    try:
        parse_points_csv(quoted)
    except DataError as exc:
        assert "\n" not in str(exc)
    good = b"height;weight\n150;50,5\n160;56\n170;64\n"
    first = parse_points_csv(good)
    assert parse_points_csv(good) == first and len(decoded) == 2  # the second call: from the cache
    mac = good.replace(b"\n", b"\r")  # Excel's "CSV (Macintosh)": lines end with a lone CR
    assert parse_points_csv(mac)[0] == first[0]


def test_a_links_words_are_shown_literally_never_as_markdown(app_env):
    """A parameter named like a Markdown link rendered as a clickable link inside the warning."""
    from tests.conftest import app

    at = app("regression", {"[click here](https://evil.example)": "1", "lr": "[x](https://evil.example)"})
    assert not at.exception, at.exception
    texts = [w.value for w in at.warning]
    assert len(texts) == 2
    for text in texts:
        # every "](" sits inside a code span or is escaped: Markdown makes no link of it
        outside = "".join(part for i, part in enumerate(text.split("`")) if i % 2 == 0)
        assert "](" not in outside and "://" not in outside
