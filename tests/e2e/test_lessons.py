"""A lesson in a real browser: the lecturer saves one from the regression lab, three students
(their own browser contexts) answer and run it, the lecturer sees 3 answers and 3 runs, reveals,
and each student sees the outcome next to their prediction. Embedded, the page has no menu."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Server, click_when_ready, pick_option, shot, wait_idle

pytestmark = pytest.mark.e2e
TOKEN = "lesson-test-admin-token-0123456789"


@pytest.fixture(scope="module")
def lecture(tmp_path_factory):
    srv = Server(tmp_path_factory.mktemp("lesson-home"), None, {"LOSSLAB_ADMIN_TOKEN": TOKEN}).start()
    yield srv
    srv.stop()


def _page(browser, width=1500, height=1100):
    ctx = browser.new_context(viewport={"width": width, "height": height})
    page = ctx.new_page()
    page.set_default_timeout(30_000)
    return ctx, page


def _main_text(page) -> str:
    return page.inner_text("[data-testid='stMain']")


def _wait_text(page, needle, timeout=60.0, where="[data-testid='stMain']") -> str:
    """The main area's (or `where`'s) text once it has `needle` (a string, matched exactly as written, or a regex)."""
    pattern = needle if isinstance(needle, re.Pattern) else re.compile(re.escape(needle))
    expect(page.locator(where), f"{needle!r} never appeared").to_contain_text(
        pattern, use_inner_text=True, timeout=timeout * 1000)
    return page.inner_text(where)


def test_lecturer_saves_three_students_answer_and_run_then_reveal(lecture, browser):
    lec_ctx, lec = _page(browser)
    lec.goto(f"{lecture.url}/admin")
    lec.get_by_label("Admin token").fill(TOKEN)
    lec.keyboard.press("Enter")
    _wait_text(lec, "Workers alive")
    lec.get_by_role("link", name=re.compile("Regression lab")).click()
    wait_idle(lec)
    click_when_ready(lec, lec.get_by_role("button", name="🎓 Save as lesson"))
    dialog = "[role='dialog']"  # a wide dialog, its texts prefilled: each is replaced here
    expect(lec.get_by_label("Title")).to_have_value("Regression lab: MSE (L2)")
    lec.get_by_label("Title").fill("Where does the line go?")
    lec.get_by_label("Question (optional)").fill("Does MSE reach the least-squares line?")
    lec.get_by_label("Answer choices, one per line (2 to 6)").fill("Yes\nNo")
    lec.get_by_label("Title").click()  # leave the text area: its value is sent
    wait_idle(lec)
    lec.get_by_role("button", name="Save lesson").click()
    text = _wait_text(lec, re.compile(r"Saved: lesson \S+\."), where=dialog)
    lesson_id = re.search(r"Saved: lesson (\S+?)\.", text).group(1)
    text = _wait_text(lec, "Its dashboard", where=dialog)  # the dialog's rest draws after the first line
    assert f"/lesson?l={lesson_id}" in text and "Its dashboard" in text  # the link (with its QR code), the dashboard
    expect(lec.locator(dialog).get_by_role("img")).to_have_count(1)
    lec.keyboard.press("Escape")  # close the dialog

    students = []
    for n, choice in enumerate(("Yes", "Yes", "No")):
        ctx, page = _page(browser, 1400, 1000)
        page.goto(f"{lecture.url}/lesson?l={lesson_id}")
        _wait_text(page, "Does MSE reach the least-squares line?")
        start = page.get_by_role("button", name=re.compile("Submit my prediction and start"))
        assert start.is_disabled()  # locked until a prediction
        if n == 0:
            shot(page, "lesson-question")
        page.get_by_text(choice, exact=True).click()
        click_when_ready(page, start)
        _wait_text(page, f"Your prediction: {choice}")
        students.append((ctx, page, choice))
    for _, page, _ in students:
        _wait_text(page, "completed", timeout=120)

    lec.get_by_role("link", name=re.compile("Lecturer")).click()
    _wait_text(lec, "Lessons")
    pick_option(lec, "Lesson", re.compile(re.escape(lesson_id)))
    text = _wait_text(lec, "Answers so far: Yes: 2; No: 1.")
    assert "3 runs overlaid (3 by students)" in _wait_text(lec, "3 runs overlaid")
    lec.get_by_role("button", name="📣 Reveal to the class").click()
    _wait_text(lec, "Revealed: students see")
    shot(lec, "lesson-lecturer")
    for _, page, choice in students:
        # no answer was marked right: the outcome is the class's histogram and the runs
        _wait_text(page, "Answers so far: Yes: 2; No: 1.", timeout=20)
    all_text = text + "".join(_main_text(p) for _, p, _ in students)
    assert not re.search(r"[A-Za-z0-9_-]{32}", all_text)  # no owner token anywhere on these pages
    for ctx, _, _ in students:
        ctx.close()
    lec_ctx.close()


def test_embedded_lesson_has_no_menu_and_still_works(lecture, browser):
    ctx, page = _page(browser, 900, 800)
    page.goto(f"{lecture.url}/lesson?l=diverge&embed=true")
    _wait_text(page, "The learning rate that diverges")
    assert page.locator("[data-testid='stSidebarNav']").count() == 0
    assert not page.locator("[data-testid='stSidebar']").is_visible()
    page.get_by_text("No: the loss blows up", exact=True).click()
    click_when_ready(page, page.get_by_role("button", name=re.compile("Submit my prediction and start")))
    _wait_text(page, "diverged", timeout=60)
    ctx.close()
