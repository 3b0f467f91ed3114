"""Peer instruction's two votes on both stores: a class votes with confidences, the first vote's
suggested next step at each threshold, the lecturer opens the second vote, students revote (only
after a first vote, only while it is open, once), the switch matrix and the anonymous CSV."""

import csv
import io

import pytest

from losslab import votes
from losslab.jobs.errors import JobError, LimitError, NotAllowed
from losslab.lessons import BUILTIN
from tests.conftest import STORES, both_stores

store_target = pytest.fixture(params=STORES)(both_stores)
SECRET = "lecture-secret"
LESSON = BUILTIN["diverge"]  # three choices, one run per Start, the right answer is 2
RIGHT, WRONG, OTHER = 2, 0, 1
SURE, FAIRLY, GUESSING = range(3)


@pytest.fixture
def service(store_target, monkeypatch):
    from losslab.jobs.service import JobService

    monkeypatch.setenv("LOSSLAB_ADMIN_TOKEN", SECRET)
    monkeypatch.setenv("LOSSLAB_MAX_QUEUED", "1000")
    s = JobService(store_target, max_per_owner=5)  # no workers: the queued runs wait, votes are what counts
    yield s
    s.close()


def _student(i: int) -> str:
    return f"student-token-{i:03d}-abcdefghijkl"


@pytest.mark.parametrize("right, total, step", [
    (34, 100, votes.RETEACH), (35, 100, votes.DISCUSS), (70, 100, votes.DISCUSS), (71, 100, votes.MOVE_ON),
    (0, 3, votes.RETEACH), (3, 3, votes.MOVE_ON), (0, 0, None)])
def test_the_suggested_next_step_at_each_threshold(right, total, step):
    assert votes.next_step(right, total) == step


@pytest.mark.parametrize("right, step", [(6, votes.RETEACH), (7, votes.DISCUSS), (14, votes.DISCUSS), (15, votes.MOVE_ON)])
def test_a_class_votes_and_the_share_correct_suggests_the_next_step(service, right, step):
    """Twenty students: 30 %, 35 %, 70 % and 75 % right in the first vote."""
    for i in range(20):
        service.start_lesson(LESSON, _student(i), RIGHT if i < right else WRONG, confidence=i % 3)
    assert service.histogram(LESSON) == [20 - right, 0, right]
    assert service.first_vote_share(LESSON) == (right, 20)
    assert votes.next_step(*service.first_vote_share(LESSON)) == step
    assert service.my_vote(LESSON.id, _student(4)) == (RIGHT if 4 < right else WRONG, 1)


def test_bad_input_gets_one_sentence_and_changes_nothing(service):
    for choice, confidence, words in [(3, None, "not one of the question's 3 choices"), (-1, SURE, "3 choices"),
                                      ("2", None, "3 choices"), (True, None, "3 choices"),
                                      (RIGHT, 3, "sure, fairly sure, guessing"),
                                      (RIGHT, "sure", "sure, fairly sure, guessing")]:
        with pytest.raises(JobError, match=words) as exc:
            service.start_lesson(LESSON, _student(0), choice, confidence=confidence)
        assert str(exc.value).count(".") <= 1
    assert service.my_vote(LESSON.id, _student(0)) is None and service.list_runs(_student(0)) == []
    service.start_lesson(LESSON, _student(0), WRONG, confidence=FAIRLY)
    service.open_second_vote(LESSON.id, SECRET)
    for choice, confidence in [(7, SURE), (RIGHT, 9), (None, SURE)]:
        with pytest.raises(JobError):
            service.revote(LESSON, _student(0), choice, confidence)
    assert service.my_revote(LESSON.id, _student(0)) is None and service.revote_count(LESSON) == 0


def test_the_second_vote_opens_only_by_the_lecturer_and_only_first_voters_revote_once(service):
    service.start_lesson(LESSON, _student(0), WRONG, confidence=SURE, client="address:10.0.0.1")
    with pytest.raises(JobError, match="not open"):
        service.revote(LESSON, _student(0), RIGHT, SURE)
    with pytest.raises(NotAllowed):
        service.open_second_vote(LESSON.id, "guess")
    assert not service.second_vote_open(LESSON.id)
    service.open_second_vote(LESSON.id, SECRET)
    assert service.second_vote_open(LESSON.id)
    with pytest.raises(JobError, match="voted the first time"):
        service.revote(LESSON, _student(1), RIGHT, SURE)  # never voted first
    runs = service.list_runs(_student(0))
    service.revote(LESSON, _student(0), RIGHT, GUESSING)
    assert service.list_runs(_student(0)) == runs  # a revote starts no run
    with pytest.raises(JobError, match="already counted"):
        service.revote(LESSON, _student(0), OTHER, SURE)
    assert service.my_revote(LESSON.id, _student(0)) == (RIGHT, GUESSING)
    assert service.my_vote(LESSON.id, _student(0)) == (WRONG, SURE)  # the first vote stays as it was
    # one vote per device still holds for the first vote while the second is open
    with pytest.raises(LimitError):
        service.start_lesson(LESSON, _student(2), RIGHT, client="address:10.0.0.1")
    service.open_second_vote(LESSON.id, SECRET, False)
    service.start_lesson(LESSON, _student(3), RIGHT)
    with pytest.raises(JobError, match="not open"):
        service.revote(LESSON, _student(3), RIGHT, SURE)
    assert service.revote_count(LESSON) == 1


