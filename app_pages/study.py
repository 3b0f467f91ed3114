"""Label-noise study: several losses trained on MNIST with wrong labels, as one background job."""

import streamlit as st

from losslab.i18n import t
from losslab.ui import mnist, study
from losslab.ui.controls import study_controls
from losslab.ui.live import lab_layout

st.title(t("study.title"))
st.caption(t("study.caption"))


def form():
    ready = mnist.data_ready()
    config = study_controls()
    study.actions(config, ready)
    return config


lab_layout(form, study.show, t("study.hint"))
