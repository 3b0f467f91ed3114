"""Lectures: lessons strung into a sequence the students' pages follow, step by step, optionally
opened and closed by the same concept questions (pre and post), and the class's normalised gain
(Hake, Am. J. Phys. 66, 1998) from those two rounds. Pure: no store, no Streamlit, no torch."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from typing import Mapping, Optional

from .i18n import Problem
from .lessons import MAX_TEXT

MAX_STEPS = 20      # lessons in one lecture
MAX_CONCEPTS = 10   # concept questions asked before and after
PRE, LESSON, POST = "pre", "lesson", "post"
_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


@dataclass(frozen=True)
class Lecture:
    id: str
    title: str
    lessons: tuple                 # lesson ids, in the order the class goes through them
    concepts: tuple = ()           # lesson ids whose questions open (pre) and close (post) the lecture
    owner: Optional[str] = None    # the lecturer's owner token; never shown

    def steps(self) -> list[tuple[str, Optional[str]]]:
        """(kind, lesson id) per step: the pre round (if any), each lesson, the post round."""
        inner = [(LESSON, lesson_id) for lesson_id in self.lessons]
        return [(PRE, None), *inner, (POST, None)] if self.concepts else inner

    def step(self, index: int) -> tuple[str, Optional[str]]:
        steps = self.steps()
        return steps[max(0, min(index, len(steps) - 1))]

    def clamp(self, index: int) -> int:
        return max(0, min(int(index), len(self.steps()) - 1))

    def to_record(self) -> dict:
        return {"id": self.id, "title": self.title, "lessons": list(self.lessons), "concepts": list(self.concepts)}


def make(record: dict, owner: Optional[str] = None) -> Lecture:
    """A lecture from what the lecturer picked (or the store kept), checked: one sentence per problem.
    Whether each lesson exists is the store's question (jobs/lectures.py)."""
    title = "" if record.get("title") is None else str(record["title"]).strip()
    if not title:
        raise Problem("lecture.no_title")
    if len(title) > MAX_TEXT:
        raise Problem("lecture.too_long", high=MAX_TEXT, n=len(title))
    lessons = tuple(record.get("lessons") or ())
    if not 1 <= len(lessons) <= MAX_STEPS:
        raise Problem("lecture.steps_count", high=MAX_STEPS, n=len(lessons))
    concepts = tuple(dict.fromkeys(record.get("concepts") or ()))  # a question asked twice in one round counts once
    if len(concepts) > MAX_CONCEPTS:
        raise Problem("lecture.concepts_count", high=MAX_CONCEPTS, n=len(concepts))
    bad = [str(i)[:40] for i in lessons + concepts if not isinstance(i, str) or not _ID_RE.match(i)]
    if bad:
        raise Problem("lecture.bad_lesson", id=repr(bad[0]))
    lecture_id = record.get("id") or ""
    if lecture_id and not _ID_RE.match(lecture_id):
        raise Problem("lecture.bad_id", id=repr(str(lecture_id)[:40]))
    return Lecture(id=lecture_id, title=title, lessons=lessons, concepts=concepts, owner=owner)


def check_id(lecture_id) -> Optional[str]:
    return lecture_id if isinstance(lecture_id, str) and _ID_RE.match(lecture_id) else None


# --- pre/post: the normalised gain ------------------------------------------------------------
@dataclass(frozen=True)
class Gain:
    matched: int                 # students counted: answered in both rounds
    pre: Optional[float]         # percent right before (None: nobody matched)
    post: Optional[float]        # percent right after
    gain: Optional[float]        # (post − pre) / (100 − pre); None when nobody matched or pre = 100


def normalised_gain(pre: float, post: float) -> Optional[float]:
    """Hake's ⟨g⟩ = (post − pre) / (100 − pre), on percentages: the share of what was left to learn
    that was learnt. Undefined (None, never 0 or ∞) at pre = 100: nothing was left to learn."""
    if pre >= 100:
        return None
    return (post - pre) / (100 - pre)


def gains(pre: Mapping[str, Mapping[str, int]], post: Mapping[str, Mapping[str, int]],
          answers: Mapping[str, int]) -> tuple[Gain, dict[str, Gain]]:
    """The class's gain and each question's, from each student's choices per question in each
    round ({student: {question: choice}}) and each question's right choice.

    Defined on class averages of matched students (Hake's ⟨g⟩, not the mean of each student's g,
    which a student at 100 % before would leave undefined): the class figure counts a student who
    answered every question in both rounds; a question's figure counts every student who answered
    that question in both rounds. A student in one round only (late, or gone early) is left out."""
    questions = list(answers)
    everywhere = [s for s in pre if s in post and all(q in pre[s] and q in post[s] for q in questions)]
    overall = _gain(everywhere, questions, pre, post, answers) if questions else Gain(0, None, None, None)
    per_question = {}
    for q in questions:
        both = [s for s in pre if s in post and q in pre[s] and q in post[s]]
        per_question[q] = _gain(both, [q], pre, post, answers)
    return overall, per_question


def _gain(students, questions, pre, post, answers) -> Gain:
    if not students:
        return Gain(0, None, None, None)
    cells = len(students) * len(questions)
    before = 100 * sum(pre[s][q] == answers[q] for s in students for q in questions) / cells
    after = 100 * sum(post[s][q] == answers[q] for s in students for q in questions) / cells
    return Gain(len(students), before, after, normalised_gain(before, after))


CSV_COLUMNS = ("section", "step", "lesson", "measure", "group", "value")


def to_csv(rows: list[dict]) -> bytes:
    """A lecture's export (jobs/lectures.py lecture_table): codes and numbers only, the same in
    every language; with a BOM so that Excel reads it as UTF-8."""
    out = io.StringIO()
    writer = csv.DictWriter(out, CSV_COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")
