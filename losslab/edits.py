"""A regression run's point edits as one short text (the `edits` field: stored with the run, in its
link, on the command line): "-3" removes point 3, "180.5:95.2" adds a point at (x, y). Torch-free.

The points are numbered from 1 in the order the other fields produce them (the data's own points,
then the injected outliers): the numbers the chart's hover and the points table show."""

from __future__ import annotations

import math
from dataclasses import dataclass

from .i18n import Problem

MAX_ADDED = 50        # added points: a link of 50 "xxx.x:yy.y" stays under 1 KB
MAX_TEXT = 4000       # characters: a link much longer than this is cut by some browsers and proxies
# The seed's units are cm and kg: a person is between these (the tallest ever measured was 272 cm);
# anything else is a typo (1805 for 180.5) that would drag every line off the chart.
HEIGHT_CM = (50.0, 300.0)
WEIGHT_KG = (1.0, 650.0)
LIMIT = 1e6           # uploaded data have no unit: only finite values of a sane size


@dataclass(frozen=True)
class Edits:
    removed: tuple = ()   # 0-based indices into the generated points, ascending
    added: tuple = ()     # ((x, y), ...) in the order they were added

    @property
    def empty(self) -> bool:
        return not self.removed and not self.added


def _number(v: float) -> str:
    """Shortest exact text of a float ("180.5", not "180.50000000000003" unless it is that float)."""
    return str(int(v)) if float(v).is_integer() and abs(v) < 1e15 else repr(float(v))


def text(edits: Edits) -> str:
    """The canonical text: removals ascending, then additions in order ("" when nothing is edited)."""
    return ",".join([f"-{i + 1}" for i in edits.removed] + [f"{_number(x)}:{_number(y)}" for x, y in edits.added])


def parse(raw: str) -> Edits:
    """The text back to Edits, with one sentence for the first thing that is wrong (the ranges that
    depend on the data are checked by `check`)."""
    if len(raw) > MAX_TEXT:
        raise Problem("error.edits_long", limit=MAX_TEXT, got=len(raw))
    removed, added = [], []
    for token in (part.strip() for part in raw.split(",")):
        if not token:
            continue
        if ":" in token:
            try:
                x, y = (float(v) for v in token.split(":"))
            except ValueError:
                raise Problem("error.edits_syntax", got=repr(token[:40])) from None
            added.append((x, y))
        elif token.startswith("-") and token[1:].isdigit():
            removed.append(int(token[1:]) - 1)
        else:
            raise Problem("error.edits_syntax", got=repr(token[:40]))
    if len(set(removed)) != len(removed):
        raise Problem("error.edits_twice", got=next(i + 1 for i in removed if removed.count(i) > 1))
    return Edits(tuple(sorted(removed)), tuple(added))


def check(edits: Edits, generated: int, in_cm_kg: bool) -> None:
    """Against the data they edit: `generated` points exist (numbered 1..generated), added points in a
    person's range (cm, kg) or of a sane size (an upload), at least two points left for a line."""
    for i in edits.removed:
        if not 0 <= i < generated:
            raise Problem("error.edits_index", got=i + 1, n=generated)
    if len(edits.added) > MAX_ADDED:
        raise Problem("error.edits_many", limit=MAX_ADDED, got=len(edits.added))
    for x, y in edits.added:
        shown = f"({x:g}, {y:g})"
        if not (math.isfinite(x) and math.isfinite(y)):
            raise Problem("error.edits_finite", got=shown)
        if in_cm_kg:
            if not HEIGHT_CM[0] <= x <= HEIGHT_CM[1]:
                raise Problem("error.edits_height", low=f"{HEIGHT_CM[0]:g}", high=f"{HEIGHT_CM[1]:g}", got=shown)
            if not WEIGHT_KG[0] <= y <= WEIGHT_KG[1]:
                raise Problem("error.edits_weight", low=f"{WEIGHT_KG[0]:g}", high=f"{WEIGHT_KG[1]:g}", got=shown)
        elif abs(x) > LIMIT or abs(y) > LIMIT:
            raise Problem("error.edits_size", limit=f"{LIMIT:g}", got=shown)
    left = generated - len(edits.removed) + len(edits.added)
    if left < 2:
        raise Problem("error.edits_few", n=left)


def apply(xs: list, ys: list, edits: Edits) -> tuple[list, list, list]:
    """The edited points as lists, with each one's origin: its number among the generated points
    (0-based), or -k for the k-th added point (k from 1)."""
    gone = set(edits.removed)
    keep = [i for i in range(len(xs)) if i not in gone]
    return ([xs[i] for i in keep] + [x for x, _ in edits.added], [ys[i] for i in keep] + [y for _, y in edits.added],
            keep + [-(k + 1) for k in range(len(edits.added))])


def remove(edits: Edits, origin: int) -> Edits:
    """Edits with one more point removed: a generated point joins `removed`, an added one leaves `added`."""
    if origin < 0:
        return Edits(edits.removed, edits.added[:-origin - 1] + edits.added[-origin:])
    return Edits(tuple(sorted({*edits.removed, origin})), edits.added)


def add(edits: Edits, x: float, y: float) -> Edits:
    return Edits(edits.removed, edits.added + ((float(x), float(y)),))
