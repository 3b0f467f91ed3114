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
from .charts import prepare


class SharedCache:
    """Per server process, shared by every session watching: values keyed by a run (or figure)
    and the run's version, bounded in size. A hundred viewers of one run cost one update per
    new commit of that run, not one each per poll."""

    WAIT = 10.0  # seconds a session waits for another's build of the same key before building itself

    def __init__(self, size: int):
        self.size, self.entries, self.lock = size, OrderedDict(), threading.Lock()
        self.building: dict = {}  # key -> Event set when the session building it is done

    def _fresh(self, key, version, max_stale: float):
        entry = self.entries.get(key)
        if entry is not None and (entry[0] == version or time.monotonic() - entry[2] < max_stale):
            self.entries.move_to_end(key)
            return True, entry
        return False, entry

    def get(self, key, version, update: Callable, max_stale: float = 0.0):
        """The value for `version`; with max_stale > 0, one built for an older version less than
        that many seconds ago is good enough (a live run commits ~4 times a second).

        One build per key at a time: when a hall opens a shared link together, the sessions
        that miss at once wait for the first one's build instead of each making the same
        figure (under one GIL, thirty copies of the same work make everyone thirty times later)."""
        while True:
            with self.lock:
                fresh, entry = self._fresh(key, version, max_stale)
                if fresh:
                    return entry[1]
                other = self.building.get(key)
                if other is None:
                    mine = self.building[key] = threading.Event()
                    break
            if not other.wait(self.WAIT):
                mine = None  # the other build is stuck (a slow store): build without waiting on it
                break
        try:
            value = update(entry[1] if entry is not None else None)  # outside the lock: a store read
            with self.lock:
                self.entries[key] = (version, value, time.monotonic())
                self.entries.move_to_end(key)
                while len(self.entries) > self.size:
                    self.entries.popitem(last=False)
            return value
        finally:
            if mine is not None:
                with self.lock:
                    self.building.pop(key, None)
                mine.set()


FIGURES = SharedCache(256)


LIVE_STALE = 0.5  # seconds: a figure of a running run is rebuilt at most twice a second


def shared_figure(key: tuple, version, build: Callable, live: bool = False):
    """The figure `build()` makes, built once per (key, version, language, projector mode) in
    this process, and while its run is `live` at most every LIVE_STALE seconds however often the
    run commits. Kept serialised (charts.Prepared): sessions share it and none re-encodes it."""
    return FIGURES.get((key, current(), presenting()), version, lambda old: prepare(build()),
                       max_stale=LIVE_STALE if live else 0.0)


def is_live(runs: list[dict]) -> bool:
    """Any of these runs still queued or running (its figures may be half a second stale)."""
    return any(r["status"] in ACTIVE_STATUSES for r in runs)
