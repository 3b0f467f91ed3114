"""The home page's parts: the training loop in one picture, the labs, the visitor's runs."""

from __future__ import annotations

import streamlit as st

from .live import STATUS_ICONS
from .pages import PAGES, lab_path
from .runs import describe
from .session import owner, service

STEPS = [
    ("1 · predict", "ŷ = f(x; w)", "The model turns an input into a prediction with its current weights w."),
    ("2 · loss", "L(ŷ, y)", "One number says how wrong the prediction is. Which number is the loss function's choice."),
    ("3 · gradient", "∂L/∂w", "How each weight should move to make L smaller; its size is how hard the loss pulls."),
    ("4 · update", "w ← w − η ∂L/∂w", "A small step downhill, with learning rate η. Repeat thousands of times."),
]


def loop_picture() -> None:
    cols = st.columns(len(STEPS))
    for col, (title, formula, text) in zip(cols, STEPS):
        with col.container(border=True):
            st.markdown(f"#### {title}")
            st.markdown(f"### `{formula}`")
            st.caption(text)


def lab_cards() -> None:
    cards = [
        ("regression", "Fit a line to ten people's height and weight. Add outliers "
         "and race MSE, MAE and Huber from the same start."),
        ("mnist", "Train a digit classifier; watch the confusion matrix fill and see "
         "which digits it gets wrong."),
        ("explorer", "Every loss and its gradient against the prediction, "
         "with formulas; see where naive formulas break."),
    ]
    for col, (key, text) in zip(st.columns(len(cards)), cards):
        page = PAGES[key]
        with col.container(border=True):
            st.markdown(f"### {page.icon} {page.title}")
            st.write(text)
            st.page_link(page.path, label=f"Open {page.title}", icon="➡️")


def pinned_run() -> None:
    run_id = service().pinned()
    run = service().get(run_id) if run_id else None
    if run:
        page = lab_path(run["task"])
        st.info(f"📌 Your lecturer shares run `{run['id']}` ({run['task']}, {run['status']}) with the class.")
        st.page_link(page, label="Open the shared run", query_params={"run": run["id"]}, icon="📌")


def my_runs() -> None:
    runs = service().list_runs(owner(), limit=10)
    st.subheader("Your runs")
    if not runs:
        st.caption("None yet. Runs you start appear here with their status.")
        return
    for r in runs:
        d = describe(r)
        page = lab_path(r["task"])
        st.page_link(page, label=f"{STATUS_ICONS.get(r['status'], '')} {d['started']} · {r['task']} · {d['loss']} · "
                     f"{r['status']} · {d['result']}", query_params={"run": r["id"]})
