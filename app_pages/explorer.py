"""Loss explorer: every loss plotted against the prediction, with its gradient and formula."""

import streamlit as st

from losslab.i18n import t
from losslab.losses import TASKS
from losslab.ui import explorer

st.title(t("explorer.title"))
st.caption(t("explorer.caption"))

for tab, task in zip(st.tabs([t(f"task.{k}") for k in TASKS]), TASKS):
    with tab:
        explorer.sweep_view(task)
        if task == "regression":
            explorer.outlier_view()
        if task == "distribution":
            st.caption(t("explorer.distribution_caption"))
        with st.expander(t("explorer.formulas"), expanded=False):
            explorer.formulas(task)
