"""MNIST lab: a digit classifier trained live, with its confusion matrix and its mistakes."""

import streamlit as st

from losslab.ui import mnist as lab
from losslab.ui.controls import loss_card, mnist_controls
from losslab.ui.live import lab_layout

st.title("🔢 MNIST lab")
st.caption("Ten scores per 28×28 image, one per digit; the loss turns them into a lesson for the weights.")


def form():
    ready = lab.data_ready()
    config = mnist_controls()
    lab.actions(config, ready)
    loss_card(config)
    return config


lab_layout(form, lab.show, "Press **Start**. For a quick demo use 5,000 training images and 1 epoch; the seed's "
           "settings (linear model, SGD η = 0.01, batch 64, 10 epochs) reach about 91.6 % test accuracy.")
