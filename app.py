"""losslab's Streamlit entry point: page config, the navigation table, the side panel.

The pages live in app_pages/, not pages/: Streamlit treats a pages/ folder next to the entry
point as its legacy file-based navigation, so a first visit straight to /regression ran that page
without this file (no side panel, no layout), and AppTest did the same on every rerun."""

import streamlit as st

from losslab.ui import language, style
from losslab.ui.loss_panel import loss_panel
from losslab.ui.pages import PAGES, navigation
from losslab.ui.session import owner, remember_owner, set_on_explorer

# Projector mode starts with the side panel folded: the charts get the whole width of the wall.
# Embedded in a slide or a course page (`?embed=true`): no menu, no side panel.
st.set_page_config(page_title="losslab", page_icon="📉", layout="wide",
                   initial_sidebar_state="collapsed" if style.presenting() or style.embedded() else "auto")
language.choose()
style.apply()
owner()
remember_owner()

page = navigation(embedded=style.embedded())
set_on_explorer(page.url_path == PAGES["explorer"].url_path)
if not style.embedded():
    language.switch()
    style.projector_toggle()
    loss_panel()
page.run()
