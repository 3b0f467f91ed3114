"""The regression lab's run actions and live view (loss curves, the fitted line, residuals)."""

from __future__ import annotations

import functools

import streamlit as st

from .. import datasets, figures
from ..config import RegressionConfig, config_from_dict, config_from_json
from ..losses import LOSSES, losses_for, unit_of
from ..training import initial_line, regression_points
from .live import fmt, live, series, start_and_reset, start_runs, status_line, stop_button
from .session import service


def actions(config: RegressionConfig | None) -> None:
    """Start / Compare / Reset buttons under the form."""
    start_and_reset("reg", config)
    with st.expander("Compare losses on the same data, from the same start", expanded=False):
        names = st.multiselect("Losses", [l.name for l in losses_for("regression")], default=["mse", "mae", "huber"],
                               format_func=lambda n: LOSSES[n].label, key="reg_compare", max_selections=5)
        st.caption("Add outliers first: MSE's line is dragged towards them, MAE's and Huber's barely move.")
        if st.button("Compare", disabled=config is None or not names, key="reg_compare_go"):
            start_runs([config.replace(loss=n, loss_param=None) for n in names], label="compare")


def render(runs: list[dict]) -> None:
    """Everything a regression run shows, for one run or a comparison of several."""
    configs = [config_from_dict(r["config"]) for r in runs]
    multi = len(runs) > 1
    data_by_run = {run["id"]: series(run["id"]) for run in runs}  # first, so the status line knows the step
    for run, cfg in zip(runs, configs):
        status_line(run, cfg.epochs, title=LOSSES[cfg.loss].label if multi else None)
    stop_button(runs, key="reg_stop")

    c1, c2 = st.columns([1, 1])
    log_y = c1.toggle("Log-scale loss axis", value=True, key="reg_log")
    smoothing = c2.slider("Smoothing", 0.0, 0.99, 0.0, 0.01, key="reg_smooth")
    snaps = {run["id"]: service().latest_snapshot(run["id"], "line") for run in runs}
    curves, lines = [], []
    for run, cfg in zip(runs, configs):
        data, snap = data_by_run[run["id"]], snaps[run["id"]]
        key = "train/mse" if multi else "train/loss"
        if key in data:
            curves.append({"name": LOSSES[cfg.loss].label if multi else "training loss",
                           "steps": data[key][0], "values": data[key][1]})
        if snap:
            lines.append({"name": f"{LOSSES[cfg.loss].label if multi else 'fitted line'} (step {snap[0]:,})",
                          "slope": snap[1]["slope"], "intercept": snap[1]["intercept"]})
    if multi:
        st.caption("Curves show each run's MSE on all points: one yardstick for every loss.")
    y_unit = "" if configs[0].data == "custom" else "kg"
    unit = unit_of(LOSSES["mse"] if multi else LOSSES[configs[0].loss], y_unit)
    y_title = ("MSE on all points" if multi else f"{LOSSES[configs[0].loss].label} loss") + (f" ({unit})" if unit else "")
    left, right = st.columns([1, 1])
    with left:
        diverged = [(r["diverged_at"], "NaN/∞ here: lower η") for r in runs if r.get("diverged_at")]
        st.plotly_chart(figures.loss_curves(curves, log_y=log_y, smoothing=smoothing, y_title=y_title,
                                            title="Loss while training", markers=diverged), key="reg_loss_chart")
    xs, ys, n_data, (slope, intercept) = _data(configs[0].to_json())
    axes = _axes(configs[0])
    with right:
        st.plotly_chart(figures.regression_fit(xs, ys, lines, optimum=(slope, intercept), n_data=n_data, **axes),
                        key="reg_fit_chart")
    snap = snaps[runs[0]["id"]]
    if not multi and snap:
        unit = " (kg)" if configs[0].data != "custom" else ""
        st.plotly_chart(figures.residuals(xs, snap[1]["residuals"], x_title=axes["x_title"],
                                          y_title=f"residual y − ŷ{unit}"), key="reg_resid_chart")
    st.dataframe(_final_table(runs, configs, slope, intercept), hide_index=True)


@functools.lru_cache(maxsize=256)
def _data(config_json: str):
    """A run's points and their least-squares line, computed once per config, not per poll."""
    xs, ys, n_data = regression_points(config_from_json(config_json))
    return xs, ys, n_data, datasets.least_squares(xs, ys)


def _axes(cfg: RegressionConfig) -> dict:
    if cfg.data == "custom":
        return {"x_title": "x", "y_title": "y"}
    return {"x_title": "height (cm)", "y_title": "weight (kg)"}


def _final_table(runs, configs, slope, intercept):
    rows = []
    for run, cfg in zip(runs, configs):
        f = run["final"]
        rows.append({"loss": LOSSES[cfg.loss].label, "status": run["status"], "final loss": fmt(f.get("final/loss")),
                     "final MSE": fmt(f.get("final/mse")), "slope": fmt(f.get("slope")),
                     "intercept": fmt(f.get("intercept")), "run": run["id"]})
    rows.append({"loss": "least-squares line (all points)", "status": "", "final loss": "", "final MSE": "",
                 "slope": fmt(slope), "intercept": fmt(intercept), "run": ""})
    return rows


def preview(config: RegressionConfig) -> None:
    """Before Start: the data and the line this seed starts from (the same for every loss)."""
    xs, ys, n_data, optimum = _data(config.to_json())
    slope, intercept = initial_line(config)
    st.plotly_chart(figures.regression_fit(xs, ys, [{"name": f"starting line (seed {config.seed})", "slope": slope,
                                                     "intercept": intercept, "color": "#ff7f0e"}],
                                           optimum=optimum, n_data=n_data, **_axes(config)), key="reg_preview")


def show(run_ids: list[str]) -> None:
    live(run_ids, render, task="regression")
