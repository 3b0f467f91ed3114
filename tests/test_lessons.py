"""Lessons: what each built-in lesson's text promises happens on its own config; a saved lesson
round-trips; answers come before runs, one per student; the lecturer's views never hold a token."""

import json

import pytest

from losslab import datasets
from losslab.i18n import Problem
from losslab.jobs.errors import JobError, LimitError, NotAllowed
from losslab.lessons import BUILTIN, make
from losslab.labs.regression import regression_points
from losslab.training import ListReporter, train

SECRET = "lecture-secret"


def _fit_at(result, x=175.0):
    return result.final["intercept"] + x * result.final["slope"]


def test_seed_lesson_ends_on_the_least_squares_line():
    lesson = BUILTIN["seed"]
    assert lesson.choice_texts()[lesson.answer] == "On the least-squares line"
    config = lesson.configs()[0]
    slope, intercept = datasets.least_squares(*regression_points(config)[:2])
    result = train(config)
    assert result.status == "completed"
    assert result.final["slope"] == pytest.approx(slope, rel=3e-3)
    assert _fit_at(result) == pytest.approx(intercept + 175 * slope, abs=0.05)


def test_outliers_lesson_moves_the_mse_line_most():
    lesson = BUILTIN["outliers"]
    assert [lesson.choice_texts()[i] for i in range(3)] == ["MSE", "MAE", "Huber"] and lesson.answer == 0
    clean_xs, clean_ys, _ = regression_points(lesson.config.replace(outliers=0))
    slope, intercept = datasets.least_squares(clean_xs, clean_ys)
    moved = {c.loss: abs(_fit_at(train(c)) - (intercept + 175 * slope)) for c in lesson.configs()}
    assert moved["mse"] > 3 * moved["mae"] and moved["mse"] > 3 * moved["huber"], moved
    assert moved["mse"] > 5  # kg at 175 cm: a student sees it on the chart


def test_diverge_lesson_diverges_and_standardised_heights_converge():
    lesson = BUILTIN["diverge"]
    assert "η = 0.0001" in lesson.say("question") and lesson.config.lr == 1e-4
    result = train(lesson.configs()[0])
    assert result.status == "diverged"
    # the explanation's way out, through the controls the lesson opens
    fixed = lesson.configs({"x_scale": "standardised", "lr": 0.98})[0]
    xs, ys, _ = regression_points(fixed)
    slope, intercept = datasets.least_squares(xs, ys)
    result = train(fixed)
    assert result.status == "completed" and result.final["slope"] == pytest.approx(slope, rel=1e-3)


def test_naive_bce_lesson_hits_log_zero_where_logits_keep_training():
    lesson = BUILTIN["naive-bce"]
    naive, logits = (train(c) for c in lesson.configs())
    assert naive.status == "diverged" and naive.diverged_at > 1
    assert logits.status == "completed" and logits.final["train/accuracy"] == 1.0


def test_noise_lesson_cross_entropy_memorises_what_mae_resists(real_mnist):
    lesson = BUILTIN["noise"]
    final = {}
    for config in lesson.configs():
        rep = ListReporter()
        train(config, rep)
        shares = [v for _, v in rep.series("train", "memorised")]
        final[config.loss] = shares[-1]
        if config.loss == "cross_entropy":
            assert shares[-1] > 3 * shares[0]  # the meter rises as CE learns the noise by heart
    assert final["cross_entropy"] > 2 * final["mae_prob"]


def test_a_student_cannot_change_a_hidden_field():
    with pytest.raises(Problem, match="fixes lr"):
        BUILTIN["outliers"].configs({"lr": 0.5})
    assert BUILTIN["outliers"].configs({"outliers": 5})[0].outliers == 5


@pytest.mark.parametrize("record, words", [
    ({"title": ""}, "title"),
    ({"question": "Which?", "choices": ["only one"]}, "2 to 6 answer choices"),
    ({"question": "Which?", "choices": ["a", "b"], "answer": 2}, "one of the 2 choices"),
    ({"editable": ["points"]}, "cannot be given points"),
    ({"compare": ["cross_entropy"]}, "this lab's losses"),
    ({"title": "x" * 400}, "keep it to 300"),
])
def test_a_bad_lesson_gets_one_sentence(record, words):
    base = {"config": BUILTIN["seed"].config.to_dict(), "title": "Fit a line"}
    with pytest.raises(Problem) as exc:
        make({**base, **record})
    assert words in str(exc.value) and str(exc.value).count(".") <= 2


def _service(tmp_path, monkeypatch):
    from losslab.jobs.service import JobService

    monkeypatch.setenv("LOSSLAB_ADMIN_TOKEN", SECRET)
    return JobService(tmp_path / "runs.sqlite3", max_per_owner=5)


RECORD = {"config": BUILTIN["outliers"].config.replace(seed=7).to_dict(), "editable": ["loss", "outliers"],
          "title": "Outliers", "question": "Which line moves?", "choices": ["MSE", "MAE"], "answer": 0,
          "explanation": "MSE's.", "compare": []}


