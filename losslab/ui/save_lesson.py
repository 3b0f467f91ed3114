"""Save as lesson: under a lab's form, for the lecturer, a button opening a wide dialog with the
texts prefilled (title from the lab and its loss, a prediction question with three choices), so a
lesson is saved in a few keystrokes. After saving: the students' link, its QR code and the
dashboard. Saving again edits the same lesson in place (its link and answers stay)."""

from __future__ import annotations

import streamlit as st

from .. import fields
from ..config import CONFIGS, to_query
from ..i18n import Problem, t
from ..jobs.errors import JobError
from ..lessons import LESSON_TASKS, MAX_CHOICES, MAX_COMPARE, MAX_TEXT, editable_fields
from ..losses import LOSSES, losses_for, run_name
from .language import keep_choice
from .pages import PAGES, lab_path, path
from .session import is_admin, owner, service
from .share import app_url, qr_link

NONE = -1  # "no right answer" in the answer selectbox
FIELDS = ("title", "question", "choices", "answer", "explanation", "editable", "compare")


def editing(task: str):
    """The saved lesson this lab's Save updates: the one saved from this lab in this session, or
    the one the lecturer opened here with ✏️ Edit (`?l=ID` on the lab's page); None: a new lesson."""
    lesson_id = st.session_state.get(f"save_{task}_id") or st.query_params.get("l")
    lesson = service().lesson(lesson_id) if lesson_id else None
    return lesson if lesson is not None and not lesson.builtin and lesson.task == task else None


def save_as_lesson(config) -> None:
    """Under a lab's form, for the lecturer only: this very config becomes a lesson (or updates one)."""
    if config is None or not is_admin() or config.task not in LESSON_TASKS:
        return
    lesson = editing(config.task)
    label = t("lecturer.edit_title", title=lesson.title) if lesson else t("lecturer.save_title")
    opened = f"save_{config.task}_opened"  # kept open across the page's reruns until the lecturer closes it
    if st.button(label, key=f"save_{config.task}_open", width="stretch"):
        st.session_state[opened] = True
    if st.session_state.get(opened):
        st.dialog(t("lecturer.save_title"), width="large", on_dismiss=lambda: st.session_state.pop(opened, None))(
            _form)(config)


def _prefill(config, lesson) -> None:
    """The form's first values: the edited lesson's own, else texts that only need a glance."""
    ss, prefix = st.session_state, f"save_{config.task}"
    if ss.get(f"{prefix}_filled") == (lesson.id if lesson else ""):
        return
    ss[f"{prefix}_filled"] = lesson.id if lesson else ""
    if lesson:
        values = {"title": lesson.title, "question": lesson.question, "choices": "\n".join(lesson.choices),
                  "answer": NONE if lesson.answer is None else lesson.answer, "explanation": lesson.explanation,
                  "editable": [e for e in lesson.editable if e != "loss_param" or "loss" not in lesson.editable],
                  "compare": list(lesson.compare)}
    else:
        loss = run_name(LOSSES[config.loss], config.loss_param)
        values = {"title": t("lecturer.default_title", lab=t(f"nav.{config.task}"), loss=loss),
                  "question": t("lecturer.default_question"), "choices": t("lecturer.default_choices"),
                  "answer": NONE, "explanation": "", "editable": [], "compare": []}
    for name in FIELDS:
        ss[f"{prefix}_{name}"] = values[name]


