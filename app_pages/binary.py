"""Binary lab: two classes in the plane and a decision boundary that moves while it trains."""

import streamlit as st

from losslab.i18n import t
from losslab.ui import binary as lab
from losslab.ui.controls import binary_controls, loss_card
from losslab.ui.lecturer import save_as_lesson
from losslab.ui.live import lab_layout

st.title(t("binary.title"))
st.caption(t("binary.caption"))


def form():
    config = binary_controls()
    lab.actions(config)
    loss_card(config)
    save_as_lesson(config)
    return config


lab_layout(form, lab.show, t("binary.hint"))
