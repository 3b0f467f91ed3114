"""The lecturer's view, unlocked by LOSSLAB_ADMIN_TOKEN: all runs, worker load, share to class."""

from __future__ import annotations

import math

import streamlit as st

from .. import settings
from ..i18n import t
from ..jobs.keyguard import guard_for
from ..jobs.errors import JobError
from .runs import manage, table
from .session import client_keys, is_admin, lock, service


def unlock() -> bool:
    if not settings.get("LOSSLAB_ADMIN_TOKEN"):
        st.info(t("admin.off"))
        return False
    if is_admin():
        return True
    # 3.3.8: a password field a password manager fills and paste works in (Streamlit would send
    # autocomplete="new-password", which managers take as "suggest a new one")
    token = st.text_input(t("admin.token"), type="password", key="admin_input", autocomplete="current-password")
    if token:
        ok, wait = guard_for(service()).attempt(token, client_keys())
        if ok:
            st.session_state["admin_token"] = token
            st.rerun()
        st.error(t("admin.wait", seconds=math.ceil(wait)) if wait else t("admin.wrong"))
    return False


def lock_button() -> None:
    """End the unlock here (a shared lecture-hall PC): the token must be typed again."""
    if st.button(t("admin.lock"), key="admin_lock", help=t("admin.lock_help")):
        lock()
        st.session_state.pop("admin_input", None)
        st.rerun()


def overview() -> None:
    counts = service().counts()
    status = service().executor.status() if service().executor else {}
    cols = st.columns(5)
    cols[0].metric(t("admin.alive"), f"{status.get('alive', 0)} / {status.get('workers', 0)}")
    cols[1].metric(t("admin.running"), counts.get("running", 0))
    cols[2].metric(t("admin.queued"), counts.get("queued", 0))
    cols[3].metric(t("admin.finished"), sum(v for k, v in counts.items() if k not in ("running", "queued")))
    cols[4].metric(t("admin.restarts"), status.get("restarts", 0))
    batches = service().batches()
    if batches:  # a class that pressed Start together trains as one program per worker
        st.caption(t("admin.batches", count=len(batches), sizes=" + ".join(str(n) for n in batches),
                     runs=sum(batches)))
    if status.get("executor") == "ray":
        cluster(status)
    pinned = service().pinned()
    if pinned:
        st.info(t("admin.shared", run=pinned))
        if st.button(t("admin.unshare"), key="admin_unpin"):
            service().pin(None, st.session_state["admin_token"])
            st.rerun()


def cluster(status: dict) -> None:
    """LOSSLAB_EXECUTOR=ray: which actors train, on which nodes (a lost node shows here)."""
    st.caption(t("admin.cluster", **{k: status[k] for k in ("alive", "workers", "nodes", "restarts", "store")}))
    st.dataframe([{t("admin.col_actor"): a["actor"], t("admin.col_node"): a["node"], t("admin.col_pid"): a["pid"],
                   t("admin.col_alive"): "✓" if a["alive"] else "✗"} for a in status["actors"]],
                 hide_index=True, width="stretch")


def all_runs() -> None:
    st.header(t("admin.all_runs"))
    runs = service().list_runs(None)
    if not runs:
        st.caption(t("admin.no_runs"))
        return
    selected = table(runs, key="admin_table")
    manage(selected, key="admin")
    if len(selected) == 1 and st.button(t("admin.share"), key="admin_pin"):
        try:
            service().pin(selected[0]["id"], st.session_state["admin_token"])
            st.rerun()
        except JobError as exc:
            st.error(str(exc))
