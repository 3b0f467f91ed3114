"""Shared styling and helpers for every figure."""

from __future__ import annotations

import math

import plotly.graph_objects as go

FONT = dict(size=16)
COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"]


def layout(fig: go.Figure, title: str, x: str, y: str, *, revision: str = "keep", height: int = 420) -> go.Figure:
    fig.update_layout(
        title=dict(text=title, font=dict(size=20)), font=FONT, height=height,
        xaxis_title=x, yaxis_title=y, uirevision=revision, template="plotly_white",
        margin=dict(l=70, r=20, t=60, b=110),
        # Below the plot: a legend at the top collides with the title on narrow columns.
        legend=dict(orientation="h", yanchor="top", y=-0.2, xanchor="left", x=0.0),
    )
    return fig


def finite(values) -> list:
    """Plotly's JSON has no NaN or inf: such points become gaps (None)."""
    return [v if isinstance(v, (int, float)) and math.isfinite(v) else None for v in values]


def smooth(values, weight: float) -> list:
    """TensorBoard-style exponential moving average, debiased; weight 0 = raw."""
    if weight <= 0:
        return list(values)
    out, avg, n = [], 0.0, 0
    for v in values:
        if v is None or not math.isfinite(v):
            out.append(v)
            continue
        n += 1
        avg = weight * avg + (1 - weight) * v
        out.append(avg / (1 - weight**n))
    return out
