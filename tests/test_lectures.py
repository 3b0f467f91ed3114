"""Lectures on both stores: lessons in sequence, the step every student follows (a late joiner
reads the current one), the pre and post rounds and the class's normalised gain checked against
Hake's numbers worked by hand; a lesson saved again is edited in place, never duplicated."""

import csv
import io

import pytest

from losslab import lectures
from losslab.jobs.errors import JobError, NotAllowed
from losslab.lectures import POST, PRE, Gain, gains, normalised_gain
from losslab.lessons import BUILTIN
from tests.conftest import STORES, both_stores

store_target = pytest.fixture(params=STORES)(both_stores)
SECRET = "lecture-secret"
# Concept questions with a right answer: diverge (3 choices, right 2) and seed (3 choices, right 0)
RECORD = {"title": "Losses in one hour", "lessons": ["seed", "outliers", "diverge"], "concepts": ["diverge", "seed"]}


@pytest.fixture
def service(store_target, monkeypatch):
    from losslab.jobs.service import JobService

    monkeypatch.setenv("LOSSLAB_ADMIN_TOKEN", SECRET)
    monkeypatch.setenv("LOSSLAB_MAX_QUEUED", "1000")
    s = JobService(store_target, max_per_owner=5)
    yield s
    s.close()


def _student(i: int) -> str:
    return f"student-token-{i:03d}-abcdefghijkl"


# --- the gain, pure ------------------------------------------------------------------------------
@pytest.mark.parametrize("pre, post, g", [(40, 70, 0.5), (20, 60, 0.5), (50, 50, 0.0), (80, 60, -1.0), (0, 100, 1.0),
                                          (99, 100, 1.0)])
def test_the_normalised_gain_is_hakes_formula(pre, post, g):
    assert normalised_gain(pre, post) == pytest.approx(g)


def test_at_pre_100_the_gain_is_undefined_not_zero():
    assert normalised_gain(100, 100) is None and normalised_gain(100, 50) is None


def test_the_class_gain_is_on_matched_students_class_averages():
    """Four students, two questions (right answers q1 = 0, q2 = 1). Student d answered only the
    pre round (left out); e answered only q1 in the post (left out of the class figure, in q1's)."""
    answers = {"q1": 0, "q2": 1}
    pre = {"a": {"q1": 0, "q2": 0}, "b": {"q1": 1, "q2": 0}, "c": {"q1": 1, "q2": 1}, "d": {"q1": 0, "q2": 1},
           "e": {"q1": 1, "q2": 0}}
    post = {"a": {"q1": 0, "q2": 1}, "b": {"q1": 0, "q2": 1}, "c": {"q1": 1, "q2": 1}, "e": {"q1": 0}}
    overall, per = gains(pre, post, answers)
    # a, b, c matched: pre right 1 + 0 + 1 of 6 = 33.3 %; post 2 + 2 + 1 of 6 = 83.3 %; g = 50 / 66.7 = 0.75
    assert overall.matched == 3
    assert overall.pre == pytest.approx(100 / 3) and overall.post == pytest.approx(500 / 6)
    assert overall.gain == pytest.approx(0.75)
    # q1: a, b, c, e: pre 1/4 = 25 %, post 3/4 = 75 %: g = 50 / 75 = 2/3
    assert per["q1"] == Gain(4, 25.0, 75.0, pytest.approx(2 / 3))
    # q2: a, b, c: pre 1/3, post 3/3: g = 1
    assert per["q2"].matched == 3 and per["q2"].gain == pytest.approx(1.0)


def test_a_question_everyone_knew_before_has_no_gain_and_nobody_matched_none():
    overall, per = gains({"a": {"q": 0}}, {"a": {"q": 0}}, {"q": 0})
    assert overall == Gain(1, 100.0, 100.0, None) and per["q"].gain is None
    assert gains({"a": {"q": 0}}, {}, {"q": 0})[0] == Gain(0, None, None, None)


