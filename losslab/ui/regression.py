"""The regression lab's run actions and live view (loss curves, the fitted line, residuals)."""

from __future__ import annotations

import functools

import streamlit as st

from .. import datasets, figures
from ..config import RegressionConfig, config_from_dict
from ..losses import LOSSES, unit_of
from ..labs.regression import exact_line, regression_points
from ..i18n import number, t
from ..figures import summaries
from . import landscape, points, step_map
from .landscape import names
from .charts import chart, data_table
from .chartkeys import spoken
from ..figures.keys import explorer_data
from .cache import is_live, shared_figure
from .live import (compare_losses, fmt, last_step, latest, live, series, start_and_reset, start_runs, status_line,
                   stop_button)
from .truth import curve_notes, gap_notes, pct


def actions(config: RegressionConfig | None) -> None:
    """Start / Compare / Reset buttons under the form."""
    start_and_reset("reg", config)
    compare_losses("reg", "regression", config, ["mse", "mae", "huber"], t("regression.compare_title"),
                   t("regression.compare_hint"))
    with st.expander(t("regression.quantiles_title"), expanded=False):
        st.caption(t("regression.quantiles_hint"))
        if st.button(t("regression.quantiles"), disabled=config is None, key="reg_quantiles_go"):
            start_runs([config.replace(loss="quantile", loss_param=tau) for tau in QUANTILES], label="quantiles")


QUANTILES = (0.1, 0.5, 0.9)


def render(runs: list[dict]) -> None:
    """Everything a regression run shows, for one run or a comparison of several."""
    configs = [config_from_dict(r["config"]) for r in runs]
    multi = len(runs) > 1
    data_by_run = {run["id"]: series(run["id"], run.get("version")) for run in runs}
    labels = names(configs)
    for run, cfg, name in zip(runs, configs, labels):
        status_line(run, title=name if multi else None, step=last_step(run["id"]))
    stop_button(runs, key="reg_stop")

    c1, c2 = st.columns([1, 1])
    log_y = c1.toggle(t("live.log_axis"), value=True, key="reg_log")
    smoothing = c2.slider(t("live.smoothing"), 0.0, 0.99, 0.0, 0.01, key="reg_smooth")
    snaps = {run["id"]: latest(run, "line") for run in runs}
    ids, versions = tuple(r["id"] for r in runs), tuple(r.get("version") for r in runs)
    curves, lines = [], []
    for run, cfg, name in zip(runs, configs, labels):
        data, snap = data_by_run[run["id"]], snaps[run["id"]]
        key = "train/mse" if multi else "train/loss"
        if key in data:
            curves.append({"name": name if multi else t("regression.training_loss"),
                           "steps": data[key][0], "values": data[key][1]})
        if snap:
            lines.append({"name": t("regression.line_at", name=name if multi else t("regression.fitted_line"),
                                    step=number(snap[0])),
                          "slope": snap[1]["slope"], "intercept": snap[1]["intercept"]})
    if multi:
        st.caption(t("regression.yardstick"))
    y_unit = "" if configs[0].data == "custom" else "kg"
    unit = unit_of(LOSSES["mse"] if multi else LOSSES[configs[0].loss], y_unit)
    y_title = (t("regression.mse_all") if multi else t("regression.loss_of", loss=LOSSES[configs[0].loss].label)) + \
        (f" ({unit})" if unit else "")
    left, right = st.columns([1, 1])
    with left:
        diverged = [(r["diverged_at"], t("live.diverged_marker")) for r in runs if r.get("diverged_at")]
        chart(shared_figure(("reg_loss", ids, log_y, smoothing), versions, lambda: figures.loss_curves(
                  curves, log_y=log_y, smoothing=smoothing, y_title=y_title, title=t("figure.loss_while_training"),
                  markers=diverged), live=is_live(runs)),
              "reg_loss_chart", summaries.loss_curves(curves, configs[0].epochs), lambda: summaries.curve_rows(curves),
              explore=explorer_data(curves, title=t("figure.loss_while_training"), x_name=t("keys.x_epoch"), unit=unit,
                                    log_y=log_y), said=spoken("reg", runs, curves, unit))
        curve_notes(configs)
    xs, ys, n_data, (slope, intercept) = _data(configs[0])
    axes = _axes(configs[0])
    # each loss's own exact line (MSE's is the least-squares line, drawn already)
    exact = [{"name": t("truth.exact_line", name=name), "slope": e[0], "intercept": e[1]}
             for name, c in zip(labels, configs) if c.loss != "mse" for e in [_exact(c)]]
    with right:
        chart(shared_figure(("reg_fit", ids), versions, lambda: figures.regression_fit(
                  xs, ys, lines, optimum=(slope, intercept), n_data=n_data, exact=exact, **axes), live=is_live(runs)),
              "reg_fit_chart", summaries.fitted_lines(lines + exact, (slope, intercept)),
              [{axes["x_title"]: x, axes["y_title"]: y} for x, y in zip(xs, ys)])
    snap = snaps[runs[0]["id"]]
    if not multi and snap:
        unit = " (kg)" if configs[0].data != "custom" else ""
        chart(shared_figure(("reg_resid", ids), versions, lambda: figures.residuals(
                  xs, snap[1]["residuals"], x_title=axes["x_title"], y_title=t("figure.residual_axis") + unit), live=is_live(runs)),
              "reg_resid_chart",
              summaries.residuals(xs, snap[1]["residuals"]),
              [{axes["x_title"]: x, t("figure.residual"): r} for x, r in zip(xs, snap[1]["residuals"])])
    if not is_live(runs):  # its final values exist only at the end; while live it cost a poll 15 % of its time
        gap_notes(runs, configs, labels)
        st.caption(t("truth.table_caption"))
        data_table(_final_table(runs, configs, slope, intercept), hide_index=True)


