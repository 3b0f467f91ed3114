"""Lectures on the Lecturer page: string lessons (built-in and saved) into a lecture, optionally
with concept questions before and after; then its one link and QR code, the remote for the
lecturer's phone, the projector's class view, and the dashboard: steps, gain, CSV, a new class."""

from __future__ import annotations

import streamlit as st

from .. import lectures
from ..i18n import Problem, t
from ..jobs.errors import JobError
from ..lectures import MAX_CONCEPTS, MAX_STEPS, MAX_TEXT
from .language import keep_choice
from .lecture_views import gain_table, join_box, step_name
from .pages import path
from .session import owner, service


def lectures_panel() -> None:
    st.header(t("lecture.panel_title"))
    st.caption(t("lecture.panel_hint"))
    new_lecture()
    all_lectures = service().all_lectures()
    if not all_lectures:
        return
    by_id = {lecture.id: lecture for lecture in all_lectures}
    wanted = st.query_params.get("lecture")  # /admin?lecture=ID: the dashboard's own link
    if st.session_state.get("lecturer_lecture") not in by_id:
        st.session_state["lecturer_lecture"] = wanted if wanted in by_id else all_lectures[0].id
    keep_choice("lecturer_lecture")
    chosen = st.selectbox(t("lecture.pick"), list(by_id), key="lecturer_lecture",
                          format_func=lambda i: f"{by_id[i].title} ({i})")
    dashboard(by_id[chosen])


def new_lecture() -> None:
    """Title, the lessons in the order picked, the concept questions asked before and after."""
    lessons = service().all_lessons()
    names = {lesson.id: f"{lesson.say('title')} ({lesson.id})" for lesson in lessons}
    concepts = [lesson.id for lesson in lessons if lesson.question and lesson.answer is not None]
    with st.expander(t("lecture.new"), expanded=not service().all_lectures()):
        st.session_state.setdefault("new_lecture_title", t("lecture.default_title"))
        title = st.text_input(t("lecture.title"), key="new_lecture_title", max_chars=MAX_TEXT)
        keep_choice("new_lecture_lessons")
        keep_choice("new_lecture_concepts")
        steps = st.multiselect(t("lecture.lessons", high=MAX_STEPS), list(names), key="new_lecture_lessons",
                               format_func=names.get, max_selections=MAX_STEPS, help=t("lecture.lessons_help"))
        before_after = st.multiselect(t("lecture.concepts"), concepts, key="new_lecture_concepts",
                                      format_func=names.get, max_selections=MAX_CONCEPTS, help=t("lecture.concepts_help"))
        if st.button(t("lecture.save"), key="new_lecture_go", type="primary", disabled=not steps):
            try:
                lecture_id = service().save_lecture({"title": title, "lessons": steps, "concepts": before_after},
                                                    st.session_state["admin_token"], owner())
            except (JobError, Problem) as exc:
                st.error(str(exc))
                return
            st.session_state["lecturer_lecture"] = lecture_id
            st.success(t("lecture.saved", title=title.strip()))


def dashboard(lecture) -> None:
    index = lecture.clamp(service().lecture_step(lecture.id) or 0)
    share, steps = st.columns([1, 2], gap="large")
    with share:
        join_box(lecture, lecturer=True)
    with steps:
        st.page_link(path("lecture"), label=t("lecture.open_remote"), query_params={"l": lecture.id}, icon="📱")
        st.page_link(path("lecture"), label=t("lecture.open_projector"), query_params={"l": lecture.id, "present": "true"},
                     icon="📽")
        st.markdown(f"**{t('lecture.steps')}**")
        st.markdown("\n".join(f"1. **{step_name(lecture, i)}** ◀" if i == index else f"1. {step_name(lecture, i)}"
                              for i in range(len(lecture.steps()))))
        if lecture.concepts:
            gain_table(lecture)
        a, b, c = st.columns(3)
        a.download_button(t("lecture.export"), data=lectures.to_csv(service().lecture_table(lecture)),
                          file_name=f"lecture-{lecture.id}.csv", mime="text/csv", key="lecture_export",
                          on_click="ignore", width="stretch")
        if b.button(t("lecture.clear"), key="lecture_clear", help=t("lecture.clear_help"), width="stretch"):
            service().clear_lecture(lecture.id, st.session_state["admin_token"])
            st.rerun()
        if c.button(t("lecture.delete"), key="lecture_delete", width="stretch"):
            service().delete_lecture(lecture.id, st.session_state["admin_token"])
            st.session_state.pop("lecturer_lecture", None)
            st.rerun()
