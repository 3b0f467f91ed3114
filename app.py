"""losslab's Streamlit entry point: page config, the navigation table, the side panel.

The pages live in app_pages/, not pages/: Streamlit treats a pages/ folder next to the entry
point as its legacy file-based navigation, so a first visit straight to /regression ran that page
without this file (no side panel, no layout), and AppTest did the same on every rerun."""

import streamlit as st

from losslab.ui.loss_panel import loss_panel
from losslab.ui.session import owner, remember_owner

st.set_page_config(page_title="losslab", page_icon="📉", layout="wide")
owner()
remember_owner()

page = st.navigation([
    st.Page("app_pages/home.py", title="Home", icon="🏠", default=True),
    st.Page("app_pages/regression.py", title="Regression lab", icon="📈", url_path="regression"),
    st.Page("app_pages/mnist.py", title="MNIST lab", icon="🔢", url_path="mnist"),
    st.Page("app_pages/explorer.py", title="Loss explorer", icon="🔍", url_path="explorer"),
    st.Page("app_pages/runs.py", title="Runs", icon="🗂️", url_path="runs"),
    st.Page("app_pages/admin.py", title="Lecturer", icon="🎓", url_path="admin"),
])
st.session_state["on_explorer"] = page.url_path == "explorer"
loss_panel()
page.run()
