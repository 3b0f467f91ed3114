"""The job service's lectures: the lecturer's sequence of lessons, the step every student's page
follows (one row, polled), the pre and post rounds of concept questions and the class's gain.

Owner tokens stay here, as in jobs/lessons.py: the gain is counts and percentages, the export
is codes and numbers, never a token or a name."""

from __future__ import annotations

import json
import secrets
from typing import Optional

from .. import lectures as pure
from ..lectures import LESSON, POST, PRE, Lecture, check_id, gains, make
from ..votes import confidence_code
from .errors import JobError, NotAllowed, NotFound
from .lessons import check_vote
from .store import Transaction, now


class Lectures:
    """Mixed into JobService (which provides `conn`, `is_admin`, `lesson`, `clear_answers`, ...)."""

    def save_lecture(self, record: dict, token: str, owner: str, lecture_id: Optional[str] = None) -> str:
        """Store a lecture (a new one, or `lecture_id` edited in place: its step and answers stay);
        every lesson must exist and every concept lesson must ask a question with a right answer."""
        if not self.is_admin(token):
            raise NotAllowed("lesson.not_allowed")
        lecture = make({**record, "id": None}, owner)
        for lesson_id in lecture.lessons + lecture.concepts:
            if self.lesson(lesson_id) is None:
                raise NotFound("lesson.not_found", id=repr(lesson_id))
        for lesson_id in lecture.concepts:
            if self.lesson(lesson_id).answer is None:
                raise JobError("lecture.concept_no_answer", title=self.lesson(lesson_id).say("title"))
        with Transaction(self.conn) as c:
            if lecture_id and c.execute("SELECT 1 FROM lectures WHERE id = ?", (lecture_id,)).fetchone():
                c.execute("UPDATE lectures SET record = ? WHERE id = ?",
                          (json.dumps({**lecture.to_record(), "id": lecture_id}), lecture_id))
                steps = len(lecture.steps())
                c.execute("UPDATE lectures SET step = ? WHERE id = ? AND step >= ?", (steps - 1, lecture_id, steps))
                return lecture_id
            lecture_id = secrets.token_urlsafe(6).replace("-", "x")
            c.execute("INSERT INTO lectures (id, owner, record, created, step) VALUES (?, ?, ?, ?, 0)",
                      (lecture_id, owner, json.dumps({**lecture.to_record(), "id": lecture_id}), now()))
        return lecture_id

    def lecture(self, lecture_id) -> Optional[Lecture]:
        lecture_id = check_id(lecture_id)
        if lecture_id is None:
            return None
        row = self.conn.execute("SELECT owner, record FROM lectures WHERE id = ?", (lecture_id,)).fetchone()
        return self._present(json.loads(row["record"]), row["owner"]) if row else None

    def all_lectures(self) -> list[Lecture]:
        rows = self.conn.execute("SELECT owner, record FROM lectures ORDER BY created DESC").fetchall()
        return [lecture for lecture in (self._present(json.loads(r["record"]), r["owner"]) for r in rows) if lecture]

    def _present(self, record: dict, owner: str) -> Optional[Lecture]:
        """The lecture as it can be taught now: a lesson deleted since drops out of it (a lecture
        left with no lesson is gone too), so no page meets a step it cannot show."""
        keep = {i for i in record.get("lessons", []) + record.get("concepts", []) if self.lesson(i) is not None}
        record = {**record, "lessons": [i for i in record.get("lessons", []) if i in keep],
                  "concepts": [i for i in record.get("concepts", []) if i in keep]}
        return make(record, owner) if record["lessons"] else None

    def delete_lecture(self, lecture_id: str, token: str) -> None:
        """The lecture and its concept answers go; its lessons (and their answers) stay."""
        if not self.is_admin(token):
            raise NotAllowed("lesson.not_allowed")
        with Transaction(self.conn) as c:
            c.execute("DELETE FROM concept_answers WHERE lecture = ?", (lecture_id,))
            c.execute("DELETE FROM lectures WHERE id = ?", (lecture_id,))

    def clear_lecture(self, lecture_id: str, token: str) -> None:
        """A new class: back to the first step; the concept answers and every lesson's answers go."""
        lecture = self.lecture(lecture_id)
        if lecture is None:
            raise NotFound("lecture.not_found", id=repr(str(lecture_id)[:40]))
        for lesson_id in dict.fromkeys(lecture.lessons):
            self.clear_answers(lesson_id, token)  # checks the token
        with Transaction(self.conn) as c:
            c.execute("DELETE FROM concept_answers WHERE lecture = ?", (lecture_id,))
            c.execute("UPDATE lectures SET step = 0, moved = ? WHERE id = ?", (now(), lecture_id))

    # --- the step the class is on --------------------------------------------------------------
    def lecture_step(self, lecture_id: str) -> Optional[int]:
        """The current step (one primary-key read: every student's page asks it every few seconds)."""
        row = self.conn.execute("SELECT step FROM lectures WHERE id = ?", (lecture_id,)).fetchone()
        return row[0] if row else None

    def move_lecture(self, lecture_id: str, token: str, step: int) -> int:
        """The lecturer moves the class to `step` (clamped to the lecture's steps); returns it."""
        if not self.is_admin(token):
            raise NotAllowed("lesson.not_allowed")
        lecture = self.lecture(lecture_id)
        if lecture is None:
            raise NotFound("lecture.not_found", id=repr(str(lecture_id)[:40]))
        step = lecture.clamp(step)
        with Transaction(self.conn) as c:
            c.execute("UPDATE lectures SET step = ?, moved = ? WHERE id = ?", (step, now(), lecture_id))
        return step

    # --- pre and post ----------------------------------------------------------------------------
    def answer_concepts(self, lecture: Lecture, phase: str, owner: str, choices: dict) -> None:
        """A student's answers to the concept questions in one round ({lesson id: (choice,
        confidence)}), all or none: only while the class is on that round, once per round."""
        if phase not in (PRE, POST):
            raise JobError("lecture.bad_phase")
        missing = [q for q in lecture.concepts if choices.get(q) is None or choices[q][0] is None]
        if missing:
            raise JobError("lecture.answer_all")
        for lesson_id in lecture.concepts:
            check_vote(self.lesson(lesson_id), *choices[lesson_id])
        with Transaction(self.conn) as c:
            row = c.execute("SELECT step FROM lectures WHERE id = ?", (lecture.id,)).fetchone()
            if row is None or lecture.step(row[0])[0] != phase:
                raise JobError("lecture.round_closed")
            if c.execute("SELECT 1 FROM concept_answers WHERE lecture = ? AND phase = ? AND owner = ?",
                         (lecture.id, phase, owner)).fetchone():
                raise JobError("lecture.counted")
            at = now()
            for lesson_id in lecture.concepts:
                choice, confidence = choices[lesson_id]
                c.execute("INSERT OR IGNORE INTO concept_answers (lecture, phase, lesson, owner, choice, confidence, time)"
                          " VALUES (?, ?, ?, ?, ?, ?, ?)", (lecture.id, phase, lesson_id, owner, choice, confidence, at))

    def my_concepts(self, lecture_id: str, phase: str, owner: str) -> dict[str, tuple]:
        rows = self.conn.execute("SELECT lesson, choice, confidence FROM concept_answers WHERE lecture = ? AND phase = ?"
                                 " AND owner = ?", (lecture_id, phase, owner)).fetchall()
        return {r[0]: (r[1], r[2]) for r in rows}

    def concept_histogram(self, lecture: Lecture, phase: str, lesson_id: str) -> list[int]:
        counts = [0] * len(self.lesson(lesson_id).choices)
        for choice, n in self.conn.execute("SELECT choice, COUNT(*) FROM concept_answers WHERE lecture = ? AND phase = ?"
                                           " AND lesson = ? GROUP BY choice", (lecture.id, phase, lesson_id)):
            if 0 <= choice < len(counts):
                counts[choice] = n
        return counts

    def concept_students(self, lecture_id: str, phase: str) -> int:
        (n,) = self.conn.execute("SELECT COUNT(DISTINCT owner) FROM concept_answers WHERE lecture = ? AND phase = ?",
                                 (lecture_id, phase)).fetchone()
        return n

    def lecture_gain(self, lecture: Lecture) -> tuple[pure.Gain, dict[str, pure.Gain]]:
        """lectures.gains over the stored rounds (matched by the browser's owner token, here only)."""
        rounds: dict[str, dict[str, dict[str, int]]] = {PRE: {}, POST: {}}
        for phase, lesson_id, owner, choice in self.conn.execute(
                "SELECT phase, lesson, owner, choice FROM concept_answers WHERE lecture = ?", (lecture.id,)):
            rounds[phase].setdefault(owner, {})[lesson_id] = choice
        answers = {q: self.lesson(q).answer for q in lecture.concepts if self.lesson(q) is not None}
        return gains(rounds[PRE], rounds[POST], answers)

    def lecture_table(self, lecture: Lecture) -> list[dict]:
        """The lecture for export, long format, codes only: each step's first-vote counts by choice
        and confidence, its switch matrix, each round's counts and the gains (class and per question)."""
        out = []
        for index, (kind, lesson_id) in enumerate(lecture.steps()):
            if kind == LESSON:
                lesson = self.lesson(lesson_id)
                if lesson is None or not lesson.question:
                    continue
                for choice, confidence, n in self.conn.execute(
                        "SELECT choice, confidence, COUNT(*) FROM answers WHERE lesson = ? GROUP BY choice, confidence"
                        " ORDER BY choice, confidence", (lesson_id,)):
                    out.append(_row("first_vote", index, lesson_id, f"choice_{choice}", confidence_code(confidence), n))
                for group, counts in self.switch_matrix(lesson).items():
                    if self.revote_count(lesson):
                        out += [_row("switch", index, lesson_id, kind_, group, n) for kind_, n in counts.items()]
            else:
                for q in lecture.concepts:
                    for choice, n in enumerate(self.concept_histogram(lecture, kind, q)):
                        out.append(_row(kind, index, q, f"choice_{choice}", "all", n))
        overall, per_question = self.lecture_gain(lecture)
        for q, g in [("class", overall), *per_question.items()]:
            for measure in ("matched", "pre", "post", "gain"):
                value = getattr(g, measure)
                out.append(_row("gain", "", q, measure, "matched", "" if value is None else round(value, 4)))
        return out


def _row(section, step, lesson, measure, group, value) -> dict:
    return {"section": section, "step": step, "lesson": lesson, "measure": measure, "group": group, "value": value}
