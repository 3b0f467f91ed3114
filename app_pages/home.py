"""Home: what a loss function does, the labs, and the visitor's own runs."""

import streamlit as st

from losslab.ui import home

st.title("📉 losslab — see how loss functions behave")
st.markdown("Training a model is a loop of four steps. **The loss function decides what “wrong” means**, and "
            "so what the model learns. Change it and watch what changes.")
home.pinned_run()
home.loop_picture()
st.write("")
home.lab_cards()
home.my_runs()
