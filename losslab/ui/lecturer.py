"""The lecturer's side of lessons on the Lecturer page: where lessons are made, the lesson's link
and QR code, the live histogram of answers, Reveal, the CSV export and the gallery. ("Save as
lesson" under every lab's form is ui/save_lesson.py, re-exported here for the lab pages.)"""

from __future__ import annotations

import csv
import io

import streamlit as st

from ..i18n import t
from ..labs import ordered
from ..lessons import LESSON_TASKS
from .chartkeys import every, pause_button
from .gallery import gallery, histogram
from .pages import PAGES, lab_path, path
from .save_lesson import edit_button, save_as_lesson  # noqa: F401 (the lab pages import it from here)
from .session import service
from .language import keep_choice
from .share import app_url, qr_link
from .votes import second_round, second_vote_button, suggestion

# One lecturer polls it, and a poll that finds the same counts redraws nothing new: every half
# second keeps a new answer's latency under 2 s with 40 students (benchmarks/classroom.py --lesson).
HISTOGRAM_SECONDS = 0.5


def lessons_panel() -> None:
    """Pick a lesson; see who answered what (live), reveal it, export, watch the gallery."""
    st.header(t("lecturer.lessons"))
    where_lessons_are_made()
    by_id = {lesson.id: lesson for lesson in service().all_lessons()}
    ids = list(by_id)
    wanted = st.query_params.get("l")  # /admin?l=ID: the lecturer's bookmark of one lesson's dashboard
    st.session_state.setdefault("lecturer_lesson", wanted if wanted in ids else ids[0])
    keep_choice("lecturer_lesson")
    chosen = st.selectbox(t("lecturer.pick"), ids, key="lecturer_lesson",
                          format_func=lambda i: f"{by_id[i].say('title')} ({i})")
    lesson = by_id[chosen]
    link = f"{app_url()}{PAGES['lesson'].url_path}?l={lesson.id}"
    with st.expander(t("lecturer.share"), expanded=False):
        qr_link(link)
        st.caption(t("lecturer.embed", link=f"{link}&embed=true"))
    st.page_link(path("lesson"), label=t("lecturer.open"), query_params={"l": lesson.id}, icon="🎓")
    edit_button(lesson)
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


def where_lessons_are_made() -> None:
    """The Lecturer page says where a lesson comes from: a lab, set up, then its Save button."""
    st.caption(t("lecturer.where"))
    cols = st.columns(len(LESSON_TASKS))
    for col, lab in zip(cols, [lab for lab in ordered() if lab.task in LESSON_TASKS]):
        col.page_link(lab_path(lab.task), label=t(f"nav.{lab.task}"), icon=lab.icon)


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
    pause_button("lecturer")  # the histogram, the switch matrix and the gallery below

    @st.fragment(run_every=every(HISTOGRAM_SECONDS))
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
