"""Every chart with its text alternative: a one-line summary of what it shows now (a screen
reader reads it; so does anyone on a washed-out projector) and a "data as table" toggle."""

from __future__ import annotations

import streamlit as st

from ..i18n import t


def chart(fig, key: str, summary: str, rows: list[dict] | None = None) -> None:
    st.plotly_chart(fig, key=key, config={"displaylogo": False})
    st.caption(summary)
    if rows and st.toggle(t("summary.as_table"), key=f"{key}_as_table"):
        st.dataframe(rows, hide_index=True, key=f"{key}_table")


def formula(latex: str) -> None:
    """A loss's formula at display size, typeset inline: st.latex wraps it in a scroll box that a
    keyboard cannot reach when the formula is wider than its column (axe: scrollable-region-focusable)."""
    st.markdown(f"$\\displaystyle {latex}$")
