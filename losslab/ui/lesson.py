"""The lesson page (`/lesson?l=ID`): the lecturer's config with only the controls they opened,
their question, and Start locked until the student has committed to an answer. Then the
student's own run(s), the outcome once the lecturer reveals it, and the class's gallery."""

from __future__ import annotations

from typing import Callable

import streamlit as st

from .. import fields
from ..config import CONFIGS
from ..i18n import Problem, t
from ..jobs.errors import JobError
from ..lessons import Lesson
from ..losses import LOSSES, run_name
from .controls import widgets
from .gallery import gallery, histogram
from .pages import path
from .session import client, is_admin, owner, service
from .votes import confidence_label, confidence_radio, second_vote

from .lab_view import view_of  # each lab's live view; a lesson opens the one of its config's task
from .language import keep_choice

# A student's page notices the lecturer's next move (Reveal, second vote, a lecture's step) within this.
WATCH_SECONDS = 2.0


def page() -> None:
    raw = st.query_params.get("l")
    lesson = service().lesson(raw) if raw else None
    if raw and lesson is None:
        st.warning(t("lesson.not_found", id=repr(raw[:40])))
    if lesson is None:
        st.title(t("lesson.list_title"))
        listing()
        return
    view(lesson)


def listing() -> None:
    """Every lesson: the built-in ones first, then the lecturer's, newest first."""
    st.caption(t("lesson.list_hint"))
    for lesson in service().all_lessons():
        st.page_link(path("lesson"), label=f"{lesson.say('title')} · {t('nav.' + lesson.task)}",
                     query_params={"l": lesson.id}, icon="🎓" if lesson.builtin else "📝")


def view(lesson: Lesson, step: tuple[Callable[[], int], int] | None = None) -> None:
    """A lesson's page. `step`: in a lecture, how to read the lecturer's current step and the step
    this page shows (the page moves when they differ)."""
    st.title(lesson.say("title"))
    # What the lecturer has done, read before anything is drawn: the page's one poll (watch) compares
    # against these, so a Reveal or a second vote landing while the page draws brings one more
    # rerun, never a page stuck without the revote form
    seen = (service().revealed(lesson.id), service().second_vote_open(lesson.id))
    lecturer = is_admin()
    vote = service().my_vote(lesson.id, owner()) if lesson.question else None
    answer = vote[0] if vote else None
    answered = answer is not None
    # After Reveal the verdict is what the student came back for: at the top, not under their runs
    revealed = outcome(lesson, answer) if lesson.question and (answered or lecturer) else False
    controls, right = st.columns([1, 2.4], gap="large")
    with controls:
        changes = editable_controls(lesson)
        choice, confidence = question(lesson, vote, lecturer)
        start(lesson, changes, choice, answer, lecturer, confidence)
        if answered:
            second_vote(lesson)
    with right:
        mine = my_runs(lesson)
        if revealed and counterfactual_shown(lesson):
            pass
        elif mine:
            show_runs(lesson, mine)
        else:
            st.info(t("lesson.before_start"))
            preview = getattr(view_of(lesson.task), "preview", None)
            if preview is not None and changes is not None:
                preview(lesson.configs(changes)[0])
        if revealed:
            histogram(lesson, key="ls_histogram")
    if not lesson.question or answered or lecturer:
        gallery(lesson)
    watch(lesson, seen, step)


def watch(lesson: Lesson, seen: tuple[bool, bool], step: tuple[Callable[[], int], int] | None) -> None:
    """One small poll per student page for everything the lecturer does next: Reveal, the second
    vote opening or closing, a lecture's next step; one full rerun when any of them moved. Three
    separate polls (2, 2 and 3 s) cost a hall of 100 students 130 fragment reruns a second on the
    web processes, where the lecturer's own histogram waits its turn."""
    if seen[0] and step is None:
        return  # revealed: nothing more will come from the lecturer (their runs poll on their own)

    @st.fragment(run_every=WATCH_SECONDS)
    def poll():
        if ((service().revealed(lesson.id), service().second_vote_open(lesson.id)) != seen
                or (step is not None and step[0]() != step[1])):
            st.rerun()

    poll()


