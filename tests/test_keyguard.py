"""The lecturer's key: wrong tokens are limited per session and per address; the limit holds
without comparing, and lifts after the window."""

from losslab.jobs.keyguard import KeyGuard


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_the_sixth_wrong_token_within_a_minute_is_refused_unchecked_and_the_right_one_works_after(monkeypatch):
    monkeypatch.setenv("LOSSLAB_ADMIN_TOKEN", "the-right-token")
    clock, compared = Clock(), []
    from losslab.jobs.housekeeping import Housekeeping

    def check(token):
        compared.append(token)
        return Housekeeping.is_admin(token)

    guard = KeyGuard(limit=5, window=60, clock=clock, check=check)
    keys = ["session:a", "addr:10.0.0.7"]
    for i in range(5):
        clock.now += 5
        assert guard.attempt(f"guess-{i}", keys) == (False, 0.0)
    assert len(compared) == 5
    clock.now += 5
    ok, wait = guard.attempt("guess-5", keys)
    assert not ok and wait == 35.0 and len(compared) == 5  # refused without being compared
    ok, wait = guard.attempt("the-right-token", keys)
    assert not ok and wait > 0 and len(compared) == 5  # even the right token waits
    # the same address from another session is held too; another address in another session is not
    assert guard.attempt("guess", ["session:b", "addr:10.0.0.7"])[1] > 0
    assert guard.attempt("the-right-token", ["session:c", "addr:10.0.0.8"]) == (True, 0.0)
    clock.now += 35
    assert guard.attempt("the-right-token", keys) == (True, 0.0)


def test_a_non_ascii_guess_is_just_wrong(monkeypatch):
    """hmac.compare_digest raises on non-ASCII str: a typed '관리자' made a traceback per try."""
    from losslab.jobs.housekeeping import Housekeeping

    monkeypatch.setenv("LOSSLAB_ADMIN_TOKEN", "teacher-secret")
    assert Housekeeping.is_admin("관리자-토큰") is False and Housekeeping.is_admin("\udcff") is False
    monkeypatch.setenv("LOSSLAB_ADMIN_TOKEN", "선생님-비밀")
    assert Housekeeping.is_admin("선생님-비밀") is True


def test_the_address_is_the_peer_unless_a_trusted_proxy_forwarded_it():
    from losslab.jobs.keyguard import _trusted, client_address

    none, ours = _trusted(""), _trusted("127.0.0.1")
    # no proxy trusted: a forged header changes nothing; Streamlit's None (loopback) is one shared key
    assert client_address("203.0.113.9", "1.2.3.4", none) == "203.0.113.9"
    assert client_address(None, "1.2.3.4", none) == client_address(None, "", none) == "127.0.0.1"
    # our HAProxy on loopback: the entry it appended, not what the client wrote to its left
    assert client_address(None, "1.2.3.4, 198.51.100.7", ours) == "198.51.100.7"
    assert client_address(None, "garbage", ours) == "127.0.0.1"
    # an untrusted peer's header is ignored even when it names a trusted proxy
    assert client_address("203.0.113.9", "127.0.0.1", ours) == "203.0.113.9"


def test_a_bad_trusted_proxies_setting_is_one_sentence():
    import pytest

    from losslab.i18n import Problem
    from losslab.jobs.keyguard import _trusted

    with pytest.raises(Problem, match="not an IP address or network"):
        _trusted("127.0.0.1, proxy.local")


def test_two_replicas_share_one_count(tmp_path, monkeypatch):
    """Failures live in the store: five wrong tokens through one server process hold the sixth
    through another (two JobServices on one store stand for two replicas)."""
    from losslab.jobs.keyguard import guard_for
    from losslab.jobs.service import JobService

    monkeypatch.setenv("LOSSLAB_ADMIN_TOKEN", "the-right-token")
    a, b = JobService(tmp_path / "runs.sqlite3"), JobService(tmp_path / "runs.sqlite3")
    keys = ["session:x", "address:198.51.100.7"]
    for i in range(5):
        assert guard_for(a).attempt(f"guess-{i}", keys) == (False, 0.0)
    ok, wait = guard_for(b).attempt("the-right-token", ["session:y", "address:198.51.100.7"])
    assert not ok and wait > 50
    assert guard_for(b).attempt("the-right-token", ["session:z", "address:198.51.100.8"]) == (True, 0.0)
