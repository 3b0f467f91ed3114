"""losslab's Streamlit entry point: page config, the navigation table, the side panel."""

import streamlit as st

st.set_page_config(page_title="losslab", page_icon="📉", layout="wide")
st.title("losslab")
st.write("See how loss functions behave.")
