"""Guessing the lecturer's token stays slow whatever a client forges: seven fresh browser sessions
from one machine, each sending its own made-up X-Forwarded-For, are refused by the sixth wrong
token (on 04c8c41 each forged header was its own address, and a loopback client had none)."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import Server, forged_guesses

pytestmark = pytest.mark.e2e
TOKEN = "guard-test-admin-token-0123456789"


@pytest.fixture(scope="module")
def guarded(tmp_path_factory):
    srv = Server(tmp_path_factory.mktemp("guard"), None, {"LOSSLAB_ADMIN_TOKEN": TOKEN}).start()
    yield srv
    srv.stop()


def test_forged_forwarded_for_headers_share_one_limit(guarded, browser):
    said = forged_guesses(browser, guarded.url)
    assert said == [False] * 5 + [True, True]
    # the right token waits too while the address is held: the limit holds without comparing
    ctx = browser.new_context()
    page = ctx.new_page()
    page.goto(f"{guarded.url}/admin")
    page.get_by_label("Admin token").fill(TOKEN)
    page.get_by_label("Admin token").press("Enter")
    page.wait_for_function("() => /Too many wrong tokens/.test(document.body.innerText)")
    assert re.search(r"wait \d+ s", page.inner_text("[data-testid='stMain']"))
    ctx.close()
