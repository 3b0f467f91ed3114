"""The page's CSS, in one place: WCAG AA contrast for captions, KaTeX formulas that never become
keyboard-unreachable scroll boxes, phones (no mode bar over chart titles), and projector mode
(`?present=true`: big type, the side panel folded)."""

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
/* phones: the Plotly mode bar would sit on every chart's title */
@media (max-width: 640px) {
  .modebar-container { display: none !important; }
  h1 { font-size: 1.8rem !important; }
}
</style>
"""

PROJECTOR = """
<style>
html { font-size: 20px; }
[data-testid="stMain"] h1 { font-size: 2.6rem !important; }
[data-testid="stMarkdownContainer"] p, label, [data-testid="stWidgetLabel"] p { font-size: 1.1rem !important; }
</style>
"""


EMBEDDED = """
<style>
/* ?embed=true: inside an iframe on a slide; the page alone, no side panel or its toggle */
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"] { display: none !important; }
[data-testid="stMainBlockContainer"] { padding-top: 1.5rem !important; }
</style>
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
    # The page's language for screen readers (Streamlit's <html lang> is always "en").
    lang = st.session_state.get("lang", "en")
    st.html(f"<script>document.documentElement.lang = {lang if lang in ('ko', 'en') else 'en'!r};</script>",
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
