"""Per-browser identity and the shared job service, as seen from a Streamlit session.

The owner token is an unguessable string kept in session state and in a cookie, so a browser
refresh keeps the visitor's runs; a shared link carries only run ids, never the token."""

from __future__ import annotations

import re

import streamlit as st

from ..i18n import t
from ..jobs.keyguard import client_address
from ..jobs.service import JobService, get_service, new_owner_token

COOKIE = "losslab_owner"
# Query parameters the app itself reads on every page; a lab's form leaves them alone.
APP_URL_PARAMS = frozenset({"run", "lang", "present", "l"})
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
_RUN_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


def service() -> JobService:
    return get_service()


def owner() -> str:
    ss = st.session_state
    if "owner" not in ss:
        token = st.context.cookies.get(COOKIE) if st.context.cookies else None
        ss.owner = token if token and _TOKEN_RE.match(token) else new_owner_token()
        ss.owner_cookie_set = bool(token) and token == ss.owner
    return ss.owner


def remember_owner() -> None:
    """Write the owner cookie once per session (a refresh then finds the same runs)."""
    if not st.session_state.get("owner_cookie_set"):
        # Secure when the page came over HTTPS (a lab admin's TLS proxy): never sent in clear then.
        st.html(f"<script>document.cookie = '{COOKIE}={owner()}; path=/; max-age=31536000; SameSite=Strict'"
                " + (location.protocol === 'https:' ? '; Secure' : '');</script>", unsafe_allow_javascript=True)
        st.session_state.owner_cookie_set = True


def admin_token() -> str | None:
    """The admin token once the lecturer unlocked it in this session (ui/admin.py, rate-limited)."""
    return st.session_state.get("admin_token")


def is_admin() -> bool:
    return JobService.is_admin(st.session_state.get("admin_token"))


def lock() -> None:
    """End the lecturer's unlock in this browser session."""
    st.session_state.pop("admin_token", None)


def client() -> str:
    """The client's address key ("address:…") its runs count against (fair share, jobs.service)."""
    forwarded = (st.context.headers or {}).get("X-Forwarded-For", "")
    return f"address:{client_address(st.context.ip_address, forwarded)}"


def client_keys() -> list[str]:
    """Who is trying the admin token, for the limit on wrong tokens: this browser session and its
    address (keyguard.client_address: the socket's peer; X-Forwarded-For only from a proxy the
    operator trusts; no address = the one shared loopback key)."""
    ss = st.session_state
    if "guard_session" not in ss:
        ss.guard_session = new_owner_token()
    return [f"session:{ss.guard_session}", client()]


def code_span(text: str) -> str:
    """A link's own text shown literally: inside a code span Markdown makes no link, no emphasis;
    a backtick of its own would end the span, so it becomes a look-alike."""
    return "`" + text.replace("`", "ˋ").replace("\n", " ") + "`"


def md_escape(text: str) -> str:
    """A sentence that quotes what a link said, made inert: no Markdown link ("](" split by a
    zero-width space), no autolink ("://", "www."), no HTML tag; it reads the same."""
    zw = "\u200b"
    return (text.replace("](", "]" + zw + "(").replace("://", ":" + zw + "//").replace("www.", "www" + zw + ".")
            .replace("<", "‹").replace(">", "›"))


def run_ids_from_url() -> tuple[list[str], str | None]:
    """Run ids in `?run=a,b,c`, and a one-sentence problem if the parameter is malformed."""
    raw = st.query_params.get("run")
    if not raw:
        return [], None
    ids = [r for r in raw.split(",") if r][:8]
    bad = [r for r in ids if not _RUN_ID_RE.match(r)]
    if bad:
        return [], t("link.bad_run", run=code_span(repr(bad[0][:40])))
    return ids, None


def show_runs_in_url(run_ids: list[str]) -> None:
    if run_ids:
        st.query_params["run"] = ",".join(run_ids)
    elif "run" in st.query_params:
        del st.query_params["run"]
    seen = st.session_state.setdefault("seen_runs", [])
    for r in run_ids:
        if r not in seen:
            seen.append(r)


# --- state the pages share, through typed accessors (one key each, named once) ------------

def set_on_explorer(value: bool) -> None:
    """Whether this rerun shows the explorer (the side panel then reruns the page on a change)."""
    st.session_state["on_explorer"] = bool(value)


def on_explorer() -> bool:
    return bool(st.session_state.get("on_explorer"))


def panel_marker() -> dict:
    """The side panel's current choice ({"task", "x", "target"} or P and Q), marked by the explorer."""
    return st.session_state.get("panel_marker") or {}


def set_panel_marker(marker: dict) -> None:
    st.session_state["panel_marker"] = marker

