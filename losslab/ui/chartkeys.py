"""The chart keyboard explorer beside each loss-curve chart (Plotly charts cannot be explored from
the keyboard: plotly.js #562, #4264), the run's one polite live region, and the pause control.

An st.components.v2 component: its JS and CSS (static/chartkeys.*) are read from the package and
sent inline with the element, so nothing is fetched: it works offline, in the Docker image and
behind the proxy's base path. Bidirectional: the cursor comes back to Python on blur and is
handed to the next mount."""

from __future__ import annotations

import math
import time
from pathlib import Path

import streamlit as st

from ..announce import next_spoken, progress, result
from ..figures.common import COLORS
from ..jobs.store import ACTIVE_STATUSES

STATIC = Path(__file__).resolve().parent / "static"
_component = st.components.v2.component(
    "losslab.chartkeys", js=(STATIC / "chartkeys.js").read_text(encoding="utf-8"),
    css=(STATIC / "chartkeys.css").read_text(encoding="utf-8"))
PAUSE_KEY = "live_paused"


def explorer(data: dict, key: str, said: dict | None = None) -> None:
    """The explorer for figures.keys.explorer_data(...); `said`: the view's live sentence (spoken())."""
    cursor_key = f"{key}_cursor"
    # one explorer state per chart and set of runs: a new run starts with a fresh cursor and count
    payload = {**data, "id": key + "|" + (said or {}).get("view", ""), "colors": COLORS, "said": said, "cursor": st.session_state.get(cursor_key)}
    out = _component(data=payload, key=f"{key}_keys", default={"cursor": None}, on_cursor_change=lambda: None)
    cursor = getattr(out, "cursor", None)
    if cursor:
        st.session_state[cursor_key] = cursor


def _last(values):
    for v in reversed(values):
        if v is not None and math.isfinite(v):
            return v
    return None


def spoken(view: str, runs: list[dict], curves: list[dict], unit: str = "", now: float | None = None) -> dict:
    """The view's live sentence after this poll, throttled by announce.next_spoken (one per 5 s
    while training, the result once). One sentence for the view: several runs share it."""
    pairs = list(zip(runs, curves)) if len(runs) > 1 else [(runs[0], c) for c in curves[:1]] if runs else []
    pairs = [(r, c) for r, c in pairs if c["steps"]]
    state_key = "_said_" + view + ":" + ",".join(r["id"] for r in runs)
    if not pairs:  # nothing to say yet; the explorer's identity (view) is the same as later
        return {"n": 0, "text": "", "view": state_key}
    ended = not any(r["status"] in ACTIVE_STATUSES for r in runs)
    text = " ".join(result(r["status"], c["steps"][-1], c["name"], _last(c["values"]), unit) if ended else
                    progress(c["steps"][-1], r.get("total_steps"), c["name"], _last(c["values"]), unit)
                    for r, c in pairs)
    said = next_spoken(st.session_state.get(state_key), time.monotonic() if now is None else now, text, ended)
    st.session_state[state_key] = said
    return {"n": said.n, "text": said.text, "view": state_key}


def paused() -> bool:
    """The visitor paused this page's live views (the training goes on: losslab has no pause of a run)."""
    return bool(st.session_state.get(PAUSE_KEY))


def every(seconds: float | None) -> float | None:
    """A live view's poll interval, or None while the visitor paused this page's live views: one
    pause stops every chart, histogram and gallery on the page (WCAG 2.2.2)."""
    return None if paused() else seconds


def pause_button(key: str) -> None:
    """WCAG 2.2.2: a button, not a switch, so Enter works as on every other control of the form."""
    from ..i18n import t

    def flip():
        st.session_state[PAUSE_KEY] = not paused()

    st.button(t("live.resume_view") if paused() else t("live.pause_view"), key=f"{key}_pause", on_click=flip,
              help=t("live.pause_help"))