def test_a_saved_lesson_round_trips_and_only_the_lecturer_saves(tmp_path, monkeypatch):
    service = _service(tmp_path, monkeypatch)
    with pytest.raises(NotAllowed):
        service.save_lesson(RECORD, "not-the-secret", "owner-a")
    lesson_id = service.save_lesson(RECORD, SECRET, "lecturer-owner-token")
    again = service.lesson(lesson_id)
    assert again.config == BUILTIN["outliers"].config.replace(seed=7)
    assert (again.editable, again.choices, again.answer, again.owner) == (("loss", "outliers", "loss_param"), ("MSE", "MAE"), 0,
                                                                          "lecturer-owner-token")
    assert [l.id for l in service.saved_lessons()] == [lesson_id]
    assert service.lesson("no-such") is None and service.lesson("../x") is None
    assert service.lesson("seed") is BUILTIN["seed"]
    service.delete_lesson(lesson_id, SECRET)
    assert service.lesson(lesson_id) is None


def test_start_waits_for_an_answer_and_keeps_the_first(tmp_path, monkeypatch):
    service = _service(tmp_path, monkeypatch)
    lesson = service.lesson(service.save_lesson(RECORD, SECRET, "lecturer"))
    with pytest.raises(JobError, match="Pick an answer first"):
        service.start_lesson(lesson, "student-1")
    assert service.my_answer(lesson.id, "student-1") is None
    with pytest.raises(Problem, match="fixes lr"):
        service.start_lesson(lesson, "student-1", 0, {"lr": 1.0})
    assert service.my_answer(lesson.id, "student-1") is None and service.list_runs("student-1") == []
    first = service.start_lesson(lesson, "student-1", 1, {"loss": "huber"})
    second = service.start_lesson(lesson, "student-1", 0)
    assert service.my_answer(lesson.id, "student-1") == 1
    assert service.my_lesson_runs(lesson, "student-1") == first + second
    assert service.get(first[0])["config"]["loss"] == "huber"
    assert service.start_lesson(lesson, "lecturer", lecturer=True)  # the lecturer needs no answer
    runs = service.lesson_runs(lesson)
    assert [r["lecturer"] for r in runs] == [False, False, True]


def test_histogram_and_export_count_several_owners_and_never_show_a_token(tmp_path, monkeypatch):
    service = _service(tmp_path, monkeypatch)
    lesson = BUILTIN["outliers"]
    owners = [f"student-token-{i:02d}-abcdefghijkl" for i in range(5)]
    for owner, choice in zip(owners, (0, 0, 1, 3, 0)):
        service.start_lesson(lesson, owner, choice)
    assert service.histogram(lesson) == [3, 1, 0, 1]
    assert not service.revealed(lesson.id)
    with pytest.raises(NotAllowed):
        service.reveal(lesson.id, "guess")
    service.reveal(lesson.id, SECRET)
    assert service.revealed(lesson.id)
    table = service.answers_table(lesson)
    assert [row["student"] for row in table] == [1, 2, 3, 4, 5] and [row["choice"] for row in table] == [0, 0, 1, 3, 0]
    assert all(len(row["runs"].split()) == 3 for row in table)  # MSE, MAE and Huber per student
    shown = json.dumps([service.histogram(lesson), table, service.lesson_runs(lesson, viewer=owners[0])])
    assert not any(owner in shown for owner in owners)
    with pytest.raises(NotAllowed):
        service.clear_answers(lesson.id, "guess")
    service.clear_answers(lesson.id, SECRET)  # the next class starts from an empty histogram
    assert service.histogram(lesson) == [0, 0, 0, 0] and not service.revealed(lesson.id)
    assert len(service.lesson_runs(lesson)) == 15  # the runs stay the students'



def test_one_vote_per_device_whatever_cookies_it_sends(tmp_path, monkeypatch):
    """Seven cookies from one device (private windows, a cleared browser) make one answer; another
    device still answers; a student may Start again; the loopback (the lecturer's own windows) and a
    class behind one shared address (the limit set to 0) are not limited."""
    service = _service(tmp_path, monkeypatch)
    lesson = service.lesson(service.save_lesson({**RECORD, "compare": []}, SECRET, "lecturer"))
    device, other = "address:10.1.2.3", "address:10.1.2.4"
    service.start_lesson(lesson, "cookie-0", 0, client=device)
    for i in range(1, 7):
        with pytest.raises(LimitError, match="already counted"):
            service.start_lesson(lesson, f"cookie-{i}", 1, client=device)
    assert service.histogram(lesson) == [1, 0] and service.list_runs("cookie-3") == []
    service.start_lesson(lesson, "cookie-0", 1, client=device)  # Start again: the first answer stays
    service.start_lesson(lesson, "cookie-7", 1, client=other)
    for i in range(3):
        service.start_lesson(lesson, f"window-{i}", 0, client="address:127.0.0.1")
    assert service.histogram(lesson) == [4, 1]
    monkeypatch.setenv("LOSSLAB_ANSWERS_PER_ADDRESS", "0")
    service.start_lesson(lesson, "cookie-8", 1, client=device)
    assert service.histogram(lesson) == [4, 2]