# (first choice, first confidence, second choice, second confidence, switch)
CLASS = [
    (WRONG, SURE, RIGHT, SURE, votes.WRONG_TO_RIGHT),
    (WRONG, GUESSING, RIGHT, FAIRLY, votes.WRONG_TO_RIGHT),
    (WRONG, GUESSING, RIGHT, None, votes.WRONG_TO_RIGHT),
    (RIGHT, GUESSING, WRONG, FAIRLY, votes.RIGHT_TO_WRONG),
    (RIGHT, SURE, RIGHT, SURE, votes.STAYED_RIGHT),
    (RIGHT, FAIRLY, RIGHT, SURE, votes.STAYED_RIGHT),
    (WRONG, SURE, WRONG, SURE, votes.STAYED_WRONG),
    (WRONG, FAIRLY, OTHER, GUESSING, votes.WRONG_TO_WRONG),
    (OTHER, None, RIGHT, SURE, votes.WRONG_TO_RIGHT),
]


def _class_votes_twice(service):
    for i, (first, conf, *_rest) in enumerate(CLASS):
        service.start_lesson(LESSON, _student(i), first, confidence=conf)
    service.start_lesson(LESSON, _student(99), RIGHT, confidence=SURE)  # voted once only
    service.open_second_vote(LESSON.id, SECRET)
    for i, (_f, _c, second, conf2, _s) in enumerate(CLASS):
        service.revote(LESSON, _student(i), second, conf2)


def test_the_switch_matrix_counts_every_move_overall_and_by_first_confidence(service):
    _class_votes_twice(service)
    matrix = service.switch_matrix(LESSON)
    assert list(matrix) == [votes.ALL, "sure", "fairly_sure", "guessing", votes.NOT_GIVEN]
    assert matrix[votes.ALL] == {votes.WRONG_TO_RIGHT: 4, votes.RIGHT_TO_WRONG: 1, votes.STAYED_RIGHT: 2,
                                 votes.STAYED_WRONG: 1, votes.WRONG_TO_WRONG: 1}
    assert matrix["sure"] == {votes.WRONG_TO_RIGHT: 1, votes.RIGHT_TO_WRONG: 0, votes.STAYED_RIGHT: 1,
                              votes.STAYED_WRONG: 1, votes.WRONG_TO_WRONG: 0}
    assert matrix["guessing"][votes.WRONG_TO_RIGHT] == 2 and matrix["guessing"][votes.RIGHT_TO_WRONG] == 1
    assert matrix["fairly_sure"][votes.STAYED_RIGHT] == 1 and matrix["fairly_sure"][votes.WRONG_TO_WRONG] == 1
    assert matrix[votes.NOT_GIVEN] == {**dict.fromkeys(votes.SWITCHES, 0), votes.WRONG_TO_RIGHT: 1}
    assert service.revote_count(LESSON) == 9 and service.first_vote_share(LESSON) == (4, 10)


def test_the_csv_holds_confidences_and_switches_and_no_token(service, monkeypatch):
    from losslab.jobs import service as service_mod
    from losslab.ui.lecturer import export_csv

    _class_votes_twice(service)
    monkeypatch.setattr(service_mod, "_service", service)
    text = export_csv(LESSON).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0])[-5:] == ["confidence", "second_choice", "second_choice_text", "second_confidence", "switch"]
    assert len(rows) == 10
    for row, (first, conf, second, conf2, kind) in zip(rows, CLASS):
        assert row["choice"] == str(first) and row["confidence"] == ("" if conf is None else votes.CONFIDENCE[conf])
        assert row["second_choice"] == str(second) and row["switch"] == kind
        assert row["second_confidence"] == ("" if conf2 is None else votes.CONFIDENCE[conf2])
    assert rows[-1]["second_choice"] == rows[-1]["switch"] == rows[-1]["second_confidence"] == ""
    assert rows[-1]["confidence"] == "sure"
    assert "student-token" not in text


def test_clearing_the_class_clears_both_rounds(service):
    _class_votes_twice(service)
    service.reveal(LESSON.id, SECRET)
    service.clear_answers(LESSON.id, SECRET)
    assert service.histogram(LESSON) == [0, 0, 0] and service.revote_count(LESSON) == 0
    assert not service.second_vote_open(LESSON.id) and not service.revealed(LESSON.id)
    assert service.switch_matrix(LESSON) == {votes.ALL: dict.fromkeys(votes.SWITCHES, 0)}
    assert service.my_vote(LESSON.id, _student(0)) is None and service.my_revote(LESSON.id, _student(0)) is None


def test_an_open_question_counts_changed_and_stayed(service):
    lesson = service.lesson(service.save_lesson(
        {"config": LESSON.config.to_dict(), "title": "Open", "question": "Which?", "choices": ["a", "b", "c"]},
        SECRET, "lecturer"))
    for i, first in enumerate((0, 1, 2)):
        service.start_lesson(lesson, _student(i), first, confidence=SURE)
    assert service.first_vote_share(lesson) == (None, 3)
    service.open_second_vote(lesson.id, SECRET)
    for i, second in enumerate((0, 2, 1)):
        service.revote(lesson, _student(i), second)
    assert service.switch_matrix(lesson) == {votes.ALL: {votes.CHANGED: 2, votes.STAYED: 1},
                                             "sure": {votes.CHANGED: 2, votes.STAYED: 1}}
    assert [r["switch"] for r in service.answers_table(lesson)] == ["stayed", "changed", "changed"]


def test_the_reveal_closes_the_second_vote_and_keeps_its_votes(service):
    """Vote, discuss, vote again, then reveal: the switch matrix is still there to read and export."""
    _class_votes_twice(service)
    before = service.switch_matrix(LESSON)
    service.reveal(LESSON.id, SECRET)
    assert service.switch_matrix(LESSON) == before and service.revote_count(LESSON) > 0
    assert not service.second_vote_open(LESSON.id)
    with pytest.raises(JobError, match="not open"):
        service.revote(LESSON, _student(9), RIGHT)
