"""The navigation table: every page's file, title, icon and URL path, declared once. app.py
builds st.navigation from it; links and tests name pages by its keys. Files are found
relative to this package (so the app runs from any working directory)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from ..i18n import t
from ..labs import ordered

APP_DIR = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class PageSpec:
    file: str        # relative to APP_DIR
    title: str       # a catalogue key
    icon: str
    url_path: str    # "" = the default page at /

    @property
    def path(self) -> str:
        return str(APP_DIR / self.file)


PAGES = {
    "home": PageSpec("app_pages/home.py", "nav.home", "🏠", ""),
    # every lab, from the lab registry: app_pages/<task>.py, titled nav.<task>, at /<task>
    **{lab.task: PageSpec(f"app_pages/{lab.task}.py", f"nav.{lab.task}", lab.icon, lab.task) for lab in ordered()},
    "study": PageSpec("app_pages/study.py", "nav.study", "🧪", "study"),
    "lesson": PageSpec("app_pages/lesson.py", "nav.lesson", "🎓", "lesson"),
    "lecture": PageSpec("app_pages/lecture.py", "nav.lecture", "🎬", "lecture"),
    "explorer": PageSpec("app_pages/explorer.py", "nav.explorer", "🔍", "explorer"),
    "runs": PageSpec("app_pages/runs.py", "nav.runs", "🗂️", "runs"),
    "admin": PageSpec("app_pages/admin.py", "nav.admin", "🧑‍🏫", "admin"),
}
# A run opens in the lab of its task (a study on its page; a landscape slice under its MNIST run).
LAB_OF_TASK = {**{lab.task: lab.task for lab in ordered()}, "study": "study", "slice": "mnist"}


def navigation(embedded: bool = False):
    """st.navigation over the table; returns the page being visited. Embedded in a slide or a
    course page (`?embed=true`), the menu is hidden: the page still works alone."""
    return st.navigation([
        st.Page(p.path, title=t(p.title), icon=p.icon, default=not p.url_path, **({"url_path": p.url_path} if p.url_path else {}))
        for p in PAGES.values()], position="hidden" if embedded else "sidebar")


def path(key: str) -> str:
    return PAGES[key].path


def lab_path(task: str) -> str:
    return PAGES[LAB_OF_TASK[task]].path


def run_link(run: dict) -> tuple[str, str]:
    """(page, run id) that shows a run: a landscape slice is shown under the MNIST run it slices."""
    if run["task"] == "slice":
        return lab_path("mnist"), run["config"].get("run", "")
    return lab_path(run["task"]), run["id"]
