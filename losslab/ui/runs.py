"""The Runs page: a visitor's runs and runs opened by link; overlay curves, stop, delete, CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io

import streamlit as st

from .. import figures
from ..jobs.errors import JobError
from ..labs import LABS
from ..losses import LOSSES
from ..i18n import t
from ..figures import summaries
from ..figures.keys import explorer_data
from .charts import chart
from .live import STATUS_ICONS, fmt, page_runs, series
from .session import admin_token, owner, service


def visible_runs() -> list[dict]:
    """Own runs, plus runs opened by link in this session; a link to a run that is gone says so."""
    runs = {r["id"]: r for r in service().list_runs(owner())}
    link_ids = page_runs()
    others = [i for i in dict.fromkeys(link_ids + st.session_state.get("seen_runs", [])) if i not in runs]
    for r in service().runs_by_id(others, viewer=owner()):
        runs.setdefault(r["id"], r)
    missing = [i for i in link_ids if i not in runs]
    if missing:
        st.warning(t("runs.gone", run=missing[0]))
    return sorted(runs.values(), key=lambda r: r["created"], reverse=True)


def describe(r: dict) -> dict:
    c = r["config"]
    loss = str(LOSSES[c["loss"]].label) if c.get("loss") in LOSSES else c.get("loss")
    if r["task"] == "slice":
        loss = t("table.slice_of", run=c.get("run"), method=t(f"slice.method_{c.get('method', 'pca')}"))
        result = "–" if not r["final"] else t("table.slice_result", gap=fmt(r["final"].get("max_gap")))
    elif r["task"] == "study":  # a grid of runs: its losses, and how many cells it finished
        loss = ", ".join(str(LOSSES[n].label) if n in LOSSES else n for n in c.get("losses", []))
        result = t("table.study_result", done=r["final"].get("cells_done", 0), total=r["final"].get("cells", "?")) \
            if r["final"] else "–"
    else:  # a lab's run: its lab says which final number sums it up
        said = LABS[r["task"]].result(r["final"] or {}) if r["task"] in LABS else None
        result = t(said[0], **{k: fmt(v) for k, v in said[1].items()}) if said else "–"
    return {t("table.run"): r["id"], t("table.task"): t(f"nav.{r['task']}"),
            t("table.status"): f"{STATUS_ICONS.get(r['status'], '')} {t('status.' + r['status'])}",
            t("table.loss"): loss, t("table.optimizer"): c.get("optimizer"), t("table.lr"): c.get("lr"),
            t("table.result"): result, t("table.started"): dt.datetime.fromtimestamp(r["created"]).strftime("%H:%M:%S"),
            t("table.mine"): t("table.yes") if r["is_owner"] else t("table.shared")}


def table(runs: list[dict], key: str) -> list[dict]:
    """A selectable table of runs; returns the selected ones."""
    event = st.dataframe([describe(r) for r in runs], hide_index=True, key=key, on_select="rerun",
                         selection_mode="multi-row")
    return [runs[i] for i in event.selection.rows] if event and event.selection else []


def overlay(selected: list[dict]) -> None:
    curves = []
    for r in selected:
        key = "train/loss"
        data = series(r["id"], r.get("version"))
        if key in data:
            loss = LOSSES.get(r["config"].get("loss"))
            curves.append({"name": f"{r['id'][:6]} · {loss.label if loss else '?'} · η {r['config'].get('lr')}",
                           "steps": data[key][0], "values": data[key][1]})
    log_y = st.toggle(t("live.log_axis"), value=True, key="runs_log")
    chart(figures.loss_curves(curves, log_y=log_y, title=t("runs.overlay_title"), y_title=t("runs.overlay_axis")),
          "runs_overlay", summaries.loss_curves(curves), lambda: summaries.curve_rows(curves),
          explore=explorer_data(curves, title=t("runs.overlay_title"), log_y=log_y))


def csv_bytes(run_ids: list[str]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["run", "step", "epoch", "split", "name", "value", "time"])
    for rid in run_ids:
        for row in service().metric_rows(rid):
            w.writerow([rid, *row])
    return buf.getvalue().encode()


def manage(selected: list[dict], key: str) -> None:
    c1, c2, c3 = st.columns(3)
    if c1.button(t("runs.stop"), key=f"{key}_stop", disabled=not selected):
        _act(selected, service().stop, "runs.could_not_stop")
    if c2.button(t("runs.delete"), key=f"{key}_delete", disabled=not selected):
        _act(selected, service().delete, "runs.could_not_delete")
    c3.download_button(t("runs.csv"), data=csv_bytes([r["id"] for r in selected]) if selected else b"",
                       file_name="losslab-metrics.csv", mime="text/csv", disabled=not selected, key=f"{key}_csv")


def _act(selected, action, message_key):
    errors = []
    for r in selected:
        try:
            action(r["id"], owner(), admin=admin_token())
        except JobError as exc:
            errors.append(f"{r['id']}: {exc}")
    if errors:
        st.error(t(message_key, problems="; ".join(errors)))
    else:
        st.rerun()
