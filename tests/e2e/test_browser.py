"""A person's path in a real browser: Chromium (Playwright) against `streamlit run`."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import wait_for
from tests.e2e.conftest import shot, wait_idle

pytestmark = pytest.mark.e2e

STATUS = re.compile(r"(queued|running|completed|stopped|diverged|failed|interrupted)\b.*?step ([\d,]+) of ([\d,]+)")


def status(page) -> tuple[str, int]:
    text = page.inner_text("[data-testid='stMain']")
    m = STATUS.search(text)
    return (m.group(1), int(m.group(2).replace(",", ""))) if m else ("", -1)


def wait_status(page, want, timeout=60.0) -> tuple[str, int]:
    """The run's status line once it says one of `want` (the page shows one run's line)."""
    line = re.compile(rf"({'|'.join(sorted(want))})\b.*?step ([\d,]+) of ([\d,]+)")
    expect(page.locator("[data-testid='stMain']"), f"status never became {want}").to_contain_text(
        line, use_inner_text=True, timeout=timeout * 1000)
    return status(page)


def last_plotted_step(page, title: str) -> int:
    """The largest x (step) the Plotly chart with this title draws, read from the page's own data."""
    return page.evaluate("""(title) => {
        for (const el of document.querySelectorAll('.js-plotly-plot')) {
            const t = el.layout && el.layout.title && el.layout.title.text;
            if (t && t.includes(title))
                return Math.max(0, ...(el._fullData || []).flatMap(tr => tr.x ? Array.from(tr.x) : []));
        }
        return -1; }""", title)


def wait_plotted(page, title: str, above: int, timeout: float = 15.0) -> int:
    return wait_for(lambda: (step := last_plotted_step(page, title)) > above and step, timeout, 0.25,
                    what=lambda: f"chart {title!r} past step {above} (at {last_plotted_step(page, title)})")


def test_regression_run_start_live_stop_and_reopen(server, page):
    page.goto(f"{server.url}/regression?epochs=100000")
    wait_idle(page)
    page.get_by_role("button", name="▶ Start").click()
    page.wait_for_url(re.compile(r"run="))
    run_url = page.url
    wait_status(page, {"running"})
    first = wait_plotted(page, "Loss while training", 0)
    second = wait_plotted(page, "Loss while training", first, timeout=5)  # the live chart gains points
    assert second > first
    shot(page, "regression-lab-running")
    page.get_by_role("button", name="⏹ Stop").click()
    state, step = wait_status(page, {"stopped"}, timeout=10)
    assert 0 < step < 100_000
    # open the same link again, as after a refresh or from a shared link
    page.goto(run_url)
    wait_idle(page)
    again = wait_status(page, {"stopped"}, timeout=20)
    assert again[0] == "stopped" and again[1] == step
    assert run_url.split("run=")[1] in page.inner_text("[data-testid='stMain']")


def test_regression_seed_result_in_the_browser(server, page):
    from losslab.jobs.service import JobService

    page.goto(f"{server.url}/regression")
    wait_idle(page)
    page.get_by_role("button", name="▶ Start").click()
    page.wait_for_url(re.compile(r"run="))
    run_id = page.url.split("run=")[1].split("&")[0]
    wait_status(page, {"completed"}, timeout=90)
    page.wait_for_timeout(1500)
    shot(page, "regression-lab")
    final = JobService(server.home / "losslab.sqlite3").get(run_id)["final"]
    assert final["final/mse"] == pytest.approx(1.86175, abs=0.005)  # the least-squares optimum
    assert final["slope"] == pytest.approx(0.7487, abs=5e-4)
    assert final["intercept"] == pytest.approx(-64.42, abs=0.1)
    # the fitted line drawn in the page is that line
    line = page.evaluate("""() => { for (const el of document.querySelectorAll('.js-plotly-plot'))
        if (el.layout.title.text.includes('Data and fitted line'))
            return el._fullData.filter(t => t.name.startsWith('fitted line')).map(t => [Array.from(t.x), Array.from(t.y)])[0];
        }""")
    (x0, x1), (y0, y1) = line
    assert (y1 - y0) / (x1 - x0) == pytest.approx(final["slope"], rel=1e-4)


