"""A limit on wrong admin tokens: lessons widen what the token unlocks, so guessing must be slow.

After `limit` wrong tokens within `window` seconds from one browser session or one client
address, further attempts from either are refused *without being compared* until the oldest
failure leaves the window. Tokens are compared in constant time (Housekeeping.is_admin) and
never stored or logged here: only the keys (a session id, an address) and failure times are."""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Callable, Iterable

from .housekeeping import Housekeeping

MAX_KEYS = 10_000  # bounded memory under a flood of fresh sessions


class KeyGuard:
    def __init__(self, limit: int = 5, window: float = 60.0, clock: Callable[[], float] = time.monotonic,
                 check: Callable[[str], bool] = Housekeeping.is_admin):
        self.limit, self.window, self.clock, self.check = limit, window, clock, check
        self._failures: dict[str, deque] = {}
        self._lock = threading.Lock()

    def wait(self, keys: Iterable[str]) -> float:
        """Seconds until these keys may try again (0: now)."""
        now = self.clock()
        longest = 0.0
        with self._lock:
            for key in keys:
                times = self._failures.get(key)
                if not times:
                    continue
                while times and now - times[0] >= self.window:
                    times.popleft()
                if len(times) >= self.limit:
                    longest = max(longest, self.window - (now - times[0]))
        return longest

    def attempt(self, token: str, keys: Iterable[str]) -> tuple[bool, float]:
        """(accepted, seconds to wait). While any key is over the limit the token is not compared."""
        keys = [k for k in keys if k]
        wait = self.wait(keys)
        if wait > 0:
            return False, wait
        if self.check(token):
            return True, 0.0
        now = self.clock()
        with self._lock:
            if len(self._failures) > MAX_KEYS:
                self._failures = {k: v for k, v in self._failures.items() if v and now - v[-1] < self.window}
            for key in keys:
                self._failures.setdefault(key, deque()).append(now)
        return False, 0.0


GUARD = KeyGuard()  # one per server process: every session's attempts count together
