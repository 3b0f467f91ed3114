"""Loss explorer: every loss plotted against the prediction, with its gradient and formula."""

import streamlit as st

from losslab.ui import explorer
from losslab.ui.loss_panel import TASK_LABELS

st.title("🔍 Loss explorer")
st.caption("How each loss and its gradient change as the prediction moves; the side panel's choice is marked.")

TASKS = ("regression", "binary", "multiclass", "distribution")
for tab, task in zip(st.tabs([TASK_LABELS[t] for t in TASKS]), TASKS):
    with tab:
        explorer.sweep_view(task)
        if task == "regression":
            explorer.outlier_view()
        if task == "distribution":
            st.caption("Set P and Q bin by bin in the side panel (task: Distributions) for H(P), H(P, Q), "
                       "KL(P‖Q) and KL(Q‖P).")
        with st.expander("Formulas and explanations", expanded=False):
            explorer.formulas(task)
