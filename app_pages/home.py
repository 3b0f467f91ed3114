"""Home: what a loss function does, the labs, and the visitor's own runs."""

import streamlit as st

from losslab.i18n import t
from losslab.ui import home

st.title(t("home.title"))
st.markdown(t("home.intro"))
home.pinned_run()
home.loop_picture()
st.write("")
home.lab_cards()
home.my_runs()