@functools.lru_cache(maxsize=256)
def _exact(config: RegressionConfig) -> tuple:
    """The run's loss's own exact best line on its points (slope, intercept, loss). A frozen
    config is its own cache key (hashable, compared field by field)."""
    best = exact_line(config)
    return (*best.theta, best.loss)


@functools.lru_cache(maxsize=256)
def _data(config: RegressionConfig):
    """A run's points and their least-squares line, computed once per config, not per poll."""
    xs, ys, n_data = regression_points(config)
    return xs, ys, n_data, datasets.least_squares(xs, ys)


def _axes(cfg: RegressionConfig) -> dict:
    if cfg.data == "custom":
        return {"x_title": "x", "y_title": "y"}
    return {"x_title": t("figure.height"), "y_title": t("figure.weight")}


def _final_table(runs, configs, slope, intercept):
    rows = []
    for run, cfg, name in zip(runs, configs, names(configs)):
        f = run["final"]
        # the gap first: on a phone or a projector the table scrolls sideways
        rows.append({t("table.loss"): name, t("table.status"): t("status." + run["status"]),
                     t("table.gap"): pct(f.get("final/gap")), t("table.final_loss"): fmt(f.get("final/loss")),
                     t("table.own_minimum"): fmt(f.get("minimum/loss")),
                     t("table.line_distance"): fmt(f.get("final/line_distance")),
                     t("table.last_step_loss"): fmt(f.get("train/loss")), t("table.final_mse"): fmt(f.get("final/mse")),
                     t("table.slope"): fmt(f.get("slope")), t("table.intercept"): fmt(f.get("intercept")),
                     t("table.run"): run["id"]})
    rows.append({t("table.loss"): t("figure.least_squares"), t("table.status"): "", t("table.gap"): "",
                 t("table.final_loss"): "", t("table.own_minimum"): "", t("table.line_distance"): "",
                 t("table.last_step_loss"): "", t("table.final_mse"): "", t("table.slope"): fmt(slope), t("table.intercept"): fmt(intercept),
                 t("table.run"): ""})
    return rows


def preview(config: RegressionConfig) -> None:
    """Before Start: the data (editable), each compared loss's exact line on them and the line this seed
    starts from (the same for every loss)."""
    points.section(config)  # the points to edit, each compared loss's exact line on them, the starting line
    step_map.section(config)


def show(run_ids: list[str]) -> None:
    live(run_ids, render, task="regression")
    landscape.live_section(run_ids)  # its own fragment: the path grows at its own, slower pace
    step_map.section_for_runs(run_ids)
