"""The lesson page and the lecturer's side of it, through Streamlit's AppTest with a real worker:
Save as lesson from a lab, open it by its link with only the opened controls, Start locked until
a prediction, and the limit on wrong admin tokens (embed mode needs a browser: tests/e2e/test_lessons.py)."""

import pytest

from tests.conftest import app, wait_for

SECRET = "lecture-secret"


def _keys(at) -> set[str]:
    widgets = [*at.number_input, *at.slider, *at.selectbox, *at.radio, *at.select_slider, *at.multiselect,
               *at.toggle, *at.text_input, *at.button]
    return {w.key for w in widgets if w.key}


def _unlock(at):
    at.switch_page("app_pages/admin.py").run()
    at.text_input(key="admin_input").set_value(SECRET).run()
    assert not at.exception, at.exception


@pytest.fixture
def lecturer_env(app_env, monkeypatch):
    monkeypatch.setenv("LOSSLAB_ADMIN_TOKEN", SECRET)


def test_save_as_lesson_round_trips_with_only_the_opened_controls(lecturer_env):
    from losslab.config import RegressionConfig
    from losslab.jobs.service import get_service

    at = app()
    _unlock(at)
    at.switch_page("app_pages/regression.py")
    at.query_params.update({"outliers": "3", "epochs": "60", "seed": "4"})
    at.run()
    at.button(key="save_regression_open").click().run()
    assert at.text_input(key="save_regression_title").value == "Regression lab: MSE (L2)"  # prefilled: edit, not type
    assert at.text_area(key="save_regression_choices").value.count("\n") == 2
    at.text_input(key="save_regression_title").set_value("Outliers").run()
    at.text_input(key="save_regression_question").set_value("Which line moves most?").run()
    at.text_area(key="save_regression_choices").set_value("MSE\nMAE\n\nHuber").run()
    at.selectbox(key="save_regression_answer").set_value(0).run()
    at.multiselect(key="save_regression_editable").set_value(["loss", "outliers"]).run()
    at.button(key="save_regression_go").click().run()
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    lesson = get_service().saved_lessons()[0]
    assert lesson.config == RegressionConfig(outliers=3, epochs=60, seed=4)
    assert any("Saved: lesson" in s.value for s in at.success)
    links = {p.label: p for p in at.get("page_link")}
    assert "Its dashboard (live answers)" in links and "Open the lesson" in links
    assert at.button(key="save_regression_go").label == "Update lesson"
    at.text_input(key="save_regression_title").set_value("Outliers!").run()
    at.button(key="save_regression_go").click().run()  # saved again: the same lesson, edited in place
    (edited,) = get_service().saved_lessons()
    assert edited.id == lesson.id and edited.title == "Outliers!"
    assert lesson.choices == ("MSE", "MAE", "Huber") and lesson.answer == 0

    student = app("lesson", {"l": lesson.id})
    assert not student.exception, student.exception
    keys = _keys(student)
    prefix = f"ls_{lesson.id}"
    assert {f"{prefix}_loss", f"{prefix}_outliers"} <= keys
    assert not any(k.startswith(prefix) and k.rsplit("_", 1)[-1] in ("lr", "epochs", "seed", "optimizer") for k in keys)
    start = student.button(key=f"{prefix}_start")
    assert start.disabled and any("Pick a prediction first" in c.value for c in student.caption)
    assert get_service().histogram(lesson) == [0, 0, 0]  # (the service refuses a Start without one too)
    student.radio(key=f"{prefix}_choice").set_value(1).run()
    assert not student.button(key=f"{prefix}_start").disabled
    student.button(key=f"{prefix}_start").click().run()
    assert not student.exception, student.exception
    assert get_service().histogram(lesson) == [0, 1, 0]
    run = get_service().lesson_runs(lesson)[0]
    assert run["config"] == lesson.config.to_dict()  # the student's run is the lecturer's config, exactly
    wait_for(lambda: get_service().get(run["id"])["status"] == "completed", 60)
    assert any("Your prediction: MAE" in i.value for i in student.info)


def test_an_unknown_lesson_gets_a_sentence_and_the_list(app_env):
    at = app("lesson", {"l": "nope'; drop"})
    assert not at.exception
    assert any("There is no lesson" in w.value for w in at.warning)
    assert any("🎓 Lessons" in t.value for t in at.title)


def test_the_sixth_wrong_token_waits_even_when_it_is_right(lecturer_env):
    at = app("admin")
    for i in range(5):
        at.text_input(key="admin_input").set_value(f"wrong-{i}").run()
        assert any("not the server's LOSSLAB_ADMIN_TOKEN" in e.value for e in at.error)
    at.text_input(key="admin_input").set_value(SECRET).run()
    assert any("Too many wrong tokens" in e.value for e in at.error)
    assert not any(m.label == "Workers alive" for m in at.metric)


def test_the_gallery_stays_under_twenty_thousand_points_whatever_the_class_size(tmp_path, monkeypatch):
    """Fifty students' 5,000-step runs (250,000 rows, as workers write them): the gallery draws
    every run, each to its last step, in at most MAX_POINTS points."""
    from losslab.jobs import service as service_mod
    from losslab.jobs.service import JobService
    from losslab.jobs.store import Transaction
    from losslab.lessons import BUILTIN
    from losslab.ui.gallery import MAX_POINTS, gallery_runs, group_names

    service = JobService(tmp_path / "runs.sqlite3", max_per_owner=5)  # no workers: the rows come from here
    monkeypatch.setattr(service_mod, "_service", service)
    lesson = BUILTIN["seed"]
    for i in range(50):
        (run_id,) = service.start_lesson(lesson, f"student-{i:02d}-token-abcdefghij", i % 3)
        with Transaction(service.conn) as c:
            c.executemany("INSERT INTO metrics VALUES (?, ?, ?, 'train', 'mse', ?, 0)",
                          [(run_id, s, s, 100.0 / s + i) for s in range(1, 5001)])
            c.execute("UPDATE runs SET status = 'completed', version = 1 WHERE id = ?", (run_id,))
    runs, groups = gallery_runs(lesson, service.lesson_runs(lesson))
    assert len(runs) == 50 and group_names(groups) == ["MSE (L2)"]
    assert sum(len(r["steps"]) for r in runs) <= MAX_POINTS
    assert all(r["steps"][0] == 1 and r["steps"][-1] == 5000 and len(r["steps"]) >= 100 for r in runs)
    service.close()