def test_compare_losses_with_outliers(server, page):
    page.goto(f"{server.url}/regression?outliers=3&epochs=3000")
    wait_idle(page)
    page.get_by_text("Compare losses on the same data").click()
    page.get_by_role("button", name="Compare").click()
    page.wait_for_url(re.compile(r"run=[^&]+(,|%2C)[^&]+(,|%2C)"))
    expect(page.locator("[data-testid='stMain']"), "three runs completed").to_contain_text(
        re.compile(r"completed(.*?completed){2}", re.DOTALL), use_inner_text=True, timeout=90_000)
    page.wait_for_timeout(1500)
    assert page.inner_text("[data-testid='stMain']").count("completed") >= 3
    shot(page, "regression-compare")


def test_mnist_lab_shows_the_confusion_matrix(server, page):
    if server.data is None:
        pytest.skip("real MNIST files not found (../shared/datasets/mnist)")
    page.goto(f"{server.url}/mnist?train_subset=3000&epochs=3&eval_every=20&speed=10")  # slow: a mid-run shot
    wait_idle(page)
    page.get_by_role("button", name="▶ Start").click()
    page.wait_for_url(re.compile(r"run="))
    page.wait_for_function("""() => [...document.querySelectorAll('.js-plotly-plot')].some(
        el => el.layout && el.layout.title && el.layout.title.text.includes("Confusion matrix"))""", timeout=60_000)
    shot(page, "mnist-lab-running")
    wait_status(page, {"completed"}, timeout=90)
    page.wait_for_timeout(1500)
    shot(page, "mnist-lab")
    assert "Test accuracy" in page.inner_text("[data-testid='stMain']")


@pytest.mark.parametrize("path, name, needle", [
    ("/", "home", "see how loss functions behave"),
    ("/explorer", "loss-explorer", "Each loss as the prediction moves"),
    ("/admin", "lecturer", "Lecturer"),
])
def test_every_page_renders(server, page, path, name, needle):
    page.goto(server.url + path)
    # a chart title may wrap onto two lines (figures.common.wrap): read the page's words as one line
    page.wait_for_function("(needle) => document.body.innerText.replace(/\\s+/g, ' ').includes(needle)", arg=needle)
    wait_idle(page)
    page.wait_for_timeout(1000)
    text = " ".join(page.inner_text("body").split())
    assert needle in text and "Traceback" not in text and "Loss panel" in text
    shot(page, name)


def test_garbage_in_the_url_gets_a_sentence(server, page):
    page.goto(f"{server.url}/regression?run=%3Cscript%3E&lr=nan")
    page.wait_for_function("() => document.body.innerText.includes('is not valid') && "
                           "document.body.innerText.includes('Ignored')")
    text = page.inner_text("[data-testid='stMain']")
    assert "is not valid" in text and "Ignored lr=nan" in text and "Traceback" not in text


def test_runs_page_lists_my_runs_after_a_reload(server, page):
    # The owner cookie survives reloads: the same browser finds its runs in a new session.
    page.goto(f"{server.url}/regression?epochs=300")
    wait_idle(page)
    page.get_by_role("button", name="▶ Start").click()
    wait_status(page, {"completed"}, timeout=60)
    page.goto(f"{server.url}/runs")
    page.wait_for_function("() => document.body.innerText.includes('Select rows')")
    wait_idle(page)
    page.wait_for_timeout(1000)
    text = page.inner_text("[data-testid='stMain']")
    assert "No runs yet" not in text and "Traceback" not in text
    assert page.locator("[data-testid='stMain'] [data-testid='stDataFrame']").count() == 1
    shot(page, "runs")


