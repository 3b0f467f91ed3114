"""The Korean interface in a real browser: a visitor whose browser asks for Korean gets it,
a run started in Korean completes, the language switch keeps the run in view, and a
pseudo-locale 40 % longer than English still fits the sidebar's table."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import shot, wait_idle

pytestmark = pytest.mark.e2e

KO_STATUS = re.compile(r"(대기 중|실행 중|완료|멈춤|발산|실패|중단됨)\b.*?([\d,]+) / ([\d,]+) 스텝")


def ko_status(page):
    m = KO_STATUS.search(page.inner_text("[data-testid='stMain']"))
    return (m.group(1), int(m.group(2).replace(",", ""))) if m else ("", -1)


def wait_ko_status(page, state, timeout=60.0):
    """Wait until the run's status line (one run on the page) says `state`; KO_STATUS in the page's
    own regex engine, whose \\b knows no Hangul: "not followed by a word character" says it instead."""
    line = re.compile(rf"{state}(?![\w가-힣]).*?[\d,]+ / [\d,]+ 스텝")
    expect(page.locator("[data-testid='stMain']"), f"the status line never said {state}").to_contain_text(
        line, use_inner_text=True, timeout=timeout * 1000)
    return ko_status(page)


@pytest.fixture
def korean_page(browser):
    # A browser set to Korean sends Accept-Language: ko-KR; no ?lang in the link.
    context = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="ko-KR")
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


def test_a_korean_browser_gets_korean_and_a_run_completes(server, korean_page):
    page = korean_page
    page.goto(f"{server.url}/regression?epochs=3000&speed=1000&outliers=3")
    page.wait_for_function("() => document.body.innerText.includes('회귀 실습')")
    wait_idle(page)
    assert "lang=ko" in page.url  # the choice is written to the link
    page.get_by_role("button", name="▶ 시작").click()
    page.wait_for_url(re.compile(r"run="))
    wait_ko_status(page, "실행 중")
    shot(page, "regression-lab-ko")
    state = wait_ko_status(page, "완료", timeout=60)
    assert state == ("완료", 3000)
    assert "학습 중 손실" in page.evaluate("() => Array.from(document.querySelectorAll('.js-plotly-plot'))"
                                      ".map(e => e.layout.title.text).join('|')")
    run = re.search(r"run=([\w-]+)", page.url).group(1)

    # The switch: English now, the same run still on the page.
    page.locator("[data-testid='stSidebar']").get_by_text("English", exact=True).click()
    page.wait_for_function("() => document.body.innerText.includes('Regression lab')")
    wait_idle(page)
    assert f"run={run}" in page.url and "lang=en" in page.url
    assert re.search(r"completed\b.*step 3,000 of 3,000", page.inner_text("[data-testid='stMain']"))


def test_the_mnist_lab_in_korean(server, page):
    if server.data is None:
        pytest.skip("real MNIST not found (../shared/datasets/mnist)")
    page.goto(f"{server.url}/mnist?lang=ko&train_subset=5000&epochs=2&eval_every=40&speed=200")
    wait_idle(page)
    page.get_by_role("button", name="▶ 시작").click()
    page.wait_for_url(re.compile(r"run="))
    page.wait_for_function("() => document.body.innerText.includes('혼동 행렬')", timeout=60_000)
    wait_idle(page)
    shot(page, "mnist-lab-ko")
    assert "숫자별 정확도" in page.inner_text("[data-testid='stMain']") or \
        "숫자별 정확도" in page.evaluate("() => Array.from(document.querySelectorAll('.js-plotly-plot'))"
                                    ".map(e => e.layout.title.text).join('|')")


@pytest.mark.parametrize("lang", ["pseudo", "ko"])
def test_long_strings_fit_the_sidebar_table(server, page, lang):
    page.goto(f"{server.url}/?lang={lang}")
    wait_idle(page)
    page.wait_for_selector("[data-testid='stSidebar'] table")
    cut = page.evaluate("""() => Array.from(document.querySelectorAll("[data-testid='stSidebar'] table th, "
                                                                      + "[data-testid='stSidebar'] table td"))
        .filter(c => c.scrollWidth > c.clientWidth + 1 || c.getBoundingClientRect().right >
                     document.querySelector("[data-testid='stSidebar']").getBoundingClientRect().right + 1)
        .map(c => c.innerText)""")
    shot(page, f"sidebar-{lang}")
    assert cut == []


def test_lang_in_the_link_beats_the_browser(server, page):
    page.goto(f"{server.url}/regression?lang=ko")  # an English browser following a Korean link
    page.wait_for_function("() => document.body.innerText.includes('회귀 실습')")
    assert page.locator("[data-testid='stSidebar']").get_by_text("손실 패널").is_visible()


def test_a_language_switch_there_and_back_keeps_every_choice(server, browser):
    """Streamlit keeps a choice widget's value as its shown text: switching ko → en → ko used to
    crash a lab page (the loss came back as its Korean name: KeyError) and turn the step-size
    schedule from cosine into another choice, which the next Start then trained with."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(f"{server.url}/regression?lang=ko&loss=huber")
    page.wait_for_function("() => document.body.innerText.includes('회귀 실습')")
    wait_idle(page)
    sidebar = page.locator("[data-testid='stSidebar']")
    for label, title in (("English", "Regression lab"), ("한국어", "회귀 실습"), ("English", "Regression lab")):
        sidebar.get_by_text(label, exact=True).click()
        expect(page.locator("h1").first).to_contain_text(title)
        wait_idle(page)
        main = page.locator("[data-testid='stMain']")
        expect(main).not_to_contain_text("KeyError")
        assert page.locator("[data-testid='stException']").count() == 0
    # the form's config is written to the link: still Huber, still the default (cosine) schedule
    assert re.search(r"[?&]loss=huber\b", page.url) and "schedule=" not in page.url, page.url
    checked = page.locator("[data-testid='stRadio']").filter(has_text="Step size").locator("input:checked")
    expect(checked).to_have_count(1)
    assert checked.evaluate("e => e.closest('label').innerText") == "cosine decay to 0"
    shot(page, "language-there-and-back")
    context.close()
