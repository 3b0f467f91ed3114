"""The cache every session of a server shares (losslab/ui/cache.py): a hall opening one link at
once makes one figure, not one per session; a failed or stuck build does not hang the others."""

import threading
import time

import pytest

from losslab.ui.cache import SharedCache
from tests.conftest import wait_for


def _together(n, fn):
    results, errors, start = [None] * n, [], threading.Barrier(n)

    def one(i):
        start.wait()
        try:
            results[i] = fn()
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(30)
    return results, errors


def test_sessions_missing_at_once_share_one_build():
    cache, builds = SharedCache(8), []

    def build(old):
        builds.append(old)
        time.sleep(0.2)  # a figure being made while the others arrive
        return "figure v1"

    results, errors = _together(12, lambda: cache.get("run-1", 1, build))
    assert not errors and results == ["figure v1"] * 12
    assert len(builds) == 1
    # a new commit: one rebuild, from the old value
    assert cache.get("run-1", 2, lambda old: old.replace("v1", "v2")) == "figure v2"
    assert cache.get("run-1", 2, lambda old: pytest.fail("rebuilt an up-to-date value")) == "figure v2"


def test_a_failed_build_lets_the_next_session_build():
    cache, calls = SharedCache(8), []

    def build(old):
        calls.append(1)
        time.sleep(0.1)
        if len(calls) == 1:
            raise OSError("the store is restarting")
        return "figure"

    results, errors = _together(4, lambda: cache.get("k", 1, build))
    assert len(errors) == 1 and isinstance(errors[0], OSError)  # the session whose build failed sees why
    assert sorted(r for r in results if r) == ["figure"] * 3
    assert len(calls) == 2


def test_a_stuck_build_does_not_hold_the_others_forever(monkeypatch):
    cache, building, release = SharedCache(8), threading.Event(), threading.Event()
    monkeypatch.setattr(SharedCache, "WAIT", 0.2)

    def stuck_build(old):
        building.set()
        return release.wait(10) and "late"

    stuck = threading.Thread(target=lambda: cache.get("k", 1, stuck_build))
    stuck.start()
    wait_for(building.is_set, 10, what="the stuck build to have begun (so the next session finds it building)")
    assert cache.get("k", 1, lambda old: "own") == "own"
    release.set()
    stuck.join(10)


def test_live_values_may_be_half_a_second_old_and_no_older():
    cache = SharedCache(8)
    cache.get("k", 1, lambda old: "v1")
    assert cache.get("k", 2, lambda old: "v2", max_stale=30) == "v1"
    assert cache.get("k", 2, lambda old: "v2", max_stale=0.0) == "v2"


def test_bounded():
    cache = SharedCache(3)
    for i in range(5):
        cache.get(i, 1, lambda old, i=i: i)
    assert list(cache.entries) == [2, 3, 4]
