"""A limit on wrong admin tokens: lessons widen what the token unlocks, so guessing must be slow.

After `limit` wrong tokens within `window` seconds from one browser session or one client
address, further attempts from either are refused *without being compared* until the oldest
failure leaves the window. Failures are kept in the run store (table guard_failures), so every
server process and every replica shares one count; tokens are compared in constant time
(Housekeeping.is_admin) and never stored or logged here: only the keys (a session id, an
address) and failure times are.

The client's address is the socket's peer. A proxy's X-Forwarded-For is believed only when the
peer is a proxy the operator trusts (LOSSLAB_TRUSTED_PROXIES; the replicated service sets it for
its own HAProxy), and then only the entry that proxy appended: anything to its left was written
by the client."""

from __future__ import annotations

import functools
import ipaddress
import time
from typing import Callable, Iterable, Optional

from .. import settings
from ..i18n import Problem
from .housekeeping import Housekeeping

LOOPBACK = "127.0.0.1"  # Streamlit reports no address for a loopback peer


@functools.lru_cache(maxsize=8)
def _trusted(spec) -> tuple:
    """The networks of LOSSLAB_TRUSTED_PROXIES' entries (a tuple, as the settings give it) or its text."""
    nets = []
    for part in settings.parse("LOSSLAB_TRUSTED_PROXIES", spec) if isinstance(spec, str) else spec:
        try:
            nets.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise Problem("error.trusted_proxies", value=part[:60]) from None
    return tuple(nets)


def trusted_proxies() -> tuple:
    """The networks of LOSSLAB_TRUSTED_PROXIES ("127.0.0.1", "10.0.0.0/8, 192.168.1.5")."""
    return _trusted(settings.get("LOSSLAB_TRUSTED_PROXIES"))


def _ip(text: str):
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def client_address(peer: Optional[str], forwarded: str = "", trusted: Optional[tuple] = None) -> str:
    """Who is asking: the peer; behind a trusted proxy, the last X-Forwarded-For entry (the one the
    proxy appended). A missing or unreadable address is the loopback's: one shared key."""
    trusted = trusted_proxies() if trusted is None else trusted
    peer_ip = _ip(peer or LOOPBACK) or _ip(LOOPBACK)
    if forwarded and any(peer_ip in net for net in trusted):
        last = _ip(forwarded.split(",")[-1])
        if last is not None:
            return str(last)
    return str(peer_ip)


class KeyGuard:
    """`store`: a JobService (failures shared through its tables); without one, this process's memory."""

    def __init__(self, store=None, limit: Optional[int] = None, window: Optional[float] = None,
                 clock: Callable[[], float] = time.time, check: Callable[[str], bool] = Housekeeping.is_admin):
        self.store = store
        self.limit = int(limit or settings.get("LOSSLAB_GUARD_LIMIT"))
        self.window = float(window or settings.get("LOSSLAB_GUARD_WINDOW"))
        self.clock, self.check = clock, check
        self._memory: dict[str, list] = {}

    def _failures(self, keys: list[str], since: float) -> dict[str, list[float]]:
        if self.store is not None:
            return self.store.guard_failures(keys, since)
        return {k: [t for t in self._memory.get(k, []) if t > since] for k in keys}

    def _record(self, keys: list[str], now: float) -> None:
        if self.store is not None:
            self.store.guard_record(keys, now, now - self.window)
        else:
            for k in keys:
                self._memory.setdefault(k, []).append(now)

    def wait(self, keys: Iterable[str]) -> float:
        """Seconds until these keys may try again (0: now)."""
        now = self.clock()
        longest = 0.0
        for times in self._failures([k for k in keys if k], now - self.window).values():
            if len(times) >= self.limit:
                oldest = sorted(times)[-self.limit]
                longest = max(longest, self.window - (now - oldest))
        return longest

    def attempt(self, token: str, keys: Iterable[str]) -> tuple[bool, float]:
        """(accepted, seconds to wait). While any key is over the limit the token is not compared."""
        keys = [k for k in keys if k]
        wait = self.wait(keys)
        if wait > 0:
            return False, wait
        if self.check(token):
            return True, 0.0
        self._record(keys, self.clock())
        return False, 0.0


def guard_for(service) -> KeyGuard:
    """The limit on wrong admin tokens counted in this service's store (one per service)."""
    guard = getattr(service, "_guard", None)
    if guard is None:
        guard = service._guard = KeyGuard(store=service)
    return guard