@pytest.mark.parametrize("record, words", [
    ({"title": " ", "lessons": ["seed"]}, "title"), ({"title": "x", "lessons": []}, "1 to 20 lessons"),
    ({"title": "x", "lessons": ["../etc"]}, "'../etc'"), ({"title": "x" * 301, "lessons": ["seed"]}, "300")])
def test_a_bad_lecture_is_one_sentence(record, words):
    with pytest.raises(ValueError, match=words):
        lectures.make(record)


# --- on the store --------------------------------------------------------------------------------
def test_the_class_follows_the_lecturer_and_a_late_joiner_lands_on_the_current_step(service):
    lecture_id = service.save_lecture(RECORD, SECRET, "lecturer-token")
    lecture = service.lecture(lecture_id)
    assert [k for k, _ in lecture.steps()] == [PRE, "lesson", "lesson", "lesson", POST]
    assert service.lecture_step(lecture_id) == 0
    assert service.move_lecture(lecture_id, SECRET, 2) == 2
    assert lecture.step(service.lecture_step(lecture_id)) == ("lesson", "outliers")  # what a late joiner reads
    assert service.move_lecture(lecture_id, SECRET, 99) == 4 and service.move_lecture(lecture_id, SECRET, -3) == 0
    with pytest.raises(NotAllowed):
        service.move_lecture(lecture_id, "not-the-token", 1)
    assert service.lecture_step(lecture_id) == 0


def test_a_lecture_names_only_lessons_that_exist_and_concepts_need_a_right_answer(service):
    with pytest.raises(JobError, match="no lesson 'nope'"):
        service.save_lecture({"title": "x", "lessons": ["seed", "nope"]}, SECRET, "l")
    open_question = service.save_lesson({"config": BUILTIN["seed"].config.to_dict(), "title": "Open",
                                         "question": "What do you see?", "choices": ["a", "b"]}, SECRET, "l")
    with pytest.raises(JobError, match="right answer"):
        service.save_lecture({"title": "x", "lessons": ["seed"], "concepts": [open_question]}, SECRET, "l")
    assert service.all_lectures() == []


def test_pre_and_post_give_the_class_gain_and_the_csv_holds_no_token(service):
    lecture_id = service.save_lecture(RECORD, SECRET, "lecturer-token")
    lecture = service.lecture(lecture_id)
    # pre: diverge right (2) for students 0-1 of 4, seed right (0) for student 0 only -> 3 of 8 right
    pre = {0: (2, 0), 1: (2, 1), 2: (0, 1), 3: (1, 1)}
    for i, (d, s) in pre.items():
        service.answer_concepts(lecture, PRE, _student(i), {"diverge": (d, 0), "seed": (s, 2)})
    with pytest.raises(JobError, match="already counted"):
        service.answer_concepts(lecture, PRE, _student(0), {"diverge": (2, 0), "seed": (0, 0)})
    with pytest.raises(JobError, match="every question"):
        service.answer_concepts(lecture, PRE, _student(9), {"diverge": (2, 0)})
    with pytest.raises(JobError, match="not open"):
        service.answer_concepts(lecture, POST, _student(0), {"diverge": (2, 0), "seed": (0, 0)})
    service.move_lecture(lecture_id, SECRET, 4)
    with pytest.raises(JobError, match="not open"):
        service.answer_concepts(lecture, PRE, _student(5), {"diverge": (2, 0), "seed": (0, 0)})
    # post: students 0-2 come back (3 left), all right on diverge, seed right for 0 and 2; a late one (7)
    for i, s in {0: 0, 1: 1, 2: 0, 7: 0}.items():
        service.answer_concepts(lecture, POST, _student(i), {"diverge": (2, 1), "seed": (s, 1)})
    assert service.concept_histogram(lecture, PRE, "diverge") == [1, 1, 2]
    assert service.concept_students(lecture_id, POST) == 4
    overall, per = service.lecture_gain(lecture)
    # matched 0, 1, 2: pre right 2 + 1 + 0 of 6 = 50 %; post 2 + 1 + 2 of 6 = 83.3 %; g = 33.3 / 50 = 2/3
    assert overall.matched == 3 and overall.pre == pytest.approx(50.0)
    assert overall.gain == pytest.approx(2 / 3)
    assert per["diverge"].pre == pytest.approx(200 / 3) and per["diverge"].gain == pytest.approx(1.0)
    assert per["seed"] == Gain(3, pytest.approx(100 / 3), pytest.approx(200 / 3), pytest.approx(0.5))

    # a lesson step's votes and second votes: the switch matrix is in the export
    diverge = service.lesson("diverge")
    for i, first in enumerate((0, 2, 1)):
        service.start_lesson(diverge, _student(i), first, confidence=0)
    service.open_second_vote("diverge", SECRET)
    for i, second in enumerate((2, 2, 2)):
        service.revote(diverge, _student(i), second, 1)
    text = lectures.to_csv(service.lecture_table(lecture)).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {"section", "step", "lesson", "measure", "group", "value"} <= set(rows[0])
    switch = {(r["group"], r["measure"]): r["value"] for r in rows if r["section"] == "switch"}
    assert switch[("all", "wrong_to_right")] == "2" and switch[("all", "stayed_right")] == "1"
    assert switch[("sure", "wrong_to_right")] == "2"
    g = {(r["lesson"], r["measure"]): r["value"] for r in rows if r["section"] == "gain"}
    assert float(g[("class", "gain")]) == pytest.approx(2 / 3, abs=1e-4) and g[("class", "matched")] == "3"
    assert "student-token" not in text and "lecturer-token" not in text


