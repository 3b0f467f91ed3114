"""The job service's lessons: saved lessons, the students' answers (one per student per lesson,
given before their run starts), the lecturer's Reveal, and the class's runs of a lesson.

Owner tokens stay here: the histogram is counts, the export numbers students 1, 2, 3 in the
order they answered, and a gallery run says only whether it is the viewer's or the lecturer's."""

from __future__ import annotations

import json
import secrets
from datetime import datetime, timezone
from typing import Optional

from .. import settings
from ..lessons import BUILTIN, Lesson, check_id, make
from ..votes import confidence_code, switch, valid_confidence
from .errors import JobError, LimitError, NotAllowed, NotFound
from .store import Transaction, now, run_row

LECTURER = "/lecturer"  # suffix of the label of the lecturer's own runs of a lesson
IF = "/if"  # then the wrong choice: a counterfactual's runs (not the class's: the gallery leaves them out)


def label(lesson_id: str, lecturer: bool = False) -> str:
    return f"lesson:{lesson_id}" + (LECTURER if lecturer else "")


def if_label(lesson_id: str, choice: int) -> str:
    return f"lesson:{lesson_id}{IF}{choice}"


class Lessons:
    """Mixed into JobService (which provides `conn`, `submit`, `is_admin`)."""

    def save_lesson(self, record: dict, token: str, owner: str, lesson_id: Optional[str] = None) -> str:
        """Store a lesson the lecturer made from a lab; returns its id (for `/lesson?l=ID`). With the
        id of a saved lesson it is edited in place (same link; the answers given so far stay). The
        same lesson saved twice is one lesson: Save pressed again makes no duplicate."""
        if not self.is_admin(token):
            raise NotAllowed("lesson.not_allowed")
        lesson = make({**record, "id": None}, owner)
        body = json.loads(json.dumps({**lesson.to_record(), "id": None}))  # as the store gives it back (lists)
        with Transaction(self.conn) as c:
            if lesson_id and lesson_id not in BUILTIN and \
                    c.execute("SELECT 1 FROM lessons WHERE id = ?", (lesson_id,)).fetchone():
                c.execute("UPDATE lessons SET record = ?, updated = ? WHERE id = ?",
                          (json.dumps({**body, "id": lesson_id}), now(), lesson_id))
                return lesson_id
            for row in c.execute("SELECT id, record FROM lessons WHERE owner = ?", (owner,)).fetchall():
                if {**json.loads(row["record"]), "id": None} == body:
                    return row["id"]
            lesson_id = secrets.token_urlsafe(6).replace("-", "x")  # 8 characters: short enough to read out
            c.execute("INSERT INTO lessons (id, owner, record, created) VALUES (?, ?, ?, ?)",
                      (lesson_id, owner, json.dumps({**body, "id": lesson_id}), now()))
        return lesson_id

    def lesson(self, lesson_id) -> Optional[Lesson]:
        lesson_id = check_id(lesson_id)
        if lesson_id is None:
            return None
        if lesson_id in BUILTIN:
            return BUILTIN[lesson_id]
        row = self.conn.execute("SELECT owner, record FROM lessons WHERE id = ?", (lesson_id,)).fetchone()
        return make(json.loads(row["record"]), row["owner"]) if row else None

    def all_lessons(self) -> list[Lesson]:
        """The built-in lessons, then the saved ones, newest first."""
        return list(BUILTIN.values()) + self.saved_lessons()

    def saved_lessons(self) -> list[Lesson]:
        rows = self.conn.execute("SELECT owner, record FROM lessons ORDER BY created DESC").fetchall()
        return [make(json.loads(r["record"]), r["owner"]) for r in rows]

    def delete_lesson(self, lesson_id: str, token: str) -> None:
        self.clear_answers(lesson_id, token)
        with Transaction(self.conn) as c:
            c.execute("DELETE FROM lessons WHERE id = ?", (lesson_id,))

    def clear_answers(self, lesson_id: str, token: str) -> None:
        """A new class, the same lesson: its answers and its Reveal go (the runs stay theirs)."""
        if not self.is_admin(token):
            raise NotAllowed("lesson.not_allowed")
        with Transaction(self.conn) as c:
            c.execute("DELETE FROM answers WHERE lesson = ?", (lesson_id,))
            c.execute("DELETE FROM reveals WHERE lesson = ?", (lesson_id,))
            c.execute("DELETE FROM revotes WHERE lesson = ?", (lesson_id,))  # both rounds go, and the round
            c.execute("DELETE FROM rounds WHERE lesson = ?", (lesson_id,))

    # --- a student's answer and runs -----------------------------------------------------
    def my_answer(self, lesson_id: str, owner: str) -> Optional[int]:
        """The choice this student committed to, or None before they answered."""
        row = self.conn.execute("SELECT choice FROM answers WHERE lesson = ? AND owner = ?", (lesson_id, owner)).fetchone()
        return row[0] if row else None

    def start_lesson(self, lesson: Lesson, owner: str, choice: Optional[int] = None, changes: Optional[dict] = None,
                     lecturer: bool = False, client: Optional[str] = None, confidence: Optional[int] = None) -> list[str]:
        """A student's Start: their answer (and how sure they are, optional) is kept first (a
        prediction is committed before the outcome is seen; a second Start keeps the first answer),
        then the lesson's runs are queued. The lecturer needs no answer and their runs are marked as theirs."""
        configs = lesson.configs(changes)  # a change to a hidden field is refused before anything is kept
        if lesson.question and not lecturer:
            check_vote(lesson, choice, confidence)
            with Transaction(self.conn) as c:
                if c.execute("SELECT 1 FROM answers WHERE lesson = ? AND owner = ?", (lesson.id, owner)).fetchone() is None:
                    _one_vote_per_device(c, lesson.id, client)
                c.execute("INSERT OR IGNORE INTO answers (lesson, owner, choice, time, client, confidence) "
                          "VALUES (?, ?, ?, ?, ?, ?)", (lesson.id, owner, choice, now(), client, confidence))
        return [self.submit(config, owner, label=label(lesson.id, lecturer), client=client) for config in configs]

    # --- the lecturer's view -------------------------------------------------------------
    def histogram(self, lesson: Lesson) -> list[int]:
        """How many students picked each choice (one indexed scan of this lesson's answers)."""
        counts = [0] * len(lesson.choices)
        for choice, n in self.conn.execute("SELECT choice, COUNT(*) FROM answers WHERE lesson = ? GROUP BY choice",
                                           (lesson.id,)):
            if 0 <= choice < len(counts):
                counts[choice] = n
        return counts

    def reveal(self, lesson_id: str, token: str, revealed: bool = True) -> None:
        if not self.is_admin(token):
            raise NotAllowed("lesson.not_allowed")
        if self.lesson(lesson_id) is None:
            raise NotFound("lesson.not_found", id=repr(str(lesson_id)[:40]))
        with Transaction(self.conn) as c:
            if revealed:
                c.execute("INSERT OR REPLACE INTO reveals VALUES (?, ?)", (lesson_id, now()))
            else:
                c.execute("DELETE FROM reveals WHERE lesson = ?", (lesson_id,))
            # The answer is out: the second vote closes, but the votes given stay (peer instruction
            # reveals after the revote; deleting them here lost the switch matrix and the export's).
            c.execute("DELETE FROM rounds WHERE lesson = ?", (lesson_id,))

    def revealed(self, lesson_id: str) -> bool:
        return self.conn.execute("SELECT 1 FROM reveals WHERE lesson = ?", (lesson_id,)).fetchone() is not None

    def lesson_runs(self, lesson: Lesson, viewer: Optional[str] = None) -> list[dict]:
        """Every run of the lesson, oldest first, each marked `lecturer` (started by the lecturer)."""
        rows = self.conn.execute("SELECT * FROM runs WHERE label IN (?, ?) ORDER BY created, rowid",
                                 (label(lesson.id), label(lesson.id, True))).fetchall()
        runs = [run_row(r, viewer) for r in rows]
        for run in runs:
            run["lecturer"] = run["label"].endswith(LECTURER)
        return runs

    def my_lesson_runs(self, lesson: Lesson, owner: str) -> list[str]:
        """The ids of this owner's runs of the lesson, oldest first."""
        rows = self.conn.execute("SELECT id FROM runs WHERE label IN (?, ?) AND owner = ? ORDER BY created, rowid",
                                 (label(lesson.id), label(lesson.id, True), owner)).fetchall()
        return [r[0] for r in rows]

    # --- after Reveal: a wrong answer's counterfactual run -----------------------------------
    def start_counterfactual(self, lesson: Lesson, choice, owner: str, lecturer: bool = False,
                             client: Optional[str] = None) -> list[str]:
        """The runs in which wrong choice `choice` would have been right, queued like any lesson
        run (the same limits), once the answer is revealed (the lecturer may try them before)."""
        if not lecturer and not self.revealed(lesson.id):
            raise JobError("lesson.if_not_revealed")
        configs = lesson.counterfactual_configs(choice) if isinstance(choice, int) else []
        if not configs:
            raise JobError("lesson.bad_counterfactual", n=len(lesson.choices))
        return [self.submit(config, owner, label=if_label(lesson.id, choice), client=client) for config in configs]

    def my_counterfactuals(self, lesson: Lesson, owner: str) -> dict[int, list[str]]:
        """{wrong choice: the ids of this owner's latest start of its counterfactual}, oldest first."""
        prefix = f"lesson:{lesson.id}{IF}"
        rows = self.conn.execute("SELECT id, label FROM runs WHERE owner = ? AND substr(label, 1, ?) = ? "
                                 "ORDER BY created, rowid", (owner, len(prefix), prefix)).fetchall()
        out: dict[int, list[str]] = {}
        for run_id, run_label in rows:
            tail = run_label[len(prefix):]
            if tail.isdigit():
                out.setdefault(int(tail), []).append(run_id)
        return {choice: ids[-lesson.runs_per_start:] for choice, ids in out.items()}

    def answers_table(self, lesson: Lesson) -> list[dict]:
        """The answers for export: a student number (order of answering), the choice and confidence,
        the time, the runs' outcome, the second vote and how the answer moved; never the owner token."""
        runs: dict[str, list] = {}  # owner -> their runs of the lesson, in order (one query for the class)
        for owner, run_id, status in self.conn.execute(
                "SELECT owner, id, status FROM runs WHERE label = ? ORDER BY created, rowid", (label(lesson.id),)):
            runs.setdefault(owner, []).append((run_id, status))
        rows = self.conn.execute(
            "SELECT a.owner, a.choice, a.confidence, a.time, r.choice AS second_choice, r.confidence AS second_confidence"
            " FROM answers a LEFT JOIN revotes r ON r.lesson = a.lesson AND r.owner = a.owner"
            " WHERE a.lesson = ? ORDER BY a.time", (lesson.id,)).fetchall()
        out = []
        for n, row in enumerate(rows, 1):
            mine = runs.get(row["owner"], [])
            second = row["second_choice"]
            out.append({"student": n, "choice": row["choice"], "confidence": _code(row["confidence"]), "answered_utc":
                        datetime.fromtimestamp(row["time"], timezone.utc).strftime("%Y-%m-%d %H:%M:%S"),
                        "runs": " ".join(r for r, _ in mine), "statuses": " ".join(s for _, s in mine),
                        "second_choice": second,
                        "second_confidence": "" if second is None else _code(row["second_confidence"]),
                        "switch": "" if second is None else switch(row["choice"], second, lesson.answer)})
        return out


