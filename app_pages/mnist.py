"""MNIST lab: a digit classifier trained live, with its confusion matrix and its mistakes."""

import streamlit as st

from losslab.ui import mnist as lab
from losslab.ui.controls import loss_card, mnist_controls
from losslab.ui.live import page_runs

st.title("🔢 MNIST lab")
st.caption("Ten scores per 28×28 image, one per digit; the loss turns them into a lesson for the weights.")

controls, view = st.columns([1, 2.4], gap="large")
with controls:
    ready = lab.data_ready()
    config = mnist_controls()
    lab.actions(config, ready)
    loss_card(config)
with view:
    run_ids = page_runs()
    if run_ids:
        lab.show(run_ids)
    else:
        st.info("Press **Start**. For a quick demo use 5,000 training images and 1 epoch; the seed's settings "
                "(linear model, SGD η = 0.01, batch 64, 10 epochs) reach about 91.6 % test accuracy.")