def editable_controls(lesson: Lesson) -> dict | None:
    """Widgets for the fields the lecturer opened (the labs' own `widgets`), starting at the
    lesson's values; the rest are not drawn at all (listed once, so students know what is fixed).
    None after one sentence when the chosen values do not make a valid config."""
    cls, prefix, config = CONFIGS[lesson.task], f"ls_{lesson.id}", lesson.config
    names = [n for n in fields.specs(cls) if n in lesson.editable]
    for name in names:  # the widgets start where the lecturer left them, not at the field's default
        value = getattr(config, name)
        if name == "loss_param":
            if value is not None:
                st.session_state.setdefault(f"{prefix}_param_{config.loss}", value)
        else:
            st.session_state.setdefault(f"{prefix}_{name}", list(value) if isinstance(value, tuple) else value)
    values = {name: getattr(config, name) for name in fields.specs(cls)}
    widgets(cls, prefix, names, values)
    changes = {name: values[name] for name in names}
    fixed = [fields.label(cls, n) for n in fields.specs(cls)
             if n not in lesson.editable and fields.specs(cls)[n].widget != "none" and fields.specs(cls)[n].shown(values)]
    if fixed:
        st.caption(t("lesson.fixed", fields=", ".join(fixed)))
    try:
        lesson.configs(changes)
    except ValueError as exc:  # a lesson's own sentence as it is; a field's range inside "Check the settings"
        own = isinstance(exc, Problem) and exc.key.startswith("lesson.")
        st.error(str(exc) if own else t("error.settings", problem=exc))
        return None
    return changes


def question(lesson: Lesson, vote: tuple | None, lecturer: bool) -> tuple:
    """The question, its choices and how sure the student is (nothing pre-selected); once
    answered, the answer, fixed. Returns (choice, confidence), each None until picked."""
    if not lesson.question:
        return None, None
    texts = lesson.choice_texts()
    st.markdown(f"**{t('lesson.question_label')}** {lesson.say('question')}")
    if vote is not None:
        answer, confidence = vote
        st.info(t("lesson.your_answer", choice=texts[answer]) if confidence is None else
                t("vote.your_answer_sure", choice=texts[answer], confidence=confidence_label(confidence)))
        return answer, confidence
    if lecturer:
        st.caption(t("lesson.lecturer_no_answer"))
    st.session_state.setdefault(f"ls_{lesson.id}_choice", None)  # no prediction picked yet
    keep_choice(f"ls_{lesson.id}_choice")
    choice = st.radio(t("lesson.your_prediction"), range(len(texts)), format_func=lambda i: texts[i],
                      key=f"ls_{lesson.id}_choice")
    return choice, confidence_radio(f"ls_{lesson.id}_confidence")


def start(lesson: Lesson, changes: dict | None, choice: int | None, answer: int | None, lecturer: bool,
          confidence: int | None = None) -> None:
    locked = bool(lesson.question) and choice is None and not lecturer
    label = t("lesson.start_again") if answer is not None else t("lesson.start_answer") if lesson.question and not lecturer \
        else t("live.start")
    ready = getattr(view_of(lesson.task), "data_ready", lambda: True)()
    if st.button(label, type="primary", disabled=locked or changes is None or not ready, key=f"ls_{lesson.id}_start",
                 width="stretch"):
        try:
            service().start_lesson(lesson, owner(), choice, changes, lecturer=lecturer, client=client(),
                                   confidence=None if answer is not None else confidence)
        except (JobError, Problem) as exc:
            st.error(str(exc))
            return
        st.session_state[f"ls_{lesson.id}_shown"] = 0  # the newest runs
        st.rerun()
    if locked:
        st.caption(t("lesson.locked"))


def my_runs(lesson: Lesson) -> list[str]:
    """This visitor's latest start of the lesson (one run, or one per compared loss)."""
    ids = service().my_lesson_runs(lesson, owner())
    return ids[-lesson.runs_per_start:]


