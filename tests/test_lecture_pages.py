"""The lecture pages through AppTest, in English and Korean: the lecturer makes a lecture on the
Lecturer page and moves it from the remote; a student's page shows whatever step the lecturer is
on (a late joiner lands there), answers the concept questions before and after; the class view
(`?present=true`) shows the step without voting widgets; the gain table on the dashboard."""

import pytest

from tests.conftest import app

SECRET = "lecture-secret"
RECORD = {"title": "Losses", "lessons": ["seed", "diverge", "outliers"], "concepts": ["diverge"]}
WORDS = {
    "en": {"diverge": "The learning rate that diverges", "pre": "Before we start", "post": "The same questions, once more",
           "done": "Your answers are in", "step3": "Step 3 of 5", "class": "the class (every question)"},
    "ko": {"diverge": "발산하는 학습률", "pre": "시작하기 전에", "post": "같은 질문을 한 번 더", "done": "답을 제출했습니다",
           "step3": "5단계 중 3단계", "class": "반 전체 (모든 질문)"},
}


@pytest.fixture
def lecturer_env(app_env, monkeypatch):
    monkeypatch.setenv("LOSSLAB_ADMIN_TOKEN", SECRET)


def _open(lang, page, query=None, monkeypatch=None):
    return app(page, query, lang=lang, monkeypatch=monkeypatch)


def _texts(at) -> str:
    return "\n".join(e.value for kind in (at.title, at.info, at.caption, at.markdown, at.error, at.success, at.warning)
                     for e in kind)


def _lecture():
    from losslab.jobs.service import get_service

    service = get_service()
    return service, service.save_lecture(RECORD, SECRET, "lecturer-token-abcdefghijkl")


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_a_student_follows_the_lecturer_and_answers_before_and_after(lecturer_env, lang, monkeypatch):
    words = WORDS[lang]
    service, lecture_id = _lecture()
    student = _open(lang, "lecture", {"l": lecture_id}, monkeypatch)
    assert not student.exception, student.exception
    assert words["pre"] in _texts(student)
    go = f"lc_{lecture_id}_pre_go"
    assert student.button(key=go).disabled  # every question first
    student.radio(key=f"lc_{lecture_id}_pre_diverge").set_value(0).run()
    student.radio(key=f"lc_{lecture_id}_pre_diverge_confidence").set_value(2).run()
    student.button(key=go).click().run()
    assert not student.exception and not student.error, [e.value for e in student.error]
    assert words["done"] in _texts(student)
    lecture = service.lecture(lecture_id)
    assert service.concept_histogram(lecture, "pre", "diverge") == [1, 0, 0]

    service.move_lecture(lecture_id, SECRET, 2)  # the lecturer's Next, twice
    student.run()
    assert words["step3"] in _texts(student) and words["diverge"] in [t.value for t in student.title]
    assert student.radio(key="ls_diverge_choice") is not None  # the lesson's own prediction, to vote on

    late = _open(lang, "lecture", {"l": lecture_id}, monkeypatch)  # a late joiner lands on the current step
    assert words["diverge"] in [t.value for t in late.title]

    service.move_lecture(lecture_id, SECRET, 4)
    student.run()
    assert words["post"] in _texts(student)
    student.radio(key=f"lc_{lecture_id}_post_diverge").set_value(2).run()
    student.radio(key=f"lc_{lecture_id}_post_diverge_confidence").set_value(0).run()
    student.button(key=f"lc_{lecture_id}_post_go").click().run()
    overall, _ = service.lecture_gain(lecture)
    assert (overall.matched, overall.pre, overall.post, overall.gain) == (1, 0.0, 100.0, 1.0)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_lecturer_makes_a_lecture_and_moves_it_from_the_remote(lecturer_env, lang, monkeypatch):
    from losslab.jobs.service import get_service

    words = WORDS[lang]
    at = _open(lang, "admin", monkeypatch=monkeypatch)
    at.text_input(key="admin_input").set_value(SECRET).run()
    at.multiselect(key="new_lecture_lessons").set_value(["seed", "diverge", "outliers"]).run()
    at.multiselect(key="new_lecture_concepts").set_value(["diverge"]).run()
    at.button(key="new_lecture_go").click().run()
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    service = get_service()
    (lecture,) = service.all_lectures()
    assert lecture.lessons == ("seed", "diverge", "outliers") and lecture.concepts == ("diverge",)
    assert any(words["class"] in table.value.index for table in at.table)  # the gain table, empty so far

    at.switch_page("app_pages/lecture.py")
    at.query_params["l"] = lecture.id
    at.run()
    assert not at.exception, at.exception
    assert at.button(key="lecture_prev").disabled
    at.button(key="lecture_next").click().run()
    at.button(key="lecture_next").click().run()
    assert service.lecture_step(lecture.id) == 2
    assert words["step3"] in _texts(at)
    assert not any(r.key == "ls_diverge_choice" for r in at.radio)  # a remote, not a student's page
    assert at.button(key="lecturer_reveal") is not None  # the step's Reveal, on the phone


