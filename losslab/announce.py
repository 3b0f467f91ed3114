"""What a live view says to a screen reader, and when a live picture may change: pure decisions
from timestamps the caller passes (WCAG 2.2: 4.1.3 status messages, 2.3.1 three flashes)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from .i18n import number, t

# A polite live region read out every poll (1 s) would drown whatever else the reader is saying:
# at most one progress sentence every 5 s while a run trains, and the result once when it ends.
MIN_GAP_S = 5.0
# A redraw of the binary lab's heatmap can swap large areas of colour at once (a fast run's
# boundary sweeps across the plane): at most one redraw a second, well under three flashes a second.
MIN_REDRAW_S = 1.0


@dataclass(frozen=True)
class Spoken:
    """The live region of one run view: its text, how many announcements it has made (the page
    speaks when `n` grows), when the last one was made (seconds, any monotonic clock) and whether
    the final result has been said."""
    text: str = ""
    n: int = 0
    at: float | None = None
    final: bool = False


def next_spoken(prev: Spoken | None, now: float, text: str, ended: bool, min_gap: float = MIN_GAP_S) -> Spoken:
    """The live region after one poll at time `now` that would say `text` (`ended`: the run is over
    and `text` is its result). A view opened on a run already over says nothing (the result is on
    the page); a view that watched it end says the result once, at once."""
    if prev is None:
        return Spoken(text, 0, None, True) if ended else Spoken(text, 1, now, False)
    if prev.final:
        return prev
    if ended:
        return Spoken(text, prev.n + 1, now, True)
    if text == prev.text or (prev.at is not None and now - prev.at < min_gap):
        return prev
    return Spoken(text, prev.n + 1, now, False)


def redraw_due(last_at: float | None, now: float, min_gap: float = MIN_REDRAW_S) -> bool:
    """Whether a flashing-prone picture may be redrawn at `now` (seconds), given its last redraw."""
    return last_at is None or now - last_at >= min_gap


def _value(v) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "NaN" if isinstance(v, float) and math.isnan(v) else "∞"
    return f"{v:.3g}"


def progress(step: int, total: int | None, name: str, value, unit: str = "") -> str:
    """'step 4,000 of 10,000, MSE 2.31 kg²' in the visitor's language."""
    where = t("keys.step_of", step=number(step), total=number(total)) if total else t("keys.step", step=number(step))
    return t("keys.progress", where=where, name=name, value=_value(value), unit=f" {unit}" if unit else "")


def result(status: str, step: int, name: str, value, unit: str = "") -> str:
    """'Run completed at step 10,000: MSE 1.86 kg²'."""
    return t("keys.result", status=t("status." + status), step=number(step), name=name, value=_value(value),
             unit=f" {unit}" if unit else "")