def _code(confidence: Optional[int]) -> str:
    return "" if confidence is None else confidence_code(confidence)


def check_vote(lesson: Lesson, choice, confidence) -> None:
    """One sentence for a vote that cannot count, before anything is kept: no choice, a choice
    the question does not have, or a confidence that is not one of the three."""
    if choice is None:
        raise JobError("lesson.answer_first")
    if not isinstance(choice, int) or isinstance(choice, bool) or not 0 <= choice < len(lesson.choices):
        raise JobError("vote.bad_choice", n=len(lesson.choices))
    if not valid_confidence(confidence):
        raise JobError("vote.bad_confidence")


LOOPBACK = ("address:127.0.0.1", "address:::1")


def _one_vote_per_device(c, lesson_id: str, client: Optional[str]) -> None:
    """A new answer from an address that already gave LOSSLAB_ANSWERS_PER_ADDRESS of them is refused:
    a cookie is free to make (a private window, a cleared browser), a device's address is not. The
    loopback (a lecturer trying the lesson in several windows on the server itself) and an unknown
    address are not limited; a class behind one shared address sets the limit to 0."""
    limit = settings.get("LOSSLAB_ANSWERS_PER_ADDRESS")
    if not limit or not client or client in LOOPBACK:
        return
    (n,) = c.execute("SELECT COUNT(*) FROM answers WHERE lesson = ? AND client = ?", (lesson_id, client)).fetchone()
    if n >= limit:
        raise LimitError("lesson.answer_counted")
