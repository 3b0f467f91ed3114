"""Every student can read it, checked in Chromium: axe-core finds no serious or critical
violation on any page in either language (charts and runs included), a phone gets no mode bar
over chart titles and a shared run before the form, projector mode has ≥ 18 px axis labels."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import shot, wait_idle

pytestmark = pytest.mark.e2e

PAGES = ["", "regression", "binary", "mnist", "study", "lesson", "explorer", "runs", "admin"]


def settled(page) -> None:
    """Idle, and no element still faded as stale from the previous script run (axe would
    measure the fade, not the page)."""
    quiet = "() => !document.querySelector('[data-testid=\"stStatusWidget\"]') && !document.querySelector('[data-stale=\"true\"]')"
    for _ in range(20):  # a page may rerun once more right after loading (the explorer follows the side panel)
        wait_idle(page)
        page.wait_for_function(quiet, timeout=30_000)
        page.wait_for_timeout(800)
        if page.evaluate(quiet):
            return


def serious(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    result = Axe().run(page)
    return [f"{v['id']}: {n['target']} {n['html'][:160]} {n.get('failureSummary', '')[-160:]}" for v in result.response["violations"]
            if v["impact"] in ("serious", "critical") for n in v["nodes"]]


@pytest.fixture(scope="module")
def finished_runs(server):
    """Finished comparisons (regression, binary) and, with real MNIST, a finished MNIST run and
    noise study, so charts are on the pages."""
    from losslab.config import BinaryConfig, MnistConfig, RegressionConfig, StudyConfig
    from losslab.jobs.service import JobService

    svc = JobService(server.home / "losslab.sqlite3", max_per_owner=10)
    ids = {"regression": [svc.submit(RegressionConfig(loss=n, outliers=3, epochs=1500), "a11y-owner-token-0123456789")
                          for n in ("mse", "mae", "huber")]}
    ids["binary"] = [svc.submit(BinaryConfig(loss=n, outliers=5, epochs=200), "a11y-owner-token-0123456789")
                     for n in ("bce_logits", "hinge", "binary_focal")]
    if server.data is not None:
        ids["mnist"] = [svc.submit(MnistConfig(train_subset=2000, epochs=1, eval_every=10), "a11y-owner-token-0123456789")]
        ids["study"] = [svc.submit(StudyConfig(losses=("cross_entropy", "gce"), noise_rates=(40.0,), epochs=2,
                                               train_subset=1000), "a11y-owner-token-0123456789")]
    for run_ids in ids.values():
        for run_id in run_ids:
            svc.wait(run_id, timeout=120)
    return ids


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("path", PAGES)
def test_no_serious_axe_violation(server, page, finished_runs, path, lang):
    query = f"?lang={lang}"
    if path in finished_runs:
        query += "&run=" + ",".join(finished_runs[path])
    page.goto(f"{server.url}/{path}{query}")
    settled(page)
    if path in finished_runs:
        page.wait_for_selector(".js-plotly-plot")
        settled(page)
    assert serious(page) == []


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_a_lesson_before_and_after_answering(server, page, lang):
    """The question with Start locked, then the student's run, the waiting outcome and the gallery."""
    page.goto(f"{server.url}/lesson?l=diverge&lang={lang}")
    settled(page)
    assert serious(page) == []
    page.get_by_text({"en": "No: the loss blows up", "ko": "아니요: 손실이 폭발한다"}[lang], exact=True).click()
    settled(page)
    page.locator("[data-testid='stMain'] button[kind='primary']").first.click()
    page.wait_for_selector("[data-testid='stMain'] .js-plotly-plot")
    page.wait_for_function("() => /diverged|발산/.test(document.querySelector(\"[data-testid='stMain']\").innerText)",
                           timeout=60_000)
    settled(page)
    assert serious(page) == []


def test_a_phone_gets_the_shared_run_first_and_no_mode_bar(server, browser, finished_runs):
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    try:
        page.goto(f"{server.url}/regression?run=" + ",".join(finished_runs["regression"]))
        settled(page)
        page.wait_for_selector(".js-plotly-plot")
        # someone else's run: its chart comes before the (folded) form
        chart_top = page.locator("[data-testid='stMain'] .js-plotly-plot").first.bounding_box()["y"]
        form = page.get_by_text(re.compile("Settings: start a run of your own")).bounding_box()["y"]
        assert chart_top < form
        assert page.evaluate("() => Array.from(document.querySelectorAll('.modebar-container'))"
                             ".every(e => getComputedStyle(e).display === 'none')")
        shot(page, "phone-shared-run")
    finally:
        context.close()


def test_projector_mode_has_big_axis_labels(server, browser, finished_runs):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    try:
        page.goto(f"{server.url}/regression?present=true&run=" + ",".join(finished_runs["regression"]))
        settled(page)
        page.wait_for_selector(".js-plotly-plot")
        settled(page)
        sizes = page.evaluate("""() => Array.from(document.querySelectorAll("[data-testid='stMain'] .js-plotly-plot")).map(el =>
            [el._fullLayout.xaxis.title.font.size, el._fullLayout.xaxis.tickfont.size, el._fullLayout.font.size])""")
        assert sizes and all(min(s) >= 18 for s in sizes), sizes
        # the side panel starts folded
        box = page.locator("[data-testid='stSidebar']").bounding_box()
        assert box is None or box["x"] + box["width"] <= 1 or box["width"] < 80, box
        shot(page, "projector-compare")
        page.evaluate("() => document.documentElement.style.filter = 'grayscale(1)'")
        shot(page, "compare-greyscale")
    finally:
        context.close()