def path_points(page) -> int:
    """How many points the landscape's path trace draws now (Plotly's own data in the page)."""
    return page.evaluate("""() => {
        for (const el of document.querySelectorAll('.js-plotly-plot'))
            for (const tr of (el._fullData || []))
                if (tr.name === "the run's path") return tr.x.length;
        return -1; }""")


def test_landscape_appears_mid_run_and_its_path_grows(server, page):
    page.goto(f"{server.url}/regression?outliers=2&loss=huber&epochs=4000&speed=200")
    wait_idle(page)
    page.get_by_role("button", name="▶ Start").click()
    page.wait_for_url(re.compile(r"run="))
    wait_status(page, {"running"})
    page.get_by_text("Loss landscape of Huber").first.wait_for(timeout=20_000)
    first = path_points(page)
    wait_for(lambda: path_points(page) > max(first, 1), 20, 0.25,
             what=lambda: f"the path past {max(first, 1)} points (at {path_points(page)})")
    assert wait_status(page, {"running"})[0] == "running"  # still mid-run
    assert path_points(page) > max(first, 1)
    page.get_by_text("Loss landscape of Huber").first.scroll_into_view_if_needed()
    shot(page, "regression-landscape-running")
    page.get_by_role("button", name="⏹ Stop").click()
    wait_status(page, {"stopped"}, timeout=10)


def heatmap_signature(page) -> str:
    """A digest of the binary lab's probability heatmap as the page draws it now."""
    return page.evaluate("""() => {
        for (const el of document.querySelectorAll('.js-plotly-plot'))
            for (const tr of (el._fullData || []))
                if (tr.type === 'heatmap') return JSON.stringify(Array.from(tr.z[30] || []).slice(0, 60));
        return ''; }""")


def test_binary_boundary_moves_live_and_three_losses_compare(server, page):
    page.goto(f"{server.url}/binary?data=moons&model=net&epochs=3000&speed=200")
    wait_idle(page)
    page.get_by_role("button", name="▶ Start").click()
    page.wait_for_url(re.compile(r"run="))
    wait_status(page, {"running"})
    page.get_by_text("P(class 1) and the boundary").first.wait_for(timeout=20_000)
    first = heatmap_signature(page)
    wait_for(lambda: heatmap_signature(page) not in ("", first), 15, 0.3, what="the heatmap to change")
    assert heatmap_signature(page) not in ("", first)  # the boundary moved between two polls
    shot(page, "binary-lab-running")
    page.get_by_role("button", name="⏹ Stop").click()
    wait_status(page, {"stopped"}, timeout=10)
    page.goto(f"{server.url}/binary?outliers=10&separation=4&epochs=400")
    wait_idle(page)
    page.get_by_text("Compare losses from the same start").click()
    page.get_by_role("button", name="Compare", exact=True).click()
    page.wait_for_url(re.compile(r"run=.*%2C|run=.*,"))
    page.get_by_text("Each loss's decision boundary").wait_for(timeout=30_000)
    text = page.inner_text("[data-testid='stMain']")
    assert "BCE with logits" in text and "Hinge" in text and "Focal" in text


def test_on_a_phone_start_keeps_the_runs_status_on_screen(server, browser):
    """The form and the run stack on a phone: after tapping Start (at the form's foot) the run's
    status line and the top of its chart are on the screen, not scrolled away above it."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(f"{server.url}/regression?epochs=100000")
        wait_idle(page)
        start = page.get_by_role("button", name="▶ Start")
        start.scroll_into_view_if_needed()
        start.tap()
        page.wait_for_url(re.compile(r"run="))
        wait_status(page, {"running", "completed"})
        line = page.locator("[data-testid='stMarkdownContainer']", has_text=STATUS).first

        def on_screen():
            box = line.bounding_box()
            return box is not None and 0 <= box["y"] and box["y"] + box["height"] <= 844

        wait_for(on_screen, 10, 0.25, what=lambda: f"the status line on screen (at {line.bounding_box()})")
    finally:
        context.close()
