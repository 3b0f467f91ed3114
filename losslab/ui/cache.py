"""What every session of this server process shares: a run's series and the figures built from
them, keyed by the run's version (bumped by each commit of its rows). A hundred students watching
the lecturer's run cost one figure build per new commit, not a hundred per second."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Callable

from ..figures import presenting
from ..i18n import current


class SharedCache:
    """Per server process, shared by every session watching: values keyed by a run (or figure)
    and the run's version, bounded in size. A hundred viewers of one run cost one update per
    new commit of that run, not one each per poll."""

    def __init__(self, size: int):
        self.size, self.entries, self.lock = size, OrderedDict(), threading.Lock()

    def get(self, key, version, update: Callable):
        with self.lock:
            entry = self.entries.get(key)
            if entry is not None and entry[0] == version:
                self.entries.move_to_end(key)
                return entry[1]
        value = update(entry[1] if entry is not None else None)  # outside the lock: a store read
        with self.lock:
            self.entries[key] = (version, value)
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)
        return value



FIGURES = SharedCache(256)


def shared_figure(key: tuple, version, build: Callable):
    """The figure `build()` makes, built once per (key, version, language, projector mode) in
    this process. Figures are never changed after they are built, so sessions can share them."""
    return FIGURES.get((key, current(), presenting()), version, lambda old: build())
