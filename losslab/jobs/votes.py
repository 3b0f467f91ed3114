"""The job service's second vote (peer instruction): the lecturer opens it after discussion, a
student who voted first votes again (a choice and a confidence; no new runs: their run from the
first vote is what they discussed), and the switch matrix counts how the answers moved."""

from __future__ import annotations

from typing import Optional

from .. import votes
from ..lessons import Lesson
from .errors import JobError, NotAllowed, NotFound
from .lessons import check_vote
from .store import Transaction, now

SECOND = 2  # rounds.round while the second vote is open


class Votes:
    """Mixed into JobService (which provides `conn`, `is_admin`, `lesson`)."""

    def my_vote(self, lesson_id: str, owner: str) -> Optional[tuple]:
        """This student's first vote as (choice, confidence index or None), or None before it."""
        row = self.conn.execute("SELECT choice, confidence FROM answers WHERE lesson = ? AND owner = ?",
                                (lesson_id, owner)).fetchone()
        return (row[0], row[1]) if row else None

    def my_revote(self, lesson_id: str, owner: str) -> Optional[tuple]:
        """This student's second vote as (choice, confidence index or None), or None before it."""
        row = self.conn.execute("SELECT choice, confidence FROM revotes WHERE lesson = ? AND owner = ?",
                                (lesson_id, owner)).fetchone()
        return (row[0], row[1]) if row else None

    def open_second_vote(self, lesson_id: str, token: str, opened: bool = True) -> None:
        """The lecturer opens (or closes) the second vote; the answers already given stay."""
        if not self.is_admin(token):
            raise NotAllowed("lesson.not_allowed")
        lesson = self.lesson(lesson_id)
        if lesson is None:
            raise NotFound("lesson.not_found", id=repr(str(lesson_id)[:40]))
        if not lesson.question:
            raise JobError("vote.no_question")
        with Transaction(self.conn) as c:
            if opened:
                c.execute("INSERT OR REPLACE INTO rounds VALUES (?, ?, ?)", (lesson_id, SECOND, now()))
            else:
                c.execute("DELETE FROM rounds WHERE lesson = ?", (lesson_id,))

    def second_vote_open(self, lesson_id: str) -> bool:
        row = self.conn.execute("SELECT round FROM rounds WHERE lesson = ?", (lesson_id,)).fetchone()
        return row is not None and row[0] == SECOND

    def revote(self, lesson: Lesson, owner: str, choice: Optional[int], confidence: Optional[int] = None) -> None:
        """A student's second vote: only while it is open, only after their first (which already
        passed the one-vote-per-device rule), once; bad input changes nothing."""
        check_vote(lesson, choice, confidence)
        with Transaction(self.conn) as c:
            opened = c.execute("SELECT round FROM rounds WHERE lesson = ?", (lesson.id,)).fetchone()
            if opened is None or opened[0] != SECOND:
                raise JobError("vote.closed")
            if c.execute("SELECT 1 FROM answers WHERE lesson = ? AND owner = ?", (lesson.id, owner)).fetchone() is None:
                raise JobError("vote.first_first")
            if c.execute("SELECT 1 FROM revotes WHERE lesson = ? AND owner = ?", (lesson.id, owner)).fetchone():
                raise JobError("vote.counted")
            c.execute("INSERT OR IGNORE INTO revotes (lesson, owner, choice, confidence, time) VALUES (?, ?, ?, ?, ?)",
                      (lesson.id, owner, choice, confidence, now()))

    def first_vote_share(self, lesson: Lesson) -> tuple[Optional[int], int]:
        """(first votes right, first votes): right is None when the lesson marks no right answer."""
        (total,) = self.conn.execute("SELECT COUNT(*) FROM answers WHERE lesson = ?", (lesson.id,)).fetchone()
        if lesson.answer is None:
            return None, total
        (right,) = self.conn.execute("SELECT COUNT(*) FROM answers WHERE lesson = ? AND choice = ?",
                                     (lesson.id, lesson.answer)).fetchone()
        return right, total

    def revote_count(self, lesson: Lesson) -> int:
        (n,) = self.conn.execute("SELECT COUNT(*) FROM revotes WHERE lesson = ?", (lesson.id,)).fetchone()
        return n

    def switch_matrix(self, lesson: Lesson) -> dict[str, dict[str, int]]:
        """votes.matrix over every student who voted twice (one join; counts only, no token)."""
        pairs = self.conn.execute("SELECT a.choice, a.confidence, r.choice FROM answers a JOIN revotes r"
                                  " ON r.lesson = a.lesson AND r.owner = a.owner WHERE a.lesson = ?",
                                  (lesson.id,)).fetchall()
        return votes.matrix([tuple(p) for p in pairs], lesson.answer)
