"""Figures of the losses themselves: the side panel's bars and the explorer's curves."""

from __future__ import annotations

import math

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..i18n import t
from .common import NEUTRAL, RIGHT, WRONG, finite, layout, series_style


def loss_bars(rows, *, title: str | None = None) -> go.Figure:
    """Horizontal bars of each loss's value, sorted; inf/NaN shown as labelled markers."""
    ordered = sorted(rows, key=lambda r: (not math.isfinite(r.value), r.value if math.isfinite(r.value) else 0))
    labels = [str(r.label) for r in ordered]
    values = [r.value if math.isfinite(r.value) else 0.0 for r in ordered]
    text = [f"{r.value:.4g}" if math.isfinite(r.value) else ("NaN" if math.isnan(r.value) else "∞") for r in ordered]
    fig = go.Figure(go.Bar(y=labels, x=values, orientation="h", text=text, textposition="auto", name=t("figure.loss_value"),
                           marker_color=[WRONG if not math.isfinite(r.value) else RIGHT for r in ordered]))
    layout(fig, title or t("figure.loss_values"), t("figure.loss_value"), "", height=80 + 45 * len(rows))
    fig.update_layout(margin=dict(l=10, r=10, t=40, b=40), font=dict(size=13), title_font_size=16)
    return fig


def loss_sweep(curves: dict, labels: dict, *, x_title: str, marker: float | None = None,
               marker_label: str = "", title: str = "") -> go.Figure:
    """curves: {name: (xs, values, grads)}; two panels sharing the x axis: value and gradient."""
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08,
                        subplot_titles=(t("figure.loss"), t("figure.gradient_title")))
    for i, (name, (xs, values, grads)) in enumerate(curves.items()):
        style = series_style(i)
        color = style["line"]["color"]
        fig.add_scatter(x=xs, y=finite(values), name=labels.get(name, name), mode="lines",
                        line=style["line"], legendgroup=name, row=1, col=1)
        fig.add_scatter(x=xs, y=finite(grads), name=labels.get(name, name), mode="lines", showlegend=False,
                        line=style["line"], legendgroup=name, row=2, col=1)
        if marker is not None and xs:
            j = min(range(len(xs)), key=lambda k: abs(xs[k] - marker))
            for row, ys in ((1, values), (2, grads)):
                fig.add_scatter(x=[xs[j]], y=finite([ys[j]]), mode="markers", showlegend=False,
                                marker=dict(size=12, color=color, symbol=style["marker"]["symbol"],
                                            line=dict(color="black", width=1)),
                                hovertext=marker_label, row=row, col=1)
    if marker is not None:
        fig.add_vline(x=marker, line_dash="dash", line_color=NEUTRAL, annotation_text=marker_label)
    layout(fig, title or t("figure.loss_and_gradient"), "", "", height=640)
    fig.update_xaxes(title_text=x_title, row=2, col=1)
    fig.update_yaxes(title_text=t("figure.loss"), row=1, col=1)
    fig.update_yaxes(title_text=t("figure.gradient"), row=2, col=1)
    return fig


def outlier_bars(rows: list[dict], big: float) -> go.Figure:
    """Horizontal bars, one pair per loss: ten losses' names stay readable on a phone (upright
    category labels on a vertical bar chart were rotated and clipped)."""
    fig = go.Figure()
    names = [str(r["label"]) for r in rows]
    fig.add_bar(y=names, x=[r["grad_typical"] for r in rows], name=t("figure.typical_point"), marker_color=RIGHT,
                orientation="h")
    fig.add_bar(y=names, x=[r["grad_outlier"] for r in rows], name=t("figure.outlier_point", residual=f"{big:g}"),
                marker_color=WRONG, marker_pattern_shape="/", orientation="h",
                text=[f"×{r['ratio']:.1f}" for r in rows], textposition="outside", cliponaxis=False)
    layout(fig, t("figure.outlier_title"), t("figure.grad_axis"), "", height=140 + 52 * len(rows))
    fig.update_layout(barmode="group", bargap=0.25)
    fig.update_yaxes(autorange="reversed", automargin=True)
    return fig
