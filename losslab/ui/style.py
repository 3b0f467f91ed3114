"""The page's CSS, in one place: WCAG 2.2 AA (contrast, 24 px targets, focus never under the sticky
header, formulas that fit their column), phones (no mode bar over chart titles), and projector
mode (`?present=true`: big type, the side panel folded). docs/accessibility.md maps each rule."""

from __future__ import annotations

import streamlit as st

from .. import figures

PRESENT = "present"

BASE = """
<style>
/* captions and help text: #5f5e5c on white is 6.5:1 (Streamlit's faded grey is 3.9:1) */
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p,
[data-testid="stWidgetLabel"] small, .stTooltipIcon { color: #5f5e5c !important; opacity: 1 !important; }
/* a display formula wider than its column wraps into view instead of a scroll box a keyboard cannot reach */
.katex-display { overflow: visible !important; }
.katex-display > .katex { white-space: normal; }
/* 2.4.11: a focused element scrolled into view stops below Streamlit's sticky header (3.75rem) */
html, [data-testid="stMain"] { scroll-padding-top: 4.5rem; scroll-padding-bottom: 1rem; }
:focus { scroll-margin-top: 4.5rem; }
/* 2.5.8: every target at least 24 x 24 px: Plotly's mode bar buttons, legend rows, slider thumbs */
.modebar-btn { box-sizing: border-box; min-width: 26px; min-height: 26px; padding: 5px !important; }
[data-testid="stSlider"] div:has(> input[type="range"]) { min-width: 24px; min-height: 24px; }
[data-testid="stTooltipHoverTarget"] > button { min-width: 24px; min-height: 24px; justify-content: center; }
[data-testid="stTabs"] button[aria-label^="Scroll tabs"] { min-width: 24px; }
/* toggles, checkboxes and radio options: their label is the target */
[data-testid="stCheckbox"] label, [role="radiogroup"] label { min-height: 24px; align-items: center; }
[data-testid="stSidebarCollapseButton"] button, [data-testid="stExpandSidebarButton"],
[data-testid="stBaseButton-headerNoPadding"] { min-width: 24px; min-height: 24px; }
/* a multiselect's chip: its × (Remove …) was 15 x 7 px beside the list's Open button */
div[role="group"] > button[aria-label="Open"] { min-width: 24px; min-height: 24px; }
span[data-tag] > button[aria-label] { min-width: 24px; min-height: 24px; display: inline-flex;
  align-items: center; justify-content: center; padding: 0; }
/* phones: the Plotly mode bar would sit on every chart's title; a confusion matrix's counts fit 30 px cells */
@media (max-width: 640px) {
  .modebar-container { display: none !important; }
  h1 { font-size: 1.8rem !important; }
  .js-plotly-plot .heatmaplayer text { font-size: 10px !important; }
}
</style>
"""

PROJECTOR = """
<style>
html { font-size: 20px; }
[data-testid="stMain"] h1 { font-size: 2.6rem !important; }
[data-testid="stMarkdownContainer"] p, label, [data-testid="stWidgetLabel"] p { font-size: 1.1rem !important; }
/* the README's promise, ≥ 18 px everywhere: captions, static tables, metrics' labels */
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p, [data-testid="stTable"] td,
[data-testid="stTable"] th, [data-testid="stMetricLabel"] p { font-size: 18px !important; }
</style>
"""


EMBEDDED = """
<style>
/* ?embed=true: inside an iframe on a slide; the page alone, no side panel or its toggle */
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"] { display: none !important; }
[data-testid="stMainBlockContainer"] { padding-top: 1.5rem !important; }
</style>
"""


# Installed once per browser tab, run after each redraw (one animation frame at most):
# - 3.1.2: Plotly's mode bar speaks English (its tooltips) on a Korean page: marked lang="en".
# - a display formula wider than its column (Tukey's biweight on a half-width column) is set in a
#   smaller size until it fits, down to 60 %; a still wider one scrolls, and is then focusable
#   (a scroll box a keyboard cannot reach fails axe's scrollable-region-focusable).
WATCH = """
if (!window.__losslabWatch) {
  window.__losslabWatch = true;
  let queued = false;
  const fix = () => {
    queued = false;
    document.querySelectorAll('.modebar:not([lang])').forEach(el => el.setAttribute('lang', 'en'));
    document.querySelectorAll('.katex').forEach(k => {
      // a display formula fits its own box; an inline one its paragraph
      const box = k.parentElement.classList.contains('katex-display') ? k.parentElement : k.closest('p, li, div');
      if (!box || !box.clientWidth) return;
      const scale = parseFloat(k.dataset.scale || '1');
      const natural = Math.max(k.scrollWidth, k.getBoundingClientRect().width) / scale;
      const next = Math.max(0.6, Math.min(1, (box.clientWidth - 2) / natural));
      if (Math.abs(next - scale) > 0.01) { k.dataset.scale = next; k.style.fontSize = (1.21 * next) + 'em'; }
      const wide = k.getBoundingClientRect().width > box.clientWidth + 1;
      const scroller = box.classList.contains('katex-display') ? box : k;
      if (scroller === k) { k.style.display = wide ? 'inline-block' : ''; k.style.maxWidth = wide ? '100%' : ''; }
      scroller.style.overflowX = wide ? 'auto' : '';
      if (wide) scroller.setAttribute('tabindex', '0'); else scroller.removeAttribute('tabindex');
    });
  };
  new MutationObserver(() => { if (!queued) { queued = true; requestAnimationFrame(fix); } })
    .observe(document.body, {childList: true, subtree: true});
  window.addEventListener('resize', () => requestAnimationFrame(fix));
}
"""


def embedded() -> bool:
    """`?embed=true`: Streamlit reserves that parameter (st.query_params never shows it to the
    app) and reports it as st.context.is_embedded, sent by the browser (tests/e2e/test_lessons.py)."""
    return bool(st.context.is_embedded)


def presenting() -> bool:
    """Projector mode: `?present=true` in the link, or the toggle (kept in the link too)."""
    return str(st.query_params.get(PRESENT, "")).lower() in ("1", "true", "yes")


def apply() -> None:
    st.session_state[PRESENT] = presenting()
    st.html(BASE + (PROJECTOR if st.session_state[PRESENT] else "") + (EMBEDDED if embedded() else ""))
    # The page's language for screen readers (Streamlit's <html lang> is always "en"), and the
    # watcher that keeps parts in another language and wide formulas right as the page redraws.
    lang = st.session_state.get("lang", "en")
    st.html(f"<script>document.documentElement.lang = {lang if lang in ('ko', 'en') else 'en'!r};{WATCH}</script>",
            unsafe_allow_javascript=True)


# Figures ask the running session whether it presents (sessions run in threads of one process).
figures.set_style_source(lambda: st.session_state.get(PRESENT, False))


def projector_toggle() -> None:
    from ..i18n import t

    def changed():
        if st.session_state["present_toggle"]:
            st.query_params[PRESENT] = "true"
        elif PRESENT in st.query_params:
            del st.query_params[PRESENT]

    st.session_state["present_toggle"] = presenting()
    st.sidebar.toggle(t("app.projector"), key="present_toggle", on_change=changed, help=t("app.projector_help"))
