"""Runs: your runs and runs opened by link; overlay their loss curves, stop, delete, download."""

import streamlit as st

from losslab.ui import runs

st.title("🗂️ Runs")
st.caption("Your runs and runs opened from a shared link. Select rows to overlay their curves, stop, delete or download.")

visible = runs.visible_runs()
if not visible:
    st.info("No runs yet: start one in the Regression or MNIST lab.")
else:
    selected = runs.table(visible, key="runs_table")
    runs.manage(selected, key="runs")
    if selected:
        runs.overlay(selected)
        for r in selected[:1]:
            with st.expander(f"Config of run {r['id']} (replayable JSON)"):
                st.json(r["config"])
