"""The navigation table: every page's file, title, icon and URL path, declared once. app.py
builds st.navigation from it; links and tests name pages by its keys. Files are found
relative to this package (so the app runs from any working directory)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

APP_DIR = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class PageSpec:
    file: str        # relative to APP_DIR
    title: str
    icon: str
    url_path: str    # "" = the default page at /

    @property
    def path(self) -> str:
        return str(APP_DIR / self.file)


PAGES = {
    "home": PageSpec("app_pages/home.py", "Home", "🏠", ""),
    "regression": PageSpec("app_pages/regression.py", "Regression lab", "📈", "regression"),
    "mnist": PageSpec("app_pages/mnist.py", "MNIST lab", "🔢", "mnist"),
    "explorer": PageSpec("app_pages/explorer.py", "Loss explorer", "🔍", "explorer"),
    "runs": PageSpec("app_pages/runs.py", "Runs", "🗂️", "runs"),
    "admin": PageSpec("app_pages/admin.py", "Lecturer", "🎓", "admin"),
}
# A run opens in the lab of its task.
LAB_OF_TASK = {"regression": "regression", "mnist": "mnist"}


def navigation():
    """st.navigation over the table; returns the page being visited."""
    return st.navigation([
        st.Page(p.path, title=p.title, icon=p.icon, default=not p.url_path, **({"url_path": p.url_path} if p.url_path else {}))
        for p in PAGES.values()])


def path(key: str) -> str:
    return PAGES[key].path


def lab_path(task: str) -> str:
    return PAGES[LAB_OF_TASK[task]].path
