"""After the lecturer's Reveal, in English and Korean through AppTest with a real worker: the
student's ✓/✗ and the explanation come first on their page (above the controls and the runs), each
wrong answer's counterfactual right under them, and one click starts that run and shows it."""

import pytest

from tests.conftest import wait_for
from tests.test_vote_pages import SECRET, _open

LESSON = "diverge"  # the right answer is 2; the student picks 0 ("Yes, quickly")
WORDS = {
    "en": {"verdict": "✗ You predicted Yes, quickly; the answer is No: the loss blows up.",
           "if_title": "What would have made another answer right", "showing": "The run in which “Yes, quickly” is right."},
    "ko": {"verdict": "✗ 예, 빠르게(이)라고 예측했습니다. 정답은 아니요: 손실이 폭발한다입니다.", "if_title": "다른 답이 맞으려면", "showing": "“예, 빠르게”이(가) 정답이 되는 실행입니다."},
}


@pytest.fixture
def lecturer_env(app_env, monkeypatch):
    monkeypatch.setenv("LOSSLAB_ADMIN_TOKEN", SECRET)


def _in_order(node) -> list:
    """The page's elements in the order a reader meets them (blocks walked depth first)."""
    children = getattr(node, "children", None)
    if not children:
        return [node]
    return [leaf for key in sorted(children) for leaf in _in_order(children[key])]


def _text(element) -> str:
    value = getattr(element, "value", None)
    return value if isinstance(value, str) else str(getattr(element, "label", ""))


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_verdict_and_counterfactuals_come_first_and_one_click_runs_one(lecturer_env, lang, monkeypatch):
    from losslab.i18n import t
    from losslab.jobs.service import get_service

    words, prefix = WORDS[lang], f"ls_{LESSON}"
    student = _open(lang, "lesson", {"l": LESSON}, monkeypatch)
    student.radio(key=f"{prefix}_choice").set_value(0).run()
    student.button(key=f"{prefix}_start").click().run()
    assert not student.exception and not student.error, (student.exception, [e.value for e in student.error])
    service = get_service()
    lesson = service.lesson(LESSON)
    assert not any(b.key and b.key.startswith(f"{prefix}_if_") for b in student.button)  # nothing before Reveal

    service.reveal(LESSON, SECRET)
    student.run()
    assert not student.exception, student.exception
    page = [_text(e) for e in _in_order(student.main)]
    verdict = next(i for i, text in enumerate(page) if text.startswith(words["verdict"]))
    explanation = page.index(lesson.say("explanation"))
    listed = page.index(f"**{words['if_title']}**")
    controls = page.index(t("lesson.your_answer", lang, choice=lesson.choice_texts()[0]))
    histogram = next(i for i, text in enumerate(page) if text.startswith(t("lesson.histogram_summary", lang, parts="")[:8]))
    assert verdict < explanation < listed < controls < histogram, page
    for choice in (0, 1):  # both wrong answers, each with its sentence and a button
        sentence = lesson.say_counterfactual(lesson.counterfactual(choice))
        assert any(sentence in text for text in page[listed:controls])
        assert student.button(key=f"{prefix}_if_{choice}").label == t("lesson.if_run", lang)

    student.button(key=f"{prefix}_if_0").click().run()
    assert not student.exception and not student.error, (student.exception, [e.value for e in student.error])
    (owner,) = service.conn.execute("SELECT owner FROM answers").fetchone()
    ifs = service.my_counterfactuals(lesson, owner)
    assert list(ifs) == [0] and len(ifs[0]) == 1
    run = service.get(ifs[0][0])
    assert (run["config"]["x_scale"], run["config"]["lr"]) == ("standardised", 0.5)
    assert len(service.lesson_runs(lesson)) == 1  # the class's gallery holds the student's own run only
    assert any(words["showing"] == i.value for i in student.info)
    assert student.button(key=f"{prefix}_if_0").disabled  # shown: a second click would start nothing new
    wait_for(lambda: service.get(run["id"])["status"] == "completed", 60)
    student.button(key=f"{prefix}_if_back").click().run()
    assert not any(words["showing"] == i.value for i in student.info)
    assert student.button(key=f"{prefix}_if_0").label == t("lesson.if_show", lang)  # shows it again, no new run


def test_a_lecturers_lesson_without_counterfactuals_shows_none(lecturer_env, monkeypatch):
    from losslab.i18n import t
    from losslab.jobs.service import get_service
    from tests.test_counterfactuals import RECORD

    service = get_service()
    lesson_id = service.save_lesson(RECORD, SECRET, "lecturer")
    prefix = f"ls_{lesson_id}"
    student = _open("en", "lesson", {"l": lesson_id}, monkeypatch)
    student.radio(key=f"{prefix}_choice").set_value(1).run()
    student.button(key=f"{prefix}_start").click().run()
    service.reveal(lesson_id, SECRET)
    student.run()
    assert not student.exception, student.exception
    page = [_text(e) for e in _in_order(student.main)]
    assert page.index("✗ You predicted MAE; the answer is MSE.") < page.index("MSE's.")  # the verdict, on top
    assert f"**{t('lesson.if_title', 'en')}**" not in page
    assert not any(b.key and b.key.startswith(f"{prefix}_if_") for b in student.button)
