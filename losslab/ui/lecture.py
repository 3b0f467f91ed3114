"""The lecture page (`/lecture?l=ID`): one link for the whole lecture. A student's page follows the
lecturer's current step (it asks the store every FOLLOW_SECONDS and moves when the step does); the
lecturer's (unlocked) page is a remote for a phone; `?present=true` is the class view for the projector."""

from __future__ import annotations

import streamlit as st

from ..i18n import Problem, t
from ..jobs.errors import JobError
from ..lectures import LESSON, Lecture
from .language import keep_choice
from .lecture_views import class_view, join_box, remote_live, step_caption
from .lesson import view as lesson_view
from .pages import path
from .session import is_admin, owner, service
from .style import presenting
from .votes import confidence_label, confidence_radio

# A step shows on every page within this after the lecturer moves. Each poll is one primary-key read
# but also one fragment rerun per student: with 100 students on 2 cores, 3 s instead of 1.5 s took the
# lecturer's histogram staleness p95 from 11 to 8 s and page load p95 from 7.3 to 5.9 s
# (benchmarks/classroom.py --lesson 100 --servers 2, one run each: noisy).
FOLLOW_SECONDS = 3.0
# The remote's buttons, big enough for a thumb on a phone held in one hand.
BIG_BUTTONS = """<style>
.st-key-lecture_prev button, .st-key-lecture_next button { min-height: 4.5rem; font-size: 1.5rem; }
</style>"""


def page() -> None:
    raw = st.query_params.get("l")
    lecture = service().lecture(raw) if raw else None
    if raw and lecture is None:
        st.warning(t("lecture.not_found", id=repr(raw[:40])))
    if lecture is None:
        listing()
        return
    index = lecture.clamp(service().lecture_step(lecture.id) or 0)
    if presenting():
        follow(lecture, index)
        class_view(lecture, index)
    elif is_admin():
        follow(lecture, index)
        remote(lecture, index)
    else:
        student(lecture, index)


def listing() -> None:
    st.title(t("lecture.list_title"))
    st.caption(t("lecture.list_hint"))
    lectures = service().all_lectures()
    if not lectures:
        st.info(t("lecture.none_yet"))
    for lecture in lectures:
        st.page_link(path("lecture"), label=lecture.title, query_params={"l": lecture.id}, icon="🎬")


def follow(lecture: Lecture, index: int) -> None:
    """Ask the store for the current step; when the lecturer moved it, rerun the whole page there.
    Only this small fragment polls: the step's own widgets keep what the student picked."""

    @st.fragment(run_every=FOLLOW_SECONDS)
    def step_watch():
        if lecture.clamp(service().lecture_step(lecture.id) or 0) != index:
            st.rerun()

    step_watch()


# --- a student ------------------------------------------------------------------------------------
def student(lecture: Lecture, index: int) -> None:
    kind, lesson_id = lecture.step(index)
    st.caption(step_caption(lecture, index) + " " + t("lecture.follows"))
    if kind == LESSON:  # the lesson page's own poll follows the step too: one poll per student, not two
        lesson_view(service().lesson(lesson_id), step=(lambda: lecture.clamp(service().lecture_step(lecture.id) or 0), index))
    else:
        follow(lecture, index)
        concept_round(lecture, kind)


def concept_round(lecture: Lecture, phase: str) -> None:
    """The concept questions, all on one page, each with a confidence; one Submit for the round."""
    st.title(t(f"lecture.{phase}_title"))
    st.caption(t(f"lecture.{phase}_hint"))
    lessons = [service().lesson(q) for q in lecture.concepts]
    mine = service().my_concepts(lecture.id, phase, owner())
    if mine:
        st.success(t("lecture.round_done"))
        for n, lesson in enumerate(lessons, 1):
            choice, confidence = mine[lesson.id]
            st.markdown(t("lecture.you_said", n=n, question=lesson.say("question"),
                          choice=lesson.choice_texts()[choice], confidence=confidence_label(confidence)))
        return
    picks = {}
    for n, lesson in enumerate(lessons, 1):
        texts = lesson.choice_texts()
        key = f"lc_{lecture.id}_{phase}_{lesson.id}"
        st.markdown(f"**{n}.** {lesson.say('question')}")
        st.session_state.setdefault(key, None)  # nothing pre-selected
        keep_choice(key)
        choice = st.radio(t("lecture.your_answer", n=n), range(len(texts)), format_func=lambda i, x=texts: x[i], key=key)
        picks[lesson.id] = (choice, confidence_radio(f"{key}_confidence"))
    ready = all(choice is not None for choice, _ in picks.values())
    if st.button(t("lecture.submit_round"), type="primary", disabled=not ready, key=f"lc_{lecture.id}_{phase}_go",
                 width="stretch"):
        try:
            service().answer_concepts(lecture, phase, owner(), picks)
        except (JobError, Problem) as exc:
            st.error(str(exc))
            return
        st.rerun()
    if not ready:
        st.caption(t("lecture.answer_every"))


# --- the lecturer's remote ------------------------------------------------------------------------
def remote(lecture: Lecture, index: int) -> None:
    """A phone in one hand: where the class is, previous / next as big buttons, the current step's
    live histogram (and its Reveal and second vote); the links and the QR code folded below."""
    st.html(BIG_BUTTONS)
    st.markdown(f"### {lecture.title}")
    st.caption(step_caption(lecture, index))
    last = len(lecture.steps()) - 1
    back, forward = st.columns(2)
    if back.button(t("lecture.previous"), key="lecture_prev", disabled=index == 0, width="stretch"):
        service().move_lecture(lecture.id, st.session_state["admin_token"], index - 1)
        st.rerun()
    if forward.button(t("lecture.next"), key="lecture_next", type="primary", disabled=index >= last, width="stretch"):
        service().move_lecture(lecture.id, st.session_state["admin_token"], index + 1)
        st.rerun()
    remote_live(lecture, index)
    with st.expander(t("lecture.links"), expanded=False):
        join_box(lecture, lecturer=True)

