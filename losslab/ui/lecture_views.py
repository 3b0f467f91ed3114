"""What a lecture shows besides a student's own step: the projector's class view, the remote's live
part, the join link with its QR code, the pre and post rounds' histograms and the gain table."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from .. import qr
from ..figures import lessons as fig
from ..i18n import t
from ..lectures import LESSON, POST, Lecture
from .cache import shared_figure
from .charts import chart
from .chartkeys import every, pause_button
from .gallery import gallery, histogram
from .pages import PAGES
from .session import service
from .share import app_url

PROJECTOR_SECONDS = 1.0  # the class view: one viewer per room, so it may poll often
REMOTE_SECONDS = 0.5     # the lecturer's histogram (as on the Lecturer page: ui/lecturer.py)


def links(lecture: Lecture) -> dict[str, str]:
    base = f"{app_url()}{PAGES['lecture'].url_path}?l={lecture.id}"
    return {"students": base, "projector": f"{base}&present=true",
            "dashboard": f"{app_url()}{PAGES['admin'].url_path}?lecture={lecture.id}"}


def join_box(lecture: Lecture, lecturer: bool = False, width: int = 220) -> None:
    """The students' link and its QR code (one link for the whole lecture); the lecturer also gets
    the projector's link."""
    link = links(lecture)
    st.image(qr.png(link["students"]), width=width, caption=t("lecture.scan"))
    st.markdown(t("lecture.join", link=link["students"]))
    if lecturer:
        st.markdown(t("lecture.projector_link", link=link["projector"]))


def step_name(lecture: Lecture, index: int) -> str:
    kind, lesson_id = lecture.step(index)
    return service().lesson(lesson_id).say("title") if kind == LESSON else t(f"lecture.{kind}_name")


def step_caption(lecture: Lecture, index: int) -> str:
    return t("lecture.step_of", k=index + 1, n=len(lecture.steps()), title=lecture.title, step=step_name(lecture, index))


# --- the projector ------------------------------------------------------------------------------
def class_view(lecture: Lecture, index: int) -> None:
    """What the room sees: the step, its question and choices, how many have answered; after the
    lecturer's Reveal the histogram, the answer, the explanation and the class's runs. No widgets to vote."""
    kind, lesson_id = lecture.step(index)
    main, side = st.columns([3, 1], gap="large")
    with side:
        join_box(lecture, width=180)
    with main:
        st.caption(step_caption(lecture, index))
        if kind != LESSON:
            st.title(t(f"lecture.{kind}_title"))
            for n, q in enumerate(lecture.concepts, 1):
                lesson = service().lesson(q)
                st.markdown(f"**{n}.** {lesson.say('question')}\n\n" + "\n".join(
                    f"- {c}" for c in lesson.choice_texts()))
            _round_count(lecture, kind)
            return
        lesson = service().lesson(lesson_id)
        st.title(lesson.say("title"))
        if lesson.question:
            st.markdown(f"**{t('lesson.question_label')}** {lesson.say('question')}\n\n" + "\n".join(
                f"{i}. {c}" for i, c in enumerate(lesson.choice_texts(), 1)))
    revealed_now = service().revealed(lesson.id)
    if lesson.question:
        _lesson_live(lesson, revealed_now)
    if revealed_now or not lesson.question:
        gallery(lesson, live=True)


def _lesson_live(lesson, revealed_now: bool) -> None:
    @st.fragment(run_every=every(PROJECTOR_SECONDS))
    def live():
        revealed = service().revealed(lesson.id)
        if revealed != revealed_now:
            st.rerun()  # the whole page: the gallery comes (or goes) with the Reveal
        right, total = service().first_vote_share(lesson)
        if service().second_vote_open(lesson.id):
            st.info(t("lecture.second_vote_open", n=service().revote_count(lesson), first=total))
        if not revealed:
            st.metric(t("lecture.answered"), total)
            return
        texts = lesson.choice_texts()
        if lesson.answer is not None:
            st.success(t("lesson.answer_was", right=texts[lesson.answer]))
        if lesson.explanation:
            st.markdown(lesson.say("explanation"))
        histogram(lesson, key="lecture_class_histogram")

    live()


def _round_count(lecture: Lecture, phase: str) -> None:
    @st.fragment(run_every=every(PROJECTOR_SECONDS))
    def live():
        st.metric(t("lecture.answered"), service().concept_students(lecture.id, phase))

    live()


# --- the remote's live part ----------------------------------------------------------------------
def remote_live(lecture: Lecture, index: int) -> None:
    from .lecturer import answers  # the lesson dashboard's Reveal, export, second vote and live histogram

    kind, lesson_id = lecture.step(index)
    if kind == LESSON:
        lesson = service().lesson(lesson_id)
        if lesson.question:
            answers(lesson)
        else:
            st.caption(t("lecture.no_question"))
        return

    pause_button("remote")

    @st.fragment(run_every=every(REMOTE_SECONDS))
    def live():
        concept_histograms(lecture, kind)
        if kind == POST:
            gain_table(lecture)

    live()


def concept_histograms(lecture: Lecture, phase: str) -> None:
    st.caption(t("lecture.round_count", n=service().concept_students(lecture.id, phase)))
    for n, q in enumerate(lecture.concepts, 1):
        lesson = service().lesson(q)
        counts = service().concept_histogram(lecture, phase, q)
        texts = lesson.choice_texts()
        chart(shared_figure(("concepts", lecture.id, phase, q), tuple(counts), lambda: fig.answers_histogram(
                  texts, counts, correct=None, title=f"{n}. {lesson.say('title')}",
                  x_title=t("lesson.histogram_x"), y_title=t("lesson.histogram_y"))),
              f"lecture_{phase}_{q}", t("lesson.histogram_summary", parts="; ".join(
                  f"{c}: {k}" for c, k in zip(texts, counts))))


def gain_frame(lecture: Lecture) -> pd.DataFrame:
    """The class's normalised gain and each question's, as a small table (labels from the catalogue)."""
    overall, per_question = service().lecture_gain(lecture)
    rows = []
    for name, g in [(t("lecture.gain_class"), overall),
                    *((service().lesson(q).say("title"), per_question[q]) for q in lecture.concepts)]:
        rows.append({t("lecture.gain_question"): name, t("lecture.gain_matched"): g.matched,
                     t("lecture.gain_pre"): _pct(g.pre), t("lecture.gain_post"): _pct(g.post),
                     t("lecture.gain_g"): "–" if g.gain is None else f"{g.gain:.2f}"})
    return pd.DataFrame(rows).set_index(t("lecture.gain_question"))


def gain_table(lecture: Lecture) -> None:
    st.markdown(f"**{t('lecture.gain_title')}**")
    st.table(gain_frame(lecture))
    st.caption(t("lecture.gain_definition"))


def _pct(value) -> str:
    return "–" if value is None else f"{value:.0f} %"

