"""Runs: your runs and runs opened by link; overlay their loss curves, stop, delete, download."""

import streamlit as st

from losslab.i18n import t
from losslab.ui import runs

st.title(t("runs.title"))
st.caption(t("runs.caption"))

visible = runs.visible_runs()
if not visible:
    st.info(t("runs.none"))
else:
    selected = runs.table(visible, key="runs_table")
    runs.manage(selected, key="runs")
    if selected:
        runs.overlay(selected)
        for r in selected[:1]:
            with st.expander(t("runs.config_of", run=r["id"])):
                st.json(r["config"])
