"""What every session of this server process shares: a run's series and the figures built from
them, keyed by the run's version (bumped by each commit of its rows). A hundred students watching
the lecturer's run cost one figure build per new commit, not a hundred per second."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Callable

from ..figures import presenting
from ..i18n import current
from ..jobs.store import ACTIVE_STATUSES


class SharedCache:
    """Per server process, shared by every session watching: values keyed by a run (or figure)
    and the run's version, bounded in size. A hundred viewers of one run cost one update per
    new commit of that run, not one each per poll."""

    def __init__(self, size: int):
        self.size, self.entries, self.lock = size, OrderedDict(), threading.Lock()

    def get(self, key, version, update: Callable, max_stale: float = 0.0):
        """The value for `version`; with max_stale > 0, one built for an older version less than
        that many seconds ago is good enough (a live run commits ~4 times a second)."""
        with self.lock:
            entry = self.entries.get(key)
            if entry is not None and (entry[0] == version or time.monotonic() - entry[2] < max_stale):
                self.entries.move_to_end(key)
                return entry[1]
        value = update(entry[1] if entry is not None else None)  # outside the lock: a store read
        with self.lock:
            self.entries[key] = (version, value, time.monotonic())
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)
        return value


FIGURES = SharedCache(256)


LIVE_STALE = 0.5  # seconds: a figure of a running run is rebuilt at most twice a second


def shared_figure(key: tuple, version, build: Callable, live: bool = False):
    """The figure `build()` makes, built once per (key, version, language, projector mode) in
    this process, and while its run is `live` at most every LIVE_STALE seconds however often the
    run commits. Figures are never changed after they are built, so sessions can share them."""
    return FIGURES.get((key, current(), presenting()), version, lambda old: build(),
                       max_stale=LIVE_STALE if live else 0.0)


def is_live(runs: list[dict]) -> bool:
    """Any of these runs still queued or running (its figures may be half a second stale)."""
    return any(r["status"] in ACTIVE_STATUSES for r in runs)