def test_clearing_a_lecture_starts_a_new_class(service):
    lecture_id = service.save_lecture(RECORD, SECRET, "lecturer-token")
    lecture = service.lecture(lecture_id)
    service.answer_concepts(lecture, PRE, _student(0), {"diverge": (2, 0), "seed": (0, 0)})
    service.start_lesson(service.lesson("diverge"), _student(0), 2)
    service.move_lecture(lecture_id, SECRET, 3)
    service.clear_lecture(lecture_id, SECRET)
    assert service.lecture_step(lecture_id) == 0 and service.concept_students(lecture_id, PRE) == 0
    assert service.histogram(service.lesson("diverge")) == [0, 0, 0]


def test_a_lesson_saved_again_is_edited_in_place_not_duplicated(service):
    record = {"config": BUILTIN["seed"].config.to_dict(), "title": "Where does the line go?",
              "question": "Does it reach the least-squares line?", "choices": ["Yes", "No"], "answer": 0}
    first = service.save_lesson(record, SECRET, "lecturer-token")
    assert service.save_lesson(record, SECRET, "lecturer-token") == first  # Save pressed twice
    service.start_lesson(service.lesson(first), _student(0), 1)
    edited = service.save_lesson({**record, "title": "Where does the line end?"}, SECRET, "lecturer-token", first)
    assert edited == first and service.lesson(first).title == "Where does the line end?"
    assert service.histogram(service.lesson(first)) == [0, 1]  # the answers stay
    assert [lesson.id for lesson in service.saved_lessons()] == [first]
    other = service.save_lesson({**record, "title": "Another"}, SECRET, "lecturer-token")
    assert other != first and len(service.saved_lessons()) == 2


def test_a_deleted_lesson_drops_out_of_the_lecture(service):
    record = {"config": BUILTIN["seed"].config.to_dict(), "title": "Mine", "question": "Q?", "choices": ["a", "b"],
              "answer": 1}
    mine = service.save_lesson(record, SECRET, "lecturer-token")
    lecture_id = service.save_lecture({"title": "x", "lessons": ["seed", mine], "concepts": [mine]}, SECRET, "l")
    service.move_lecture(lecture_id, SECRET, 3)  # the post round
    service.delete_lesson(mine, SECRET)
    lecture = service.lecture(lecture_id)
    assert lecture.lessons == ("seed",) and lecture.concepts == () and lecture.steps() == [("lesson", "seed")]
    assert lecture.step(service.lecture_step(lecture_id)) == ("lesson", "seed")  # the stored step, clamped
