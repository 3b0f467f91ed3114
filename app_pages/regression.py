"""Regression lab: fit a line to height/weight data with any regression loss, live."""

import streamlit as st

from losslab.i18n import t
from losslab.ui import regression as lab
from losslab.ui.controls import loss_card, regression_controls
from losslab.ui.lecturer import save_as_lesson
from losslab.ui.live import lab_layout

st.title(t("regression.title"))
st.caption(t("regression.caption"))


def form():
    config = regression_controls()
    lab.actions(config)
    loss_card(config)
    save_as_lesson(config)
    return config


lab_layout(form, lab.show, t("regression.hint"), lab.preview)
