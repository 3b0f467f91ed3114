"""Lecturer view: every run on the server, worker load, lectures and lessons, stop/delete any run, share one with the class."""

import streamlit as st

from losslab.i18n import t
from losslab.ui import admin, lecturer, lectures_admin

st.title(t("admin.title"))
if admin.unlock():
    admin.lock_button()
    admin.overview()
    lectures_admin.lectures_panel()
    lecturer.lessons_panel()
    admin.all_runs()