def show_runs(lesson: Lesson, run_ids: list[str]) -> None:
    view = view_of(lesson.task)
    if getattr(view, "SHOWS_ONE_RUN", False) and len(run_ids) > 1:
        # A view of one run in full (MNIST's): pick which (the gallery compares them all).
        runs = service().runs_by_id(run_ids)
        names = [run_name(LOSSES[r["config"]["loss"]], r["config"].get("loss_param")) for r in runs]
        keep_choice(f"ls_{lesson.id}_shown")
        i = st.radio(t("lesson.which_run"), range(len(runs)), format_func=lambda k: names[k], horizontal=True,
                     key=f"ls_{lesson.id}_shown")
        view.show([run_ids[i]])
        return
    view.show(run_ids)


def outcome(lesson: Lesson, answer: int | None) -> bool:
    """At the top of the page: until the lecturer's Reveal a line saying so (the page notices the
    Reveal within 2 s and redraws); then the right answer and why next to the student's own, and
    each wrong answer's counterfactual. Returns whether the answer is revealed."""
    if not service().revealed(lesson.id):
        st.caption(t("lesson.wait_reveal"))  # watch() reruns the page on the Reveal
        return False
    with st.container(border=True):
        texts = lesson.choice_texts()
        right = texts[lesson.answer] if lesson.answer is not None else None
        if answer is not None and lesson.answer is not None:
            (st.success if answer == lesson.answer else st.warning)(
                t("lesson.right" if answer == lesson.answer else "lesson.not_right", yours=texts[answer], right=right))
        elif right:
            st.success(t("lesson.answer_was", right=right))
        if lesson.explanation:
            st.markdown(lesson.say("explanation"))
        counterfactuals(lesson)
    return True


def _if_key(lesson: Lesson) -> str:
    return f"ls_{lesson.id}_if"  # the wrong choice whose counterfactual the right column shows


def counterfactuals(lesson: Lesson) -> None:
    """One line per wrong answer that has a counterfactual: the sentence and one click that starts
    its run (through the job service, like the lesson's own) and shows it; a lesson without any
    shows nothing."""
    wrong = [cf for cf in (lesson.counterfactual(i) for i in range(len(lesson.choices)) if i != lesson.answer) if cf]
    if not wrong:
        return
    texts, mine, shown = lesson.choice_texts(), service().my_counterfactuals(lesson, owner()), \
        st.session_state.get(_if_key(lesson))
    st.markdown(f"**{t('lesson.if_title')}**")
    for cf in wrong:
        words, go = st.columns([5, 1], vertical_alignment="center")
        words.markdown(f"**{texts[cf.choice]}** · {lesson.say_counterfactual(cf)}")
        if cf.changes is None:
            continue
        label = t("lesson.if_running") if shown == cf.choice and cf.choice in mine else \
            t("lesson.if_show") if cf.choice in mine else t("lesson.if_run")
        if go.button(label, key=f"{_if_key(lesson)}_{cf.choice}", width="stretch",
                     disabled=shown == cf.choice and cf.choice in mine):
            if cf.choice not in mine:
                try:
                    service().start_counterfactual(lesson, cf.choice, owner(), lecturer=is_admin(), client=client())
                except (JobError, Problem) as exc:
                    st.error(str(exc))
                    return
            st.session_state[_if_key(lesson)] = cf.choice
            st.rerun()


def counterfactual_shown(lesson: Lesson) -> bool:
    """In the right column, in place of the student's own runs: the counterfactual they clicked."""
    choice = st.session_state.get(_if_key(lesson))
    runs = service().my_counterfactuals(lesson, owner()).get(choice) if choice is not None else None
    if not runs:
        return False
    st.info(t("lesson.if_showing", choice=lesson.choice_texts()[choice]))
    if st.button(t("lesson.if_back"), key=f"{_if_key(lesson)}_back"):
        st.session_state.pop(_if_key(lesson), None)
        st.rerun()
    show_runs(lesson, runs)
    return True
