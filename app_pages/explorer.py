"""Loss explorer: every loss plotted against the prediction, with its gradient and formula."""

import streamlit as st

from losslab.i18n import t
from losslab.ui import explorer

st.title(t("explorer.title"))
st.caption(t("explorer.caption"))

# One task at a time: only the visible one is computed (tabs would compute all four per visit).
task = explorer.task_switch()
explorer.sweep_view(task)
if task == "regression":
    explorer.outlier_view()
    explorer.barron_view()
if task == "distribution":
    st.caption(t("explorer.distribution_caption"))
    explorer.move_away_view()
with st.expander(t("explorer.formulas"), expanded=False):
    explorer.formulas(task)
