"""The home page's parts: the training loop in one picture, the labs, the visitor's runs."""

from __future__ import annotations

import streamlit as st

from ..i18n import t
from ..labs import ordered
from .live import STATUS_ICONS
from .pages import PAGES, run_link
from .runs import describe
from .session import owner, service

# The four steps of training: (catalogue key, formula); the formulas read the same in every language.
STEPS = [("predict", "ŷ = f(x; w)"), ("loss", "L(ŷ, y)"), ("gradient", "∂L/∂w"), ("update", "w ← w − η ∂L/∂w")]


def loop_picture() -> None:
    st.header(t("home.loop"))
    cols = st.columns(len(STEPS))
    for i, (col, (key, formula)) in enumerate(zip(cols, STEPS), start=1):
        with col.container(border=True):
            st.subheader(f"{i} · {t(f'home.step_{key}')}")
            st.markdown(f"<p style='font-size:1.6rem;margin:0'><code>{formula}</code></p>", unsafe_allow_html=True)
            st.caption(t(f"home.step_{key}_text"))


def lab_cards() -> None:
    st.header(t("home.labs"))
    cards = [lab.task for lab in ordered() if lab.card] + ["lesson", "explorer"]
    per_row = 3  # a card's title and link stay on one line at 1280 px (six in a row broke mid-word)
    for row in range(0, len(cards), per_row):
        for col, key in zip(st.columns(per_row), cards[row:row + per_row]):
            _card(col, key)


def _card(col, key: str) -> None:
    page = PAGES[key]
    with col.container(border=True):
        st.subheader(f"{page.icon} {t(page.title)}")
        st.write(t(f"home.card_{key}"))
        st.page_link(page.path, label=t("home.open", page=t(page.title)), icon="➡️")


def pinned_run() -> None:
    run_id = service().pinned()
    run = service().get(run_id) if run_id else None
    if run:
        page, shown = run_link(run)
        st.info(t("home.pinned", run=run["id"], task=t(f"nav.{run['task']}"), status=t(f"status.{run['status']}")))
        st.page_link(page, label=t("home.open_pinned"), query_params={"run": shown}, icon="📌")


def my_runs() -> None:
    runs = service().list_runs(owner(), limit=10)
    st.header(t("home.your_runs"))
    if not runs:
        st.caption(t("home.no_runs"))
        return
    for r in runs:
        d = describe(r)
        page, shown = run_link(r)
        st.page_link(page, label=f"{STATUS_ICONS.get(r['status'], '')} {d[t('table.started')]} · "
                     f"{t('nav.' + r['task'])} · {d[t('table.loss')]} · {t('status.' + r['status'])} · "
                     f"{d[t('table.result')]}", query_params={"run": shown})
