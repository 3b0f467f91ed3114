"""Sharing a page with a class: this server's address as the lecturer's browser sees it, and a
link shown with its QR code (losslab/qr.py) for the projector."""

from __future__ import annotations

import streamlit as st

from .. import qr
from ..i18n import t


def app_url() -> str:
    """This server's address as the lecturer's browser sees it (behind a proxy, with its base
    path): the page's own URL up to its last segment."""
    url = (st.context.url or "").split("?")[0]
    return url.rsplit("/", 1)[0] + "/" if "://" in url else ""


def qr_link(link: str, width: int = 220) -> None:
    """A link as text to copy and as a QR code to scan from the back row."""
    st.image(qr.png(link), width=width, caption=t("lecture.scan"))
    st.markdown(t("lecturer.link", link=link))
