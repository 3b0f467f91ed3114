"""A lecture in a real browser: the lecturer (a phone-sized window) makes a three-lesson lecture and
opens its remote; the projector shows the class view; three students (their own browser contexts)
follow the one link, vote with a confidence, vote again once the second vote opens and see the
Reveal with each wrong answer's counterfactual; Next moves every page; a late joiner lands on the current step; the lecture's CSV holds
the switch matrix and no owner token."""

from __future__ import annotations

import csv
import io
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Server, click_when_ready, pick_option, shot, wait_idle

pytestmark = pytest.mark.e2e
TOKEN = "lecture-test-admin-token-0123456789"
PHONE = {"width": 400, "height": 860}
STEP1, STEP2 = "The learning rate that diverges", "Naive BCE hits log 0"
RIGHT, WRONG, SLOW = "No: the loss blows up", "Yes, quickly", "Yes, but slowly"


@pytest.fixture(scope="module")
def hall(tmp_path_factory):
    srv = Server(tmp_path_factory.mktemp("lecture-home"), None, {"LOSSLAB_ADMIN_TOKEN": TOKEN}).start()
    yield srv
    srv.stop()


def _page(browser, viewport=None):
    ctx = browser.new_context(viewport=viewport or {"width": 1400, "height": 1000})
    page = ctx.new_page()
    page.set_default_timeout(30_000)
    return ctx, page


def _wait_text(page, needle, timeout=60.0, where="[data-testid='stMain']") -> str:
    pattern = needle if isinstance(needle, re.Pattern) else re.compile(re.escape(needle))
    expect(page.locator(where), f"{needle!r} never appeared").to_contain_text(pattern, use_inner_text=True,
                                                                              timeout=timeout * 1000)
    return page.inner_text(where)


def _choose(page, text: str) -> None:
    """Click a radio option by its text once the rerun the last click started has drawn it."""
    option = page.locator("[data-testid='stRadio'] label").filter(has_text=re.compile(f"^{re.escape(text)}$"))
    expect(option).to_have_count(1, timeout=30_000)
    wait_idle(page)
    option.click()
    wait_idle(page)


def test_a_class_follows_a_three_lesson_lecture(hall, browser):
    lec_ctx, lec = _page(browser, PHONE)
    lec.goto(f"{hall.url}/admin")
    lec.get_by_label("Admin token").fill(TOKEN)
    lec.keyboard.press("Enter")
    _wait_text(lec, "New lecture")
    for name in (STEP1, STEP2, "Three outliers"):  # in this order: the lecture's order
        pick_option(lec, "Lessons, in order (up to 20)", re.compile(re.escape(name)))
    lec.keyboard.press("Escape")
    lec.get_by_text("Concept questions before and after (optional)").click()  # the list closes; the click is Save's
    wait_idle(lec)
    click_when_ready(lec, lec.get_by_role("button", name="Save lecture"))
    text = _wait_text(lec, re.compile(r"Students open: \S+/lecture\?l=\S+"))
    link = re.search(r"Students open: (\S+/lecture\?l=[A-Za-z0-9_-]+)", text).group(1)
    assert link.startswith(hall.url)

    projector_ctx, projector = _page(browser, {"width": 1600, "height": 1000})
    projector.goto(f"{link}&present=true")
    _wait_text(projector, "Step 1 of 3")
    _wait_text(projector, "answered so far")

    lec.get_by_role("link", name=re.compile("Open the remote")).click()
    _wait_text(lec, "Next ▶")

    students = []
    for n, (first, second) in enumerate([(RIGHT, RIGHT), (WRONG, RIGHT), (SLOW, SLOW)]):
        ctx, page = _page(browser)
        page.goto(link)
        _wait_text(page, STEP1)
        _choose(page, first)
        _choose(page, ("sure", "fairly sure", "guessing")[n])
        click_when_ready(page, page.get_by_role("button", name=re.compile("Submit my prediction and start")))
        _wait_text(page, f"Your prediction: {first}")
        students.append((ctx, page, first, second))
    _wait_text(lec, "First vote: 1 of 3 right")
    _wait_text(projector, re.compile(r"answered so far\s*3"))

    click_when_ready(lec, lec.get_by_role("button", name="🗳 Open the second vote"))
    for _, page, first, second in students:
        _wait_text(page, f"You first said: {first}", timeout=30)
        _choose(page, second)
        _choose(page, "sure")
        click_when_ready(page, page.get_by_role("button", name="🗳 Vote again"))
        _wait_text(page, f"Your second answer: {second}, sure")
    _wait_text(lec, "3 of 3 students have voted again")
    _wait_text(lec, "wrong → right")
    shot(lec, "lecture-phone")

    click_when_ready(lec, lec.get_by_role("button", name="📣 Reveal to the class"))
    for _, page, first, _ in students:
        _wait_text(page, "✓ You predicted" if first == RIGHT else "✗ You predicted", timeout=30)
    _wait_text(projector, f"The answer: {RIGHT}.", timeout=30)
    # each wrong answer's counterfactual under the verdict; one click starts that run and shows it
    _, first_page, _, _ = students[0]
    _wait_text(first_page, "Standardise the heights and take η = 0.5")
    _wait_text(first_page, "Take η = 0.00003, just below 2/λmax")
    click_when_ready(first_page, first_page.get_by_role("button", name="▶ Run it").first)
    _wait_text(first_page, "← Back to my run", timeout=30)
    shot(projector, "lecture-projector")

    click_when_ready(lec, lec.get_by_role("button", name="Next ▶"))
    _wait_text(lec, "Step 2 of 3")
    for _, page, _, _ in students:  # each page moves by itself
        _wait_text(page, STEP2, timeout=30)
    _wait_text(projector, STEP2, timeout=30)
    late_ctx, late = _page(browser)
    late.goto(link)
    assert STEP2 in _wait_text(late, "Step 2 of 3")
    assert STEP1 not in late.inner_text("[data-testid='stMain']")

    lec.goto(f"{hall.url}/admin")  # a new session: the dashboard needs the token again
    lec.get_by_label("Admin token").fill(TOKEN)
    lec.keyboard.press("Enter")
    _wait_text(lec, "Lecture (CSV, anonymous)")
    with lec.expect_download() as download:
        lec.get_by_role("button", name=re.compile("Lecture \\(CSV, anonymous\\)")).click()
    data = open(download.value.path(), encoding="utf-8-sig").read()
    rows = list(csv.DictReader(io.StringIO(data)))
    switch = {(r["group"], r["measure"]): int(r["value"]) for r in rows if r["section"] == "switch"}
    assert switch[("all", "wrong_to_right")] == 1 and switch[("all", "stayed_right")] == 1
    assert switch[("all", "stayed_wrong")] == 1 and switch[("fairly_sure", "wrong_to_right")] == 1
    tokens = [c["value"] for ctx, *_ in students for c in ctx.cookies() if c["name"] == "losslab_owner"]
    assert len(tokens) == 3 and not any(token in data for token in tokens + [TOKEN])
    assert set(rows[0]) == {"section", "step", "lesson", "measure", "group", "value"}  # no name column
    for ctx in [lec_ctx, projector_ctx, late_ctx] + [s[0] for s in students]:
        ctx.close()