def _form(config) -> None:
    cls, prefix, task = CONFIGS[config.task], f"save_{config.task}", config.task
    lesson = editing(task)
    _prefill(config, lesson)
    st.caption(t("lecturer.save_hint"))
    left, right = st.columns(2, gap="medium")
    title = left.text_input(t("lecturer.title"), key=f"{prefix}_title", max_chars=MAX_TEXT)
    question = left.text_input(t("lecturer.question"), key=f"{prefix}_question", max_chars=MAX_TEXT,
                               placeholder=t("lecturer.question_placeholder"))
    choices = [c.strip() for c in left.text_area(t("lecturer.choices", high=MAX_CHOICES), key=f"{prefix}_choices",
                                                 height=130).splitlines() if c.strip()]
    for name in ("answer", "editable", "compare"):
        keep_choice(f"{prefix}_{name}")
    if st.session_state.get(f"{prefix}_answer") not in [NONE, *range(len(choices))]:
        st.session_state[f"{prefix}_answer"] = NONE  # a choice line was removed
    answer = right.selectbox(t("lecturer.answer"), [NONE] + list(range(len(choices))), key=f"{prefix}_answer",
                             format_func=lambda i: t("lecturer.no_answer") if i == NONE else choices[i])
    explanation = right.text_area(t("lecturer.explanation"), key=f"{prefix}_explanation", height=80)
    editable = right.multiselect(t("lecturer.editable"), editable_fields(task), key=f"{prefix}_editable",
                                 format_func=lambda n: fields.label(cls, n), help=t("lecturer.editable_help"))
    compare = right.multiselect(t("lecturer.compare"), [l.name for l in losses_for(config.loss_fn.task)],
                                key=f"{prefix}_compare", format_func=lambda n: str(LOSSES[n].label),
                                max_selections=MAX_COMPARE)
    record = {"config": config.to_dict(), "title": title, "question": question, "choices": choices,
              "answer": None if answer in (NONE, None) else answer, "explanation": explanation,
              "editable": editable, "compare": compare}
    go, new = st.columns(2)
    saved = None
    if go.button(t("lecturer.update") if lesson else t("lecturer.save"), key=f"{prefix}_go", type="primary",
                 width="stretch"):
        saved = _save(record, lesson.id if lesson else None)
    if lesson and new.button(t("lecturer.save_new"), key=f"{prefix}_new", width="stretch"):
        saved = _save(record, None)
    if saved:
        st.session_state[f"{prefix}_id"] = st.session_state[f"{prefix}_done"] = saved
        st.session_state[f"{prefix}_filled"] = saved  # the form now shows this lesson: no prefill over it
        st.rerun()  # the page and the dialog (kept open) again, its button now "Update lesson"
    if lesson and st.session_state.get(f"{prefix}_done") == lesson.id:
        after_save(lesson.id)


def _save(record: dict, lesson_id):
    try:
        return service().save_lesson(record, st.session_state["admin_token"], owner(), lesson_id)
    except (JobError, Problem) as exc:
        st.error(str(exc))
        return None


def after_save(lesson_id: str) -> None:
    """Where the lesson goes next: its link and QR code for the projector, the lesson, its dashboard."""
    st.success(t("lecturer.saved", id=lesson_id))
    link = f"{app_url()}{PAGES['lesson'].url_path}?l={lesson_id}"
    qr_link(link)
    a, b = st.columns(2)
    a.page_link(path("lesson"), label=t("lecturer.open"), query_params={"l": lesson_id}, icon="🎓")
    b.page_link(path("admin"), label=t("lecturer.dashboard"), query_params={"l": lesson_id}, icon="📊")


def edit_button(lesson) -> None:
    """On the Lecturer page: open a saved lesson's lab with its settings, its Save updating it."""
    if lesson.builtin or not st.button(t("lecturer.edit"), key="lecturer_edit"):
        return
    task, ss = lesson.task, st.session_state
    names = editable_fields(task)
    # A lab's form reads its link once per session (controls.prefill_from_url; the regression lab's
    # prefix is "reg"): every form's once-only flag and its values of this lab's fields go, so the
    # link's values apply to whichever form this lab draws. (The lecturer's own session only.)
    for prefix in [k[:-len("_prefilled")] for k in list(ss) if isinstance(k, str) and k.endswith("_prefilled")]:
        for key in [f"{prefix}_prefilled", *(f"{prefix}_{n}" for n in names)] + \
                [k for k in list(ss) if isinstance(k, str) and k.startswith(f"{prefix}_param_")]:
            ss.pop(key, None)
    ss[f"save_{task}_id"], ss[f"save_{task}_filled"] = lesson.id, None
    st.switch_page(lab_path(task), query_params={**to_query(lesson.config), "l": lesson.id})
