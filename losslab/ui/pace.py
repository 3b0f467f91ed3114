"""How often live views poll when a server process is crowded.

One Streamlit process serves every poll on one core (the GIL): a poll of a live chart costs it
~13 ms, so a lecture hall (100 viewers of the shared run every 2 s, 30 students on their own runs
every second) asks for ~80 polls a second, more than the core has, and page loads then queue
behind polls for seconds. Instead, past BUDGET polls a second the intervals stretch in
proportion (at most MAX_STRETCH times): the charts move a little less often and every page still
loads at once. With a handful of visitors nothing changes."""

from __future__ import annotations

import os
import threading
import time

# Polls per second one process serves while keeping about half a core for page loads.
BUDGET = float(os.environ.get("LOSSLAB_POLL_BUDGET", "40") or 40)
MAX_STRETCH = 4.0  # your own run's chart moves at least every 4 s
WINDOW = 12.0  # a session not seen polling for this long has left (> MAX_STRETCH × the slowest base interval)


class Pace:
    def __init__(self, budget: float = BUDGET, clock=time.monotonic):
        self.budget, self.clock = budget, clock
        self.seen: dict[str, tuple[float, float]] = {}  # session → (its base interval, last poll)
        self.lock = threading.Lock()

    def note(self, session: str, base: float) -> None:
        with self.lock:
            self.seen[session] = (base, self.clock())

    def forget(self, session: str) -> None:
        with self.lock:
            self.seen.pop(session, None)

    def stretch(self) -> float:
        """How many times longer than their base every live view's interval should be now."""
        now = self.clock()
        with self.lock:
            for session in [s for s, (_, t) in self.seen.items() if now - t > WINDOW]:
                del self.seen[session]
            demand = sum(1.0 / base for base, _ in self.seen.values())
        return min(MAX_STRETCH, max(1.0, demand / self.budget))

    def interval(self, session: str, base: float) -> float:
        """This session's interval for a view polling every `base` seconds when alone."""
        self.note(session, base)
        return base * self.stretch()

    def drifted(self, every: float, base: float) -> bool:
        """Whether a view registered at `every` is now more than half off the pace (it reruns
        in full to take the new interval; the half keeps sessions from flapping)."""
        wanted = base * self.stretch()
        return wanted > every * 1.5 or wanted < every / 1.5


PACE = Pace()
