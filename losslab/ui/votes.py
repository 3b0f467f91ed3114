"""Peer instruction on the pages: the confidence asked with a prediction, the student's second
vote (their first answer in view), and on the lecturer's dashboard the suggested next step from
the first vote, the button that opens the second vote and the switch matrix."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from .. import votes
from ..i18n import Problem, t
from ..jobs.errors import JobError
from ..lessons import Lesson
from .language import keep_choice
from .session import owner, service



def confidence_label(index) -> str:
    return t(f"vote.confidence_{votes.confidence_code(index)}")


def confidence_radio(key: str):
    """How sure the student is (no level pre-selected: asked, never assumed)."""
    st.session_state.setdefault(key, None)
    keep_choice(key)
    return st.radio(t("vote.confidence"), range(len(votes.CONFIDENCE)), format_func=confidence_label,
                    key=key, horizontal=True)


def said(key: str, choice: str, confidence) -> str:
    """A vote in words: "…: MAE, fairly sure", or without the confidence when none was given."""
    if confidence is None:
        return t(f"{key}_plain", choice=choice)
    return t(key, choice=choice, confidence=confidence_label(confidence))


# --- the student's page --------------------------------------------------------------------
def second_vote(lesson: Lesson) -> None:
    """Once the lecturer opens it: the student's first answer, then a new choice and confidence.
    The lesson page's one poll (ui/lesson.watch) redraws the page when the vote opens or closes; a
    fragment, so Vote again reruns only this box."""

    @st.fragment
    def box():
        opened = service().second_vote_open(lesson.id)
        texts = lesson.choice_texts()
        again = service().my_revote(lesson.id, owner())
        if again is not None:
            st.info(said("vote.your_second", texts[again[0]], again[1]))
            return
        if not opened:
            return
        first = service().my_vote(lesson.id, owner())
        if first is None:
            return
        st.markdown(f"**{t('vote.second_title')}**")
        st.caption(t("vote.second_hint"))
        st.info(said("vote.you_first_said", texts[first[0]], first[1]))
        key = f"ls_{lesson.id}_choice2"
        st.session_state.setdefault(key, None)
        keep_choice(key)
        choice = st.radio(t("vote.second_choice"), range(len(texts)), format_func=lambda i: texts[i], key=key)
        confidence = confidence_radio(f"ls_{lesson.id}_confidence2")
        if st.button(t("vote.vote_again"), key=f"ls_{lesson.id}_revote", type="primary", disabled=choice is None,
                     width="stretch"):
            try:
                service().revote(lesson, owner(), choice, confidence)
            except (JobError, Problem) as exc:
                st.error(str(exc))
                return
            st.rerun()
        if choice is None:
            st.caption(t("vote.second_locked"))

    box()


# --- the lecturer's dashboard --------------------------------------------------------------
def second_vote_button(lesson: Lesson) -> None:
    opened = service().second_vote_open(lesson.id)
    if st.button(t("vote.close_second") if opened else t("vote.open_second"), key="lecturer_round2",
                 type="secondary" if opened else "primary", width="stretch"):
        service().open_second_vote(lesson.id, st.session_state["admin_token"], not opened)
        st.rerun()


def suggestion(lesson: Lesson) -> None:
    """The first vote's share right and the step it suggests, in words (the lecturer decides)."""
    right, total = service().first_vote_share(lesson)
    if right is None:
        st.caption(t("vote.suggest_no_answer", n=total))
        return
    step = votes.next_step(right, total)
    if step is None:
        st.caption(t("vote.no_votes"))
        return
    st.markdown(t("vote.share", right=right, n=total, share=round(100 * right / total)))
    st.info(t(f"vote.suggest_{step}"))
    st.caption(t("vote.suggest_source"))


def second_round(lesson: Lesson) -> None:
    """While the second vote is open, or once anyone has voted again: how many, and the switch matrix."""
    opened = service().second_vote_open(lesson.id)
    n = service().revote_count(lesson)
    if not opened and not n:
        return
    first = service().first_vote_share(lesson)[1]
    st.caption(t("vote.second_open" if opened else "vote.second_closed", n=n, first=first))
    st.markdown(f"**{t('vote.switch_title')}**")
    if not n:
        st.caption(t("vote.switch_empty"))
        return
    st.table(switch_frame(service().switch_matrix(lesson)))


def switch_frame(matrix: dict) -> pd.DataFrame:
    """The switch matrix as a small table: one row per first-vote confidence (everyone first), one
    column per way an answer moved, and the row's students; every label from the catalogue."""
    rows = []
    for code, counts in matrix.items():
        label = t("vote.switch_all") if code == votes.ALL else t(f"vote.confidence_{code}")
        rows.append({t("vote.switch_row"): label, **{t(f"vote.switch_{k}"): n for k, n in counts.items()},
                     t("vote.switch_total"): sum(counts.values())})
    return pd.DataFrame(rows).set_index(t("vote.switch_row"))
