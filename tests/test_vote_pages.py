"""The two votes on the pages, through AppTest, in English and Korean: a student predicts with a
confidence, sees their first answer while voting again once the lecturer opens the second vote;
the lecturer sees the suggested next step, opens the second vote and reads the switch matrix."""

import pytest

from tests.conftest import app

SECRET = "lecture-secret"
LESSON = "diverge"  # three choices; the right one is 2 ("No: the loss blows up")
WORDS = {
    "en": {"first": "You first said: Yes, quickly, fairly sure", "second": "Your second answer: No: the loss blows up, sure",
           "prediction": "Your prediction: Yes, quickly (fairly sure)", "open": "🗳 Open the second vote",
           "close": "Close the second vote", "reteach": "re-teach or give a hint", "share": "1 of 3 right (33 %)",
           "no_votes": "No votes yet", "moved": "wrong → right", "everyone": "everyone", "sure": "sure"},
    "ko": {"first": "처음 답: 예, 빠르게, 꽤 확실함", "second": "두 번째 답: 아니요: 손실이 폭발한다, 확실함",
           "prediction": "나의 예측: 예, 빠르게 (꽤 확실함)", "open": "🗳 두 번째 투표 열기", "close": "두 번째 투표 닫기",
           "reteach": "다시 설명하거나 힌트를", "share": "3명 중 1명 정답 (33 %)", "no_votes": "아직 투표가 없습니다",
           "moved": "오답 → 정답", "everyone": "전체", "sure": "확실함"},
}


@pytest.fixture
def lecturer_env(app_env, monkeypatch):
    monkeypatch.setenv("LOSSLAB_ADMIN_TOKEN", SECRET)


def _open(lang: str, page: str, query=None, monkeypatch=None):
    """The app in `lang` from its first run, then `page` with `query` (tests.conftest.app)."""
    return app(page, query, lang=lang, monkeypatch=monkeypatch)


def _switch_tables(at, words) -> list:
    return [table.value for table in at.table if words["moved"] in table.value.columns]


def _texts(at) -> str:
    return "\n".join(e.value for kind in (at.info, at.caption, at.markdown, at.error, at.success) for e in kind)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_a_student_sees_their_first_answer_while_voting_again(lecturer_env, lang, monkeypatch):
    from losslab.jobs.service import get_service

    words, prefix = WORDS[lang], f"ls_{LESSON}"
    student = _open(lang, "lesson", {"l": LESSON}, monkeypatch)
    assert not student.exception, student.exception
    student.radio(key=f"{prefix}_choice").set_value(0).run()
    student.radio(key=f"{prefix}_confidence").set_value(1).run()
    student.button(key=f"{prefix}_start").click().run()
    assert not student.exception and not student.error, (student.exception, [e.value for e in student.error])
    service = get_service()
    lesson = service.lesson(LESSON)
    assert service.histogram(lesson) == [1, 0, 0]
    assert any(words["prediction"] in i.value for i in student.info)
    assert not any(k.key == f"{prefix}_revote" for k in student.button)  # no second vote before it opens

    service.open_second_vote(LESSON, SECRET)
    student.run()
    assert any(words["first"] == i.value for i in student.info), _texts(student)
    (owner,) = service.conn.execute("SELECT owner FROM answers").fetchone()  # the student's browser's own
    runs = service.my_lesson_runs(lesson, owner)
    assert student.button(key=f"{prefix}_revote").disabled  # a new choice first
    student.radio(key=f"{prefix}_choice2").set_value(2).run()
    student.radio(key=f"{prefix}_confidence2").set_value(0).run()
    student.button(key=f"{prefix}_revote").click().run()
    assert not student.exception and not student.error, (student.exception, [e.value for e in student.error])
    assert any(words["second"] == i.value for i in student.info), _texts(student)
    assert service.revote_count(lesson) == 1 and service.switch_matrix(lesson)["all"]["wrong_to_right"] == 1
    assert service.my_lesson_runs(lesson, owner) == runs  # the revote started no run


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_lecturer_sees_the_suggestion_opens_the_second_vote_and_reads_the_switches(lecturer_env, lang, monkeypatch):
    from losslab.jobs.service import get_service

    words = WORDS[lang]
    at = _open(lang, "admin", monkeypatch=monkeypatch)
    at.text_input(key="admin_input").set_value(SECRET).run()
    at.selectbox(key="lecturer_lesson").set_value(LESSON).run()
    assert not at.exception, at.exception
    assert words["no_votes"] in _texts(at)

    service = get_service()
    lesson = service.lesson(LESSON)
    for i, (choice, confidence) in enumerate([(2, 0), (0, 0), (1, 2)]):
        service.start_lesson(lesson, f"student-{i}-token-abcdefghijkl", choice, confidence=confidence)
    at.run()
    assert words["share"] in _texts(at) and any(words["reteach"] in i.value for i in at.info), _texts(at)
    assert at.button(key="lecturer_round2").label == words["open"]
    assert not _switch_tables(at, words)  # no switch matrix before a second vote

    at.button(key="lecturer_round2").click().run()
    assert not at.exception, at.exception
    assert service.second_vote_open(LESSON) and at.button(key="lecturer_round2").label == words["close"]
    for i, choice in enumerate((2, 2, 1)):
        service.revote(lesson, f"student-{i}-token-abcdefghijkl", choice, 0)
    at.run()
    (frame,) = _switch_tables(at, words)
    assert words["moved"] in frame.columns and list(frame.index[:2]) == [words["everyone"], words["sure"]]
    assert frame.loc[words["everyone"], words["moved"]] == 1
    assert "student-0-token" not in _texts(at)

    # WCAG 2.2.2: one button pauses the dashboard's live views (histogram, switches, gallery); what
    # was on screen stays, and the votes keep being stored
    from losslab.i18n import t

    assert at.button(key="lecturer_pause").label == t("live.pause_view", lang)
    at.button(key="lecturer_pause").click().run()
    assert at.button(key="lecturer_pause").label == t("live.resume_view", lang)
    assert _switch_tables(at, words) and not at.exception