def test_the_class_view_shows_the_step_without_voting(lecturer_env, monkeypatch):
    service, lecture_id = _lecture()
    service.move_lecture(lecture_id, SECRET, 2)
    at = _open("en", "lecture", {"l": lecture_id, "present": "true"}, monkeypatch)
    assert not at.exception, at.exception
    assert "The learning rate that diverges" in _texts(at) and "Step 3 of 5" in _texts(at)
    assert [m.label for m in at.metric] == ["answered so far"] and at.metric[0].value == "0"
    assert not at.radio and not [b for b in at.button if b.key and b.key.startswith("ls_")]


def test_the_lecturer_page_says_where_lessons_are_made_and_edits_one_in_its_lab(lecturer_env, monkeypatch):
    from losslab.config import RegressionConfig
    from losslab.jobs.service import get_service

    service = get_service()
    record = {"config": RegressionConfig(outliers=3, epochs=60).to_dict(), "title": "Outliers", "question": "Which?",
              "choices": ["MSE", "MAE"], "answer": 0}
    lesson_id = service.save_lesson(record, SECRET, "lecturer-token-abcdefghijkl")
    at = _open("en", "admin", monkeypatch=monkeypatch)
    at.text_input(key="admin_input").set_value(SECRET).run()
    assert any("Lessons are made in a lab" in c.value for c in at.caption)
    at.switch_page("app_pages/regression.py").run()  # the lab visited before: its form already filled
    at.switch_page("app_pages/admin.py").run()
    at.selectbox(key="lecturer_lesson").set_value(lesson_id).run()
    at.button(key="lecturer_edit").click().run()
    assert not at.exception, at.exception
    assert at.query_params["l"] == lesson_id and at.query_params["outliers"] == "3"
    assert at.session_state["reg_outliers"] == 3  # the lab opened with the lesson's settings
    assert at.button(key="save_regression_open").label == "🎓 Edit lesson: Outliers"
    at.switch_page("app_pages/regression.py")  # (AppTest's next run goes back to its own page: keep it here)
    at.button(key="save_regression_open").click().run()
    assert at.text_input(key="save_regression_title").value == "Outliers"  # its own texts, to change
    at.text_input(key="save_regression_title").set_value("Outliers, edited").run()
    at.button(key="save_regression_go").click().run()
    (lesson,) = service.saved_lessons()
    assert lesson.id == lesson_id and lesson.title == "Outliers, edited" and lesson.config.outliers == 3


@pytest.mark.parametrize("raw", ["../etc", "nope"])
def test_a_bad_or_unknown_lecture_link_gets_one_sentence_and_the_list(lecturer_env, raw, monkeypatch):
    at = _open("en", "lecture", {"l": raw}, monkeypatch)
    assert not at.exception, at.exception
    assert [w.value for w in at.warning] == [f"There is no lecture {raw!r}: check the link, or ask your lecturer for it again."]
    assert "No lectures yet" in _texts(at)
