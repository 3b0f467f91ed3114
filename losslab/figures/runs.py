"""Figures of runs: loss curves (one or many runs), the fitted line over the data, residuals."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from ..series import downsample
from ..i18n import t
from .common import NEUTRAL, RIGHT, WRONG, finite, layout, series_style, smooth

MAX_POINTS = 2000


def loss_curves(curves: list[dict], *, title: str = "", y_title: str = "",
                log_y: bool = False, smoothing: float = 0.0, x_title: str = "",
                markers: list[tuple[int, str]] = ()) -> go.Figure:
    """curves: [{"name", "steps", "values", "dash"?}]; long curves are downsampled for drawing.
    markers: [(step, label)] drawn as labelled vertical lines (e.g. where a run diverged)."""
    fig = go.Figure()
    for i, c in enumerate(curves):
        steps, values = downsample(c["steps"], c["values"], MAX_POINTS)
        style = series_style(i)
        color = c.get("color", style["line"]["color"])
        # float32 travels as 4 bytes a number (base64): a live view resends these every poll.
        xs = np.asarray(steps, dtype=np.float32)
        if smoothing > 0:
            fig.add_scatter(x=xs, y=finite(values).astype(np.float32), name=t("figure.raw", name=c["name"]), mode="lines",
                            line=dict(color=color, width=1), opacity=0.25, showlegend=False)
            values = smooth(values, smoothing)
        # at most 14 markers along each curve: the series reads by shape too, in greyscale or on a pale projector
        fig.add_scatter(x=xs, y=finite(values).astype(np.float32), name=c["name"], mode="lines+markers",
                        line={**style["line"], "color": color, "dash": c.get("dash", style["line"]["dash"])},
                        marker={**style["marker"], "color": color, "maxdisplayed": 14})
    y_title = y_title or t("figure.loss")
    layout(fig, title or t("figure.training_loss"), x_title or t("figure.step"),
           y_title + (t("figure.log_scale") if log_y else ""))
    for step, label in markers:
        fig.add_vline(x=step, line_color=WRONG, line_dash="dash", annotation_text=label,
                      annotation_font_color=WRONG)
    if log_y:
        # Ticks at powers of ten only, at most ~6 of them: readable from the back row even when
        # a diverging run spans 30 decades.
        positive = [v for c in curves for v in c["values"] if v is not None and 0 < v < float("inf")]
        decades = math.log10(max(positive) / min(positive)) if positive else 1.0
        if positive and decades < 2.5:  # short range: ticks at 1, 2, 5 × 10^k, written out in full
            lo, hi = min(positive), max(positive)
            ticks = [m * 10.0**k for k in range(math.floor(math.log10(lo)) - 1, math.ceil(math.log10(hi)) + 1)
                     for m in (1, 2, 5) if lo / 2 <= m * 10.0**k <= hi * 2]
            fig.update_yaxes(type="log", tickvals=ticks, ticktext=[f"{t:g}" for t in ticks])
        else:
            fig.update_yaxes(type="log", dtick=max(1, math.ceil(decades / 6)), exponentformat="power")
    return fig


def regression_fit(points_x, points_y, lines: list[dict], *, optimum: tuple[float, float] | None = None,
                   x_title: str = "", y_title: str = "", n_data: int | None = None,
                   exact: list[dict] | None = None) -> go.Figure:
    """The data and one or more fitted lines: lines = [{"name", "slope", "intercept"}]; `exact`: each
    run's loss's own exact minimum, dashed in its run's colour (what the run should reach).

    Points after the first n_data are the injected outliers, drawn in another colour."""
    fig = go.Figure()
    n_data = len(points_x) if n_data is None else n_data
    fig.add_scatter(x=list(points_x[:n_data]), y=list(points_y[:n_data]), mode="markers", name=t("figure.data"),
                    marker=dict(size=12, color=NEUTRAL))
    if len(points_x) > n_data:
        fig.add_scatter(x=list(points_x[n_data:]), y=list(points_y[n_data:]), mode="markers", name=t("figure.outliers"),
                        marker=dict(size=14, color=WRONG, symbol="x"))
    lo, hi = min(points_x), max(points_x)
    pad = (hi - lo) * 0.05 or 1.0
    xs = [lo - pad, hi + pad]
    if optimum is not None:
        fig.add_scatter(x=xs, y=[optimum[0] * x + optimum[1] for x in xs], mode="lines",
                        name=t("figure.least_squares"), line=dict(color="#777777", width=2, dash="dot"))
    for i, line in enumerate(lines):
        fig.add_scatter(x=xs, y=finite([line["slope"] * x + line["intercept"] for x in xs]), mode="lines",
                        name=line["name"], line={**series_style(i, 4)["line"], **({"color": line["color"]} if "color" in line else {})})
    for i, line in enumerate(exact or []):
        fig.add_scatter(x=xs, y=[line["slope"] * x + line["intercept"] for x in xs], mode="lines", name=line["name"],
                        line={**series_style(i, 2)["line"], "dash": "dash"})
    layout(fig, t("figure.data_and_line"), x_title or t("figure.height"), y_title or t("figure.weight"))
    # Show the lines too (a starting line far below the data is the first lesson), but never let
    # a diverging line rescale the data into a flat row: at most two data spans beyond the data.
    ys = list(points_y)
    span = (max(ys) - min(ys)) or 1.0
    line_ys = [line["slope"] * x + line["intercept"] for line in lines for x in xs]
    line_ys = [y for y in line_ys if math.isfinite(y)]
    lo = max(min(ys + line_ys), min(ys) - 2 * span)
    hi = min(max(ys + line_ys), max(ys) + 2 * span)
    pad = 0.08 * (hi - lo)
    fig.update_yaxes(range=[lo - pad, hi + pad])
    return fig


def residuals(points_x, values, *, y_title: str = "", x_title: str = "") -> go.Figure:
    fig = go.Figure()
    vals = finite(values)
    fig.add_bar(x=list(points_x[:len(vals)]), y=vals, name=t("figure.residual"),
                marker_color=[WRONG if (v or 0) < 0 else RIGHT for v in vals],
                marker_pattern_shape=["/" if (v or 0) < 0 else "" for v in vals])  # below the line: hatched
    fig.add_hline(y=0, line_color=NEUTRAL)
    return layout(fig, t("figure.residuals_title"), x_title or t("figure.height"),
                  y_title or t("figure.residual_axis") + " (kg)", height=320)
