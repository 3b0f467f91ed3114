"""The lecturer's side of lessons: "Save as lesson" under every lab's form, and on the Lecturer
page the lesson's link, the live histogram of answers, Reveal, the CSV export and the gallery."""

from __future__ import annotations

import csv
import io

import streamlit as st

from .. import fields
from ..config import CONFIGS
from ..i18n import Problem, t
from ..jobs.errors import JobError
from ..lessons import LESSON_TASKS, MAX_CHOICES, MAX_COMPARE, MAX_TEXT, editable_fields
from ..losses import LOSSES, losses_for
from .gallery import gallery, histogram
from .pages import PAGES, path
from .session import is_admin, owner, service
from .language import keep_choice
from .votes import second_round, second_vote_button, suggestion

NONE = -1  # "no right answer" in the answer selectbox
# One lecturer polls it, and a poll that finds the same counts redraws nothing new: every half
# second keeps a new answer's latency under 2 s with 40 students (benchmarks/classroom.py --lesson).
HISTOGRAM_SECONDS = 0.5


def save_as_lesson(config) -> None:
    """Under a lab's form, for the lecturer only: this very config becomes a lesson."""
    if config is None or not is_admin() or config.task not in LESSON_TASKS:
        return
    cls, prefix = CONFIGS[config.task], f"save_{config.task}"
    with st.expander(t("lecturer.save_title"), expanded=False):
        st.caption(t("lecturer.save_hint"))
        title = st.text_input(t("lecturer.title"), key=f"{prefix}_title", max_chars=MAX_TEXT)
        question = st.text_input(t("lecturer.question"), key=f"{prefix}_question", max_chars=MAX_TEXT,
                                 placeholder=t("lecturer.question_placeholder"))
        choices = [c.strip() for c in st.text_area(t("lecturer.choices", high=MAX_CHOICES), key=f"{prefix}_choices",
                                                   height=110).splitlines() if c.strip()]
        for name in ("answer", "editable", "compare"):
            keep_choice(f"{prefix}_{name}")
        answer = st.selectbox(t("lecturer.answer"), [NONE] + list(range(len(choices))), key=f"{prefix}_answer",
                              format_func=lambda i: t("lecturer.no_answer") if i == NONE else choices[i])
        explanation = st.text_area(t("lecturer.explanation"), key=f"{prefix}_explanation", height=90)
        editable = st.multiselect(t("lecturer.editable"), editable_fields(config.task), key=f"{prefix}_editable",
                                  format_func=lambda n: fields.label(cls, n), help=t("lecturer.editable_help"))
        compare = st.multiselect(t("lecturer.compare"), [l.name for l in losses_for(config.loss_fn.task)],
                                 key=f"{prefix}_compare", format_func=lambda n: str(LOSSES[n].label), max_selections=MAX_COMPARE)
        if st.button(t("lecturer.save"), key=f"{prefix}_go", type="primary"):
            record = {"config": config.to_dict(), "title": title, "question": question, "choices": choices,
                      "answer": None if answer in (NONE, None) or answer >= len(choices) else answer,
                      "explanation": explanation, "editable": editable, "compare": compare}
            try:
                lesson_id = service().save_lesson(record, st.session_state["admin_token"], owner())
            except (JobError, Problem) as exc:
                st.error(str(exc))
                return
            st.success(t("lecturer.saved", id=lesson_id))
            st.page_link(path("lesson"), label=t("lecturer.open"), query_params={"l": lesson_id}, icon="🎓")


def lessons_panel() -> None:
    """Pick a lesson; see who answered what (live), reveal it, export, watch the gallery."""
    st.header(t("lecturer.lessons"))
    by_id = {lesson.id: lesson for lesson in service().all_lessons()}
    ids = list(by_id)
    wanted = st.query_params.get("l")  # /admin?l=ID: the lecturer's bookmark of one lesson's dashboard
    st.session_state.setdefault("lecturer_lesson", wanted if wanted in ids else ids[0])
    keep_choice("lecturer_lesson")
    chosen = st.selectbox(t("lecturer.pick"), ids, key="lecturer_lesson",
                          format_func=lambda i: f"{by_id[i].say('title')} ({i})")
    lesson = by_id[chosen]
    link = f"{_app_url()}{PAGES['lesson'].url_path}?l={lesson.id}"
    st.markdown(t("lecturer.link", link=link))
    st.page_link(path("lesson"), label=t("lecturer.open"), query_params={"l": lesson.id}, icon="🎓")
    st.caption(t("lecturer.embed", link=f"{link}&embed=true"))
    if lesson.question:
        answers(lesson)
    gallery(lesson, live=True)
    c1, c2 = st.columns(2)
    if lesson.question and c1.button(t("lecturer.clear"), key="lecturer_clear", help=t("lecturer.clear_help")):
        service().clear_answers(lesson.id, st.session_state["admin_token"])
        st.rerun()
    if not lesson.builtin and c2.button(t("lecturer.delete"), key="lecturer_delete"):
        service().delete_lesson(lesson.id, st.session_state["admin_token"])
        st.session_state.pop("lecturer_lesson", None)
        st.rerun()


def _app_url() -> str:
    """This server's address as the lecturer's browser sees it (behind a proxy, with its base
    path): the page's own URL up to its last segment."""
    url = (st.context.url or "").split("?")[0]
    return url.rsplit("/", 1)[0] + "/" if "://" in url else ""


def answers(lesson) -> None:
    revealed = service().revealed(lesson.id)
    c1, c2, c3 = st.columns(3)
    if c1.button(t("lecturer.hide") if revealed else t("lecturer.reveal"), key="lecturer_reveal",
                 type="secondary" if revealed else "primary", width="stretch"):
        service().reveal(lesson.id, st.session_state["admin_token"], not revealed)
        st.rerun()
    c2.download_button(t("lecturer.export"), data=lambda: export_csv(lesson), file_name=f"answers-{lesson.id}.csv",
                       mime="text/csv", key="lecturer_export", width="stretch", on_click="ignore")
    with c3:
        second_vote_button(lesson)
    st.caption(t("lecturer.revealed") if revealed else t("lecturer.not_revealed"))

    @st.fragment(run_every=HISTOGRAM_SECONDS)
    def live_histogram():
        histogram(lesson, key="lecturer_histogram")
        suggestion(lesson)
        second_round(lesson)

    live_histogram()


def cell(text: str) -> str:
    """A typed text as a spreadsheet cell that stays text: one starting with = + - @ (or a tab or
    CR) would be run by Excel as a formula (OWASP's CSV injection), so it gets a leading '."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def export_csv(lesson) -> bytes:
    """The answers, anonymous: students are numbered in the order they answered. Confidences and
    switches are codes (votes.CONFIDENCE, votes.SWITCHES), the same in every language."""
    texts = lesson.choice_texts()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["student", "choice", "choice_text", "right", "answered_utc", "runs", "statuses",
                     "confidence", "second_choice", "second_choice_text", "second_confidence", "switch"])
    for row in service().answers_table(lesson):
        second = row["second_choice"]
        writer.writerow([row["student"], row["choice"], cell(texts[row["choice"]]),
                         "" if lesson.answer is None else int(row["choice"] == lesson.answer), row["answered_utc"],
                         row["runs"], row["statuses"], row["confidence"], "" if second is None else second,
                         "" if second is None else cell(texts[second]), row["second_confidence"], row["switch"]])
    return out.getvalue().encode("utf-8-sig")  # with a BOM: Excel then reads Hangul right
