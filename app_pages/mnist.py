"""MNIST lab: a digit classifier trained live, with its confusion matrix and its mistakes."""

import streamlit as st

from losslab.i18n import t
from losslab.ui import mnist as lab
from losslab.ui.controls import loss_card, mnist_controls
from losslab.ui.lecturer import save_as_lesson
from losslab.ui.live import lab_layout

st.title(t("mnist.title"))
st.caption(t("mnist.caption"))


def form():
    ready = lab.data_ready()
    config = mnist_controls()
    lab.actions(config, ready)
    loss_card(config)
    save_as_lesson(config)
    return config


lab_layout(form, lab.show, t("mnist.hint"))
