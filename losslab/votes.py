"""Peer instruction's two votes, as plain functions: the confidence a student gives with an answer,
the next step the first vote suggests (Vickrey et al., CBE-LSE 14, 2015), and how each student's
answer moved between the votes (the switch matrix). No store, no Streamlit, no torch."""

from __future__ import annotations

from typing import Iterable, Optional

# A confidence is stored as its index here; the codes are what the CSV says (language-free).
CONFIDENCE = ("sure", "fairly_sure", "guessing")
NOT_GIVEN = "not_given"  # a first vote from before confidences were asked, or a skipped one

# The share correct in the first vote, in whole percent: below LOW re-teach, up to HIGH discuss.
LOW, HIGH = 35, 70
RETEACH, DISCUSS, MOVE_ON = "reteach", "discuss", "move_on"

# How an answer moved when the lesson has a right answer, then when it has none.
WRONG_TO_RIGHT, RIGHT_TO_WRONG = "wrong_to_right", "right_to_wrong"
STAYED_RIGHT, STAYED_WRONG, WRONG_TO_WRONG = "stayed_right", "stayed_wrong", "wrong_to_wrong"
SWITCHES = (WRONG_TO_RIGHT, RIGHT_TO_WRONG, STAYED_RIGHT, STAYED_WRONG, WRONG_TO_WRONG)
CHANGED, STAYED = "changed", "stayed"
OPEN_SWITCHES = (CHANGED, STAYED)
ALL = "all"  # the matrix's first row: every student who voted twice


def confidence_code(index: Optional[int]) -> str:
    return CONFIDENCE[index] if index is not None and 0 <= index < len(CONFIDENCE) else NOT_GIVEN


def valid_confidence(value) -> bool:
    """None (not given) or one of CONFIDENCE's indices; a bool is not an index."""
    return value is None or (isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(CONFIDENCE))


def next_step(right: int, total: int) -> Optional[str]:
    """The suggested next step for `right` of `total` first votes right, or None without votes.
    Compared in integers so that exactly 35 % and exactly 70 % fall in the middle band."""
    if total <= 0:
        return None
    if 100 * right < LOW * total:
        return RETEACH
    if 100 * right <= HIGH * total:
        return DISCUSS
    return MOVE_ON


def switch(first: int, second: int, answer: Optional[int]) -> str:
    """How one student's answer moved from the first vote to the second."""
    if answer is None:
        return STAYED if first == second else CHANGED
    if first == answer:
        return STAYED_RIGHT if second == answer else RIGHT_TO_WRONG
    if second == answer:
        return WRONG_TO_RIGHT
    return STAYED_WRONG if first == second else WRONG_TO_WRONG


def switch_columns(answer: Optional[int]) -> tuple:
    return SWITCHES if answer is not None else OPEN_SWITCHES


def matrix(pairs: Iterable[tuple], answer: Optional[int]) -> dict[str, dict[str, int]]:
    """Counts of each switch, overall (ALL) and by first-vote confidence code, from
    (first choice, first confidence index, second choice) per student who voted twice.
    Every row has every column (zeros included); a confidence nobody gave has no row."""
    columns = switch_columns(answer)
    rows: dict[str, dict[str, int]] = {ALL: dict.fromkeys(columns, 0)}
    for first, confidence, second in pairs:
        kind = switch(first, second, answer)
        rows[ALL][kind] += 1
        rows.setdefault(confidence_code(confidence), dict.fromkeys(columns, 0))[kind] += 1
    order = (ALL, *CONFIDENCE, NOT_GIVEN)
    return {code: rows[code] for code in order if code in rows}
