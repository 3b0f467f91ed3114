"""Readable at every size, reachable by every pointer and keyboard, checked in Chromium on every
page (lab pages with a finished run) at 390 px (a phone), 1400 px and 1920 px in projector mode,
in Korean and English: no chart text cut by its chart's edge or stacked on other chart text, no
Streamlit text past its column (tests/e2e/layout_probe.py); every target ≥ 24 × 24 px or spaced as
WCAG 2.2's 2.5.8 allows; a focused element never hidden under the sticky header (2.4.11).

One server for the module, one browser page per size: 20 page loads per test."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import wait_idle
from tests.e2e.layout_probe import problems

pytestmark = pytest.mark.e2e

PAGES = ["", "regression", "binary", "mnist", "poisson", "study", "lesson", "explorer", "runs", "admin"]
SIZES = {"phone": (390, 844, False), "laptop": (1400, 900, False), "projector": (1920, 1080, True)}
OWNER = "readable-owner-token-0123456789"

# Pointer targets (2.5.8), with the spacing exception: an undersized target passes when a 24 px
# circle on its centre touches no other target nor another undersized one's circle. Links inside
# running text are exempt (the inline exception); visually hidden inputs (opacity 0, a styled
# label is the target) and a select's text box (the whole field opens it) are measured by what a
# pointer hits.
TARGETS = r"""() => {
  const sel = 'a[href], button, input, select, textarea, [role=slider], [role=button], [role=tab], [role=option], ' +
              '[tabindex]:not([tabindex="-1"]), .modebar-btn, .legendtoggle';
  // what a pointer hits: a range input is hidden inside its thumb, a checkbox or switch inside its label
  // a select's or multiselect's text box: the whole field (role=group) takes the click
  const target = el => el.matches('input[type=range]') ? el.parentElement :
                       el.matches('input[role=combobox]') && el.closest('[role=group]') ? el.closest('[role=group]') :
                       el.matches('input[type=checkbox], input[type=radio]') && el.closest('label') ? el.closest('label') : el;
  const seen = [...new Set([...document.querySelectorAll(sel)].map(target))].filter(el => {
    const r = el.getBoundingClientRect(), s = getComputedStyle(el);
    if (r.width < 2 || r.height < 2 || s.visibility === 'hidden' || s.display === 'none') return false;
    if (r.right <= 0 || r.left >= innerWidth) return false;  // a folded side panel, moved off the screen
    if (s.opacity === '0' && !el.classList.contains('modebar-btn')) return false;
    if (el.tagName === 'A' && el.closest('p, li') && !el.closest('nav, [data-testid=stSidebarNav]')) return false;
    if (el.closest('[aria-hidden=true]') && !el.closest('.js-plotly-plot')) return false;
    return true;
  }).map(el => ({el, r: el.getBoundingClientRect()}));
  const small = t => t.r.width < 23.5 || t.r.height < 23.5;
  const centre = t => [t.r.left + t.r.width / 2, t.r.top + t.r.height / 2];
  const toRect = (p, r) => Math.hypot(Math.max(r.left - p[0], 0, p[0] - r.right), Math.max(r.top - p[1], 0, p[1] - r.bottom));
  const out = [];
  for (const a of seen.filter(small)) {
    const c = centre(a);
    const crowded = seen.find(b => b !== a && !b.el.contains(a.el) && !a.el.contains(b.el) &&
      (small(b) ? Math.hypot(c[0] - centre(b)[0], c[1] - centre(b)[1]) < 24 : toRect(c, b.r) < 12));
    if (crowded) {
      const name = e => (e.getAttribute('aria-label') || e.getAttribute('data-title') || e.textContent || e.className?.baseVal || e.className || e.tagName).toString().trim().slice(0, 40);
      out.push(`${name(a.el)} (${Math.round(a.r.width)}×${Math.round(a.r.height)} px) crowds ${name(crowded.el)}`);
    }
  }
  return [...new Set(out)];
}"""

# 2.4.11: the focused element, after the browser scrolled it into view, is not all under the header.
FOCUS_HIDDEN = r"""() => {
  const el = document.activeElement, header = document.querySelector("[data-testid='stHeader']");
  if (!el || el === document.body || !header || header.contains(el)) return null;
  const r = el.getBoundingClientRect(), h = header.getBoundingClientRect();
  if (r.width === 0 && r.height === 0) return null;
  const inHeader = r.top >= h.top && r.bottom <= h.bottom && r.left >= h.left && r.right <= h.right;
  // within the header's box: hidden unless it is drawn on top of it (Streamlit's skip link is)
  const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  const under = inHeader && !(hit && (hit === el || el.contains(hit)));
  return under ? `${(el.getAttribute('aria-label') || el.textContent || el.tagName).trim().slice(0, 40)} at y ${Math.round(r.top)}–${Math.round(r.bottom)} under the header (to ${Math.round(h.bottom)})` : null;
}"""


@pytest.fixture(scope="module")
def runs(server):
    """Short finished runs for each lab page (MNIST and the study only with the real digits)."""
    from losslab.config import BinaryConfig, MnistConfig, RegressionConfig, StudyConfig
    from losslab.jobs.service import JobService
    from losslab.labs.poisson import PoissonConfig

    svc = JobService(server.home / "losslab.sqlite3", max_per_owner=12)
    ids = {"regression": [svc.submit(RegressionConfig(loss=n, outliers=3, epochs=300), OWNER) for n in ("mse", "huber")],
           "binary": [svc.submit(BinaryConfig(loss=n, outliers=5, epochs=200), OWNER) for n in ("bce_logits", "hinge")],
           "poisson": [svc.submit(PoissonConfig(loss=n, epochs=200), OWNER) for n in ("poisson_nll", "mse_counts")]}
    if server.data is not None:
        ids["mnist"] = [svc.submit(MnistConfig(train_subset=1000, epochs=1, eval_every=10), OWNER)]
        ids["study"] = [svc.submit(StudyConfig(losses=("cross_entropy", "gce"), noise_rates=(40.0,), epochs=1,
                                               train_subset=500), OWNER)]
    for run_ids in ids.values():
        for run_id in run_ids:
            svc.wait(run_id, timeout=180)
    return ids


def visit(page, server, runs, path: str, lang: str, present: bool) -> None:
    query = f"?lang={lang}" + ("&present=true" if present else "")
    if path in runs:
        query += "&run=" + ",".join(runs[path])
    page.goto(f"{server.url}/{path}{query}")
    wait_idle(page)
    if path in runs:
        page.wait_for_selector("[data-testid='stMain'] .js-plotly-plot")
    # the page may rerun once more after loading (the explorer follows the side panel); Plotly draws after
    page.wait_for_timeout(900)
    wait_idle(page)
    page.wait_for_timeout(300)


def tab_through(page, presses: int = 30) -> list[str]:
    """Tab from the top of the page; where the focus went under the header."""
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    hidden = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        found = page.evaluate(FOCUS_HIDDEN)
        if found:
            hidden.append(found)
    return hidden


def settled_targets(page, tries: int = 4) -> list[str]:
    """The crowded targets once the page holds still: a multiselect's chips grow in over a few
    frames (measured at 15×7 px, then 19×9 px on a busy machine), so a finding counts only when
    two looks 0.7 s apart agree."""
    found, last = page.evaluate(TARGETS), None
    while found and found != last and tries:
        page.wait_for_timeout(700)
        last, found, tries = found, page.evaluate(TARGETS), tries - 1
    return found


@pytest.mark.parametrize("size", SIZES)
def test_every_page_is_readable_reachable_and_keeps_focus_in_sight(server, browser, runs, size):
    """Each page once per language at this size: chart text neither cut nor overlapping and no text
    past its column (layout_probe); every target ≥ 24 px or spaced (2.5.8); Tabbing, the focused
    element never all under the sticky header (2.4.11; not in projector mode: same layout, bigger)."""
    width, height, present = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height}, is_mobile=width < 500,
                                  has_touch=width < 500)
    page = context.new_page()
    page.set_default_timeout(60_000)
    layout, targets, focus = {}, {}, {}
    try:
        for lang in ("en", "ko"):
            for path in PAGES:
                visit(page, server, runs, path, lang, present)
                where = f"{lang} /{path}"
                layout[where], targets[where] = problems(page), settled_targets(page)
                if lang == "en" and not present:
                    focus[where] = tab_through(page)
    finally:
        context.close()
    assert {k: v for k, v in layout.items() if v} == {}, "cut or overlapping text"
    assert {k: v for k, v in targets.items() if v} == {}, "targets under 24 px and crowded"
    assert {k: v for k, v in focus.items() if v} == {}, "focus hidden under the header"
    assert len(layout) == 2 * len(PAGES) and len(focus) == (0 if present else len(PAGES))
