"""The binary lab's run actions and live view: loss curves, accuracy, and the plane with the
decision boundary moving as the model trains (or every compared loss's boundary overlaid)."""

from __future__ import annotations

import time

import streamlit as st

from .. import figures
from ..config import BinaryConfig, config_from_dict
from ..figures import summaries
from ..announce import redraw_due
from ..figures import describe
from ..figures.binary import boundaries, boundary, decode_logits
from ..i18n import number, t
from ..lessons import saturating
from ..losses import LOSSES, run_name, unit_of
from .charts import chart, data_table
from .chartkeys import spoken
from ..figures.keys import explorer_data
from .cache import is_live, shared_figure
from .live import (compare_losses, fmt, last_step, latest, live, series, start_and_reset, start_runs, status_line,
                   stop_button)
from .truth import gap_notes, pct

MARGIN_LOSSES = ("hinge", "squared_hinge_binary")  # their lesson is the ±1 margin: draw it


def actions(config: BinaryConfig | None) -> None:
    start_and_reset("bin", config)
    compare_losses("bin", "binary", config, ["bce_logits", "hinge", "binary_focal"], t("binary.compare_title"),
                   t("binary.compare_hint"))
    with st.expander(t("binary.naive_title"), expanded=False):
        st.caption(t("binary.naive_hint"))
        if st.button(t("binary.naive_go"), disabled=config is None, key="bin_naive_go"):
            start_runs([saturating(config, "bce"), saturating(config, "bce_logits")], label="naive bce")


def render(runs: list[dict]) -> None:
    configs = [config_from_dict(r["config"]) for r in runs]
    multi = len(runs) > 1
    names = [run_name(LOSSES[c.loss], c.loss_param) for c in configs]
    data = {r["id"]: series(r["id"], r.get("version")) for r in runs}  # first: the status lines read the step it reached
    for run, cfg, name in zip(runs, configs, names):
        status_line(run, title=name if multi else None, step=last_step(run["id"]))
        if run["status"] == "diverged" and cfg.loss == "bce":
            st.info(t("binary.naive_diverged", step=number(run.get("diverged_at") or 0)))
    stop_button(runs, key="bin_stop")
    # one run: its own loss; several: one yardstick (BCE of each run's probabilities), not each loss's own scale
    key = "train/bce" if multi else "train/loss"
    curves = [{"name": name if multi else t("regression.training_loss"), "steps": data[r["id"]][key][0],
               "values": data[r["id"]][key][1]} for r, name in zip(runs, names) if key in data[r["id"]]]
    if multi:
        st.caption(t("truth.binary_yardstick"))
    unit = unit_of(LOSSES["bce" if multi else configs[0].loss], "")
    left, right = st.columns([2, 3])
    with left:
        ids, versions = tuple(r["id"] for r in runs), tuple(r.get("version") for r in runs)
        chart(shared_figure(("bin_loss", ids), versions, lambda: figures.loss_curves(
                  curves, log_y=True, title=t("figure.loss_while_training"),
                  y_title=t("figure.bce_all") if multi else t("figure.loss"),
                  markers=[(r["diverged_at"], t("truth.naive_marker") if c.loss_fn.stable_form else t("live.diverged_marker"))
                           for r, c in zip(runs, configs) if r.get("diverged_at")]), live=is_live(runs)),
              "bin_loss_chart", summaries.loss_curves(curves), lambda: summaries.curve_rows(curves),
              explore=explorer_data(curves, title=t("figure.loss_while_training"), unit=unit, log_y=True),
              said=spoken("bin", runs, curves, unit))
        rows = []
        for r, name in zip(runs, names):
            acc, f = data[r["id"]], r.get("final") or {}
            rows.append({t("table.loss"): name, t("binary.train_accuracy"): _pct(acc.get("train/accuracy")),
                         t("binary.test_accuracy"): _pct(acc.get("test/accuracy")), t("table.gap"): pct(f.get("final/gap")),
                         t("table.final_loss"): fmt(f.get("final/loss")), t("table.own_minimum"): fmt(f.get("minimum/loss")),
                         t("table.bce_yardstick"): fmt(f.get("final/bce"))})
        data_table(rows, hide_index=True, key="bin_acc_table")
        if not is_live(runs):
            gap_notes(runs, configs, names)
            if any("final/gap" not in (r.get("final") or {}) for r in runs if r["status"] == "completed"):
                st.caption(t("truth.no_minimum"))
    with right:
        _plane(runs, configs, names)


def _plane(runs, configs, names) -> None:
    found = latest(runs[0], "points")
    if not found:
        return
    points = found[1]
    snaps = [latest(r, "boundary") for r in runs]
    ids, versions = tuple(r["id"] for r in runs), tuple(r.get("version") for r in runs)
    if len(runs) > 1:
        have = [(s[1], n) for s, n in zip(snaps, names) if s]
        if have:
            step = min(s[0] for s in snaps if s)
            chart(shared_figure(("bin_planes", ids), versions, lambda: boundaries(
                      points, [h[0] for h in have], [h[1] for h in have], title=t("binary.compare_plane")), live=is_live(runs)),
                  "bin_plane_compare", t("summary.boundaries", names=", ".join(h[1] for h in have), step=number(step)))
        return
    if not snaps[0]:
        return
    step, snap = _held(runs[0], *snaps[0])
    # keyed by the snapshot's step: a held picture is exactly the one drawn before, not a newer one
    chart(shared_figure(("bin_plane", ids, step), step, lambda: boundary(
              points, snap, title=t("binary.plane_title", step=number(step)), margins=configs[0].loss in MARGIN_LOSSES)),
          "bin_plane", t("summary.boundary", train=_pct(snap.get("train_accuracy")), test=_pct(snap.get("test_accuracy")),
                         step=number(step), n=len(snap.get("top", []))) + " " +
          describe.boundary(points, decode_logits(snap["z"], points["grid"])))
    if configs[0].loss in MARGIN_LOSSES:
        st.caption(t("binary.margin_caption"))


def _held(run: dict, step: int, snap: dict) -> tuple[int, dict]:
    """The heatmap's snapshot to draw now: a new one at most once a second (announce.redraw_due;
    WCAG 2.3.1), whatever reruns the page (polls, widgets, the chart explorer's cursor)."""
    key, now = f"_bin_plane_{run['id']}", time.monotonic()
    held = st.session_state.get(key)
    if held and held[1] != step and not redraw_due(held[0], now):
        return held[1], held[2]
    if not held or held[1] != step:
        st.session_state[key] = (now, step, snap)
    return step, snap


def _pct(values) -> str:
    if not values:
        return "–"
    value = values[1][-1] if isinstance(values, tuple) else values
    return "–" if value is None else f"{100 * value:.1f} %"


def show(run_ids: list[str]) -> None:
    live(run_ids[:5], render, task="binary")
