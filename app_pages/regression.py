"""Regression lab: fit a line to height/weight data with any regression loss, live."""

import streamlit as st

from losslab.losses import LOSSES
from losslab.ui import regression as lab
from losslab.ui.controls import regression_controls

st.title("📈 Regression lab")
st.caption("A straight line, weight = slope · height + intercept, trained by gradient descent on the loss you choose.")

controls, view = st.columns([1, 2.4], gap="large")
with controls:
    config = regression_controls()
    lab.actions(config)
    if config is not None:
        loss = LOSSES[config.loss]
        st.markdown(f"**{loss.label}**")
        st.latex(loss.formula)
        st.caption(loss.explanation)
with view:
    run_ids = lab.page_runs()
    if run_ids:
        lab.show(run_ids)
    else:
        st.info("Press **Start** to train. The seed's settings (MSE, Adam, η = 0.1, 10,000 steps) reach the "
                "least-squares line: slope 0.7487 kg/cm, intercept −64.42 kg, MSE 1.862 kg².")
